// The trace: everything the model does, as data. One discriminated union, grouped by source
// (as QEMU groups its trace-events); docs/trace.md documents every type.
// Physical and intermediate addresses are JS numbers (exact: every PA and IPA here is below
// 2^52); input addresses (IOVAs) are bigint because they are 64-bit.

import type { EventRecord } from './smmuv3/events';
import type { HostCallRecord } from './vfio/calls';

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

// ---- model/its: the GICv3 ITS (docs/trace.md "model/its") --------------------------------

/** A Device Table, ITT or Collection Table entry as the ITS read or wrote it. The architecture
 *  leaves these formats IMPLEMENTATION DEFINED; the model uses QEMU's (src/model/its/tables.ts). */
export type ItsEntry =
  | { table: 'DTE'; deviceId: number; valid: boolean; size: number; ittAddr: number }
  | { table: 'ITE'; deviceId: number; eventId: number; valid: boolean; physical: boolean; intid: number; icid: number }
  | { table: 'CTE'; icid: number; valid: boolean; rdbase: number };

/** Why the ITS dropped an interrupt: each step of the lookup chain that can fail (QEMU
 *  lookup_ite/lookup_cte order), DISABLED (GITS_CTLR.Enabled = 0) before it, and
 *  PHYSICALID_OOR after it (an ITE's INTID that is no LPI: the Redistributor ignores it). */
export type ItsDropReason =
  | 'DISABLED' | 'DEVICE_OOR' | 'UNMAPPED_DEVICE' | 'ID_OOR' | 'UNMAPPED_INTERRUPT' | 'VIRTUAL_INTERRUPT'
  | 'COLLECTION_OOR' | 'UNMAPPED_COLLECTION' | 'TARGET_OOR' | 'PHYSICALID_OOR';

/** A dropped interrupt: the reason, why in words, and the error a GIC-600 records for the same
 *  translation error (`error`, `code`: its INT command codes), where a source gives one. */
export interface ItsDrop { reason: ItsDropReason; why: string; error?: string; code?: number }

/** One MMIO access to the ITS (`offset` from its base; the translation frame starts at 0x10000).
 *  `note`: why a write was ignored, or what it set off. */
export interface ItsRegEvent { type: 'its.reg'; name: string; offset: number; write: boolean; value: bigint; note?: string }
/** The ITS takes one 32-byte command from its command queue, at byte `offset` from GITS_CBASER.
 *  `error` and `code`: the command error (the command is then ignored, as QEMU does); `note`:
 *  what the model did not do and why. */
export interface ItsCmdEvent {
  type: 'its.cmd'; offset: number; opcode: number; name: string; words: bigint[]; error?: string; code?: number; note?: string;
}
/** The ITS reads or writes one table entry in memory (`raw`: 8 bytes, or 12 for an ITE). */
export interface ItsTableEvent { type: 'its.table'; write: boolean; addr: number; raw: bigint; entry: ItsEntry }
/** A write reaches GITS_TRANSLATER: an MSI from `deviceId` carrying `eventId` (a 16-bit write's
 *  upper half reads as zero). */
export interface ItsMsiEvent { type: 'its.msi'; addr: number; deviceId: number; eventId: number; size: 2 | 4 }
/** An LPI's pending state at a Redistributor (`target`, its processor number) changes: set by a
 *  translation or INT, cleared by CLEAR or DISCARD, moved from `from` by MOVI or MOVALL. `was`:
 *  whether it was already pending there. */
export interface ItsLpiEvent {
  type: 'its.lpi'; op: 'set' | 'clear' | 'move'; intid: number; target: number; from?: number; was: boolean; by: string;
}
/** The end of a GITS_TRANSLATER write: the LPI, its collection and target, or the drop. */
export interface ItsDoneEvent {
  type: 'its.done'; deviceId: number; eventId: number; ok: boolean; intid?: number; icid?: number; target?: number; drop?: ItsDrop;
}

/** The ITS's events (members of TraceEvent; the ITS writes to an ItsTraceSink, which a Trace is). */
export type ItsEvent = ItsRegEvent | ItsCmdEvent | ItsTableEvent | ItsMsiEvent | ItsLpiEvent | ItsDoneEvent;

export interface ItsTraceSink { push(...events: ItsEvent[]): number }

// ---- model/vfio: the host side ------------------------------------------------------------
/** A system call a program made to the host kernel (open, close, an ioctl, mmap, a sysfs read)
 *  and the kernel's answer: a refusal is a result (`record.result.errno`), with `where` and `why`. */
export interface HostCallEvent { type: 'host.call'; record: HostCallRecord }

// ---- model/host: the device side of the host composition (docs/trace.md "model/host") -----

/** The device starts a DMA of `len` bytes at bus address `iova` (after its own address clamp),
 *  StreamID/RID `sid`; the SMMU's (or the VT-d page table's) answer follows. */
export interface DevDmaEvent { type: 'dev.dma'; bdf: string; sid: number; iova: bigint; len: number; write: boolean }
/** The device emits an MSI: a 32-bit write of `data` to `addr`, as its MSI capability holds them. */
export interface DevMsiEvent { type: 'dev.msi'; bdf: string; sid: number; addr: bigint; data: number }
/** An eventfd is signalled (eventfd_signal()): `count` is its counter after. */
export interface MsiSignalEvent { type: 'msi.signal'; fd: number; count: number }
/** x86: a write into 0xfee00000-0xfeefffff taken by interrupt remapping: delivered or why not. */
export interface IrMsiEvent { type: 'ir.msi'; addr: bigint; data: number; ok: boolean; why?: string }

export type HostDevEvent = DevDmaEvent | DevMsiEvent | MsiSignalEvent | IrMsiEvent;

export type TraceEvent =
  | MemReadEvent | MemWriteEvent
  | HostCallEvent
  | TxnEvent | FetchEvent | TlbEvent | CfgEvent | DoneEvent
  | CmdEvent | InvEvent | EvtqEvent | RegEvent
  | ItsEvent
  | HostDevEvent;

export type Trace = TraceEvent[];

/** The 64-bit value of a fetch event. */
export function fetchValue(e: FetchEvent): bigint {
  return (BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0);
}
