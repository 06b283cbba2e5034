// A small nested machine assembled from the model's parts: a host stage 2 mapping guest RAM,
// a guest stage 1 and CD in guest memory, an STE in a linear stream table. Used by the start
// page's demo, the benchmark and tests; lab programs build the same thing line by line.

import { PhysMem } from './mem';
import { encodeCd, encodeSte, STE_CFG } from './smmuv3/encode';
import { Smmu } from './smmuv3/smmu';
import { BumpAllocator, PageTableBuilder, type TableIO } from './vmsa/builder';

export interface NestedMachine {
  mem: PhysMem;
  smmu: Smmu;
  s2: PageTableBuilder;
  s1: PageTableBuilder;
  sid: number;
  /** Guest RAM: IPA base, PA base, size. */
  ramIpa: number;
  ramPa: number;
  ramSize: number;
  cdIpa: number;
}

export interface NestedOptions {
  /** Stage-2 input bits and start level: 48/0 gives the 4-level walk, 40/1 a 3-level walk
   *  with two concatenated level-1 tables. */
  s2InputBits?: number;
  s2StartLevel?: number;
  cache?: boolean;
}

/** Guest RAM at IPA 0x4000_0000 backed by PA 0x8_0000_0000, 2 MiB mapped with 4K pages; the
 *  guest maps IOVA 0x1000_0000 -> IPA 0x4010_0000 (4K, rw). StreamID 0x10, VMID 1, ASID 7. */
export function buildNestedMachine(opts: NestedOptions = {}): NestedMachine {
  const mem = new PhysMem();
  const smmu = new Smmu(mem, { oas: 48, cache: opts.cache ?? true });
  const sid = 0x10;
  const strtab = 0x1000_0000;
  smmu.strtab = { base: strtab, log2size: 8, fmt: 'linear', split: 8 };
  const ramIpa = 0x4000_0000, ramPa = 0x8_0000_0000, ramSize = 0x20_0000;
  const paIO: TableIO = { read: (a) => mem.load64(BigInt(a)), write: (a, v) => mem.store64(BigInt(a), v) };
  const s2InputBits = opts.s2InputBits ?? 48;
  const s2Start = opts.s2StartLevel ?? 0;
  const s2 = new PageTableBuilder(2, 12, s2InputBits, paIO, new BumpAllocator(0x1010_0000, 0x1100_0000), s2Start);
  s2.map(ramIpa, ramPa, ramSize, { r: true, w: true });
  // The guest's memory: IPAs inside guest RAM, written through the host's mapping.
  const ipaToPa = (ipa: number) => {
    if (ipa < ramIpa || ipa >= ramIpa + ramSize) throw new RangeError(`IPA 0x${ipa.toString(16)} is outside guest RAM`);
    return ipa - ramIpa + ramPa;
  };
  const guestIO: TableIO = { read: (a) => mem.load64(BigInt(ipaToPa(a))), write: (a, v) => mem.store64(BigInt(ipaToPa(a)), v) };
  const guestAlloc = new BumpAllocator(ramIpa, ramIpa + 0x10_0000);
  const cdIpa = guestAlloc.alloc(64);
  const s1 = new PageTableBuilder(1, 12, 48, guestIO, guestAlloc);
  s1.map(0x1000_0000, 0x4010_0000, 0x1000, { r: true, w: true });
  encodeCd({ t0sz: 16, tg0: 0, ips: 0b101, asid: 7, ttb0: BigInt(s1.root), mair0: 0x0000_ff44 })
    .forEach((w, i) => mem.store64(BigInt(ipaToPa(cdIpa) + 8 * i), w));
  const t0sz = 64 - s2InputBits;
  const sl0 = 2 - s2Start;                                   // 4K: SL0 = 2 - start level
  encodeSte({
    config: STE_CFG.nested, s1ContextPtr: BigInt(cdIpa), s2Vmid: 1, s2T0sz: t0sz, s2Sl0: sl0, s2Tg: 0,
    s2Ps: 0b101, s2Ttb: BigInt(s2.root),
  }).forEach((w, i) => mem.store64(BigInt(strtab + 64 * sid + 8 * i), w));
  return { mem, smmu, s2, s1, sid, ramIpa, ramPa, ramSize, cdIpa };
}
