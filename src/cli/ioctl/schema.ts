// Ioctl script reader: JSON text -> IoctlScript, or a ScriptError naming the first problem.
//
// The format is /work/shared/formats/ioctl-script.md ("iommu-lab/ioctl-script@1"); numbers follow
// the machine-image rules (src/model/image/parse.ts) and may also be references (refs.ts). The
// whole script is checked before any call runs; the error reported is the first in document
// order, `error: <JSON path>: <why>`.
//
// How it works, as for machine images: zod checks the structure (strict objects: an unknown field
// is an error) and each call against its op's fields, collecting every issue; a second pass checks
// what spans the document (a `$name` used before a call names it, `.out` of a call that writes
// nothing back, a device action on a bdf the script does not list). The first issue in the
// document wins.
//
// Choices the format leaves open, made here (docs/cli.md repeats them):
// - `format`, `platform` and `calls` are required; `kernel` defaults to "6.12", `devices` to none,
//   `process` to RLIMIT_MEMLOCK "unlimited" without CAP_IPC_LOCK.
// - `as` names are identifiers; a later call may reuse a name (references see the latest).
// - A request by number is the full ioctl number (VFIO_GET_API_VERSION is 0x3b64); its `arg` is
//   passed as written. A request by name must be a uapi name and its `arg` must have that
//   request's form: an integer, an object of the struct's fields, a string, or none. `"arg": null`
//   passes a NULL pointer.
// - `data` byte strings are hex digits, two per byte, optionally after "0x", first byte first.
// - `mmap` `prot` is "rw" (default), "r", "w" or "none".

import { z } from 'zod';
import { readNumber } from '../../model/image/parse';
import { firstInDocument, formatPath, suggest, type Issue, type Path } from '../../model/json-path';
import type { DeviceSpec } from '../../model/iommu/group';
import { DEFAULT_KERNEL, KERNEL_PROFILES, kernelProfile, type KernelId } from '../../model/vfio/profile';
import { NAME, isRefText, readNumExpr, type NumExpr } from './refs';
import { argKind, codeOf, knownRequestNames, missingFrom } from './requests';
import { PCI_BDF } from '../../model/host/rid';

export const IOCTL_SCRIPT_FORMAT = 'iommu-lab/ioctl-script@1';

/** A malformed script: `path` is a JSON path (`$` for the whole file), `why` plain English. */
export class ScriptError extends Error {
  constructor(readonly path: string, readonly why: string) {
    super(`${path}: ${why}`);
    this.name = 'ScriptError';
  }
}

// ---- What a valid script becomes ----------------------------------------------------------------

/** An ioctl argument: absent, a NULL pointer, by value, a string, or a struct by field name. */
export type ArgExpr = undefined | null | NumExpr | string | { [field: string]: NumExpr | NumExpr[] | Record<string, NumExpr> };
export interface Prot { read: boolean; write: boolean }

export type Call = { as?: string } & (
  | { op: 'open'; path: string }
  | { op: 'close'; fd: NumExpr }
  | { op: 'ioctl'; fd: NumExpr; request: { name?: string; code: number }; arg: ArgExpr }
  | { op: 'mmap'; length: NumExpr; prot?: Prot }
  | { op: 'poke'; addr: NumExpr; data: Uint8Array }
  | { op: 'peek'; addr: NumExpr; len: NumExpr }
  | { op: 'read'; path: string }
  | { op: 'eventfd' }
  | { op: 'read_eventfd'; fd: NumExpr }
  | { op: 'dma'; bdf: string; dir: 'read' | 'write'; iova: NumExpr; len: NumExpr; data?: Uint8Array }
  | { op: 'irq'; bdf: string; vector: NumExpr }
  | { op: 'mmio'; bdf: string; bar: NumExpr; offset: NumExpr; size: NumExpr; value?: NumExpr }
  | { op: 'config'; bdf: string; offset: NumExpr; size: NumExpr; value?: NumExpr }
);
export type Op = Call['op'];

export interface IoctlScript {
  kernel: KernelId;
  platform: { machine: 'arm64-virt' | 'x86-vtd'; smmuStage?: 's1' | 's2' | 'nested' };
  devices: DeviceSpec[];
  process: { rlimitMemlock: bigint | 'unlimited'; capIpcLock: boolean };
  calls: Call[];
}

// ---- Leaves -------------------------------------------------------------------------------------


function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

const says = (expected: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? 'missing' : `${expected} (got ${shown(iss.input)})`;
const bool = z.boolean({ error: says('expected true or false') });
const str = z.string({ error: says('expected a string') });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: says(`must be ${values.map((s) => JSON.stringify(s)).join(' or ')}`) });
const object = <S extends z.core.$ZodLooseShape>(shape: S) => z.strictObject(shape, { error: says('expected an object') });

const U64_MAX = (1n << 64n) - 1n;

/** A number or a reference; a literal must lie in min..max (a reference is checked when it runs). */
function num(max = U64_MAX, range = '0..2^64-1', min = 0n) {
  return z.unknown().transform((v, ctx): NumExpr => {
    const e = readNumExpr(v);
    if ('why' in e) {
      ctx.addIssue({ code: 'custom', message: v === undefined ? 'missing' : e.why });
      return z.NEVER;
    }
    if (e.kind === 'lit' && (e.value < min || e.value > max)) {
      ctx.addIssue({ code: 'custom', message: `out of range ${range} (got ${shown(v)})` });
      return z.NEVER;
    }
    return e;
  });
}

/** A literal number only (script settings, not calls). */
function literal(max: bigint, range: string) {
  return num(max, range).transform((e, ctx) => {
    if (e.kind === 'ref') {
      ctx.addIssue({ code: 'custom', message: `a reference cannot be used here (got ${JSON.stringify(e.text)})` });
      return z.NEVER;
    }
    return e.value;
  });
}

const bytes = z.unknown().transform((v, ctx) => {
  const m = typeof v === 'string' ? /^(?:0[xX])?((?:[0-9a-fA-F]{2})+)$/.exec(v) : null;
  if (m === null) {
    ctx.addIssue({ code: 'custom', message: v === undefined ? 'missing' : `expected a hex byte string, two digits a byte, like "00ff10" (got ${shown(v)})` });
    return z.NEVER;
  }
  return Uint8Array.from(m[1].match(/../g)!, (b) => parseInt(b, 16));
});

/** PCI domain:bus:device.function, lower-case hex as Linux names PCI devices (dev_name()). */
const bdf = str.refine((s) => PCI_BDF.test(s), { error: (iss) => `expected a PCI address like "0000:00:02.0" (got ${shown(iss.input)})` });

const asName = str.refine((s) => NAME.test(s), { error: (iss) => `a name must be an identifier like "container" (got ${shown(iss.input)})` });

const prot = oneOf(['rw', 'r', 'w', 'none']).transform((p): Prot => ({ read: p.includes('r'), write: p.includes('w') }));

// ---- Calls --------------------------------------------------------------------------------------

const base = { op: str, as: asName.optional() };
const device = { bdf };
const OPS = {
  open: object({ ...base, path: str }),
  close: object({ ...base, fd: num() }),
  ioctl: object({ ...base, fd: num(), request: z.unknown().optional(), arg: z.unknown().optional() }),
  mmap: object({ ...base, length: num(), prot: prot.optional() }),
  poke: object({ ...base, addr: num(), data: bytes }),
  peek: object({ ...base, addr: num(), len: num(0x100000n, '0..0x100000 (1 MiB)') }),
  read: object({ ...base, path: str }),
  eventfd: object({ ...base }),
  read_eventfd: object({ ...base, fd: num() }),
  dma: object({ ...base, ...device, dir: oneOf(['read', 'write']), iova: num(), len: num(0x100000n, '0..0x100000 (1 MiB)'), data: bytes.optional() }),
  irq: object({ ...base, ...device, vector: num(0xffffffffn, '0..2^32-1') }),
  mmio: object({ ...base, ...device, bar: num(5n, '0..5'), offset: num(), size: num(8n, '1, 2, 4 or 8', 1n), value: num().optional() }),
  // Config space has no BAR: bdf, offset, size, value.
  config: object({ ...base, ...device, offset: num(0xfffn, '0..0xfff'), size: num(4n, '1, 2 or 4', 1n), value: num().optional() }),
} as const;
const OP_NAMES = Object.keys(OPS) as Op[];

const call = z.unknown().transform((v, ctx): Call => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: `expected an object (got ${shown(v)})` });
    return z.NEVER;
  }
  const op = (v as Record<string, unknown>).op;
  if (typeof op !== 'string' || !Object.hasOwn(OPS, op)) {
    ctx.addIssue({
      code: 'custom', path: ['op'],
      message: op === undefined ? `missing (one of ${OP_NAMES.join(', ')})` : `unknown op ${shown(op)}; one of ${OP_NAMES.join(', ')}${suggest(String(op), OP_NAMES)}`,
    });
    return z.NEVER;
  }
  const r = OPS[op as Op].safeParse(v);
  const issues = r.success ? [] : r.error.issues.flatMap((iss) => fromZod(iss, Object.keys(OPS[op as Op].shape)));
  let out: Call | undefined;
  if (r.success) {
    out = r.data as Call;
    if (out.op === 'ioctl') issues.push(...readIoctl(v as Record<string, unknown>, out));
    if (out.op === 'dma') issues.push(...checkDmaData(out));
    if ((out.op === 'mmio' || out.op === 'config') && out.size.kind === 'lit' && ![1n, 2n, 4n, 8n].includes(out.size.value)) {
      issues.push({ path: ['size'], why: `must be ${out.op === 'mmio' ? '1, 2, 4 or 8' : '1, 2 or 4'} (bytes) (got ${out.size.value})` });
    }
  }
  for (const iss of issues) ctx.addIssue({ code: 'custom', path: [...iss.path] as PropertyKey[] as (string | number)[], message: iss.why });
  return issues.length > 0 || out === undefined ? z.NEVER : out;
});

function checkDmaData(c: Extract<Call, { op: 'dma' }>): Issue[] {
  if (c.dir === 'read' && c.data !== undefined) return [{ path: ['data'], why: 'a DMA read takes no data (the device reads it from memory)' }];
  if (c.dir === 'write' && c.data === undefined) return [{ path: ['data'], why: 'missing (a DMA write needs the bytes the device writes)' }];
  if (c.dir === 'write' && c.len.kind === 'lit' && c.len.value !== BigInt(c.data!.length)) {
    return [{ path: ['len'], why: `${c.len.value} does not match the ${c.data!.length} bytes of data` }];
  }
  return [];
}

/** The request (a uapi name or a number) and the argument in the form that request takes. */
function readIoctl(raw: Record<string, unknown>, c: Extract<Call, { op: 'ioctl' }>): Issue[] {
  const req: unknown = raw.request;
  let name: string | undefined;
  if (typeof req === 'string' && !/^[0-9]|^0[xX]/.test(req)) {
    const code = codeOf(req);
    if (code === undefined) return [{ path: ['request'], why: `unknown request ${JSON.stringify(req)}${suggest(req, knownRequestNames())}` }];
    name = req;
    c.request = { name, code };
  } else {
    const e = readNumExpr(req);
    if (req === undefined) return [{ path: ['request'], why: 'missing (a uapi name like "VFIO_IOMMU_MAP_DMA", or the ioctl number)' }];
    if ('why' in e || e.kind === 'ref') return [{ path: ['request'], why: `expected a uapi name like "VFIO_IOMMU_MAP_DMA" or the ioctl number (got ${shown(req)})` }];
    if (e.value > 0xffffffffn) return [{ path: ['request'], why: `out of range 0..2^32-1 (an ioctl number is 32 bits) (got ${shown(req)})` }];
    c.request = { code: Number(e.value) };
  }
  const issues: Issue[] = [];
  c.arg = readArg(raw.arg, 'arg' in raw, ['arg'], issues);
  if (issues.length > 0) return issues;
  const kind = argKind(name);
  if (kind === undefined || !('arg' in raw) && kind.kind === 'none') return [];
  const form = (why: string): Issue[] => [{ path: ['arg'], why }];
  const arg = c.arg;
  switch (kind.kind) {
    case 'none':
      return form(`${name} takes no argument; leave "arg" out`);
    case 'value':
      return arg !== null && typeof arg === 'object' && 'kind' in arg ? []
        : form(`${name} takes its argument by value: an integer (${arg === undefined ? 'missing' : `got ${shown(raw.arg)}`})`);
    case 'string':
      return typeof arg === 'string' || arg === null ? [] : form(`${name} takes a string, ${kind.what} (got ${shown(raw.arg)})`);
    case 'struct': {
      if (arg === null) return [];
      if (arg === undefined || typeof arg !== 'object' || 'kind' in arg) {
        return form(`${name} takes a pointer to struct ${kind.struct}: give its fields as an object, or null for a NULL pointer (got ${shown(raw.arg)})`);
      }
      for (const [field, value] of Object.entries(arg)) {
        const path = ['arg', field];
        if (!kind.fields.includes(field)) issues.push({ path, why: `struct ${kind.struct} has no field ${JSON.stringify(field)}${suggest(field, kind.fields)}` });
        else if (Array.isArray(value) !== (kind.lists?.includes(field) ?? false)) {
          issues.push({ path, why: Array.isArray(value) ? `${field} is not a list` : `${field} is a list: give [...]` });
        } else if (!Array.isArray(value) && !('kind' in value) !== Object.hasOwn(kind.objects ?? {}, field)) {
          issues.push({ path, why: 'kind' in value ? `${field} is a struct: give its fields as an object` : `${field} is a number, not an object` });
        } else if (!Array.isArray(value) && !('kind' in value)) {
          const fields = kind.objects![field];
          for (const sub of Object.keys(value)) {
            if (!fields.includes(sub)) issues.push({ path: [...path, sub], why: `unknown field ${JSON.stringify(sub)}${suggest(sub, fields)}` });
          }
        }
      }
      return issues;
    }
  }
}

/** The argument as written: numbers and references, strings, and one level of lists and objects
 *  inside a struct. */
function readArg(v: unknown, present: boolean, path: PropertyKey[], issues: Issue[]): ArgExpr {
  if (!present || v === undefined) return undefined;
  if (v === null) return null;
  // A string that reads as a number is one ("0x10", "16"); any other is a string argument.
  if (typeof v === 'string' && !isRefText(v) && typeof readNumber(v) !== 'bigint') return v;
  if (typeof v !== 'object') return numAt(v, path, issues);
  if (Array.isArray(v)) {
    issues.push({ path, why: 'expected an integer, an object of struct fields, a string or null (got an array)' });
    return undefined;
  }
  const out: Record<string, NumExpr | NumExpr[] | Record<string, NumExpr>> = {};
  for (const [k, x] of Object.entries(v)) {
    if (Array.isArray(x)) out[k] = x.map((y, i) => numAt(y, [...path, k, i], issues));
    else if (typeof x === 'object' && x !== null) {
      out[k] = Object.fromEntries(Object.entries(x).map(([kk, y]) => [kk, numAt(y, [...path, k, kk], issues)]));
    } else out[k] = numAt(x, [...path, k], issues);
  }
  return out;
}

function numAt(v: unknown, path: PropertyKey[], issues: Issue[]): NumExpr {
  const e = readNumExpr(v);
  if ('why' in e) {
    issues.push({ path, why: e.why });
    return { kind: 'lit', value: 0n };
  }
  return e;
}

// ---- The script ---------------------------------------------------------------------------------

const KERNELS = Object.keys(KERNEL_PROFILES);
const kernel = z.unknown().transform((v, ctx): KernelId => {
  if (typeof v === 'string' && kernelProfile(v) !== null) return v as KernelId;
  ctx.addIssue({ code: 'custom', message: `kernel ${shown(v)} is not modelled: the Lab models ${KERNELS.map((k) => JSON.stringify(k)).join(', ')}` });
  return z.NEVER;
});

const platform = object({
  machine: oneOf(['arm64-virt', 'x86-vtd']),
  smmu_stage: oneOf(['s1', 's2', 'nested']).optional(),
});

const deviceSpec = object({
  bdf,
  group: literal(0x7fffffffn, '0..2^31-1'),
  // The devices the Lab drives for dma/irq/mmio/config (QEMU's edu).
  model: oneOf(['edu']).optional(),
  driver: str.optional(),
});

const processSpec = object({
  rlimit_memlock: z.unknown().transform((v, ctx): bigint | 'unlimited' => {
    if (v === 'unlimited') return v;
    const e = readNumExpr(v);
    if ('why' in e || e.kind === 'ref' || e.value > U64_MAX) {
      ctx.addIssue({ code: 'custom', message: `expected bytes (a hex string like "0x4000000" or an integer) or "unlimited" (got ${shown(v)})` });
      return z.NEVER;
    }
    return e.value;
  }).optional(),
  cap_ipc_lock: bool.optional(),
});

const script = object({
  format: z.literal(IOCTL_SCRIPT_FORMAT, { error: says(`must be "${IOCTL_SCRIPT_FORMAT}"`) }),
  kernel: kernel.optional(),
  platform,
  devices: z.array(deviceSpec, { error: says('expected an array') }).optional(),
  process: processSpec.optional(),
  calls: z.array(call, { error: says('expected an array') }),
});

const KNOWN: Record<string, readonly string[]> = {
  '': Object.keys(script.shape),
  platform: Object.keys(platform.shape),
  devices: Object.keys(deviceSpec.shape),
  process: Object.keys(processSpec.shape),
};

/** Parse and validate an ioctl script; throws ScriptError for the first problem in the document. */
export function parseIoctlScript(text: string): IoctlScript {
  let raw: unknown;
  try {
    raw = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (e) {
    throw new ScriptError('$', `not valid JSON: ${(e as Error).message}`);
  }
  const r = script.safeParse(raw);
  const issues = checkAcrossCalls(raw);
  if (!r.success) issues.push(...r.error.issues.flatMap((iss) => fromZod(iss, KNOWN[iss.path.filter((k) => typeof k === 'string').join('.')] ?? [])));
  if (issues.length > 0) {
    const first = firstInDocument(raw, issues);
    throw new ScriptError(formatPath(first.path), first.why);
  }
  const p = (r as { data: z.output<typeof script> }).data;
  return {
    kernel: p.kernel ?? DEFAULT_KERNEL,
    platform: p.platform.smmu_stage === undefined ? { machine: p.platform.machine } : { machine: p.platform.machine, smmuStage: p.platform.smmu_stage },
    devices: (p.devices ?? []).map((d) => ({
      bdf: d.bdf, group: Number(d.group), ...(d.model !== undefined ? { model: d.model } : {}), ...(d.driver !== undefined ? { driver: d.driver } : {}),
    })),
    process: { rlimitMemlock: p.process?.rlimit_memlock ?? 'unlimited', capIpcLock: p.process?.cap_ipc_lock ?? false },
    calls: p.calls,
  };
}

function fromZod(iss: z.core.$ZodIssue, known: readonly string[]): Issue[] {
  if (iss.code === 'unrecognized_keys') {
    return iss.keys.map((key) => ({ path: [...iss.path, key], why: `unknown field ${JSON.stringify(key)}${suggest(key, known)}` }));
  }
  return [{ path: iss.path, why: iss.message }];
}

// ---- Checks spanning the document, on the raw JSON ------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const OUT_OPS = new Set(['ioctl']);
const DEVICE_OPS = new Set(['dma', 'irq', 'mmio', 'config']);

function checkAcrossCalls(raw: unknown): Issue[] {
  if (!isObject(raw)) return [];
  const issues: Issue[] = [];
  if (isObject(raw.platform) && raw.platform.machine === 'x86-vtd' && 'smmu_stage' in raw.platform) {
    issues.push({ path: ['platform', 'smmu_stage'], why: 'x86-vtd has no SMMU: smmu_stage is for arm64-virt only' });
  }
  const devices = new Map<string, { model?: unknown; index: number }>();
  if (Array.isArray(raw.devices)) {
    raw.devices.forEach((d: unknown, index) => {
      if (!isObject(d) || typeof d.bdf !== 'string') return;
      const before = devices.get(d.bdf);
      if (before !== undefined) issues.push({ path: ['devices', index, 'bdf'], why: `${d.bdf} is already $.devices[${before.index}]` });
      else devices.set(d.bdf, { model: d.model, index });
    });
  }
  if (!Array.isArray(raw.calls)) return issues;
  // Names a profile's headers lack (iommufd's later requests).
  const profile = kernelProfile(typeof raw.kernel === 'string' ? raw.kernel : DEFAULT_KERNEL);
  raw.calls.forEach((c: unknown, index) => {
    if (profile === null || !isObject(c) || c.op !== 'ioctl' || typeof c.request !== 'string') return;
    const why = missingFrom(profile, c.request);
    if (why !== null) issues.push({ path: ['calls', index, 'request'], why });
  });
  // Each name as defined so far: the op of the latest call that carries it.
  const names = new Map<string, { op: unknown; index: number }>();
  const later = new Map<string, number>();
  raw.calls.forEach((c: unknown, index) => {
    if (isObject(c) && typeof c.as === 'string' && !later.has(c.as)) later.set(c.as, index);
  });
  raw.calls.forEach((c: unknown, index) => {
    if (!isObject(c)) return;
    forEachRef(c, ['calls', index], (text, path) => {
      const e = readNumExpr(text);
      if ('why' in e || e.kind !== 'ref') return;
      const named = names.get(e.name);
      if (named === undefined) {
        const at = later.get(e.name);
        issues.push({
          path, why: `${text}: $${e.name} is not defined yet: ${at === undefined ? `no call has "as": ${JSON.stringify(e.name)}` : `$.calls[${at}] names it, after this call`}`,
        });
      } else if (e.path.length > 0 && !OUT_OPS.has(String(named.op))) {
        issues.push({ path, why: `${text}: $${e.name} is $.calls[${named.index}] (${String(named.op)}), which writes nothing back (only ioctl calls have .out)` });
      }
    });
    if (DEVICE_OPS.has(String(c.op)) && typeof c.bdf === 'string' && PCI_BDF.test(c.bdf)) {
      const d = devices.get(c.bdf);
      if (d === undefined) issues.push({ path: ['calls', index, 'bdf'], why: `${c.bdf} is not one of $.devices` });
      else if (d.model === undefined) issues.push({ path: ['calls', index, 'bdf'], why: `${c.bdf} ($.devices[${d.index}]) has no model for the Lab to drive (give "model": "edu")` });
    }
    if (typeof c.as === 'string') names.set(c.as, { op: c.op, index });
  });
  return issues;
}

/** Every string starting with "$" in a call (its values, lists and objects), with its path. */
function forEachRef(v: unknown, path: PropertyKey[], f: (text: string, path: PropertyKey[]) => void): void {
  if (isRefText(v)) f(v, path);
  else if (Array.isArray(v)) v.forEach((x, i) => forEachRef(x, [...path, i], f));
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) if (k !== 'as') forEachRef(x, [...path, k], f);
}

// ---- Document order (as src/model/image/parse.ts orders a machine image's issues) ---------------

