// Property tests (fast-check): whatever the builder maps translates back, and whatever it does not map
// faults at the right stage - for every granule, for stage-1-only, stage-2-only and nested STEs.
//
// The oracle is a plain list of the mappings the test asked for (input range -> output base), so the expected
// PA is "output base + offset" (ARM ARM D8.2.8-D8.2.10: IA[g-1:0] / the block's low IA bits map straight to the
// OA). Expected faults: SMMU §7.3.13 (F_TRANSLATION: S2 = 0, CLASS IN for stage 1; S2 = 1, CLASS IN, IPA
// provided for stage 2 on the transaction's IPA), §7.3.14 + §3.4 (stage 1 bypassed and input beyond the IAS:
// F_ADDR_SIZE with S2 = 0, CLASS IN), ARM ARM D8.2.4 (an IOVA outside the T0SZ range: stage-1 Translation
// fault). Legal stage-2 geometries: ARM ARM Tables D8-21..24, D8-31..33, D8-39..41 (transcribed in
// geometry.test.ts / ste.test.ts).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import { BumpAllocator, PageTableBuilder, type TableAllocator, type TableIO } from '../vmsa/builder';
import { blockAllowed, levelShift, s1StartLevel, type GranuleShift } from '../vmsa/geometry';
import { encodeCd, encodeSte, STE_CFG } from './encode';
import { encodeEvent, EVT, type EventRecord } from './events';
import { Smmu, type TranslateResult } from './smmu';

const RUNS = 100;
const STRTAB = 0x100_0000;
const SID = 3;
const TG: Record<GranuleShift, number> = { 12: 0b00, 16: 0b01, 14: 0b10 };          // CD.TG0 / STE.S2TG
const GRANULES: GranuleShift[] = [12, 14, 16];

/** Legal {S2SL0, S2T0SZ} ranges per granule with DS = 0, no TTST (ARM ARM tables above). */
const S2_LEGAL: Record<GranuleShift, [number, number, number][]> = {
  12: [[2, 16, 24], [1, 21, 33], [0, 30, 39]],
  14: [[2, 16, 27], [1, 24, 38], [0, 35, 39]],
  16: [[2, 16, 21], [1, 18, 34], [0, 31, 39]],
};
/** Start level from S2SL0 (Tables D8-19/29/38). */
const s2Start = (g: GranuleShift, sl0: number) => (g === 12 ? 2 - sl0 : 3 - sl0);

function s2Geometry(g: GranuleShift, maxT0sz = 39) {
  const all: { sl0: number; t0sz: number }[] = [];
  for (const [sl0, lo, hi] of S2_LEGAL[g]) for (let t = lo; t <= Math.min(hi, maxT0sz); t++) all.push({ sl0, t0sz: t });
  return fc.constantFrom(...all);
}

interface Mapping { ia: number; size: number; oa: number }

/** Random non-overlapping mappings in a `bits`-bit input space: pages of the granule, and blocks at levels
 *  that allow them (at or below the start level). Outputs anywhere below 2^48, aligned to the size. */
function mappings(g: GranuleShift, bits: number, start: number) {
  const blockLevels = [1, 2].filter((l) => l >= start && blockAllowed(g, l) && levelShift(g, l) < bits);
  const item = fc.record({
    level: blockLevels.length > 0 ? fc.constantFrom(3, 3, 3, ...blockLevels) : fc.constant(3),
    inSeed: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    outSeed: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  });
  return fc.array(item, { minLength: 1, maxLength: 6 }).map((items) => {
    const out: Mapping[] = [];
    for (const it of items) {
      const size = 2 ** levelShift(g, it.level);
      const ia = Math.floor(it.inSeed * 2 ** (bits - Math.log2(size))) * size;
      const oa = Math.floor(it.outSeed * 2 ** (48 - Math.log2(size))) * size;
      if (out.some((m) => ia < m.ia + m.size && m.ia < ia + size)) continue;        // keep them disjoint
      out.push({ ia, size, oa });
    }
    return out;
  });
}

const inside = (ms: Mapping[], a: number) => ms.find((m) => a >= m.ia && a < m.ia + m.size);

/** Probe offsets: the first and last 8 bytes and a random one in between. */
const offsetsOf = (m: Mapping, seed: number) => [0, m.size - 8, Math.floor(seed * m.size)];

function newSmmu(cache: boolean) {
  const mem = new PhysMem();
  const smmu = new Smmu(mem, { oas: 48, cache });
  smmu.strtab = { base: STRTAB, log2size: 4, fmt: 'linear', split: 8 };
  const paIO: TableIO = { read: (a) => mem.load64(BigInt(a)), write: (a, v) => mem.store64(BigInt(a), v) };
  return { mem, smmu, paIO };
}
const tableMem = () => new BumpAllocator(0x10_0000_0000, 0x20_0000_0000);

function expectPa(r: TranslateResult, pa: number) {
  expect(r).toEqual({ ok: true, pa: BigInt(pa) });
}
function expectFault(r: TranslateResult, id: number, s2: boolean): EventRecord {
  expect(r.ok).toBe(false);
  const e = (r as { event: EventRecord }).event;
  expect(e).toMatchObject({ id, s2, cls: 'IN', sid: SID });
  return e;
}
function expectS2InFault(r: TranslateResult, ipa: number) {
  const e = expectFault(r, EVT.F_TRANSLATION, true);
  expect(e.ipa).toBe(BigInt(ipa));
  expect(encodeEvent(e)[3]).toBe(BigInt(ipa - (ipa % 4096)));                     // record: IPA[51:12]
}

describe.each(GRANULES.map((g) => [g === 12 ? '4KB' : g === 14 ? '16KB' : '64KB', g] as const))('%s granule', (_name, g) => {
  it('stage-1-only STE: mapped IOVAs translate to the mapped PA; unmapped ones fault at stage 1', () => {
    fc.assert(fc.property(
      fc.integer({ min: 16, max: 39 }).chain((t0sz) => fc.tuple(
        fc.constant(t0sz), mappings(g, 64 - t0sz, s1StartLevel(g, 64 - t0sz)),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.boolean(),
      )),
      ([t0sz, ms, seeds, cache]) => {
        const bits = 64 - t0sz;
        const { mem, smmu, paIO } = newSmmu(cache);
        const pt = new PageTableBuilder(1, g, bits, paIO, tableMem());
        for (const m of ms) pt.map(m.ia, m.oa, m.size, { r: true, w: true }, m.size);
        encodeCd({ t0sz, tg0: TG[g], ips: 0b101, asid: 9, ttb0: BigInt(pt.root) }).forEach((w, i) => mem.store64(BigInt(0x200_0000 + 8 * i), w));
        encodeSte({ config: STE_CFG.s1, s1ContextPtr: 0x200_0000n }).forEach((w, i) => mem.store64(BigInt(STRTAB + 64 * SID + 8 * i), w));
        const tx = (iova: number | bigint, write = false) => smmu.translate({ sid: SID, iova: BigInt(iova), access: write ? 'write' : 'read' });

        ms.forEach((m, i) => {
          for (const off of offsetsOf(m, seeds[i])) expectPa(tx(m.ia + off, (off & 8) !== 0), m.oa + off);
        });
        // Unmapped addresses inside the T0SZ range, and one just beyond it (IOVA bit `bits` set).
        for (const s of seeds) {
          const a = Math.floor(s * 2 ** bits);
          if (!inside(ms, a)) expectFault(tx(a), EVT.F_TRANSLATION, false);
        }
        expectFault(tx(2 ** bits + Math.floor(seeds[0] * 2 ** bits)), EVT.F_TRANSLATION, false);
      },
    ), { numRuns: RUNS });
  });

  it('stage-2-only STE: mapped IPAs translate; unmapped ones fault at stage 2 (CLASS IN, IPA = input)', () => {
    fc.assert(fc.property(
      s2Geometry(g).chain((geo) => fc.tuple(
        fc.constant(geo), mappings(g, 64 - geo.t0sz, s2Start(g, geo.sl0)),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.boolean(),
      )),
      ([geo, ms, seeds, cache]) => {
        const bits = 64 - geo.t0sz;
        const { mem, smmu, paIO } = newSmmu(cache);
        const pt = new PageTableBuilder(2, g, bits, paIO, tableMem(), s2Start(g, geo.sl0));
        for (const m of ms) pt.map(m.ia, m.oa, m.size, { r: true, w: true }, m.size);
        encodeSte({ config: STE_CFG.s2, s2Vmid: 4, s2T0sz: geo.t0sz, s2Sl0: geo.sl0, s2Tg: TG[g], s2Ps: 0b101, s2Ttb: BigInt(pt.root) })
          .forEach((w, i) => mem.store64(BigInt(STRTAB + 64 * SID + 8 * i), w));
        const tx = (ipa: number | bigint, write = false) => smmu.translate({ sid: SID, iova: BigInt(ipa), access: write ? 'write' : 'read' });

        ms.forEach((m, i) => {
          for (const off of offsetsOf(m, seeds[i])) expectPa(tx(m.ia + off, (off & 8) !== 0), m.oa + off);
        });
        for (const s of seeds) {
          const a = Math.floor(s * 2 ** bits);
          if (!inside(ms, a)) expectS2InFault(tx(a), a);
        }
        // Beyond 2^(64 - S2T0SZ) but within the IAS: stage-2 Translation fault on the input (§3.4 note;
        // primer §1.3 "On input, a stage-2 Translation fault is raised if the IPA >= 2^(64 - S2T0SZ)").
        if (bits < 48) {
          const a = 2 ** bits + Math.floor(seeds[1] * (2 ** 48 - 2 ** bits));
          expectS2InFault(tx(a - (a % 8)), a - (a % 8));
        }
        // Beyond the IAS (48 bits): stage 1 is bypassed, so a stage-1 F_ADDR_SIZE (§3.4, §7.3.14).
        expectFault(tx(2n ** 48n + BigInt(Math.floor(seeds[2] * 2 ** 32))), EVT.F_ADDR_SIZE, false);
      },
    ), { numRuns: RUNS });
  });

  // Nested: guest stage 1 with granule `g` over a host stage 2 with any granule. The host maps every host page
  // the guest touches (its CD, each table it allocates, each data page) to PAs handed out downwards from
  // 2^47, so consecutive IPA pages land on non-consecutive PAs: a walker that translated a stage-1 table's
  // base once and added the index (primer §1.6 note on QEMU) would read the wrong descriptor whenever a
  // 64KB stage-1 table spans several 4KB host pages.
  it('nested STE (any host granule): mapped IOVAs translate through both stages; unmapped IOVAs fault at stage 1; a guest page the host did not map faults at stage 2 with its IPA', () => {
    const host = fc.constantFrom<GranuleShift>(12, 14, 16).chain((hg) => fc.tuple(fc.constant(hg), s2Geometry(hg, 32)));
    fc.assert(fc.property(
      fc.integer({ min: 16, max: 39 }).chain((t0sz) => fc.tuple(
        fc.constant(t0sz), host,
        fc.uniqueArray(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 6, selector: (x) => Math.floor(x * 4096) }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.boolean(),
      )),
      ([t0sz, [hg, geo], pageSeeds, hostMaps, seeds, cache]) => {
        const bits = 64 - t0sz;
        const gPage = 2 ** g, hPage = 2 ** hg;
        const { mem, smmu, paIO } = newSmmu(cache);
        const s2 = new PageTableBuilder(2, hg, 64 - geo.t0sz, paIO, tableMem(), s2Start(hg, geo.sl0));
        // Host: IPA host page number -> PA, handed out downwards.
        const hostPa = new Map<number, number>();
        let nextPa = 2 ** 47;
        const hostMap = (ipa: number, bytes: number) => {
          for (let p = Math.floor(ipa / hPage); p * hPage < ipa + bytes; p++) {
            if (hostPa.has(p)) continue;
            nextPa -= hPage;
            hostPa.set(p, nextPa);
            s2.map(p * hPage, nextPa, hPage, { r: true, w: true });
          }
        };
        const ipaToPa = (ipa: number) => {
          const pa = hostPa.get(Math.floor(ipa / hPage));
          if (pa === undefined) throw new Error(`IPA 0x${ipa.toString(16)} not host-mapped`);
          return pa + (ipa % hPage);
        };
        // Guest: its CD at IPA 0x1000_0000, its tables from IPA 0x2000_0000, data pages at 0x4000_0000.. (the
        // host maps them) or 0x8000_0000.. (the host does not). The host input is at least 32 bits (S2T0SZ <= 32).
        const guestIO: TableIO = { read: (a) => mem.load64(BigInt(ipaToPa(a))), write: (a, v) => mem.store64(BigInt(ipaToPa(a)), v) };
        const inner = new BumpAllocator(0x2000_0000, 0x3000_0000);
        const guestAlloc: TableAllocator = { alloc: (bytes) => { const a = inner.alloc(bytes); hostMap(a, bytes); return a; } };
        const s1 = new PageTableBuilder(1, g, bits, guestIO, guestAlloc);
        hostMap(0x1000_0000, 64);
        encodeCd({ t0sz, tg0: TG[g], ips: 0b101, asid: 3, ttb0: BigInt(s1.root) }).forEach((w, i) => guestIO.write(0x1000_0000 + 8 * i, w));
        encodeSte({
          config: STE_CFG.nested, s1ContextPtr: 0x1000_0000n, s2Vmid: 2, s2T0sz: geo.t0sz, s2Sl0: geo.sl0, s2Tg: TG[hg],
          s2Ps: 0b101, s2Ttb: BigInt(s2.root),
        }).forEach((w, i) => mem.store64(BigInt(STRTAB + 64 * SID + 8 * i), w));

        // Guest pages: IOVA page k*(seed) -> data IPA page i (mapped by the host unless hostMaps[i] is false).
        const guest = pageSeeds.map((s, i) => {
          const iova = Math.floor(s * 2 ** (bits - g)) * gPage;
          const ipa = (hostMaps[i] ? 0x4000_0000 : 0x8000_0000) + i * 2 ** 22;       // 4MB apart: any granule
          return { iova, ipa, hostMapped: hostMaps[i] };
        }).filter((p, i, all) => all.findIndex((q) => q.iova === p.iova) === i);
        for (const p of guest) {
          s1.map(p.iova, p.ipa, gPage, { r: true, w: true });
          if (p.hostMapped) hostMap(p.ipa, gPage);
        }
        const tx = (iova: number | bigint) => smmu.translate({ sid: SID, iova: BigInt(iova), access: 'read' });

        guest.forEach((p, i) => {
          for (const off of [0, gPage - 8, Math.floor(seeds[i] * gPage)]) {
            const ipa = p.ipa + off;
            if (p.hostMapped) expectPa(tx(p.iova + off), ipaToPa(ipa));
            else expectS2InFault(tx(p.iova + off), ipa);
          }
        });
        const ms = guest.map((p) => ({ ia: p.iova, size: gPage, oa: 0 }));
        for (const s of seeds) {
          const a = Math.floor(s * 2 ** bits);
          if (!inside(ms, a)) expectFault(tx(a), EVT.F_TRANSLATION, false);
        }
      },
    ), { numRuns: RUNS });
  });
});
