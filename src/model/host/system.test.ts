// End-to-end paths through the host composition. Expected values are derived by hand from the
// rules named in each comment, not taken from the code's output.

import { describe, expect, it } from 'vitest';
import { iommuUnmap, type IommuDomain } from '../iommu/domain';
import { LabMachine } from '../lab/machine';
import { STE_Config, STE_S1ContextPtr, STE_S2VMID, STE_V } from '../smmuv3/ste';
import { HostSystem, type HostSystemOptions } from './system';

const BDF = '0000:00:02.0';
/** RID of 00:02.0 = 0 << 8 | 2 << 3 | 0 = 0x10: the StreamID and the DeviceID on QEMU virt. */
const RID = 0x10;

function setup(platform: HostSystemOptions['platform'], devices = [{ bdf: BDF, group: 2, model: 'edu' }]) {
  const h = new HostSystem({ platform, devices });
  const c = Number(h.open('/dev/vfio/vfio').ret);
  const g = Number(h.open('/dev/vfio/2').ret);
  expect(h.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }).errno).toBe(0);
  expect(h.ioctl(c, 'VFIO_SET_IOMMU', 3).errno).toBe(0);
  const mem = BigInt(h.mmap(0x400000n).ret);
  expect(h.poke(mem + 0x10040n, new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4])).errno).toBe(0);
  expect(h.ioctl(c, 'VFIO_IOMMU_MAP_DMA', { argsz: 32, flags: 3, vaddr: mem + 0x10000n, iova: 0x100000n, size: 0x10000n }).errno).toBe(0);
  const d = Number(h.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', BDF).ret);
  return { h, c, g, d, mem };
}

const domainOf = (h: HostSystem): IommuDomain => {
  const a = h.vfio.iommuGroups.get(2)!.attached;
  if (a.kind !== 'domain') throw new Error('no domain');
  return a.domain;
};

const steWords = (h: HostSystem, sid: number) => [0, 1, 2, 3].map((i) => h.machine!.mem.load64(BigInt(h.machine!.steAddr(sid) + 8 * i)));

describe('arm64-virt, stage-1 domains: MAP_DMA, edu DMA, unmap', () => {
  it('a DMA read returns the bytes the process poked, at the PA the SMMU produced', () => {
    const { h } = setup({ machine: 'arm64-virt', smmu_stage: 's1' });
    const r = h.dma(BDF, 'read', 0x100040n, 8);
    // pin.ts: the first mmap's pages start at hostRamBase + 256 MiB = 0x8_0000_0000 + 0x1000_0000;
    // vaddr + 0x10000 is IOVA 0x100000, so IOVA 0x100040 is PA 0x8_1001_0040.
    expect(r.ok).toBe(true);
    expect(r.pa).toBe(0x8_1001_0040n);
    expect([...r.data!]).toEqual([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]);
    expect(h.trace.some((e) => e.type === 'dev.dma' && e.sid === RID && e.iova === 0x100040n && e.len === 8 && !e.write)).toBe(true);
  });

  it('the STE is S1_TRANS (0b101) and its CD carries ASID 1 (xa_alloc from 1)', () => {
    const { h } = setup({ machine: 'arm64-virt', smmu_stage: 's1' });
    const w = steWords(h, RID);
    expect(STE_V(w)).toBe(1);
    expect(STE_Config(w)).toBe(0b101);
    const cd = h.machine!.mem.load64(STE_S1ContextPtr(w));
    expect(Number((cd >> 48n) & 0xffffn)).toBe(1);              // CD word 0 bits [63:48]: ASID
  });

  it('an unmapped IOVA faults with F_TRANSLATION (0x10) from StreamID 0x10, stage 1', () => {
    const { h } = setup({ machine: 'arm64-virt', smmu_stage: 's1' });
    const r = h.dma(BDF, 'read', 0x200040n, 8);
    expect(r.ok).toBe(false);
    expect(r.event?.id).toBe(0x10);
    expect(r.event?.sid).toBe(RID);
    expect(r.event?.s2).toBe(false);
    expect(r.event?.input).toBe(0x200040n);
  });

  it('UNMAP_DMA issues CMD_TLBI_NH_VA per 4K page with ASID 1, then CMD_SYNC, and the next DMA faults', () => {
    const { h, c } = setup({ machine: 'arm64-virt', smmu_stage: 's1' });
    expect(h.dma(BDF, 'read', 0x100040n, 8).ok).toBe(true);       // the TLB now holds the page
    const from = h.trace.length;
    expect(h.ioctl(c, 'VFIO_IOMMU_UNMAP_DMA', { argsz: 24, flags: 0, iova: 0x100000n, size: 0x10000n }).errno).toBe(0);
    const cmds = h.trace.slice(from).filter((e) => e.type === 'smmu.cmd').map((e) => (e.type === 'smmu.cmd' ? e.name : ''));
    // 0x10000 / 0x1000 = 16 pages: arm_smmu_tlb_inv_range_domain() without range invalidation.
    expect(cmds.filter((n) => n === 'CMD_TLBI_NH_VA')).toHaveLength(16);
    expect(cmds[cmds.length - 1]).toBe('CMD_SYNC');
    const r = h.dma(BDF, 'read', 0x100040n, 8);
    expect(r.ok).toBe(false);
    expect(r.event?.name).toBe('F_TRANSLATION');
  });

  it('control: without the TLBI the stale TLB entry still translates (so the test above can fail)', () => {
    const { h } = setup({ machine: 'arm64-virt', smmu_stage: 's1' });
    expect(h.dma(BDF, 'read', 0x100040n, 8).ok).toBe(true);
    domainOf(h).pt.unmap(0x100000n, 0x10000n);                    // the descriptors only, no flushRange
    expect(h.dma(BDF, 'read', 0x100040n, 8).ok).toBe(true);
  });
});

describe('arm64-virt, stage-2 domains', () => {
  it('the STE is S2_TRANS (0b110) with VMID 1 (ida_alloc_range from 1) and unmap issues CMD_TLBI_S2_IPA', () => {
    const { h, c } = setup({ machine: 'arm64-virt', smmu_stage: 's2' });
    const w = steWords(h, RID);
    expect(STE_Config(w)).toBe(0b110);
    expect(STE_S2VMID(w)).toBe(1);
    expect(h.dma(BDF, 'read', 0x100040n, 4).pa).toBe(0x8_1001_0040n);
    const from = h.trace.length;
    // A v2 unmap must cover whole mappings: the 64 KiB one, 16 pages of 4K.
    expect(h.ioctl(c, 'VFIO_IOMMU_UNMAP_DMA', { argsz: 24, flags: 0, iova: 0x100000n, size: 0x10000n }).errno).toBe(0);
    const names = h.trace.slice(from).flatMap((e) => (e.type === 'smmu.cmd' ? [e.name] : []));
    expect(names).toEqual([...Array<string>(16).fill('CMD_TLBI_S2_IPA'), 'CMD_SYNC']);
    expect(h.dma(BDF, 'read', 0x100040n, 4).event?.s2).toBe(true);
  });
});

describe('MSI on arm64-virt: SET_IRQS, the ITS, the eventfd', () => {
  const enable = () => {
    const s = setup({ machine: 'arm64-virt', smmu_stage: 's1' });
    const e = Number(s.h.eventfd().ret);
    // VFIO_IRQ_SET_DATA_EVENTFD (1 << 2) | VFIO_IRQ_SET_ACTION_TRIGGER (1 << 5), index 1 = MSI.
    const r = s.h.ioctl(s.d, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: 0x24, index: 1, start: 0, count: 1, data: [e] });
    expect(r.errno).toBe(0);
    return { ...s, e };
  };

  it('the device is programmed with the cookie IOVA 0x8000040 (SW_MSI base + GITS_TRANSLATER offset 0x40) and EventID 0', () => {
    const { h } = enable();
    const cfg = h.functions.get(BDF)!;
    expect(cfg.configRead(0x44, 4)).toBe(0x0800_0040);            // MSI address low (cap at 0x40 + 4)
    expect(cfg.configRead(0x48, 4)).toBe(0);                      // address high
    expect(cfg.configRead(0x4c, 2)).toBe(0);                      // data = EventID 0
    expect(cfg.configRead(0x42, 2) & 1).toBe(1);                  // PCI_MSI_FLAGS_ENABLE
  });

  it('the ITS driver sent MAPD (DeviceID 0x10, Size 0: nr_ites = max(2, 1)) and MAPTI (EventID 0, LPI 8192, ICID 0)', () => {
    const { h } = enable();
    const cmds = h.trace.filter((e) => e.type === 'its.cmd').map((e) => (e.type === 'its.cmd' ? e : null)!);
    const mapd = cmds.find((c) => c.name === 'MAPD')!;
    expect(Number(mapd.words[0] >> 32n)).toBe(RID);
    expect(Number(mapd.words[1] & 0x1fn)).toBe(0);
    const mapti = cmds.find((c) => c.name === 'MAPTI')!;
    expect(Number(mapti.words[1] & 0xffff_ffffn)).toBe(0);
    expect(Number(mapti.words[1] >> 32n)).toBe(8192);
    expect(Number(mapti.words[2] & 0xffffn)).toBe(0);
    expect(cmds.every((c) => c.error === undefined)).toBe(true);
  });

  it('irq: the write goes through the SMMU to GITS_TRANSLATER, LPI 8192 is pending at redistributor 0, the eventfd reads 1', () => {
    const { h, e } = enable();
    const r = h.irq(BDF, 0);
    expect(r.delivered).toBe(true);
    expect(h.itsDriver!.its.pendingLpis(0)).toEqual([8192]);
    const done = h.trace.find((x) => x.type === 'smmu.done' && x.ok && x.pa === 0x0809_0040);
    expect(done).toBeDefined();
    expect(h.trace.some((x) => x.type === 'dev.msi' && x.addr === 0x800_0040n && x.data === 0)).toBe(true);
    expect(h.trace.some((x) => x.type === 'msi.signal' && x.fd === e && x.count === 1)).toBe(true);
    expect(h.readEventfd(e).ret).toBe(1n);
    expect(h.readEventfd(e).ret).toBe(0n);
  });

  it('irq with the doorbell page unmapped faults at the SMMU (F_TRANSLATION at 0x8000040) and signals nothing', () => {
    const { h, e } = enable();
    iommuUnmap(domainOf(h), 0x800_0000n, 0x1000n);
    const r = h.irq(BDF, 0);
    expect(r.delivered).toBe(false);
    expect(r.event?.id).toBe(0x10);
    expect(r.event?.input).toBe(0x800_0040n);
    expect(r.event?.rnw).toBe(false);
    expect(h.itsDriver!.its.pendingLpis(0)).toEqual([]);
    expect(h.readEventfd(e).ret).toBe(0n);
  });

  it('disable (DATA_NONE | TRIGGER, count 0) clears the enable bit and unmaps the device in the ITS (MAPD V=0); irq then goes nowhere', () => {
    const { h, d } = enable();
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 20, flags: 0x21, index: 1, start: 0, count: 0 }).errno).toBe(0);
    const last = h.trace.filter((x) => x.type === 'its.cmd').pop();
    expect(last?.type === 'its.cmd' && last.name).toBe('MAPD');
    expect(last?.type === 'its.cmd' && last.words[2] >> 63n).toBe(0n);
    expect(h.irq(BDF, 0).delivered).toBe(false);
  });

  it('a LabMachine without a host has no ITS (traces and digests unchanged)', () => {
    const a = new LabMachine(), b = new LabMachine();
    expect(a.its).toBeNull();
    expect(a.digest()).toBe(b.digest());
    const h = new HostSystem({ platform: { machine: 'arm64-virt' }, devices: [{ bdf: BDF, group: 2, model: 'edu' }] }, a);
    expect(a.its).toBe(h.itsDriver!.its);
    expect(a.digest()).not.toBe(b.digest());
  });
});

describe('x86-vtd: no SMMU; interrupt remapping', () => {
  it('DMA translates through the domain page table to the process page; MSI goes to the IRTE, not through the IOMMU', () => {
    const { h, d } = setup({ machine: 'x86-vtd' });
    // x86Vtd() hostRamBase 0x1_0000_0000; pages from + 256 MiB; + 0x10040.
    expect(h.dma(BDF, 'read', 0x100040n, 4).pa).toBe(0x1_1001_0040n);
    const e = Number(h.eventfd().ret);
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: 0x24, index: 1, start: 0, count: 1, data: [e] }).errno).toBe(0);
    // IRTE 0 in remappable format with SHV: 0xfee00000 | 1 << 4 | 1 << 3.
    expect(h.functions.get(BDF)!.configRead(0x44, 4)).toBe(0xfee0_0018);
    expect(h.irq(BDF, 0).delivered).toBe(true);
    expect(h.trace.some((x) => x.type === 'ir.msi' && x.ok)).toBe(true);
    expect(h.trace.some((x) => x.type === 'smmu.txn')).toBe(false);
    expect(h.readEventfd(e).ret).toBe(1n);
  });

  it('an unmapped IOVA is a fault with no SMMU event', () => {
    const { h } = setup({ machine: 'x86-vtd' });
    const r = h.dma(BDF, 'read', 0x300000n, 4);
    expect(r.ok).toBe(false);
    expect(r.why).toMatch(/not mapped/);
  });
});
