// The IOVA-space model on hand-built hosts. Expected values come from the kernel's rules, not
// from the model's output:
//  - arm_smmu_get_resv_regions() (arm-smmu-v3.c): one IOMMU_RESV_SW_MSI region at MSI_IOVA_BASE
//    0x8000000, MSI_IOVA_LENGTH 0x100000, prot IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO;
//  - iommu_group_show_resv_regions(): "0x%016llx 0x%016llx %s\n", inclusive end, SW_MSI as "msi";
//  - a stage-1 SMMU domain's aperture is [0, 2^48 - 1] (arm_smmu_domain_finalise(), VA_BITS 48);
//  - vfio_iommu_resv_exclude(): the aperture minus the window = [0, 0x7ffffff], [0x8100000, 2^48 - 1];
//  - vfio_dma_do_map(): an IOVA range not inside one valid range fails in vfio_iommu_iova_dma_valid
//    with -EINVAL (22).

import { describe, expect, it } from 'vitest';
import { armVirt, x86Vtd } from '../../model/iommu/platform';
import type { HostCallRecord } from '../../model/vfio/calls';
import { VfioHost, type SysResult } from '../../model/vfio/vfio';
import { buildIovaSpace, buildIovaView } from './iova';
import type { ModelInput } from './index';

const MAP = 'VFIO_IOMMU_MAP_DMA';
const RW = 3;   // VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE (include/uapi/linux/vfio.h)

/** A host with group 2 (one edu device), and a recorder of host calls as the lab keeps them. */
function lab(platform = armVirt()) {
  const h = new VfioHost({ platform, devices: [{ bdf: '0000:00:02.0', group: 2, model: 'edu' }] });
  const calls: HostCallRecord[] = [];
  const ioctl = (fd: number, request: string, args: Record<string, unknown> | number): SysResult => {
    const result = h.ioctl(fd, request, args);
    calls.push({ i: calls.length, op: 'ioctl', request, args: typeof args === 'number' ? { arg: args } : args, result });
    return result;
  };
  return { h, calls, ioctl };
}

function container(l: ReturnType<typeof lab>) {
  const c = l.h.open('/dev/vfio/vfio').ret as number;
  const g = l.h.open('/dev/vfio/2').ret as number;
  expect(l.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }).errno).toBe(0);
  expect(l.ioctl(c, 'VFIO_SET_IOMMU', 3).errno).toBe(0);   // VFIO_TYPE1v2_IOMMU = 3
  return c;
}

describe('buildIovaView: arm64-virt, one group, a MAP_DMA into the MSI window', () => {
  const l = lab();
  const c = container(l);
  const buf = l.h.mmap(0x200000n).ret as bigint;
  expect(l.ioctl(c, MAP, { argsz: 32, flags: RW, vaddr: buf, iova: 0x100000n, size: 0x200000n }).errno).toBe(0);
  const bad = l.ioctl(c, MAP, { argsz: 32, flags: RW, vaddr: buf, iova: 0x8000000n, size: 0x1000n });
  const vm = buildIovaView(l.h, l.calls);
  const seg = (s: { from: number; to: number }) => vm.axis.bounds.slice(s.from, s.to + 1);

  it('names the container, its group and its type1v2 backend', () => {
    expect(vm.title).toBe('container 0: group 2');
    expect(vm.container).toEqual({ id: 0, groups: [2], backend: 'VFIO_TYPE1v2_IOMMU', of: 1 });
  });

  it('shows the SW_MSI window with its sysfs line, byte for byte', () => {
    expect(vm.groups).toHaveLength(1);
    const [r] = vm.groups[0].regions;
    expect(vm.groups[0].path).toBe('/sys/kernel/iommu_groups/2/reserved_regions');
    expect(r.sysfs).toBe('0x0000000008000000 0x00000000080fffff msi');
    expect(r).toMatchObject({ kind: 'sw-msi', typeName: 'IOMMU_RESV_SW_MSI', start: '0x8000000', end: '0x80fffff', size: '0x100000', prot: 'write noexec mmio' });
    // The bounce's end (0x8001000) cuts the window in two segments.
    expect(seg(r)).toEqual(['0x8000000', '0x8001000', '0x8100000']);
  });

  it('shows the aperture and the two usable ranges GET_INFO reports', () => {
    expect(vm.aperture).toMatchObject({ start: '0x0', end: '0xffff_ffff_ffff', source: 'domain' });
    expect(vm.usable!.map((u) => [u.start, u.end])).toEqual([['0x0', '0x7ffffff'], ['0x8100000', '0xffff_ffff_ffff']]);
  });

  it('shows the mapping with its vaddr and the HPA it pinned', () => {
    expect(vm.mappings).toHaveLength(1);
    const m = vm.mappings[0];
    expect(m).toMatchObject({ start: '0x100000', end: '0x2fffff', size: '0x200000', vaddr: `0x${groupHex(buf)}`, prot: 'rw' });
    // The pinned page's physical address, as the host's page table translates the IOVA.
    const pa = l.h.containerOf(c)!.driver!.domains[0].domain.pt.iovaToPhys(0x100000n)!;
    expect(m.hpa).toBe(`0x${groupHex(pa)}`);
  });

  it('draws the bounced MAP_DMA where it tried to land, with EINVAL and vfio_iommu_iova_dma_valid', () => {
    expect(bad.errno).toBe(22);
    expect(vm.bounce).toMatchObject({ call: 3, errname: 'EINVAL', errno: 22, start: '0x8000000', end: '0x8000fff', latest: true });
    expect(vm.bounce!.where).toContain('vfio_iommu_iova_dma_valid');
    expect(vm.bounce!.why).not.toBe('');
    expect(seg(vm.bounce!)).toEqual(['0x8000000', '0x8001000']);
  });

  it('cuts the axis at every boundary, ascending, with log2 segment lengths', () => {
    // 0, mapping 0x100000..0x300000, window 0x8000000..0x8100000 (bounce to 0x8001000), 2^48.
    expect(vm.axis.bounds).toEqual(['0x0', '0x100000', '0x300000', '0x8000000', '0x8001000', '0x8100000', '0x1_0000_0000_0000']);
    // 2^20; 2^21; 0x7d00000 (< 2^27); 2^12; 0xff000 (< 2^20); 2^48 - 0x8100000 (< 2^48).
    expect(vm.axis.log2).toEqual([20, 21, 26, 12, 19, 47]);
  });

  it('marks a bounce older than the last MAP_DMA as not the latest', () => {
    expect(l.ioctl(c, MAP, { argsz: 32, flags: RW, vaddr: buf, iova: 0x40000000n, size: 0x1000n }).errno).toBe(0);
    const later = buildIovaView(l.h, l.calls);
    expect(later.bounce).toMatchObject({ call: 3, latest: false });
    expect(later.mappings).toHaveLength(2);
  });
});

describe('buildIovaView before a container, and on x86', () => {
  it('shows the group\'s regions over the platform aperture and says why nothing else is there', () => {
    const l = lab();
    const vm = buildIovaView(l.h, []);
    expect(vm.container).toBeNull();
    expect(vm.title).toBe('no container yet: group 2');
    expect(vm.aperture.source).toBe('platform');
    expect(vm.usable).toBeNull();
    expect(vm.bounce).toBeNull();
    expect(vm.notes[0]).toMatch(/No container yet/);
  });

  it('x86 VT-d: the interrupt window 0xfee00000-0xfeefffff is a hardware msi region', () => {
    // intel_iommu_get_resv_regions(): IOAPIC_RANGE_START..IOAPIC_RANGE_END as IOMMU_RESV_MSI.
    const l = lab(x86Vtd());
    container(l);
    const vm = buildIovaView(l.h, l.calls);
    const [r] = vm.groups[0].regions;
    expect(r).toMatchObject({ kind: 'msi', typeName: 'IOMMU_RESV_MSI', sysfs: '0x00000000fee00000 0x00000000feefffff msi' });
    expect(vm.usable!.map((u) => [u.start, u.end])).toEqual([['0x0', '0xfedfffff'], ['0xfef00000', '0xffff_ffff_ffff']]);
  });
});

describe('buildIovaSpace', () => {
  it('is null for a machine without a VFIO host', () => {
    expect(buildIovaSpace({ machine: {} } as unknown as ModelInput)).toBeNull();
    expect(buildIovaSpace({ machine: { vfio: null } } as unknown as ModelInput)).toBeNull();
  });
  it('reads the machine\'s vfio and hostCalls', () => {
    const l = lab();
    const vm = buildIovaSpace({ machine: { vfio: l.h, hostCalls: [] } } as unknown as ModelInput);
    expect(vm?.title).toBe('no container yet: group 2');
  });
});

/** Hex digits grouped by 4 with _ only when longer than 8 digits (VIEWS.md), written out independently of the model. */
function groupHex(v: bigint): string {
  const s = v.toString(16);
  if (s.length <= 8) return s;
  return s.replace(/\B(?=([0-9a-f]{4})+$)/g, '_');
}

describe('lesson 6 (the MSI window) through the engine', () => {
  it('ends with the window, the two usable ranges, the mapping below it and the straddling MAP_DMA refused', async () => {
    const { readFileSync } = await import('node:fs');
    const { openLab } = await import('../../engine/lab');
    const s = openLab(readFileSync(new URL('../../scenarios/06-msi-window-einval.lab', import.meta.url), 'utf8'), { wallBudgetMs: Infinity }).session!;
    s.run();
    const p = { step: s.records.length, access: 0 };
    const vm = buildIovaSpace({ machine: s.machineAt(p), position: p, events: s.visibleEvents(p), record: s.records[p.step - 1] })!;
    expect(vm.groups[0].regions.map((r) => r.sysfs)).toEqual(['0x0000000008000000 0x00000000080fffff msi']);
    expect(vm.usable!.map((u) => [u.start, u.end])).toEqual([['0x0', '0x7ffffff'], ['0x8100000', '0xffff_ffff_ffff']]);
    // The last refused MAP_DMA is the one straddling the window's start: [0x7ff8000, 0x8007fff].
    expect(vm.bounce).toMatchObject({ errname: 'EINVAL', start: '0x7ff8000', end: '0x8007fff', latest: false });
    expect(vm.bounce!.where).toBe('vfio_iommu_iova_dma_valid (vfio_dma_do_map)');
    // The mapping that ends exactly where the first range ends: [0x7ff0000, 0x7ffffff].
    expect(vm.mappings.map((m) => [m.start, m.end])).toEqual([['0x7ff0000', '0x7ffffff']]);
  });
});
