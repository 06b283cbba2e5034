// VMSAv8-64 descriptor fields (48-bit OA, DS = 0): ARM ARM D8.3 (tables D8-48, D8-50, D8-52,
// D8-53); primer §1.4. The walker reads a descriptor as two uint32 halves: `lo` = bits[31:0],
// `hi` = bits[63:32].

import { POW2, TWO32 } from '../bits';

export const DESC_VALID = 1 << 0;        // bit 0
export const DESC_TABLE = 1 << 1;        // bit 1: table (levels 0-2) or page (level 3); 0 = block
export const DESC_AF = 1 << 10;          // bit 10: Access flag
export const DESC_NG = 1 << 11;          // bit 11: not global (stage 1)

// Bit positions within the 64-bit descriptor, for encoders and the decoder view.
export const BIT = {
  AttrIndx: [4, 2], NS: [5, 5], AP: [7, 6], SH: [9, 8], AF: [10, 10], nG: [11, 11],
  MemAttr: [5, 2], S2AP: [7, 6],
  Contiguous: [52, 52], PXN: [53, 53], UXN: [54, 54], XN: [54, 53],
  PXNTable: [59, 59], UXNTable: [60, 60], APTable: [62, 61], NSTable: [63, 63],
} as const;

/** Bits [47:shift] of a descriptor: a next-level table address (shift = granule) or a block or
 *  page output address (shift = the level's block size). shift <= 30 for every legal case. */
export function descAddr(lo: number, hi: number, shift: number): number {
  return (hi & 0xffff) * TWO32 + ((lo & ~(POW2[shift] - 1)) >>> 0);
}

/** AP[2:1] (stage 1) or S2AP (stage 2), bits [7:6]. */
export function descAP(lo: number): number {
  return (lo >>> 6) & 3;
}
export function descPXN(hi: number): number { return (hi >>> 21) & 1; }           // bit 53
export function descUXN(hi: number): number { return (hi >>> 22) & 1; }           // bit 54
export function descAPTable(hi: number): number { return (hi >>> 29) & 3; }       // bits 62:61
export function descPXNTable(hi: number): number { return (hi >>> 27) & 1; }      // bit 59
export function descUXNTable(hi: number): number { return (hi >>> 28) & 1; }      // bit 60
export function descContiguous(hi: number): number { return (hi >>> 20) & 1; }    // bit 52
export function descMemAttr(lo: number): number { return (lo >>> 2) & 0xf; }      // S2 [5:2]

export type DescKind = 'invalid' | 'table' | 'block' | 'page' | 'reserved';

/** What a descriptor is at `level` (table D8-48). Blocks where not allowed are 'reserved'. */
export function descKind(lo: number, level: number, blockOk: boolean): DescKind {
  if ((lo & DESC_VALID) === 0) return 'invalid';
  if (level === 3) return (lo & DESC_TABLE) !== 0 ? 'page' : 'reserved';
  if ((lo & DESC_TABLE) !== 0) return 'table';
  return blockOk ? 'block' : 'reserved';
}
