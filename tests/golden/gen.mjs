#!/usr/bin/env node
// Assembles the golden machine images (tests/golden/images/*.json) from hand-placed descriptor
// words. Run: node tests/golden/gen.mjs
//
// This script only ENCODES: every descriptor address below is written by hand as
// "table base + index * 8" with the index taken from the derivations in tests/golden/README.md,
// and every STE/CD/descriptor word is built from named architectural fields with the tiny bit
// helpers below. It contains no table walker and imports nothing from src/: the expected
// outputs (*.expected.ndjson) are written by hand from the architecture, not produced here.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'images');

// ---------------------------------------------------------------------------------------------
// Bit helpers (BigInt throughout).
const B = (x) => BigInt(x);
/** Place `value` in bits [hi:lo]; refuses values that do not fit. */
function fld(value, hi, lo) {
  const v = B(value);
  const width = B(hi - lo + 1);
  if (v < 0n || v >= 1n << width) throw new Error(`value ${v} does not fit in [${hi}:${lo}]`);
  return v << B(lo);
}
/** Bits [hi:lo] of an address, kept in place (for address fields such as S2TTB[51:4]). */
function addrField(addr, hi, lo) {
  const a = B(addr);
  const mask = ((1n << B(hi + 1)) - 1n) & ~((1n << B(lo)) - 1n);
  if ((a & ~mask) !== 0n) throw new Error(`address 0x${a.toString(16)} has bits outside [${hi}:${lo}]`);
  return a;
}
const hex = (v) => '0x' + B(v).toString(16);

// ---------------------------------------------------------------------------------------------
// STE (SMMUv3 §5.2), 8 x 64-bit words. Only the fields the golden images use.
function STE(f) {
  const w = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  w[0] =
    fld(f.V ?? 1, 0, 0) |
    fld(f.Config, 3, 1) |
    fld(f.S1Fmt ?? 0, 5, 4) |
    (f.S1ContextPtr !== undefined ? addrField(f.S1ContextPtr, 55, 6) : 0n) |
    fld(f.S1CDMax ?? 0, 63, 59);
  w[1] =
    fld(f.S1DSS ?? 0, 1, 0) | // STE[65:64]
    fld(f.S1CIR ?? 0, 3, 2) | // STE[67:66]
    fld(f.S1COR ?? 0, 5, 4) | // STE[69:68]
    fld(f.S1CSH ?? 0, 7, 6); // STE[71:70]
  w[2] =
    fld(f.S2VMID ?? 0, 15, 0) | // STE[143:128]
    fld(f.S2T0SZ ?? 0, 37, 32) | // STE[165:160]
    fld(f.S2SL0 ?? 0, 39, 38) | // STE[167:166]
    fld(f.S2IR0 ?? 0, 41, 40) |
    fld(f.S2OR0 ?? 0, 43, 42) |
    fld(f.S2SH0 ?? 0, 45, 44) |
    fld(f.S2TG ?? 0, 47, 46) | // STE[175:174]
    fld(f.S2PS ?? 0, 50, 48) | // STE[178:176]
    fld(f.S2AA64 ?? 0, 51, 51) | // STE[179]
    fld(f.S2AFFD ?? 0, 53, 53) |
    fld(f.S2R ?? 0, 58, 58); // STE[186]
  w[3] = f.S2TTB !== undefined ? addrField(f.S2TTB, 51, 4) : 0n; // STE[247:196] = S2TTB[51:4]
  return w;
}
const S2_GRAN = { '4k': 0, '64k': 1, '16k': 2 }; // STE.S2TG encoding
/** A stage-2 STE half with the realistic defaults the brief asks for (48-bit S2PS, AArch64, S2R). */
function s2fields({ vmid, t0sz, sl0, tg, ttb }) {
  return {
    S2VMID: vmid, S2T0SZ: t0sz, S2SL0: sl0, S2TG: S2_GRAN[tg], S2TTB: ttb,
    S2IR0: 0b01, S2OR0: 0b01, S2SH0: 0b11, S2PS: 0b101, S2AA64: 1, S2R: 1,
  };
}
const S1_STE_ATTRS = { S1CIR: 0b01, S1COR: 0b01, S1CSH: 0b11 };

// CD (SMMUv3 §5.4), 8 x 64-bit words.
const TG0 = { '4k': 0b00, '64k': 0b01, '16k': 0b10 };
const TG1 = { '16k': 0b01, '4k': 0b10, '64k': 0b11 }; // NB: different encoding from TG0
function CD(f) {
  const w = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  const useTtb1 = f.TTB1 !== undefined;
  w[0] =
    fld(f.T0SZ, 5, 0) |
    fld(TG0[f.TG0], 7, 6) |
    fld(0b01, 9, 8) | fld(0b01, 11, 10) | fld(0b11, 13, 12) | // IR0 WBWA, OR0 WBWA, SH0 ISH
    fld(0, 14, 14) | // EPD0 = 0
    fld(useTtb1 ? f.T1SZ : 0, 21, 16) |
    fld(useTtb1 ? TG1[f.TG1] : 0, 23, 22) |
    (useTtb1 ? fld(0b01, 25, 24) | fld(0b01, 27, 26) | fld(0b11, 29, 28) : 0n) |
    fld(useTtb1 ? 0 : 1, 30, 30) | // EPD1: TTB1 walks disabled unless a TTB1 is given
    fld(f.V ?? 1, 31, 31) |
    fld(f.IPS ?? 0b101, 34, 32) |
    fld(0, 35, 35) | // AFFD = 0: AF = 0 would fault (every leaf here has AF = 1)
    fld(1, 41, 41) | // AA64
    fld(1, 45, 45) | // R
    fld(1, 46, 46) | // A
    fld(f.ASID, 63, 48);
  w[1] = addrField(f.TTB0, 51, 4); // CD[119:68] = TTB0[51:4]
  w[2] = useTtb1 ? addrField(f.TTB1, 51, 4) : 0n; // CD[183:132] = TTB1[51:4]
  w[3] = 0x0000_04ffn; // MAIR0: Attr0 = 0xff Normal WB, Attr1 = 0x04 Device-nGnRE
  return w;
}

// VMSAv8-64 descriptors (ARM ARM D8.3), 48-bit OA, DS = 0.
const TABLE = 0b11, PAGE = 0b11, BLOCK = 0b01;
function next(addr, g) {
  const a = B(addr);
  if (a % B(g) !== 0n) throw new Error(`table ${hex(a)} not aligned to ${g}`);
  return addrField(a, 47, 12);
}
const s1Table = (addr, g = 0x1000) => next(addr, g) | B(TABLE);
const s2Table = s1Table;
/** Stage-1 leaf: AP[2:1] at [7:6], SH inner [9:8], AF [10], nG [11], PXN [53], UXN [54]. */
function s1Leaf(oa, align, type, { ap = 0b01, pxn = 0, uxn = 0, attrIndx = 0 } = {}) {
  const a = B(oa);
  if (a % B(align) !== 0n) throw new Error(`OA ${hex(a)} not aligned to ${align}`);
  return addrField(a, 47, 12) | fld(attrIndx, 4, 2) | fld(ap, 7, 6) | fld(0b11, 9, 8) |
    fld(1, 10, 10) | fld(1, 11, 11) | fld(pxn, 53, 53) | fld(uxn, 54, 54) | B(type);
}
/** Stage-2 leaf: MemAttr [5:2] = 0xF (Normal WB), S2AP [7:6], SH [9:8], AF [10]. */
function s2Leaf(oa, align, type, { s2ap = 0b11 } = {}) {
  const a = B(oa);
  if (a % B(align) !== 0n) throw new Error(`OA ${hex(a)} not aligned to ${align}`);
  return addrField(a, 47, 12) | fld(0xf, 5, 2) | fld(s2ap, 7, 6) | fld(0b11, 9, 8) |
    fld(1, 10, 10) | B(type);
}
const s1Page = (oa, g, o) => s1Leaf(oa, g, PAGE, o);
const s1Block = (oa, size, o) => s1Leaf(oa, size, BLOCK, o);
const s2Page = (oa, g, o) => s2Leaf(oa, g, PAGE, o);
const s2Block = (oa, size, o) => s2Leaf(oa, size, BLOCK, o);
// 2-level stream table (§5.1) and CD table (§5.3) descriptors.
const L1STD = (l2ptr, span) => addrField(l2ptr, 55, 6) | fld(span, 4, 0);
const L1CD = (l2ptr) => addrField(l2ptr, 55, 12) | 1n;

const K4 = 0x1000, K16 = 0x4000, K64 = 0x10000;
const MB2 = 0x20_0000, MB32 = 0x200_0000, MB512 = 0x2000_0000, GB1 = 0x4000_0000;

// ---------------------------------------------------------------------------------------------
// Image assembly: words are placed at explicit addresses, then coalesced into runs.
class Image {
  constructor(smmu) {
    this.smmu = smmu;
    this.words = new Map(); // addr (BigInt) -> word (BigInt)
    this.transactions = [];
  }
  put(addr, ...words) {
    let a = B(addr);
    if (a % 8n !== 0n) throw new Error(`unaligned word address ${hex(a)}`);
    for (const w of words.flat()) {
      if (this.words.has(a)) throw new Error(`word at ${hex(a)} written twice`);
      this.words.set(a, B(w));
      a += 8n;
    }
  }
  tx(t) { this.transactions.push(t); }
  toJSON() {
    const addrs = [...this.words.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const memory = [];
    let run = null;
    for (const a of addrs) {
      if (run && run.next === a) run.u64.push(hex(this.words.get(a)));
      else memory.push((run = { addr: hex(a), u64: [hex(this.words.get(a))] }));
      run.next = a + 8n;
    }
    for (const r of memory) delete r.next;
    return { format: 'iommu-lab/machine-image@1', memory, smmu: this.smmu, transactions: this.transactions };
  }
}
const linear = (over = {}) => ({
  strtab_base: '0x80000000', strtab_log2size: 8, strtab_fmt: 'linear', oas: 48, cache: false, ...over,
});
const steAt = (sid) => 0x8000_0000 + sid * 64; // linear stream table at 0x80000000

const images = {};

// =============================================================================================
// (a) s1-4k-ttb0-ttb1: stage 1 only, 4K granule, T0SZ = T1SZ = 16 (4-level walks), one CD.
{
  const m = new Image(linear());
  m.put(steAt(5), STE({ Config: 0b101, S1ContextPtr: 0x8001_0000, ...S1_STE_ATTRS }));
  m.put(0x8001_0000, CD({ T0SZ: 16, TG0: '4k', T1SZ: 16, TG1: '4k', ASID: 0x42,
    TTB0: 0x8010_0000, TTB1: 0x8020_0000 }));
  // TTB0, VA 0x7f1234567abc: L0 0xfe, L1 0x48, L2 0x1a2, L3 0x167, offset 0xabc
  m.put(0x8010_0000 + 0xfe * 8, s1Table(0x8010_1000));
  m.put(0x8010_1000 + 0x48 * 8, s1Table(0x8010_2000));
  m.put(0x8010_2000 + 0x1a2 * 8, s1Table(0x8010_3000));
  m.put(0x8010_3000 + 0x167 * 8, s1Page(0x9abc_d000, K4)); // AP = 01: EL0 and EL1 read/write
  // TTB1, VA 0xfffffedcba987654: L0 0x1fd, L1 0x172, L2 0x1d4, L3 0x187, offset 0x654
  m.put(0x8020_0000 + 0x1fd * 8, s1Table(0x8020_1000));
  m.put(0x8020_1000 + 0x172 * 8, s1Table(0x8020_2000));
  m.put(0x8020_2000 + 0x1d4 * 8, s1Table(0x8020_3000));
  m.put(0x8020_3000 + 0x187 * 8, s1Page(0x9123_4000, K4));
  // SID 6: TTB1 with a 16K granule, CD.TG1 = 0b01 (0b01 would mean 64K in TG0), T1SZ 17 -> L1
  // start. VA 0xffffc123456789ab: VA[63:47] all ones; L1 0x412, L2 0x1a2, L3 0x59e, offset 0x9ab
  m.put(steAt(6), STE({ Config: 0b101, S1ContextPtr: 0x8001_0040, ...S1_STE_ATTRS }));
  m.put(0x8001_0040, CD({ T0SZ: 16, TG0: '4k', T1SZ: 17, TG1: '16k', ASID: 0x43,
    TTB0: 0x8010_0000, TTB1: 0x8030_0000 }));
  m.put(0x8030_0000 + 0x412 * 8, s1Table(0x8030_4000, K16));
  m.put(0x8030_4000 + 0x1a2 * 8, s1Table(0x8030_8000, K16));
  m.put(0x8030_8000 + 0x59e * 8, s1Page(0x9200_c000, K16));
  // SID 7: TTB1 with a 64K granule, CD.TG1 = 0b11 (reserved in TG0), T1SZ 16 -> L1 start,
  // 64-entry table. VA 0xffff9876543210fe: L1 0x26, L2 0x3b2, L3 0x1432, offset 0x10fe
  m.put(steAt(7), STE({ Config: 0b101, S1ContextPtr: 0x8001_0080, ...S1_STE_ATTRS }));
  m.put(0x8001_0080, CD({ T0SZ: 16, TG0: '4k', T1SZ: 16, TG1: '64k', ASID: 0x44,
    TTB0: 0x8010_0000, TTB1: 0x8040_0000 }));
  m.put(0x8040_0000 + 0x26 * 8, s1Table(0x8041_0000, K64));
  m.put(0x8041_0000 + 0x3b2 * 8, s1Table(0x8042_0000, K64));
  m.put(0x8042_0000 + 0x1432 * 8, s1Page(0x9345_0000, K64));
  m.tx({ sid: 5, iova: '0x7f1234567abc', access: 'read' });
  m.tx({ sid: 5, iova: '0xfffffedcba987654', access: 'read' });
  m.tx({ sid: 5, iova: '0x7f1234567ff8', access: 'write', priv: true });
  m.tx({ sid: 6, iova: '0xffffc123456789ab', access: 'read' });
  m.tx({ sid: 7, iova: '0xffff9876543210fe', access: 'read' });
  images['s1-4k-ttb0-ttb1'] = m;
}

// =============================================================================================
// (b) s2-4k-4level: stage 2 only, 4K, S2T0SZ = 16, S2SL0 = 0b10 (start at level 0).
{
  const m = new Image(linear());
  m.put(steAt(6), STE({ Config: 0b110, ...s2fields({ vmid: 7, t0sz: 16, sl0: 0b10, tg: '4k', ttb: 0x8040_0000 }) }));
  // IPA 0x123456789abc: L0 0x24, L1 0xd1, L2 0xb3, L3 0x189, offset 0xabc
  m.put(0x8040_0000 + 0x24 * 8, s2Table(0x8040_1000));
  m.put(0x8040_1000 + 0xd1 * 8, s2Table(0x8040_2000));
  m.put(0x8040_2000 + 0xb3 * 8, s2Table(0x8040_3000));
  m.put(0x8040_3000 + 0x189 * 8, s2Page(0xa1b2_c000, K4));
  // IPA 0x5678: L0 0, L1 0, L2 0, L3 5, offset 0x678
  m.put(0x8040_0000 + 0 * 8, s2Table(0x8041_1000));
  m.put(0x8041_1000 + 0 * 8, s2Table(0x8041_2000));
  m.put(0x8041_2000 + 0 * 8, s2Table(0x8041_3000));
  m.put(0x8041_3000 + 5 * 8, s2Page(0xa000_0000, K4));
  m.tx({ sid: 6, iova: '0x123456789abc', access: 'read' });
  m.tx({ sid: 6, iova: '0x5678', access: 'write' });
  images['s2-4k-4level'] = m;
}

// =============================================================================================
// Shared guest layout for the nested 4K images (c) and (d): the guest's CD and its four stage-1
// tables live in IPA space, each in a different 2 MB region, so each needs its own stage-2 L2
// entry and L3 table, and each stage-1 descriptor is fetched from a visibly different PA.
//   IPA 0x40000000 (CD)         -> PA 0x88000000   S2 L2 idx 0, L3 idx 0x000
//   IPA 0x40205000 (S1 L0 tbl)  -> PA 0x88105000   S2 L2 idx 1, L3 idx 0x005
//   IPA 0x40407000 (S1 L1 tbl)  -> PA 0x88207000   S2 L2 idx 2, L3 idx 0x007
//   IPA 0x40609000 (S1 L2 tbl)  -> PA 0x88309000   S2 L2 idx 3, L3 idx 0x009
//   IPA 0x4080b000 (S1 L3 tbl)  -> PA 0x8840b000   S2 L2 idx 4, L3 idx 0x00b
function guestStage1Tables4k(m, { l3Entries }) {
  // the CD sits at PA 0x88000000 (IPA 0x40000000); the tables are written at their PAs
  m.put(0x8800_0000, CD({ T0SZ: 16, TG0: '4k', ASID: 0x42, TTB0: 0x4020_5000 }));
  // VA 0x7f1234567abc: L0 0xfe, L1 0x48, L2 0x1a2, L3 0x167 (0x168 for VA 0x7f1234568abc)
  m.put(0x8810_5000 + 0xfe * 8, s1Table(0x4040_7000)); // IPA 0x402057f0
  m.put(0x8820_7000 + 0x48 * 8, s1Table(0x4060_9000)); // IPA 0x40407240
  m.put(0x8830_9000 + 0x1a2 * 8, s1Table(0x4080_b000)); // IPA 0x40609d10
  for (const [idx, oaIpa] of l3Entries) m.put(0x8840_b000 + idx * 8, s1Page(oaIpa, K4));
}
/** Stage-2 L2 table at `l2` (IPA 0x40000000..0x7fffffff) and the L3 tables for the guest layout. */
function guestStage2Lower4k(m, l2) {
  m.put(l2 + 0 * 8, s2Table(0x8041_0000));
  m.put(l2 + 1 * 8, s2Table(0x8041_1000));
  m.put(l2 + 2 * 8, s2Table(0x8041_2000));
  m.put(l2 + 3 * 8, s2Table(0x8041_3000));
  m.put(l2 + 4 * 8, s2Table(0x8041_4000));
  m.put(0x8041_0000 + 0x000 * 8, s2Page(0x8800_0000, K4));
  m.put(0x8041_1000 + 0x005 * 8, s2Page(0x8810_5000, K4));
  m.put(0x8041_2000 + 0x007 * 8, s2Page(0x8820_7000, K4));
  m.put(0x8041_3000 + 0x009 * 8, s2Page(0x8830_9000, K4));
  m.put(0x8041_4000 + 0x00b * 8, s2Page(0x8840_b000, K4));
}

// (c) nested-4k-4x4: Config 0b111, 4K/4K, T0SZ 16 (S1 L0 start), S2T0SZ 16 + S2SL0 0b10 (S2 L0 start).
{
  const m = new Image(linear());
  m.put(steAt(7), STE({ Config: 0b111, S1ContextPtr: 0x4000_0000, ...S1_STE_ATTRS,
    ...s2fields({ vmid: 9, t0sz: 16, sl0: 0b10, tg: '4k', ttb: 0x8040_0000 }) }));
  guestStage1Tables4k(m, { l3Entries: [[0x167, 0xbe_ef12_3000]] }); // IPA 0x4080bb38
  // stage 2, IPAs 0x4xxxxxxx: L0 idx 0, L1 idx 1
  m.put(0x8040_0000 + 0 * 8, s2Table(0x8040_1000));
  m.put(0x8040_1000 + 1 * 8, s2Table(0x8040_2000));
  guestStage2Lower4k(m, 0x8040_2000);
  // stage 2, output IPA 0xbeef123abc: L0 1, L1 0xfb, L2 0x178, L3 0x123, offset 0xabc
  m.put(0x8040_0000 + 1 * 8, s2Table(0x8042_0000));
  m.put(0x8042_0000 + 0xfb * 8, s2Table(0x8042_1000));
  m.put(0x8042_1000 + 0x178 * 8, s2Table(0x8042_2000));
  m.put(0x8042_2000 + 0x123 * 8, s2Page(0xc0ff_e000, K4));
  m.tx({ sid: 7, iova: '0x7f1234567abc', access: 'read' });
  images['nested-4k-4x4'] = m;
}

// (d) nested-4k-s2-concat: stage 2 with S2T0SZ 24 (40-bit IPA), S2SL0 0b01: level-1 start with
// two concatenated 4K L1 tables at 0x80400000 (IPA[39] = 0) and 0x80401000 (IPA[39] = 1),
// indexed together by IPA[39:30] (10 bits).
{
  const m = new Image(linear());
  m.put(steAt(8), STE({ Config: 0b111, S1ContextPtr: 0x4000_0000, ...S1_STE_ATTRS,
    ...s2fields({ vmid: 10, t0sz: 24, sl0: 0b01, tg: '4k', ttb: 0x8040_0000 }) }));
  guestStage1Tables4k(m, { l3Entries: [[0x167, 0x9f_8765_4000], [0x168, 0x1_2345_6000]] });
  // IPAs 0x4xxxxxxx: IPA[39:30] = 1 -> first table, entry 1
  m.put(0x8040_0000 + 1 * 8, s2Table(0x8040_2000));
  guestStage2Lower4k(m, 0x8040_2000);
  // IPA 0x9f87654abc: IPA[39:30] = 0x27e = 638 -> SECOND table (0x80401000), entry 126
  m.put(0x8040_0000 + 0x27e * 8, s2Table(0x8043_0000)); // = 0x804013f0
  m.put(0x8043_0000 + 0x3b * 8, s2Table(0x8043_1000));
  m.put(0x8043_1000 + 0x54 * 8, s2Page(0xd005_4000, K4));
  // IPA 0x123456abc: IPA[39:30] = 4 -> first table, entry 4
  m.put(0x8040_0000 + 4 * 8, s2Table(0x8044_0000));
  m.put(0x8044_0000 + 0x11a * 8, s2Table(0x8044_1000));
  m.put(0x8044_1000 + 0x56 * 8, s2Page(0xd123_0000, K4));
  m.tx({ sid: 8, iova: '0x7f1234567abc', access: 'read' });
  m.tx({ sid: 8, iova: '0x7f1234568abc', access: 'read' });
  images['nested-4k-s2-concat'] = m;
}

// =============================================================================================
// (e) granule-16k: 16K stage 1 starting at L1 (T0SZ 17) and at L0 (T0SZ 16, 2-entry table);
// 16K stage 2 with S2T0SZ 16 -> level-1 start with two concatenated 16K tables (DS = 0).
{
  const m = new Image(linear());
  // SID 1: stage 1 only, T0SZ 17. VA 0x5a5a12345678: L1 0x5a5, L2 0x509, L3 0xd1, offset 0x1678
  m.put(steAt(1), STE({ Config: 0b101, S1ContextPtr: 0x8001_0000, ...S1_STE_ATTRS }));
  m.put(0x8001_0000, CD({ T0SZ: 17, TG0: '16k', ASID: 1, TTB0: 0x8010_0000 }));
  m.put(0x8010_0000 + 0x5a5 * 8, s1Table(0x8010_4000, K16));
  m.put(0x8010_4000 + 0x509 * 8, s1Table(0x8010_8000, K16));
  m.put(0x8010_8000 + 0xd1 * 8, s1Page(0xb000_4000, K16));
  // SID 2: stage 1 only, T0SZ 16. VA 0x876543210fed: L0 1, L1 0x76, L2 0x2a1, L3 0x484, offset 0xfed
  m.put(steAt(2), STE({ Config: 0b101, S1ContextPtr: 0x8001_0040, ...S1_STE_ATTRS }));
  m.put(0x8001_0040, CD({ T0SZ: 16, TG0: '16k', ASID: 2, TTB0: 0x8020_0000 }));
  m.put(0x8020_0000 + 1 * 8, s1Table(0x8020_4000, K16));
  m.put(0x8020_4000 + 0x76 * 8, s1Table(0x8020_8000, K16));
  m.put(0x8020_8000 + 0x2a1 * 8, s1Table(0x8020_c000, K16));
  m.put(0x8020_c000 + 0x484 * 8, s1Page(0xb100_8000, K16));
  // SID 3: stage 2 only, S2T0SZ 16, S2SL0 0b10 (L1), two concatenated 16K tables at
  // 0x80400000 and 0x80404000 indexed by IPA[47:36] (12 bits).
  m.put(steAt(3), STE({ Config: 0b110, ...s2fields({ vmid: 3, t0sz: 16, sl0: 0b10, tg: '16k', ttb: 0x8040_0000 }) }));
  // IPA 0x8123456789ab: L1 0x812 (second table, entry 0x12), L2 0x1a2, L3 0x59e, offset 0x9ab
  m.put(0x8040_0000 + 0x812 * 8, s2Table(0x8041_0000, K16)); // = 0x80404090
  m.put(0x8041_0000 + 0x1a2 * 8, s2Table(0x8041_4000, K16));
  m.put(0x8041_4000 + 0x59e * 8, s2Page(0xb200_c000, K16));
  // IPA 0x0123456789ab: L1 0x012 (first table, entry 0x12), same L2/L3 indices
  m.put(0x8040_0000 + 0x012 * 8, s2Table(0x8042_0000, K16)); // = 0x80400090
  m.put(0x8042_0000 + 0x1a2 * 8, s2Table(0x8042_4000, K16));
  m.put(0x8042_4000 + 0x59e * 8, s2Page(0xb300_0000, K16));
  m.tx({ sid: 1, iova: '0x5a5a12345678', access: 'read' });
  m.tx({ sid: 2, iova: '0x876543210fed', access: 'read' });
  m.tx({ sid: 3, iova: '0x8123456789ab', access: 'read' });
  m.tx({ sid: 3, iova: '0x123456789ab', access: 'write' });
  images['granule-16k'] = m;
}

// =============================================================================================
// (f) granule-64k: 64K stage 1 (T0SZ 16: L1 start, 64-entry table) and 64K stage 2 (S2T0SZ 16,
// S2SL0 0b10: L1 start); plus nested 64K stage 1 over a 4K stage 2, where a 64 KB stage-1
// table spans sixteen 4 KB stage-2 pages and the descriptor's own IPA must be translated.
{
  const m = new Image(linear());
  // SID 1: stage 1 only. VA 0xabcd12345678: L1 0x2a, L2 0x1e68, L3 0x1234, offset 0x5678
  m.put(steAt(1), STE({ Config: 0b101, S1ContextPtr: 0x8001_0000, ...S1_STE_ATTRS }));
  m.put(0x8001_0000, CD({ T0SZ: 16, TG0: '64k', ASID: 1, TTB0: 0x8010_0000 }));
  m.put(0x8010_0000 + 0x2a * 8, s1Table(0x8011_0000, K64));
  m.put(0x8011_0000 + 0x1e68 * 8, s1Table(0x8012_0000, K64));
  m.put(0x8012_0000 + 0x1234 * 8, s1Page(0xb123_0000, K64));
  // SID 2: stage 2 only. IPA 0x76543210fedc: L1 0x1d, L2 0x12a1, L3 0x1210, offset 0xfedc
  m.put(steAt(2), STE({ Config: 0b110, ...s2fields({ vmid: 2, t0sz: 16, sl0: 0b10, tg: '64k', ttb: 0x8040_0000 }) }));
  m.put(0x8040_0000 + 0x1d * 8, s2Table(0x8041_0000, K64));
  m.put(0x8041_0000 + 0x12a1 * 8, s2Table(0x8042_0000, K64));
  m.put(0x8042_0000 + 0x1210 * 8, s2Page(0xb456_0000, K64));
  // SID 3: nested. Stage 1 64K, T0SZ 16; stage 2 4K, S2T0SZ 25, S2SL0 0b01 (3 levels, L1 start).
  // VA 0xe468abc1357: L1 3, L2 0x1234, L3 0xabc, offset 0x1357
  //   S1 L1 table IPA 0x40100000, descriptor IPA 0x40100018 (4K page 0x40100000)
  //   S1 L2 table IPA 0x40110000, descriptor IPA 0x401191a0 (4K page 0x40119000, NOT the base page)
  //   S1 L3 table IPA 0x40120000, descriptor IPA 0x401255e0 (4K page 0x40125000, NOT the base page)
  // The 4K pages holding the L2 and L3 table BASES (0x40110000, 0x40120000) are left unmapped.
  m.put(steAt(3), STE({ Config: 0b111, S1ContextPtr: 0x4000_0000, ...S1_STE_ATTRS,
    ...s2fields({ vmid: 3, t0sz: 25, sl0: 0b01, tg: '4k', ttb: 0x8050_0000 }) }));
  m.put(0x8800_0000, CD({ T0SZ: 16, TG0: '64k', ASID: 3, TTB0: 0x4010_0000 })); // IPA 0x40000000
  m.put(0x8810_0000 + 3 * 8, s1Table(0x4011_0000, K64)); // IPA 0x40100018
  m.put(0x8821_9000 + 0x1a0, s1Table(0x4012_0000, K64)); // IPA 0x40110000 + 0x1234*8 = 0x401191a0
  m.put(0x8832_5000 + 0x5e0, s1Page(0x5000_0000, K64)); // IPA 0x40120000 + 0xabc*8 = 0x401255e0
  // stage 2 (4K, L1 start): L1 idx IPA[38:30], L2 idx IPA[29:21], L3 idx IPA[20:12]
  m.put(0x8050_0000 + 1 * 8, s2Table(0x8050_1000)); // IPA 0x40000000..0x7fffffff
  m.put(0x8050_1000 + 0 * 8, s2Table(0x8050_2000)); // IPA 0x40000000..0x401fffff
  m.put(0x8050_1000 + 0x80 * 8, s2Table(0x8050_3000)); // IPA 0x50000000..0x501fffff
  m.put(0x8050_2000 + 0x000 * 8, s2Page(0x8800_0000, K4)); // IPA 0x40000000 (CD)
  m.put(0x8050_2000 + 0x100 * 8, s2Page(0x8810_0000, K4)); // IPA 0x40100000
  m.put(0x8050_2000 + 0x119 * 8, s2Page(0x8821_9000, K4)); // IPA 0x40119000
  m.put(0x8050_2000 + 0x125 * 8, s2Page(0x8832_5000, K4)); // IPA 0x40125000
  m.put(0x8050_3000 + 0x001 * 8, s2Page(0xe000_1000, K4)); // IPA 0x50001000
  m.tx({ sid: 1, iova: '0xabcd12345678', access: 'read' });
  m.tx({ sid: 2, iova: '0x76543210fedc', access: 'read' });
  m.tx({ sid: 3, iova: '0xe468abc1357', access: 'read' });
  images['granule-64k'] = m;
}

// =============================================================================================
// (g) blocks: a Block descriptor at every level that allows one with DS = 0, both stages.
{
  const m = new Image(linear());
  // SID 1: stage 1, 4K, T0SZ 16.
  m.put(steAt(1), STE({ Config: 0b101, S1ContextPtr: 0x8001_0000, ...S1_STE_ATTRS }));
  m.put(0x8001_0000, CD({ T0SZ: 16, TG0: '4k', ASID: 1, TTB0: 0x8010_0000 }));
  m.put(0x8010_0000 + 0 * 8, s1Table(0x8010_1000));
  // VA 0x43456789a: L0 0, L1 0x10 -> 1 GB block 0x1c0000000, offset IA[29:0] = 0x3456789a
  m.put(0x8010_1000 + 0x10 * 8, s1Block(0x1_c000_0000, GB1));
  // VA 0x44a3c5d6e: L0 0, L1 0x11, L2 0x51 -> 2 MB block 0x8ee00000, offset IA[20:0] = 0x1c5d6e
  m.put(0x8010_1000 + 0x11 * 8, s1Table(0x8010_2000));
  m.put(0x8010_2000 + 0x51 * 8, s1Block(0x8ee0_0000, MB2));
  // SID 2: stage 2, 4K, S2T0SZ 16, S2SL0 0b10, same IPAs.
  m.put(steAt(2), STE({ Config: 0b110, ...s2fields({ vmid: 2, t0sz: 16, sl0: 0b10, tg: '4k', ttb: 0x8040_0000 }) }));
  m.put(0x8040_0000 + 0 * 8, s2Table(0x8040_1000));
  m.put(0x8040_1000 + 0x10 * 8, s2Block(0x2_4000_0000, GB1));
  m.put(0x8040_1000 + 0x11 * 8, s2Table(0x8040_2000));
  m.put(0x8040_2000 + 0x51 * 8, s2Block(0x9f60_0000, MB2));
  // SID 3: stage 1, 16K, T0SZ 17 (L1 start). VA 0x123456789abc: L1 0x123, L2 0x22b -> 32 MB
  // block 0xa6000000, offset IA[24:0] = 0x789abc
  m.put(steAt(3), STE({ Config: 0b101, S1ContextPtr: 0x8001_0040, ...S1_STE_ATTRS }));
  m.put(0x8001_0040, CD({ T0SZ: 17, TG0: '16k', ASID: 3, TTB0: 0x8020_0000 }));
  m.put(0x8020_0000 + 0x123 * 8, s1Table(0x8020_4000, K16));
  m.put(0x8020_4000 + 0x22b * 8, s1Block(0xa600_0000, MB32));
  // SID 4: stage 2, 16K, S2T0SZ 16, S2SL0 0b10 (two concatenated L1 tables), same IPA:
  // L1 idx IPA[47:36] = 0x123, L2 0x22b -> 32 MB block 0xc2000000
  m.put(steAt(4), STE({ Config: 0b110, ...s2fields({ vmid: 4, t0sz: 16, sl0: 0b10, tg: '16k', ttb: 0x8060_0000 }) }));
  m.put(0x8060_0000 + 0x123 * 8, s2Table(0x8061_0000, K16));
  m.put(0x8061_0000 + 0x22b * 8, s2Block(0xc200_0000, MB32));
  // SID 5: stage 1, 64K, T0SZ 16. VA 0xabcd12345678: L1 0x2a, L2 0x1e68 -> 512 MB block
  // 0x1_2000_0000, offset IA[28:0] = 0x12345678
  m.put(steAt(5), STE({ Config: 0b101, S1ContextPtr: 0x8001_0080, ...S1_STE_ATTRS }));
  m.put(0x8001_0080, CD({ T0SZ: 16, TG0: '64k', ASID: 5, TTB0: 0x8030_0000 }));
  m.put(0x8030_0000 + 0x2a * 8, s1Table(0x8031_0000, K64));
  m.put(0x8031_0000 + 0x1e68 * 8, s1Block(0x1_2000_0000, MB512));
  // SID 6: stage 2, 64K, S2T0SZ 16, S2SL0 0b10, same IPA -> 512 MB block 0x3_e000_0000
  m.put(steAt(6), STE({ Config: 0b110, ...s2fields({ vmid: 6, t0sz: 16, sl0: 0b10, tg: '64k', ttb: 0x8070_0000 }) }));
  m.put(0x8070_0000 + 0x2a * 8, s2Table(0x8071_0000, K64));
  m.put(0x8071_0000 + 0x1e68 * 8, s2Block(0x3_e000_0000, MB512));
  m.tx({ sid: 1, iova: '0x43456789a', access: 'read' });
  m.tx({ sid: 1, iova: '0x44a3c5d6e', access: 'read' });
  m.tx({ sid: 2, iova: '0x43456789a', access: 'read' });
  m.tx({ sid: 2, iova: '0x44a3c5d6e', access: 'write' });
  m.tx({ sid: 3, iova: '0x123456789abc', access: 'read' });
  m.tx({ sid: 4, iova: '0x123456789abc', access: 'read' });
  m.tx({ sid: 5, iova: '0xabcd12345678', access: 'read' });
  // SID 7: nested, blocks serving the walk itself. Stage 2 4K, S2T0SZ 25, S2SL0 0b01: one 1 GB
  // L1 block maps IPA 0x40000000..0x7fffffff to PA 0xc0000000, so every IPA costs ONE stage-2
  // read. Stage 1 4K, T0SZ 25: VA 0x1234567abc: L1 0x48, L2 0x1a2 -> 2 MB block at IPA 0x40600000.
  m.put(steAt(7), STE({ Config: 0b111, S1ContextPtr: 0x4000_0000, ...S1_STE_ATTRS,
    ...s2fields({ vmid: 7, t0sz: 25, sl0: 0b01, tg: '4k', ttb: 0x8080_0000 }) }));
  m.put(0x8080_0000 + 1 * 8, s2Block(0xc000_0000, GB1));
  m.put(0xc000_0000, CD({ T0SZ: 25, TG0: '4k', ASID: 7, TTB0: 0x4010_0000 })); // IPA 0x40000000
  m.put(0xc010_0000 + 0x48 * 8, s1Table(0x4020_0000)); // IPA 0x40100240
  m.put(0xc020_0000 + 0x1a2 * 8, s1Block(0x4060_0000, MB2)); // IPA 0x40200d10
  m.tx({ sid: 6, iova: '0xabcd12345678', access: 'read' });
  m.tx({ sid: 7, iova: '0x1234567abc', access: 'read' });
  images['blocks'] = m;
}

// =============================================================================================
// (h) strtab-2lvl: 2-level stream table, LOG2SIZE 16, SPLIT 8: L1 index = SID[15:8], L2 index =
// SID[7:0] (within the L2 table's span).
{
  const m = new Image({ strtab_base: '0x80000000', strtab_log2size: 16, strtab_fmt: '2lvl',
    strtab_split: 8, oas: 48, cache: false });
  // SID 0x0305: L1STD[3] at 0x80000018, Span 9 (256 STEs) -> L2 at 0x80020000; STE 5 at 0x80020140
  m.put(0x8000_0000 + 3 * 8, L1STD(0x8002_0000, 9));
  m.put(0x8002_0000 + 5 * 64, STE({ Config: 0b100 })); // bypass
  // SID 0x1202: L1STD[0x12] at 0x80000090, Span 3 (4 STEs) -> L2 at 0x80030000; STE 2 at 0x80030080
  m.put(0x8000_0000 + 0x12 * 8, L1STD(0x8003_0000, 3));
  m.put(0x8003_0000 + 2 * 64, STE({ Config: 0b101, S1ContextPtr: 0x8001_0000, ...S1_STE_ATTRS }));
  // stage 1, 4K, T0SZ 25 -> level-1 start. VA 0x1234567abc: L1 0x48, L2 0x1a2, L3 0x167, off 0xabc
  m.put(0x8001_0000, CD({ T0SZ: 25, TG0: '4k', ASID: 0x12, TTB0: 0x8010_0000 }));
  m.put(0x8010_0000 + 0x48 * 8, s1Table(0x8010_1000));
  m.put(0x8010_1000 + 0x1a2 * 8, s1Table(0x8010_2000));
  m.put(0x8010_2000 + 0x167 * 8, s1Page(0x9abc_d000, K4));
  m.tx({ sid: 0x0305, iova: '0x12345678', access: 'read' });
  m.tx({ sid: 0x1202, iova: '0x1234567abc', access: 'read' });
  images['strtab-2lvl'] = m;
}

// =============================================================================================
// (i) cd-tables: SID 9 nested, S1Fmt 0b01 (2-level CD table, 4K leaf tables of 64 CDs),
// S1CDMax 8, S1DSS 0b10 (no SubstreamID -> CD 0). 3-level stage 1 (4K, T0SZ 25) over 3-level
// stage 2 (4K, S2T0SZ 25, S2SL0 0b01).
//   IPA 0x40000000 L1CD table -> PA 0x88000000   S2 L2 idx 0, L3 idx 0
//   IPA 0x40001000 CD table 0 -> PA 0x88051000   S2 L2 idx 0, L3 idx 1
//   IPA 0x40003000 CD table 2 -> PA 0x88063000   S2 L2 idx 0, L3 idx 3
//   IPA 0x40205000 S1 L1 tbl  -> PA 0x88105000   S2 L2 idx 1, L3 idx 5
//   IPA 0x40407000 S1 L2 tbl  -> PA 0x88207000   S2 L2 idx 2, L3 idx 7
//   IPA 0x40609000 S1 L3 tbl  -> PA 0x88309000   S2 L2 idx 3, L3 idx 9
{
  const m = new Image(linear());
  m.put(steAt(9), STE({ Config: 0b111, S1Fmt: 0b01, S1CDMax: 8, S1DSS: 0b10, S1ContextPtr: 0x4000_0000,
    ...S1_STE_ATTRS, ...s2fields({ vmid: 11, t0sz: 25, sl0: 0b01, tg: '4k', ttb: 0x8040_0000 }) }));
  m.put(0x8800_0000 + 0 * 8, L1CD(0x4000_1000)); // L1CD[0], IPA 0x40000000
  m.put(0x8800_0000 + 2 * 8, L1CD(0x4000_3000)); // L1CD[2], IPA 0x40000010
  m.put(0x8805_1000 + 0 * 64, CD({ T0SZ: 25, TG0: '4k', ASID: 0x10, TTB0: 0x4020_5000 })); // CD 0
  m.put(0x8806_3000 + 5 * 64, CD({ T0SZ: 25, TG0: '4k', ASID: 0x15, TTB0: 0x4020_5000 })); // CD 0x85
  // VA 0x1234567abc: L1 0x48, L2 0x1a2, L3 0x167, offset 0xabc
  m.put(0x8810_5000 + 0x48 * 8, s1Table(0x4040_7000)); // IPA 0x40205240
  m.put(0x8820_7000 + 0x1a2 * 8, s1Table(0x4060_9000)); // IPA 0x40407d10
  m.put(0x8830_9000 + 0x167 * 8, s1Page(0x76_5432_1000, K4)); // IPA 0x40609b38
  // stage 2
  m.put(0x8040_0000 + 1 * 8, s2Table(0x8040_1000));
  m.put(0x8040_1000 + 0 * 8, s2Table(0x8041_0000));
  m.put(0x8040_1000 + 1 * 8, s2Table(0x8041_1000));
  m.put(0x8040_1000 + 2 * 8, s2Table(0x8041_2000));
  m.put(0x8040_1000 + 3 * 8, s2Table(0x8041_3000));
  m.put(0x8041_0000 + 0 * 8, s2Page(0x8800_0000, K4));
  m.put(0x8041_0000 + 1 * 8, s2Page(0x8805_1000, K4));
  m.put(0x8041_0000 + 3 * 8, s2Page(0x8806_3000, K4));
  m.put(0x8041_1000 + 5 * 8, s2Page(0x8810_5000, K4));
  m.put(0x8041_2000 + 7 * 8, s2Page(0x8820_7000, K4));
  m.put(0x8041_3000 + 9 * 8, s2Page(0x8830_9000, K4));
  // output IPA 0x7654321abc: L1 0x1d9, L2 0xa1, L3 0x121, offset 0xabc
  m.put(0x8040_0000 + 0x1d9 * 8, s2Table(0x8042_0000));
  m.put(0x8042_0000 + 0xa1 * 8, s2Table(0x8042_1000));
  m.put(0x8042_1000 + 0x121 * 8, s2Page(0xc0ff_e000, K4));
  // The other two CD table formats, stage 1 only (all addresses are PAs). Both CDs use the
  // stage-1 tables at PA 0x80100000: VA 0x1234567abc -> L1 0x48, L2 0x1a2, L3 0x167.
  // SID 10: S1Fmt 0b00 (linear), S1CDMax 4: CD[ssid] at S1ContextPtr + 64 * ssid.
  m.put(steAt(10), STE({ Config: 0b101, S1Fmt: 0b00, S1CDMax: 4, S1ContextPtr: 0x8002_0000, ...S1_STE_ATTRS }));
  m.put(0x8002_0000 + 3 * 64, CD({ T0SZ: 25, TG0: '4k', ASID: 0x23, TTB0: 0x8010_0000 })); // CD 3
  // SID 11: S1Fmt 0b10 (2-level, 64K leaf tables of 1024 CDs), S1CDMax 11: L1 index
  // SSID[10:10], L2 index SSID[9:0]. SSID 0x4a5 -> L1CD[1], CD 0xa5.
  m.put(steAt(11), STE({ Config: 0b101, S1Fmt: 0b10, S1CDMax: 11, S1ContextPtr: 0x8003_0000, ...S1_STE_ATTRS }));
  m.put(0x8003_0000 + 1 * 8, L1CD(0x8004_0000));
  m.put(0x8004_0000 + 0xa5 * 64, CD({ T0SZ: 25, TG0: '4k', ASID: 0x24, TTB0: 0x8010_0000 })); // 0x80042940
  m.put(0x8010_0000 + 0x48 * 8, s1Table(0x8010_1000));
  m.put(0x8010_1000 + 0x1a2 * 8, s1Table(0x8010_2000));
  m.put(0x8010_2000 + 0x167 * 8, s1Page(0x9abc_d000, K4));
  m.tx({ sid: 9, ssid: 0x85, iova: '0x1234567abc', access: 'read' });
  m.tx({ sid: 9, iova: '0x1234567abc', access: 'read' });
  m.tx({ sid: 10, ssid: 3, iova: '0x1234567abc', access: 'read' });
  m.tx({ sid: 11, ssid: 0x4a5, iova: '0x1234567abc', access: 'read' });
  images['cd-tables'] = m;
}

// =============================================================================================
// (j) perms-pass: accesses that the permission checks allow.
{
  const m = new Image(linear());
  // SID 1: stage 1, 4K, T0SZ 25 (L1 start). VAs 0x1000..0x4fff: L1 0, L2 0, L3 1..4.
  m.put(steAt(1), STE({ Config: 0b101, S1ContextPtr: 0x8001_0000, ...S1_STE_ATTRS }));
  m.put(0x8001_0000, CD({ T0SZ: 25, TG0: '4k', ASID: 1, TTB0: 0x8010_0000 }));
  m.put(0x8010_0000 + 0 * 8, s1Table(0x8010_1000));
  m.put(0x8010_1000 + 0 * 8, s1Table(0x8010_2000));
  m.put(0x8010_2000 + 1 * 8, s1Page(0x9000_1000, K4, { ap: 0b00 })); // EL1 RW, EL0 none
  m.put(0x8010_2000 + 2 * 8, s1Page(0x9000_2000, K4, { ap: 0b01 })); // EL1 RW, EL0 RW
  m.put(0x8010_2000 + 3 * 8, s1Page(0x9000_3000, K4, { ap: 0b11, pxn: 1 })); // RO both, EL0 exec
  m.put(0x8010_2000 + 4 * 8, s1Page(0x9000_4000, K4, { ap: 0b10 })); // EL1 RO, EL0 none
  // SID 2: stage 2, 4K, S2T0SZ 25, S2SL0 0b01 (L1 start). IPAs 0x1000..0x3fff: L1 0, L2 0, L3 1..3.
  m.put(steAt(2), STE({ Config: 0b110, ...s2fields({ vmid: 2, t0sz: 25, sl0: 0b01, tg: '4k', ttb: 0x8040_0000 }) }));
  m.put(0x8040_0000 + 0 * 8, s2Table(0x8040_1000));
  m.put(0x8040_1000 + 0 * 8, s2Table(0x8040_2000));
  m.put(0x8040_2000 + 1 * 8, s2Page(0xa000_1000, K4, { s2ap: 0b01 })); // read-only
  m.put(0x8040_2000 + 2 * 8, s2Page(0xa000_2000, K4, { s2ap: 0b10 })); // write-only
  m.tx({ sid: 1, iova: '0x1010', access: 'write', priv: true }); // AP 00, privileged write
  m.tx({ sid: 1, iova: '0x2020', access: 'read' }); // AP 01, unprivileged read
  m.tx({ sid: 1, iova: '0x2028', access: 'write' }); // AP 01, unprivileged write
  m.tx({ sid: 1, iova: '0x3030', access: 'read' }); // AP 11, unprivileged read
  m.tx({ sid: 1, iova: '0x3038', access: 'read', priv: true }); // AP 11, privileged read
  m.tx({ sid: 1, iova: '0x3040', access: 'read', instr: true }); // AP 11, UXN 0: EL0 fetch
  m.tx({ sid: 1, iova: '0x4040', access: 'read', priv: true }); // AP 10, privileged read
  m.tx({ sid: 2, iova: '0x1100', access: 'read' }); // S2AP 01, read
  m.tx({ sid: 2, iova: '0x2200', access: 'write' }); // S2AP 10, write
  images['perms-pass'] = m;
}

// =============================================================================================
// (k) tlb-hit: cache = true; the same page translated three times.
{
  const m = new Image(linear({ cache: true }));
  m.put(steAt(5), STE({ Config: 0b101, S1ContextPtr: 0x8001_0000, ...S1_STE_ATTRS }));
  m.put(0x8001_0000, CD({ T0SZ: 16, TG0: '4k', ASID: 0x42, TTB0: 0x8010_0000 }));
  m.put(0x8010_0000 + 0xfe * 8, s1Table(0x8010_1000));
  m.put(0x8010_1000 + 0x48 * 8, s1Table(0x8010_2000));
  m.put(0x8010_2000 + 0x1a2 * 8, s1Table(0x8010_3000));
  m.put(0x8010_3000 + 0x167 * 8, s1Page(0x9abc_d000, K4));
  m.tx({ sid: 5, iova: '0x7f1234567abc', access: 'read' });
  m.tx({ sid: 5, iova: '0x7f1234567abc', access: 'read' });
  m.tx({ sid: 5, iova: '0x7f1234567004', access: 'read' });
  images['tlb-hit'] = m;
}

// ---------------------------------------------------------------------------------------------
mkdirSync(OUT, { recursive: true });
for (const [name, img] of Object.entries(images)) {
  const json = img.toJSON();
  const text = '{\n' +
    `  "format": ${JSON.stringify(json.format)},\n` +
    '  "memory": [\n' + json.memory.map((r) => '    ' + JSON.stringify(r)).join(',\n') + '\n  ],\n' +
    `  "smmu": ${JSON.stringify(json.smmu)},\n` +
    '  "transactions": [\n' + json.transactions.map((t) => '    ' + JSON.stringify(t)).join(',\n') + '\n  ]\n}\n';
  writeFileSync(join(OUT, `${name}.json`), text);
  console.log(`wrote images/${name}.json (${json.memory.length} runs, ${json.transactions.length} transactions)`);
}
