// The IOVA-space model on an iommufd IOAS, from hand-built hosts. Expected values come from the
// kernel's rules, not from the model's output:
//  - iopt_init_table(): an IOAS with no domain reserves nothing, so IOMMU_IOAS_IOVA_RANGES reports
//    [0, ULONG_MAX] and the alignment is 1;
//  - iopt_table_add_domain(): a domain reserves everything outside its aperture; a stage-1
//    arm-smmu-v3 domain's is [0, 2^48 - 1] (arm_smmu_domain_finalise(), VA_BITS 48);
//  - iopt_table_enforce_group_resv_regions() at attach: arm_smmu_get_resv_regions()'s SW_MSI
//    window 0x8000000 + 0x100000 is reserved, so the allowed ranges are [0, 0x7ffffff] and
//    [0x8100000, 2^48 - 1];
//  - iopt_fill_domain(): areas are pinned only once the IOAS has a domain (no PA before);
//  - iopt_check_iova(): a FIXED_IOVA range over a reserved one is -EINVAL (22);
//  - iopt_alloc_pages(): length 0 is -EINVAL;
//  - xa_alloc() from 1: the bound device is object 1, the IOAS 2, the automatic HWPT 3.

import { describe, expect, it } from 'vitest';
import { armVirt } from '../../model/iommu/platform';
import { labIommufdHw } from '../../model/iommufd/lab-hw';
import { LabMachine } from '../../model/lab/machine';
import type { HostCallRecord } from '../../model/vfio/calls';
import { VfioHost, type SysResult } from '../../model/vfio/vfio';
import { buildIovaView } from './iova';

const DEV = '0000:00:02.0';
const OTHER = '0000:00:03.0';
const FIXED_RW = 1 | 2 | 4;   // IOMMU_IOAS_MAP_FIXED_IOVA | _WRITEABLE | _READABLE (include/uapi/linux/iommufd.h)
const U64_MAX = '0xffff_ffff_ffff_ffff';

/** A 7.2 host on arm64-virt with 00:02.0 (group 2) for iommufd and 00:03.0 (group 3) for a
 *  container; calls recorded as the lab builtins record them ({fd, arg}). */
function lab() {
  const h = new VfioHost({
    platform: armVirt({ smmuStage: 'nested' }), kernel: '7.2',
    devices: [{ bdf: DEV, group: 2 }, { bdf: OTHER, group: 3 }],
    // Process memory in the LabMachine's RAM (0x8_0000_0000..), as HostSystem places it.
    process: { hostRamBase: 0x8_0000_0000n },
    iommufdHw: labIommufdHw(new LabMachine(), { sids: { [DEV]: 0x10, [OTHER]: 0x18 } }),
  });
  const calls: HostCallRecord[] = [];
  const ioctl = (fd: number, request: string, arg: unknown): SysResult => {
    const result = h.ioctl(fd, request, arg);
    calls.push({ i: calls.length, op: 'ioctl', request, args: { fd, arg }, result });
    return result;
  };
  const ifd = h.open('/dev/iommu').ret as number;
  const cdev = h.open('/dev/vfio/devices/vfio0').ret as number;
  expect(ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd }).out).toEqual({ out_devid: 1 });
  expect(ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 }).out).toEqual({ out_ioas_id: 2 });
  const buf = h.mmap(0x200000n).ret as bigint;
  const map = (iova: bigint, length: bigint, flags = FIXED_RW) =>
    ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags, ioas_id: 2, user_va: buf, length, iova });
  return { h, calls, ioctl, ifd, cdev, buf, map };
}

describe('buildIovaView: an IOAS before any domain', () => {
  const l = lab();
  expect(l.map(0x4000_0000n, 0x200000n).errno).toBe(0);
  const vm = buildIovaView(l.h, l.calls);

  it('is the IOAS, labelled as iommufd\'s, with no group attached yet', () => {
    expect(vm.api).toBe('iommufd');
    expect(vm.title).toBe('IOAS 2 (iommufd): no group');
    expect(vm.container).toBeNull();
    expect(vm.ioas).toEqual({ id: 2, of: 1, hwpts: [], summary: 'no HWPT yet', alignment: '0x1' });
    expect(vm.kernel).toMatch(/^Linux 7\.2/);
  });

  it('allows all of u64: no aperture, no reserved region', () => {
    expect(vm.aperture).toMatchObject({ start: '0x0', end: U64_MAX, source: 'none' });
    expect(vm.groups).toEqual([]);
    expect(vm.usable!.map((u) => [u.start, u.end])).toEqual([['0x0', U64_MAX]]);
    expect(vm.notes.join(' ')).toMatch(/No HWPT on this IOAS yet/);
  });

  it('shows the mapping unpinned (no PA) while no domain holds it', () => {
    expect(vm.mappings).toHaveLength(1);
    expect(vm.mappings[0]).toMatchObject({ start: '0x40000000', end: '0x401fffff', size: '0x200000', hpa: null, chunks: 0, prot: 'rw' });
  });
});

describe('buildIovaView: the device attached (an automatic stage-1 HWPT), a refused IOAS_MAP', () => {
  const l = lab();
  expect(l.map(0x4000_0000n, 0x200000n).errno).toBe(0);
  expect(l.ioctl(l.cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 2 }).out).toEqual({ pt_id: 3 });
  const bad = l.map(0x800_0000n, 0x1000n);
  const vm = buildIovaView(l.h, l.calls);
  const seg = (s: { from: number; to: number }) => vm.axis.bounds.slice(s.from, s.to + 1);

  it('names the IOAS, its group and the automatic HWPT', () => {
    expect(vm.title).toBe('IOAS 2 (iommufd): group 2');
    expect(vm.ioas!.hwpts).toEqual(['HWPT 3 (automatic, stage 1)']);
    expect(vm.ioas!.summary).toBe('HWPT 3 automatic (S1)');
  });

  it('takes the domain\'s aperture and the group\'s SW_MSI window, with its sysfs line', () => {
    expect(vm.aperture).toMatchObject({ start: '0x0', end: '0xffff_ffff_ffff', source: 'domain' });
    expect(vm.groups.map((g) => g.group)).toEqual([2]);
    expect(vm.groups[0].regions.map((r) => [r.kind, r.sysfs])).toEqual([['sw-msi', '0x0000000008000000 0x00000000080fffff msi']]);
  });

  it('reports the allowed ranges IOMMU_IOAS_IOVA_RANGES would', () => {
    expect(vm.usable!.map((u) => [u.start, u.end])).toEqual([['0x0', '0x7ffffff'], ['0x8100000', '0xffff_ffff_ffff']]);
    // And the same as the ioctl itself answers (two ranges).
    const r = l.h.ioctl(l.ifd, 'IOMMU_IOAS_IOVA_RANGES', { size: 32, ioas_id: 2, num_iovas: 4 });
    expect((r.out!.allowed_iovas as { start: bigint; last: bigint }[]).map((x) => [x.start, x.last])).toEqual([[0n, 0x7ffffffn], [0x8100000n, (1n << 48n) - 1n]]);
  });

  it('shows the mapping pinned: user_va -> the PA the domain maps the IOVA to', () => {
    const ioas = l.h.iommufd.contexts()[0].objects.get(2, 'ioas')!;
    const pa = ioas.iopt.domains[0].pt.iovaToPhys(0x4000_0000n)!;
    expect(vm.mappings[0]).toMatchObject({ start: '0x40000000', vaddr: hex(l.buf), hpa: hex(pa), chunks: 1 });
  });

  it('draws the refused IOAS_MAP in the window, with EINVAL and iopt_check_iova', () => {
    expect(bad.errno).toBe(22);
    expect(vm.bounce).toMatchObject({ request: 'IOAS_MAP', call: 4, errname: 'EINVAL', errno: 22, start: '0x8000000', end: '0x8000fff', placed: true, latest: true });
    expect(vm.bounce!.where).toContain('iopt_check_iova');
    expect(seg(vm.bounce!)).toEqual(['0x8000000', '0x8001000']);
  });

  it('an IOAS_MAP without FIXED_IOVA that fails is told, not placed', () => {
    expect(l.map(0n, 0n, 2 | 4).errno).toBe(22);
    const later = buildIovaView(l.h, l.calls);
    expect(later.bounce).toMatchObject({ call: 5, placed: false, from: 0, to: 0, latest: true });
    expect(later.bounce!.where).toContain('iopt_alloc_pages');
  });
});

describe('buildIovaView: a container and an IOAS in one program', () => {
  it('follows the last map call: MAP_DMA shows the container, IOAS_MAP the IOAS', () => {
    const l = lab();
    const c = l.h.open('/dev/vfio/vfio').ret as number;
    const g = l.h.open('/dev/vfio/3').ret as number;
    expect(l.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }).errno).toBe(0);
    expect(l.ioctl(c, 'VFIO_SET_IOMMU', 3).errno).toBe(0);   // VFIO_TYPE1v2_IOMMU
    // No map call yet: the container with a backend wins (the view's type1 default).
    expect(buildIovaView(l.h, l.calls).title).toBe('container 0: group 3');
    expect(l.map(0x4000_0000n, 0x1000n).errno).toBe(0);
    expect(buildIovaView(l.h, l.calls).title).toBe('IOAS 2 (iommufd): no group');
    const vaddr = l.h.mmap(0x1000n).ret as bigint;
    expect(l.ioctl(c, 'VFIO_IOMMU_MAP_DMA', { argsz: 32, flags: 3, vaddr, iova: 0x100000n, size: 0x1000n }).errno).toBe(0);
    const vm = buildIovaView(l.h, l.calls);
    expect([vm.api, vm.title, vm.ioas]).toEqual(['type1', 'container 0: group 3', null]);
  });
});

/** Hex as the views print it (grouped by 4 past 8 digits), written out independently of the model. */
function hex(v: bigint): string {
  const s = v.toString(16);
  return `0x${s.length <= 8 ? s : s.replace(/\B(?=([0-9a-f]{4})+$)/g, '_')}`;
}
