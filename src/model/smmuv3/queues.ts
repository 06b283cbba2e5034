// The Command queue and the Event queue: circular buffers in memory (SMMUv3 §3.5; primer §2.9).
//
// PROD and CONS hold an index in bits [QS-1:0] and a wrap flag at bit QS, QS = the base
// register's LOG2SIZE (§3.5.1, §6.3.27). Equal indexes with equal wrap flags: empty; equal
// indexes with different wrap flags: full; so all 2^QS slots are usable. Software produces
// commands and the SMMU consumes them; the SMMU produces event records and software consumes
// them. The SMMU reads and writes the queues' memory directly (untraced loads and stores);
// each command and record it handles is one trace event instead (smmu.cmd, smmu.evtq).

import { field, fieldBig } from '../bits';
import type { EvtqEvent } from '../trace';
import { CERROR, runCommand, type CmdWords } from './commands';
import { encodeEvent, EVT, type EventRecord } from './events';
import type { Smmu } from './smmu';

/** Entry sizes: a command is 16 bytes (§4.1.1), an event record 32 bytes (§7.3). */
export const CMDQ_ENT_BYTES = 16;
export const EVTQ_ENT_BYTES = 32;

/** The largest queues this SMMU supports, log2(entries): SMMU_IDR1.CMDQS and EVENTQS. 19 is
 *  the architectural maximum (§6.3.2), and QEMU's SMMU_CMDQS / SMMU_EVENTQS. */
export const CMDQS = 19;
export const EVENTQS = 19;

// ---- pointer arithmetic (§3.5.1) ----------------------------------------------------------

/** The index bits [QS-1:0] of a PROD or CONS value. */
export function qIndex(p: number, qs: number): number {
  return p & (2 ** qs - 1);
}

/** The wrap flag, bit QS. */
export function qWrap(p: number, qs: number): number {
  return (p >>> qs) & 1;
}

export function qEmpty(prod: number, cons: number, qs: number): boolean {
  return qIndex(prod, qs) === qIndex(cons, qs) && qWrap(prod, qs) === qWrap(cons, qs);
}

export function qFull(prod: number, cons: number, qs: number): boolean {
  return qIndex(prod, qs) === qIndex(cons, qs) && qWrap(prod, qs) !== qWrap(cons, qs);
}

/** The next slot: incrementing the (QS+1)-bit value carries out of the index into the wrap
 *  flag, which is exactly "wrap to 0 and toggle the wrap flag" (§3.5.1). With QS = 0 the queue
 *  has one entry and an increment only toggles the wrap flag (§6.3.27). */
export function qNext(p: number, qs: number): number {
  return (p + 1) & (2 ** (qs + 1) - 1);
}

/** The bits of PROD/CONS that exist: index and wrap ([19:QS+1] are RES0 or RAZ, §6.3.27-28). */
export function qMask(p: number, qs: number): number {
  return p & (2 ** (qs + 1) - 1);
}

// ---- base registers (SMMU_CMDQ_BASE §6.3.26, SMMU_EVENTQ_BASE §6.3.29) ---------------------

/** LOG2SIZE[4:0], capped at the SMMU's maximum for every use but readback. */
export function baseLog2Size(base: bigint, max: number): number {
  return Math.min(field(base, 4, 0), max);
}

/** ADDR[55:5], aligned to the larger of the queue size and 32 bytes (bits below ignored). */
export function baseAddr(base: bigint, qs: number, entryBytes: number): number {
  const addr = Number(fieldBig(base, 55, 5) << 5n);
  const align = Math.max(2 ** qs * entryBytes, 32);
  return addr - (addr % align);
}

// ---- the Command queue --------------------------------------------------------------------

/** What the Command queue needs from the rest of the register file. */
export interface CmdqControl {
  /** SMMU_CR0.CMDQEN. */
  enabled(): boolean;
  /** Whether SMMU_GERROR.CMDQ_ERR is active (differs from SMMU_GERRORN.CMDQ_ERR). */
  errorActive(): boolean;
  /** Activate SMMU_GERROR.CMDQ_ERR (§7.5: toggled only when inactive). */
  raiseError(): void;
}

export class CommandQueue {
  /** SMMU_CMDQ_BASE, as written. */
  base = 0n;
  /** SMMU_CMDQ_PROD.WR with its wrap flag, as written by software. */
  prod = 0;
  /** SMMU_CMDQ_CONS.RD with its wrap flag, and SMMU_CMDQ_CONS.ERR. */
  rd = 0;
  err: number = CERROR.NONE;

  constructor(private readonly smmu: Smmu, private readonly ctl: CmdqControl) {}

  get qs(): number {
    return baseLog2Size(this.base, CMDQS);
  }

  /** SMMU_CMDQ_CONS as software reads it: ERR[30:24], RD[19:0]. */
  get cons(): number {
    return ((this.err << 24) | qMask(this.rd, this.qs)) >>> 0;
  }

  /** Consume commands from CONS up to PROD, in order (§4.1.2): only with CMDQEN = 1 and no
   *  CMDQ_ERR active. An illegal command stops consumption with RD still on it, ERR = ILL
   *  and GERROR.CMDQ_ERR activated (§7.1); later commands have no effect. Returns how many
   *  commands were consumed. */
  process(): number {
    let n = 0;
    while (this.ctl.enabled() && !this.ctl.errorActive()) {
      const qs = this.qs;
      if (qEmpty(this.prod, this.rd, qs)) break;
      const i = qIndex(this.rd, qs);
      const addr = baseAddr(this.base, qs, CMDQ_ENT_BYTES) + CMDQ_ENT_BYTES * i;
      const c: CmdWords = [this.smmu.mem.load64(BigInt(addr)), this.smmu.mem.load64(BigInt(addr + 8))];
      if (runCommand(this.smmu, c, i) !== null) {
        this.err = CERROR.ILL;
        this.ctl.raiseError();
        break;
      }
      this.rd = qNext(this.rd, qs);
      n++;
    }
    return n;
  }
}

// ---- the Event queue ----------------------------------------------------------------------

/** What the Event queue needs from the rest of the register file. */
export interface EvtqControl {
  /** SMMU_CR0.EVENTQEN. */
  enabled(): boolean;
  /** SMMU_CR2.RECINVSID: whether C_BAD_STREAMID may be recorded (§6.3.12). */
  recInvSid(): boolean;
}

export class EventQueue {
  /** SMMU_EVENTQ_BASE, as written. */
  base = 0n;
  /** SMMU_EVENTQ_PROD.WR with its wrap flag, and OVFLG (bit 31). */
  wr = 0;
  ovflg = 0;
  /** SMMU_EVENTQ_CONS.RD with its wrap flag, and OVACKFLG (bit 31), as written by software. */
  rd = 0;
  ovackflg = 0;

  constructor(private readonly smmu: Smmu, private readonly ctl: EvtqControl) {}

  get qs(): number {
    return baseLog2Size(this.base, EVENTQS);
  }

  /** SMMU_EVENTQ_PROD as software reads it: OVFLG[31], WR[19:0]. */
  get prod(): number {
    return ((this.ovflg << 31) | qMask(this.wr, this.qs)) >>> 0;
  }

  /** SMMU_EVENTQ_CONS as software reads it: OVACKFLG[31], RD[19:0]. */
  get cons(): number {
    return ((this.ovackflg << 31) | qMask(this.rd, this.qs)) >>> 0;
  }

  /** Record an event (§7.2.1): written at PROD if the queue is writable (enabled and not full;
   *  no EVENTQ_ABT_ERR, since memory never aborts here), then PROD advances. A record that
   *  meets a full queue is discarded and OVFLG toggles unless an overflow is already
   *  unacknowledged (OVFLG != OVACKFLG, §7.4, §6.3.95); one meeting a disabled queue is
   *  discarded without overflow. Records suppressed by CD.R or STE.S2R (`recorded` false) and
   *  C_BAD_STREAMID with CR2.RECINVSID = 0 are not recorded at all. Returns whether written. */
  record(e: EventRecord): boolean {
    const why = this.notRecorded(e);
    if (why !== null) return this.traced({ type: 'smmu.evtq', record: e, written: false, why });
    const qs = this.qs;
    if (qFull(this.wr, this.rd, qs)) {
      if (this.ovflg === this.ovackflg) this.ovflg ^= 1;
      return this.traced({ type: 'smmu.evtq', record: e, written: false, why: 'the Event queue is full: discarded, overflow (§7.4)' });
    }
    const index = qIndex(this.wr, qs);
    const addr = baseAddr(this.base, qs, EVTQ_ENT_BYTES) + EVTQ_ENT_BYTES * index;
    encodeEvent(e).forEach((w, k) => this.smmu.mem.store64(BigInt(addr + 8 * k), w));
    this.wr = qNext(this.wr, qs);
    return this.traced({ type: 'smmu.evtq', record: e, written: true, index, addr });
  }

  /** Why a record is not even offered to the queue, or null. */
  private notRecorded(e: EventRecord): string | null {
    if (!e.recorded) return 'suppressed by CD.R = 0 or STE.S2R = 0';
    if (e.id === EVT.C_BAD_STREAMID && !this.ctl.recInvSid()) return 'C_BAD_STREAMID with SMMU_CR2.RECINVSID = 0';
    if (!this.ctl.enabled()) return 'SMMU_CR0.EVENTQEN = 0: discarded, no overflow (§7.4)';
    return null;
  }

  private traced(ev: EvtqEvent): boolean {
    this.smmu.trace?.push(ev);
    return ev.written;
  }
}
