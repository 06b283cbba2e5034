// The walk grid's geometry: a pure function from the view-model (src/worker/models/walk.ts) to
// positioned boxes and text, in viewBox units (the SVG scales with its container). No DOM, no
// d3: tested in Node (layout.test.ts); draw.ts puts it on screen. Classes name who owns a cell
// and what happened to it; walk-grid.css turns them into the theme's colours.
//
// Scales, declared: x is one band per column (STE, CD, gL0..gL3, output), y one band per row
// (S2 level s..3, then the stage-1 read); a band is CELL_W x CELL_H plus a gap. Text is sized
// for a projector: the grid given ~800 px keeps read numbers near 19 px and labels near 12 px.

import type { WalkCell, WalkColumn, WalkGridVM, WalkRow } from '../../worker/models/walk';

export const ROW_HEAD_W = 104;
export const COL_HEAD_H = 88;
export const CELL_W = 114;
export const CELL_H = 64;
export const GAP_X = 8;
export const GAP_Y = 10;
export const PAD = 6;
/** The TLB-hit cell: one wide box instead of the walk. */
export const TLB_W = 400;
export const TLB_MIN_H = 180;

/** Font sizes (viewBox units) and the advance of a monospace digit, for fitting text. */
export const FONT = { num: 23, numPending: 16, label: 15, small: 13.5, head: 16, space: 13.5, addr: 14.5, rowHead: 14, tlbTitle: 26, tlbLine: 15 } as const;
export const MONO_ADVANCE = 0.6;

export interface LText {
  text: string;
  /** Relative to the cell's (or header's) top-left corner. */
  x: number;
  y: number;
  size: number;
  /** Class names: wg-t plus a role (num, label, mark, addr...). */
  cls: string;
  anchor?: 'start' | 'middle' | 'end';
  mono?: boolean;
  /** When the estimated width exceeds this, draw.ts squeezes it with textLength. */
  fit?: number;
}

export interface LColumn {
  id: string;
  x: number;
  w: number;
  owner: WalkColumn['owner'];
  texts: LText[];
}

export interface LRow {
  id: string;
  y: number;
  h: number;
  kind: 's2' | 'read';
  texts: LText[];
}

export interface LCell {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Grid coordinates, for arrow-key moves. */
  ci: number;
  ri: number;
  cls: string;
  texts: LText[];
  /** What a screen reader says on focus. */
  aria: string;
  cell: WalkCell;
}

export interface GridLayout {
  width: number;
  height: number;
  /** Height of the column headings' band. */
  colHead: number;
  columns: LColumn[];
  rows: LRow[];
  cells: LCell[];
}

/** Estimated width of `text` at `size`: exact for monospace; for the UI font a generous
 *  per-character guess (capitals and digits wide, lower case narrower), so that a squeeze
 *  (textLength) happens whenever the text might not fit. */
export function textWidth(text: string, size: number, mono = false): number {
  if (mono) return text.length * size * MONO_ADVANCE;
  let em = 0;
  for (const ch of text) em += /[A-Z_MW✕→]/.test(ch) ? 0.72 : /[0-9a-z]/.test(ch) ? 0.6 : ch === ' ' ? 0.32 : 0.4;
  return em * size;
}

function t(text: string, x: number, y: number, size: number, cls: string, more: Partial<LText> = {}): LText {
  const out: LText = { text, x, y, size, cls: `wg-t ${cls}`, ...more };
  if (out.fit !== undefined && textWidth(text, size, out.mono) <= out.fit) delete out.fit;
  return out;
}

/** Hex digits of "PA 0x8_0010_0040" and the like: the space name, then the number. */
function splitAddr(a: string): [string, string] {
  const i = a.indexOf(' ');
  return i < 0 ? ['', a] : [a.slice(0, i), a.slice(i + 1)];
}

export function layoutGrid(vm: WalkGridVM): GridLayout {
  const tlbOnly = vm.mode === 'tlb-hit' && vm.columns.length === 1;
  const rowHead = tlbOnly ? 0 : ROW_HEAD_W;
  const colHead = tlbOnly ? 40 : COL_HEAD_H;
  const rows: LRow[] = [];
  const rowIndex = new Map<string, number>();
  const rowsShown: WalkRow[] = tlbOnly ? [] : vm.rows;
  rowsShown.forEach((r, i) => {
    const y = colHead + i * (CELL_H + GAP_Y);
    rowIndex.set(r.id, i);
    rows.push({
      id: r.id, y, h: CELL_H, kind: r.id === 'read' ? 'read' : 's2',
      texts: [t(r.label, rowHead - 12, CELL_H / 2 + FONT.rowHead * 0.35, FONT.rowHead, `wg-rowhead ${r.id === 'read' ? 'wg-read' : 'wg-s2'}`, { anchor: 'end', fit: rowHead - 16 })],
    });
  });
  const gridH = rowsShown.length > 0 ? rowsShown.length * (CELL_H + GAP_Y) - GAP_Y : 0;

  const columns: LColumn[] = [];
  const colIndex = new Map<string, number>();
  let x = rowHead;
  vm.columns.forEach((c, i) => {
    const w = c.id === 'tlb' ? TLB_W : CELL_W;
    colIndex.set(c.id, i);
    const texts: LText[] = [t(c.label, w / 2, 20, FONT.head, 'wg-colhead', { anchor: 'middle', fit: w - 4 })];
    // The address the column is about: its space's name, then the number (VIEWS.md).
    if (c.addr !== null && c.id !== 'tlb') {
      const [space, num] = splitAddr(c.addr);
      texts.push(t(space, w / 2, 39, FONT.space, 'wg-space wg-muted', { anchor: 'middle' }));
      texts.push(t(num, w / 2, 57, FONT.addr, 'wg-addr', { anchor: 'middle', mono: true, fit: w - 4 }));
    }
    if (c.s2Tlb === 'hit') texts.push(t('S2 TLB hit', w / 2, 74, FONT.small, 'wg-tag wg-hit', { anchor: 'middle' }));
    columns.push({ id: c.id, x, w, owner: c.owner, texts });
    x += w + GAP_X;
  });
  const width = Math.max(x - GAP_X, rowHead + CELL_W) + PAD;

  const cells: LCell[] = [];
  for (const c of vm.cells) {
    const ci = colIndex.get(c.col);
    if (ci === undefined) continue;
    const col = columns[ci];
    if (c.kind === 'tlb') {
      const h = Math.max(TLB_MIN_H, gridH);
      cells.push({ id: c.id, x: col.x, y: colHead, w: col.w, h, ci, ri: 0, cls: cellClass(c), texts: tlbTexts(vm, c, col.w), aria: ariaOf(c), cell: c });
      continue;
    }
    const ri = rowIndex.get(c.row);
    if (ri === undefined) continue;
    cells.push({ id: c.id, x: col.x, y: rows[ri].y, w: col.w, h: CELL_H, ci, ri, cls: cellClass(c), texts: cellTexts(c, vm), aria: ariaOf(c), cell: c });
  }
  const tlbH = cells.some((c) => c.cell.kind === 'tlb') ? Math.max(TLB_MIN_H, gridH) : 0;
  const height = colHead + Math.max(gridH, tlbH) + PAD;
  return { width, height, colHead, columns, rows, cells };
}

function cellClass(c: WalkCell): string {
  const cls = ['wg-cell', `owner-${c.owner}`, `state-${c.state}`, `kind-${c.kind}`];
  if (c.fault) cls.push('fault');
  if (c.kind === 'result' && c.state !== 'pending' && c.state !== 'unreached') cls.push(c.label.startsWith('✕') ? 'result-fault' : 'result-ok');
  return cls.join(' ');
}

function cellTexts(c: WalkCell, vm: WalkGridVM): LText[] {
  const w = CELL_W;
  const out: LText[] = [];
  const read = c.state === 'done' || c.state === 'current';
  if (c.kind === 'result') {
    const space = 'PA';
    if (c.state === 'pending' || c.state === 'unreached') {
      out.push(t(`→ ${space}`, 10, 24, FONT.label, 'wg-label wg-muted'));
      return out;
    }
    if (c.label.startsWith('✕')) {
      out.push(t('✕', w - 10, 24, FONT.num, 'wg-mark wg-fault-text', { anchor: 'end' }));
      out.push(t('aborted', 10, 24, FONT.label, 'wg-label wg-fault-text'));
      out.push(t(c.label.slice(2), 10, CELL_H - 12, FONT.small, 'wg-label wg-fault-text wg-strong', { fit: w - 16 }));
      return out;
    }
    const [sp, num] = splitAddr(c.label);
    out.push(t(`→ ${sp || space}`, 10, 24, FONT.label, 'wg-label'));
    out.push(t(num, 6, CELL_H - 13, FONT.addr, 'wg-value', { mono: true, fit: w - 10 }));
    return out;
  }
  if (c.read !== null) {
    out.push(t(String(c.read), 10, 29, read ? FONT.num : FONT.numPending, read ? 'wg-num' : 'wg-num wg-muted'));
  }
  if (c.fault) {
    out.push(t('✕', w - 10, 26, FONT.num, 'wg-mark wg-fault-text', { anchor: 'end' }));
    out.push(t(c.fault.name, 10, CELL_H - 12, FONT.small, 'wg-label wg-fault-text wg-strong', { fit: w - 16 }));
    return out;
  }
  if (read) {
    out.push(t(c.label, 10, CELL_H - 12, FONT.label, 'wg-label', { fit: w - 16 }));
  } else if (c.state === 'skipped') {
    const col = vm.columns.find((x) => x.id === c.col);
    out.push(t(col?.s2Tlb === 'hit' && c.kind === 'S2' ? 'in S2 TLB' : 'not needed', w / 2, CELL_H / 2 + 4, FONT.small, 'wg-label wg-muted', { anchor: 'middle' }));
  }
  return out;
}

function tlbTexts(vm: WalkGridVM, c: WalkCell, w: number): LText[] {
  const f = new Map(c.fields.map((x) => [x.name, x.meaning]));
  const out: LText[] = [
    t('✓', w - 18, 40, FONT.tlbTitle, 'wg-mark wg-hit', { anchor: 'end' }),
    t('TLB hit', 18, 40, FONT.tlbTitle, 'wg-tlb-title wg-hit'),
  ];
  const asid = f.get('ASID');
  const lines = [
    `${f.get('Kind') ?? ''} entry`,
    `VMID ${f.get('VMID') ?? '?'}${asid ? ` · ASID ${asid}` : ''}`,
    f.get('Input') ?? '',
    [f.get('IPA') ? `IPA ${f.get('IPA')}` : '', f.get('Output') ?? ''].filter(Boolean).join(' → '),
    `no table reads (a miss: ${vm.counters.walkExpected} walk reads)`,
  ].filter((s) => s.length > 0);
  lines.forEach((s, i) => out.push(t(s, 18, 72 + i * 22, FONT.tlbLine, i === 0 ? 'wg-label wg-muted' : 'wg-label', { fit: w - 30 })));
  if (c.fault) out.push(t(`✕ ${c.fault.name}`, 18, 72 + lines.length * 22 + 6, FONT.tlbLine, 'wg-label wg-fault-text wg-strong', { fit: w - 30 }));
  return out;
}

function ariaOf(c: WalkCell): string {
  const parts: string[] = [];
  if (c.kind === 'tlb') parts.push('TLB hit');
  else if (c.kind === 'result') parts.push(`result: ${c.state === 'pending' || c.state === 'unreached' ? 'not yet' : c.label.replace('✕', 'fault')}`);
  else {
    if (c.read !== null) parts.push(`read ${c.read}${c.state === 'pending' ? ' (to come)' : ''}`);
    parts.push(c.what);
    if (c.state === 'skipped') parts.push('not needed');
    if (c.state === 'unreached') parts.push('not reached');
    if ((c.state === 'done' || c.state === 'current') && c.label) parts.push(c.label);
  }
  if (c.fault) parts.push(`fault: ${c.fault.text}`);
  if (c.state === 'current') parts.push('current');
  return parts.join(', ');
}
