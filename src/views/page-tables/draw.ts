// The page-table view's SVG, drawn with d3 from a Layout (layout.ts): data joins keyed by table
// and entry, so stepping through a walk moves and recolours what is already there instead of
// redrawing it. Colours come from classes (page-tables.css) over the theme's variables only.
// Transitions last DURATION ms, none under prefers-reduced-motion.

import { select, type BaseType, type Selection } from 'd3';
import 'd3-transition';        // Vite's bundler drops d3's transition patch without it (TOOLCHAIN.md)
import { FONT, type ColumnLayout, type Connector, type Layout, type RowLayout, type StripLayout, type Tip } from './layout';

export const DURATION = 250;

export interface DrawOptions {
  reducedMotion: boolean;
  /** An entry or a table header is hovered or focused (tip), or left (null). */
  onHover?: (tip: Tip | null, target: Element | null) => void;
}

type Sel<E extends BaseType, D> = Selection<E, D, BaseType, unknown>;

/** Set attributes now, or through a transition. */
function move<E extends BaseType, D>(sel: Sel<E, D>, ms: number, set: (s: Sel<E, D>) => void): void {
  if (ms === 0) { set(sel); return; }
  // A transition has the same attr/style API; the types differ only in name.
  set(sel.transition().duration(ms) as unknown as Sel<E, D>);
}

function layer(svg: Sel<SVGSVGElement, unknown>, name: string): Sel<SVGGElement, unknown> {
  let g = svg.select<SVGGElement>(`g.${name}`);
  if (g.empty()) g = svg.append('g').attr('class', name);
  return g as unknown as Sel<SVGGElement, unknown>;
}

export function drawPageTables(svgEl: SVGSVGElement, l: Layout, opts: DrawOptions): void {
  const ms = opts.reducedMotion ? 0 : DURATION;
  const svg = select(svgEl) as unknown as Sel<SVGSVGElement, unknown>;
  svg.attr('viewBox', `0 0 ${l.width} ${l.height}`);
  defs(svg);
  const cols = layer(svg, 'pt-columns');
  const conns = layer(svg, 'pt-connectors');
  const strips = layer(svg, 'pt-strips');
  const head = layer(svg, 'pt-head');
  drawHead(head, l);
  drawColumns(cols, l.columns, ms);
  drawConnectors(conns, l.connectors, ms);
  drawStrips(strips, l.strips, ms, opts);
}

function defs(svg: Sel<SVGSVGElement, unknown>): void {
  if (!svg.select('defs').empty()) return;
  const d = svg.append('defs');
  for (const owner of ['guest', 'host']) {
    d.append('marker').attr('id', `pt-arrow-${owner}`).attr('class', `pt-arrow ${owner}`)
      .attr('viewBox', '0 0 8 8').attr('refX', 7).attr('refY', 4).attr('markerUnits', 'userSpaceOnUse').attr('markerWidth', 8).attr('markerHeight', 8)
      .attr('orient', 'auto-start-reverse')
      .append('path').attr('d', 'M0,0 L8,4 L0,8 z');
  }
}

function drawHead(g: Sel<SVGGElement, unknown>, l: Layout): void {
  const texts = [
    { key: 'status', x: 6, y: 15, anchor: 'start', cls: `pt-status ${l.statusKind}`, text: l.status, size: FONT.header },
    { key: 'head', x: 6, y: 31, anchor: 'start', cls: 'pt-stream', text: l.head, size: FONT.stream },
    { key: 'note', x: l.width / 2, y: l.noteY, anchor: 'middle', cls: 'pt-note', text: l.note ?? '', size: FONT.sub },
  ];
  g.selectAll<SVGTextElement, (typeof texts)[number]>('text').data(texts, (d) => d.key).join('text')
    .attr('class', (d) => d.cls).attr('x', (d) => d.x).attr('y', (d) => d.y).attr('text-anchor', (d) => d.anchor)
    .attr('font-size', (d) => d.size).text((d) => d.text);
}

function drawColumns(g: Sel<SVGGElement, unknown>, cols: ColumnLayout[], ms: number): void {
  const sel = g.selectAll<SVGGElement, ColumnLayout>('g.pt-col').data(cols, (d) => d.key).join((enter) => {
    const c = enter.append('g');
    c.append('rect').attr('class', 'pt-col-frame');
    c.append('rect').attr('class', 'pt-col-head');
    c.append('text').attr('class', 'pt-col-title');
    c.append('text').attr('class', 'pt-col-sub');
    c.append('text').attr('class', 'pt-col-now');
    c.append('text').attr('class', 'pt-col-foot');
    return c;
  });
  sel.attr('class', (d) => `pt-col ${d.owner}`);
  move(sel.select<SVGRectElement>('rect.pt-col-frame'), ms, (s) => s.attr('x', (d) => d.x).attr('y', (d) => d.y).attr('width', (d) => d.w).attr('height', (d) => d.h).attr('rx', 4));
  sel.select('rect.pt-col-head').attr('x', (d) => d.x).attr('y', (d) => d.y).attr('width', (d) => d.w).attr('height', 32).attr('rx', 4);
  sel.select('text.pt-col-title').attr('x', (d) => d.x + 6).attr('y', (d) => d.y + 14).attr('font-size', FONT.title).text((d) => d.title);
  sel.select('text.pt-col-sub').attr('x', (d) => d.x + 6).attr('y', (d) => d.y + 28).attr('font-size', FONT.sub).text((d) => d.sub);
  sel.select('text.pt-col-now').attr('x', (d) => d.x + 6).attr('y', (d) => d.y + 43).attr('font-size', FONT.sub).text((d) => d.now);
  move(sel.select<SVGTextElement>('text.pt-col-foot'), ms, (s) => s.attr('x', (d) => d.x + 6).attr('y', (d) => d.y + d.h - 6));
  sel.select('text.pt-col-foot').attr('font-size', FONT.sub).text((d) => d.foot);
}

function drawConnectors(g: Sel<SVGGElement, unknown>, conns: Connector[], ms: number): void {
  const sel = g.selectAll<SVGPathElement, Connector>('path.pt-conn').data(conns, (d) => d.key).join(
    (enter) => enter.append('path').attr('d', (d) => d.d).attr('opacity', 0),
    (update) => update,
    (exit) => exit.remove(),
  );
  sel.attr('class', (d) => `pt-conn ${d.owner} ${d.state}`).attr('marker-end', (d) => `url(#pt-arrow-${d.owner})`);
  move(sel, ms, (s) => s.attr('d', (d) => d.d).attr('opacity', 1));
}

function drawStrips(g: Sel<SVGGElement, unknown>, strips: StripLayout[], ms: number, opts: DrawOptions): void {
  const sel = g.selectAll<SVGGElement, StripLayout>('g.pt-strip').data(strips, (d) => d.key).join(
    (enter) => {
      const s = enter.append('g').attr('transform', (d) => `translate(${d.x},${d.y})`).attr('opacity', 0);
      s.append('rect').attr('class', 'pt-strip-frame');
      s.append('rect').attr('class', 'pt-strip-head');
      s.append('text').attr('class', 'pt-strip-title');
      s.append('g').attr('class', 'pt-rows');
      return s;
    },
    (update) => update,
    (exit) => exit.remove(),
  );
  sel.attr('class', (d) => `pt-strip ${d.owner}${d.onPath ? ' on-path' : ''}`);
  move(sel, ms, (s) => s.attr('transform', (d) => `translate(${d.x},${d.y})`).attr('opacity', 1));
  move(sel.select<SVGRectElement>('rect.pt-strip-frame'), ms, (s) => s.attr('width', (d) => d.w).attr('height', (d) => d.h));
  sel.select('rect.pt-strip-head').attr('width', (d) => d.w).attr('height', 20);
  sel.select('text.pt-strip-title').attr('x', 5).attr('y', 14).attr('font-size', FONT.strip).text((d) => d.title);
  hover(sel.select<SVGRectElement>('rect.pt-strip-head'), (d) => d.tip, opts);
  sel.each(function (d) {
    drawRows(select(this).select<SVGGElement>('g.pt-rows') as unknown as Sel<SVGGElement, unknown>, d, ms, opts);
  });
}

function drawRows(g: Sel<SVGGElement, unknown>, strip: StripLayout, ms: number, opts: DrawOptions): void {
  const sel = g.selectAll<SVGGElement, RowLayout>('g.pt-row').data(strip.rows, (d) => d.key).join(
    (enter) => {
      const r = enter.append('g').attr('transform', (d) => `translate(0,${d.y - strip.y})`);
      r.append('rect').attr('class', 'pt-row-bg');
      r.append('rect').attr('class', 'pt-row-bar');
      r.append('text').attr('class', 'pt-idx');
      r.append('text').attr('class', 'pt-count');
      r.append('rect').attr('class', 'pt-glyph-box');
      r.append('text').attr('class', 'pt-glyph');
      r.append('text').attr('class', 'pt-addr');
      r.append('text').attr('class', 'pt-perm');
      r.append('text').attr('class', 'pt-center');
      return r;
    },
    (update) => update,
    (exit) => exit.remove(),
  );
  sel.attr('class', (d) => `pt-row ${d.kind} ${d.state}`).attr('tabindex', 0).attr('role', 'listitem').attr('aria-label', (d) => d.label);
  move(sel, ms, (s) => s.attr('transform', (d) => `translate(0,${d.y - strip.y})`));
  move(sel.select<SVGRectElement>('rect.pt-row-bg'), ms, (s) => s.attr('x', 0.5).attr('width', (d) => d.w - 1).attr('height', (d) => d.h));
  sel.select('rect.pt-row-bar').attr('x', 0.5).attr('width', 3).attr('height', (d) => d.h)
    .attr('display', (d) => (d.state === 'plain' ? 'none' : null));
  const two = (d: RowLayout): boolean => d.h > 24;
  const line2 = (d: RowLayout): number => (two(d) ? 27 : d.h / 2 + 3.8);
  sel.select('text.pt-idx').attr('x', 5).attr('y', (d) => (two(d) ? 12.5 : line2(d))).attr('font-size', FONT.row).text((d) => d.idx);
  sel.select('text.pt-count').attr('x', (d) => d.w - 4).attr('y', 12.5).attr('text-anchor', 'end').attr('font-size', FONT.row).text((d) => d.count);
  sel.select('rect.pt-glyph-box').attr('x', strip.xGlyph).attr('y', (d) => line2(d) - 10).attr('width', 11).attr('height', 13).attr('rx', 2)
    .attr('display', (d) => (d.glyph === '' ? 'none' : null));
  sel.select('text.pt-glyph').attr('x', strip.xGlyph + 5.5).attr('y', line2).attr('text-anchor', 'middle').attr('font-size', FONT.row - 1).text((d) => d.glyph);
  sel.select('text.pt-addr').attr('x', strip.xAddr).attr('y', line2).attr('font-size', FONT.row).text((d) => d.addr);
  sel.select('text.pt-perm').attr('x', (d) => d.w - 4).attr('y', line2).attr('text-anchor', 'end').attr('font-size', FONT.row).text((d) => d.perm);
  sel.select('text.pt-center').attr('x', (d) => d.w / 2).attr('y', (d) => d.h / 2 + 3.8).attr('text-anchor', 'middle').attr('font-size', FONT.row).text((d) => d.center);
  hover(sel, (d) => d.tip, opts);
}

function hover<E extends Element, D>(sel: Sel<E, D>, tip: (d: D) => Tip, opts: DrawOptions): void {
  const on = opts.onHover;
  if (!on) return;
  sel.on('mouseenter focus', function (_ev: Event, d: D) { on(tip(d), this); })
    .on('mouseleave blur', () => on(null, null));
}
