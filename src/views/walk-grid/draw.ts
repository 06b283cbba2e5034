// The walk grid's SVG, drawn with d3 from a GridLayout (layout.ts). Data joins are keyed by
// cell, column and row id, so stepping recolours and refills the cells that are already there:
// a cell just read slides and fades its content in, the current cell pulses once, a new grid
// shape fades in. Each step's motion lasts at most MS ms; under prefers-reduced-motion nothing
// moves (attributes are set directly, no transition is scheduled). Colours come only from
// classes (walk-grid.css) over the theme's variables.

import { local, select, type BaseType, type Selection } from 'd3';
import 'd3-transition';        // Vite's bundler drops d3's transition patch without it (TOOLCHAIN.md)
import { textWidth, type GridLayout, type LCell, type LColumn, type LRow, type LText } from './layout';

/** One step's animation, in milliseconds (VIEWS.md: <= 300 ms per step). */
export const MS = 260;

export interface DrawOptions {
  reducedMotion: boolean;
  /** A cell is hovered (id) or left (null). */
  onHover(id: string | null): void;
  /** A cell got keyboard focus (id) or lost it (null). */
  onFocus(id: string | null): void;
  /** A key went down on a focused cell. */
  onKey(id: string, e: KeyboardEvent): void;
}

type Sel<E extends BaseType, D> = Selection<E, D, BaseType, unknown>;

/** Each cell element remembers the state it was drawn with, to know what changed. */
const drawnState = local<string>();

function layer(svg: Sel<SVGSVGElement, unknown>, name: string): Sel<SVGGElement, unknown> {
  let g = svg.select<SVGGElement>(`g.${name}`);
  if (g.empty()) g = svg.append('g').attr('class', name);
  return g as unknown as Sel<SVGGElement, unknown>;
}

const translate = (x: number, y: number): string => `translate(${x},${y})`;

/** Draw `texts` into `g` (replacing what was there): few, small, cheap. */
function writeTexts(g: Sel<SVGGElement, unknown>, texts: readonly LText[]): void {
  const sel = g.selectAll<SVGTextElement, LText>('text').data(texts);
  sel.exit().remove();
  sel.enter().append('text').merge(sel)
    .attr('class', (d) => d.cls + (d.mono ? ' wg-mono' : ''))
    .attr('x', (d) => d.x)
    .attr('y', (d) => d.y)
    .attr('font-size', (d) => d.size)
    .attr('text-anchor', (d) => d.anchor ?? 'start')
    .attr('textLength', (d) => (d.fit !== undefined && textWidth(d.text, d.size, d.mono) > d.fit ? d.fit : null))
    .attr('lengthAdjust', (d) => (d.fit !== undefined ? 'spacingAndGlyphs' : null))
    .text((d) => d.text);
}

export function drawGrid(svgEl: SVGSVGElement, l: GridLayout, opts: DrawOptions): void {
  const ms = opts.reducedMotion ? 0 : MS;
  const svg = select(svgEl) as unknown as Sel<SVGSVGElement, unknown>;
  svg.attr('viewBox', `0 0 ${l.width} ${l.height}`);
  drawRows(layer(svg, 'wg-rows'), l.rows, ms);
  drawColumns(layer(svg, 'wg-cols'), l.columns, l.colHead, ms);
  drawCells(layer(svg, 'wg-cells'), l.cells, ms, opts);
}

function drawRows(g: Sel<SVGGElement, unknown>, rows: readonly LRow[], ms: number): void {
  const sel = g.selectAll<SVGGElement, LRow>('g.wg-row:not(.wg-exiting)').data(rows, (d) => d.id);
  exit(sel.exit<LRow>(), ms);
  const enter = sel.enter().append('g').attr('class', 'wg-row').attr('transform', (d) => translate(0, d.y));
  fadeIn(enter, ms);
  const all = enter.merge(sel);
  all.each(function (d) { writeTexts(select(this) as unknown as Sel<SVGGElement, unknown>, d.texts); });
  move(sel, ms, (s) => s.attr('transform', (d) => translate(0, d.y)));
}

function drawColumns(g: Sel<SVGGElement, unknown>, cols: readonly LColumn[], colHead: number, ms: number): void {
  const sel = g.selectAll<SVGGElement, LColumn>('g.wg-col:not(.wg-exiting)').data(cols, (d) => d.id);
  exit(sel.exit<LColumn>(), ms);
  const enter = sel.enter().append('g').attr('transform', (d) => translate(d.x, 0));
  enter.append('rect').attr('class', 'wg-colbar').attr('height', 3).attr('rx', 1.5);
  fadeIn(enter, ms);
  const all = enter.merge(sel);
  all.attr('class', (d) => `wg-col owner-${d.owner}`);
  all.select('rect.wg-colbar').attr('x', 8).attr('y', colHead - 6).attr('width', (d) => d.w - 16);
  all.each(function (d) { writeTexts(select(this) as unknown as Sel<SVGGElement, unknown>, d.texts); });
  move(sel, ms, (s) => s.attr('transform', (d) => translate(d.x, 0)));
}

function drawCells(g: Sel<SVGGElement, unknown>, cells: readonly LCell[], ms: number, opts: DrawOptions): void {
  const sel = g.selectAll<SVGGElement, LCell>('g.wg-cell:not(.wg-exiting)').data(cells, (d) => d.id);
  exit(sel.exit<LCell>(), ms);

  const enter = sel.enter().append('g')
    .attr('transform', (d) => translate(d.x, d.y))
    .attr('role', 'button')
    .attr('tabindex', -1)
    .attr('data-id', (d) => d.id);
  enter.append('rect').attr('class', 'wg-pulse').attr('rx', 9);
  enter.append('rect').attr('class', 'wg-box').attr('rx', 7);
  enter.append('g').attr('class', 'wg-content');
  enter
    .on('mouseenter', (_e, d) => opts.onHover(d.id))
    .on('mouseleave', () => opts.onHover(null))
    .on('focus', (_e, d) => opts.onFocus(d.id))
    .on('blur', () => opts.onFocus(null))
    .on('keydown', (e: KeyboardEvent, d) => opts.onKey(d.id, e));
  fadeIn(enter, ms);

  const all = enter.merge(sel);
  all.attr('class', (d) => d.cls).attr('aria-label', (d) => d.aria).attr('data-state', (d) => d.cell.state);
  all.select('rect.wg-box').attr('width', (d) => d.w).attr('height', (d) => d.h);
  all.select('rect.wg-pulse').attr('x', -2).attr('y', -2).attr('width', (d) => d.w + 4).attr('height', (d) => d.h + 4).style('opacity', 0);
  all.each(function (d) { writeTexts(select(this).select('g.wg-content') as unknown as Sel<SVGGElement, unknown>, d.texts); });
  move(sel, ms, (s) => s.attr('transform', (d) => translate(d.x, d.y)));

  // What changed since the last draw: a read arriving, the current cell moving.
  const isRead = (s: string): boolean => s === 'done' || s === 'current';
  const arrived = sel.filter(function (d) {
    const before = drawnState.get(this);
    return before !== undefined && !isRead(before) && isRead(d.cell.state);
  });
  const pulse = all.filter(function (d) {
    return d.cell.state === 'current' && drawnState.get(this) !== 'current';
  });
  all.each(function (d) { drawnState.set(this, d.cell.state); });
  if (ms === 0) return;
  arrived.select('g.wg-content')
    .attr('transform', translate(0, 8)).style('opacity', 0)
    .transition('arrive').duration(ms).attr('transform', translate(0, 0)).style('opacity', null);
  pulse.select<SVGRectElement>('rect.wg-pulse')
    .style('opacity', 0.9).attr('stroke-width', 3)
    .transition('pulse').duration(ms + 40)
    .attr('x', -9).attr('y', -9).attr('width', (d) => d.w + 18).attr('height', (d) => d.h + 18)
    .attr('stroke-width', 1).style('opacity', 0);
}

// ---- motion helpers: transitions, or nothing under reduced motion ------------------------------

// Each kind of motion has its own transition name, so that a step arriving while the last one
// still animates (key repeat, fast play) interrupts only the same kind of motion: an unnamed
// move would cut a fade-in short and leave a cell half transparent for good.

/** Set attributes now, or through a transition. */
function move<E extends BaseType, D>(sel: Sel<E, D>, ms: number, set: (s: Sel<E, D>) => void): void {
  if (ms === 0) { set(sel); return; }
  // A transition has the same attr/style API; the types differ only in name.
  set(sel.transition('move').duration(ms) as unknown as Sel<E, D>);
}

/** Fade in to the opacity the stylesheet gives (a done cell's 0.82, an unreached one's 0.45),
 *  and leave no inline opacity behind: `style('opacity', null)` tweens to the computed value
 *  and removes the property at the end, so the classes decide again, as under reduced motion. */
function fadeIn<E extends BaseType, D>(sel: Selection<E, D, SVGGElement, unknown>, ms: number): void {
  if (ms === 0) return;
  sel.style('opacity', 0).transition('fade').duration(ms).style('opacity', null);
}

/** Leaving elements are marked so the next join (which may come before they are gone) does not
 *  pick them up again and lose them at the end of their fade. */
function exit<D>(sel: Selection<SVGGElement, D, SVGGElement, unknown>, ms: number): void {
  if (ms === 0) { sel.remove(); return; }
  sel.classed('wg-exiting', true).interrupt('fade').transition('exit').duration(ms).style('opacity', 0).remove();
}
