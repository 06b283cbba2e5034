// The default nested walk shown on the start page until the app lands (issue 4).
// Filled in by the engine: every row is one memory read of a cold nested translation.
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
  summary: string;         // e.g. "IOVA 0x... -> PA 0x...: 30 reads (walk: 24)"
  walkReads: number;       // stage-1 + stage-2 descriptor reads
  totalReads: number;      // all reads, STE and CD included
  rows: DemoRow[];
}
export function defaultDemo(): DemoTrace {
  return { title: 'Nested walk (engine pending)', summary: '', walkReads: 0, totalReads: 0, rows: [] };
}
