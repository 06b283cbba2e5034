#!/usr/bin/env node
// Writes the machine images of the golden "faults and configuration errors" set
// (tests/golden/images/fault-*.json and config-*.json).
//
//   node tests/golden/gen-faults.mjs
//
// Only the images are generated. The expected outputs (NAME.expected.ndjson) are written by hand
// from the SMMUv3 and Arm ARM rules; the derivation of each is in tests/golden/README.md, section
// "Faults and configuration errors". Nothing here is imported from src/: every structure is
// packed with the small helpers below, from the bit positions of the specification (IHI 0070 G.b
// §5.1 L1STD, §5.2 STE, §5.3 L1CD, §5.4 CD; DDI 0487 D8.3 descriptors). Every descriptor is
// placed at an address written out by hand, so the tables are exactly what README.md describes.
//
// Conventions shared by all images (unless an image says otherwise):
// - oas 48, cache false (so every transaction lists every read it makes);
// - linear stream table at 0x80000000 with LOG2SIZE 8: the STE of StreamID N is at 0x80000000+64N;
// - stage-1 CDs: AA64=1, TG0=4KB, EPD1=1 (TTB1 off: with EPD1=0 the reserved TG1=0b00 encoding
//   would make the CD ILLEGAL), IPS=48 bits, R=1, A=1, S=0, ASID 1, MAIR0=0xff;
// - stage 2: S2TG=4KB, S2PS=48 bits, S2AA64=1, S2R=1, S2S=0, VMID 1.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'images');

// ---------------------------------------------------------------------------------------------
// Bit helpers

const B = (x) => BigInt(x);
/** value placed at bit `lo` after checking it fits in `width` bits */
function field(value, lo, width) {
  const v = B(value);
  if (v < 0n || v >= (1n << B(width))) throw new Error(`field value ${v} does not fit in ${width} bits`);
  return v << B(lo);
}
const bit = (cond, lo) => (cond ? 1n << B(lo) : 0n);
const hex = (v) => '0x' + B(v).toString(16);

// ---------------------------------------------------------------------------------------------
// Structures

/** STE (SMMUv3 §5.2): 8 words. Field names as in the spec. */
function ste(o) {
  const w = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  w[0] = bit(o.V ?? 1, 0) | field(o.Config ?? 0, 1, 3) | field(o.S1Fmt ?? 0, 4, 2)
    | B(o.S1ContextPtr ?? 0) /* bits [55:6] hold address bits [55:6] */ | field(o.S1CDMax ?? 0, 59, 5);
  if ((B(o.S1ContextPtr ?? 0) & ~((1n << 56n) - 64n)) !== 0n) throw new Error('S1ContextPtr not encodable');
  w[1] = field(o.S1DSS ?? 0, 0, 2) | bit(o.S1STALLD, 27);
  w[2] = field(o.S2VMID ?? 1, 0, 16) | field(o.S2T0SZ ?? 0, 32, 6) | field(o.S2SL0 ?? 0, 38, 2)
    | field(o.S2TG ?? 0, 46, 2) | field(o.S2PS ?? 0b101, 48, 3) | bit(o.S2AA64 ?? 1, 51)
    | bit(o.S2AFFD, 53) | bit(o.S2HA, 56) | bit(o.S2S, 57) | bit(o.S2R ?? 1, 58);
  w[3] = B(o.S2TTB ?? 0); // bits [243:196] hold address bits [51:4]
  if ((w[3] & ~((1n << 52n) - 16n)) !== 0n) throw new Error('S2TTB not encodable');
  return w;
}

/** CD (SMMUv3 §5.4): 8 words. */
function cd(o) {
  const w = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  w[0] = field(o.T0SZ ?? 16, 0, 6) | field(o.TG0 ?? 0, 6, 2) | bit(o.EPD0, 14)
    | field(o.T1SZ ?? 0, 16, 6) | field(o.TG1 ?? 0, 22, 2) | bit(o.EPD1 ?? 1, 30)
    | bit(o.V ?? 1, 31) | field(o.IPS ?? 0b101, 32, 3) | bit(o.AFFD, 35) | bit(o.AA64 ?? 1, 41)
    | bit(o.HA, 43) | bit(o.S, 44) | bit(o.R ?? 1, 45) | bit(o.A ?? 1, 46)
    | field(o.ASID ?? 1, 48, 16);
  w[1] = B(o.TTB0 ?? 0); // bits [115:68] hold address bits [51:4]
  w[2] = B(o.TTB1 ?? 0); // bits [179:132] hold address bits [51:4]
  for (const t of [w[1], w[2]]) if ((t & ~((1n << 52n) - 16n)) !== 0n) throw new Error('TTBx not encodable');
  w[3] = B(o.MAIR0 ?? 0xff);
  return w;
}

/** L1STD (§5.1): Span[4:0], L2Ptr[55:6]. */
const l1std = (l2ptr, span) => B(l2ptr) | field(span, 0, 5);
/** L1CD (§5.3): V[0], L2Ptr[55:12]. */
const l1cd = (l2ptr, v = 1) => B(l2ptr) | bit(v, 0);

// VMSAv8-64 descriptors (DDI 0487 D8.3), 4KB granule, 48-bit OA.
/** table descriptor; s1 attributes: PXNTable[59], UXNTable[60], APTable[62:61] */
function table(nlta, o = {}) {
  return B(nlta) | 0b11n | bit(o.PXNTable, 59) | bit(o.UXNTable, 60) | field(o.APTable ?? 0, 61, 2);
}
/** stage-1 page (L3, type 0b11) or block (L1/L2, type 0b01): AttrIndx 0, SH inner */
function s1leaf(oa, o = {}) {
  return B(oa) | (o.block ? 0b01n : 0b11n) | field(o.AP ?? 0b01, 6, 2) | field(0b11, 8, 2)
    | bit(o.AF ?? 1, 10) | bit(o.PXN, 53) | bit(o.UXN, 54);
}
const s1page = (oa, o) => s1leaf(oa, o);
const s1block = (oa, o = {}) => s1leaf(oa, { ...o, block: true });
/** stage-2 page or block: MemAttr 0b1111 (Normal WB), S2AP[7:6], SH inner, AF[10], XN[54] */
function s2leaf(oa, o = {}) {
  return B(oa) | (o.block ? 0b01n : 0b11n) | field(0b1111, 2, 4) | field(o.S2AP ?? 0b11, 6, 2)
    | field(0b11, 8, 2) | bit(o.AF ?? 1, 10) | bit(o.XN, 54);
}
const s2page = (oa, o) => s2leaf(oa, o);
const s2block = (oa, o = {}) => s2leaf(oa, { ...o, block: true });
/** a descriptor with bits[1:0] = 0b01: a block where blocks are allowed, reserved elsewhere */
const type01 = (oa) => B(oa) | 0b01n | bit(1, 10);

// ---------------------------------------------------------------------------------------------
// Image assembly

class Image {
  constructor(name, smmu = {}) {
    this.name = name;
    this.words = new Map(); // addr (bigint) -> value (bigint)
    this.smmu = { strtab_base: '0x80000000', strtab_log2size: 8, strtab_fmt: 'linear', oas: 48, cache: false, ...smmu };
    this.tx = [];
  }
  put(addr, value) {
    const a = B(addr);
    if (a % 8n !== 0n) throw new Error(`${this.name}: unaligned word at ${hex(a)}`);
    if (this.words.has(a)) throw new Error(`${this.name}: word at ${hex(a)} written twice`);
    this.words.set(a, B(value));
    return this;
  }
  putWords(addr, ws) { ws.forEach((w, i) => this.put(B(addr) + 8n * B(i), w)); return this; }
  /** descriptor number `index` of the table at `base` */
  desc(base, index, value) { return this.put(B(base) + 8n * B(index), value); }
  ste(sid, o) { return this.putWords(0x80000000n + 64n * B(sid), ste(o)); }
  t(sid, iova, access = 'read', extra = {}) {
    const x = { sid, ...(extra.ssid !== undefined ? { ssid: extra.ssid } : {}), iova: hex(iova), access };
    if (extra.priv) x.priv = true;
    if (extra.instr) x.instr = true;
    this.tx.push(x);
    return this;
  }
  json() {
    // Runs of consecutive non-zero words; everything else reads as zero.
    const addrs = [...this.words.keys()].filter((a) => this.words.get(a) !== 0n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const memory = [];
    for (const a of addrs) {
      const last = memory[memory.length - 1];
      if (last && last.next === a) { last.u64.push(hex(this.words.get(a))); last.next = a + 8n; }
      else memory.push({ addr: hex(a), u64: [hex(this.words.get(a))], next: a + 8n });
    }
    return {
      format: 'iommu-lab/machine-image@1',
      memory: memory.map(({ addr, u64 }) => ({ addr, u64 })),
      smmu: this.smmu,
      transactions: this.tx,
    };
  }
}

const images = [];
const image = (name, smmu) => { const im = new Image(name, smmu); images.push(im); return im; };

// Config field values
const ABORT = 0b000, BYPASS = 0b100, S1 = 0b101, S2 = 0b110, NESTED = 0b111;
const S1P = (ctx, more = {}) => ({ Config: S1, S1ContextPtr: ctx, ...more });

// =============================================================================================
// a. Translation-class faults, stage 1 (stage-1-only STEs, 4KB granule)

{ // F_TRANSLATION at every level; T0SZ=16, walk starts at L0.
  const im = image('fault-s1-translation');
  im.ste(0, S1P(0x80010000));
  im.putWords(0x80010000, cd({ T0SZ: 16, TTB0: 0x80100000 }));
  const L0 = 0x80100000, L1 = 0x80101000, L2 = 0x80102000, L3 = 0x80103000;
  im.desc(L0, 0, table(L1));
  /* L0[1] invalid */
  im.desc(L0, 2, type01(0x8000000000)); // block encoding at L0: not allowed with 4KB, DS=0
  im.desc(L1, 0, table(L2));
  /* L1[1] invalid */
  im.desc(L1, 2, s1block(0xc0000000));  // 1GB block at L1: allowed (control)
  im.desc(L2, 0, table(L3));
  /* L2[1] invalid */
  im.desc(L3, 0, s1page(0x90000000));
  /* L3[1] invalid */
  im.desc(L3, 2, type01(0x90002000));   // bits[1:0]=0b01 at L3: reserved
  im.t(0, 0x0).t(0, 0x8000000000).t(0, 0x10000000000).t(0, 0x40000000).t(0, 0x200000)
    .t(0, 0x1000).t(0, 0x2000).t(0, 0x80000123);
}

{ // F_ADDR_SIZE: CD.IPS = 0b000 (32 bits); T0SZ=25, walk starts at L1.
  const im = image('fault-s1-addr-size');
  im.ste(0, S1P(0x80010000));
  im.putWords(0x80010000, cd({ T0SZ: 25, IPS: 0b000, TTB0: 0x80100000 }));
  const L1 = 0x80100000, L2 = 0x80101000, L3 = 0x80102000;
  im.desc(L1, 0, table(L2));
  im.desc(L1, 1, table(0x100100000));     // next-level table address above 32 bits
  im.desc(L2, 0, table(L3));
  im.desc(L2, 1, s1block(0x100200000));   // 2MB block output above 32 bits
  im.desc(L2, 2, table(0x100300000));     // next-level table address above 32 bits
  im.desc(L2, 3, s1block(0x90600000));    // control
  im.desc(L3, 0, s1page(0x90000000));     // control
  im.desc(L3, 1, s1page(0x100001000));    // page output above 32 bits
  im.desc(L3, 2, s1page(0x800000000000)); // bit 47
  im.t(0, 0x0).t(0, 0x40000000).t(0, 0x200000).t(0, 0x400000).t(0, 0x601234).t(0, 0x1000).t(0, 0x2000);
}

{ // OAS = 32: CD.IPS=48 is capped to 32; IAS = OAS = 32 for bypass and stage-2-only streams.
  const im = image('fault-addr-size-oas32', { oas: 32 });
  im.ste(0, S1P(0x80010000));
  im.putWords(0x80010000, cd({ T0SZ: 25, IPS: 0b101, TTB0: 0x80100000 }));
  const L1 = 0x80100000, L2 = 0x80101000, L3 = 0x80102000;
  im.desc(L1, 0, table(L2));
  im.desc(L1, 1, table(0x100100000));
  im.desc(L2, 0, table(L3));
  im.desc(L3, 0, s1page(0x90000000));
  im.desc(L3, 1, s1page(0x100001000));
  im.ste(1, { Config: BYPASS });
  im.ste(2, { Config: S2, S2T0SZ: 25, S2SL0: 0b01, S2TTB: 0x80200000 }); // S2T0SZ < 64-IAS = 32
  im.ste(3, { Config: S2, S2T0SZ: 34, S2SL0: 0b00, S2TTB: 0x80300000 });
  im.desc(0x80300000, 0, s2block(0x90000000));
  im.ste(4, S1P(0x80010040));
  im.putWords(0x80010040, cd({ T0SZ: 25, IPS: 0b101, TTB0: 0x100000000 })); // TTB0 above effective IPS (32)
  im.ste(5, S1P(0x100000000));            // S1ContextPtr above OAS
  im.t(0, 0x0).t(0, 0x1000).t(0, 0x40000000)
    .t(1, 0xffffffff).t(1, 0x100000000)
    .t(2, 0x1000)
    .t(3, 0x1234).t(3, 0x40000000).t(3, 0x100000000)
    .t(4, 0x0).t(5, 0x0);
}

{ // F_ACCESS, CD.AFFD.  T0SZ=34: walk starts at L2.
  const im = image('fault-s1-access');
  im.ste(0, S1P(0x80010000));
  im.putWords(0x80010000, cd({ T0SZ: 34, TTB0: 0x80100000 }));
  im.ste(1, S1P(0x80010040));
  im.putWords(0x80010040, cd({ T0SZ: 34, TTB0: 0x80100000, AFFD: 1 }));
  const L2 = 0x80100000, L3 = 0x80101000;
  im.desc(L2, 0, table(L3));                              // table descriptor: bit 10 is IGNORED
  im.desc(L2, 1, s1block(0x90200000, { AF: 0 }));
  im.desc(L3, 0, s1page(0x90000000));
  im.desc(L3, 1, s1page(0x90001000, { AF: 0 }));
  im.desc(L3, 2, s1page(0x90002000, { AF: 0, AP: 0b11 }));
  im.t(0, 0x0).t(0, 0x1000).t(0, 0x200000).t(0, 0x2000, 'write')
    .t(1, 0x1000).t(1, 0x200abc).t(1, 0x2000, 'write').t(1, 0x2000);
}

{ // F_PERMISSION at stage 1: AP, UXN, PXN, APTable, UXNTable, PXNTable. T0SZ=34.
  const im = image('fault-s1-permission');
  im.ste(0, S1P(0x80010000));
  im.putWords(0x80010000, cd({ T0SZ: 34, TTB0: 0x80100000 }));
  const L2 = 0x80100000, T = 0x80101000;
  im.desc(L2, 0, table(T));
  im.desc(L2, 1, table(T, { APTable: 0b10 }));
  im.desc(L2, 2, table(T, { APTable: 0b01 }));
  im.desc(L2, 3, table(T, { UXNTable: 1 }));
  im.desc(L2, 4, table(T, { PXNTable: 1 }));
  im.desc(T, 0, s1page(0x90000000, { AP: 0b01 }));
  im.desc(T, 1, s1page(0x90001000, { AP: 0b11 }));
  im.desc(T, 2, s1page(0x90002000, { AP: 0b00 }));
  im.desc(T, 3, s1page(0x90003000, { AP: 0b10 }));
  im.desc(T, 4, s1page(0x90004000, { AP: 0b01, UXN: 1 }));
  im.desc(T, 5, s1page(0x90005000, { AP: 0b00, PXN: 1 }));
  const p = { priv: true }, u = {}, pi = { priv: true, instr: true }, ui = { instr: true };
  im.t(0, 0x0, 'read', u).t(0, 0x0, 'write', u)
    .t(0, 0x1000, 'write', u).t(0, 0x1000, 'read', u).t(0, 0x1000, 'write', p)
    .t(0, 0x2000, 'read', u).t(0, 0x2000, 'write', p)
    .t(0, 0x3000, 'write', p).t(0, 0x3000, 'read', p).t(0, 0x3000, 'read', u)
    .t(0, 0x4000, 'read', ui).t(0, 0x4000, 'read', u).t(0, 0x4000, 'write', ui)
    .t(0, 0x5000, 'read', pi).t(0, 0x5000, 'read', p)
    .t(0, 0x2000, 'read', pi).t(0, 0x0, 'read', pi).t(0, 0x0, 'read', ui)
    .t(0, 0x200000, 'write', u).t(0, 0x200000, 'read', u)
    .t(0, 0x400000, 'read', u).t(0, 0x400000, 'write', p)
    .t(0, 0x600000, 'read', ui).t(0, 0x600000, 'read', u)
    .t(0, 0x802000, 'read', pi).t(0, 0x802000, 'read', p);
}

// =============================================================================================
// a. Translation-class faults, stage 2 (stage-2-only STEs)

{ // F_TRANSLATION at every level; S2T0SZ=16, S2SL0=0b10: walk starts at L0.
  const im = image('fault-s2-translation');
  im.ste(0, { Config: S2, S2T0SZ: 16, S2SL0: 0b10, S2TTB: 0x80200000 });
  const L0 = 0x80200000, L1 = 0x80201000, L2 = 0x80202000, L3 = 0x80203000;
  im.desc(L0, 0, table(L1));
  im.desc(L0, 2, type01(0x8000000000));
  im.desc(L1, 0, table(L2));
  im.desc(L1, 2, s2block(0xc0000000));
  im.desc(L2, 0, table(L3));
  im.desc(L3, 0, s2page(0x90000000));
  im.desc(L3, 2, type01(0x90002000));
  im.t(0, 0x0).t(0, 0x8000000000).t(0, 0x10000000000).t(0, 0x40000000).t(0, 0x200000)
    .t(0, 0x1000).t(0, 0x2000).t(0, 0x80000123);
}

{ // F_ADDR_SIZE at stage 2: S2PS = 0b000 (32 bits); S2T0SZ=25, S2SL0=0b01: walk starts at L1.
  const im = image('fault-s2-addr-size');
  im.ste(0, { Config: S2, S2T0SZ: 25, S2SL0: 0b01, S2PS: 0b000, S2TTB: 0x80200000 });
  const L1 = 0x80200000, L2 = 0x80201000, L3 = 0x80202000;
  im.desc(L1, 0, table(L2));
  im.desc(L1, 1, table(0x100100000));
  im.desc(L2, 0, table(L3));
  im.desc(L2, 1, s2block(0x100200000));
  im.desc(L2, 2, table(0x100300000));
  im.desc(L2, 3, s2block(0x90600000));
  im.desc(L3, 0, s2page(0x90000000));
  im.desc(L3, 1, s2page(0x100001000));
  im.t(0, 0x0).t(0, 0x40000000).t(0, 0x200000).t(0, 0x400000).t(0, 0x601234).t(0, 0x1000);
}

{ // F_ACCESS at stage 2, STE.S2AFFD. S2T0SZ=34, S2SL0=0b00: walk starts at L2.
  const im = image('fault-s2-access');
  im.ste(0, { Config: S2, S2T0SZ: 34, S2SL0: 0b00, S2TTB: 0x80200000 });
  im.ste(1, { Config: S2, S2T0SZ: 34, S2SL0: 0b00, S2TTB: 0x80200000, S2AFFD: 1 });
  const L2 = 0x80200000, L3 = 0x80201000;
  im.desc(L2, 0, table(L3));
  im.desc(L2, 1, s2block(0x90200000, { AF: 0 }));
  im.desc(L3, 0, s2page(0x90000000));
  im.desc(L3, 1, s2page(0x90001000, { AF: 0 }));
  im.desc(L3, 2, s2page(0x90002000, { AF: 0, S2AP: 0b01 }));
  im.t(0, 0x0).t(0, 0x1000).t(0, 0x200000).t(0, 0x2000, 'write')
    .t(1, 0x1000).t(1, 0x200010).t(1, 0x2000, 'write').t(1, 0x2000);
}

{ // F_PERMISSION at stage 2: S2AP and XN. S2T0SZ=34.
  const im = image('fault-s2-permission');
  im.ste(0, { Config: S2, S2T0SZ: 34, S2SL0: 0b00, S2TTB: 0x80200000 });
  const L2 = 0x80200000, L3 = 0x80201000;
  im.desc(L2, 0, table(L3));
  im.desc(L3, 0, s2page(0x90000000, { S2AP: 0b11 }));
  im.desc(L3, 1, s2page(0x90001000, { S2AP: 0b01 }));
  im.desc(L3, 2, s2page(0x90002000, { S2AP: 0b00 }));
  im.desc(L3, 3, s2page(0x90003000, { S2AP: 0b10 }));
  im.desc(L3, 4, s2page(0x90004000, { S2AP: 0b11, XN: 1 }));
  im.t(0, 0x0).t(0, 0x0, 'write')
    .t(0, 0x1000, 'write').t(0, 0x1000)
    .t(0, 0x2000).t(0, 0x2000, 'write')
    .t(0, 0x3000).t(0, 0x3000, 'write')
    .t(0, 0x4000, 'read', { instr: true }).t(0, 0x4000, 'read', { instr: true, priv: true })
    .t(0, 0x4000).t(0, 0x4000, 'write', { instr: true }).t(0, 0x0, 'read', { instr: true });
}

// =============================================================================================
// b. Input range

{
  const im = image('fault-input-range');
  // sid 0: stage 1 only, T0SZ=25 (39-bit VA), walk starts at L1.
  im.ste(0, S1P(0x80010000));
  im.putWords(0x80010000, cd({ T0SZ: 25, TTB0: 0x80100000 }));
  im.desc(0x80100000, 0, table(0x80101000));
  im.desc(0x80101000, 0, table(0x80102000));
  im.desc(0x80102000, 1, s1page(0x90001000));
  // sid 1: EPD0=1 (and EPD1=1), the TTB0 fields otherwise valid.
  im.ste(1, S1P(0x80010040));
  im.putWords(0x80010040, cd({ T0SZ: 25, TTB0: 0x80100000, EPD0: 1 }));
  // sid 2: EPD0=1 and EPD1=1 with T0SZ, TG0 and TTB0 all invalid: IGNORED, so the CD is legal.
  im.ste(2, S1P(0x80010080));
  im.putWords(0x80010080, cd({ T0SZ: 0, TG0: 0b11, TTB0: 0xffffffffff000, EPD0: 1 }));
  // sid 3: stage 2 only, S2T0SZ=25 (39-bit IPA), S2SL0=0b01: walk starts at L1.
  im.ste(3, { Config: S2, S2T0SZ: 25, S2SL0: 0b01, S2TTB: 0x80200000 });
  im.desc(0x80200000, 0, table(0x80201000));
  im.desc(0x80201000, 0, table(0x80202000));
  im.desc(0x80202000, 1, s2page(0x90001000));
  // sid 4: TTB1 enabled: EPD1=0, TG1=0b10 (4KB), T1SZ=25, TTB1 at 0x80110000 whose L1[0] is invalid.
  im.ste(4, S1P(0x800100c0));
  im.putWords(0x800100c0, cd({ T0SZ: 25, TTB0: 0x80100000, EPD1: 0, TG1: 0b10, T1SZ: 25, TTB1: 0x80110000 }));
  im.t(0, 0x1000).t(0, 0x8000000000).t(0, 0xffffff8000001000n).t(0, 0x8000000000001000n)
    .t(1, 0x1000).t(2, 0x1000)
    .t(3, 0x1000).t(3, 0x8000000000).t(3, 0xffffffffffff).t(3, 0x1000000000000).t(3, 0xfffffffffffff000n)
    .t(4, 0x1000).t(4, 0xffffff8000001000n).t(4, 0xfffffe0000000000n);
}

// =============================================================================================
// c. Nested: stage-2 faults during the walk

{
  const im = image('fault-nested');
  // Stage 2, shared by all StreamIDs: S2T0SZ=34 (30-bit IPA), S2SL0=0b00 (start at L2),
  // S2PS=0b010 (40 bits), one L2 table at 0x80200000 of 2MB blocks; entry k maps IPA k*2MB.
  const S2L2 = 0x80200000;
  const s2 = { Config: NESTED, S2T0SZ: 34, S2SL0: 0b00, S2PS: 0b010, S2TTB: S2L2 };
  im.desc(S2L2, 0, s2block(0x90000000));                    // IPA 0x000000: CDs, stage-1 tables
  im.desc(S2L2, 2, s2block(0x90400000));                    // IPA 0x400000: data
  /* 3, 4, 5, 6 invalid */
  im.desc(S2L2, 7, s2block(0x90e00000, { S2AP: 0b00 }));    // IPA 0xe00000: no access
  im.desc(S2L2, 8, s2block(0x91000000, { S2AP: 0b01 }));    // IPA 0x1000000: read-only
  im.desc(S2L2, 9, s2block(0x91200000, { AF: 0 }));         // IPA 0x1200000: AF=0
  im.desc(S2L2, 10, s2block(0x10000000000));                // IPA 0x1400000: PA 2^40, above S2PS
  // CDs (IPA -> PA = IPA + 0x90000000 in region 0)
  im.putWords(0x90010000, cd({ T0SZ: 16, TTB0: 0x100000 }));   // CD0, IPA 0x10000
  im.putWords(0x90010040, cd({ T0SZ: 16, TTB0: 0x800000 }));   // CD2, IPA 0x10040
  im.putWords(0x90010080, cd({ T0SZ: 16, TTB0: 0x1400000 }));  // CD5, IPA 0x10080
  // Stage-1 tables of CD0 (IPA 0x100000.. -> PA 0x90100000..)
  im.desc(0x90100000, 0, table(0x101000));       // L0[0]
  im.desc(0x90101000, 0, table(0x102000));       // L1[0]
  im.desc(0x90101000, 1, table(0xa00000));       // L1[1]: table IPA in an unmapped region
  im.desc(0x90101000, 2, table(0x100000000));    // L1[2]: table IPA beyond the stage-2 input range
  im.desc(0x90102000, 0, table(0x103000));       // L2[0]
  im.desc(0x90102000, 2, table(0xe00000));       // L2[2]: table in the S2AP=00 region
  im.desc(0x90103000, 0, s1page(0x400000));                 // L3[0]
  im.desc(0x90103000, 1, s1page(0xc00000));                 // L3[1]: IPA unmapped at stage 2
  im.desc(0x90103000, 2, s1page(0x1000000));                // L3[2]: stage-2 read-only
  im.desc(0x90103000, 3, s1page(0x1000000, { AP: 0b11 }));  // L3[3]: stage-1 read-only too
  /* L3[4] invalid */
  im.desc(0x90103000, 5, s1page(0x40000000));               // L3[5]: IPA beyond stage-2 range
  im.ste(0, { ...s2, S1ContextPtr: 0x10000 });
  im.ste(1, { ...s2, S1ContextPtr: 0x600040 });
  im.ste(2, { ...s2, S1ContextPtr: 0x10040 });
  im.ste(3, { ...s2, S1ContextPtr: 0x40000000 });
  im.ste(4, { ...s2, S1ContextPtr: 0x1200000 });
  im.ste(5, { ...s2, S1ContextPtr: 0x10080 });
  im.t(0, 0x0).t(0, 0x123, 'write')
    .t(1, 0x0)
    .t(2, 0x18000000000)
    .t(0, 0x40e00000)
    .t(0, 0x1abc)
    .t(0, 0x405000)
    .t(0, 0x2010, 'write').t(0, 0x2010)
    .t(0, 0x3000, 'write').t(0, 0x3000)
    .t(0, 0x4000)
    .t(0, 0x1000000000000)
    .t(0, 0x5123)
    .t(0, 0x80600000)
    .t(3, 0x0)
    .t(4, 0x0)
    .t(5, 0x0);
}

// =============================================================================================
// d. STE and CD configuration errors

{
  const im = image('config-ste');
  const S1TAB = { T0SZ: 34, TTB0: 0x80100000 };
  im.putWords(0x80010000, cd(S1TAB));
  im.desc(0x80100000, 0, table(0x80101000));
  im.desc(0x80101000, 0, s1page(0x90000000));
  im.desc(0x80200000, 0, s2block(0x90000000));
  const S2OK = { Config: S2, S2T0SZ: 34, S2SL0: 0b00, S2TTB: 0x80200000 };
  im.ste(0, { V: 0, Config: BYPASS });                                      // V=0
  im.ste(1, { Config: ABORT });
  im.ste(2, { Config: 0b001 });
  im.ste(3, { Config: 0b010 });
  im.ste(4, { Config: 0b011 });
  im.ste(5, { Config: BYPASS });
  im.ste(6, { ...S2OK, S2TG: 0b11 });                                       // reserved granule
  im.ste(7, { ...S2OK, S2T0SZ: 16, S2SL0: 0b00 });                          // L2 start needs 30..39
  im.ste(8, { ...S2OK, S2T0SZ: 25, S2SL0: 0b10 });                          // L0 start needs 16..24
  im.ste(9, { ...S2OK, S2AA64: 0 });                                        // VMSAv8-32 not supported
  im.ste(10, { ...S2OK, S2S: 1 });                                          // STALL_MODEL=0b01
  im.ste(11, S1P(0x80010000, { S1STALLD: 1 }));                             // STALL_MODEL=0b01
  im.ste(12, { ...S2OK, S2PS: 0b000, S2TTB: 0x100000000 });                 // S2TTB above S2PS
  im.ste(13, { ...S2OK, S2T0SZ: 40, S2SL0: 0b00 });                         // S2T0SZ > 39
  im.ste(14, { ...S2OK, S2HA: 1 });                                         // no HTTU
  im.ste(15, S1P(0x80010000, { S1CDMax: 21 }));                            // > SSIDSIZE (20)
  im.ste(16, S1P(0x1000000000000));                                         // S1ContextPtr above OAS
  im.ste(17, { Config: ABORT, S2TG: 0b11, S1STALLD: 1, S2S: 1 });          // fields IGNORED
  im.ste(18, { Config: BYPASS, S2TG: 0b11, S2S: 1, S1STALLD: 1 });         // fields IGNORED
  im.ste(19, S1P(0x80010000, { S2TG: 0b11, S2AA64: 0, S2S: 1 }));          // S2* IGNORED
  im.ste(20, { ...S2OK, S1STALLD: 1, S1CDMax: 31, S1ContextPtr: 0xffffffffffffc0 }); // S1* IGNORED
  im.ste(21, { ...S2OK, S2T0SZ: 39, S2SL0: 0b11 });                         // SL0=0b11 needs FEAT_TTST
  im.t(0, 0x1000).t(1, 0x1000).t(2, 0x1000).t(3, 0x1000).t(4, 0x1000)
    .t(5, 0x12345678).t(5, 0xffffffffffff).t(5, 0x1000000000000).t(5, 0xffffffffffffffffn)
    .t(6, 0x1000).t(7, 0x1000).t(8, 0x1000).t(9, 0x1000).t(10, 0x1000).t(11, 0x1000)
    .t(12, 0x1000).t(13, 0x1000).t(14, 0x1000).t(15, 0x1000).t(16, 0x1000)
    .t(17, 0x1000).t(18, 0x1000).t(19, 0x0).t(20, 0x1000).t(21, 0x1000);
}

{
  const im = image('config-cd');
  // One stage-1-only STE per CD: StreamID k uses the CD at 0x80010000 + 64k. Tables: T0SZ=34,
  // L2 at 0x80100000, L3 at 0x80101000, iova 0x0 -> 0x90000000.
  im.desc(0x80100000, 0, table(0x80101000));
  im.desc(0x80101000, 0, s1page(0x90000000));
  im.desc(0x80110000, 0, table(0x80101000)); // TTB1 table of CD 10 (same L3)
  const ok = { T0SZ: 34, TTB0: 0x80100000 };
  const cds = [
    { ...ok, V: 0 },                                     // 0
    { ...ok, A: 0 },                                     // 1
    { ...ok, S: 1 },                                     // 2
    { ...ok, AA64: 0 },                                  // 3
    { ...ok, TG0: 0b11 },                                // 4
    { ...ok, T0SZ: 15 },                                 // 5
    { ...ok, T0SZ: 40 },                                 // 6
    { ...ok, IPS: 0b000, TTB0: 0x100000000 },            // 7
    { ...ok, TTB0: 0x1000000000000 },                    // 8
    { ...ok, EPD1: 0, TG1: 0b00, T1SZ: 16 },             // 9: TG1 reserved
    { ...ok, EPD1: 0, TG1: 0b10, T1SZ: 34, TTB1: 0x80110000 }, // 10: legal
    { ...ok, HA: 1 },                                    // 11
    { ...ok },                                           // 12: legal
    { ...ok, IPS: 0b000 },                               // 13: legal, TTB0 below 2^32
  ];
  cds.forEach((c, k) => { im.putWords(0x80010000 + 64 * k, cd(c)); im.ste(k, S1P(0x80010000 + 64 * k)); });
  for (let k = 0; k < cds.length; k++) im.t(k, 0x0);
  im.t(10, 0xffffffffc0000000n);
}

// =============================================================================================
// e. StreamID out of range

{
  const im = image('config-streamid-linear', { strtab_log2size: 4 });
  im.ste(15, { Config: BYPASS });
  im.t(15, 0x1000).t(16, 0x1000).t(0xffffffff, 0x1000);
}

{
  // 2-level: LOG2SIZE 9, SPLIT 6 -> 8 L1STDs at 0x80000000, indexed by StreamID[8:6].
  const im = image('config-streamid-2lvl', { strtab_log2size: 9, strtab_fmt: '2lvl', strtab_split: 6 });
  im.put(0x80000000, l1std(0x80010000, 7));   // L1STD[0]: 64 STEs at 0x80010000
  /* L1STD[1]: Span=0 (invalid) */
  im.put(0x80000010, l1std(0x80020000, 2));   // L1STD[2]: 2 STEs at 0x80020000
  im.put(0x80000018, l1std(0x80030000, 8));   // L1STD[3]: Span 8 > SPLIT+1
  im.put(0x80000020, l1std(0x80040000, 12));  // L1STD[4]: Span 12, Reserved
  im.putWords(0x80010000 + 64 * 5, ste({ Config: BYPASS }));  // StreamID 5
  /* StreamID 1: STE all zero (V=0) */
  im.putWords(0x80020000, ste({ Config: BYPASS }));           // StreamID 128
  im.putWords(0x80020040, ste({ Config: BYPASS }));           // StreamID 129
  im.putWords(0x80020080, ste({ Config: BYPASS }));           // where StreamID 130 would be
  im.putWords(0x80030000, ste({ Config: BYPASS }));           // where StreamID 192 would be
  im.putWords(0x80040000, ste({ Config: BYPASS }));           // where StreamID 256 would be
  im.t(5, 0x1000).t(1, 0x1000).t(64, 0x1000).t(128, 0x1000).t(129, 0x1000).t(130, 0x1000)
    .t(192, 0x1000).t(256, 0x1000).t(512, 0x1000);
}

// =============================================================================================
// f. SubstreamIDs

{
  const im = image('config-substream');
  // Stage-1 tables in PA space (T0SZ=34: L2 then L3):
  //   TTB0 0x80100000: iova 0x0 -> 0x90000000;  TTB0 0x80110000: iova 0x0 -> 0x91000000.
  im.desc(0x80100000, 0, table(0x80101000));
  im.desc(0x80101000, 0, s1page(0x90000000));
  im.desc(0x80110000, 0, table(0x80111000));
  im.desc(0x80111000, 0, s1page(0x91000000));
  const A = { T0SZ: 34, TTB0: 0x80100000 }, Bt = { T0SZ: 34, TTB0: 0x80110000 };
  // Linear CD table of 4 CDs at 0x80020000
  im.putWords(0x80020000, cd(A));              // CD0
  im.putWords(0x80020040, cd({ ...Bt, V: 0 })); // CD1 invalid
  im.putWords(0x80020080, cd(Bt));             // CD2
  im.putWords(0x800200c0, cd(Bt));             // CD3
  im.putWords(0x80010000, cd(A));              // single CD for sid 2
  // Stage 2 (S2T0SZ=34, L2 start): IPA 0..2MB -> PA 0x90000000 (2MB block)
  im.desc(0x80200000, 0, s2block(0x90000000));
  const S2C = { S2T0SZ: 34, S2SL0: 0b00, S2TTB: 0x80200000 };
  im.ste(0, { Config: S2, ...S2C });
  im.ste(1, { Config: BYPASS });
  im.ste(2, S1P(0x80010000));                                              // S1CDMax=0
  im.ste(3, S1P(0x80020000, { S1CDMax: 2, S1DSS: 0b00 }));
  im.ste(4, { Config: NESTED, ...S2C, S1ContextPtr: 0x20000, S1CDMax: 2, S1DSS: 0b01 });
  im.ste(5, S1P(0x80020000, { S1CDMax: 2, S1DSS: 0b01 }));
  im.ste(6, S1P(0x80020000, { S1CDMax: 2, S1DSS: 0b10 }));
  im.ste(7, S1P(0x80020000, { S1CDMax: 2, S1DSS: 0b11 }));
  im.ste(8, S1P(0x80030000, { S1Fmt: 0b01, S1CDMax: 7, S1DSS: 0b00 }));
  im.ste(9, S1P(0x80032000, { S1Fmt: 0b01, S1CDMax: 7, S1DSS: 0b10 }));
  // sid 4's CD table lives in IPA space: CD1 at IPA 0x20040 (PA 0x90020040); its stage-1 tables
  // at IPA 0x100000 (L2) and 0x101000 (L3), page IPA 0x5000.
  im.putWords(0x90020040, cd({ T0SZ: 34, TTB0: 0x100000 }));
  im.desc(0x90100000, 0, table(0x101000));
  im.desc(0x90101000, 0, s1page(0x5000));
  // sid 8: L1CD table at 0x80030000: L1CD[0] -> 0x80031000, L1CD[1] invalid.
  im.put(0x80030000, l1cd(0x80031000));
  im.putWords(0x80031000 + 64 * 5, cd(A));     // CD 5
  // sid 9: L1CD table at 0x80032000: L1CD[0] V=1 with L2Ptr = 2^48 (above OAS).
  im.put(0x80032000, l1cd(0x1000000000000));
  im.t(0, 0x1000).t(0, 0x1000, 'read', { ssid: 1 }).t(0, 0x1000, 'read', { ssid: 0 })
    .t(1, 0x1000, 'read', { ssid: 1 })
    .t(2, 0x0).t(2, 0x0, 'read', { ssid: 0 }).t(2, 0x0, 'read', { ssid: 3 })
    .t(3, 0x0, 'read', { ssid: 3 }).t(3, 0x0, 'read', { ssid: 0 }).t(3, 0x0, 'read', { ssid: 1 })
    .t(3, 0x0, 'read', { ssid: 4 }).t(3, 0x0, 'read', { ssid: 0xfffff }).t(3, 0x0)
    .t(4, 0x1000).t(4, 0x40000000).t(4, 0x1000000000000).t(4, 0x0, 'read', { ssid: 1 })
    .t(4, 0x0, 'read', { ssid: 4 })
    .t(5, 0x12345000).t(5, 0x1000000000000)
    .t(6, 0x0).t(6, 0x0, 'read', { ssid: 0 }).t(6, 0x0, 'read', { ssid: 2 })
    .t(7, 0x0)
    .t(8, 0x0, 'read', { ssid: 5 }).t(8, 0x0, 'read', { ssid: 64 }).t(8, 0x0, 'read', { ssid: 127 })
    .t(8, 0x0, 'read', { ssid: 128 }).t(8, 0x0)
    .t(9, 0x0, 'read', { ssid: 5 }).t(9, 0x0);
}

// =============================================================================================
// g. Recording: CD.R and STE.S2R

{
  const im = image('fault-record');
  // sid 0: stage 1 only, CD.R=0. T0SZ=34: L2 0x80100000, L3 0x80101000.
  im.ste(0, S1P(0x80010000));
  im.putWords(0x80010000, cd({ T0SZ: 34, TTB0: 0x80100000, R: 0 }));
  im.desc(0x80100000, 0, table(0x80101000));
  im.desc(0x80101000, 0, s1page(0x90000000, { AP: 0b11 }));
  // Stage 2 shared by sids 1-3: S2T0SZ=34, L2 table 0x80200000, IPA 0..2MB -> 0x90000000.
  im.desc(0x80200000, 0, s2block(0x90000000));
  const S2C = { S2T0SZ: 34, S2SL0: 0b00, S2TTB: 0x80200000 };
  im.ste(1, { Config: S2, ...S2C, S2R: 0 });
  // Nested guest: CD (R=0) at IPA 0x10000, CD (R=1) at IPA 0x10040; stage-1 L2 at IPA 0x100000,
  // L3 at IPA 0x101000; L3[0] -> IPA 0x200000 (unmapped at stage 2), L3[1] invalid.
  im.putWords(0x90010000, cd({ T0SZ: 34, TTB0: 0x100000, R: 0 }));
  im.putWords(0x90010040, cd({ T0SZ: 34, TTB0: 0x100000, R: 1 }));
  im.desc(0x90100000, 0, table(0x101000));
  im.desc(0x90101000, 0, s1page(0x200000));
  im.ste(2, { Config: NESTED, ...S2C, S2R: 1, S1ContextPtr: 0x10000 });
  im.ste(3, { Config: NESTED, ...S2C, S2R: 0, S1ContextPtr: 0x10040 });
  im.t(0, 0x1000).t(0, 0x0, 'write').t(0, 0x0)
    .t(1, 0x200000).t(1, 0x0).t(1, 0x1000000000000)
    .t(2, 0x1000).t(2, 0x0)
    .t(3, 0x0).t(3, 0x1000);
}

// ---------------------------------------------------------------------------------------------

mkdirSync(OUT, { recursive: true });
for (const im of images) {
  writeFileSync(join(OUT, `${im.name}.json`), JSON.stringify(im.json(), null, 1) + '\n');
}
console.log(`wrote ${images.length} images to ${OUT}`);
