// VFIO ioctl request numbers, computed the way the uapi headers compute them, and the constants
// the ioctls carry (extension ids, flags, capability ids, struct sizes).
//
// include/uapi/asm-generic/ioctl.h: a request is dir << 30 | size << 16 | type << 8 | nr
// (_IOC_NRBITS 8, _IOC_TYPEBITS 8, _IOC_SIZEBITS 14, _IOC_DIRBITS 2; _IOC_NONE 0, _IOC_WRITE 1,
// _IOC_READ 2). x86-64 and arm64 use these values. powerpc overrides _IOC_NONE to 1 (with 13 size
// bits and 3 dir bits, arch/powerpc/include/uapi/asm/ioctl.h), so there every _IO() number gains
// 0x20000000; powerpc and its sPAPR ioctls are not modelled.
//
// include/uapi/linux/vfio.h: every VFIO ioctl is _IO(VFIO_TYPE, VFIO_BASE + n) with VFIO_TYPE ';'
// and VFIO_BASE 100 - no size and no direction, because each argument struct starts with its own
// argsz (primer vfio-qemu-spapr.md §2). The same number means different things on a container, a
// group and a device fd: dispatch is by fd type and, on a container, by the backend.

export const _IOC_NRBITS = 8;
export const _IOC_TYPEBITS = 8;
export const _IOC_SIZEBITS = 14;
export const _IOC_DIRBITS = 2;
export const _IOC_NRSHIFT = 0;
export const _IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS;
export const _IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS;
export const _IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS;
export const _IOC_NONE = 0;
export const _IOC_WRITE = 1;
export const _IOC_READ = 2;

/** _IOC(dir, type, nr, size), asm-generic encoding. Unsigned 32-bit result. */
export function _IOC(dir: number, type: number, nr: number, size: number): number {
  return ((dir << _IOC_DIRSHIFT) | (type << _IOC_TYPESHIFT) | (nr << _IOC_NRSHIFT) | (size << _IOC_SIZESHIFT)) >>> 0;
}

/** _IO(type, nr): no direction, no size. */
export function _IO(type: number, nr: number): number {
  return _IOC(_IOC_NONE, type, nr, 0);
}

/** VFIO_TYPE = ';' (0x3b), VFIO_BASE = 100 (include/uapi/linux/vfio.h). */
export const VFIO_TYPE = ';'.charCodeAt(0);
export const VFIO_BASE = 100;

/** The fd an ioctl is meant for. `container` requests past SET_IOMMU go to the backend (type1 here;
 *  sPAPR ones exist only on ppc64). */
export type FdKind = 'container' | 'group' | 'device' | 'mig-data';

export interface IoctlDef {
  /** VFIO_BASE + n */
  n: number;
  name: string;
  fd: FdKind;
  /** For container requests handled by a backend: which one (`spapr` ones are ppc64 only). */
  backend?: 'type1' | 'spapr' | 'spapr-v1' | 'spapr-v2';
}

/** Every _IO(';', 100 + n) request for n = 0..21, with each name it has (include/uapi/linux/vfio.h;
 *  primer §2's table). */
export const VFIO_IOCTLS: readonly IoctlDef[] = [
  { n: 0, name: 'VFIO_GET_API_VERSION', fd: 'container' },
  { n: 1, name: 'VFIO_CHECK_EXTENSION', fd: 'container' },
  { n: 2, name: 'VFIO_SET_IOMMU', fd: 'container' },
  { n: 3, name: 'VFIO_GROUP_GET_STATUS', fd: 'group' },
  { n: 4, name: 'VFIO_GROUP_SET_CONTAINER', fd: 'group' },
  { n: 5, name: 'VFIO_GROUP_UNSET_CONTAINER', fd: 'group' },
  { n: 6, name: 'VFIO_GROUP_GET_DEVICE_FD', fd: 'group' },
  { n: 7, name: 'VFIO_DEVICE_GET_INFO', fd: 'device' },
  { n: 8, name: 'VFIO_DEVICE_GET_REGION_INFO', fd: 'device' },
  { n: 9, name: 'VFIO_DEVICE_GET_IRQ_INFO', fd: 'device' },
  { n: 10, name: 'VFIO_DEVICE_SET_IRQS', fd: 'device' },
  { n: 11, name: 'VFIO_DEVICE_RESET', fd: 'device' },
  { n: 12, name: 'VFIO_IOMMU_GET_INFO', fd: 'container', backend: 'type1' },
  { n: 12, name: 'VFIO_IOMMU_SPAPR_TCE_GET_INFO', fd: 'container', backend: 'spapr' },
  { n: 12, name: 'VFIO_DEVICE_GET_PCI_HOT_RESET_INFO', fd: 'device' },
  { n: 13, name: 'VFIO_IOMMU_MAP_DMA', fd: 'container', backend: 'type1' },
  { n: 13, name: 'VFIO_DEVICE_PCI_HOT_RESET', fd: 'device' },
  { n: 14, name: 'VFIO_IOMMU_UNMAP_DMA', fd: 'container', backend: 'type1' },
  { n: 14, name: 'VFIO_DEVICE_QUERY_GFX_PLANE', fd: 'device' },
  { n: 15, name: 'VFIO_IOMMU_ENABLE', fd: 'container', backend: 'spapr-v1' },
  { n: 15, name: 'VFIO_DEVICE_GET_GFX_DMABUF', fd: 'device' },
  { n: 16, name: 'VFIO_IOMMU_DISABLE', fd: 'container', backend: 'spapr-v1' },
  { n: 16, name: 'VFIO_DEVICE_IOEVENTFD', fd: 'device' },
  { n: 17, name: 'VFIO_IOMMU_DIRTY_PAGES', fd: 'container', backend: 'type1' },
  { n: 17, name: 'VFIO_IOMMU_SPAPR_REGISTER_MEMORY', fd: 'container', backend: 'spapr-v2' },
  { n: 17, name: 'VFIO_DEVICE_FEATURE', fd: 'device' },
  { n: 18, name: 'VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY', fd: 'container', backend: 'spapr-v2' },
  { n: 18, name: 'VFIO_DEVICE_BIND_IOMMUFD', fd: 'device' },
  { n: 19, name: 'VFIO_IOMMU_SPAPR_TCE_CREATE', fd: 'container', backend: 'spapr-v2' },
  { n: 19, name: 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', fd: 'device' },
  { n: 20, name: 'VFIO_IOMMU_SPAPR_TCE_REMOVE', fd: 'container', backend: 'spapr-v2' },
  { n: 20, name: 'VFIO_DEVICE_DETACH_IOMMUFD_PT', fd: 'device' },
  { n: 21, name: 'VFIO_EEH_PE_OP', fd: 'container', backend: 'spapr' },
  { n: 21, name: 'VFIO_MIG_GET_PRECOPY_INFO', fd: 'mig-data' },
];

/** The request number of VFIO_BASE + n on x86-64 and arm64. */
export function vfioIoctl(n: number): number {
  return _IO(VFIO_TYPE, VFIO_BASE + n);
}

const BY_NAME = new Map(VFIO_IOCTLS.map((d) => [d.name, d]));

/** The request number for a uapi name, or undefined for a name this table does not know. */
export function requestCode(name: string): number | undefined {
  const d = BY_NAME.get(name);
  return d === undefined ? undefined : vfioIoctl(d.n);
}

/** Every name a request number has (all fd kinds), in table order. */
export function requestNames(code: number): IoctlDef[] {
  return VFIO_IOCTLS.filter((d) => vfioIoctl(d.n) === code);
}

/** The name a request has on an fd of `fd` kind (for a container, the type1 name), or undefined. */
export function requestName(code: number, fd: FdKind): string | undefined {
  return requestNames(code).find((d) => d.fd === fd && (d.backend === undefined || d.backend === 'type1'))?.name;
}

// ---- Request numbers the host model dispatches on --------------------------------------------
export const VFIO_GET_API_VERSION = vfioIoctl(0);
export const VFIO_CHECK_EXTENSION = vfioIoctl(1);
export const VFIO_SET_IOMMU = vfioIoctl(2);
export const VFIO_GROUP_GET_STATUS = vfioIoctl(3);
export const VFIO_GROUP_SET_CONTAINER = vfioIoctl(4);
export const VFIO_GROUP_UNSET_CONTAINER = vfioIoctl(5);
export const VFIO_GROUP_GET_DEVICE_FD = vfioIoctl(6);
export const VFIO_IOMMU_GET_INFO = vfioIoctl(12);
export const VFIO_IOMMU_MAP_DMA = vfioIoctl(13);
export const VFIO_IOMMU_UNMAP_DMA = vfioIoctl(14);
export const VFIO_IOMMU_DIRTY_PAGES = vfioIoctl(17);

// ---- Constants (include/uapi/linux/vfio.h) ---------------------------------------------------
/** VFIO_API_VERSION: what GET_API_VERSION returns. */
export const VFIO_API_VERSION = 0;

/** Extension ids (CHECK_EXTENSION and SET_IOMMU argument). Value 6 is VFIO_TYPE1_NESTING_IOMMU
 *  until 6.12 and __VFIO_RESERVED_TYPE1_NESTING_IOMMU from 6.13 (kernel profiles: profile.ts). */
export const VFIO_TYPE1_IOMMU = 1;
export const VFIO_SPAPR_TCE_IOMMU = 2;
export const VFIO_TYPE1v2_IOMMU = 3;
export const VFIO_DMA_CC_IOMMU = 4;
export const VFIO_EEH = 5;
export const VFIO_TYPE1_NESTING_IOMMU = 6;
export const VFIO_SPAPR_TCE_v2_IOMMU = 7;
export const VFIO_NOIOMMU_IOMMU = 8;
export const VFIO_UNMAP_ALL = 9;
export const VFIO_UPDATE_VADDR = 10;

/** struct vfio_group_status flags. */
export const VFIO_GROUP_FLAGS_VIABLE = 1 << 0;
export const VFIO_GROUP_FLAGS_CONTAINER_SET = 1 << 1;

/** struct vfio_iommu_type1_info flags. */
export const VFIO_IOMMU_INFO_PGSIZES = 1 << 0;
export const VFIO_IOMMU_INFO_CAPS = 1 << 1;

/** Type1 info capability ids (all version 1). */
export const VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1;
export const VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION = 2;
export const VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL = 3;

/** struct vfio_iommu_type1_dma_map flags. */
export const VFIO_DMA_MAP_FLAG_READ = 1 << 0;
export const VFIO_DMA_MAP_FLAG_WRITE = 1 << 1;
export const VFIO_DMA_MAP_FLAG_VADDR = 1 << 2;

/** struct vfio_iommu_type1_dma_unmap flags. */
export const VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1 << 0;
export const VFIO_DMA_UNMAP_FLAG_ALL = 1 << 1;
export const VFIO_DMA_UNMAP_FLAG_VADDR = 1 << 2;

/** struct vfio_iommu_type1_dirty_bitmap flags. */
export const VFIO_IOMMU_DIRTY_PAGES_FLAG_START = 1 << 0;
export const VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP = 1 << 1;
export const VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP = 1 << 2;

// ---- Struct sizes on x86-64 and arm64 (u64 fields 8-byte aligned) -----------------------------
/** offsetofend(struct vfio_group_status, flags) */
export const SIZEOF_GROUP_STATUS = 8;
/** offsetofend(struct vfio_iommu_type1_info, iova_pgsizes): the minimum argsz of GET_INFO. */
export const MINSZ_IOMMU_TYPE1_INFO = 16;
/** sizeof(struct vfio_iommu_type1_info): argsz, flags, iova_pgsizes, cap_offset, pad. */
export const SIZEOF_IOMMU_TYPE1_INFO = 24;
/** offsetofend(struct vfio_iommu_type1_dma_map, size) */
export const MINSZ_DMA_MAP = 32;
/** offsetofend(struct vfio_iommu_type1_dma_unmap, size) */
export const MINSZ_DMA_UNMAP = 24;
/** sizeof(struct vfio_bitmap): pgsize, size, data pointer */
export const SIZEOF_VFIO_BITMAP = 24;
/** offsetofend(struct vfio_iommu_type1_dirty_bitmap, flags) */
export const MINSZ_DIRTY_BITMAP = 8;
/** struct vfio_info_cap_header {u16 id, u16 version, u32 next} */
export const SIZEOF_CAP_HEADER = 8;
/** struct vfio_iommu_type1_info_cap_migration: header, u32 flags, (pad), u64 pgsize_bitmap,
 *  u64 max_dirty_bitmap_size. */
export const SIZEOF_CAP_MIGRATION = 32;
/** struct vfio_iommu_type1_info_dma_avail: header, u32 avail. */
export const SIZEOF_CAP_DMA_AVAIL = 12;
/** struct vfio_iommu_type1_info_cap_iova_range without its ranges: header, u32 nr_iovas,
 *  u32 reserved; each struct vfio_iova_range is {u64 start, u64 end}. */
export const SIZEOF_CAP_IOVA_RANGE = 16;
export const SIZEOF_IOVA_RANGE = 16;

// ---- Device fd requests and constants (include/uapi/linux/vfio.h; vfio_pci_core.c) -----------
export const VFIO_DEVICE_GET_INFO = vfioIoctl(7);
export const VFIO_DEVICE_GET_REGION_INFO = vfioIoctl(8);
export const VFIO_DEVICE_GET_IRQ_INFO = vfioIoctl(9);
export const VFIO_DEVICE_SET_IRQS = vfioIoctl(10);
export const VFIO_DEVICE_RESET = vfioIoctl(11);
export const VFIO_DEVICE_GET_PCI_HOT_RESET_INFO = vfioIoctl(12);
export const VFIO_DEVICE_PCI_HOT_RESET = vfioIoctl(13);
export const VFIO_DEVICE_IOEVENTFD = vfioIoctl(16);
export const VFIO_DEVICE_FEATURE = vfioIoctl(17);
/** VFIO_DEVICE_BIND_IOMMUFD, _ATTACH_IOMMUFD_PT, _DETACH_IOMMUFD_PT: _IO(VFIO_TYPE, VFIO_BASE + 18,
 *  19, 20) (include/uapi/linux/vfio.h, the cdev ioctls of drivers/vfio/device_cdev.c). */
export const VFIO_DEVICE_BIND_IOMMUFD = vfioIoctl(18);
export const VFIO_DEVICE_ATTACH_IOMMUFD_PT = vfioIoctl(19);
export const VFIO_DEVICE_DETACH_IOMMUFD_PT = vfioIoctl(20);

/** struct vfio_device_info flags. */
export const VFIO_DEVICE_FLAGS_RESET = 1 << 0;
export const VFIO_DEVICE_FLAGS_PCI = 1 << 1;
/** offsetofend(struct vfio_device_info, num_irqs): argsz, flags, num_regions, num_irqs. */
export const MINSZ_DEVICE_INFO = 16;
/** sizeof(struct vfio_device_info): ... cap_offset, pad. */
export const SIZEOF_DEVICE_INFO = 24;

/** struct vfio_region_info flags. */
export const VFIO_REGION_INFO_FLAG_READ = 1 << 0;
export const VFIO_REGION_INFO_FLAG_WRITE = 1 << 1;
export const VFIO_REGION_INFO_FLAG_MMAP = 1 << 2;
export const VFIO_REGION_INFO_FLAG_CAPS = 1 << 3;
/** offsetofend(struct vfio_region_info, offset): argsz, flags, index, cap_offset, size, offset. */
export const MINSZ_REGION_INFO = 32;

/** struct vfio_irq_info flags. */
export const VFIO_IRQ_INFO_EVENTFD = 1 << 0;
export const VFIO_IRQ_INFO_MASKABLE = 1 << 1;
export const VFIO_IRQ_INFO_AUTOMASKED = 1 << 2;
export const VFIO_IRQ_INFO_NORESIZE = 1 << 3;
/** offsetofend(struct vfio_irq_info, count): argsz, flags, index, count. */
export const MINSZ_IRQ_INFO = 16;

/** struct vfio_irq_set flags. */
export const VFIO_IRQ_SET_DATA_NONE = 1 << 0;
export const VFIO_IRQ_SET_DATA_BOOL = 1 << 1;
export const VFIO_IRQ_SET_DATA_EVENTFD = 1 << 2;
export const VFIO_IRQ_SET_ACTION_MASK = 1 << 3;
export const VFIO_IRQ_SET_ACTION_UNMASK = 1 << 4;
export const VFIO_IRQ_SET_ACTION_TRIGGER = 1 << 5;
export const VFIO_IRQ_SET_DATA_TYPE_MASK = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_DATA_EVENTFD;
export const VFIO_IRQ_SET_ACTION_TYPE_MASK = VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_ACTION_TRIGGER;
/** offsetofend(struct vfio_irq_set, count): argsz, flags, index, start, count (data[] follows). */
export const MINSZ_IRQ_SET = 20;

/** vfio-pci region indexes (enum VFIO_PCI_*_REGION_INDEX) and irq indexes (VFIO_PCI_*_IRQ_INDEX). */
export const VFIO_PCI_BAR0_REGION_INDEX = 0;
export const VFIO_PCI_BAR5_REGION_INDEX = 5;
export const VFIO_PCI_ROM_REGION_INDEX = 6;
export const VFIO_PCI_CONFIG_REGION_INDEX = 7;
export const VFIO_PCI_VGA_REGION_INDEX = 8;
export const VFIO_PCI_NUM_REGIONS = 9;
export const VFIO_PCI_INTX_IRQ_INDEX = 0;
export const VFIO_PCI_MSI_IRQ_INDEX = 1;
export const VFIO_PCI_MSIX_IRQ_INDEX = 2;
export const VFIO_PCI_ERR_IRQ_INDEX = 3;
export const VFIO_PCI_REQ_IRQ_INDEX = 4;
export const VFIO_PCI_NUM_IRQS = 5;

/** VFIO_PCI_OFFSET_SHIFT (drivers/vfio/pci/vfio_pci_priv.h): region index << 40 is its offset
 *  in the device fd. */
export const VFIO_PCI_OFFSET_SHIFT = 40n;
export const VFIO_PCI_INDEX_TO_OFFSET = (index: number): bigint => BigInt(index) << VFIO_PCI_OFFSET_SHIFT;
