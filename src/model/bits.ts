// 64-bit helpers. Descriptors and structure words are bigint at API boundaries; the hot
// path splits them into two uint32 halves (lo, hi) held in plain numbers.

export const TWO32 = 4294967296;

/** Bits [hi:lo] of a 64-bit value (hi - lo < 53). */
export function field(v: bigint, hi: number, lo: number): number {
  return Number((v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));
}

/** Bits [hi:lo] of a 64-bit value as a bigint (any width). */
export function fieldBig(v: bigint, hi: number, lo: number): bigint {
  return (v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
}

export function bit(v: bigint, n: number): number {
  return Number((v >> BigInt(n)) & 1n);
}

/** Insert `val` into bits [hi:lo] of `v`. */
export function setField(v: bigint, hi: number, lo: number, val: bigint | number): bigint {
  const mask = ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);
  return (v & ~mask) | ((BigInt(val) << BigInt(lo)) & mask);
}

/** Lower-case hex with 0x and no padding: the machine-image output form. */
export function hex(v: bigint | number): string {
  return '0x' + v.toString(16);
}

/** Hex grouped by 4 digits with `_` when longer than 8 digits (VIEWS.md): 0x8_0010_0040. */
export function hexGrouped(v: bigint | number): string {
  return '0x' + groupHexDigits(v.toString(16));
}

/** Hex digits (no 0x) grouped by 4 from the right with `_` when there are more than 8, leading
 *  zeros kept: the one grouping rule every view uses (hexGrouped, the app's groupHex). */
export function groupHexDigits(s: string): string {
  if (s.length <= 8) return s;
  const parts: string[] = [];
  for (let i = s.length; i > 0; i -= 4) parts.unshift(s.slice(Math.max(0, i - 4), i));
  return parts.join('_');
}

/** 2^n for an integer n in 0..64, exact. The hot paths index this instead of writing `2 ** n`:
 *  V8 compiles `**` with a variable exponent to a call to its pow routine (~40 ns a call here,
 *  bench/README.md), a table load is ~1 ns. */
export const POW2: Float64Array = Float64Array.from({ length: 65 }, (_, n) => 2 ** n);

export function pow2(n: number): number {
  return 2 ** n;
}

/** A 64-bit value from two uint32 halves. */
export function join64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
