// Configuration lookup: StreamID -> STE (linear or 2-level stream table), SubstreamID -> CD
// (linear or 2-level CD table). SMMUv3 §3.3, §5.1-5.4; primer §2.2, §2.6. Every failure
// names its architectural event; the caller records it once.

export interface StrtabCfg {
  /** STRTAB_BASE.ADDR (a PA). */
  base: number;
  /** STRTAB_BASE_CFG.LOG2SIZE and FMT/SPLIT. */
  log2size: number;
  fmt: 'linear' | '2lvl';
  split: number;
}

/** Outcome of finding an STE's address: the address, or the event and why. */
export type SteLocation =
  | { ok: true; addr: number }
  | { ok: false; id: number; why: string };

/** L1STD (SMMUv3 §5.1): Span[4:0], L2Ptr[51:6]. */
export function l1stdSpan(lo: number): number {
  return lo & 0x1f;
}
export function l1stdL2Ptr(lo: number, hi: number): number {
  return (hi & 0xfffff) * 4294967296 + ((lo & ~0x3f) >>> 0);
}

/** L1CD (SMMUv3 §5.3): V[0], L2Ptr[55:12]. */
export function l1cdValid(lo: number): boolean {
  return (lo & 1) === 1;
}
export function l1cdL2Ptr(lo: number, hi: number): number {
  return (hi & 0xffffff) * 4294967296 + ((lo & ~0xfff) >>> 0);
}

/** S1Fmt: 0b00 linear, 0b01 2-level with 4K leaf tables (64 CDs), 0b10 with 64K leaves (1024). */
export function cdSplit(s1Fmt: number): number {
  return s1Fmt === 1 ? 6 : 10;
}
