// Sparse physical memory of little-endian 64-bit words.
//
// Pages are 4 KiB Uint32Arrays holding (lo, hi) pairs, found through a three-level radix
// directory on PA[51:36], PA[35:24] and PA[23:12]: array indexing only, no hash lookup on
// the walker's hot path. Memory that was never written reads as zero. Addresses at or above
// 2^52 (only reachable by raw writes, never by the SMMU with OAS <= 48) live in a side map.

import type { Trace } from './trace';

const PAGE = 4096;
const L1_SPAN = 2 ** 24;   // bytes covered by one second-level directory entry's page array
const L0_SPAN = 2 ** 36;
const PA_LIMIT = 2 ** 52;
const PA_LIMIT_BIG = BigInt(PA_LIMIT);

export type Page = Uint32Array;

/** PhysMem.exportImage(): each written 4 KiB page as 1024 uint32 (lo, hi pairs), and the words
 *  at or above 2^52 by address. */
export interface MemImage {
  pages: { pa: number; words: Uint32Array }[];
  high: [bigint, bigint][];
}
type Dir = (Page | undefined)[];

export class PhysMem {
  private l0: ((Dir | undefined)[] | undefined)[] = [];
  private high = new Map<bigint, bigint>();
  /** Pages shared with a memory image (exportImage, fromImage): copied before their first
   *  write, so an image never changes once taken and consecutive snapshots share every page
   *  that did not change between them. */
  private shared = new Set<Page>();
  /** Set by the owner (engine, CLI) to record software reads and writes. */
  trace: Trace | null = null;

  /** The page holding `pa` (a number < 2^52), or undefined if never written. Hot path. */
  pageOf(pa: number): Page | undefined {
    const d1 = this.l0[Math.floor(pa / L0_SPAN)];
    if (d1 === undefined) return undefined;
    const d2 = d1[(pa / L1_SPAN) & 0xfff];
    if (d2 === undefined) return undefined;
    return d2[(pa >>> 12) & 0xfff];
  }

  /** The last-level directory holding `pa`'s page, made on the way if missing. */
  private leafDir(pa: number): Dir {
    const i0 = Math.floor(pa / L0_SPAN);
    let d1 = this.l0[i0];
    if (d1 === undefined) d1 = this.l0[i0] = new Array(4096);
    const i1 = (pa / L1_SPAN) & 0xfff;
    let d2 = d1[i1];
    if (d2 === undefined) d2 = d1[i1] = new Array(4096);
    return d2;
  }

  private pageForWrite(pa: number): Page {
    const d2 = this.leafDir(pa);
    const i2 = (pa >>> 12) & 0xfff;
    let p = d2[i2];
    if (p === undefined) p = d2[i2] = new Uint32Array(PAGE / 4);
    else if (this.shared.size > 0 && this.shared.delete(p)) p = d2[i2] = p.slice();
    return p;
  }

  /** Install `words` as the page at `pa`, shared with the image it came from. */
  private adoptPage(pa: number, words: Page): void {
    this.leafDir(pa)[(pa >>> 12) & 0xfff] = words;
    this.shared.add(words);
  }

  /** Read a 64-bit word without tracing (the SMMU traces its own fetches with their purpose). */
  load64(pa: bigint): bigint {
    if (pa >= PA_LIMIT_BIG) return this.high.get(pa & ~7n) ?? 0n;
    const n = Number(pa & ~7n);
    const p = this.pageOf(n);
    if (p === undefined) return 0n;
    const i = (n & 0xff8) >>> 2;
    return (BigInt(p[i + 1]) << 32n) | BigInt(p[i]);
  }

  /** Write a 64-bit word without tracing (image loading, builders that trace at a higher level). */
  store64(pa: bigint, v: bigint): void {
    v = BigInt.asUintN(64, v);
    if (pa >= PA_LIMIT_BIG) {
      this.high.set(pa & ~7n, v);
      return;
    }
    const n = Number(pa & ~7n);
    const p = this.pageForWrite(n);
    const i = (n & 0xff8) >>> 2;
    p[i] = Number(v & 0xffffffffn);
    p[i + 1] = Number(v >> 32n);
  }

  /** A software read (the guest, host or a lab program), recorded in the trace. */
  read64(pa: bigint, who = 'sw'): bigint {
    checkAligned(pa);
    const v = this.load64(pa);
    this.trace?.push({ type: 'mem.read', who, pa, value: v });
    return v;
  }

  /** A software write, recorded in the trace. */
  write64(pa: bigint, v: bigint, who = 'sw'): void {
    checkAligned(pa);
    v = BigInt.asUintN(64, v);
    this.store64(pa, v);
    this.trace?.push({ type: 'mem.write', who, pa, value: v });
  }

  /** A deep copy (snapshots). */
  clone(): PhysMem {
    const m = new PhysMem();
    this.l0.forEach((d1, i0) => {
      if (!d1) return;
      const c1: (Dir | undefined)[] = (m.l0[i0] = new Array(4096));
      d1.forEach((d2, i1) => {
        if (!d2) return;
        const c2: Dir = (c1[i1] = new Array(4096));
        d2.forEach((p, i2) => { if (p) c2[i2] = p.slice(); });
      });
    });
    m.high = new Map(this.high);
    return m;
  }

  /** Every written page and every word at or above 2^52, as plain, structured-clone-able data
   *  (session snapshots). Pages are shared, not copied: this memory copies a page before it next
   *  writes it, so the image stays as it was. */
  exportImage(): MemImage {
    return {
      pages: this.pages().map((pa) => {
        const words = this.pageOf(pa) as Page;
        this.shared.add(words);
        return { pa, words };
      }),
      high: [...this.high].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    };
  }

  /** A memory holding exactly what `exportImage` saw (the image's pages are shared, copied on
   *  write). */
  static fromImage(img: MemImage): PhysMem {
    const m = new PhysMem();
    for (const { pa, words } of img.pages) {
      if (words.length !== PAGE / 4 || pa % PAGE !== 0 || pa >= PA_LIMIT) throw new RangeError(`fromImage: bad page at 0x${pa.toString(16)}`);
      m.adoptPage(pa, words);
    }
    m.high = new Map(img.high);
    return m;
  }

  /** The words at or above 2^52, by address. */
  highWords(): [bigint, bigint][] {
    return [...this.high].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Every written page's base address, ascending (views, snapshots, debugging). */
  pages(): number[] {
    const out: number[] = [];
    this.l0.forEach((d1, i0) => d1?.forEach((d2, i1) => d2?.forEach((p, i2) => {
      if (p) out.push(i0 * L0_SPAN + i1 * L1_SPAN + i2 * PAGE);
    })));
    return out.sort((a, b) => a - b);
  }
}

function checkAligned(pa: bigint): void {
  if ((pa & 7n) !== 0n) throw new RangeError(`address 0x${pa.toString(16)} is not 8-byte aligned`);
}
