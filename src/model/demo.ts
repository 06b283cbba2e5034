// The default nested walk shown on the start page until the app lands (issue 4): every row
// is one memory read of a cold nested translation, straight from the trace.

import { hex, hexGrouped } from './bits';
import { buildNestedMachine } from './machine';
import type { Trace } from './trace';

export interface DemoRow {
  n: number;               // 1-based read number
  what: string;            // STE, CD, S1, S2
  stage?: 1 | 2;
  level?: number;
  purpose: string;         // what the read serves, e.g. "S2 walk of the gL1 descriptor IPA"
  addr: string;            // PA read, hex
  value: string;           // 64-bit value read, hex
}
export interface DemoTrace {
  title: string;
  summary: string;
  walkReads: number;       // stage-1 + stage-2 descriptor reads
  totalReads: number;      // all reads, STE and CD included
  rows: DemoRow[];
}

export function defaultDemo(): DemoTrace {
  const m = buildNestedMachine();
  const trace: Trace = [];
  m.smmu.trace = trace;
  const iova = 0x1000_0040n;
  const r = m.smmu.translate({ sid: m.sid, iova, access: 'read' });
  const rows: DemoRow[] = [];
  for (const e of trace) {
    if (e.type !== 'smmu.fetch') continue;
    const value = (BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0);
    let purpose: string;
    if (e.what === 'S2') {
      const target = e.purpose === 'CD' ? 'the CD address' : e.purpose === 'TT' ? `the gL${e.s1Level} descriptor's IPA` : 'the output IPA';
      purpose = `stage 2 translates ${target} ${hexGrouped(e.ipa ?? 0)}`;
    } else if (e.what === 'S1') {
      purpose = `guest stage-1 level ${e.level} descriptor (IPA ${hexGrouped(e.ipa ?? 0)})`;
    } else if (e.what === 'CD') {
      purpose = `the guest's context descriptor (IPA ${hexGrouped(e.ipa ?? 0)})`;
    } else {
      purpose = `the host's stream table entry for StreamID ${hex(m.sid)}`;
    }
    rows.push({
      n: rows.length + 1, what: e.what, stage: e.what === 'S1' ? 1 : e.what === 'S2' ? 2 : undefined,
      level: e.level, purpose, addr: hexGrouped(e.addr), value: '0x' + value.toString(16).padStart(16, '0'),
    });
  }
  const walkReads = m.smmu.walkReads;
  const out = r.ok ? `PA ${hexGrouped(r.pa)}` : `fault ${r.event?.name ?? 'abort'}`;
  return {
    title: 'One DMA, nested: a 4-level guest stage 1 over a 4-level host stage 2',
    summary: `IOVA ${hexGrouped(iova)} -> ${out}: ${rows.length} reads (walk: ${walkReads} = (4+1)(4+1)-1)`,
    walkReads, totalReads: rows.length, rows,
  };
}
