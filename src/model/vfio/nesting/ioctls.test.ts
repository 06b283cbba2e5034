// The seed's container ioctls, each success and errno path, with the function of the series that
// returns it (IOMMU v15 / VFIO v13; seeds 000 and 003 are the cover letters of these patches).
// Commands are checked as the words they encode to, decoded by hand from the SMMUv3 command
// layout (primer §2.8: opcode dw0[7:0], VMID dw0[47:32], ASID dw0[63:48], Leaf dw1[0], VA dw1[63:12]).

import { describe, expect, it } from 'vitest';
import type { IommuDomain } from '../../iommu/domain';
import type { DeviceSpec } from '../../iommu/group';
import { armVirt, x86Vtd, type Platform } from '../../iommu/platform';
import { encodeCmd, type CmdSpec } from '../../smmuv3/commands';
import { VfioHost, type SysResult } from '../vfio';
import type { KernelId } from '../profile';
import type { IommuHwWithNesting } from './hw';
import { hasNestedMsiCookie, iommuDmaGetNestedMsiPage } from './msi';
import type { NestedSteCfg } from './ste';
import * as U from './uapi';

const DEV: DeviceSpec = { bdf: '0000:00:02.0', group: 2 };
const DEV_B: DeviceSpec = { bdf: '0000:00:03.0', group: 2 };

/** A driver that records what it is asked to do (STE configs per device, commands). */
function recorder() {
  const stes: { bdf: string; cfg: NestedSteCfg }[] = [];
  const cmds: CmdSpec[] = [];
  const hw: IommuHwWithNesting = {
    setDeviceDomain: () => {}, flushRange: () => {},
    nesting: {
      s2Cfg: () => ({ vmid: 5, w2: 0n, w3: 0n }),
      installSte: (_d: IommuDomain, dev: DeviceSpec, cfg: NestedSteCfg) => { stes.push({ bdf: dev.bdf, cfg }); },
      issue: (c: CmdSpec[]) => { cmds.push(...c); },
    },
  };
  return { hw, stes, cmds };
}

function container(opts: { kernel?: KernelId; platform?: Platform; ext?: number; devices?: DeviceSpec[] } = {}) {
  const rec = recorder();
  const h = new VfioHost({
    kernel: opts.kernel ?? '5.12-nested', platform: opts.platform ?? armVirt({ smmuStage: 'nested' }),
    devices: opts.devices ?? [DEV], hw: rec.hw,
  });
  const c = h.open('/dev/vfio/vfio').ret as number;
  const g = h.open('/dev/vfio/2').ret as number;
  expect(h.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }).errno).toBe(0);
  const set = h.ioctl(c, 'VFIO_SET_IOMMU', opts.ext ?? 6);
  return { h, c, set, ...rec };
}

const cfg = (over: Record<string, unknown> = {}) => ({
  argsz: 32, version: 1, base_ptr: 0x4000_3000, format: 1, pasid_bits: 0, config: 1,
  vendor_data: { smmuv3: { version: 1, s1fmt: 0, s1dss: 0 } }, ...over,
});
const spt = (h: VfioHost, c: number, arg: unknown) => h.ioctl(c, U.VFIO_IOMMU_SET_PASID_TABLE, arg);
const inv = (h: VfioHost, c: number, info: unknown, flags = 0) => h.ioctl(c, U.VFIO_IOMMU_CACHE_INVALIDATE, { argsz: 64, flags, info });
const msi = (h: VfioHost, c: number, arg: Record<string, unknown>) => h.ioctl(c, U.VFIO_IOMMU_SET_MSI_BINDING, { argsz: 32, ...arg });

function fails(r: SysResult, errname: string, where: string) {
  expect(r).toMatchObject({ ret: -1, errname });
  expect(r.where).toContain(where);
}

describe('the seed profile and its ioctl numbers', () => {
  it('+18, +19, +20 are _IO(";", 118..120) = 0x3b76..0x3b78 (VFIO v12 01-03: VFIO_BASE + 18/19/20)', () => {
    expect([U.VFIO_IOMMU_SET_PASID_TABLE, U.VFIO_IOMMU_CACHE_INVALIDATE, U.VFIO_IOMMU_SET_MSI_BINDING]).toEqual([0x3b76, 0x3b77, 0x3b78]);
  });

  it.each(['6.12', '7.2'] as KernelId[])('on %s type1 answers those numbers with -ENOTTY (vfio_iommu_type1_ioctl default)', (kernel) => {
    const { h, c } = container({ kernel, ext: 3 });
    for (const n of [0x3b76, 0x3b77, 0x3b78]) fails(h.ioctl(c, n, { argsz: 64, flags: 1, config: cfg() }), 'ENOTTY', 'vfio_iommu_type1_ioctl');
  });

  it('SET_IOMMU(6) on the seed profile with a nested-capable SMMU gives a nesting container', () => {
    expect(container().set).toMatchObject({ ret: 0, errno: 0 });
  });

  it.each([['s1'], ['s2']] as const)('SET_IOMMU(6) with smmu_stage %s: -EINVAL from arm_smmu_domain_finalise ("does not implement two stages")', (stage) => {
    const { set } = container({ platform: armVirt({ smmuStage: stage }) });
    fails(set, 'EINVAL', 'arm_smmu_domain_finalise');
    expect(set.log).toContain('arm-smmu-v3 9050000.smmuv3: does not implement two stages');
  });

  it('SET_IOMMU(6) on x86-vtd: -ENODEV from intel_iommu_domain_set_attr (no nested_mode_support)', () => {
    fails(container({ platform: x86Vtd() }).set, 'ENODEV', 'intel_iommu_domain_set_attr');
  });

  it('6.12 is unchanged: SET_IOMMU(6) is -EPERM from arm_smmu_enable_nesting (docs/host-side.md)', () => {
    fails(container({ kernel: '6.12' }).set, 'EPERM', 'arm_smmu_enable_nesting');
  });
});

describe('VFIO_IOMMU_SET_PASID_TABLE (vfio_iommu_type1_set_pasid_table, iommu_uapi_attach_pasid_table, arm_smmu_attach_pasid_table)', () => {
  it('TRANSLATE installs a nested STE on every device of the domain; BYPASS and UNSET go to stage 2; ABORT aborts', () => {
    const { h, c, stes } = container({ devices: [DEV, DEV_B] });
    stes.length = 0;
    expect(spt(h, c, { argsz: 40, flags: 1, config: cfg() })).toMatchObject({ ret: 0, errno: 0 });
    expect(stes).toEqual([
      { bdf: DEV.bdf, cfg: { kind: 'nested', cdtab: 0x4000_3000n } },
      { bdf: DEV_B.bdf, cfg: { kind: 'nested', cdtab: 0x4000_3000n } },
    ]);
    stes.length = 0;
    expect(spt(h, c, { argsz: 40, flags: 1, config: cfg({ config: 2 }) }).errno).toBe(0);
    expect(stes.map((s) => s.cfg.kind)).toEqual(['s2', 's2']);
    stes.length = 0;
    expect(spt(h, c, { argsz: 40, flags: 1, config: cfg({ config: 3 }) }).errno).toBe(0);
    expect(stes.map((s) => s.cfg.kind)).toEqual(['abort', 'abort']);
    stes.length = 0;
    expect(spt(h, c, { argsz: 8, flags: 2 })).toMatchObject({ ret: 0, errno: 0 });   // UNSET clears abort too (v14)
    expect(stes.map((s) => s.cfg.kind)).toEqual(['s2', 's2']);
  });

  it('TRANSLATE over TRANSLATE is -EINVAL ("we do not support S1 <-> S1 transitions"); after BYPASS it is allowed', () => {
    const { h, c } = container();
    expect(spt(h, c, { argsz: 40, flags: 1, config: cfg() }).errno).toBe(0);
    fails(spt(h, c, { argsz: 40, flags: 1, config: cfg() }), 'EINVAL', 'arm_smmu_attach_pasid_table');
    expect(spt(h, c, { argsz: 40, flags: 1, config: cfg({ config: 2 }) }).errno).toBe(0);
    expect(spt(h, c, { argsz: 40, flags: 1, config: cfg() }).errno).toBe(0);
  });

  it('pasid_bits != 0 is -EINVAL (single CD in v15); s1fmt and s1dss are ignored', () => {
    const { h, c } = container();
    fails(spt(h, c, { argsz: 40, flags: 1, config: cfg({ pasid_bits: 4 }) }), 'EINVAL', 'arm_smmu_attach_pasid_table');
    expect(spt(h, c, { argsz: 40, flags: 1, config: cfg({ vendor_data: { smmuv3: { version: 1, s1fmt: 2, s1dss: 1 } } }) }).errno).toBe(0);
  });

  it.each([
    ['argsz < 8', { argsz: 4, flags: 1, config: cfg() }, 'EINVAL', 'vfio_iommu_type1_set_pasid_table'],
    ['flags SET|UNSET', { argsz: 40, flags: 3, config: cfg() }, 'EINVAL', 'vfio_iommu_type1_set_pasid_table'],
    ['flags 0', { argsz: 40, flags: 0, config: cfg() }, 'EINVAL', 'vfio_iommu_type1_set_pasid_table'],
    ['config.argsz < 24', { argsz: 40, flags: 1, config: cfg({ argsz: 20 }) }, 'EINVAL', 'iommu_uapi_attach_pasid_table'],
    ['config.version 2', { argsz: 40, flags: 1, config: cfg({ version: 2 }) }, 'EINVAL', 'iommu_uapi_attach_pasid_table'],
    ['SMMUV3 format with argsz 24', { argsz: 40, flags: 1, config: cfg({ argsz: 24 }) }, 'EINVAL', 'iommu_uapi_attach_pasid_table'],
    ['config 0', { argsz: 40, flags: 1, config: cfg({ config: 0 }) }, 'EINVAL', 'iommu_uapi_attach_pasid_table'],
    ['config 4', { argsz: 40, flags: 1, config: cfg({ config: 4 }) }, 'EINVAL', 'iommu_uapi_attach_pasid_table'],
    ['format 2', { argsz: 40, flags: 1, config: cfg({ format: 2 }) }, 'EINVAL', 'arm_smmu_attach_pasid_table'],
    ['smmuv3.version 0', { argsz: 40, flags: 1, config: cfg({ vendor_data: { smmuv3: { version: 0 } } }) }, 'EINVAL', 'arm_smmu_attach_pasid_table'],
    ['an unreadable config', { argsz: 40, flags: 1, config: null }, 'EFAULT', 'iommu_uapi_attach_pasid_table'],
  ])('%s -> %s from %s', (_what, arg, errname, where) => {
    const { h, c } = container();
    fails(spt(h, c, arg), errname, where);
  });

  it('an unreadable argument is -EFAULT (copy_from_user)', () => {
    const { h, c } = container();
    fails(spt(h, c, null), 'EFAULT', 'vfio_iommu_type1_set_pasid_table');
  });

  it('a TYPE1v2 container on the seed profile: the domain is not NESTED, so the driver says -EINVAL', () => {
    const { h, c, set } = container({ ext: 3 });
    expect(set.errno).toBe(0);
    fails(spt(h, c, { argsz: 40, flags: 1, config: cfg() }), 'EINVAL', 'arm_smmu_attach_pasid_table');
  });
});

describe('VFIO_IOMMU_CACHE_INVALIDATE (vfio_iommu_type1_cache_invalidate, iommu_uapi_cache_invalidate, arm_smmu_cache_invalidate)', () => {
  const addr = (flags: number, over: Record<string, unknown> = {}) => ({
    argsz: 56, version: 1, cache: U.IOMMU_CACHE_INV_TYPE_IOTLB, granularity: U.IOMMU_INV_GRANU_ADDR,
    granu: { addr_info: { flags, archid: 7, addr: 0x1000_0000, granule_size: 0x1000, nb_granules: 2, ...over } },
  });
  const words = (cmds: CmdSpec[]) => cmds.map((x) => encodeCmd(x));

  it('ADDR with ARCHID: CMD_TLBI_NH_VA per granule (ASID = archid, VMID = the domain\'s), Leaf, then CMD_SYNC', () => {
    const { h, c, cmds } = container();
    expect(inv(h, c, addr(U.IOMMU_INV_ADDR_FLAGS_ARCHID | U.IOMMU_INV_ADDR_FLAGS_LEAF))).toMatchObject({ ret: 0, errno: 0 });
    // NH_VA 0x12; VMID 5 at [47:32]; ASID 7 at [63:48]. dw1: VA 0x1000_0000 | Leaf, then + 0x1000.
    expect(words(cmds)).toEqual([
      [0x0007_0005_0000_0012n, 0x1000_0001n],
      [0x0007_0005_0000_0012n, 0x1000_1001n],
      [0x46n, 0n],                                                     // CMD_SYNC, CS = SIG_NONE
    ]);
  });

  it('a 2M granule the pgsize bitmap has is used as is; Leaf clear leaves dw1[0] = 0', () => {
    const { h, c, cmds } = container();
    expect(inv(h, c, addr(U.IOMMU_INV_ADDR_FLAGS_ARCHID, { granule_size: 0x20_0000, nb_granules: 1, addr: 0x4000_0000 })).errno).toBe(0);
    expect(words(cmds)).toEqual([[0x0007_0005_0000_0012n, 0x4000_0000n], [0x46n, 0n]]);
  });

  it('PASID granularity with ARCHID: CMD_TLBI_NH_ASID (0x11) + CMD_SYNC (__arm_smmu_tlb_inv_context with ext_asid)', () => {
    const { h, c, cmds } = container();
    const r = inv(h, c, { argsz: 32, version: 1, cache: 1, granularity: U.IOMMU_INV_GRANU_PASID, granu: { pasid_info: { flags: U.IOMMU_INV_PASID_FLAGS_ARCHID, archid: 7 } } });
    expect(r.errno).toBe(0);
    expect(words(cmds)).toEqual([[0x0007_0005_0000_0011n, 0n], [0x46n, 0n]]);
  });

  it.each([
    ['DOMAIN granularity', { argsz: 16, version: 1, cache: 1, granularity: U.IOMMU_INV_GRANU_DOMAIN }],
    ['ADDR without ARCHID', addr(0)],
  ])('%s: "global S1 invalidation", CMD_TLBI_NSNH_ALL (0x30, no VMID field) + CMD_SYNC', (_w, info) => {
    const { h, c, cmds } = container();
    expect(inv(h, c, info).errno).toBe(0);
    expect(words(cmds)).toEqual([[0x30n, 0n], [0x46n, 0n]]);
  });

  it('two devices in the domain: the invalidation is forwarded once per device (vfio_iommu_lookup_dev)', () => {
    const { h, c, cmds } = container({ devices: [DEV, DEV_B] });
    expect(inv(h, c, { argsz: 16, version: 1, cache: 1, granularity: 0 }).errno).toBe(0);
    expect(cmds.map((x) => x.op)).toEqual(['CMD_TLBI_NSNH_ALL', 'CMD_SYNC', 'CMD_TLBI_NSNH_ALL', 'CMD_SYNC']);
  });

  it.each([
    ['PASID cache', { argsz: 16, version: 1, cache: U.IOMMU_CACHE_INV_TYPE_IOTLB | U.IOMMU_CACHE_INV_TYPE_PASID, granularity: 1, argszP: 32 }, 'ENOENT'],
    ['DEV_IOTLB cache', { argsz: 32, version: 1, cache: U.IOMMU_CACHE_INV_TYPE_DEV_IOTLB, granularity: 1 }, 'ENOENT'],
  ])('%s -> -%s from arm_smmu_cache_invalidate (no CD-cache or ATC forwarding in v15)', (_w, info, errname) => {
    const { h, c, cmds } = container();
    const i = { ...info, argsz: 32, granu: { pasid_info: { flags: 2, archid: 7 } } };
    fails(inv(h, c, i), errname, 'arm_smmu_cache_invalidate');
    expect(cmds).toEqual([]);
  });

  it.each([
    ['argsz < 8', (h: VfioHost, c: number) => h.ioctl(c, U.VFIO_IOMMU_CACHE_INVALIDATE, { argsz: 4, flags: 0, info: {} }), 'EINVAL', 'vfio_iommu_type1_cache_invalidate'],
    ['flags != 0', (h: VfioHost, c: number) => inv(h, c, addr(2), 1), 'EINVAL', 'vfio_iommu_type1_cache_invalidate'],
    ['info.argsz < 16', (h: VfioHost, c: number) => inv(h, c, { ...addr(2), argsz: 12 }), 'EINVAL', 'iommu_uapi_cache_invalidate'],
    ['ADDR with info.argsz 32', (h: VfioHost, c: number) => inv(h, c, { ...addr(2), argsz: 32 }), 'EINVAL', 'iommu_uapi_cache_invalidate'],
    ['version 2', (h: VfioHost, c: number) => inv(h, c, { ...addr(2), version: 2 }), 'EINVAL', 'iommu_check_cache_invl_data'],
    ['cache bit 3', (h: VfioHost, c: number) => inv(h, c, { ...addr(2), cache: 9 }), 'EINVAL', 'iommu_check_cache_invl_data'],
    ['granularity 3', (h: VfioHost, c: number) => inv(h, c, { argsz: 56, version: 1, cache: 1, granularity: 3 }), 'EINVAL', 'iommu_check_cache_invl_data'],
    ['ADDR with the PASID cache', (h: VfioHost, c: number) => inv(h, c, { ...addr(2), cache: 5 }), 'EINVAL', 'iommu_check_cache_invl_data'],
    ['addr flags bit 3', (h: VfioHost, c: number) => inv(h, c, addr(8)), 'EINVAL', 'iommu_check_cache_invl_data'],
    ['padding', (h: VfioHost, c: number) => inv(h, c, { ...addr(2), padding: [0, 1] }), 'EINVAL', 'iommu_check_cache_invl_data'],
    ['no IOTLB bit', (h: VfioHost, c: number) => inv(h, c, { argsz: 16, version: 1, cache: 0, granularity: 0 }), 'EINVAL', 'arm_smmu_cache_invalidate'],
    ['PASID granularity without ARCHID', (h: VfioHost, c: number) => inv(h, c, { argsz: 32, version: 1, cache: 1, granularity: 1, granu: { pasid_info: { flags: 0 } } }), 'EINVAL', 'arm_smmu_cache_invalidate'],
    ['ADDR with the PASID flag', (h: VfioHost, c: number) => inv(h, c, addr(3)), 'ENOENT', 'arm_smmu_cache_invalidate'],
    ['granule 0x3000', (h: VfioHost, c: number) => inv(h, c, addr(2, { granule_size: 0x3000 })), 'EINVAL', 'arm_smmu_cache_invalidate'],
    ['unreadable info', (h: VfioHost, c: number) => inv(h, c, null), 'EFAULT', 'iommu_uapi_cache_invalidate'],
  ])('%s -> %s from %s', (_w, call, errname, where) => {
    const { h, c, cmds } = container();
    fails(call(h, c), errname, where);
    expect(cmds).toEqual([]);
  });
});

describe('VFIO_IOMMU_SET_MSI_BINDING and the NESTED_MSI cookie (iommu_dma_bind_guest_msi, iommu_dma_get_nested_msi_page)', () => {
  const domainOf = (h: VfioHost, c: number) => {
    void c;
    const ctr = [...h.vfioGroups.values()][0].container!;
    return ctr.driver!.domains[0].domain;
  };

  it('BIND records gIOVA -> gDB; the MSI set-up maps gDB -> the doorbell page in stage 2 and returns gIOVA + offset', () => {
    const { h, c } = container();
    expect(msi(h, c, { flags: 1, iova: 0x0800_0000, gpa: 0x0809_0000, size: 0x1000 })).toMatchObject({ ret: 0, errno: 0 });
    const d = domainOf(h, c);
    expect(hasNestedMsiCookie(d)).toBe(true);
    // GITS_TRANSLATER of QEMU virt is 0x0809_0040 (ITS 0x0808_0000 + 0x10040): page 0x0809_0000, offset 0x40.
    const r = iommuDmaGetNestedMsiPage(d, 0x0809_0040n);
    expect(r).toMatchObject({ ok: true, msiAddr: 0x0800_0040n });
    // The stage-2 mapping gDB 0x0809_0000 -> 0x0809_0000 (the physical doorbell), write-only MMIO.
    expect(d.pt.iovaToPhys(0x0809_0040n)).toBe(0x0809_0040n);
    expect(d.pt.leaves()).toContainEqual({ iova: 0x0809_0000n, paddr: 0x0809_0000n, pgsize: 0x1000n, prot: 2 | 8 | 16 });
    // A second MSI to the same doorbell reuses the binding.
    expect(iommuDmaGetNestedMsiPage(d, 0x0809_0040n)).toMatchObject({ ok: true, msiAddr: 0x0800_0040n });
  });

  it('without a binding: -ENOMEM and "No usable S1 MSI mapping found"', () => {
    const { h, c } = container();
    const r = iommuDmaGetNestedMsiPage(domainOf(h, c), 0x0809_0040n);
    expect(r.ok).toBe(false);
    expect(r.log).toEqual(['No usable S1 MSI mapping found']);
    if (!r.ok) expect(r.err.errno).toBe(12);
  });

  it('UNBIND removes the binding and its stage-2 doorbell mapping; UNBIND of nothing succeeds', () => {
    const { h, c } = container();
    expect(msi(h, c, { flags: 1, iova: 0x0800_0000, gpa: 0x0809_0000, size: 0x1000 }).errno).toBe(0);
    const d = domainOf(h, c);
    iommuDmaGetNestedMsiPage(d, 0x0809_0040n);
    expect(msi(h, c, { flags: 2, iova: 0x0800_0000 }).errno).toBe(0);
    expect(d.pt.iovaToPhys(0x0809_0040n)).toBeNull();
    expect(msi(h, c, { flags: 2, iova: 0x0900_0000 }).errno).toBe(0);
  });

  it.each([
    ['argsz 24', { argsz: 24, flags: 1, iova: 0, gpa: 0, size: 0x1000 }, 'EINVAL', 'vfio_iommu_type1_set_msi_binding'],
    ['flags 3', { flags: 3, iova: 0, gpa: 0, size: 0x1000 }, 'EINVAL', 'vfio_iommu_type1_set_msi_binding'],
    ['an S1 granule of 64K > the 4K MSI granule', { flags: 1, iova: 0, gpa: 0, size: 0x10000 }, 'EINVAL', 'iommu_dma_bind_guest_msi'],
  ])('%s -> %s from %s', (_w, arg, errname, where) => {
    const { h, c } = container();
    fails(msi(h, c, arg), errname, where);
  });

  it('BIND on a TYPE1v2 container of the seed profile: -EINVAL from arm_smmu_bind_guest_msi (not NESTED)', () => {
    const { h, c } = container({ ext: 3 });
    fails(msi(h, c, { flags: 1, iova: 0x0800_0000, gpa: 0x0809_0000, size: 0x1000 }), 'EINVAL', 'arm_smmu_bind_guest_msi');
  });
});
