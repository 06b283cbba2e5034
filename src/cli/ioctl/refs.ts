// Numbers in an ioctl script: a literal (the machine-image forms: "0x1f", "31", 31) or a reference
// to an earlier call's result, `$name` (its ret), `$name+0x…` (ret plus an offset) or
// `$name.out.field` (what the kernel wrote back, e.g. the argsz a first GET_INFO asked for;
// `.out.caps.2.iova_ranges.0.end` walks into lists by index). formats/ioctl-script.md.

import { readNumber } from '../../model/image/parse';

export type NumExpr =
  | { kind: 'lit'; value: bigint }
  | { kind: 'ref'; name: string; path: string[]; add: bigint; text: string };

/** `$name`, then `.out.` segments, then `+N`. Names are identifiers, as `as` requires. */
const REF = /^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+)*)(?:\+(0[xX][0-9a-fA-F]+|[0-9]+))?$/;
export const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const isRefText = (v: unknown): v is string => typeof v === 'string' && v.startsWith('$');

/** A number field as written, or the reason it is not one. */
export function readNumExpr(v: unknown): NumExpr | { why: string } {
  if (!isRefText(v)) {
    const n = readNumber(v);
    return typeof n === 'bigint' ? { kind: 'lit', value: n } : { why: n.why.replace('expected a hex string', 'expected "$name", a hex string') };
  }
  const m = REF.exec(v);
  if (m === null) {
    return { why: `not a reference: write "$name", "$name+0x10" or "$name.out.field" (got ${JSON.stringify(v)})` };
  }
  const path = m[2] === '' ? [] : m[2].slice(1).split('.');
  if (path.length > 0 && (path[0] !== 'out' || path.length < 2)) {
    return { why: `${JSON.stringify(v)}: after "$${m[1]}" only ".out.<field>" may follow (what the call wrote back)` };
  }
  return { kind: 'ref', name: m[1], path: path.slice(1), add: m[3] === undefined ? 0n : BigInt(m[3]), text: v };
}

/** What a named call left behind for later references. */
export interface Named {
  /** Index of the call in `calls`. */
  index: number;
  /** How the call is described in messages: `$.calls[3] (VFIO_IOMMU_GET_INFO)`. */
  label: string;
  ret: bigint;
  errname?: string;
  out?: Record<string, unknown>;
}

/** The value of a reference, or why it has none. `names` holds the latest call of each name. */
export function resolveRef(e: Extract<NumExpr, { kind: 'ref' }>, names: ReadonlyMap<string, Named>): bigint | { why: string } {
  const named = names.get(e.name);
  if (named === undefined) return { why: `${e.text}: $${e.name} is not defined by an earlier call` };
  if (e.path.length === 0) return named.ret + e.add;
  if (named.out === undefined) {
    const failed = named.errname !== undefined ? ` (it failed with ${named.errname})` : '';
    return { why: `${e.text}: ${named.label} wrote nothing back${failed}` };
  }
  let node: unknown = named.out;
  let where = `$${e.name}.out`;
  for (const key of e.path) {
    const next = Array.isArray(node) && /^[0-9]+$/.test(key) ? node[Number(key)]
      : typeof node === 'object' && node !== null && !Array.isArray(node) && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key]
      : undefined;
    if (next === undefined) {
      const have = typeof node === 'object' && node !== null
        ? Array.isArray(node) ? ` (it has ${node.length} entr${node.length === 1 ? 'y' : 'ies'})` : ` (it has ${Object.keys(node).join(', ') || 'no fields'})`
        : '';
      return { why: `${e.text}: ${named.label} wrote back no ${where}.${key}${have}` };
    }
    node = next;
    where += `.${key}`;
  }
  if (typeof node === 'bigint') return node + e.add;
  if (typeof node === 'number' && Number.isInteger(node)) return BigInt(node) + e.add;
  return { why: `${e.text}: ${where} is not a number (it is ${Array.isArray(node) ? 'a list' : typeof node === 'object' ? 'an object' : typeof node})` };
}
