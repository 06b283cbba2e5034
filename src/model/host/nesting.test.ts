// The seed nesting uapi (5.12 + Eric Auger's series, never merged) through the host composition
// on arm64-virt with both SMMU stages. Expected values are derived by hand from the rule named in
// each comment (SMMUv3 STE layout, primer smmuv3-nested-msi.md §2.3/§4, the series' functions),
// not read off the code's output.

import { describe, expect, it } from 'vitest';
import type { IommuDomain } from '../iommu/domain';
import { permOf } from '../lab/machine';
import { STE_Config, STE_S1ContextPtr, STE_S2VMID, STE_V } from '../smmuv3/ste';
import { VFIO_PCI_INDEX_TO_OFFSET } from '../vfio/ioctl';
import { VFIO_IOMMU_CACHE_INVALIDATE, VFIO_IOMMU_SET_MSI_BINDING, VFIO_IOMMU_SET_PASID_TABLE } from '../vfio/nesting/uapi';
import { HostSystem } from './system';

const BDF = '0000:00:02.0';
/** RID 0 << 8 | 2 << 3 | 0 = 0x10: StreamID and DeviceID on QEMU virt. */
const SID = 0x10;
const GUEST_RAM = 0x4000_0000n;          // QEMU virt's guest RAM base: QEMU MAP_DMAs it at IOVA = GPA
const ASID = 7;

function setup() {
  const h = new HostSystem({
    kernel: '5.12-nested', platform: { machine: 'arm64-virt', smmu_stage: 'nested' }, devices: [{ bdf: BDF, group: 2, model: 'edu' }],
  });
  const m = h.machine!;
  const c = Number(h.open('/dev/vfio/vfio').ret);
  const g = Number(h.open('/dev/vfio/2').ret);
  expect(h.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }).errno).toBe(0);
  expect(h.ioctl(c, 'VFIO_SET_IOMMU', 6).errno).toBe(0);                  // VFIO_TYPE1_NESTING_IOMMU
  const mem = BigInt(h.mmap(0x20_0000n).ret);
  expect(h.ioctl(c, 'VFIO_IOMMU_MAP_DMA', { argsz: 32, flags: 3, vaddr: mem, iova: GUEST_RAM, size: 0x20_0000n }).errno).toBe(0);
  const d = Number(h.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', BDF).ret);
  const a = h.vfio.iommuGroups.get(2)!.attached;
  if (a.kind !== 'domain') throw new Error('no domain');
  const vm = h.smmuDriver!.vmOf(a.domain);
  return { h, m, c, g, d, mem, vm, domain: a.domain as IommuDomain };
}

/** The guest: a 48-bit stage-1 table and CD 0 (ASID 7) in its RAM; VA 0x10_0000 -> IPA 0x4000_1000 (edu's DMA
 *  mask is 28 bits, QEMU's dma_mask default, so device addresses stay below 0x1000_0000). */
function guest(s: ReturnType<typeof setup>) {
  const pt = s.m.newPt(s.vm, 12, 48);
  s.m.s1Map(pt, 0x10_0000, 0x4000_1000, 0x1000, permOf('rw'));
  const cd = s.m.writeCd(pt, ASID, true, false);
  return { pt, cd };
}

const setPasid = (s: ReturnType<typeof setup>, base: number) => s.h.ioctl(s.c, VFIO_IOMMU_SET_PASID_TABLE, {
  argsz: 40, flags: 1,
  config: { argsz: 32, version: 1, base_ptr: base, format: 1, pasid_bits: 0, config: 1, vendor_data: { smmuv3: { version: 1, s1fmt: 0, s1dss: 0 } } },
});
const steWords = (s: ReturnType<typeof setup>) => [0, 1, 2, 3].map((i) => s.m.mem.load64(BigInt(s.m.steAddr(SID) + 8 * i)));

describe('HostSystem on 5.12-nested: the nested domain\'s stage 2 is a VM filled by MAP_DMA', () => {
  it('MAP_DMA of 2 MiB at IOVA 0x4000_0000 becomes the VM\'s guest RAM (IPA -> the pinned PA), VMID 1', () => {
    const s = setup();
    // pin.ts: the first mmap's pages start at RAM_BASE + 256 MiB = 0x8_1000_0000, contiguous.
    expect(s.vm.ram).toEqual([{ ipa: 0x4000_0000, pa: 0x8_1000_0000, size: 0x20_0000 }]);
    expect(s.vm.vmid).toBe(1);                                           // the lowest free VMID
    // Before SET_PASID_TABLE: stage 2 only, Config 0b110, with that VMID.
    const w = steWords(s);
    expect(STE_Config(w)).toBe(0b110);
    expect(STE_S2VMID(w)).toBe(1);
  });

  it('guest pages come from the top of that RAM: 4 table pages, then the CD at IPA 0x401f_b000', () => {
    const s = setup();
    const { pt, cd } = guest(s);
    // guestAlloc: top 0x4020_0000 down one page each: L0 root 0x401f_f000, then the L1, L2, L3
    // tables s1Map makes (0x401f_e000, d000, c000), then the CD's page.
    expect(pt.root).toBe(0x401f_f000);
    expect(cd.ipa).toBe(0x401f_b000);
  });

  it('SET_PASID_TABLE: Config 0b111, S1ContextPtr = the CD\'s IPA, S2VMID 1; a DMA walks both stages', () => {
    const s = setup();
    const { cd } = guest(s);
    expect(setPasid(s, cd.ipa)).toMatchObject({ ret: 0, errno: 0 });
    const w = steWords(s);
    expect(STE_V(w)).toBe(1);
    expect(STE_Config(w)).toBe(0b111);
    expect(STE_S1ContextPtr(w)).toBe(0x401f_b000n);
    expect(STE_S2VMID(w)).toBe(1);
    expect(s.h.poke(s.mem + 0x1040n, new Uint8Array([1, 2, 3, 4])).errno).toBe(0);
    // VA 0x10_0040 -S1-> IPA 0x4000_1040 -S2-> 0x8_1000_0000 + 0x1040.
    const r = s.h.dma(BDF, 'read', 0x10_0040n, 4);
    expect(r).toMatchObject({ ok: true, pa: 0x8_1000_1040n });
    expect([...r.data!]).toEqual([1, 2, 3, 4]);
  });

  it('a guest remap is stale until CACHE_INVALIDATE(ADDR, archid 7): CMD_TLBI_NH_VA ASID 7 VMID 1', () => {
    const s = setup();
    const { pt, cd } = guest(s);
    expect(setPasid(s, cd.ipa).errno).toBe(0);
    expect(s.h.dma(BDF, 'read', 0x10_0040n, 4).pa).toBe(0x8_1000_1040n);
    s.m.s1Unmap(pt, 0x10_0000, 0x1000);
    s.m.s1Map(pt, 0x10_0000, 0x4000_2000, 0x1000, permOf('rw'));
    expect(s.h.dma(BDF, 'read', 0x10_0040n, 4).pa).toBe(0x8_1000_1040n);   // the TLB's old entry
    const from = s.h.trace.length;
    const r = s.h.ioctl(s.c, VFIO_IOMMU_CACHE_INVALIDATE, {
      argsz: 64, flags: 0,
      info: { argsz: 56, version: 1, cache: 1, granularity: 2, granu: { addr_info: { flags: 2 | 4, archid: ASID, addr: 0x10_0000, granule_size: 0x1000, nb_granules: 1 } } },
    });
    expect(r.errno).toBe(0);
    const cmds = s.h.trace.slice(from).flatMap((e) => (e.type === 'smmu.cmd' ? [e] : []));
    expect(cmds.map((e) => e.name)).toEqual(['CMD_TLBI_NH_VA', 'CMD_SYNC']);
    // SMMUv3 §4.4: opcode 0x12 in dw0 [7:0], VMID [47:32], ASID [63:48]; dw1 Leaf [0], Address [63:12].
    expect(cmds[0].opcode).toBe(0x12);
    expect((cmds[0].dw0 >> 32n) & 0xffffn).toBe(1n);
    expect(cmds[0].dw0 >> 48n).toBe(7n);
    expect(cmds[0].dw1).toBe(0x10_0000n | 1n);
    expect(s.h.dma(BDF, 'read', 0x10_0040n, 4).pa).toBe(0x8_1000_2040n);
  });
});

describe('the DMA_FAULT region and IRQ through the device fd', () => {
  const REGION9 = VFIO_PCI_INDEX_TO_OFFSET(9);
  const rd = (s: ReturnType<typeof setup>, off: number, size = 4) => s.h.vfio.deviceRw(s.d, REGION9 + BigInt(off), size).out!.value as bigint;

  it('GET_INFO counts 9 + 2 regions and 5 + 1 IRQs; REGION_INFO 9 and IRQ_INFO 5 describe them', () => {
    const s = setup();
    expect(s.h.ioctl(s.d, 'VFIO_DEVICE_GET_INFO', { argsz: 20 }).out).toMatchObject({ num_regions: 11, num_irqs: 6 });
    // 0x1000 header page + 512 entries x 64 bytes = 0x9000; READ | WRITE | MMAP = 7; chain of two
    // 16-byte caps after the 32-byte struct: argsz 64 fits it, cap_offset 32.
    expect(s.h.ioctl(s.d, 'VFIO_DEVICE_GET_REGION_INFO', { argsz: 64, index: 9 }).out).toMatchObject({
      flags: 7, size: 0x9000n, cap_offset: 32, caps: [{ id: 1, type: 2, subtype: 1 }, { id: 6 }],
    });
    // argsz 32 has no room: FLAG_CAPS (8) and the argsz it needs.
    expect(s.h.ioctl(s.d, 'VFIO_DEVICE_GET_REGION_INFO', { argsz: 32, index: 9 }).out).toMatchObject({ flags: 15, argsz: 64, cap_offset: 0 });
    expect(s.h.ioctl(s.d, 'VFIO_DEVICE_GET_IRQ_INFO', { argsz: 16, index: 5 }).out).toMatchObject({ flags: 1, count: 1 });
    expect(s.h.ioctl(s.d, 'VFIO_DEVICE_GET_IRQ_INFO', { argsz: 16, index: 6 }).errno).toBe(22);
  });

  it('a guest stage-1 fault: the eventfd fires, head 1, the entry says PTE_FETCH (5) at the VA; a stage-2 fault is not forwarded', () => {
    const s = setup();
    const { pt, cd } = guest(s);
    expect(setPasid(s, cd.ipa).errno).toBe(0);
    const e = Number(s.h.eventfd().ret);
    // DATA_EVENTFD (1 << 2) | ACTION_TRIGGER (1 << 5) = 0x24 on the DMA_FAULT index 5.
    expect(s.h.ioctl(s.d, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: 0x24, index: 5, start: 0, count: 1, data: [e] }).errno).toBe(0);
    expect(rd(s, 4)).toBe(64n);                                          // entry_size
    expect(rd(s, 8)).toBe(512n);                                         // nb_entries
    expect(rd(s, 12)).toBe(0x1000n);                                     // offset
    // VA 0x200_0000 has no stage-1 leaf: F_TRANSLATION, S2 = 0.
    const r = s.h.dma(BDF, 'read', 0x200_0000n, 4);
    expect(r).toMatchObject({ ok: false, event: { name: 'F_TRANSLATION', s2: false } });
    expect(s.h.readEventfd(e).ret).toBe(1n);
    expect(rd(s, 16)).toBe(1n);                                          // head
    expect(rd(s, 0)).toBe(0n);                                           // tail
    expect(rd(s, 0x1000)).toBe(1n);                                      // type DMA_UNRECOV
    expect(rd(s, 0x1008)).toBe(5n);                                      // reason PTE_FETCH
    expect(rd(s, 0x100c)).toBe(2n);                                      // flags ADDR_VALID
    expect(rd(s, 0x1014)).toBe(1n);                                      // perm READ
    expect(rd(s, 0x1018, 8)).toBe(0x200_0000n);                         // addr
    // VA 0x300_0000 -> IPA 0x7000_0000, never MAP_DMAed: a stage-2 fault, the host's own.
    s.m.s1Map(pt, 0x300_0000, 0x7000_0000, 0x1000, permOf('rw'));
    expect(s.h.dma(BDF, 'read', 0x300_0000n, 4)).toMatchObject({ ok: false, event: { s2: true } });
    expect(s.h.readEventfd(e).ret).toBe(0n);
    expect(rd(s, 16)).toBe(1n);
    // The VMM consumes: tail = head through the fd.
    expect(s.h.vfio.deviceRw(s.d, REGION9, 4, 1n).errno).toBe(0);
    expect(rd(s, 0)).toBe(1n);
  });
});

describe('MSI in a nested domain: the NESTED_MSI cookie', () => {
  const setIrqs = (s: ReturnType<typeof setup>, e: number) => s.h.ioctl(s.d, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: 0x24, index: 1, start: 0, count: 1, data: [e] });

  it('without SET_MSI_BINDING, enabling MSI fails with ENOSPC (msi_domain_alloc_irqs) and the series\' warning', () => {
    const s = setup();
    const e = Number(s.h.eventfd().ret);
    const r = setIrqs(s, e);
    expect(r.errno).toBe(28);                                            // ENOSPC
    expect(r.log).toContain('No usable S1 MSI mapping found');
  });

  it('with gIOVA 0x800_0000 bound to gDB 0x809_0000: stage 2 maps gDB onto the ITS page, the MSI becomes LPI 8192', () => {
    const s = setup();
    const { pt, cd } = guest(s);
    expect(setPasid(s, cd.ipa).errno).toBe(0);
    // The guest's own MSI cookie maps its vITS doorbell page (GITS_TRANSLATER's page in the guest's
    // IPA space, 0x0809_0000 on QEMU virt) at its SW_MSI base 0x800_0000.
    s.m.s1Map(pt, 0x800_0000, 0x0809_0000, 0x1000, permOf('w'));
    expect(s.h.ioctl(s.c, VFIO_IOMMU_SET_MSI_BINDING, { argsz: 32, flags: 1, iova: 0x800_0000n, gpa: 0x0809_0000n, size: 0x1000n }).errno).toBe(0);
    const e = Number(s.h.eventfd().ret);
    expect(setIrqs(s, e).errno).toBe(0);
    // Stage 2 now maps IPA 0x0809_0000 -> the physical GITS_TRANSLATER page 0x0809_0000.
    expect(s.domain.pt.iovaToPhys(0x0809_0040n)).toBe(0x0809_0040n);
    // The device was given gIOVA + the doorbell's offset 0x40.
    const f = s.h.functions.get(BDF)!;
    expect(f.configRead(f.msiCap + 4, 4)).toBe(0x800_0040);
    const r = s.h.irq(BDF, 0);
    expect(r).toMatchObject({ delivered: true });
    expect(s.h.readEventfd(e).ret).toBe(1n);
    // The first LPI the ITS driver hands out (its_lpi_alloc from 8192).
    expect(s.h.trace.some((t) => t.type === 'its.lpi' && t.op === 'set' && t.intid === 8192)).toBe(true);
    // The write the ITS took came from DeviceID 0x10 at GITS_TRANSLATER (0x0808_0000 + 0x1_0040).
    expect(s.h.trace.some((t) => t.type === 'its.msi' && t.deviceId === SID && t.addr === 0x0809_0040)).toBe(true);
  });
});
