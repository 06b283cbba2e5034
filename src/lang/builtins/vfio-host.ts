// What the host-side builtins (vfio.*, process.*, sysfs.*, and host.* declarations of the host) share:
// the host is made from the program's declarations by its first system call, every system call is
// recorded on the machine and in the trace, and the kernel's answer becomes a record the program
// can `expect` on. A refusal (errno != 0) is such an answer, never a runtime error.

import type { HostSystem } from '../../model/host/system';
import { type LabMachine, RAM_BASE } from '../../model/lab/machine';
import type { HostCallRecord } from '../../model/vfio/calls';
import type { SysResult, VfioHost } from '../../model/vfio/vfio';
import type { CallContext, ReturnSpec } from '../registry-types';
import { record, type RecordValue, type Value } from '../values';
import { hostRuntime } from './host-runtime';

export const U64_MAX = (1n << 64n) - 1n;

/** The host of this machine, made now from what the program declared if this is its first
 *  host-side call. Process memory lives in the Lab's RAM: the platform's hostRamBase becomes
 *  RAM_BASE, so pinned pages start at RAM_BASE + 256 MiB (pin.ts) and process.poke/peek reach them
 *  through physical memory (a guest's host.s2.map ranges there would share it). */
export function ensureHost(m: LabMachine, ctx: CallContext): VfioHost {
  return ensureHostSystem(m, ctx).vfio;
}

/** The whole host composition (devices, ITS, the arm-smmu-v3 driver below VFIO) on this machine's
 *  SMMU and memory, made from the declarations by the first host-side call. */
export function ensureHostSystem(m: LabMachine, ctx: CallContext): HostSystem {
  if (m.hostSystem !== null) return m.hostSystem;
  const { HostSystem } = hostRuntime(ctx);   // loaded on demand in the app (host-runtime.ts)
  const { machine, smmuStage, ...opts } = structuredClone(m.hostSpec.platform);
  try {
    m.hostSystem = new HostSystem({
      platform: { machine, ...(smmuStage !== undefined ? { smmu_stage: smmuStage } : {}), ...opts },
      kernel: m.hostSpec.kernel, devices: structuredClone(m.hostSpec.devices), process: { ...m.hostSpec.process },
      hostRamBase: BigInt(RAM_BASE),
    }, m);
  } catch (e) {
    if (e instanceof RangeError) ctx.fail(`the host cannot start: ${e.message}`);
    throw e;
  }
  return m.hostSystem;
}

/** A declaration of the host (host.platform, host.pci_device...): refused once the host runs. */
export function declaring(m: LabMachine, name: string, ctx: CallContext): void {
  if (m.vfio !== null) {
    ctx.fail(`${name} declares the host, which is already running: the program's first vfio, process or sysfs call ` +
      'started it, so declare the platform, kernel, devices and process before that call');
  }
}

/** Make one system call on the host and record it (machine.hostCalls and a host.call trace event). */
export function sysCall(
  m: LabMachine, ctx: CallContext, op: string, request: string | undefined, args: Record<string, unknown>,
  call: (host: VfioHost) => SysResult,
): SysResult {
  const host = ensureHost(m, ctx);
  const { NotModelled } = hostRuntime(ctx);
  let result: SysResult;
  try {
    result = call(host);
  } catch (e) {
    if (e instanceof NotModelled || e instanceof RangeError) return ctx.fail(e.message);
    throw e;
  }
  const rec: HostCallRecord = { i: m.hostCalls.length, op, args, result };
  if (request !== undefined) rec.request = request;
  m.hostCalls.push(rec);
  m.trace.push({ type: 'host.call', record: rec });
  return result;
}

/** The fields every system call's record has, for the docs. */
export const SYS_FIELDS: Readonly<Record<string, string>> = {
  ret: 'what the call returns: as libc returns it, -1 on failure (0xffff_ffff_ffff_ffff, so `r.ret == -1` holds)',
  errno: 'the errno: 0 on success, else its number (EINVAL is 22)',
  errname: 'its name, "EINVAL", "ENOMEM"...; "" on success',
  where: 'the kernel function that chose the errno (and its caller), "" on success',
  why: 'why, in plain words; "" on success',
  log: 'what the kernel printed (pr_warn) during the call, lines joined by newlines; "" if nothing',
};

/** A ReturnSpec for a system call's record with extra fields. */
export function sysReturns(type: string, doc: string, extra: Record<string, string> = {}): ReturnSpec {
  return { type, doc, fields: { ...SYS_FIELDS, ...extra } };
}

/** A number the kernel wrote back, as a lab value. */
export function n(v: unknown): Value {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  return null;
}

/** The record a program sees: ret (as unsigned 64-bit), errno, errname, where, why, log, then the
 *  named fields of what the kernel copied back (`out`), each null when it copied nothing back. */
export function sysValue(type: string, r: SysResult, outFields: readonly string[] = [], extra: Record<string, Value> = {}): RecordValue {
  const fields: Record<string, Value> = {
    ret: BigInt.asUintN(64, BigInt(r.ret)),
    errno: BigInt(r.errno),
    errname: r.errno === 0 ? '' : (r.errname ?? ''),
    where: r.where ?? '',
    why: r.why ?? '',
    log: r.log.join('\n'),
  };
  for (const f of outFields) fields[f] = n(r.out?.[f]);
  return record(type, { ...fields, ...extra });
}

/** The first `len` (at most 8) bytes, little-endian: how a program's value reads a byte string. */
export function leValue(data: Uint8Array): bigint {
  let v = 0n;
  for (let i = Math.min(data.length, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[i]);
  return v;
}

/** A value as `len` little-endian bytes (zero past the eighth). */
export function leBytes(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < Math.min(len, 8); i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}
