// What VFIO_DEVICE_GET_REGION_INFO and VFIO_DEVICE_GET_IRQ_INFO report for the seed's device-
// specific fault region and IRQ (VFIO v13: "Add VFIO_REGION_TYPE_NESTED region type", "Allow to
// mmap the fault queue", "Register a DMA fault response region", "Add new IRQ for DMA fault
// reporting"). For the device-fd model (src/model/vfio/device.ts) to list after its PCI regions.

import {
  DMA_FAULT_RING_LENGTH, DMA_FAULT_RING_OFFSET, SIZEOF_IOMMU_FAULT, VFIO_IRQ_INFO_CAP_TYPE, VFIO_IRQ_SUBTYPE_DMA_FAULT,
  VFIO_IRQ_TYPE_NESTED, VFIO_PCI_DMA_FAULT_IRQ_INDEX, VFIO_REGION_INFO_CAP_DMA_FAULT,
  VFIO_REGION_INFO_CAP_DMA_FAULT_RESPONSE, VFIO_REGION_INFO_CAP_TYPE, VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT,
  VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT_RESPONSE, VFIO_REGION_TYPE_NESTED,
} from './uapi';

/** VFIO_REGION_INFO_FLAG_READ | WRITE | MMAP (include/uapi/linux/vfio.h). */
const READ = 1 << 0, WRITE = 1 << 1, MMAP = 1 << 2;

export interface NestedRegionInfo {
  flags: number;
  size: number;
  caps: Record<string, number>[];
}

/** The DMA_FAULT region: header page, then the mmappable ring. ASSUMPTION: size = one page for
 *  the header + DMA_FAULT_RING_LENGTH entries (the size expression of vfio_pci_dma_fault_init()
 *  was not read; the mmap patch places the ring at PAGE_SIZE and exposes region size - PAGE_SIZE). */
export function dmaFaultRegionInfo(): NestedRegionInfo {
  const size = DMA_FAULT_RING_OFFSET + DMA_FAULT_RING_LENGTH * SIZEOF_IOMMU_FAULT;
  return {
    flags: READ | WRITE | MMAP, size,
    caps: [
      { id: VFIO_REGION_INFO_CAP_TYPE, version: 1, type: VFIO_REGION_TYPE_NESTED, subtype: VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT },
      { id: VFIO_REGION_INFO_CAP_DMA_FAULT, version: 1, abi_version: 1 },
    ],
  };
}

/** The page-response region (subtype 2, capability 7): only meaningful for stall/PRI faults,
 *  which this SMMU cannot raise; listed so a VMM finds it. Size as the fault region's (ASSUMPTION). */
export function dmaFaultResponseRegionInfo(): NestedRegionInfo {
  return {
    flags: READ | WRITE | MMAP, size: dmaFaultRegionInfo().size,
    caps: [
      { id: VFIO_REGION_INFO_CAP_TYPE, version: 1, type: VFIO_REGION_TYPE_NESTED, subtype: VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT_RESPONSE },
      { id: VFIO_REGION_INFO_CAP_DMA_FAULT_RESPONSE, version: 1, abi_version: 1 },
    ],
  };
}

/** The DMA_FAULT IRQ: index VFIO_PCI_NUM_IRQS (5), one eventfd, with the IRQ type capability
 *  {VFIO_IRQ_TYPE_NESTED, VFIO_IRQ_SUBTYPE_DMA_FAULT}. VFIO_IRQ_INFO_EVENTFD (1 << 0). */
export function dmaFaultIrqInfo(): { index: number; count: number; flags: number; caps: Record<string, number>[] } {
  return {
    index: VFIO_PCI_DMA_FAULT_IRQ_INDEX, count: 1, flags: 1 << 0,
    caps: [{ id: VFIO_IRQ_INFO_CAP_TYPE, version: 1, type: VFIO_IRQ_TYPE_NESTED, subtype: VFIO_IRQ_SUBTYPE_DMA_FAULT }],
  };
}
