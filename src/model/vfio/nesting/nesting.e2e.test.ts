// End to end on a LabMachine: a VFIO_TYPE1_NESTING_IOMMU container on the seed profile, the
// guest's CD and stage-1 tables in guest RAM, SET_PASID_TABLE, DMA through both stages, a stale
// TLB entry until CACHE_INVALIDATE, and a stage-1 fault landing in the DMA_FAULT ring. Expected
// values are worked out by hand from the SMMUv3 STE layout (spec §5.2, primer §2.3) and the
// mappings the test makes.

import { describe, expect, it } from 'vitest';
import { vmsaPageTable } from '../../iommu/domain';
import type { DeviceSpec } from '../../iommu/group';
import { armVirt } from '../../iommu/platform';
import { LabMachine, permOf } from '../../lab/machine';
import { EVT } from '../../smmuv3/events';
import { PageTableBuilder } from '../../vmsa/builder';
import { VfioHost } from '../vfio';
import { NestedFaultRouter } from './fault';
import { LabNestingHw } from './hw';
import {
  IOMMU_CACHE_INV_TYPE_IOTLB, IOMMU_FAULT_DMA_UNRECOV, IOMMU_FAULT_PERM_READ, IOMMU_FAULT_REASON,
  IOMMU_FAULT_UNRECOV_ADDR_VALID, IOMMU_INV_ADDR_FLAGS_ARCHID, IOMMU_INV_ADDR_FLAGS_LEAF, IOMMU_INV_GRANU_ADDR,
  VFIO_IOMMU_CACHE_INVALIDATE, VFIO_IOMMU_SET_PASID_TABLE,
} from './uapi';

const f = (v: bigint, hi: number, lo: number) => (v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
const DEV: DeviceSpec = { bdf: '0000:00:02.0', group: 2, model: 'edu' };
const SID = 0x10;
const GUEST_RAM_IPA = 0x4000_0000, GUEST_RAM_PA = 0x8_0000_0000, GUEST_RAM_SIZE = 0x20_0000;
const ASID = 7;

function setup() {
  const m = new LabMachine();
  // The nested domain's stage 2: 44-bit IPA (ias of QEMU virt's SMMU, platform.ts), VMID 1.
  const vm = m.createVm(1, 44, 12);
  const hw = new LabNestingHw(m, { sidOf: () => SID, vmOf: () => vm });
  const h = new VfioHost({
    kernel: '5.12-nested', platform: armVirt({ smmuStage: 'nested' }), devices: [DEV], hw,
    // The domain's io-pgtable is the VM's stage-2 table: what MAP_DMA would write, the SMMU walks.
    pageTable: (info) => vmsaPageTable(new PageTableBuilder(2, 12, info.inputBits, m.hostIO, m.hostAllocator, vm.startLevel, vm.s2Root)),
  });
  const c = h.open('/dev/vfio/vfio').ret as number;
  const g = h.open('/dev/vfio/2').ret as number;
  expect(h.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }).errno).toBe(0);
  expect(h.ioctl(c, 'VFIO_SET_IOMMU', 6)).toMatchObject({ ret: 0, errno: 0 });
  // Guest RAM in stage 2 (the host's mapping; done here with the machine's own stage-2 writer).
  m.s2Map(vm, GUEST_RAM_IPA, GUEST_RAM_PA, GUEST_RAM_SIZE, permOf('rw'));
  // The guest: a 48-bit stage-1 table and a CD (ASID 7) in its RAM; VA 0x1000_0000 -> IPA 0x4000_1000.
  const pt = m.newPt(vm, 12, 48);
  m.s1Map(pt, 0x1000_0000, 0x4000_1000, 0x1000, permOf('rw'));
  const cd = m.writeCd(pt, ASID, true, false);
  return { m, vm, h, c, pt, cd };
}

const setPasid = (h: VfioHost, c: number, basePtr: number, config = 1) =>
  h.ioctl(c, VFIO_IOMMU_SET_PASID_TABLE, {
    argsz: 40, flags: 1,
    config: { argsz: 32, version: 1, base_ptr: basePtr, format: 1, pasid_bits: 0, config, vendor_data: { smmuv3: { version: 1, s1fmt: 0, s1dss: 0 } } },
  });

describe('seed nesting end to end on a LabMachine', () => {
  it('SET_PASID_TABLE(TRANSLATE) writes a nested STE: checked field by field (SMMUv3 §5.2)', () => {
    const { m, vm, h, c, cd } = setup();
    // Before: attach gave a stage-2-only STE, Config 0b110.
    expect(f(m.mem.load64(BigInt(m.steAddr(SID))), 3, 1)).toBe(0b110n);
    expect(setPasid(h, c, cd.ipa)).toMatchObject({ ret: 0, errno: 0 });
    const ste = BigInt(m.steAddr(SID));
    const [w0, w1, w2, w3] = [0, 8, 16, 24].map((o) => m.mem.load64(ste + BigInt(o)));
    expect(f(w0, 0, 0)).toBe(1n);                                  // V
    expect(f(w0, 3, 1)).toBe(0b111n);                              // Config = nested
    expect(f(w0, 5, 4)).toBe(0n);                                  // S1Fmt linear (single CD)
    expect(f(w0, 51, 6)).toBe(BigInt(cd.ipa) >> 6n);               // S1ContextPtr = the CD's IPA
    expect(f(w0, 63, 59)).toBe(0n);                                // S1CDMax 0
    expect(f(w1, 1, 0)).toBe(0b10n);                               // S1DSS = SSID0 (driver's constant)
    expect(f(w1, 3, 2)).toBe(1n); expect(f(w1, 5, 4)).toBe(1n); expect(f(w1, 7, 6)).toBe(3n);  // S1CIR/COR WBRA, S1CSH ISH
    expect(f(w2, 15, 0)).toBe(1n);                                 // S2VMID = the VM's VMID 1
    expect(f(w2, 37, 32)).toBe(20n);                               // S2T0SZ = 64 - 44
    expect(f(w2, 39, 38)).toBe(0b10n);                             // S2SL0: 4K, start level 0
    expect(f(w2, 47, 46)).toBe(0n);                                // S2TG 4K
    expect(f(w2, 50, 48)).toBe(0b101n);                            // S2PS 48 bits
    expect(f(w2, 51, 51)).toBe(1n);                                // S2AA64
    expect(f(w2, 54, 54)).toBe(1n);                                // S2PTW
    expect(f(w2, 58, 58)).toBe(1n);                                // S2R
    expect(f(w3, 51, 4) << 4n).toBe(BigInt(vm.s2Root));            // S2TTB
  });

  it('a DMA translates through both stages; a changed S1 mapping stays stale until CACHE_INVALIDATE(ADDR)', () => {
    const { m, h, c, pt, cd } = setup();
    expect(setPasid(h, c, cd.ipa).errno).toBe(0);
    // VA 0x1000_0040 -S1-> IPA 0x4000_1040 -S2-> PA 0x8_0000_0000 + 0x1040.
    const dma = () => m.smmu.translate({ sid: SID, iova: 0x1000_0040n, access: 'read' });
    expect(dma()).toEqual({ ok: true, pa: 0x8_0000_1040n });
    // The guest remaps the page to IPA 0x4000_2000 and forgets the TLBI: the TLB still has the old one.
    m.s1Unmap(pt, 0x1000_0000, 0x1000);
    m.s1Map(pt, 0x1000_0000, 0x4000_2000, 0x1000, permOf('rw'));
    expect(dma()).toEqual({ ok: true, pa: 0x8_0000_1040n });
    // The VMM forwards the guest's TLBI VAE1 (ASID 7, one 4K leaf) as CACHE_INVALIDATE(ADDR).
    const r = h.ioctl(c, VFIO_IOMMU_CACHE_INVALIDATE, {
      argsz: 64, flags: 0,
      info: { argsz: 56, version: 1, cache: IOMMU_CACHE_INV_TYPE_IOTLB, granularity: IOMMU_INV_GRANU_ADDR,
        granu: { addr_info: { flags: IOMMU_INV_ADDR_FLAGS_ARCHID | IOMMU_INV_ADDR_FLAGS_LEAF, archid: ASID, addr: 0x1000_0000, granule_size: 0x1000, nb_granules: 1 } } },
    });
    expect(r).toMatchObject({ ret: 0, errno: 0 });
    expect(dma()).toEqual({ ok: true, pa: 0x8_0000_2040n });
  });

  it('UNSET goes back to a stage-2-only STE: the device DMAs with IPAs again', () => {
    const { m, h, c, cd } = setup();
    expect(setPasid(h, c, cd.ipa).errno).toBe(0);
    expect(h.ioctl(c, VFIO_IOMMU_SET_PASID_TABLE, { argsz: 8, flags: 2 }).errno).toBe(0);
    expect(f(m.mem.load64(BigInt(m.steAddr(SID))), 3, 1)).toBe(0b110n);
    // IOVA = IPA now: 0x4000_1040 -> 0x8_0000_1040.
    expect(m.smmu.translate({ sid: SID, iova: 0x4000_1040n, access: 'read' })).toEqual({ ok: true, pa: 0x8_0000_1040n });
  });

  it('ABORT makes the STE abort (Config 0b000, no event)', () => {
    const { m, h, c, cd } = setup();
    expect(setPasid(h, c, cd.ipa, 3).errno).toBe(0);
    expect(f(m.mem.load64(BigInt(m.steAddr(SID))), 3, 0)).toBe(0b0001n);   // V = 1, Config abort
    expect(m.smmu.translate({ sid: SID, iova: 0x1000_0040n, access: 'read' })).toMatchObject({ ok: false, event: null });
  });

  it('a stage-1 translation fault lands in the DMA_FAULT ring as PTE_FETCH; a stage-2 one is not forwarded', () => {
    const { m, vm, h, c, pt, cd } = setup();
    expect(setPasid(h, c, cd.ipa).errno).toBe(0);
    const router = new NestedFaultRouter();
    const region = router.register(SID);
    // VA 0x2000_0000 has no stage-1 leaf: F_TRANSLATION, S2 = 0, CLASS = IN (primer §2.10).
    m.smmu.translate({ sid: SID, iova: 0x2000_0000n, access: 'read' });
    m.drainEvents();
    const e1 = m.lastEvent!;
    expect(e1).toMatchObject({ id: EVT.F_TRANSLATION, s2: false, sid: SID });
    const rep = router.reportFault(SID, e1);
    expect(rep).toMatchObject({ delivered: true, signal: true });
    expect(region.header()).toMatchObject({ head: 1, tail: 0, entry_size: 64, nb_entries: 512, offset: 0x1000 });
    expect(region.consume()).toEqual([{
      type: IOMMU_FAULT_DMA_UNRECOV, reason: IOMMU_FAULT_REASON.PTE_FETCH, flags: IOMMU_FAULT_UNRECOV_ADDR_VALID,
      pasid: 0, perm: IOMMU_FAULT_PERM_READ, addr: 0x2000_0000n, fetch_addr: 0n,
    }]);
    expect(region.tail).toBe(1);
    // VA 0x3000_0000 -> IPA 0x7000_0000, which the host never mapped: a stage-2 fault (S2 = 1).
    m.s1Map(pt, 0x3000_0000, 0x7000_0000, 0x1000, permOf('rw'));
    m.smmu.translate({ sid: SID, iova: 0x3000_0000n, access: 'read' });
    m.drainEvents();
    expect(m.lastEvent).toMatchObject({ id: EVT.F_TRANSLATION, s2: true });
    expect(router.reportFault(SID, m.lastEvent!)).toMatchObject({ delivered: false, signal: false, errno: 14 });   // -EFAULT
    expect(region.header().head).toBe(1);
    void vm;
  });
});
