// The SMMUv3 translation path (SMMUv3 §3, §5, §7.3; primer §1.5-1.6, §2; the shape of QEMU's
// smmuv3_translate: decode the configuration, walk, then record the event once).
//
// The hot path is number-typed: translateN() takes the IOVA as two uint32 halves and leaves
// its result in `this.result`; translate() is the bigint API around it.

import { join64, POW2, TWO32 } from '../bits';
import type { PhysMem } from '../mem';
import type { FetchWhat, S2Purpose, Trace } from '../trace';
import { descMemAttr } from '../vmsa/descriptor';
import { ACC_INSTR, ACC_PRIV, ACC_WRITE, s1PermFault, s2PermFault } from '../vmsa/perm';
import {
  FAULT_ACCESS, FAULT_ADDR_SIZE, FAULT_IN_S2, FAULT_NONE, FAULT_PERMISSION, FAULT_TRANSLATION,
  walk, WalkOut, type Regime, type WalkEnv,
} from '../vmsa/walk';
import { decodeCd, type CdConfig, CD_WORDS } from './cd';
import { cdSplit, l1cdL2Ptr, l1cdValid, l1stdL2Ptr, l1stdSpan, type StrtabCfg } from './config';
import { EVT, eventName, type EventClass, type EventRecord } from './events';
import { decodeSte, type SteConfig, STE_WORDS } from './ste';
import { Tlb, tlbVa, type TlbEntry } from './tlb';

export interface Transaction {
  sid: number;
  /** Absent: the transaction has no SubstreamID. */
  ssid?: number;
  iova: bigint;
  access: 'read' | 'write';
  priv?: boolean;
  instr?: boolean;
}

export type TranslateResult =
  | { ok: true; pa: bigint }
  | { ok: false; event: EventRecord | null };

/** Where the stage-2 walk of a nested translation stands, for the trace and the event. */
const FAULT_EVT = [0, EVT.F_TRANSLATION, EVT.F_ADDR_SIZE, EVT.F_ACCESS, EVT.F_PERMISSION, EVT.F_WALK_EABT];

interface StreamCfg {
  ste: SteConfig;
  /** CDs fetched through this STE, by CD index. */
  cds: Map<number, CdConfig>;
}

export interface SmmuOptions {
  oas: number;
  /** Whether the TLB and the configuration cache are used. */
  cache: boolean;
}

export class Smmu implements WalkEnv {
  readonly mem: PhysMem;
  trace: Trace | null = null;
  readonly oas: number;
  cacheEnabled: boolean;
  /** Whether the TLB is used; it needs cacheEnabled too. Off, every transaction walks while the
   *  configuration cache still serves the STE and CD (the benchmark's full-walk figure). */
  tlbEnabled = true;
  strtab: StrtabCfg = { base: 0, log2size: 0, fmt: 'linear', split: 8 };
  readonly tlb = new Tlb();
  readonly cfgCache = new Map<number, StreamCfg>();

  /** The last translation's output (translateN). */
  readonly result = { ok: false, pa: 0, event: null as EventRecord | null };
  /** Reads made by the current transaction. */
  reads = 0;
  walkReads = 0;

  // ---- hooks for the register model (regs.ts) --------------------------------------------
  /** SMMU_CR0.SMMUEN and SMMU_GBPA.ABORT (SMMUv3 §6.3.9.6, §6.3.14). A bare Smmu is enabled, so
   *  machine images translate; SmmuRegisters sets both from its registers (at reset SMMUEN = 0). */
  smmuEn = true;
  gbpaAbort = false;
  /** Called with the event of every failed transaction that has one; the event queue
   *  (queues.ts) decides whether it is recorded (§7.2). */
  onEvent: ((e: EventRecord) => void) | null = null;

  // Per-transaction state read by the WalkEnv callbacks.
  private s2: Regime | null = null;
  private vmid = 0;
  private steCur: SteConfig | null = null;
  private curCd: CdConfig | null = null;
  private s2Purpose: S2Purpose = 'IN';
  private s2Ipa = 0;
  private s2ForLevel = -1;
  /** The stage-2 fault of the last failed s2Translate: code and IPA. */
  private s2FaultCode = FAULT_NONE;
  private s2FaultIpa = 0;
  /** The configuration-cache entry findSte found or made for this transaction (findCd's). */
  private cfgCur: StreamCfg | undefined = undefined;
  private readonly out1 = new WalkOut();
  private readonly out2 = new WalkOut();
  // The transaction being translated (for event records).
  private tSid = 0;
  private tSsid = -1;
  private tHi = 0;
  private tLo = 0;
  private tAcc = 0;

  constructor(mem: PhysMem, opts: SmmuOptions) {
    this.mem = mem;
    this.oas = opts.oas;
    this.cacheEnabled = opts.cache;
  }

  // ---- the bigint API ------------------------------------------------------------------

  translate(t: Transaction): TranslateResult {
    const acc = (t.access === 'write' ? ACC_WRITE : 0) | (t.priv ? ACC_PRIV : 0) |
      (t.instr && t.access === 'read' ? ACC_INSTR : 0);
    const iova = BigInt.asUintN(64, t.iova);
    const ok = this.translateN(t.sid, t.ssid ?? -1, Number(iova >> 32n), Number(iova & 0xffffffffn), acc);
    return ok ? { ok: true, pa: BigInt(this.result.pa) } : { ok: false, event: this.result.event };
  }

  // ---- the number-typed path -------------------------------------------------------------

  /** Translate one transaction. ssid = -1: no SubstreamID. `acc` is ACC_* bits. */
  translateN(sid: number, ssid: number, vaHi: number, vaLo: number, acc: number): boolean {
    if ((acc & ACC_WRITE) !== 0) acc &= ~ACC_INSTR;             // writes are data: InD = 0 when RnW = 0 (§7.3)
    this.tSid = sid; this.tSsid = ssid; this.tHi = vaHi >>> 0; this.tLo = vaLo >>> 0; this.tAcc = acc;
    this.reads = 0;
    this.walkReads = 0;
    const trace = this.trace;
    if (trace !== null) {
      trace.push({
        type: 'smmu.txn', sid, ssid: ssid < 0 ? undefined : ssid, iova: join64(vaLo, vaHi),
        rnw: (acc & ACC_WRITE) === 0, pnu: (acc & ACC_PRIV) !== 0, ind: (acc & ACC_INSTR) !== 0,
      });
    }
    const ok = this.translateInner(sid, ssid, this.tHi, this.tLo, acc);
    if (trace !== null) {
      trace.push({
        type: 'smmu.done', ok, pa: ok ? this.result.pa : undefined, event: ok ? undefined : this.result.event,
        reads: this.reads, walkReads: this.walkReads,
      });
    }
    if (!ok && this.result.event !== null) this.onEvent?.(this.result.event);
    return ok;
  }

  private translateInner(sid: number, ssid: number, vaHi: number, vaLo: number, acc: number): boolean {
    const res = this.result;
    res.ok = false;
    res.event = null;
    this.steCur = null;
    this.curCd = null;
    this.s2 = null;
    // 0. SMMU_CR0.SMMUEN = 0: no configuration, no translation, no event. GBPA.ABORT aborts;
    //    otherwise the input address is the PA, and one beyond the OAS aborts (§3.4, §6.3.9.6).
    if (!this.smmuEn) {
      if (this.gbpaAbort || vaHi >= 2 ** (this.oas - 32)) return false;
      res.ok = true;
      res.pa = vaHi * TWO32 + vaLo;
      return true;
    }
    // 1. Configuration: STE.
    const ste = this.findSte(sid);
    if (ste === null) return false;
    this.steCur = ste;
    // STE.PRIVCFG / INSTCFG override the incoming attributes (0b10: unprivileged/data,
    // 0b11: privileged/instruction; 0b0x: use incoming). INSTCFG affects reads only.
    if (ste.privCfg === 2) acc &= ~ACC_PRIV; else if (ste.privCfg === 3) acc |= ACC_PRIV;
    if ((acc & ACC_WRITE) === 0) { if (ste.instCfg === 2) acc &= ~ACC_INSTR; else if (ste.instCfg === 3) acc |= ACC_INSTR; }
    this.tAcc = acc;                                            // records carry the overridden PnU/InD (§7.3.16)
    if (ste.kind === 'abort') return false;                    // no event (Config = abort)
    if (ssid >= 0 && !ste.s1) return this.configFault(EVT.C_BAD_SUBSTREAMID, 'a SubstreamID on an STE with stage 1 disabled');
    this.s2 = ste.s2Regime;
    this.vmid = ste.vmid;
    const va48 = (vaHi & 0xffff) * TWO32 + vaLo;
    // Stage 1 bypassed: the input must fit the IAS (= OAS here), else stage-1 F_ADDR_SIZE.
    if (!ste.s1) return this.afterStage1Bypass(vaHi, va48, acc);
    // 2. Configuration: CD (SubstreamID selection, S1DSS).
    let cdIndex: number;
    if (ssid >= 0) {
      if (ste.s1CdMax === 0) return this.configFault(EVT.C_BAD_SUBSTREAMID, 'a SubstreamID but S1CDMax = 0 (substreams disabled)');
      if (ssid >= 2 ** ste.s1CdMax) return this.configFault(EVT.C_BAD_SUBSTREAMID, `SubstreamID ${ssid} >= 2^S1CDMax (${2 ** ste.s1CdMax})`);
      if (ssid === 0 && ste.s1Dss === 2) return this.configFault(EVT.F_STREAM_DISABLED, 'SubstreamID 0 is reserved for no-SubstreamID traffic (S1DSS = 0b10)');
      cdIndex = ssid;
    } else if (ste.s1CdMax === 0) {
      cdIndex = 0;
    } else if (ste.s1Dss === 0) {
      return this.configFault(EVT.F_STREAM_DISABLED, 'no SubstreamID and S1DSS = 0b00 (terminate)');
    } else if (ste.s1Dss === 1) {
      return this.afterStage1Bypass(vaHi, va48, acc);          // S1DSS = 0b01: bypass stage 1
    } else {
      cdIndex = 0;                                              // S1DSS = 0b10: CD 0
    }
    const cd = this.findCd(sid, ste, cdIndex);
    if (cd === null) return false;
    this.curCd = cd;
    // 3. Stage 1: input checks (TTB0/TTB1 selection, TxSZ, EPDx) before any stage-2 walk.
    const x = (vaHi >>> 23) & 1;                                // VA[55] selects TTB0 or TTB1
    const top = cd.tbi[x] ? 55 : 63;
    if (!bitsAllEqual(vaHi, vaLo, 64 - cd.txsz[x], top, x)) return this.s1Fault(FAULT_TRANSLATION);
    // 4. TLB. (EPDx only forbids walks: a TLB hit in that half still translates.)
    const asid = cd.asid;
    if (this.cacheEnabled && this.tlbEnabled) {
      const e = this.tlb.lookupS1(this.vmid, asid, tlbVa(va48, x), cd.aset);
      this.trace?.push({ type: 'smmu.tlb', hit: e !== undefined, kind: 'S1S2', vmid: this.vmid, asid, addr: va48 });
      if (e !== undefined) return this.fromTlb(e, tlbVa(va48, x), acc, cd);
    }
    const r1 = cd.tt[x];
    if (r1 === null) return this.s1Fault(FAULT_TRANSLATION);    // EPDx = 1
    // 5. The stage-1 walk; when nested, each descriptor's IPA goes through stage 2 first.
    const nested = this.s2 !== null;
    const o1 = this.out1;
    if (!walk(this, r1, va48, nested, o1)) {
      if (o1.fault === FAULT_IN_S2) return this.s2Fault('TT', this.s2FaultIpa);
      return this.s1Fault(o1.fault);
    }
    if (s1PermFault(o1.lo, o1.hi, o1.apTable, o1.pxnTable, o1.uxnTable, acc, cd)) return this.s1Fault(FAULT_PERMISSION);
    const ipa = o1.oa;
    // 6. Stage 2 on the output IPA.
    let pa = ipa;
    let shift = o1.blockShift;
    let s2lo = 0, s2hi = 0;
    if (nested) {
      pa = this.s2Translate(ipa, 'IN', -1, acc);
      if (pa < 0) return this.s2Fault('IN', ipa);
      shift = Math.min(shift, this.s2LastShift);
      s2lo = this.s2LastLo; s2hi = this.s2LastHi;
    }
    if (this.cacheEnabled && this.tlbEnabled) {
      const size = POW2[shift];
      this.tlb.insert({
        kind: 'S1S2', vmid: this.vmid, asid: (o1.lo & 0x800) !== 0 ? asid : -1, aset: cd.aset,
        base: tlbVa(va48, x) - (va48 % size), shift, out: pa - (pa % size), ipa: ipa - (ipa % size),
        s1: true, s1lo: o1.lo, s1hi: o1.hi, apTable: o1.apTable, pxnTable: o1.pxnTable, uxnTable: o1.uxnTable,
        s2: nested, s2lo, s2hi,
      });
    }
    res.ok = true;
    res.pa = pa;
    return true;
  }

  /** Stage 1 bypassed (STE bypass, stage-2-only, or S1DSS = 0b01): IAS check, then stage 2. */
  private afterStage1Bypass(vaHi: number, va48: number, acc: number): boolean {
    if (vaHi >= 2 ** (this.oas - 32)) return this.s1Fault(FAULT_ADDR_SIZE, true);
    let pa = va48;
    if (this.s2 !== null) {
      pa = this.s2Translate(va48, 'IN', -1, acc);
      if (pa < 0) return this.s2Fault('IN', va48);
    }
    this.result.ok = true;
    this.result.pa = pa;
    return true;
  }

  /** A TLB hit: re-check permissions against the cached leaves (stage 1 first, D8.4.3). */
  private fromTlb(e: TlbEntry, va48: number, acc: number, cd: CdConfig): boolean {
    if (s1PermFault(e.s1lo, e.s1hi, e.apTable, e.pxnTable, e.uxnTable, acc, cd)) return this.s1Fault(FAULT_PERMISSION);
    if (e.s2 && s2PermFault(e.s2lo, e.s2hi, acc)) {
      this.s2FaultCode = FAULT_PERMISSION;
      return this.s2Fault('IN', e.ipa + (va48 - e.base));
    }
    this.result.ok = true;
    this.result.pa = e.out + (va48 - e.base);
    return true;
  }

  // ---- stage 2 ---------------------------------------------------------------------------

  private s2LastShift = 0;
  private s2LastLo = 0;
  private s2LastHi = 0;

  /** Translate an IPA through the current STE's stage 2 for `purpose`; -1 on a fault (code
   *  in s2FaultCode). Walk accesses (CD, TT) are data reads; S2PTW applies to them. */
  s2Translate(ipa: number, purpose: S2Purpose, s1Level: number, acc: number): number {
    const r = this.s2 as Regime;
    if (ipa >= POW2[r.inputBits]) { this.s2FaultCode = FAULT_TRANSLATION; this.s2FaultIpa = ipa; return -1; }
    if (this.cacheEnabled && this.tlbEnabled) {
      const e = this.tlb.lookupS2(this.vmid, ipa);
      this.trace?.push({ type: 'smmu.tlb', hit: e !== undefined, kind: 'S2', vmid: this.vmid, asid: -1, addr: ipa });
      if (e !== undefined) {
        if (this.s2Denied(e.s2lo, e.s2hi, purpose, acc)) { this.s2FaultCode = FAULT_PERMISSION; this.s2FaultIpa = ipa; return -1; }
        this.s2LastShift = e.shift; this.s2LastLo = e.s2lo; this.s2LastHi = e.s2hi;
        return e.out + (ipa - e.base);
      }
    }
    this.s2Purpose = purpose;
    this.s2Ipa = ipa;
    this.s2ForLevel = s1Level;
    const o = this.out2;
    if (!walk(this, r, ipa, false, o)) { this.s2FaultCode = o.fault; this.s2FaultIpa = ipa; return -1; }
    if (this.s2Denied(o.lo, o.hi, purpose, acc)) { this.s2FaultCode = FAULT_PERMISSION; this.s2FaultIpa = ipa; return -1; }
    this.s2LastShift = o.blockShift; this.s2LastLo = o.lo; this.s2LastHi = o.hi;
    if (this.cacheEnabled && this.tlbEnabled) {
      const size = POW2[o.blockShift];
      this.tlb.insert({
        kind: 'S2', vmid: this.vmid, asid: -1, base: ipa - (ipa % size), shift: o.blockShift, out: o.oa - (o.oa % size), ipa: ipa - (ipa % size),
        s1: false, s1lo: 0, s1hi: 0, apTable: 0, pxnTable: 0, uxnTable: 0, s2: true, s2lo: o.lo, s2hi: o.hi,
      });
    }
    return o.oa;
  }

  /** S2AP/XN for the access; for the SMMU's own walk and CD fetches, S2PTW forbids Device
   *  memory (MemAttr[3:2] = 0b00, S2FWB = 0). */
  private s2Denied(lo: number, hi: number, purpose: S2Purpose, acc: number): boolean {
    if (purpose !== 'IN') {
      if (this.steCur !== null && this.steCur.s2ptw && (descMemAttr(lo) & 0xc) === 0) return true;
      return s2PermFault(lo, hi, 0);
    }
    return s2PermFault(lo, hi, acc);
  }

  /** WalkEnv: a nested stage-1 descriptor's IPA to its PA. */
  descToPa(ipa: number, s1Level: number): number {
    return this.s2Translate(ipa, 'TT', s1Level, 0);
  }

  /** WalkEnv: count and trace every descriptor read. */
  onFetch(r: Regime, pa: number, lo: number, hi: number, level: number, ipa: number): void {
    this.reads++;
    // The 2D walk's reads: stage 1, and stage 2 for stage-1 descriptors and the output IPA
    // (not for the CD fetch, which precedes the walk).
    if (r.stage === 1 || this.s2Purpose !== 'CD') this.walkReads++;
    const trace = this.trace;
    if (trace === null) return;
    if (r.stage === 1) {
      trace.push({ type: 'smmu.fetch', what: 'S1', addr: pa, lo, hi, level, purpose: undefined, ipa: this.s2 !== null ? ipa : undefined, s1Level: undefined });
    } else {
      trace.push({
        type: 'smmu.fetch', what: 'S2', addr: pa, lo, hi, level, purpose: this.s2Purpose, ipa: this.s2Ipa,
        s1Level: this.s2ForLevel >= 0 ? this.s2ForLevel : undefined,
      });
    }
  }

  // ---- configuration ---------------------------------------------------------------------

  /** Read `n` words of a structure at `pa`, counted and traced as one access. */
  private fetchStruct(what: FetchWhat, pa: number, n: number, ipa?: number): bigint[] {
    const w: bigint[] = [];
    for (let i = 0; i < n; i++) w.push(this.mem.load64(BigInt(pa + 8 * i)));
    this.reads++;
    const v = w[0];
    this.trace?.push({ type: 'smmu.fetch', what, addr: pa, lo: Number(v & 0xffffffffn), hi: Number(v >> 32n), ipa, words: w });
    return w;
  }

  /** StreamID -> decoded STE, through the configuration cache. */
  private findSte(sid: number): SteConfig | null {
    if (this.cacheEnabled) {
      const c = this.cfgCache.get(sid);
      this.cfgCur = c;
      this.trace?.push({ type: 'smmu.cfg', hit: c !== undefined, what: 'STE', sid });
      if (c !== undefined) return c.ste;
    }
    const st = this.strtab;
    if (sid >= 2 ** st.log2size) return this.configFault(EVT.C_BAD_STREAMID, `StreamID ${sid} >= 2^LOG2SIZE (${2 ** st.log2size})`), null;
    let steAddr: number;
    if (st.fmt === 'linear') {
      steAddr = st.base + 64 * sid;
    } else {
      const l1Addr = st.base + 8 * Math.floor(sid / 2 ** st.split);
      const l1 = this.fetchStruct('L1STD', l1Addr, 1)[0];
      const lo = Number(l1 & 0xffffffffn), hi = Number(l1 >> 32n);
      const span = l1stdSpan(lo);
      const low = sid % 2 ** st.split;
      if (span === 0) return this.configFault(EVT.C_BAD_STREAMID, 'the L1STD is invalid (Span = 0)'), null;
      if (span > 11 || span > st.split + 1) return this.configFault(EVT.C_BAD_STREAMID, `the L1STD's Span = ${span} is reserved or beyond SPLIT + 1`), null;
      if (low >= 2 ** (span - 1)) return this.configFault(EVT.C_BAD_STREAMID, `StreamID ${sid} is beyond the L1STD's span (${2 ** (span - 1)} STEs)`), null;
      const l2 = l1stdL2Ptr(lo, hi);
      steAddr = l2 - (l2 % 2 ** (5 + span)) + 64 * low;            // L2Ptr[5+Span-1:0] treated as 0
    }
    const words = this.fetchStruct('STE', steAddr, STE_WORDS);
    const d = decodeSte(words, this.oas);
    if (!d.ok) return this.configFault(EVT.C_BAD_STE, d.why), null;
    if (this.cacheEnabled) this.cfgCache.set(sid, (this.cfgCur = { ste: d.ste, cds: new Map() }));
    return d.ste;
  }

  /** CD number `index` of an STE: linear or 2-level CD table; its address (and an L1CD's) is an
   *  IPA when stage 2 is on, so stage 2 translates it first (CLASS = CD). */
  private findCd(sid: number, ste: SteConfig, index: number): CdConfig | null {
    const cached = this.cacheEnabled ? this.cfgCur : undefined;
    if (cached !== undefined) {
      const c = cached.cds.get(index);
      this.trace?.push({ type: 'smmu.cfg', hit: c !== undefined, what: 'CD', sid, ssid: this.tSsid < 0 ? undefined : this.tSsid });
      if (c !== undefined) return c;
    }
    let cdIpa: number;
    if (ste.s1Fmt === 0 || ste.s1CdMax === 0) {
      cdIpa = ste.s1ContextPtr + 64 * index;
    } else {
      const split = cdSplit(ste.s1Fmt);
      const l1Ipa = ste.s1ContextPtr + 8 * Math.floor(index / 2 ** split);
      const l1Pa = this.structToPa(l1Ipa);
      if (l1Pa < 0) return this.s2Fault('CD', l1Ipa), null;
      const l1 = this.fetchStruct('L1CD', l1Pa, 1, this.s2 !== null ? l1Ipa : undefined)[0];
      const lo = Number(l1 & 0xffffffffn), hi = Number(l1 >> 32n);
      if (!l1cdValid(lo)) return this.configFault(EVT.C_BAD_SUBSTREAMID, 'the L1CD is invalid (V = 0)'), null;
      const l2 = l1cdL2Ptr(lo, hi);
      if (l2 >= 2 ** this.oas) return this.configFault(EVT.C_BAD_SUBSTREAMID, `the L1CD's L2Ptr 0x${l2.toString(16)} is beyond the ${this.s2 ? 'IAS' : 'OAS'}`), null;
      cdIpa = l2 + 64 * (index % 2 ** split);
    }
    const cdPa = this.structToPa(cdIpa);
    if (cdPa < 0) return this.s2Fault('CD', cdIpa), null;
    const words = this.fetchStruct('CD', cdPa, CD_WORDS, this.s2 !== null ? cdIpa : undefined);
    const d = decodeCd(words, this.oas);
    if (!d.ok) return this.configFault(EVT.C_BAD_CD, d.why), null;
    if (cached !== undefined) cached.cds.set(index, d.cd);
    return d.cd;
  }

  /** A CD or L1CD address: an IPA through stage 2 when it is on, else a PA. */
  private structToPa(addr: number): number {
    return this.s2 === null ? addr : this.s2Translate(addr, 'CD', -1, 0);
  }

  // ---- events ----------------------------------------------------------------------------

  private baseRecord(id: number): EventRecord {
    const acc = this.tAcc;
    return {
      id, name: eventName(id), sid: this.tSid, ssv: this.tSsid >= 0, ssid: this.tSsid < 0 ? 0 : this.tSsid,
      rnw: (acc & ACC_WRITE) === 0, pnu: (acc & ACC_PRIV) !== 0, ind: (acc & ACC_INSTR) !== 0,
      input: join64(this.tLo, this.tHi), recorded: true,
    };
  }

  /** A configuration error or stream-level event (always recorded). */
  private configFault(id: number, why: string): false {
    const e = this.baseRecord(id);
    e.why = why;
    return this.raise(e);
  }

  /** A stage-1 translation-class fault: S2 = 0, CLASS = IN; recorded only if CD.R = 1. */
  private s1Fault(code: number, bypassed = false): false {
    const e = this.baseRecord(FAULT_EVT[code]);
    e.s2 = false;
    e.cls = 'IN';
    // With stage 1 bypassed there is no CD: the F_ADDR_SIZE for input > IAS is recorded.
    e.recorded = bypassed ? true : this.curCdR();
    return this.raise(e);
  }

  /** A stage-2 fault (code in s2FaultCode) while translating `ipa` for `cls`; needs STE.S2R. */
  private s2Fault(cls: EventClass, ipa: number): false {
    const e = this.baseRecord(FAULT_EVT[this.s2FaultCode]);
    e.s2 = true;
    e.cls = cls;
    e.ipa = BigInt(cls === 'IN' ? ipa : this.s2FaultIpa);
    if (cls !== 'IN') e.ttrnw = true;                         // walk and CD fetches are reads
    e.recorded = this.steCur?.s2r ?? true;
    return this.raise(e);
  }

  private curCdR(): boolean {
    return this.curCd?.r ?? true;
  }

  private raise(e: EventRecord): false {
    this.result.ok = false;
    this.result.event = e;
    return false;
  }
}

/** Whether bits [top:low] of the 64-bit value (hi, lo) all equal `v` (0 or 1); true when
 *  low > top. One mask test per 32-bit half (this runs on every transaction, TLB hits too). */
function bitsAllEqual(hi: number, lo: number, low: number, top: number, v: number): boolean {
  const want = v === 0 ? 0 : -1;
  if (low <= top && low < 32 && ((lo ^ want) & maskBits(low, top < 31 ? top : 31)) !== 0) return false;
  if (low <= top && top >= 32 && ((hi ^ want) & maskBits(low > 32 ? low - 32 : 0, top - 32)) !== 0) return false;
  return true;
}

/** The 32-bit mask of bits [t:l], 0 <= l <= t <= 31. */
function maskBits(l: number, t: number): number {
  return ((-1 >>> (31 - t)) >>> l) << l;
}
