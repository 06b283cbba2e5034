// Run a machine image through the engine and produce the output lines of
// ../shared/formats/machine-image.md: one JSON-ready object per transaction.

import { hex } from '../bits';
import { PhysMem } from '../mem';
import { encodeEvent, isTranslationFault, type EventRecord } from '../smmuv3/events';
import { Smmu } from '../smmuv3/smmu';
import type { Trace } from '../trace';
import type { MachineImage } from './types';

export function loadImage(img: MachineImage): { smmu: Smmu; trace: Trace } {
  const mem = new PhysMem();
  for (const run of img.memory) run.words.forEach((w, i) => mem.store64(run.addr + 8n * BigInt(i), w));
  const smmu = new Smmu(mem, { oas: img.smmu.oas, cache: img.smmu.cache });
  // STRTAB_BASE.ADDR is bits [51:6]: bits outside are not part of the address.
  const base = img.smmu.strtabBase & 0x000f_ffff_ffff_ffc0n;
  smmu.strtab = {
    base: Number(base), log2size: img.smmu.strtabLog2Size, fmt: img.smmu.strtabFmt, split: img.smmu.strtabSplit,
  };
  const trace: Trace = [];
  smmu.trace = trace;
  return { smmu, trace };
}

export function runImage(img: MachineImage): Record<string, unknown>[] {
  const { smmu, trace } = loadImage(img);
  return img.transactions.map((t) => {
    trace.length = 0;
    const r = smmu.translate(t);
    const line: Record<string, unknown> = { sid: t.sid };
    if (t.ssid !== undefined) line.ssid = t.ssid;
    line.iova = hex(t.iova);
    line.ok = r.ok;
    if (r.ok) line.pa = hex(r.pa);
    else line.event = r.event === null ? null : eventJson(r.event);
    const accesses: Record<string, unknown>[] = [];
    let tlb: string | undefined;
    for (const e of trace) {
      if (e.type === 'smmu.fetch') {
        accesses.push(e.level === undefined ? { what: e.what, addr: hex(e.addr) } : { what: e.what, level: e.level, addr: hex(e.addr) });
      } else if (e.type === 'smmu.tlb' && e.kind === 'S1S2' && tlb === undefined) {
        tlb = e.hit ? 'hit' : 'miss';
      }
    }
    line.accesses = accesses;
    line.walk_reads = smmu.walkReads;
    if (tlb !== undefined) line.tlb = tlb;
    return line;
  });
}

/** The SMMU event record as machine-image output shows it (formats/machine-image.md, "event"):
 *  `id`, `name`, and for the translation-class faults `stage` (S2 + 1), `class`, `input`, `ipa`
 *  (stage 2) and `fetch_addr` (a walk's external abort); `why` of a configuration error. The
 *  ioctl command's lines show the same fields ("as in machine-image output"). */
export function eventFields(e: EventRecord): Record<string, unknown> {
  const o: Record<string, unknown> = { id: e.id, name: e.name };
  if (isTranslationFault(e.id)) {
    o.stage = e.s2 ? 2 : 1;
    o.class = e.cls;
    o.input = hex(e.input);
    if (e.ipa !== undefined) o.ipa = hex(e.ipa);
    if (e.fetchAddr !== undefined) o.fetch_addr = hex(e.fetchAddr);
  }
  return o;
}

/** eventFields, `recorded`, `why`, and the record's raw words. */
function eventJson(e: EventRecord): Record<string, unknown> {
  const o = eventFields(e);
  o.recorded = e.recorded;
  if (e.why !== undefined) o.why = e.why;
  o.raw = encodeEvent(e).map(hex);
  return o;
}
