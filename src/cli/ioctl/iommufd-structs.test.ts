// iommufd arguments by uapi field name (formats/ioctl-script.md, "Command": an unknown field is an
// invalid script, exit 2, `error: <JSON path>: <why>`, nothing on stdout). One typo per family of
// requests; the expected field lists are include/uapi/linux/iommufd.h's (and vfio.h's for the
// device cdev), copied from the header by hand, not from iommufd-structs.ts.

import { describe, expect, it } from 'vitest';
import { runIoctlText } from './run';

const script = (...calls: unknown[]) => JSON.stringify({
  format: 'iommu-lab/ioctl-script@1', kernel: '7.2', platform: { machine: 'arm64-virt', smmu_stage: 'nested' },
  devices: [{ bdf: '0000:00:02.0', group: 2, model: 'edu' }], calls,
});
const iommu = { op: 'open', path: '/dev/iommu', as: 'i' };
const ioctl = (request: string, arg: Record<string, unknown>, as?: string) => ({ op: 'ioctl', fd: '$i', request, arg, ...(as ? { as } : {}) });

// [family, request, arg with one bad field, the path, the message]
const typos: [string, string, Record<string, unknown>, string, string][] = [
  // struct iommu_ioas_map {size, flags, ioas_id, __reserved, user_va, length, iova}
  ['IOAS', 'IOMMU_IOAS_MAP', { size: 40, ioas_id: 1, usr_va: '0x1000', length: '0x1000' },
    '$.calls[1].arg.usr_va', 'struct iommu_ioas_map has no field "usr_va" (did you mean "user_va"?)'],
  // struct iommu_ioas_unmap {size, ioas_id, iova, length}
  ['IOAS', 'IOMMU_IOAS_UNMAP', { size: 24, ioas_id: 1, iova: 0, lenght: '0x1000' },
    '$.calls[1].arg.lenght', 'struct iommu_ioas_unmap has no field "lenght" (did you mean "length"?)'],
  // struct iommu_ioas_iova_ranges {size, ioas_id, num_iovas, __reserved, allowed_iovas, out_iova_alignment}
  ['IOAS', 'IOMMU_IOAS_IOVA_RANGES', { size: 32, ioas_id: 1, num_iova: 4 },
    '$.calls[1].arg.num_iova', 'struct iommu_ioas_iova_ranges has no field "num_iova" (did you mean "num_iovas"?)'],
  // struct iommu_hwpt_alloc {size, flags, dev_id, pt_id, out_hwpt_id, __reserved, data_type, data_len, data_uptr, fault_id, __reserved2}
  ['HWPT', 'IOMMU_HWPT_ALLOC', { size: 48, dev_id: 1, ptid: 2 },
    '$.calls[1].arg.ptid', 'struct iommu_hwpt_alloc has no field "ptid" (did you mean "pt_id"?)'],
  // struct iommu_hwpt_invalidate {size, hwpt_id, data_uptr, data_type, entry_len, entry_num, __reserved}
  ['HWPT', 'IOMMU_HWPT_INVALIDATE', { size: 32, hwpt_id: 4, entry_nr: 1 },
    '$.calls[1].arg.entry_nr', 'struct iommu_hwpt_invalidate has no field "entry_nr" (did you mean "entry_num"?)'],
  // struct iommu_viommu_alloc {size, flags, type, dev_id, hwpt_id, out_viommu_id, data_len, __reserved, data_uptr}
  ['vIOMMU', 'IOMMU_VIOMMU_ALLOC', { size: 24, type: 1, dev_id: 1, hwpt: 3 },
    '$.calls[1].arg.hwpt', 'struct iommu_viommu_alloc has no field "hwpt"'],
  // struct iommu_vdevice_alloc {size, viommu_id, dev_id, out_vdevice_id, virt_id}
  ['vIOMMU', 'IOMMU_VDEVICE_ALLOC', { size: 24, viommu_id: 4, dev_id: 1, virtid: 8 },
    '$.calls[1].arg.virtid', 'struct iommu_vdevice_alloc has no field "virtid" (did you mean "virt_id"?)'],
  // struct iommu_veventq_alloc {size, flags, viommu_id, type, veventq_depth, out_veventq_id, out_veventq_fd, __reserved}
  ['vIOMMU', 'IOMMU_VEVENTQ_ALLOC', { size: 32, viommu_id: 4, type: 1, vevent_depth: 16 },
    '$.calls[1].arg.vevent_depth', 'struct iommu_veventq_alloc has no field "vevent_depth" (did you mean "veventq_depth"?)'],
  // struct iommu_destroy {size, id}
  ['objects', 'IOMMU_DESTROY', { size: 8, object_id: 7 }, '$.calls[1].arg.object_id', 'struct iommu_destroy has no field "object_id"'],
  // struct iommu_option {size, option_id, op, __reserved, object_id, val64}
  ['objects', 'IOMMU_OPTION', { size: 24, option_id: 0, op: 1, val: 0 }, '$.calls[1].arg.val', 'struct iommu_option has no field "val"'],
];

describe('iommufd arguments are checked by uapi field name', () => {
  it.each(typos)('%s: %s refuses a misspelt field, exit 2, nothing on stdout', (_family, request, arg, path, why) => {
    const r = runIoctlText(script(iommu, ioctl(request, arg)));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${path}: ${why}\n`);
  });

  it('VFIO device cdev: BIND_IOMMUFD is struct vfio_device_bind_iommufd {argsz, flags, iommufd, out_devid}', () => {
    const r = runIoctlText(script(
      iommu, { op: 'open', path: '/dev/vfio/devices/vfio0', as: 'd' },
      { op: 'ioctl', fd: '$d', request: 'VFIO_DEVICE_BIND_IOMMUFD', arg: { argsz: 16, iommu_fd: '$i' } },
    ));
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe('error: $.calls[2].arg.iommu_fd: struct vfio_device_bind_iommufd has no field "iommu_fd" (did you mean "iommufd"?)\n');
  });

  it('a field that is a list (the inline STE words) must be given as one', () => {
    const r = runIoctlText(script(iommu, ioctl('IOMMU_HWPT_ALLOC', { size: 48, dev_id: 1, pt_id: 4, data_type: 2, ste: '0x1' })));
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe('error: $.calls[1].arg.ste: ste is a list: give [...]\n');
  });

  it('a field the uapi has (out_* and __reserved included) passes; a typo passed silently as 0 before', () => {
    // struct iommu_ioas_alloc {size, flags, out_ioas_id}: an out_ field given as input is a field.
    const r = runIoctlText(script(iommu, ioctl('IOMMU_IOAS_ALLOC', { size: 12, flags: 0, out_ioas_id: 0 })));
    expect(r.code).toBe(0);
    // iommufd.ts: the device is not bound, so the first object is the IOAS: id 1 (xa_alloc from 1).
    expect(JSON.parse(r.stdout.split('\n')[1])).toMatchObject({ request: 'IOMMU_IOAS_ALLOC', ret: 0, out: { out_ioas_id: 1 } });
  });
});

describe('driver data given inline reaches the model', () => {
  it('lesson 13 over the CLI: a nested HWPT from `ste`, then HWPT_INVALIDATE with `cmd` handles one entry', () => {
    // Ids as in lesson 13: device 1, IOAS 2, nest parent 3, vIOMMU 4, vDEVICE 5, nested HWPT 6.
    // The STE: V | Config abort (0b000 << 1) = 0x1, which arm_smmu_validate_vste() accepts without a
    // CD. The command: CMD_TLBI_NH_ALL (opcode 0x10, SMMUv3 §4.4.2), which the vIOMMU rewrites with
    // its VMID (arm_vsmmu_convert_user_cmd()); entry_num 1 comes back.
    const r = runIoctlText(script(
      iommu, { op: 'open', path: '/dev/vfio/devices/vfio0', as: 'd' },
      { op: 'ioctl', fd: '$d', request: 'VFIO_DEVICE_BIND_IOMMUFD', arg: { argsz: 16, iommufd: '$i' } },
      ioctl('IOMMU_IOAS_ALLOC', { size: 12 }),
      ioctl('IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2 }),
      ioctl('IOMMU_VIOMMU_ALLOC', { size: 24, type: 1, dev_id: 1, hwpt_id: 3 }),
      ioctl('IOMMU_VDEVICE_ALLOC', { size: 24, viommu_id: 4, dev_id: 1, virt_id: 8 }),
      ioctl('IOMMU_HWPT_ALLOC', { size: 48, dev_id: 1, pt_id: 4, data_type: 2, data_len: 16, ste: ['0x1', '0x0'] }),
      ioctl('IOMMU_HWPT_INVALIDATE', { size: 32, hwpt_id: 4, data_type: 1, entry_len: 16, entry_num: 1, cmd: ['0x10', '0x0'] }),
    ));
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[7]).toMatchObject({ request: 'IOMMU_HWPT_ALLOC', ret: 0, out: { out_hwpt_id: 6 } });
    expect(lines[8]).toMatchObject({ request: 'IOMMU_HWPT_INVALIDATE', ret: 0, out: { entry_num: 1 } });
  });
});
