// The MSI-journey view's model (shared/VIEWS.md "MSI journey"): the last MSI the program raised,
// as hops from the device to the interrupt, each with what it looked up and what it handed on,
// stopping in red at the hop that failed. Built from the trace slice that starts at the MSI's
// `dev.msi` event (docs/trace.md):
//
//   Arm:  dev.msi -> smmu.txn, smmu.cfg/tlb/fetch ..., smmu.done (stage 1, stage 2: the doorbell
//         IOVA becomes the ITS's GITS_TRANSLATER PA, or an event) -> its.msi, its.table (DTE,
//         ITE, CTE), its.lpi, its.done (DeviceID + EventID -> LPI at a Redistributor, or a drop)
//         -> msi.signal (VFIO's eventfd, when the host forwards the interrupt).
//   x86:  dev.msi -> ir.msi (0xfee0_0000-0xfeef_ffff is never DMA-remapped: interrupt remapping
//         decides) -> msi.signal.
//
// Primer smmuv3-nested-msi.md §5.1 (the ITS lookup chain), §5.2-5.3 (the doorbell mapped in the
// IOMMU), §5.4 (x86). Pure: reads events (and, for a configuration-cache hit, the STE the machine
// caches), changes nothing. Hex through hexGrouped only.

import { hexGrouped } from '../../model/bits';
import type { SteConfig } from '../../model/smmuv3/ste';
import type { EventRecord } from '../../model/smmuv3/events';
import type { DoneEvent, FetchEvent, ItsDoneEvent, ItsLpiEvent, ItsMsiEvent, TlbEvent, TraceEvent, TxnEvent } from '../../model/trace';
import { decodeSte } from '../../model/smmuv3/ste';
import { decodeIrAddress, inIrWindow } from '../../model/host/vtd-ir';
import type { LabMachine } from '../../model/lab/machine';
import type { ModelInput } from './index';

// ---- the MSI trace events (docs/trace.md; added to model/trace.ts with exactly these fields) ----

/** A device raises an MSI: a write of `data` to `addr` (an IOVA on Arm), from StreamID `sid`. */
export interface DevMsiEvent { type: 'dev.msi'; bdf: string; sid: number; addr: bigint; data: number }
/** The host's interrupt handler signals the eventfd VFIO_DEVICE_SET_IRQS attached. */
export interface MsiSignalEvent { type: 'msi.signal'; fd: number; count: number }
/** x86: interrupt remapping takes a write to the interrupt window (never DMA-translated). */
export interface IrMsiEvent { type: 'ir.msi'; addr: bigint | number; data: number; ok: boolean; why?: string }

/** What this model reads: the trace's events and the three MSI events. */
export type MsiTraceEvent = TraceEvent | DevMsiEvent | MsiSignalEvent | IrMsiEvent;

// ---- the model ------------------------------------------------------------------------------

export type MsiHopId = 'device' | 'smmu' | 's1' | 's2' | 'its' | 'lpi' | 'target' | 'dmar' | 'ir' | 'vector';

/** done: passed; active: under way (stepping inside the walk); fault: the journey stopped here;
 *  bypass: not translated (x86's interrupt window, an STE in bypass); pending: not reached yet;
 *  unreached: after the fault. */
export type MsiHopState = 'done' | 'active' | 'fault' | 'bypass' | 'pending' | 'unreached';

export interface MsiHopVM {
  id: MsiHopId;
  title: string;
  /** Who owns it (the colour): the device, the guest (a nested stage 1), the host (stage 2, a
   *  host stage-1 domain, the eventfd), or hardware (the ITS, interrupt remapping). */
  owner: 'device' | 'guest' | 'host' | 'hw';
  state: MsiHopState;
  /** What it looked up, one line each ("DTE of DeviceID 0x10: ITT at 0x4_1000_0000"). */
  lookup: string[];
  /** What it hands on, with its address space ("IPA 0x808_0040"), or null. */
  out: string | null;
  /** Where it stopped: the SMMU event (name and number) or the ITS drop reason, and why. */
  fault: { name: string; code: string; text: string } | null;
}

export interface MsiJourneyVM {
  arch: 'arm' | 'x86';
  /** The step that raised it, and whether that is the position's step. */
  step: number;
  current: boolean;
  bdf: string;
  /** "0x10" */
  sid: string;
  /** The MSI address (an IOVA on Arm) and data (the EventID on Arm). */
  addr: string;
  data: string;
  hops: MsiHopVM[];
  outcome: 'delivered' | 'faulted' | 'dropped' | 'lost' | 'in-flight';
  /** One sentence for the view's heading and the hover. */
  summary: string;
}

/** Where the model finds the last MSI: the worker passes the slice (view.ts); without it, the
 *  position's own events. */
export interface MsiSlice {
  step: number;
  events: readonly TraceEvent[];
  current: boolean;
}

export function buildMsiJourney(input: ModelInput): MsiJourneyVM | null {
  const slice: MsiSlice | null = input.lastMsi ?? (input.position.step > 0
    ? { step: input.position.step, events: input.events, current: true } : null);
  if (slice === null) return null;
  const m = input.machine;
  return buildMsiFromEvents(slice, (sid) => steFor(m, sid), m.smmu?.oas ?? 48);
}

/** The journey of the last `dev.msi` in `slice.events`; null if there is none. `steOf` gives the
 *  stream's STE when the trace has no STE fetch (a configuration-cache hit). */
export function buildMsiFromEvents(
  slice: MsiSlice, steOf: (sid: number) => SteConfig | null = () => null, oas = 48,
): MsiJourneyVM | null {
  const ev = slice.events as readonly MsiTraceEvent[];
  let start = -1;
  for (let i = ev.length - 1; i >= 0; i--) if (ev[i].type === 'dev.msi') { start = i; break; }
  if (start < 0) return null;
  const msi = ev[start] as DevMsiEvent;
  const rest = ev.slice(start + 1);
  const b = new JourneyBuilder(msi, rest, steOf, oas);
  const { hops, outcome, summary, arch } = b.build();
  return {
    arch, step: slice.step, current: slice.current, bdf: msi.bdf, sid: hexGrouped(msi.sid),
    addr: hexGrouped(BigInt.asUintN(64, BigInt(msi.addr))), data: hexGrouped(msi.data >>> 0),
    hops, outcome, summary,
  };
}

/** The STE the SMMU uses for `sid`: the configuration cache's, else memory's (decoded). */
function steFor(m: LabMachine, sid: number): SteConfig | null {
  const cached = m.smmu?.cfgCache?.get(sid);
  if (cached !== undefined) return cached.ste;
  try {
    const base = m.steAddr(sid);
    const words = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => m.mem.load64(BigInt(base + 8 * i)));
    const d = decodeSte(words, m.smmu.oas);
    return d.ok ? d.ste : null;
  } catch {
    return null;
  }
}

// ---- the builder ----------------------------------------------------------------------------

type Find<T extends MsiTraceEvent['type']> = Extract<MsiTraceEvent, { type: T }>;

class JourneyBuilder {
  constructor(
    private readonly msi: DevMsiEvent,
    private readonly ev: readonly MsiTraceEvent[],
    private readonly steOf: (sid: number) => SteConfig | null,
    private readonly oas: number,
  ) {}

  private first<T extends MsiTraceEvent['type']>(type: T, from = 0, to = this.ev.length): Find<T> | undefined {
    for (let i = from; i < to; i++) if (this.ev[i].type === type) return this.ev[i] as Find<T>;
    return undefined;
  }

  private index(type: MsiTraceEvent['type'], from = 0): number {
    for (let i = from; i < this.ev.length; i++) if (this.ev[i].type === type) return i;
    return -1;
  }

  build(): { hops: MsiHopVM[]; outcome: MsiJourneyVM['outcome']; summary: string; arch: 'arm' | 'x86' } {
    const ir = this.first('ir.msi');
    if (ir !== undefined || (this.first('smmu.txn') === undefined && inIrWindow(this.msi.addr))) return { ...this.x86(ir), arch: 'x86' };
    return { ...this.arm(), arch: 'arm' };
  }

  private device(space: string, x86 = false): MsiHopVM {
    const m = this.msi;
    // The requester ID: the SMMU calls it the StreamID; on x86 it stays the RID (source-id).
    const who = x86 ? `RID ${hexGrouped(m.sid)} (the requester ID, bus:device.function)` : `StreamID ${hexGrouped(m.sid)} (the requester ID)`;
    return {
      id: 'device', title: `Device ${m.bdf}`, owner: 'device', state: 'done',
      lookup: [who, `MSI address ${x86 ? '' : `${space} `}${hexGrouped(BigInt.asUintN(64, BigInt(m.addr)))}`, `MSI data ${hexGrouped(m.data >>> 0)}`],
      out: `a 32-bit write of ${hexGrouped(m.data >>> 0)} to ${space} ${hexGrouped(BigInt.asUintN(64, BigInt(m.addr)))}`,
      fault: null,
    };
  }

  // ---- Arm: SMMU stages, then the ITS ---------------------------------------------------------

  private arm(): { hops: MsiHopVM[]; outcome: MsiJourneyVM['outcome']; summary: string } {
    const hops: MsiHopVM[] = [this.device('IOVA')];
    // The SMMU's part: from the transaction to its smmu.done (the first one after the MSI).
    const txnAt = this.index('smmu.txn');
    const doneAt = txnAt < 0 ? -1 : this.index('smmu.done', txnAt);
    const smmuEnd = doneAt < 0 ? this.ev.length : doneAt;
    const txn = txnAt < 0 ? undefined : (this.ev[txnAt] as TxnEvent);
    const done = doneAt < 0 ? undefined : (this.ev[doneAt] as DoneEvent);
    const smmuEv = txnAt < 0 ? [] : this.ev.slice(txnAt + 1, smmuEnd);
    const fetches = smmuEv.filter((e): e is FetchEvent => e.type === 'smmu.fetch');
    const steFetch = fetches.find((f) => f.what === 'STE' && f.words !== undefined);
    let ste: SteConfig | null = null;
    if (steFetch?.words) { const d = decodeSte(steFetch.words, this.oas); ste = d.ok ? d.ste : null; }
    ste ??= this.steOf(this.msi.sid);
    const s1Reads = fetches.filter((f) => f.what === 'S1');
    const s2Reads = fetches.filter((f) => f.what === 'S2');
    const s1On = ste !== null ? ste.s1 : s1Reads.length > 0;
    const s2On = ste !== null ? ste.s2 : s2Reads.length > 0;
    const tlbMain = smmuEv.find((e): e is TlbEvent => e.type === 'smmu.tlb' && e.kind === 'S1S2');
    const iova = hexGrouped(BigInt.asUintN(64, BigInt(this.msi.addr)));
    const nested = s1On && s2On;

    const s1: MsiHopVM | null = s1On ? {
      id: 's1', title: nested ? 'Stage 1 (the guest\'s tables)' : 'Stage 1 (the host\'s domain)', owner: nested ? 'guest' : 'host',
      state: 'pending', lookup: [], out: null, fault: null,
    } : null;
    const s2: MsiHopVM | null = s2On ? {
      id: 's2', title: 'Stage 2 (the host\'s tables)', owner: 'host', state: 'pending', lookup: [], out: null, fault: null,
    } : null;
    const bypass = txn !== undefined && !s1On && !s2On && done?.ok === true;
    if (s1 === null && s2 === null) {
      hops.push({
        id: 'smmu', title: 'SMMU', owner: 'hw', state: 'pending',
        lookup: [`STE of StreamID ${hexGrouped(this.msi.sid)}`], out: null, fault: null,
      });
    }
    if (s1 !== null) hops.push(s1);
    if (s2 !== null) hops.push(s2);

    // What each stage looked up.
    if (tlbMain !== undefined) {
      const tag = `VMID ${tlbMain.vmid}${s1On ? `, ASID ${tlbMain.asid}` : ''}`;
      (s1 ?? s2)?.lookup.push(tlbMain.hit ? `TLB hit (${tag}): no walk` : `TLB miss (${tag})`);
    }
    if (s1 !== null && s1Reads.length > 0) s1.lookup.push(`${s1Reads.length} stage-1 descriptor${s1Reads.length > 1 ? 's' : ''} read (level${levels(s1Reads)})`);
    if (s2 !== null && s2Reads.length > 0) s2.lookup.push(`${s2Reads.length} stage-2 descriptor${s2Reads.length > 1 ? 's' : ''} read${nested ? ' (for the CD, each table and the output)' : ''}`);
    if (s2 !== null && ste !== null) s2.lookup.unshift(`STE: VMID ${ste.vmid}`);
    if (s1 !== null) s1.lookup.unshift(`input: IOVA ${iova}`);
    if (s2 !== null && s1 === null) s2.lookup.unshift(`input: IPA ${iova} (the IOVA)`);
    const outIpa = nested ? this.stage1OutputIpa(s2Reads, smmuEv) : null;

    const rest: MsiHopVM[] = [
      { id: 'its', title: 'ITS', owner: 'hw', state: 'pending', lookup: [], out: null, fault: null },
      { id: 'lpi', title: 'LPI', owner: 'hw', state: 'pending', lookup: [], out: null, fault: null },
      { id: 'target', title: 'Target', owner: 'host', state: 'pending', lookup: [], out: null, fault: null },
    ];
    hops.push(...rest);

    if (done === undefined) {
      // Mid-walk: stage 1 is over once stage 2 translates its output (CLASS IN).
      const s1Over = nested && s2Reads.some((f) => f.purpose === 'IN');
      if (s1Over) { s1!.state = 'done'; if (outIpa !== null) s1!.out = `IPA ${hexGrouped(outIpa)}`; }
      if (txn !== undefined) (s1Over ? s2! : hops[1]).state = 'active';
      return { hops, outcome: 'in-flight', summary: `The MSI write to IOVA ${iova} is in the SMMU.` };
    }

    if (!done.ok) {
      const rec = done.event ?? null;
      const at = this.faultHop(rec, s1, s2, hops[1]);
      for (const h of hops.slice(1)) {
        if (h === at) break;
        h.state = 'done';
      }
      at.state = 'fault';
      at.fault = rec === null
        ? { name: 'abort', code: '', text: 'STE.Config = abort: the SMMU terminates the write without an event' }
        : { name: rec.name, code: hexGrouped(rec.id), text: eventText(rec) };
      let seen = false;
      for (const h of hops) { if (h === at) { seen = true; continue; } if (seen) h.state = 'unreached'; }
      if (s1 !== null && s1 !== at && outIpa !== null) s1.out = `IPA ${hexGrouped(outIpa)}`;
      return { hops, outcome: 'faulted', summary: `The MSI write to IOVA ${iova} faults in ${at.title.toLowerCase()}: ${at.fault.name}${at.fault.code ? ` (${at.fault.code})` : ''}; no interrupt.` };
    }

    // Translated: the PA it goes to.
    const pa = done.pa ?? 0;
    if (bypass) {
      const h = hops[1];
      h.state = 'bypass';
      h.lookup.push('STE.Config = bypass: not translated');
      h.out = `PA ${hexGrouped(pa)}`;
    }
    if (s1 !== null) { s1.state = 'done'; s1.out = nested ? (outIpa !== null ? `IPA ${hexGrouped(outIpa)}` : 'IPA (cached with the PA)') : `PA ${hexGrouped(pa)}`; }
    if (s2 !== null) { s2.state = 'done'; s2.out = `PA ${hexGrouped(pa)}`; }
    if (!bypass && s1 === null && s2 === null) { hops[1].state = 'done'; hops[1].out = `PA ${hexGrouped(pa)}`; }
    return this.its(hops, rest, pa, iova);
  }

  /** The stage-2 input of the output (CLASS IN): the last S2 fetch made for it, else the S2 TLB
   *  lookup after the last stage-1 read. */
  private stage1OutputIpa(s2Reads: FetchEvent[], smmuEv: MsiTraceEvent[]): number | null {
    const inRead = [...s2Reads].reverse().find((f) => f.purpose === 'IN' && f.ipa !== undefined);
    if (inRead !== undefined) return inRead.ipa!;
    let lastS1 = -1;
    smmuEv.forEach((e, i) => { if (e.type === 'smmu.fetch' && e.what === 'S1') lastS1 = i; });
    const tlb = smmuEv.slice(lastS1 + 1).find((e): e is TlbEvent => e.type === 'smmu.tlb' && e.kind === 'S2');
    return lastS1 >= 0 && tlb !== undefined ? tlb.addr : null;
  }

  /** The hop an event record belongs to: stage 2 when S2 = 1, stage 1 for a translation-class
   *  fault with S2 = 0 (SMMUv3 §7.3.12-16, primer §2.10), else the SMMU's first hop (a
   *  configuration error: C_BAD_STE, F_STREAM_DISABLED, ...). */
  private faultHop(rec: EventRecord | null, s1: MsiHopVM | null, s2: MsiHopVM | null, first: MsiHopVM): MsiHopVM {
    if (rec !== null && rec.s2 === true && s2 !== null) return s2;
    if (rec !== null && rec.s2 === false && s1 !== null) return s1;
    return s1 ?? s2 ?? first;
  }

  private its(hops: MsiHopVM[], rest: MsiHopVM[], pa: number, iova: string): { hops: MsiHopVM[]; outcome: MsiJourneyVM['outcome']; summary: string } {
    const [its, lpi, target] = rest;
    const doneAt = this.index('smmu.done');
    const msiAt = this.index('its.msi', doneAt + 1);
    const signal = this.first('msi.signal', doneAt + 1);
    if (msiAt < 0) {
      its.state = 'fault';
      its.fault = { name: 'not the ITS', code: '', text: `the write reached PA ${hexGrouped(pa)}, which is not GITS_TRANSLATER (ITS base + 0x10040): it wrote memory, no interrupt` };
      lpi.state = target.state = 'unreached';
      return { hops, outcome: 'lost', summary: `The MSI write to IOVA ${iova} reached PA ${hexGrouped(pa)}, not the ITS's GITS_TRANSLATER: no interrupt.` };
    }
    const m = this.ev[msiAt] as ItsMsiEvent;
    const itsDoneAt = this.index('its.done', msiAt);
    const itsEnd = itsDoneAt < 0 ? this.ev.length : itsDoneAt;
    its.lookup.push(`GITS_TRANSLATER at PA ${hexGrouped(m.addr)}`, `DeviceID ${hexGrouped(m.deviceId)} (from the StreamID), EventID ${hexGrouped(m.eventId)} (the data)`);
    for (let i = msiAt + 1; i < itsEnd; i++) {
      const e = this.ev[i];
      if (e.type !== 'its.table' || e.write) continue;
      const t = e.entry;
      if (t.table === 'DTE') its.lookup.push(t.valid ? `DTE: ITT at ${hexGrouped(t.ittAddr)}, ${t.size + 1} EventID bits` : `DTE of DeviceID ${hexGrouped(t.deviceId)}: not valid`);
      else if (t.table === 'ITE') its.lookup.push(t.valid ? `ITE: INTID ${t.intid}, collection ${t.icid}` : `ITE of EventID ${hexGrouped(t.eventId)}: not valid`);
      else its.lookup.push(t.valid ? `CTE: collection ${t.icid} -> Redistributor ${t.rdbase}` : `CTE of collection ${t.icid}: not valid`);
    }
    if (itsDoneAt < 0) {
      its.state = 'pending';
      return { hops, outcome: 'in-flight', summary: `The MSI is at the ITS.` };
    }
    const d = this.ev[itsDoneAt] as ItsDoneEvent;
    if (!d.ok) {
      its.state = 'fault';
      its.fault = { name: d.drop?.reason ?? 'dropped', code: d.drop?.code !== undefined ? hexGrouped(d.drop.code) : '', text: d.drop?.why ?? 'the ITS dropped the interrupt' };
      if (d.drop?.error) its.fault.text += ` (${d.drop.error})`;
      lpi.state = target.state = 'unreached';
      return { hops, outcome: 'dropped', summary: `The ITS drops the MSI (DeviceID ${hexGrouped(d.deviceId)}, EventID ${hexGrouped(d.eventId)}): ${its.fault.name}.` };
    }
    its.state = 'done';
    its.out = `LPI INTID ${d.intid}, collection ${d.icid}`;
    const set = this.first('its.lpi', msiAt) as ItsLpiEvent | undefined;
    lpi.state = 'done';
    lpi.lookup.push(`INTID ${d.intid} (an LPI: INTIDs from 8192)`);
    if (set !== undefined) lpi.lookup.push(set.was ? 'already pending: pending once' : 'made pending');
    lpi.out = `pending at Redistributor ${d.target}`;
    target.state = 'done';
    if (signal !== undefined) {
      target.title = 'eventfd';
      target.lookup.push(`Redistributor ${d.target} -> the host's handler`, `eventfd fd ${signal.fd}`);
      target.out = `signalled, count ${signal.count}`;
    } else {
      target.title = `Redistributor ${d.target}`;
      target.owner = 'hw';
      target.lookup.push(`processor ${d.target}`);
      target.out = `LPI ${d.intid} pending`;
    }
    return {
      hops, outcome: 'delivered',
      summary: `IOVA ${iova} -> PA ${hexGrouped(pa)} (GITS_TRANSLATER): DeviceID ${hexGrouped(d.deviceId)}, EventID ${hexGrouped(d.eventId)} -> LPI ${d.intid} at Redistributor ${d.target}${signal ? `, eventfd ${signal.fd} signalled` : ''}.`,
    };
  }

  // ---- x86: the interrupt window is not translated ---------------------------------------------

  private x86(ir: IrMsiEvent | undefined): { hops: MsiHopVM[]; outcome: MsiJourneyVM['outcome']; summary: string } {
    const addr = BigInt.asUintN(64, BigInt(this.msi.addr));
    const data = this.msi.data >>> 0;
    const hops: MsiHopVM[] = [this.device('address', true)];
    hops.push({
      id: 'dmar', title: 'DMA remapping', owner: 'hw', state: 'bypass',
      lookup: [`${hexGrouped(addr)} is in 0xfee00000-0xfeefffff, the interrupt window`],
      out: 'not translated: an interrupt request', fault: null,
    });
    const irHop: MsiHopVM = { id: 'ir', title: 'Interrupt remapping', owner: 'hw', state: 'pending', lookup: irDecode(addr, data), out: null, fault: null };
    const vector: MsiHopVM = { id: 'vector', title: 'Vector', owner: 'hw', state: 'pending', lookup: [], out: null, fault: null };
    hops.push(irHop, vector);
    const signal = this.first('msi.signal');
    if (ir === undefined) return { hops, outcome: 'in-flight', summary: `The MSI write to ${hexGrouped(addr)} goes to interrupt remapping.` };
    if (!ir.ok) {
      irHop.state = 'fault';
      irHop.fault = { name: 'blocked', code: '', text: ir.why ?? 'interrupt remapping refused the request' };
      vector.state = 'unreached';
      return { hops, outcome: 'dropped', summary: `Interrupt remapping blocks the MSI to ${hexGrouped(addr)}: ${irHop.fault.text}.` };
    }
    irHop.state = 'done';
    const remappable = decodeIrAddress(addr, data).format === 'remappable';
    irHop.out = remappable ? 'the IRTE\'s vector and destination' : `vector ${hexGrouped(data & 0xff)}`;
    vector.state = 'done';
    // Compatibility format (Intel SDM vol. 3, "Message Data Register Format"): vector = data[7:0];
    // remappable format: the IRTE holds it (primer §5.4).
    vector.lookup.push(remappable ? 'from the IRTE' : `data[7:0] = ${hexGrouped(data & 0xff)}`);
    if (signal !== undefined) {
      vector.lookup.push(`the host's handler: eventfd fd ${signal.fd}`);
      vector.out = `eventfd signalled, count ${signal.count}`;
    } else {
      vector.out = remappable ? 'delivered' : `vector ${hexGrouped(data & 0xff)} delivered`;
    }
    return { hops, outcome: 'delivered', summary: `The write to ${hexGrouped(addr)} is an interrupt request, not DMA: interrupt remapping delivers it${signal ? `, eventfd ${signal.fd} signalled` : ''}.` };
  }
}

/** The MSI address as interrupt remapping reads it (decodeIrAddress, model/host/vtd-ir.ts). */
function irDecode(addr: bigint, data: number): string[] {
  const d = decodeIrAddress(addr, data);
  if (d.format === 'remappable') {
    return [`remappable format (address bit 4 = 1)`, `handle ${hexGrouped(d.handle)}${d.shv ? ` + subhandle ${hexGrouped(d.subhandle)}` : ''}: the IRTE index`];
  }
  return ['compatibility format (address bit 4 = 0)', `destination ID ${hexGrouped(d.destId)}, vector ${hexGrouped(d.vector)}`];
}

/** The event written out: stage, class and addresses (SMMUv3 §7.3). */
function eventText(r: EventRecord): string {
  const parts = [`StreamID ${hexGrouped(r.sid)}`, `InputAddr ${hexGrouped(r.input)}`];
  if (r.s2 !== undefined) parts.push(`S2 = ${r.s2 ? 1 : 0}`);
  if (r.cls !== undefined) parts.push(`CLASS ${r.cls}`);
  if (r.ipa !== undefined) parts.push(`IPA ${hexGrouped(r.ipa)}`);
  if (r.fetchAddr !== undefined) parts.push(`FetchAddr ${hexGrouped(r.fetchAddr)}`);
  if (r.why) parts.push(r.why);
  return parts.join(', ');
}

function levels(reads: FetchEvent[]): string {
  const ls = [...new Set(reads.map((r) => r.level ?? 0))].sort();
  return ls.length === 1 ? ` ${ls[0]}` : `s ${ls[0]}-${ls[ls.length - 1]}`;
}
