// Machine image reader: JSON text -> MachineImage, or an ImageError naming the first problem.
//
// The format is /work/shared/formats/machine-image.md ("iommu-lab/machine-image@1"). The whole
// image is checked before anything runs; the error reported is the first one in document order,
// with a JSON path (`$.memory[3].u64[1]`) and a plain-English reason.
//
// How it works: zod checks the structure (strict objects, so an unknown field is an error) and
// every field on its own, collecting every issue; a second pass checks what spans fields (memory
// runs overlapping or running past 2^64, strtab_split against strtab_fmt). All issues are then
// ordered by where they sit in the document and the first one is thrown.
//
// Choices the format document leaves open, made here:
// - `format`, `memory`, `smmu` and `transactions` are all required; `memory: []` (all memory reads
//   as zero) and `transactions: []` (a valid image that prints nothing) are fine.
// - A memory run must hold at least one word: `"u64": []` is an error (a truncated dump, most
//   likely, and a run with no extent cannot be checked for overlap).
// - A run may end exactly at 0xffffffffffffffff but not wrap past it.
// - Decimal strings may have leading zeros ("007"); hex strings are `0x`/`0X` then at least one
//   hex digit of any case. No sign, spaces, `_` or exponent. JSON numbers must be non-negative
//   integers below 2^53 (1e3 is 1000 once JSON has read it, and is accepted).
// - strtab_split: for `2lvl` it is required and must be 6, 8 or 10; for `linear` it may be absent
//   or 0..31 and is ignored (it reads as 0 when absent). strtab_base is any 64-bit value: how the
//   SMMU treats its low or high bits is the engine's business, not an input error.
// - A leading byte-order mark is ignored. A key repeated in one object keeps its last value (what
//   JSON.parse does).
// - Odd values inside memory (reserved bits, bad STEs) are never input errors: the engine reports
//   them as the events the hardware would raise.

import { z } from 'zod';
import { firstInDocument, formatPath, suggest, type Issue, type Path } from '../json-path';
import type { ImageSmmu, ImageTransaction, MachineImage, MemoryRun, Oas } from './types';

export const IMAGE_FORMAT = 'iommu-lab/machine-image@1';

/** A malformed image: `path` is a JSON path (`$` for the whole file), `why` plain English. */
export class ImageError extends Error {
  readonly path: string;
  readonly why: string;
  constructor(path: string, why: string) {
    super(`${path}: ${why}`);
    this.name = 'ImageError';
    this.path = path;
    this.why = why;
  }
}


// ---------------------------------------------------------------------------------------------
// Numbers: "0x1f" | "31" | 31

const U64_MAX = (1n << 64n) - 1n;
const NUMBER_FORMS = 'expected a hex string like "0x1000" or an integer below 2^53';
const HEX = /^0[xX][0-9a-fA-F]+$/;
const DEC = /^[0-9]+$/;

/** What a value looks like, for "got ..." in messages. */
function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** A number in any of the image's three forms, or the reason it is not one. */
export function readNumber(v: unknown): bigint | { why: string } {
  if (v === undefined) return { why: 'missing' };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return { why: `not an integer (got ${shown(v)})` };
    if (v < 0) return { why: `negative (got ${shown(v)})` };
    if (!Number.isSafeInteger(v)) {
      return { why: `JSON integers must be below 2^53; write larger values as a hex string like "0x${BigInt(v).toString(16)}"` };
    }
    return BigInt(v);
  }
  if (typeof v === 'string') {
    if (HEX.test(v) || DEC.test(v)) return BigInt(v);
    const hint = v.includes('_') ? '; no "_" separators' : v.trim().startsWith('-') ? '; no negative numbers' : '';
    return { why: `${NUMBER_FORMS} (got ${shown(v)}${hint})` };
  }
  return { why: `${NUMBER_FORMS} (got ${shown(v)})` };
}

/** A number field in min..max (inclusive); `range` names the range in messages. */
function numberIn(max: bigint, range: string, min = 0n) {
  return z.unknown().transform((v, ctx) => {
    const n = readNumber(v);
    if (typeof n !== 'bigint') {
      ctx.addIssue({ code: 'custom', message: n.why });
      return z.NEVER;
    }
    if (n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `out of range ${range} (got ${shown(v)})` });
      return z.NEVER;
    }
    return n;
  });
}

const u64 = numberIn(U64_MAX, '0..2^64-1');
const small = (max: number, range: string) => numberIn(BigInt(max), range).transform(Number);

const OAS_VALUES = [32, 36, 40, 42, 44, 48] as const;
const oas = z.unknown().transform((v, ctx): Oas => {
  const n = readNumber(v);
  const why = typeof n !== 'bigint' ? n.why
    : (OAS_VALUES as readonly number[]).includes(Number(n)) ? null
    : `must be one of ${OAS_VALUES.join(', ')} (52-bit addresses are not modelled) (got ${shown(v)})`;
  if (why !== null) {
    ctx.addIssue({ code: 'custom', message: why });
    return z.NEVER;
  }
  return Number(n) as Oas;
});

// ---------------------------------------------------------------------------------------------
// Other leaves and containers, each with its own message

/** zod's `error` option: "missing" when absent, otherwise `expected` plus what was there. */
const says = (expected: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? 'missing' : `${expected} (got ${shown(iss.input)})`;

const bool = z.boolean({ error: says('expected true or false') });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: says(`must be ${values.map((s) => JSON.stringify(s)).join(' or ')}`) });
const object = <S extends z.core.$ZodLooseShape>(shape: S) => z.strictObject(shape, { error: says('expected an object') });
const array = <T extends z.core.SomeType>(item: T) => z.array(item, { error: says('expected an array') });

// ---------------------------------------------------------------------------------------------
// The image

const memoryRun = object({
  addr: u64.refine((a) => a % 8n === 0n, { error: (iss) => `not 8-byte aligned (got ${shown(iss.input)})` }),
  u64: array(u64).min(1, { error: 'empty run: give at least one word' }),
});

const smmu = object({
  strtab_base: u64,
  strtab_log2size: small(32, '0..32'),
  strtab_fmt: oneOf(['linear', '2lvl']),
  strtab_split: small(31, '0..31').optional(),   // 2lvl rules: checkAcrossFields
  oas,
  cache: bool.optional(),
});

const transaction = object({
  sid: small(2 ** 32 - 1, '0..2^32-1 (0xffffffff)'),
  ssid: small(2 ** 20 - 1, '0..2^20-1 (0xfffff)').optional(),
  iova: u64,
  access: oneOf(['read', 'write']),
  priv: bool.optional(),
  instr: bool.optional(),
});

const image = object({
  format: z.literal(IMAGE_FORMAT, { error: says(`must be "${IMAGE_FORMAT}"`) }),
  memory: array(memoryRun),
  smmu,
  transactions: array(transaction),
});

type Parsed = z.output<typeof image>;

/** The field names each kind of object accepts, to suggest one for a misspelt field. */
const KNOWN: Record<string, readonly string[]> = {
  '': Object.keys(image.shape),
  memory: Object.keys(memoryRun.shape),
  smmu: Object.keys(smmu.shape),
  transactions: Object.keys(transaction.shape),
};

// ---------------------------------------------------------------------------------------------
// Entry point

/** Parse and validate a machine image; throws ImageError for the first problem in the document. */
export function parseMachineImage(text: string): MachineImage {
  let raw: unknown;
  try {
    raw = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (e) {
    throw new ImageError('$', `not valid JSON: ${(e as Error).message}`);
  }
  const result = image.safeParse(raw);
  // Cross-field issues first: at a tie (the same path) their reason is the more specific one.
  const issues = checkAcrossFields(raw);
  if (!result.success) issues.push(...result.error.issues.flatMap(fromZod));
  if (issues.length > 0) {
    const first = firstInDocument(raw, issues);
    throw new ImageError(formatPath(first.path), first.why);
  }
  return toImage((result as { data: Parsed }).data);
}

function fromZod(iss: z.core.$ZodIssue): Issue[] {
  if (iss.code === 'unrecognized_keys') {
    const known = KNOWN[iss.path.filter((k) => typeof k === 'string').join('.')] ?? [];
    return iss.keys.map((key) => ({ path: [...iss.path, key], why: `unknown field ${JSON.stringify(key)}${suggest(key, known)}` }));
  }
  return [{ path: iss.path, why: iss.message }];
}

function toImage(p: Parsed): MachineImage {
  const memory: MemoryRun[] = p.memory.map((r) => ({ addr: r.addr, words: r.u64 }));
  const s: ImageSmmu = {
    strtabBase: p.smmu.strtab_base,
    strtabLog2Size: p.smmu.strtab_log2size,
    strtabFmt: p.smmu.strtab_fmt,
    strtabSplit: p.smmu.strtab_split ?? 0,
    oas: p.smmu.oas,
    cache: p.smmu.cache ?? true,
  };
  const transactions = p.transactions.map((t): ImageTransaction => {
    const out: ImageTransaction = { sid: t.sid, iova: t.iova, access: t.access, priv: t.priv ?? false, instr: t.instr ?? false };
    if (t.ssid !== undefined) out.ssid = t.ssid;
    return out;
  });
  return { memory, smmu: s, transactions };
}

// ---------------------------------------------------------------------------------------------
// Checks spanning fields, on the raw JSON: each looks only at fields that are valid on their own
// (zod reports the others), so that every error in the document is found and the first one wins.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkAcrossFields(raw: unknown): Issue[] {
  if (!isObject(raw)) return [];
  return [...checkMemoryRuns(raw.memory), ...checkSplit(raw.smmu)];
}

function checkSplit(s: unknown): Issue[] {
  if (!isObject(s) || s.strtab_fmt !== '2lvl') return [];
  const path = ['smmu', 'strtab_split'];
  if (!('strtab_split' in s)) return [{ path, why: 'missing (a 2-level stream table needs strtab_split: 6, 8 or 10)' }];
  const n = readNumber(s.strtab_split);
  if (typeof n === 'bigint' && n !== 6n && n !== 8n && n !== 10n) {
    return [{ path, why: `must be 6, 8 or 10 for a 2-level stream table (got ${shown(s.strtab_split)})` }];
  }
  return [];
}

interface Extent { first: bigint; last: bigint; index: number }
const hex = (n: bigint) => `0x${n.toString(16)}`;

/** Runs that wrap past 2^64, and the first run (in document order) overlapping an earlier one. */
function checkMemoryRuns(memory: unknown): Issue[] {
  if (!Array.isArray(memory)) return [];
  const issues: Issue[] = [];
  let overlapFound = false;
  const placed: Extent[] = [];   // pairwise disjoint, sorted by address
  for (let index = 0; index < memory.length; index++) {
    const run: unknown = memory[index];
    if (!isObject(run) || !Array.isArray(run.u64) || run.u64.length === 0) continue;
    const first = readNumber(run.addr);
    if (typeof first !== 'bigint' || first > U64_MAX || first % 8n !== 0n) continue;
    const words = run.u64.length;
    const last = first + 8n * BigInt(words) - 1n;
    if (last > U64_MAX) {
      issues.push({ path: ['memory', index], why: `${words} words from ${hex(first)} run past the top of the 64-bit address space` });
      continue;
    }
    // Once one run overlaps, later overlaps come later in the document: stop looking.
    if (overlapFound) continue;
    const at = lowerBound(placed, first);
    let hit: Extent | undefined;
    for (let k = at - 1 < 0 ? 0 : at - 1; k < placed.length && placed[k].first <= last; k++) {
      if (placed[k].last >= first && (hit === undefined || placed[k].index < hit.index)) hit = placed[k];
    }
    if (hit !== undefined) {
      overlapFound = true;
      issues.push({
        path: ['memory', index],
        why: `run ${hex(first)}..${hex(last)} overlaps $.memory[${hit.index}] (${hex(hit.first)}..${hex(hit.last)})`,
      });
      continue;
    }
    placed.splice(at, 0, { first, last, index });
  }
  return issues;
}

/** Index of the first extent starting at or above `addr`. */
function lowerBound(xs: Extent[], addr: bigint): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid].first < addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
