import { describe, expect, it } from 'vitest';
import { groupHex } from './hex';

describe('groupHex', () => {
  it.each([
    ['0x8000040', '0x8000040'],                  // 8 digits or fewer: unchanged
    ['0x80000000', '0x80000000'],
    ['0x800100040', '0x8_0010_0040'],            // VIEWS.md's example
    ['0x0000000080001000', '0x0000_0000_8000_1000'],
    ['0x0800000000000000', '0x0800_0000_0000_0000'], // sPAPR's 64-bit window
    ['0x8_0010_0040', '0x8_0010_0040'],          // already grouped: unchanged
    ['-', '-'],                                  // not hex: unchanged
  ])('%s -> %s', (input, expected) => {
    expect(groupHex(input)).toBe(expected);
  });
});
