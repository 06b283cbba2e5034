// iommufd's uapi: request numbers, flags, type ids and struct sizes (include/uapi/linux/iommufd.h).
//
// Every request is _IO(IOMMUFD_TYPE ';', IOMMUFD_CMD_BASE 0x80 + n): no size, no direction, the
// struct starts with its own `size` (the header's "General ioctl format"). Numbers and which kernel
// has them: primer smmuv3-nested-msi.md §4.8 (checked there against the 6.12 and 7.2 headers).
// drivers/iommu/iommufd/main.c iommufd_fops_ioctl(): a number outside the table, or one whose
// entry the kernel lacks, is -ENOIOCTLCMD, which user space sees as ENOTTY.

import { _IO } from '../vfio/ioctl';
import type { KernelProfile } from '../vfio/profile';

export const IOMMUFD_TYPE = ';'.charCodeAt(0);
export const IOMMUFD_CMD_BASE = 0x80;

export interface IommufdIoctlDef {
  /** IOMMUFD_CMD_BASE + n */
  n: number;
  name: string;
  /** The first kernel whose uapi has it (primer §4.8). */
  since: '6.12' | '6.13' | '6.15' | '7.2';
  /** sizeof(struct) on x86-64 and arm64, from the field list in iommufd.h. */
  size: number;
  /** main.c IOCTL_OP(..., last): offsetofend of the last field the first version had. */
  minSize: number;
}

// Sizes: u32 fields 4 bytes, __aligned_u64 8 bytes aligned to 8. minSize is offsetofend() of the
// field main.c names in IOCTL_OP(); ASSUMPTION (main.c's table read from memory, the structs read
// from iommufd.h): destroy id, ioas_alloc out_ioas_id, iova_ranges out_iova_alignment, map iova,
// unmap length, hwpt_alloc __reserved, hwpt_invalidate __reserved, viommu out_viommu_id, vdevice
// virt_id, veventq __reserved.
export const IOMMUFD_IOCTLS: readonly IommufdIoctlDef[] = [
  { n: 0x00, name: 'IOMMU_DESTROY', since: '6.12', size: 8, minSize: 8 },
  { n: 0x01, name: 'IOMMU_IOAS_ALLOC', since: '6.12', size: 12, minSize: 12 },
  { n: 0x02, name: 'IOMMU_IOAS_ALLOW_IOVAS', since: '6.12', size: 24, minSize: 24 },
  { n: 0x03, name: 'IOMMU_IOAS_COPY', since: '6.12', size: 40, minSize: 40 },
  { n: 0x04, name: 'IOMMU_IOAS_IOVA_RANGES', since: '6.12', size: 32, minSize: 32 },
  { n: 0x05, name: 'IOMMU_IOAS_MAP', since: '6.12', size: 40, minSize: 40 },
  { n: 0x06, name: 'IOMMU_IOAS_UNMAP', since: '6.12', size: 24, minSize: 24 },
  { n: 0x07, name: 'IOMMU_OPTION', since: '6.12', size: 24, minSize: 24 },
  { n: 0x08, name: 'IOMMU_VFIO_IOAS', since: '6.12', size: 12, minSize: 12 },
  { n: 0x09, name: 'IOMMU_HWPT_ALLOC', since: '6.12', size: 48, minSize: 24 },
  // struct iommu_hw_info: size, flags, dev_id, data_len, data_uptr, out_data_type, __reserved (32 bytes:
  // main.c's minimum, offsetofend __reserved), then out_capabilities (u64): 40.
  { n: 0x0a, name: 'IOMMU_GET_HW_INFO', since: '6.12', size: 40, minSize: 32 },
  { n: 0x0b, name: 'IOMMU_HWPT_SET_DIRTY_TRACKING', since: '6.12', size: 16, minSize: 16 },
  { n: 0x0c, name: 'IOMMU_HWPT_GET_DIRTY_BITMAP', since: '6.12', size: 48, minSize: 48 },
  { n: 0x0d, name: 'IOMMU_HWPT_INVALIDATE', since: '6.12', size: 32, minSize: 32 },
  { n: 0x0e, name: 'IOMMU_FAULT_QUEUE_ALLOC', since: '6.12', size: 16, minSize: 16 },
  { n: 0x0f, name: 'IOMMU_IOAS_MAP_FILE', since: '6.13', size: 48, minSize: 48 },
  { n: 0x10, name: 'IOMMU_VIOMMU_ALLOC', since: '6.13', size: 40, minSize: 24 },
  { n: 0x11, name: 'IOMMU_VDEVICE_ALLOC', since: '6.13', size: 24, minSize: 24 },
  { n: 0x12, name: 'IOMMU_IOAS_CHANGE_PROCESS', since: '6.13', size: 8, minSize: 8 },
  { n: 0x13, name: 'IOMMU_VEVENTQ_ALLOC', since: '6.15', size: 32, minSize: 32 },
  { n: 0x14, name: 'IOMMU_HW_QUEUE_ALLOC', since: '7.2', size: 40, minSize: 40 },
];

/** The request number of IOMMUFD_CMD_BASE + n (x86-64, arm64). */
export function iommufdIoctl(n: number): number {
  return _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + n);
}

const BY_NAME = new Map(IOMMUFD_IOCTLS.map((d) => [d.name, d]));
const BY_CODE = new Map(IOMMUFD_IOCTLS.map((d) => [iommufdIoctl(d.n), d]));

/** Does this profile's uapi have the request? 6.12 stops at IOMMU_FAULT_QUEUE_ALLOC (0x8e); 7.2
 *  has the whole table; a kernel before iommufd (6.2) has none. */
export function profileHas(profile: KernelProfile, d: IommufdIoctlDef): boolean {
  if (profile.id === '7.2') return true;
  if (profile.id === '6.12') return d.since === '6.12';
  return false;
}

/** /dev/iommu exists (CONFIG_IOMMUFD, Linux 6.2 and later). */
export function profileHasIommufd(profile: KernelProfile): boolean {
  return profile.id === '6.12' || profile.id === '7.2';
}

export function iommufdRequestCode(name: string): number | undefined {
  const d = BY_NAME.get(name);
  return d === undefined ? undefined : iommufdIoctl(d.n);
}

export function iommufdRequestDef(code: number): IommufdIoctlDef | undefined {
  return BY_CODE.get(code);
}

export const IOMMU_DESTROY = iommufdIoctl(0x00);
export const IOMMU_IOAS_ALLOC = iommufdIoctl(0x01);
export const IOMMU_IOAS_IOVA_RANGES = iommufdIoctl(0x04);
export const IOMMU_IOAS_MAP = iommufdIoctl(0x05);
export const IOMMU_IOAS_UNMAP = iommufdIoctl(0x06);
export const IOMMU_HWPT_ALLOC = iommufdIoctl(0x09);
export const IOMMU_HWPT_INVALIDATE = iommufdIoctl(0x0d);
export const IOMMU_VIOMMU_ALLOC = iommufdIoctl(0x10);
export const IOMMU_VDEVICE_ALLOC = iommufdIoctl(0x11);
export const IOMMU_VEVENTQ_ALLOC = iommufdIoctl(0x13);

/** enum iommufd_ioas_map_flags */
export const IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0;
export const IOMMU_IOAS_MAP_WRITEABLE = 1 << 1;
export const IOMMU_IOAS_MAP_READABLE = 1 << 2;

/** enum iommufd_hwpt_alloc_flags (NEST_PARENT and DIRTY_TRACKING; later FAULT_ID_VALID 1 << 2,
 *  PASID 1 << 3 are not modelled and refused as unknown). */
export const IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0;
export const IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1;

/** enum iommu_hwpt_data_type: NONE 0, VTD_S1 1, ARM_SMMUV3 2. */
export const IOMMU_HWPT_DATA_NONE = 0;
export const IOMMU_HWPT_DATA_VTD_S1 = 1;
export const IOMMU_HWPT_DATA_ARM_SMMUV3 = 2;
/** sizeof(struct iommu_hwpt_arm_smmuv3): __le64 ste[2]. */
export const SIZEOF_HWPT_ARM_SMMUV3 = 16;

/** enum iommu_viommu_type: DEFAULT 0 (refused), ARM_SMMUV3 1. */
export const IOMMU_VIOMMU_TYPE_DEFAULT = 0;
export const IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1;

/** enum iommu_viommu_invalidate_data_type: ARM_SMMUV3 1; entries are
 *  struct iommu_viommu_arm_smmuv3_invalidate { __le64 cmd[2]; }. */
export const IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1;
export const SIZEOF_VIOMMU_ARM_SMMUV3_INVALIDATE = 16;

/** enum iommu_veventq_type: DEFAULT 0 (refused), ARM_SMMUV3 1; enum iommu_veventq_flag. */
export const IOMMU_VEVENTQ_TYPE_DEFAULT = 0;
export const IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1;
export const IOMMU_VEVENTQ_FLAG_LOST_EVENTS = 1 << 0;
/** struct iommufd_vevent_header {u32 flags, u32 sequence} and struct iommu_vevent_arm_smmuv3
 *  {__le64 evt[4]}. */
export const SIZEOF_VEVENT_HEADER = 8;
export const SIZEOF_VEVENT_ARM_SMMUV3 = 32;

// ---- the VFIO cdev's two iommufd ioctls (include/uapi/linux/vfio.h) --------------------------
/** offsetofend(struct vfio_device_bind_iommufd, out_devid): argsz, flags, s32 iommufd, out_devid. */
export const MINSZ_BIND_IOMMUFD = 16;
/** offsetofend(struct vfio_device_attach_iommufd_pt, pt_id): argsz, flags, pt_id. */
export const MINSZ_ATTACH_IOMMUFD_PT = 12;
/** offsetofend(struct vfio_device_detach_iommufd_pt, flags): argsz, flags. */
export const MINSZ_DETACH_IOMMUFD_PT = 8;
