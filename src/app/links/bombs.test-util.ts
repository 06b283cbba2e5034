// Hostile links for the tests: decompression bombs in each compressor's format.

const LZ_URI = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$';

/**
 * An lz-string URI stream of 'a' then `codes` codes each naming the entry being defined (the
 * "w + w[0]" case), so entry k is k + 1 characters long: about codes^2 / 2 characters out of
 * about codes * 2.2 characters in. 20,000 codes: a 45 KB link that the library would expand
 * into 200 million characters.
 */
export function lzBomb(codes: number): string {
  const bits: number[] = [];
  const put = (value: number, n: number): void => {
    for (let i = 0; i < n; i++) bits.push((value >> i) & 1);
  };
  put(0, 2); // an 8-bit character follows
  put(0x61, 8); // 'a'
  let dictSize = 4;
  let numBits = 3;
  let enlargeIn = 4;
  for (let k = 0; k < codes; k++) {
    put(dictSize, numBits);
    dictSize++;
    enlargeIn--;
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
  }
  put(2, numBits); // the end
  while (bits.length % 6 !== 0) bits.push(0);
  let out = '';
  for (let i = 0; i < bits.length; i += 6) {
    let v = 0;
    for (let j = 0; j < 6; j++) v |= bits[i + j]! << (5 - j);
    out += LZ_URI[v];
  }
  return out;
}

/** How many characters lzBomb(codes) expands to. */
export const lzBombLength = (codes: number): number => 1 + ((codes + 1) * (codes + 2)) / 2 - 1;
