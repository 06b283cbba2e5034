// What the builtins share: argument types, reading checked arguments, handles, the event record
// value, and turning the model's RangeErrors into runtime errors at the calling statement.

import type { LabCd, LabDevice, LabMachine, LabPt, LabVm, PermWord } from '../../model/lab/machine';
import type { EventRecord } from '../../model/smmuv3/events';
import type { GranuleShift } from '../../model/vmsa/geometry';
import type { ArgSpec, ArgType, CallContext } from '../registry-types';
import { type HandleType, type HandleValue, isHandle, isWord, record, type RecordValue, type Value } from '../values';

// ---- argument types ------------------------------------------------------------------------

export const U64_MAX = (1n << 64n) - 1n;
/** Addresses the model's tables take: below 2^48 (the OAS, IAS and the largest VA here). */
export const ADDR48: ArgType = { t: 'int', min: 0n, max: (1n << 48n) - 1n, align: 0x1000n };
export const SIZE48: ArgType = { t: 'int', min: 0x1000n, max: 1n << 48n, align: 0x1000n };
export const GRANULE: ArgType = { t: 'int', min: 0x1000n, max: 0x1_0000n };
export const PGSIZE: ArgType = { t: 'int', min: 0x1000n, max: 1n << 30n };
export const ASID: ArgType = { t: 'int', min: 0n, max: 0xffffn };
export const BOOL: ArgType = { t: 'bool' };
export const PERM_S2: ArgType = { t: 'word', words: ['r', 'w', 'rw', 'rx', 'rwx'] };
/** Stage 1 cannot say write-only: AP[2:1] always lets a mapped page be read. */
export const PERM_S1: ArgType = { t: 'word', words: ['r', 'rw', 'rx', 'rwx'] };
export const handle = (h: HandleType): ArgType => ({ t: 'handle', handle: h });

/** The optional `vm:` argument every host and guest call takes. */
export const VM_ARG: ArgSpec = {
  name: 'vm', type: handle('vm'), default: null,
  doc: 'the VM (default: the first VM created)',
};

// ---- reading arguments -----------------------------------------------------------------------

export type Args = Readonly<Record<string, Value>>;

function bad(ctx: CallContext, name: string, want: string): never {
  return ctx.fail(`internal: argument ${name} should be ${want}`);
}

export function bigArg(args: Args, name: string, ctx: CallContext): bigint {
  const v = args[name];
  return typeof v === 'bigint' ? v : bad(ctx, name, 'a number');
}

/** An integer argument as a JS number (exact: every such argument is below 2^53). */
export function numArg(args: Args, name: string, ctx: CallContext): number {
  const v = bigArg(args, name, ctx);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) ctx.fail(`${name} = 0x${v.toString(16)} is too large here`);
  return Number(v);
}

export function optNum(args: Args, name: string, ctx: CallContext): number | undefined {
  return args[name] === null || args[name] === undefined ? undefined : numArg(args, name, ctx);
}

export function boolArg(args: Args, name: string, ctx: CallContext): boolean {
  const v = args[name];
  return typeof v === 'boolean' ? v : bad(ctx, name, 'true or false');
}

export function strArg(args: Args, name: string, ctx: CallContext): string {
  const v = args[name];
  return typeof v === 'string' ? v : bad(ctx, name, 'a string');
}

export function wordArg<W extends string>(args: Args, name: string, ctx: CallContext): W {
  const v = args[name];
  return isWord(v) ? (v.word as W) : bad(ctx, name, 'a word');
}

export function permArg(args: Args, name: string, ctx: CallContext): PermWord {
  return wordArg<PermWord>(args, name, ctx);
}

/** 4K, 16K or 64K (written so in programs; they arrive as 4096, 16384, 65536). */
export function granuleArg(args: Args, name: string, ctx: CallContext): GranuleShift {
  const v = numArg(args, name, ctx);
  if (v === 0x1000) return 12;
  if (v === 0x4000) return 14;
  if (v === 0x1_0000) return 16;
  return ctx.fail(`${name} must be 4K, 16K or 64K (the VMSAv8-64 granules), not 0x${v.toString(16)}`);
}

function handleArg(args: Args, name: string, type: HandleType, ctx: CallContext): HandleValue | null {
  const v = args[name];
  if (v === null || v === undefined) return null;
  return isHandle(v, type) ? v : bad(ctx, name, `a ${type}`);
}

/** Run a model call: its RangeErrors (a guest or host mistake the kernel would refuse, an
 *  address outside RAM, a stuck command queue) stop the program at this statement. */
export function guard<T>(ctx: CallContext, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) return ctx.fail(e.message);
    throw e;
  }
}

export function deviceArg(m: LabMachine, args: Args, name: string, ctx: CallContext): LabDevice {
  const h = handleArg(args, name, 'device', ctx) ?? bad(ctx, name, 'a device');
  return guard(ctx, () => m.device(h.id));
}
export function ptArg(m: LabMachine, args: Args, name: string, ctx: CallContext): LabPt {
  const h = handleArg(args, name, 'pt', ctx) ?? bad(ctx, name, 'a page table');
  return guard(ctx, () => m.pt(h.id));
}
export function cdArg(m: LabMachine, args: Args, name: string, ctx: CallContext): LabCd {
  const h = handleArg(args, name, 'cd', ctx) ?? bad(ctx, name, 'a CD');
  return guard(ctx, () => m.cd(h.id));
}
/** The `vm:` argument, or the default VM (made with VMID 1 when `create` and none exists). */
export function vmArg(m: LabMachine, args: Args, ctx: CallContext, create: boolean): LabVm {
  const h = handleArg(args, 'vm', 'vm', ctx);
  return guard(ctx, () => (h === null ? m.defaultVm(create) : m.vm(h.id)));
}

// ---- values handed back ----------------------------------------------------------------------

export function deviceHandle(d: LabDevice): HandleValue {
  return { kind: 'handle', type: 'device', id: d.id, label: `${d.bdf} (StreamID 0x${d.sid.toString(16)})` };
}
export function vmHandle(v: LabVm): HandleValue {
  return { kind: 'handle', type: 'vm', id: v.id, label: `VM ${v.vmid}` };
}
export function ptHandle(p: LabPt): HandleValue {
  const owner = p.vm === null ? 'host ' : '';
  return { kind: 'handle', type: 'pt', id: p.id, label: `${owner}pt#${p.id} (${2 ** (p.g - 10)}K, ${p.vaBits}-bit VA)` };
}
export function cdHandle(c: LabCd): HandleValue {
  const owner = c.vm === null ? 'host ' : '';
  return { kind: 'handle', type: 'cd', id: c.id, label: `${owner}CD#${c.id} (ASID ${c.asid})` };
}

/** The fields of an event record value, for the docs (dma's `event.*` and smmu.last_event). */
export const EVENT_FIELDS: Readonly<Record<string, string>> = {
  name: 'the event\'s name, as SMMUv3 §7.3 spells it: "F_TRANSLATION", "C_BAD_STE"...',
  id: 'its number (F_TRANSLATION = 0x10)',
  sid: 'the StreamID of the transaction',
  stage: '1 or 2 for a translation fault (the record\'s S2 bit), 0 for any other event',
  class: 'translation faults: what was being translated: "CD" (the CD\'s address), "TT" (a stage-1 descriptor\'s address) or "IN" (the input); "" for other events',
  input: 'InputAddr: the address the device presented',
  ipa: 'stage-2 faults: the IPA that faulted (for CLASS TT, the stage-1 descriptor\'s); nothing otherwise. ' +
    'dev.dma gives it whole; a record read from the queue carries only IPA[51:12], so smmu.last_event\'s is page-aligned',
  recorded: 'whether the record went to the Event queue (CD.R or STE.S2R = 0 suppress it)',
};

/** An event record as a program sees it. */
export function eventValue(e: EventRecord): RecordValue {
  const translation = e.s2 !== undefined;
  return record('event', {
    name: e.name,
    id: BigInt(e.id),
    sid: BigInt(e.sid),
    stage: BigInt(translation ? (e.s2 ? 2 : 1) : 0),
    class: e.cls ?? '',
    input: e.input,
    ipa: e.ipa ?? null,
    recorded: e.recorded,
  });
}
