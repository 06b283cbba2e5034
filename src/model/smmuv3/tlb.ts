// The TLB: translations cached by (VMID, ASID, input address), SMMUv3 §3.17; primer §2.7.
// Stage-1 (and combined stage-1+2) entries are tagged with the VMID and, unless the leaf was
// global (nG = 0), the ASID; stage-2 entries (IPA -> PA, from any stage-2 walk: the CD's
// address, a stage-1 descriptor's address or an output IPA) with the VMID alone. Entries go
// only by invalidation (or, as in QEMU, a full flush when the table is full): a missing TLBI
// leaves a stale entry that still translates, as on hardware.

import { POW2 } from '../bits';

export type TlbKind = 'S1S2' | 'S2';

export interface TlbEntry {
  kind: TlbKind;
  vmid: number;
  /** ASID, or -1 for a global entry (nG = 0) and for stage-2 entries. */
  asid: number;
  /** The CD's ASET (SMMU §3.17.1): a global entry matches only lookups with the same ASET. */
  aset?: number;
  /** Input base (IOVA[47:0] or IPA), aligned to 2^shift, and the output base. */
  base: number;
  shift: number;
  out: number;
  /** The IPA base: stage 1's output for a combined entry, the input for a stage-2 entry. */
  ipa: number;
  /** Stage-1 leaf and accumulated table attributes, for re-checking permissions on a hit. */
  s1: boolean;
  s1lo: number;
  s1hi: number;
  apTable: number;
  pxnTable: number;
  uxnTable: number;
  /** Stage-2 leaf (combined and stage-2 entries). */
  s2: boolean;
  s2lo: number;
  s2hi: number;
}

interface Bucket {
  entries: Map<number, TlbEntry>;
  /** Distinct entry sizes present, probed smallest first. */
  shifts: number[];
}

export const TLB_CAPACITY = 4096;
const GLOBAL = 0x10000;
/** Global entries from an ASET = 1 (SMMU-private ASID) CD: they match only ASET = 1 lookups. */
const GLOBAL_PRIVATE = 0x30000;
const S2_TAG = 0x20000;

function tagOf(kind: TlbKind, vmid: number, asid: number, aset: number): number {
  if (kind === 'S2') return vmid * 0x40000 + S2_TAG;
  return vmid * 0x40000 + (asid >= 0 ? asid : aset === 1 ? GLOBAL_PRIVATE : GLOBAL);
}

function keyOf(addr: number, shift: number): number {
  return Math.floor(addr / POW2[shift]) * 64 + shift;
}

/** A small direct-mapped memo of recent stage-1 hits in front of the maps, like a real SMMU's
 *  per-stream micro-TLB. Exact: every entry is at least one 4K page, so a lookup's answer is
 *  the same for the whole 4K page, and any insert, invalidation or clear empties the memo. */
const MEMO_SLOTS = 256;

export class Tlb {
  private buckets = new Map<number, Bucket>();
  private count = 0;
  private readonly memoTag = new Float64Array(MEMO_SLOTS).fill(-1);
  private readonly memoPage = new Float64Array(MEMO_SLOTS);
  private readonly memoEntry: (TlbEntry | undefined)[] = new Array(MEMO_SLOTS).fill(undefined);
  private memoLive = false;

  private memoFlush(): void {
    if (this.memoLive) { this.memoTag.fill(-1); this.memoLive = false; }
  }

  get size(): number {
    return this.count;
  }

  private probe(tag: number, addr: number): TlbEntry | undefined {
    const b = this.buckets.get(tag);
    if (b === undefined) return undefined;
    const shifts = b.shifts;
    for (let i = 0; i < shifts.length; i++) {
      const e = b.entries.get(keyOf(addr, shifts[i]));
      if (e !== undefined) return e;
    }
    return undefined;
  }

  /** A stage-1/combined lookup: the ASID's entries, then the VMID's global ones. */
  lookupS1(vmid: number, asid: number, iova: number, aset = 0): TlbEntry | undefined {
    const tag = (vmid * 0x40000 + asid) * 2 + aset;
    const page = Math.floor(iova / 4096);
    const slot = (page ^ asid) & (MEMO_SLOTS - 1);
    if (this.memoTag[slot] === tag && this.memoPage[slot] === page) return this.memoEntry[slot];
    const e = this.probe(vmid * 0x40000 + asid, iova) ??
      this.probe(vmid * 0x40000 + (aset === 1 ? GLOBAL_PRIVATE : GLOBAL), iova);
    if (e !== undefined) {
      this.memoTag[slot] = tag; this.memoPage[slot] = page; this.memoEntry[slot] = e; this.memoLive = true;
    }
    return e;
  }

  lookupS2(vmid: number, ipa: number): TlbEntry | undefined {
    return this.probe(vmid * 0x40000 + S2_TAG, ipa);
  }

  insert(e: TlbEntry): void {
    if (this.count >= TLB_CAPACITY) this.clear();
    if (e.shift < 12) throw new RangeError('TLB entries are at least one 4K page');
    this.memoFlush();
    const tag = tagOf(e.kind, e.vmid, e.asid, e.aset ?? 0);
    let b = this.buckets.get(tag);
    if (b === undefined) this.buckets.set(tag, (b = { entries: new Map(), shifts: [] }));
    const key = keyOf(e.base, e.shift);
    if (!b.entries.has(key)) this.count++;
    b.entries.set(key, e);
    if (!b.shifts.includes(e.shift)) b.shifts = [...b.shifts, e.shift].sort((x, y) => x - y);
  }

  clear(): number {
    this.memoFlush();
    const n = this.count;
    this.buckets.clear();
    this.count = 0;
    return n;
  }

  /** Remove every entry `pred` selects; returns how many. */
  invalidate(pred: (e: TlbEntry) => boolean): number {
    this.memoFlush();
    let n = 0;
    for (const b of this.buckets.values()) {
      for (const [k, e] of b.entries) if (pred(e)) { b.entries.delete(k); n++; }
    }
    this.count -= n;
    return n;
  }

  entries(): TlbEntry[] {
    const out: TlbEntry[] = [];
    for (const b of this.buckets.values()) out.push(...b.entries.values());
    return out;
  }

  clone(): Tlb {
    const t = new Tlb();
    for (const e of this.entries()) t.insert({ ...e });
    return t;
  }
}

/** Whether an entry covers `addr` (input space). */
export function covers(e: TlbEntry, addr: number): boolean {
  return addr >= e.base && addr < e.base + 2 ** e.shift;
}

/** The TLB's key for a stage-1 input: VA[47:0], plus 2^48 in the TTB1 half (VA[55] = 1), so
 *  that a TTB0 and a TTB1 address with the same low 48 bits are different entries. */
export function tlbVa(va48: number, ttb1: number): number {
  return ttb1 === 0 ? va48 : va48 + 2 ** 48;
}
