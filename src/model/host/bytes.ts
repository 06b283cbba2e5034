// Byte-granular access to physical memory for DMA and process memory (PhysMem holds 64-bit
// words): reads are traced word by word as `who` reads them, writes are read-modify-writes of
// the words they touch.

import type { PhysMem } from '../mem';

export function readBytes(mem: PhysMem, pa: bigint, len: number, who: string): Uint8Array {
  const out = new Uint8Array(len);
  let word = -1n, v = 0n;
  for (let i = 0; i < len; i++) {
    const a = pa + BigInt(i), w = a & ~7n;
    if (w !== word) { word = w; v = mem.read64(w, who); }
    out[i] = Number((v >> (8n * (a & 7n))) & 0xffn);
  }
  return out;
}

export function writeBytes(mem: PhysMem, pa: bigint, data: Uint8Array, who: string): void {
  let i = 0;
  while (i < data.length) {
    const a = pa + BigInt(i), w = a & ~7n;
    let v = mem.load64(w);
    for (let b = Number(a & 7n); b < 8 && i < data.length; b++, i++) {
      v = (v & ~(0xffn << BigInt(8 * b))) | (BigInt(data[i]) << BigInt(8 * b));
    }
    mem.write64(w, v, who);
  }
}
