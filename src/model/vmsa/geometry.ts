// VMSAv8-64 translation geometry, derived rather than tabulated (as io-pgtable-arm.c does).
// ARM ARM D8.2 (granules, levels, concatenation); primer §1.1-1.3. FEAT_LPA2/TTST/LPA absent.

/** log2 of the granule: 12 (4K), 14 (16K), 16 (64K). */
export type GranuleShift = 12 | 14 | 16;

/** Address bits resolved per level: a table is one granule of 8-byte descriptors. */
export function stride(g: number): number {
  return g - 3;
}

/** The lowest input-address bit indexed at `level` (ARM_LPAE_LVL_SHIFT): g + (3 - level)(g - 3). */
export function levelShift(g: number, level: number): number {
  return g + (3 - level) * (g - 3);
}

/** Stage 1 starts at the highest level needed to cover the input bits (ARM ARM D8-18/28/37):
 *  4 - ceil((inputBits - g) / (g - 3)). */
export function s1StartLevel(g: number, inputBits: number): number {
  return 4 - Math.ceil((inputBits - g) / (g - 3));
}

/** Stage-2 start level from S2SL0 (ARM ARM D8-19/29/38, VTCR_EL2.SL0), DS = 0, no TTST:
 *  4K: 0b00 L2, 0b01 L1, 0b10 L0, 0b11 reserved; 16K/64K: 0b00 L3, 0b01 L2, 0b10 L1,
 *  0b11 L0 for 16K only with DS = 1, reserved for 64K. Returns null where reserved. */
export function s2StartLevel(g: GranuleShift, sl0: number): number | null {
  if (sl0 === 3) return null;
  return g === 12 ? 2 - sl0 : 3 - sl0;
}

/** Largest number of concatenated start tables (ARM ARM D8.2.2: up to 16). */
export const MAX_CONCAT_TABLES = 16;

/** Index bits at the start level: more than one granule's worth means concatenated tables
 *  (stage 2 only). Returns null if the start level cannot cover `inputBits`: at least one
 *  index bit, at most stride + 4 (16 tables), and for a level-0 start no concatenation (DS = 0:
 *  the input would exceed 48 bits). */
export function startIndexBits(g: number, inputBits: number, startLevel: number): number | null {
  if (startLevel < 0 || startLevel > 3) return null;
  if (g === 16 && startLevel === 0) return null;           // 64K has no level 0 (DS = 0)
  const bits = inputBits - levelShift(g, startLevel);
  if (bits < 1 || bits > stride(g) + Math.log2(MAX_CONCAT_TABLES)) return null;
  if (startLevel === 0 && bits > stride(g)) return null;
  return bits;
}

/** Where block descriptors are allowed (DS = 0, no FEAT_LPA): 4K at L1 (1 GiB) and L2 (2 MiB);
 *  16K and 64K at L2 only (32 MiB, 512 MiB). ARM ARM D8.3.1, primer §1.1. */
export function blockAllowed(g: number, level: number): boolean {
  return g === 12 ? level === 1 || level === 2 : level === 2;
}

/** Entries in a contiguous group (ARM ARM D8.7.1): 4K: 16; 16K: 32 at L2, 128 at L3; 64K: 32. */
export function contiguousEntries(g: number, level: number): number {
  if (g === 12) return 16;
  if (g === 14) return level === 3 ? 128 : 32;
  return 32;
}

/** Output-size encodings shared by IDR5.OAS, CD.IPS and STE.S2PS (0..5; 6 = 52 bits). */
export const PS_BITS = [32, 36, 40, 42, 44, 48, 52] as const;

/** Human name of a granule. */
export function granuleName(g: number): string {
  return g === 12 ? '4K' : g === 14 ? '16K' : '64K';
}
