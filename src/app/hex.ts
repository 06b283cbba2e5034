import { groupHexDigits } from '../model/bits';

// Hex longer than 8 digits is shown grouped by 4 with "_" (shared/VIEWS.md): 0x800100040 -> 0x8_0010_0040.
// A string form of src/model/bits.ts hexGrouped (which it delegates to), for hex already written out
// (leading zeros kept); anything that is not plain hex is returned unchanged.
export function groupHex(hex: string): string {
  const m = /^0x([0-9a-f]+)$/i.exec(hex);
  return m ? '0x' + groupHexDigits(m[1]) : hex;
}
