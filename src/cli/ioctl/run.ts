// `iommu-lab ioctl SCRIPT.json`: replay an ioctl script's calls, in order, against the host model
// and print one JSON line per call (formats/ioctl-script.md).
//
// Exit 0 with every line on stdout, whatever the calls returned (a failing ioctl is a result).
// Exit 2 with `error: <JSON path>: <why>` on stderr and nothing on stdout for a script that cannot
// be read or is invalid, including a reference that turns out to have no value when its call runs
// (`$info.out.argsz` of a GET_INFO that failed). Exit 1 when the script needs something the Lab
// does not model (yet), or the model fails. No stack traces unless IOMMU_LAB_DEBUG is set.

import { readFileSync } from 'node:fs';
import { formatPath } from '../../model/json-path';
import { NotModelled } from '../../model/vfio/type1';
import { readError } from '../read-error';
import { type CliResult, fail, internal } from '../result';
import { hostBackend, type IoctlBackend, type OpResult } from './backend';
import { formatResult } from './format';
import { resolveRef, type Named, type NumExpr } from './refs';
import { argKind } from './requests';
import { parseIoctlScript, ScriptError, type ArgExpr, type Call, type IoctlScript } from './schema';

export const IOCTL_USAGE = `Usage: iommu-lab ioctl [--why] SCRIPT.json

Replays an ioctl script (iommu-lab/ioctl-script@1: open, ioctl, mmap, read, dma, irq, ...)
against the Lab's host model (VFIO on the kernel profile the script names, over a modelled SMMUv3,
GICv3 ITS and QEMU's edu device) and prints one JSON line per call, in order. SCRIPT.json may
be "-" for stdin. An invalid script prints "error: <JSON path>: <why>" on stderr and exits 2.

  --why  add to each line what the model says about it: "where" (the kernel function that
         chose the errno), "why" (in words) and "log" (kernel log lines), when there are any
`;

/** A call that cannot run: `code` 2 for the script's fault, 1 for the Lab's. */
export class RunError extends Error {
  constructor(readonly code: 1 | 2, readonly path: string, readonly why: string) {
    super(`${path}: ${why}`);
  }
}

/** Read, validate and run the script at `path` ("-": stdin). Never throws. */
export interface IoctlOptions {
  /** --why: add what the model says about each call (`where`, `why`, `log`). */
  why?: boolean;
  /** The host model (tests give their own). */
  backend?: (s: IoctlScript) => IoctlBackend;
}

export function runIoctlFile(path: string, opts: IoctlOptions = {}): CliResult {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    return fail(2, `error: $: cannot read ${path}: ${readError(e)}`);
  }
  return runIoctlText(text, opts);
}

/** The same for a script already in memory. */
export function runIoctlText(text: string, opts: IoctlOptions = {}): CliResult {
  try {
    const lines = replay(parseIoctlScript(text), opts);
    return { code: 0, stdout: lines.map((l) => `${JSON.stringify(l)}\n`).join(''), stderr: '' };
  } catch (e) {
    if (e instanceof ScriptError) return fail(2, `error: ${e.message}`);
    if (e instanceof RunError) return fail(e.code, `error: ${e.message}`);
    return internal(e);
  }
}

/** Run every call; the output objects in order. Throws RunError. */
export function replay(script: IoctlScript, opts: IoctlOptions = {}): Record<string, unknown>[] {
  const backend = (opts.backend ?? hostBackend)(script);
  script.calls.forEach((c, i) => {
    const why = backend.missing.get(c.op);
    if (why !== undefined) throw new RunError(1, `$.calls[${i}].op`, `"${c.op}" is not modelled yet: ${why}`);
  });
  const names = new Map<string, Named>();
  return script.calls.map((c, i) => {
    const at = (field: PropertyKey, ...more: PropertyKey[]) => formatPath(['calls', i, field, ...more]);
    const num = (e: NumExpr, field: PropertyKey, ...more: PropertyKey[]): bigint => {
      if (e.kind === 'lit') return e.value;
      const v = resolveRef(e, names);
      if (typeof v !== 'bigint') throw new RunError(2, at(field, ...more), v.why);
      return v;
    };
    const ranged = (e: NumExpr, field: string, max: bigint, min = 0n): number => {
      const v = num(e, field);
      if (v < min || v > max) throw new RunError(2, at(field), `${e.kind === 'ref' ? `${e.text} is ` : ''}${v}, out of range ${min}..${max}`);
      return Number(v);
    };
    let result: OpResult;
    let request: string | number | undefined;
    try {
      ({ result, request } = perform(backend, c, num, ranged));
    } catch (e) {
      if (e instanceof RunError) throw e;
      // The model's own word for a path it does not cover (some parts throw a plain Error with it).
      if (e instanceof NotModelled || (e instanceof Error && e.message.startsWith('not modelled'))) {
        throw new RunError(1, formatPath(['calls', i]), e.message);
      }
      throw e;
    }
    if (c.as !== undefined) {
      names.set(c.as, {
        index: i, label: `$.calls[${i}] (${typeof request === 'string' ? request : c.op})`, ret: BigInt(result.ret),
        ...(result.errno !== 0 ? { errname: result.errname } : {}), ...(result.out !== undefined ? { out: result.out } : {}),
      });
    }
    const line = formatResult(i, c.op, request, result);
    if (opts.why) explain(line, result);
    return line;
  });
}

type Num = (e: NumExpr, field: PropertyKey, ...more: PropertyKey[]) => bigint;
/** A value that must lie in min..max (a literal was checked with the script; a reference only now). */
type Ranged = (e: NumExpr, field: string, max: bigint, min?: bigint) => number;

/** C's int: a fd as the system call receives it (a failed open's -1 stays -1). */
const int = (v: bigint) => Number(BigInt.asIntN(32, v));

function perform(b: IoctlBackend, c: Call, num: Num, within: Ranged): { result: OpResult; request?: string | number } {
  switch (c.op) {
    case 'open': return { result: b.open(c.path) };
    case 'close': return { result: b.close(int(num(c.fd, 'fd'))) };
    case 'ioctl': {
      const fd = int(num(c.fd, 'fd'));
      const request = c.request.name ?? b.requestName(fd, c.request.code) ?? c.request.code;
      const arg = argValue(c.arg, num);
      const kind = argKind(c.request.name);
      const toModel = kind?.kind === 'struct' ? kind.toModel : undefined;
      const given = toModel !== undefined && typeof arg === 'object' && arg !== null ? toModel(arg as Record<string, unknown>) : arg;
      return { result: b.ioctl(fd, c.request.code, given), request };
    }
    case 'mmap': return { result: b.mmap(num(c.length, 'length'), c.prot ?? { read: true, write: true }) };
    case 'poke': return { result: b.poke(num(c.addr, 'addr'), c.data) };
    case 'peek': return { result: b.peek(num(c.addr, 'addr'), within(c.len, 'len', 0x100000n)) };
    case 'read': return { result: b.read(c.path) };
    case 'eventfd': return { result: b.eventfd() };
    case 'read_eventfd': return { result: b.readEventfd(int(num(c.fd, 'fd'))) };
    case 'dma': return { result: b.dma(c.bdf, c.dir, num(c.iova, 'iova'), within(c.len, 'len', 0x100000n), c.data) };
    case 'irq': return { result: b.irq(c.bdf, within(c.vector, 'vector', 0xffffffffn)) };
    case 'mmio': {
      const size = within(c.size, 'size', 8n, 1n);
      return { result: b.mmio(c.bdf, within(c.bar, 'bar', 5n), num(c.offset, 'offset'), size, c.value && num(c.value, 'value')) };
    }
    case 'config': {
      const size = within(c.size, 'size', 4n, 1n);
      return { result: b.config(c.bdf, within(c.offset, 'offset', 0xfffn), size, c.value && num(c.value, 'value')) };
    }
  }
}

/** The argument with its references resolved: bigints, a string, null or undefined. */
function argValue(arg: ArgExpr, num: Num): unknown {
  if (arg === undefined || arg === null || typeof arg === 'string') return arg;
  if ('kind' in arg && typeof arg.kind === 'string') return num(arg as NumExpr, 'arg');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(arg as Record<string, NumExpr | NumExpr[] | Record<string, NumExpr>>)) {
    if (Array.isArray(v)) out[k] = v.map((x, j) => num(x, 'arg', k, j));
    else if ('kind' in v && typeof v.kind === 'string') out[k] = num(v as NumExpr, 'arg', k);
    else out[k] = Object.fromEntries(Object.entries(v as Record<string, NumExpr>).map(([kk, x]) => [kk, num(x, 'arg', k, kk)]));
  }
  return out;
}

/** --why: the kernel function that chose the errno, the model's words, the kernel log lines. */
function explain(line: Record<string, unknown>, r: OpResult): void {
  if (r.where !== undefined) line.where = r.where;
  if (r.why !== undefined) line.why = r.why;
  if (r.log.length > 0) line.log = r.log;
}
