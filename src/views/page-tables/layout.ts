// Where everything of the page-table view goes, as plain data: a pure function of the view model
// (no DOM), so it is tested in Node and draw.ts only turns it into SVG. One column per stage
// (stage 1 left, stage 2 right; one stage alone takes the whole width); in a column, one lane per
// level, lanes left to right and wrapping into a second band when the column is narrow; in a lane,
// the tables of that level on the walk's path, top to bottom, each a vertical strip of rows.

import { hexGrouped } from '../../model/bits';
import type { PageTablesVM, PathRead, RowVM, StageVM, TableVM } from '../../worker/models/tables';

/** The panel's share of a 1280x720 screen is about 800x500: two stages are laid out for it; one
 *  stage alone is laid out narrower (560x350) and so drawn larger. The view grows taller only
 *  when a walk's tables need more room. */
export const WIDTH = 800;
export const WIDTH_ONE_STAGE = 560;
export const ASPECT = 500 / 800;

const MARGIN = 4;
const COL_GAP = 12;
const LANE_GAP = 16;
const STRIP_MAX = 320;
const BAND_GAP = 26;
const TOP = 40;
const COL_HEAD = 56;
const STRIP_HEAD = 20;
const TABLE_GAP = 10;
const ROW = 18;
const ROW2 = 32;
const FOOT = 18;

/** Type sizes, in viewBox units (1:1 on screen at 800 px wide). */
export const FONT = { header: 12.5, stream: 11, title: 13, sub: 11, strip: 11, row: 10.5 } as const;
/** Average advance of the monospace face, per unit of size (DejaVu Sans Mono: 0.602), and a
 *  generous one for the UI face (proportional: most of its glyphs are narrower). */
export const MONO_ADVANCE = 0.61;
export const UI_ADVANCE = 0.56;

/** `text` cut with an ellipsis to fit `width` at `size` in the UI face (the hover card and the
 *  aria label keep it whole). */
export function fit(text: string, width: number, size: number): string {
  const max = Math.floor(width / (size * UI_ADVANCE));
  return [...text].length <= max ? text : [...text].slice(0, Math.max(1, max - 1)).join('') + '…';
}

export type RowState = 'plain' | 'read' | 'current' | 'unread' | 'waiting' | 'fault';

export interface Tip {
  title: string;
  lines: [string, string][];
}

export interface RowLayout {
  key: string;
  x: number; y: number; w: number; h: number;
  kind: RowVM['kind'];
  state: RowState;
  /** One-line rows: `center` alone (invalid and mixed runs), or idx, glyph, addr, perm. Two-line
   *  rows (a run of valid entries): idx and `count` on the first line, glyph, addr, perm below. */
  idx: string;
  count: string;
  glyph: string;
  addr: string;
  perm: string;
  center: string;
  fault: string | null;
  label: string;
  tip: Tip;
}

export interface StripLayout {
  key: string;
  stage: 1 | 2;
  owner: 'guest' | 'host';
  x: number; y: number; w: number; h: number;
  title: string;
  onPath: boolean;
  rows: RowLayout[];
  /** Where the rows' type glyph and address start (the index comes first). */
  xGlyph: number;
  xAddr: number;
  tip: Tip;
}

export interface ColumnLayout {
  key: string;
  stage: 1 | 2;
  owner: 'guest' | 'host';
  x: number; y: number; w: number; h: number;
  title: string;
  sub: string;
  now: string;
  foot: string;
  note: string | null;
}

export interface Connector {
  key: string;
  owner: 'guest' | 'host';
  d: string;
  state: 'read' | 'current' | 'unread';
}

export interface Layout {
  width: number;
  height: number;
  head: string;
  status: string;
  statusKind: 'plain' | 'ok' | 'fault' | 'walking';
  note: string | null;
  noteY: number;
  columns: ColumnLayout[];
  strips: StripLayout[];
  connectors: Connector[];
}

// ---- text -----------------------------------------------------------------------------------

const CONFIG: Record<PageTablesVM['config'], string> = {
  abort: 'abort (Config 0b000)', bypass: 'bypass (Config 0b100)', s1: 'stage 1 only (Config 0b101)',
  s2: 'stage 2 only (Config 0b110)', nested: 'nested (Config 0b111)', illegal: 'ILLEGAL',
};

const hx = (n: number): string => hexGrouped(n);
const idxHex = (n: number): string => `0x${n.toString(16)}`;
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function glyphOf(kind: RowVM['kind']): string {
  return kind === 'table' ? 'T' : kind === 'page' ? 'P' : kind === 'block' ? 'B' : kind === 'reserved' ? '!' : '';
}

function statusOf(vm: PageTablesVM): { text: string; kind: Layout['statusKind'] } {
  if (vm.txn === null) return { text: 'no transaction at this step', kind: 'plain' };
  const head = `DMA ${vm.txn.access} of IOVA ${vm.txn.iova}`;
  const o = vm.outcome;
  if (o === null || o.kind === 'walking') {
    const w = vm.currentWhat;
    const what = w === 'STE' ? ': the STE' : w === 'CD' ? ': the CD' : w === 'L1CD' ? ': an L1CD' : w === 'L1STD' ? ': an L1STD'
      : w === 'S1' ? ': a stage-1 descriptor' : w === 'S2' ? ': a stage-2 descriptor' : '';
    return { text: `${head} · read ${vm.readsDone} of ${vm.readsTotal}${what}`, kind: 'walking' };
  }
  if (o.kind === 'tlb-hit') return { text: `${head} · TLB hit${o.pa === null ? '' : ` → PA ${hx(o.pa)}`}`, kind: 'ok' };
  if (o.kind === 'ok') return { text: `${head} · ${vm.readsTotal} reads → PA ${hx(o.pa)}`, kind: 'ok' };
  const where = [o.s2 === null ? '' : o.s2 ? 'S2' : 'S1', o.cls === null ? '' : `CLASS ${o.cls}`].filter(Boolean).join(', ');
  return { text: `${head} · ✕ ${o.event}${where ? ` (${where})` : ''}`, kind: 'fault' };
}

function stageTitle(s: StageVM): string {
  const own = s.owner === 'guest' ? 'guest-owned' : s.stage === 1 ? "host-owned (the host's own domain)" : 'host-owned';
  return `Stage ${s.stage} · ${own} · ${s.inputSpace} → ${s.outputSpace}`;
}

function stageSub(s: StageVM): string {
  if (s.note !== null) return s.note;
  const geo = `${s.granule} · ${s.inputBits}-bit ${s.inputSpace} · start L${s.startLevel}${s.concatenated > 1 ? ` (${s.concatenated} tables concatenated)` : ''}`;
  if (s.stage === 1 && s.cd !== null) return `CD at ${s.cd.space} ${hx(s.cd.addr)} · ASID ${s.cd.asid} · ${geo}`;
  return `VMID ${s.vmid ?? '-'} · ${geo}`;
}

function stageFoot(s: StageVM): string {
  if (s.counts.length === 0) return '';
  const per = s.counts.map((c) => `L${c.level} ${c.partial ? (c.tables === 0 ? '?' : `≥${c.tables}`) : c.tables}`).join(' · ');
  return `tables in the tree: ${per} · ${s.tables.length} drawn`;
}

/** What the column's stage is doing at the position's read. */
function stageNow(vm: PageTablesVM, stage: 1 | 2): string {
  const faulted = vm.path.find((p) => p.fault !== undefined);
  if (faulted !== undefined) {
    if (stage === faulted.stage) return `read ${faulted.n}: ${faulted.fault} at L${faulted.level}, entry ${idxHex(faulted.index)}`;
    if (stage === 1 && faulted.purpose === 'TT') {
      return `L${faulted.s1Level ?? '?'} descriptor (IPA ${hx(faulted.ipa ?? 0)}) never read: stage 2 faulted`;
    }
  }
  const cur = vm.path.find((p) => p.state === 'current');
  if (cur === undefined) {
    const reads = vm.path.filter((p) => p.stage === stage).length;
    return vm.txn !== null && vm.outcome?.kind !== 'walking' && reads > 0 ? `${plural(reads, 'read', 'reads')} of this stage in the walk` : '';
  }
  if (cur.stage !== stage) {
    if (stage === 1 && cur.serves !== undefined) {
      const s1 = vm.path.find((p) => p.n === cur.serves);
      return s1 ? `read ${s1.n} (L${s1.level}) waits for stage 2 to translate its IPA` : '';
    }
    return '';
  }
  if (stage === 1) return `read ${cur.n}: the L${cur.level} descriptor at ${vm.stage1?.tableSpace ?? 'IPA'} ${hx(cur.addr)}`;
  const what = cur.purpose === 'CD' ? "the CD's IPA" : cur.purpose === 'TT' ? `the S1 L${cur.s1Level ?? '?'} descriptor's IPA` : cur.purpose === 'IN' ? 'the output IPA' : 'IPA';
  return `read ${cur.n}: S2 L${cur.level} for ${what} ${cur.ipa === undefined ? '' : hx(cur.ipa)}`;
}

// ---- rows -------------------------------------------------------------------------------------

function rowState(row: RowVM, byN: Map<number, PathRead>, waiting: number | null): RowState {
  if (row.reads.length === 0) return 'plain';
  const reads = row.reads.map((n) => byN.get(n)).filter((p): p is PathRead => p !== undefined);
  if (reads.some((p) => p.fault !== undefined)) return 'fault';
  if (reads.some((p) => p.state === 'current')) return 'current';
  if (reads.some((p) => p.state === 'read')) return 'read';
  if (waiting !== null && row.reads.includes(waiting)) return 'waiting';
  return 'unread';
}

function rowTip(s: StageVM, t: TableVM, row: RowVM, byN: Map<number, PathRead>): Tip {
  const last = row.first + row.count - 1;
  const which = row.count === 1 ? `entry ${idxHex(row.first)}` : `entries ${idxHex(row.first)}–${idxHex(last)} (${row.count})`;
  const title = `Stage ${s.stage} L${t.level} table at ${s.tableSpace} ${hx(t.addr)} · ${which}`;
  const lines: [string, string][] = [];
  lines.push(['descriptor at', `${s.tableSpace} ${hx(t.addr + 8 * row.first)}${row.count > 1 ? ` (the first of ${row.count})` : ''}`]);
  if (row.kind === 'mixed') {
    lines.push(['entries', `${row.valid ?? 0} valid of ${row.count}, folded to keep the view small`]);
    return { title, lines };
  }
  lines.push(['raw', row.raw]);
  for (const [k, v] of row.fields) {
    const space = k === 'next-level table' ? `${s.tableSpace} ` : k === 'output address' ? `${s.outputSpace} ` : '';
    lines.push([k, space + v]);
  }
  if (row.count > 1 && row.step !== null && row.addr !== null) {
    lines.push(['run', `each next entry +${hx(row.step)}: up to ${hx(row.addr + row.step * (row.count - 1))}`]);
  }
  for (const n of row.reads) {
    const p = byN.get(n);
    if (!p) continue;
    const why = p.stage === 1 ? 'the stage-1 walk' : p.purpose === 'CD' ? `the stage-2 walk for the CD's IPA ${hx(p.ipa ?? 0)}`
      : p.purpose === 'TT' ? `the stage-2 walk for the S1 L${p.s1Level ?? '?'} descriptor's IPA ${hx(p.ipa ?? 0)}`
        : `the stage-2 walk for IPA ${hx(p.ipa ?? 0)}`;
    const st = p.state === 'read' ? 'done' : p.state === 'current' ? 'this read' : 'to come';
    lines.push([`read ${n}`, `${why} (${st})${p.fault ? `: ${p.fault}` : ''}`]);
  }
  return { title, lines };
}

function rowLayout(s: StageVM, t: TableVM, row: RowVM, byN: Map<number, PathRead>, waiting: number | null): RowLayout {
  const last = row.first + row.count - 1;
  const range = row.count === 1 ? idxHex(row.first) : `${idxHex(row.first)}–${idxHex(last)}`;
  const state = rowState(row, byN, waiting);
  const fault = row.reads.map((n) => byN.get(n)?.fault).find((f) => f !== undefined) ?? null;
  const base = { key: `${t.key}:${row.first}`, x: 0, y: 0, w: 0, kind: row.kind, state, fault, tip: rowTip(s, t, row, byN) };
  if (row.kind === 'invalid' || row.kind === 'mixed') {
    const center = fault !== null ? `${range} ✕ ${fault}`
      : row.kind === 'invalid' ? (row.count === 1 ? `${range} invalid` : `${range} · ${row.count} invalid`)
        : `${range} · ${row.valid ?? 0}/${row.count} valid`;
    return { ...base, h: ROW, idx: '', count: '', glyph: '', addr: '', perm: '', center, label: center };
  }
  const addr = row.addr === null ? '' : hx(row.addr) + (row.count > 1 ? '…' : '');
  const glyph = glyphOf(row.kind);
  const what = row.kind === 'table' ? `${plural(row.count, 'table', 'tables')}` : row.kind === 'reserved' ? 'reserved' : plural(row.count, row.kind === 'page' ? 'page' : 'block', row.kind === 'page' ? 'pages' : 'blocks');
  const label = `${range}: ${what}, ${row.kind === 'table' ? 'next table' : 'output'} ${addr} ${row.perm}`.trim();
  if (row.count > 1) return { ...base, h: ROW2, idx: range, count: what, glyph, addr, perm: row.perm, center: '', label };
  return { ...base, h: ROW, idx: range, count: '', glyph, addr, perm: row.perm, center: '', label };
}

// ---- measuring ---------------------------------------------------------------------------------

const ADV = FONT.row * MONO_ADVANCE;
const len = (t: string): number => [...t].length;

/** Where a strip's type glyph and address start: after the widest index of the table. */
function columnsFor(entries: number): { xGlyph: number; xAddr: number } {
  const xGlyph = 5 + len(idxHex(entries - 1)) * ADV + 4;
  return { xGlyph, xAddr: xGlyph + 14 };
}

/** The width a row needs, its text set in a strip with these columns. */
function rowNeed(r: RowLayout, xAddr: number): number {
  if (r.center !== '') return len(r.center) * ADV + 14;
  const line2 = xAddr + len(r.addr) * ADV + (r.perm === '' ? 0 : 7 + len(r.perm) * ADV) + 4;
  const line1 = r.h > ROW ? 5 + len(r.idx) * ADV + 10 + len(r.count) * ADV + 4 : 0;
  return Math.max(line1, line2);
}

function titleNeed(title: string): number {
  return len(title) * FONT.strip * MONO_ADVANCE + 10;
}

// ---- the whole layout ------------------------------------------------------------------------

interface Prepared {
  s: StageVM;
  lanes: number;
  tables: { t: TableVM; title: string; rows: RowLayout[]; h: number; xGlyph: number; xAddr: number }[];
  need: number;
}

function prepare(s: StageVM, byN: Map<number, PathRead>, waiting: number | null): Prepared {
  let need = 150;
  const tables = s.tables.map((t) => {
    const rows = t.rows.map((r) => rowLayout(s, t, r, byN, waiting));
    const title = `L${t.level} · ${s.tableSpace} ${hx(t.addr)}${t.root ? (s.stage === 1 ? ' (TTB0)' : ' (S2TTB)') : ''}`;
    if (t.pa === null) {
      rows.push({
        key: `${t.key}:none`, x: 0, y: 0, w: 0, h: ROW, kind: 'invalid', state: 'plain', idx: '', count: '', glyph: '',
        addr: '', perm: '', center: 'not readable: not guest RAM', fault: null, label: 'not readable',
        tip: { title, lines: [['in memory', `nowhere: ${s.tableSpace} ${hx(t.addr)} is not guest RAM`]] },
      });
    }
    const cols = columnsFor(t.entries);
    need = Math.max(need, titleNeed(title), ...rows.map((r) => rowNeed(r, cols.xAddr)));
    return { t, title, rows, h: STRIP_HEAD + rows.reduce((a, r) => a + r.h, 0), ...cols };
  });
  return { s, lanes: Math.max(1, 4 - s.startLevel), tables, need };
}

/** How one stage's lanes are arranged: `bands` of `per` lanes side by side, wrapping (the 2x2
 *  grid), or `cols` columns of lanes stacked top to bottom (`groups[c]` = how many lanes column c
 *  holds), the arrangement for a wide, short panel (presenter mode). */
type Arrangement = { kind: 'bands'; per: number } | { kind: 'stack'; groups: number[] };

/** The panel the view is drawn in (CSS px); a wide, short one (aspect above WIDE_ASPECT) gets the
 *  arrangement that draws the content largest. */
export interface Panel { w: number; h: number }
export const WIDE_ASPECT = 1.9;

function compositions(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (let first = 1; first <= n; first++) for (const rest of compositions(n - first)) out.push([first, ...rest]);
  return out;
}

function laneHeights(p: Prepared): number[] {
  return Array.from({ length: p.lanes }, (_, lane) =>
    p.tables.filter((x) => x.t.level - p.s.startLevel === lane).reduce((a, x, i) => a + x.h + (i > 0 ? TABLE_GAP : 0), 0));
}

function ncols(a: Arrangement, lanes: number): number {
  return a.kind === 'bands' ? Math.min(a.per, lanes) : a.groups.length;
}

/** Each lane's column and top, and the stage column's bottom. */
function placeLanes(p: Prepared, a: Arrangement): { col: number[]; top: number[]; bottom: number } {
  const hs = laneHeights(p);
  const col: number[] = [], top: number[] = [];
  if (a.kind === 'bands') {
    const pb = ncols(a, p.lanes);
    let y = TOP + COL_HEAD;
    for (let b = 0; b * pb < p.lanes; b++) {
      let h = 0;
      for (let l = b * pb; l < Math.min(p.lanes, (b + 1) * pb); l++) { col[l] = l % pb; top[l] = y; h = Math.max(h, hs[l]); }
      y += h + BAND_GAP;
    }
    return { col, top, bottom: y - BAND_GAP + 6 };
  }
  let lane = 0, bottom = TOP + COL_HEAD;
  a.groups.forEach((n, c) => {
    let y = TOP + COL_HEAD;
    for (let i = 0; i < n; i++, lane++) { col[lane] = c; top[lane] = y; y += hs[lane] + BAND_GAP; }
    bottom = Math.max(bottom, y - BAND_GAP + 6);
  });
  return { col, top, bottom };
}

export function layoutPageTables(vm: PageTablesVM, panel?: Panel): Layout {
  const stages = [vm.stage1, vm.stage2].filter((s): s is StageVM => s !== null);
  const status = statusOf(vm);
  const head = `StreamID ${idxHex(vm.sid)}${vm.device ? ` (${vm.device})` : ''} · STE at PA ${hx(vm.steAddr)}: ${CONFIG[vm.config]}`;
  const byN = new Map(vm.path.map((p) => [p.n, p]));
  const cur = vm.path.find((p) => p.state === 'current');
  const waiting = cur?.serves ?? null;
  const prepared = stages.map((s) => prepare(s, byN, waiting));

  // Widths: each stage's strips as wide as its widest text, two lanes per band (a 2x2 grid per
  // stage), spare width shared out in proportion.
  let width = stages.length === 1 ? WIDTH_ONE_STAGE : WIDTH;
  let arr: Arrangement[] = prepared.map(() => ({ kind: 'bands', per: 2 }));
  let wide = false;
  // A wide, short panel (presenter mode, ~1280x490): the lanes stacked in columns instead, the
  // arrangement (and width) that lets the panel draw the content largest.
  if (panel !== undefined && panel.h > 0 && panel.w / panel.h > WIDE_ASPECT && prepared.length > 0) {
    const extra = (prepared.length - 1) * COL_GAP + 2 * MARGIN;
    const options = prepared.map((p) => [
      { kind: 'bands', per: 2 } as Arrangement,
      ...compositions(p.lanes).map((groups): Arrangement => ({ kind: 'stack', groups })),
    ]);
    const score = (choice: Arrangement[]): { scale: number; w: number } => {
      let w = extra, h = 0;
      choice.forEach((a, i) => {
        const n = ncols(a, prepared[i].lanes);
        w += n * prepared[i].need + (n - 1) * LANE_GAP;
        h = Math.max(h, placeLanes(prepared[i], a).bottom + FOOT + (vm.note ? 22 : 4));
      });
      w = Math.max(w, h * panel.w / panel.h);
      return { scale: Math.min(panel.w / w, panel.h / h), w };
    };
    let best = { scale: 0, w: width, choice: arr };
    const walk = (i: number, acc: Arrangement[]): void => {
      if (i === options.length) {
        const r = score(acc);
        if (r.scale > best.scale + 1e-9) best = { ...r, choice: acc };
        return;
      }
      for (const o of options[i]) walk(i + 1, [...acc, o]);
    };
    walk(0, []);
    width = Math.ceil(best.w);
    arr = best.choice;
    wide = true;
  }
  const avail = width - 2 * MARGIN - (stages.length - 1) * COL_GAP;
  const perBand = prepared.map((p, i) => ncols(arr[i], p.lanes));
  const needW = prepared.map((p, i) => perBand[i] * p.need + (perBand[i] - 1) * LANE_GAP);
  const total = needW.reduce((a, b) => a + b, 0);
  const scale = avail / total;
  const colWs = needW.map((w) => w * scale);

  const columns: ColumnLayout[] = [];
  const strips: StripLayout[] = [];
  const connectors: Connector[] = [];
  // The 2x2 grid keeps the panel's usual shape; the wide arrangement's width already has it.
  let height = wide ? TOP + COL_HEAD : Math.round(width * ASPECT);
  let bottom = TOP;
  let cx = MARGIN;

  prepared.forEach((p, ci) => {
    const s = p.s;
    const colW = colWs[ci];
    const pb = perBand[ci];
    const stripW = Math.min(STRIP_MAX, (colW - (pb - 1) * LANE_GAP) / pb);
    const tablesOf = (lane: number) => p.tables.filter((x) => x.t.level - s.startLevel === lane);
    const lanesAt = placeLanes(p, arr[ci]);
    const colBottom = lanesAt.bottom;
    // Strips and rows.
    const placed = new Map<string, StripLayout>();
    const firstOfLane = new Set<string>();
    for (let lane = 0; lane < p.lanes; lane++) {
      const first = tablesOf(lane)[0];
      if (first) firstOfLane.add(first.t.key);
      const sx = cx + lanesAt.col[lane] * (stripW + LANE_GAP);
      let sy = lanesAt.top[lane];
      for (const x of tablesOf(lane)) {
        const { t } = x;
        let ry = sy + STRIP_HEAD;
        for (const r of x.rows) {
          r.x = sx; r.y = ry; r.w = stripW;
          ry += r.h;
        }
        const tipLines: [string, string][] = [
          ['entries', `${t.entries}${t.entries > 512 && s.concatenated > 1 ? ` (${s.concatenated} concatenated tables)` : ''}`],
          ['in memory', t.pa === null ? `nowhere: ${s.tableSpace} ${hx(t.addr)} is not guest RAM` : `PA ${hx(t.pa)}`],
          ['owner', s.owner === 'guest' ? 'the guest (in its RAM, at an IPA)' : 'the host (in host memory, at a PA)'],
        ];
        const strip: StripLayout = {
          key: t.key, stage: s.stage, owner: s.owner, x: sx, y: sy, w: stripW, h: x.h, title: x.title,
          onPath: vm.path.some((q) => q.table === t.key), rows: x.rows, xGlyph: x.xGlyph, xAddr: x.xAddr,
          tip: { title: `Stage ${s.stage} ${x.title}`, lines: tipLines },
        };
        strips.push(strip);
        placed.set(t.key, strip);
        sy += x.h + TABLE_GAP;
      }
    }
    // Connectors: from each path entry to the table it leads to (the next read of the same
    // walk, one level down).
    const own = vm.path.filter((q) => q.stage === s.stage);
    for (let i = 0; i + 1 < own.length; i++) {
      const a = own[i], b = own[i + 1];
      if (b.level !== a.level + 1) continue;
      const from = placed.get(a.table), to = placed.get(b.table);
      const row = from?.rows.find((r) => r.key === `${a.table}:${a.index}`);
      if (!from || !to || !row) continue;
      const k = `${row.key}>${b.table}`;
      const state: Connector['state'] = b.state === 'current' ? 'current' : b.state === 'read' ? 'read' : 'unread';
      const prev = connectors.find((c) => c.key === k);
      if (prev) {
        if (state === 'current' || (state === 'read' && prev.state === 'unread')) prev.state = state;
        continue;
      }
      connectors.push({ key: k, owner: s.owner, d: route(row, from, to, firstOfLane.has(to.key)), state });
    }
    const tw = colW - 12;
    columns.push({
      key: `col${s.stage}`, stage: s.stage, owner: s.owner, x: cx, y: TOP, w: colW, h: colBottom - TOP + FOOT,
      title: fit(stageTitle(s), tw, FONT.title), sub: fit(stageSub(s), tw, FONT.sub), now: fit(stageNow(vm, s.stage), tw, FONT.sub),
      foot: fit(stageFoot(s), tw, FONT.sub), note: s.note,
    });
    bottom = Math.max(bottom, colBottom + FOOT);
    height = Math.max(height, colBottom + FOOT + (vm.note ? 22 : 4));
    cx += colW + COL_GAP;
  });

  return {
    width, height: Math.ceil(height), head, status: status.text, statusKind: status.kind,
    note: vm.note, noteY: columns.length === 0 ? height / 2 : bottom + 18, columns, strips, connectors,
  };
}

/** A connector from a path entry to the header of the table it leads to: a curve from the row's
 *  right edge when that table is further right in the same band. Else the lanes wrapped (the
 *  table is in the next band, one lane to the left): from the row's left edge down the gap
 *  between the lanes, then into the table from above when it is the first of its lane, or into
 *  its header from the right when it is stacked below another. */
function route(row: RowLayout, from: StripLayout, to: StripLayout, firstInLane: boolean): string {
  const y1 = row.y + row.h / 2;
  if (to.x > from.x) {
    const x1 = from.x + from.w;
    const x2 = to.x, y2 = to.y + STRIP_HEAD / 2;
    const mx = (x1 + x2) / 2;
    return `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 1},${y2}`;
  }
  const gx = Math.max(2, from.x - LANE_GAP / 2);
  if (firstInLane) {
    const gy = to.y - BAND_GAP / 2;
    const tx = to.x + to.w - 28;
    return `M${from.x},${y1} H${gx} V${gy} H${tx} V${to.y - 1}`;
  }
  return `M${from.x},${y1} H${gx} V${to.y + STRIP_HEAD / 2} H${to.x + to.w + 1}`;
}

/** Text that does not fit its box (tests): each row's text at the row size, each strip title. */
export function overflows(l: Layout): string[] {
  const out: string[] = [];
  for (const s of l.strips) {
    if (titleNeed(s.title) > s.w + 0.5) out.push(`strip title ${s.title}`);
    for (const r of s.rows) if (rowNeed(r, s.xAddr) > r.w + 0.5) out.push(`row ${r.key}: ${r.center || `${r.idx} ${r.addr} ${r.perm}`}`);
  }
  for (const c of l.columns) {
    const lines: [string, number][] = [[c.title, FONT.title], [c.sub, FONT.sub], [c.now, FONT.sub], [c.foot, FONT.sub]];
    for (const [t, size] of lines) if (len(t) * size * UI_ADVANCE > c.w - 12 + 0.5) out.push(`column text ${t}`);
  }
  return out;
}
