// The seed nesting builtins (the 2021 proposal, never merged; kernel "5.12-nested"): the records
// they return and their refusals, with expected values from the series' functions cited beside
// each. The lessons 10-12 run them end to end.

import { describe, expect, it } from 'vitest';
import { LabMachine } from '../../model/lab/machine';
import { call, failure, field } from './call.test-util';

/** fds: 3 container, 4 group, then the device fd 5. */
function host(kernel: string, type: string, stage = 'nested'): LabMachine {
  const m = new LabMachine();
  call(m, 'host.platform', { machine: 'arm64_virt', smmu_stage: stage });
  call(m, 'host.kernel', { version: kernel });
  call(m, 'host.pci_device', { bdf: '0000:00:02.0', group: 2, model: 'edu' });
  call(m, 'vfio.open', { path: '/dev/vfio/vfio' });
  call(m, 'vfio.open', { path: '/dev/vfio/2' });
  expect(field(call(m, 'vfio.set_container', { fd: 4, container: 3 }), 'errno')).toBe(0n);
  expect(field(call(m, 'vfio.set_iommu', { fd: 3, type }), 'errno')).toBe(0n);
  expect(field(call(m, 'vfio.get_device_fd', { fd: 4, name: '0000:00:02.0' }), 'fd')).toBe(5n);
  return m;
}

describe('the seed nesting builtins', () => {
  it('set_pasid_table on a type1v2 container: the domain is not nested, arm_smmu_attach_pasid_table says EINVAL', () => {
    const m = host('5.12-nested', 'VFIO_TYPE1v2_IOMMU');
    const r = call(m, 'vfio.set_pasid_table', { fd: 3, base_ptr: 0x4000_0000 });
    expect(field(r, 'errname')).toBe('EINVAL');
    expect(field(r, 'where')).toBe('arm_smmu_attach_pasid_table');
    expect(failure(() => call(m, 'host.guest_vm', { fd: 3 }))).toContain('no nested domain');
  });

  it('pasid_bits 1: v15 supports a single CD (EINVAL); flags set|unset both: EINVAL from type1', () => {
    const m = host('5.12-nested', 'VFIO_TYPE1_NESTING_IOMMU');
    expect(field(call(m, 'vfio.set_pasid_table', { fd: 3, base_ptr: 0x401f_b000, pasid_bits: 1 }), 'errname')).toBe('EINVAL');
    const both = call(m, 'vfio.set_pasid_table', { fd: 3, flags_raw: 3 });
    expect(field(both, 'where')).toBe('vfio_iommu_type1_set_pasid_table');
  });

  it('cache_invalidate with a PASID: ENOENT (single CD, not forwarded); set_msi_binding bigger than 4K: EINVAL', () => {
    const m = host('5.12-nested', 'VFIO_TYPE1_NESTING_IOMMU');
    expect(field(call(m, 'vfio.cache_invalidate', { fd: 3, archid: 7, pasid: 1, addr: 0x10_0000 }), 'errname')).toBe('ENOENT');
    expect(field(call(m, 'vfio.set_msi_binding', { fd: 3, iova: 0x800_0000, gpa: 0x809_0000, size: 0x2000 }), 'errname')).toBe('EINVAL');
    expect(field(call(m, 'vfio.set_msi_binding', { fd: 3, iova: 0x800_0000, gpa: 0x809_0000 }), 'ret')).toBe(0n);
  });

  it('fault_read on an empty ring: tail == head == 0 of 512; on 6.12 there is no region 9 (EINVAL from vfio_pci_rw)', () => {
    const m = host('5.12-nested', 'VFIO_TYPE1_NESTING_IOMMU');
    const f = call(m, 'vfio.fault_read', { fd: 5 });
    expect([field(f, 'empty'), field(f, 'head'), field(f, 'tail'), field(f, 'nb_entries'), field(f, 'reason')]).toEqual([true, 0n, 0n, 512n, null]);
    const old = host('6.12', 'VFIO_TYPE1v2_IOMMU', 's1');
    const g = call(old, 'vfio.fault_read', { fd: 5 });
    expect(field(g, 'errname')).toBe('EINVAL');
    expect(field(g, 'empty')).toBe(null);
  });

  it('host.guest_vm names the nested domain\'s VM: VMID 1, the first free', () => {
    const m = host('5.12-nested', 'VFIO_TYPE1_NESTING_IOMMU');
    const vm = call(m, 'host.guest_vm', { fd: 3 });
    expect(vm).toMatchObject({ kind: 'handle', type: 'vm', label: 'VM 1' });
    expect(failure(() => call(m, 'host.guest_vm', { fd: 4 }))).toContain('not a container fd');
  });
});
