// The argument of each iommufd request, by uapi field name, so a script's typo is refused before
// it runs (as requests.ts does for VFIO's). Field lists: include/uapi/linux/iommufd.h of the
// newest modelled kernel (7.2), struct by struct, in header order; the VFIO cdev's three iommufd
// requests from include/uapi/linux/vfio.h. A field a struct has only in a later kernel than the
// script's is still accepted (the kernel reads it as part of a larger struct: `size` decides).
//
// Two arguments carry driver data the kernel reads through a user pointer. A script gives it
// inline, named after the field of the struct the pointer points at, and the model gets it as it
// takes it (src/model/iommufd/iommufd.ts):
// - IOMMU_HWPT_ALLOC `ste`: [word0, word1], struct iommu_hwpt_arm_smmuv3 { __le64 ste[2]; }
//   (data_uptr); the model reads `data: { ste }`.
// - IOMMU_HWPT_INVALIDATE `cmd`: the 64-bit words of struct iommu_viommu_arm_smmuv3_invalidate
//   { __le64 cmd[2]; } entries, two a command (data_uptr); the model reads `entries: [[w0, w1], ...]`.

import type { ArgKind } from './requests';

type Struct = Extract<ArgKind, { kind: 'struct' }>;
const s = (struct: string, fields: readonly string[], lists?: readonly string[], toModel?: Struct['toModel']): Struct => ({
  kind: 'struct', struct, fields, ...(lists === undefined ? {} : { lists }), ...(toModel === undefined ? {} : { toModel }),
});

export const IOMMUFD_STRUCTS: Record<string, Struct> = {
  IOMMU_DESTROY: s('iommu_destroy', ['size', 'id']),
  IOMMU_IOAS_ALLOC: s('iommu_ioas_alloc', ['size', 'flags', 'out_ioas_id']),
  IOMMU_IOAS_ALLOW_IOVAS: s('iommu_ioas_allow_iovas', ['size', 'ioas_id', 'num_iovas', '__reserved', 'allowed_iovas']),
  IOMMU_IOAS_COPY: s('iommu_ioas_copy', ['size', 'flags', 'dst_ioas_id', 'src_ioas_id', 'length', 'dst_iova', 'src_iova']),
  IOMMU_IOAS_IOVA_RANGES: s('iommu_ioas_iova_ranges', ['size', 'ioas_id', 'num_iovas', '__reserved', 'allowed_iovas', 'out_iova_alignment']),
  IOMMU_IOAS_MAP: s('iommu_ioas_map', ['size', 'flags', 'ioas_id', '__reserved', 'user_va', 'length', 'iova']),
  IOMMU_IOAS_UNMAP: s('iommu_ioas_unmap', ['size', 'ioas_id', 'iova', 'length']),
  IOMMU_OPTION: s('iommu_option', ['size', 'option_id', 'op', '__reserved', 'object_id', 'val64']),
  IOMMU_VFIO_IOAS: s('iommu_vfio_ioas', ['size', 'ioas_id', 'op', '__reserved']),
  IOMMU_HWPT_ALLOC: s(
    'iommu_hwpt_alloc',
    ['size', 'flags', 'dev_id', 'pt_id', 'out_hwpt_id', '__reserved', 'data_type', 'data_len', 'data_uptr', 'fault_id', '__reserved2', 'ste'],
    ['ste'],
    ({ ste, ...rest }) => (ste === undefined ? rest : { ...rest, data: { ste } }),
  ),
  // in_data_type and out_data_type share a u32 (a union in the newest header, for IOMMU_HW_INFO_FLAG_INPUT_TYPE).
  IOMMU_GET_HW_INFO: s('iommu_hw_info', ['size', 'flags', 'dev_id', 'data_len', 'data_uptr', 'in_data_type', 'out_data_type', 'out_max_pasid_log2', '__reserved', 'out_capabilities']),
  IOMMU_HWPT_SET_DIRTY_TRACKING: s('iommu_hwpt_set_dirty_tracking', ['size', 'flags', 'hwpt_id', '__reserved']),
  IOMMU_HWPT_GET_DIRTY_BITMAP: s('iommu_hwpt_get_dirty_bitmap', ['size', 'hwpt_id', 'flags', '__reserved', 'iova', 'length', 'page_size', 'data']),
  IOMMU_HWPT_INVALIDATE: s(
    'iommu_hwpt_invalidate',
    ['size', 'hwpt_id', 'data_uptr', 'data_type', 'entry_len', 'entry_num', '__reserved', 'cmd'],
    ['cmd'],
    ({ cmd, ...rest }) => {
      if (!Array.isArray(cmd)) return rest;
      const entries: unknown[][] = [];
      for (let i = 0; i < cmd.length; i += 2) entries.push([cmd[i], cmd[i + 1] ?? 0n]);
      return { ...rest, entries };
    },
  ),
  IOMMU_FAULT_QUEUE_ALLOC: s('iommu_fault_alloc', ['size', 'flags', 'out_fault_id', 'out_fault_fd']),
  IOMMU_IOAS_MAP_FILE: s('iommu_ioas_map_file', ['size', 'flags', 'ioas_id', 'fd', 'start', 'length', 'iova']),
  IOMMU_VIOMMU_ALLOC: s('iommu_viommu_alloc', ['size', 'flags', 'type', 'dev_id', 'hwpt_id', 'out_viommu_id', 'data_len', '__reserved', 'data_uptr']),
  IOMMU_VDEVICE_ALLOC: s('iommu_vdevice_alloc', ['size', 'viommu_id', 'dev_id', 'out_vdevice_id', 'virt_id']),
  IOMMU_IOAS_CHANGE_PROCESS: s('iommu_ioas_change_process', ['size', '__reserved']),
  IOMMU_VEVENTQ_ALLOC: s('iommu_veventq_alloc', ['size', 'flags', 'viommu_id', 'type', 'veventq_depth', 'out_veventq_id', 'out_veventq_fd', '__reserved']),
  IOMMU_HW_QUEUE_ALLOC: s('iommu_hw_queue_alloc', ['size', 'flags', 'viommu_id', 'type', 'index', 'out_hw_queue_id', 'nesting_parent_iova', 'length']),
  // include/uapi/linux/vfio.h: the device cdev's side of iommufd (the fields the model reads).
  VFIO_DEVICE_BIND_IOMMUFD: s('vfio_device_bind_iommufd', ['argsz', 'flags', 'iommufd', 'out_devid']),
  VFIO_DEVICE_ATTACH_IOMMUFD_PT: s('vfio_device_attach_iommufd_pt', ['argsz', 'flags', 'pt_id']),
  VFIO_DEVICE_DETACH_IOMMUFD_PT: s('vfio_device_detach_iommufd_pt', ['argsz', 'flags']),
};
