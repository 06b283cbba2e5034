// A page-table builder that writes real VMSAv8-64 descriptors (the shape of io-pgtable-arm's
// map/unmap, in miniature). It maps pages of the granule unless a block size is asked for,
// so a 1 GiB mapping still gives the textbook 4-level walk. Addresses are numbers in the
// tables' own space: PAs for stage 2, IPAs for a guest's stage 1 (the caller's `io` maps
// them to memory).

import { TWO32 } from '../bits';
import { blockAllowed, levelShift, s1StartLevel, startIndexBits, stride, type GranuleShift } from './geometry';

export interface TableIO {
  read(addr: number): bigint;
  write(addr: number, v: bigint): void;
}

/** Hands out zeroed, naturally aligned table memory. */
export interface TableAllocator {
  alloc(bytes: number): number;
}

export class BumpAllocator implements TableAllocator {
  constructor(private next: number, private readonly limit: number) {}
  alloc(bytes: number): number {
    const align = Math.max(bytes, 8);
    const a = Math.ceil(this.next / align) * align;
    if (a + bytes > this.limit) throw new RangeError(`table memory exhausted at 0x${a.toString(16)}`);
    this.next = a + bytes;
    return a;
  }
}

export interface Perm {
  r: boolean;
  w: boolean;
  x?: boolean;
  /** Stage 1: accessible unprivileged (AP[1]); Linux sets it unless IOMMU_PRIV. Default true. */
  user?: boolean;
  /** Stage 1: nG = 0 (Linux sets nG on every stage-1 leaf). Default false. */
  global?: boolean;
  /** AF; default true (false to demonstrate F_ACCESS). */
  af?: boolean;
}

// Leaf attributes as Linux's io-pgtable-arm writes them (arm_lpae_prot_to_pte).
const SH_INNER = 3n << 8n;
const AF = 1n << 10n;
const NG = 1n << 11n;
const S1_ATTRIDX_CACHE = 1n << 2n;          // ARM_LPAE_MAIR_ATTR_IDX_CACHE = 1
const S2_MEMATTR_NORMAL_WB = 0xfn << 2n;    // ARM_LPAE_PTE_MEMATTR_OIWB
const XN_BIT54 = 1n << 54n;                 // UXN/XN; PXN is bit 53
const PXN_BIT53 = 1n << 53n;

export class PageTableBuilder {
  readonly root: number;
  readonly startLevel: number;
  private readonly startBits: number;

  constructor(
    readonly stage: 1 | 2,
    readonly g: GranuleShift,
    readonly inputBits: number,
    private readonly io: TableIO,
    private readonly allocator: TableAllocator,
    /** Stage 2 only: the start level (from S2SL0); stage 1 derives it from inputBits. */
    startLevel?: number,
    /** Tables that already exist (a builder made again after a snapshot): their root, which is
     *  then not allocated. */
    root?: number,
  ) {
    this.startLevel = stage === 1 ? s1StartLevel(g, inputBits) : (startLevel ?? s1StartLevel(g, inputBits));
    const bits = startIndexBits(g, inputBits, this.startLevel);
    if (bits === null || (stage === 1 && bits > stride(g))) {
      throw new RangeError(`a ${inputBits}-bit input cannot start at level ${this.startLevel} with a ${2 ** (g - 10)}K granule`);
    }
    this.startBits = bits;
    this.root = root ?? allocator.alloc(2 ** bits * 8);
  }

  /** Concatenated start tables (stage 2): 2^(index bits - stride), at least 1. */
  get concatenated(): number {
    return Math.max(1, 2 ** (this.startBits - stride(this.g)));
  }

  /** The leaf descriptor for `oa` at `level`. */
  leaf(oa: number, level: number, perm: Perm): bigint {
    let d = BigInt(oa) | 1n | (level === 3 ? 2n : 0n) | SH_INNER;
    if (perm.af !== false) d |= AF;
    if (this.stage === 1) {
      d |= S1_ATTRIDX_CACHE;
      if (perm.user !== false) d |= 1n << 6n;         // AP[1]: EL0 access
      if (!perm.w) d |= 1n << 7n;                     // AP[2]: read-only
      if (!perm.global) d |= NG;
      if (!perm.x) d |= XN_BIT54 | PXN_BIT53;
    } else {
      d |= S2_MEMATTR_NORMAL_WB;
      if (perm.r) d |= 1n << 6n;                      // S2AP[0]: read
      if (perm.w) d |= 1n << 7n;                      // S2AP[1]: write
      if (!perm.x) d |= XN_BIT54;                     // XN[1]; XN[0] is RES0 without FEAT_XNX
    }
    return d;
  }

  private indexAddr(table: number, ia: number, level: number): number {
    const bits = level === this.startLevel ? this.startBits : stride(this.g);
    return table + (Math.floor(ia / 2 ** levelShift(this.g, level)) % 2 ** bits) * 8;
  }

  /** Map [ia, ia+size) to [oa, oa+size) with leaves of `pgsize` (default: the granule). */
  map(ia: number, oa: number, size: number, perm: Perm, pgsize = 2 ** this.g): void {
    const level = this.levelFor(pgsize);
    if (ia % pgsize || oa % pgsize || size % pgsize) {
      throw new RangeError(`map: iova 0x${ia.toString(16)}, address 0x${oa.toString(16)} and size 0x${size.toString(16)} must be multiples of the page size 0x${pgsize.toString(16)}`);
    }
    if (ia + size > 2 ** this.inputBits) throw new RangeError(`map: 0x${(ia + size).toString(16)} is beyond the ${this.inputBits}-bit input range`);
    // Consecutive pages share their last table: walk from the root only when the input address
    // leaves the span of the table the previous page went into (a 1 GiB map of 4K pages walks
    // 512 times instead of 262,144). Same descriptors, written in the same order.
    const tableSpan = level === this.startLevel ? Infinity : 2 ** (levelShift(this.g, level) + stride(this.g));
    let key = NaN;
    let table = 0;
    for (let off = 0; off < size; off += pgsize) {
      const a = ia + off;
      const k = Math.floor(a / tableSpan);
      if (k === key) {
        this.setLeaf(this.indexAddr(table, a, level), a, oa + off, level, perm);
      } else {
        table = this.mapOne(a, oa + off, level, perm);
        key = k;
      }
    }
  }

  /** Write the leaf for `ia` into `slot` unless something is mapped there already. */
  private setLeaf(slot: number, ia: number, oa: number, level: number, perm: Perm): void {
    if (this.io.read(slot) & 1n) throw new RangeError(`map: 0x${ia.toString(16)} is already mapped (level ${level})`);
    this.io.write(slot, this.leaf(oa, level, perm));
  }

  private levelFor(pgsize: number): number {
    for (let level = 3; level >= this.startLevel; level--) {
      if (2 ** levelShift(this.g, level) === pgsize) {
        if (level === 3 || blockAllowed(this.g, level)) return level;
        break;
      }
    }
    throw new RangeError(`map: 0x${pgsize.toString(16)} is not a page or block size of the ${2 ** (this.g - 10)}K granule`);
  }

  /** Map one page or block, making tables on the way; returns the table the leaf went into. */
  private mapOne(ia: number, oa: number, target: number, perm: Perm): number {
    let table = this.root;
    for (let level = this.startLevel; ; level++) {
      const slot = this.indexAddr(table, ia, level);
      if (level === target) {
        this.setLeaf(slot, ia, oa, level, perm);
        return table;
      }
      const d = this.io.read(slot);
      if ((d & 3n) === 3n) { table = tableAddr(d, this.g); continue; }
      if (d & 1n) throw new RangeError(`map: 0x${ia.toString(16)} is inside a block mapped at level ${level}`);
      const next = this.allocator.alloc(2 ** this.g);
      this.io.write(slot, BigInt(next) | 3n);
      table = next;
    }
  }

  /** Find the leaf slot for `ia`: its address and level, or null. */
  lookup(ia: number): { slot: number; level: number; desc: bigint } | null {
    let table = this.root;
    for (let level = this.startLevel; level <= 3; level++) {
      const slot = this.indexAddr(table, ia, level);
      const d = this.io.read(slot);
      if ((d & 1n) === 0n) return null;
      if (level < 3 && (d & 3n) === 3n) { table = tableAddr(d, this.g); continue; }
      return { slot, level, desc: d };
    }
    return null;
  }

  /** Unmap [ia, ia+size): every leaf inside is cleared; a block only partly inside is an error.
   *  Returns the bytes unmapped. Tables are left in place (as io-pgtable leaves them). */
  unmap(ia: number, size: number): number {
    let done = 0;
    for (let a = ia; a < ia + size;) {
      const l = this.lookup(a);
      if (l === null) { a += 2 ** this.g; continue; }
      const bs = 2 ** levelShift(this.g, l.level);
      if (a % bs !== 0 || a + bs > ia + size) throw new RangeError(`unmap: 0x${a.toString(16)} is inside a ${bs / 1024}K block that the range only partly covers`);
      this.io.write(l.slot, 0n);
      done += bs;
      a += bs;
    }
    return done;
  }

  /** Rewrite the permissions of every leaf in [ia, ia+size). */
  protect(ia: number, size: number, perm: Perm): void {
    for (let a = ia; a < ia + size;) {
      const l = this.lookup(a);
      if (l === null) throw new RangeError(`protect: 0x${a.toString(16)} is not mapped`);
      const shift = levelShift(this.g, l.level);
      this.io.write(l.slot, this.leaf(tableAddrLeaf(l.desc, shift), l.level, perm));
      a += 2 ** shift - (a % 2 ** shift);
    }
  }
}

function tableAddr(d: bigint, g: number): number {
  const lo = Number(d & 0xffffffffn), hi = Number((d >> 32n) & 0xffffn);
  return hi * TWO32 + ((lo & ~((1 << g) - 1)) >>> 0);
}
function tableAddrLeaf(d: bigint, shift: number): number {
  const lo = Number(d & 0xffffffffn), hi = Number((d >> 32n) & 0xffffn);
  return hi * TWO32 + ((lo & ~(2 ** shift - 1)) >>> 0);
}
