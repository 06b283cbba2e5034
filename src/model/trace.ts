// The trace: everything the model does, as data. One discriminated union, grouped by source
// (as QEMU groups its trace-events); docs/trace.md documents every type.
// Physical and intermediate addresses are JS numbers (exact: every PA and IPA here is below
// 2^52); input addresses (IOVAs) are bigint because they are 64-bit.

import type { EventRecord } from './smmuv3/events';

/** What a fetch read: the names of the machine-image format's `accesses[].what`. */
export type FetchWhat = 'L1STD' | 'STE' | 'L1CD' | 'CD' | 'S1' | 'S2';

/** What a stage-2 walk translates in a nested walk: the CD or L1CD address, a stage-1
 *  descriptor's IPA (TT), or the final output IPA (IN). The names are the event record's CLASS. */
export type S2Purpose = 'CD' | 'TT' | 'IN';

// ---- model/mem -------------------------------------------------------------------------
export interface MemReadEvent { type: 'mem.read'; who: string; pa: bigint; value: bigint }
export interface MemWriteEvent { type: 'mem.write'; who: string; pa: bigint; value: bigint }

// ---- model/smmuv3: transactions and walks ----------------------------------------------
/** A transaction arrives at the SMMU. */
export interface TxnEvent {
  type: 'smmu.txn'; sid: number; ssid?: number; iova: bigint; rnw: boolean; pnu: boolean; ind: boolean;
}
/** One memory read made by the SMMU. `lo`/`hi` are the two halves of the (first) 64-bit word. */
export interface FetchEvent {
  type: 'smmu.fetch';
  what: FetchWhat;
  addr: number;
  lo: number;
  hi: number;
  /** S1 and S2: the level of the descriptor. */
  level?: number;
  /** S2 only: what the stage-2 walk is translating, and that IPA. */
  purpose?: S2Purpose;
  ipa?: number;
  /** S2 walks for a stage-1 descriptor (purpose TT): that descriptor's stage-1 level. */
  s1Level?: number;
  /** STE and CD fetches: all eight words. */
  words?: bigint[];
}
/** A TLB lookup. `kind` S1S2 is a combined (or stage-1-only) entry keyed by IOVA, S2 a
 *  stage-2 entry keyed by IPA. */
export interface TlbEvent {
  type: 'smmu.tlb'; hit: boolean; kind: 'S1S2' | 'S2'; vmid: number; asid: number; addr: number;
}
/** A configuration-cache lookup for an STE or a CD. */
export interface CfgEvent { type: 'smmu.cfg'; hit: boolean; what: 'STE' | 'CD'; sid: number; ssid?: number }
/** The end of a transaction: its output address or the event it raised (null: aborted
 *  silently, STE.Config = abort). `reads` counts every fetch, `walkReads` only S1 and S2
 *  descriptors. */
export interface DoneEvent {
  type: 'smmu.done'; ok: boolean; pa?: number; event?: EventRecord | null; reads: number; walkReads: number;
}

// ---- model/smmuv3: queues, commands, registers ------------------------------------------
/** The SMMU takes one command from the Command queue slot `index`. `error`: CERROR_ILL and why
 *  (the command is not consumed); `note`: what the model did not do and why (RES0 range fields,
 *  prefetch hints); `msi`: the 32-bit write a CMD_SYNC with CS = SIG_IRQ made. */
export interface CmdEvent {
  type: 'smmu.cmd'; index: number; opcode: number; name: string; dw0: bigint; dw1: bigint; error?: string;
  note?: string; msi?: { addr: number; data: number };
}
/** Entries an invalidation removed from the TLB or the configuration cache (each STE and each
 *  CD counts one), `by` the command's name. */
export interface InvEvent { type: 'smmu.inv'; cache: 'tlb' | 'cfg'; removed: number; by: string }
/** An event record offered to the Event queue: written at slot `index`, address `addr`, or not
 *  (`why`: suppressed, queue disabled, or full). */
export interface EvtqEvent {
  type: 'smmu.evtq'; record: EventRecord; written: boolean; index?: number; addr?: number; why?: string;
}
/** An MMIO access; `value` is what was read or written (32 or 64 bits); `note` says why a write
 *  was ignored, or what it set off. */
export interface RegEvent { type: 'smmu.reg'; name: string; offset: number; write: boolean; value: bigint; note?: string }

export type TraceEvent =
  | MemReadEvent | MemWriteEvent
  | TxnEvent | FetchEvent | TlbEvent | CfgEvent | DoneEvent
  | CmdEvent | InvEvent | EvtqEvent | RegEvent;

export type Trace = TraceEvent[];

/** The 64-bit value of a fetch event. */
export function fetchValue(e: FetchEvent): bigint {
  return (BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0);
}
