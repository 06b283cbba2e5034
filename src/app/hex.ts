// Hex longer than 8 digits is shown grouped by 4 with "_" (shared/VIEWS.md): 0x800100040 -> 0x8_0010_0040.
export function groupHex(hex: string): string {
  const m = /^0x([0-9a-f]+)$/i.exec(hex);
  if (!m || m[1].length <= 8) return hex;
  const digits = m[1];
  const head = digits.length % 4 || 4;
  const groups = [digits.slice(0, head)];
  for (let i = head; i < digits.length; i += 4) groups.push(digits.slice(i, i + 4));
  return '0x' + groups.join('_');
}
