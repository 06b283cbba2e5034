// The iommufd builtins: refusals come back as records with the kernel's errno (never a runtime
// error), each call is a host.call event, and the nest parent hands back its VM. Expected values
// are derived by hand from the kernel rules named next to them.

import { describe, expect, it } from 'vitest';
import { LabMachine } from '../../model/lab/machine';
import type { HostCallEvent } from '../../model/trace';
import { call, failure, field } from './call.test-util';

/** A 7.2 host with 00:02.0 bound through iommufd: fds 3 (/dev/iommu), 4 (the cdev); device 1, IOAS 2. */
function bound(stage: 'nested' | 's1' = 'nested', kernel = '7.2') {
  const m = new LabMachine();
  call(m, 'host.platform', { machine: 'arm64_virt', smmu_stage: stage });
  call(m, 'host.kernel', { version: kernel });
  call(m, 'host.pci_device', { bdf: '0000:00:02.0', group: 2, model: 'edu' });
  expect(field(call(m, 'iommufd.open'), 'fd')).toBe(3n);
  expect(field(call(m, 'vfio.open', { path: '/dev/vfio/devices/vfio0' }), 'fd')).toBe(4n);
  expect(field(call(m, 'vfio.device_bind_iommufd', { fd: 4, iommufd: 3 }), 'out_devid')).toBe(1n);
  expect(field(call(m, 'iommufd.ioas_alloc', { fd: 3 }), 'out_ioas_id')).toBe(2n);
  return m;
}

describe('iommufd builtins', () => {
  it('a nest parent gives its VM: VMID 1, the lowest free (ida_alloc_range from 1)', () => {
    const m = bound();
    const s2 = call(m, 'iommufd.hwpt_alloc', { fd: 3, dev_id: 1, pt_id: 2, flags: 'nest_parent' });
    expect(field(s2, 'out_hwpt_id')).toBe(3n);
    const vm = field(s2, 'vm') as { kind: string; id: number };
    expect(vm.kind).toBe('handle');
    expect(m.vm(vm.id).vmid).toBe(1);
    // A paging HWPT without nest_parent is stage 1: no VM.
    expect(field(call(m, 'iommufd.hwpt_alloc', { fd: 3, dev_id: 1, pt_id: 2 }), 'vm')).toBe(null);
  });

  it('refusals are records: EOPNOTSUPP without FEAT_NESTING, ENOENT and EBUSY from IOMMU_DESTROY', () => {
    const m = bound('s1');
    const np = call(m, 'iommufd.hwpt_alloc', { fd: 3, dev_id: 1, pt_id: 2, flags: 'nest_parent' });
    expect(field(np, 'errname')).toBe('EOPNOTSUPP');
    expect(field(np, 'ret')).toBe((1n << 64n) - 1n);                     // -1 as unsigned 64-bit
    // iommufd_object_remove(): no object 9 -> ENOENT.
    expect(field(call(m, 'iommufd.destroy', { fd: 3, id: 9 }), 'errname')).toBe('ENOENT');
    // The device (1) is held by its driver binding: users 2 -> EBUSY.
    expect(field(call(m, 'iommufd.destroy', { fd: 3, id: 1 }), 'errname')).toBe('EBUSY');
    // The IOAS has no users but itself: destroyed.
    expect(field(call(m, 'iommufd.destroy', { fd: 3, id: 2 }), 'errno')).toBe(0n);
  });

  it('IOMMU_VIOMMU_ALLOC is ENOTTY on 6.12 (no vIOMMU in its uapi)', () => {
    const m = bound('nested', '6.12');
    call(m, 'iommufd.hwpt_alloc', { fd: 3, dev_id: 1, pt_id: 2, flags: 'nest_parent' });
    expect(field(call(m, 'iommufd.viommu_alloc', { fd: 3, dev_id: 1, hwpt_id: 3 }), 'errname')).toBe('ENOTTY');
  });

  it('iova_ranges after attach: the aperture minus the SW_MSI window [0x800_0000, 0x80f_ffff]', () => {
    const m = bound();
    expect(field(call(m, 'vfio.device_attach_pt', { fd: 4, pt_id: 2 }), 'errno')).toBe(0n);
    const r = call(m, 'iommufd.iova_ranges', { fd: 3, ioas_id: 2 });
    // Stage-1 auto domain: 48-bit aperture; arm_smmu_get_resv_regions() reserves 1 MiB at 0x800_0000.
    expect(field(r, 'num_iovas')).toBe(2n);
    expect(field(r, 'range0.last')).toBe(0x7ff_ffffn);
    expect(field(r, 'range1.start')).toBe(0x810_0000n);
    expect(field(r, 'range1.last')).toBe((1n << 48n) - 1n);
    expect(field(r, 'range2')).toBe(null);
  });

  it('ioas_map with fixed_rw over the SW_MSI window is EINVAL (iopt_check_iova: a reserved range); every call is a host.call event', () => {
    const m = bound();
    call(m, 'vfio.device_attach_pt', { fd: 4, pt_id: 2 });
    const buf = call(m, 'process.mmap', { length: 0x1_0000 }) as bigint;
    const r = call(m, 'iommufd.ioas_map', { fd: 3, ioas_id: 2, user_va: buf, length: 0x1_0000, iova: 0x800_0000 });
    expect(field(r, 'errname')).toBe('EINVAL');
    expect(field(r, 'where')).toBe('iopt_check_iova');
    const reqs = m.trace.filter((e): e is HostCallEvent => e.type === 'host.call').map((e) => e.record.request ?? e.record.op);
    expect(reqs).toEqual(['open', 'open', 'VFIO_DEVICE_BIND_IOMMUFD', 'IOMMU_IOAS_ALLOC', 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', 'mmap', 'IOMMU_IOAS_MAP']);
  });

  it('guest.ste: V | Config S1 | the CD\'s IPA; word 1 0xd6; config s1 without a CD fails', () => {
    const m = new LabMachine();
    const vm = m.createVm(1, 48, 12);
    m.s2Map(vm, 0x4000_0000, 0x8_0000_0000, 0x20_0000, { r: true, w: true });
    const pt = m.newPt(vm, 12, 48);
    const cd = m.writeCd(pt, 7, true, false);
    const s = call(m, 'guest.ste', { cd: { kind: 'handle', type: 'cd', id: cd.id, label: '' } });
    expect(field(s, 'w0')).toBe(1n | (5n << 1n) | BigInt(cd.ipa));
    // S1DSS 0b10 | S1CIR 0b01 << 2 | S1COR 0b01 << 4 | S1CSH 0b11 << 6 = 2 + 4 + 16 + 192 = 0xd6.
    expect(field(s, 'w1')).toBe(0xd6n);
    expect(failure(() => call(m, 'guest.ste', {}))).toMatch(/needs the CD/);
    expect(field(call(m, 'guest.ste', { config: 'bypass' }), 'w0')).toBe(1n | (4n << 1n));
  });
});
