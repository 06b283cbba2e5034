// The seed series' uapi (Eric Auger, "SMMUv3 Nested Stage Setup", IOMMU v15 / VFIO v13, April
// 2021; never merged): constants and struct layouts as the patches define them. The seeds
// (shared/seeds 000, 003) are the cover letters; the patch bodies were read in the list archive:
//   IOMMU v15 01/12 "iommu: Introduce attach/detach_pasid_table API"  include/uapi/linux/iommu.h
//   VFIO  v12/v13 01-03 "vfio: VFIO_IOMMU_SET_PASID_TABLE / _CACHE_INVALIDATE / _SET_MSI_BINDING"
//                                                                      include/uapi/linux/vfio.h
//   VFIO  v13 "vfio/pci: Add VFIO_REGION_TYPE_NESTED region type", "... DMA fault response region",
//         "vfio: Add new IRQ for DMA fault reporting"
// and the upstream 5.12 include/uapi/linux/iommu.h the series builds on (struct
// iommu_cache_invalidate_info, struct iommu_fault; removed again in 5.15 by "iommu: Remove guest
// pasid related interfaces and definitions"). Sizes are x86-64/arm64 C layouts (u64 8-aligned).

import { vfioIoctl } from '../ioctl';

// ---- ioctl numbers (VFIO v12 moved them from +22/+23/+24 to +18/+19/+20, sharing numbers with
// the sPAPR container ioctls; primer smmuv3-nested-msi.md §4.6 and §7.7) ----------------------
export const VFIO_IOMMU_SET_PASID_TABLE = vfioIoctl(18);
export const VFIO_IOMMU_CACHE_INVALIDATE = vfioIoctl(19);
export const VFIO_IOMMU_SET_MSI_BINDING = vfioIoctl(20);

// ---- struct vfio_iommu_type1_set_pasid_table {u32 argsz; u32 flags; struct
// iommu_pasid_table_config config;} ---------------------------------------------------------
export const VFIO_PASID_TABLE_FLAG_SET = 1 << 0;
export const VFIO_PASID_TABLE_FLAG_UNSET = 1 << 1;
/** offsetofend(struct vfio_iommu_type1_set_pasid_table, flags) */
export const MINSZ_SET_PASID_TABLE = 8;

/** struct iommu_pasid_table_config (v14 swapped base_ptr and format): argsz u32 @0, version u32
 *  @4, base_ptr u64 @8, format u32 @16, pasid_bits u8 @20, config u8 @21, padding[2] @22,
 *  vendor_data.smmuv3 {version u32, s1fmt u8, s1dss u8, padding[2]} @24. */
export const PASID_TABLE_CFG_VERSION_1 = 1;
export const IOMMU_PASID_FORMAT_SMMUV3 = 1;
export const PASID_TABLE_SMMUV3_CFG_VERSION_1 = 1;
export const IOMMU_PASID_CONFIG_TRANSLATE = 1;
export const IOMMU_PASID_CONFIG_BYPASS = 2;
export const IOMMU_PASID_CONFIG_ABORT = 3;
/** offsetof(struct iommu_pasid_table_config, vendor_data): iommu_uapi_attach_pasid_table()'s minsz. */
export const MINSZ_PASID_TABLE_CONFIG = 24;
/** offsetofend(struct iommu_pasid_table_config, vendor_data.smmuv3) = sizeof: 24 + 8. */
export const SIZEOF_PASID_TABLE_CONFIG = 32;

// ---- struct vfio_iommu_type1_cache_invalidate {u32 argsz; u32 flags; struct
// iommu_cache_invalidate_info info;} --------------------------------------------------------
export const MINSZ_CACHE_INVALIDATE = 8;
/** struct iommu_cache_invalidate_info: argsz u32 @0, version u32 @4, cache u8 @8, granularity u8
 *  @9, padding[6] @10, union granu @16 {pasid_info 16 bytes; addr_info 40 bytes}. */
export const IOMMU_CACHE_INVALIDATE_INFO_VERSION_1 = 1;
export const IOMMU_CACHE_INV_TYPE_IOTLB = 1 << 0;
export const IOMMU_CACHE_INV_TYPE_DEV_IOTLB = 1 << 1;
export const IOMMU_CACHE_INV_TYPE_PASID = 1 << 2;
export const IOMMU_CACHE_INV_TYPE_NR = 3;
/** enum iommu_inv_granularity */
export const IOMMU_INV_GRANU_DOMAIN = 0;
export const IOMMU_INV_GRANU_PASID = 1;
export const IOMMU_INV_GRANU_ADDR = 2;
export const IOMMU_INV_GRANU_NR = 3;
/** struct iommu_inv_addr_info {u32 flags; u32 archid; u64 pasid; u64 addr; u64 granule_size;
 *  u64 nb_granules;} */
export const IOMMU_INV_ADDR_FLAGS_PASID = 1 << 0;
export const IOMMU_INV_ADDR_FLAGS_ARCHID = 1 << 1;
export const IOMMU_INV_ADDR_FLAGS_LEAF = 1 << 2;
/** struct iommu_inv_pasid_info {u32 flags; u32 archid; u64 pasid;} */
export const IOMMU_INV_PASID_FLAGS_PASID = 1 << 0;
export const IOMMU_INV_PASID_FLAGS_ARCHID = 1 << 1;
/** offsetof(struct iommu_cache_invalidate_info, granu) */
export const MINSZ_CACHE_INVALIDATE_INFO = 16;
/** offsetofend(..., granu.pasid_info) = 16 + 16 */
export const END_PASID_INFO = 32;
/** offsetofend(..., granu.addr_info) = 16 + 40 = sizeof(struct iommu_cache_invalidate_info) */
export const END_ADDR_INFO = 56;

// ---- struct vfio_iommu_type1_set_msi_binding {u32 argsz; u32 flags; u64 iova; u64 gpa; u64
// size;} -------------------------------------------------------------------------------------
export const VFIO_IOMMU_BIND_MSI = 1 << 0;
export const VFIO_IOMMU_UNBIND_MSI = 1 << 1;
/** offsetofend(struct vfio_iommu_type1_set_msi_binding, size) */
export const MINSZ_SET_MSI_BINDING = 32;

// ---- faults: struct iommu_fault (upstream 5.12 include/uapi/linux/iommu.h) -------------------
/** enum iommu_fault_type */
export const IOMMU_FAULT_DMA_UNRECOV = 1;
export const IOMMU_FAULT_PAGE_REQ = 2;
/** enum iommu_fault_reason */
export const IOMMU_FAULT_REASON = {
  UNKNOWN: 0, PASID_FETCH: 1, BAD_PASID_ENTRY: 2, PASID_INVALID: 3, WALK_EABT: 4, PTE_FETCH: 5,
  PERMISSION: 6, ACCESS: 7, OOR_ADDRESS: 8,
} as const;
export type FaultReasonName = keyof typeof IOMMU_FAULT_REASON;
export const IOMMU_FAULT_UNRECOV_PASID_VALID = 1 << 0;
export const IOMMU_FAULT_UNRECOV_ADDR_VALID = 1 << 1;
export const IOMMU_FAULT_UNRECOV_FETCH_ADDR_VALID = 1 << 2;
export const IOMMU_FAULT_PERM_READ = 1 << 0;
export const IOMMU_FAULT_PERM_WRITE = 1 << 1;
export const IOMMU_FAULT_PERM_EXEC = 1 << 2;
export const IOMMU_FAULT_PERM_PRIV = 1 << 3;
/** sizeof(struct iommu_fault): u32 type, u32 padding, union {event; prm; u8 padding2[56]}. */
export const SIZEOF_IOMMU_FAULT = 64;

// ---- the DMA fault region and IRQ (VFIO v13) -------------------------------------------------
export const VFIO_REGION_TYPE_NESTED = 2;
export const VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT = 1;
export const VFIO_REGION_SUBTYPE_NESTED_DMA_FAULT_RESPONSE = 2;
/** Region capabilities: {struct vfio_info_cap_header header; u32 version;} */
export const VFIO_REGION_INFO_CAP_DMA_FAULT = 6;
export const VFIO_REGION_INFO_CAP_DMA_FAULT_RESPONSE = 7;
/** VFIO_REGION_INFO_CAP_TYPE (include/uapi/linux/vfio.h, upstream): {header; u32 type; u32 subtype}. */
export const VFIO_REGION_INFO_CAP_TYPE = 1;
/** struct vfio_region_dma_fault {u32 tail (user writes); u32 entry_size; u32 nb_entries; u32
 *  offset; u32 head (kernel writes)} at region offset 0. */
export const SIZEOF_REGION_DMA_FAULT = 20;
/** DMA_FAULT_RING_LENGTH (drivers/vfio/pci/vfio_pci.c of the series). */
export const DMA_FAULT_RING_LENGTH = 512;
/** The ring starts one page into the region so it can be mmapped ("vfio/pci: Allow to mmap the
 *  fault queue": header->offset = PAGE_SIZE). */
export const DMA_FAULT_RING_OFFSET = 0x1000;
/** VFIO_PCI_NUM_IRQS is fixed at 5; device-specific indexes start there. */
export const VFIO_PCI_NUM_IRQS = 5;
export const VFIO_PCI_DMA_FAULT_IRQ_INDEX = VFIO_PCI_NUM_IRQS;
export const VFIO_IRQ_INFO_CAP_TYPE = 3;
export const VFIO_IRQ_TYPE_NESTED = 1;
export const VFIO_IRQ_SUBTYPE_DMA_FAULT = 1;
