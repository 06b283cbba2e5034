// The two-stage walk grid (shared/VIEWS.md, the signature view): one SVG owned by this component
// and drawn with d3 (draw.ts) from a pure layout (layout.ts) of the worker's WalkGridVM. React
// renders the counter, the legend, the fault banner and the decoded fields of the hovered or
// focused cell; d3 owns everything inside the <svg>. Cells are keyboard focusable (one tab stop,
// arrow keys move between cells) so a presenter can walk the grid without a mouse.

import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode, type Ref } from 'react';
import type { WalkCell, WalkGridVM } from '../../worker/models/walk';
import { drawGrid } from './draw';
import { layoutGrid, type LCell } from './layout';
import './walk-grid.css';

export interface WalkGridProps {
  vm: WalkGridVM | null;
}

const prefersReducedMotion = (): boolean =>
  typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

const CONFIG_WORDS: Record<WalkGridVM['config'], string> = {
  nested: 'nested', s1: 'stage 1 only', s2: 'stage 2 only', bypass: 'bypass', abort: 'abort', unknown: 'no valid STE',
};

export default function WalkGrid({ vm }: WalkGridProps) {
  if (vm === null) {
    return (
      <div className="walk-grid empty" data-testid="walk-grid">
        <p><b>No SMMU transaction in this step.</b></p>
        <p>Go to a <code>dev.dma(...)</code> or <code>edu.dma(...)</code> line: F11 steps into its walk one read at a time.</p>
      </div>
    );
  }
  return <Grid vm={vm} />;
}

function Grid({ vm }: { vm: WalkGridVM }) {
  const svgRef = useRef<SVGSVGElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const detailRef = useRef<HTMLDivElement>(null);
  const [hoverId, setHoverId] = useState<string | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);
  const layout = useMemo(() => layoutGrid(vm), [vm]);
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const focusIdRef = useRef<string | null>(null);
  focusIdRef.current = focusId;

  // d3 draws into the SVG after React committed; the handlers read the latest layout.
  useEffect(() => {
    const svg = svgRef.current;
    if (svg === null) return;
    drawGrid(svg, layout, {
      reducedMotion: prefersReducedMotion(),
      onHover: setHoverId,
      onFocus: setFocusId,
      onKey: (id, e) => onKey(svg, layoutRef.current.cells, id, e),
    });
    rovingTabStop(svg, layout.cells, focusIdRef.current ?? vm.currentId);
  }, [layout, vm.currentId]);

  const detailId = hoverId ?? focusId;
  const detail = detailId === null ? null : vm.cells.find((c) => c.id === detailId) ?? null;

  // Mark the focused cell (the SVG's own :focus-visible does not show on every browser) and
  // place the details beside the cell they describe.
  useLayoutEffect(() => {
    const svg = svgRef.current, wrap = wrapRef.current, box = detailRef.current;
    svg?.querySelectorAll('g.wg-cell.focused').forEach((n) => n.classList.remove('focused'));
    if (svg && focusId) svg.querySelector(`g.wg-cell[data-id="${CSS.escape(focusId)}"]`)?.classList.add('focused');
    if (!svg || !wrap || !box || detailId === null) return;
    const el = svg.querySelector(`g.wg-cell[data-id="${CSS.escape(detailId)}"]`);
    if (!el) return;
    const p = placeBeside(el.getBoundingClientRect(), wrap.getBoundingClientRect(), box.getBoundingClientRect());
    box.style.left = `${Math.round(p.left)}px`;
    box.style.top = `${Math.round(p.top)}px`;
  }, [detailId, focusId, layout]);

  const c = vm.counters;
  const fault = vm.outcome.fault;
  return (
    <div className="walk-grid" data-testid="walk-grid" data-mode={vm.mode} data-status={vm.outcome.status}>
      <div className="wg-top">
        <div className="wg-counter" aria-label={`walk reads ${c.walkReads} of ${c.walkExpected}, all reads ${c.reads}`}>
          walk reads <span data-testid="grid-walk-reads">{c.walkReads}</span>
          <span className="wg-of"> / {c.walkExpected}</span>
          <span className="wg-sep">·</span>
          <span className="wg-all">all reads <span data-testid="grid-all-reads">{c.reads}</span></span>
        </div>
        <Legend vm={vm} />
      </div>
      <div className="wg-meta">
        <b className="wg-mono">{vm.input}</b> · StreamID <span className="wg-mono">0x{vm.sid.toString(16)}</span>
        {vm.ssid !== null && <> · SubstreamID {vm.ssid}</>} · {vm.access} · {CONFIG_WORDS[vm.config]}
        {vm.config !== 'unknown' && (vm.n > 0 || vm.m > 0) && <> (n = {vm.n}, m = {vm.m})</>}
        {cacheWords(vm) && <> · {cacheWords(vm)}</>}
      </div>
      {fault && (
        <p className="wg-fault-banner" role="status">
          ✕ <span className="wg-mono">{fault.text}</span>
          {fault.why && <span className="wg-why"> ({fault.why})</span>}
          {!fault.recorded && <span className="wg-why"> (not recorded in the Event queue)</span>}
        </p>
      )}
      <div className="wg-svg-wrap" ref={wrapRef}>
        <svg
          ref={svgRef}
          role="group"
          aria-label={`Two-stage walk grid for ${vm.input}: ${vm.narration}`}
          preserveAspectRatio="xMidYMin meet"
          style={{ maxWidth: `${Math.round(layout.width * 1.3)}px`, maxHeight: `${Math.round(layout.height * 1.3)}px` }}
        />
        {detail && <Detail ref={detailRef} cell={detail} />}
      </div>
    </div>
  );
}

/** Where the details go: right of the cell, left, below, above; the first that fits inside the
 *  view, else the one that overflows least, kept inside and never over the cell if avoidable. */
function placeBeside(cell: DOMRect, view: DOMRect, box: DOMRect): { left: number; top: number } {
  const cx = cell.left - view.left, cy = cell.top - view.top;
  const gap = 10;
  const clampX = (x: number): number => Math.max(0, Math.min(x, view.width - box.width));
  const clampY = (y: number): number => Math.max(0, Math.min(y, view.height - box.height));
  const options = [
    { left: cx + cell.width + gap, top: clampY(cy) },
    { left: cx - box.width - gap, top: clampY(cy) },
    { left: clampX(cx), top: cy + cell.height + gap },
    { left: clampX(cx), top: cy - box.height - gap },
  ];
  const overflow = (o: { left: number; top: number }): number =>
    Math.max(0, -o.left) + Math.max(0, o.left + box.width - view.width) + Math.max(0, -o.top) + Math.max(0, o.top + box.height - view.height);
  const best = options.find((o) => overflow(o) === 0) ?? options.slice().sort((a, b) => overflow(a) - overflow(b))[0];
  return { left: clampX(best.left), top: clampY(best.top) };
}

function cacheWords(vm: WalkGridVM): string {
  const parts: string[] = [];
  const cfg = [vm.cfg.ste ? `STE ${vm.cfg.ste}` : '', vm.cfg.cd ? `CD ${vm.cfg.cd}` : ''].filter(Boolean);
  if (cfg.length > 0) parts.push(`config cache: ${cfg.join(', ')}`);
  if (vm.tlb) parts.push(vm.tlb.hit ? 'TLB hit' : 'TLB miss');
  return parts.join(' · ');
}

/** Who owns what, in this configuration: a guest's stage 1 and CD when nested, the host's own
 *  stage-1 domain (its CD and tables) without stage 2. */
function Legend({ vm }: { vm: WalkGridVM }) {
  const guest = vm.config === 'nested';
  const host = vm.config === 's1' ? 'host (STE, CD, stage 1)' : vm.config === 'nested' || vm.config === 's2' ? 'host (STE, stage 2)' : 'host (STE)';
  return (
    <ul className="wg-legend" aria-label="Legend">
      {guest && <li><span className="wg-swatch owner-guest" />guest (stage 1, CD)</li>}
      <li><span className="wg-swatch owner-host" />{host}</li>
      <li><span className="wg-swatch owner-hw" />hardware (TLB, result)</li>
      <li><span className="wg-swatch current" />current</li>
      <li><span className="wg-swatch pending" />to come</li>
      <li><span className="wg-swatch fault" />✕ fault</li>
    </ul>
  );
}

function Detail({ cell, ref }: { cell: WalkCell; ref: Ref<HTMLDivElement> }) {
  const what = cell.what.charAt(0).toUpperCase() + cell.what.slice(1);
  const where: ReactNode[] = [];
  if (cell.read !== null) where.push(<span key="r">read <b>{cell.read}</b>{cell.state === 'pending' ? ' (not yet)' : ''}</span>);
  if (cell.ipa) where.push(<span key="i">IPA <b className="wg-mono">{cell.ipa}</b></span>);
  if (cell.pa) where.push(<span key="p">PA <b className="wg-mono">{cell.pa}</b></span>);
  if (cell.value) where.push(<span key="v">value <b className="wg-mono">{cell.value}</b></span>);
  if (cell.state === 'skipped') where.push(<span key="s">not needed</span>);
  if (cell.state === 'unreached') where.push(<span key="u">never reached: the walk stopped at the fault</span>);
  if (cell.kind === 'result' && cell.state !== 'pending' && cell.state !== 'unreached') where.push(<span key="o"><b className="wg-mono">{cell.label}</b></span>);
  return (
    <div ref={ref} className={`wg-detail owner-${cell.owner}`} role="tooltip" data-testid="grid-detail">
      <h3>{what}</h3>
      {where.length > 0 && <p className="wg-where">{where.flatMap((x, i) => (i === 0 ? [x] : [' · ', x]))}</p>}
      {cell.fault && <p className="wg-fault-line">✕ {cell.fault.text}{cell.fault.why ? ` (${cell.fault.why})` : ''}</p>}
      {cell.fields.length > 0 && (
        <table>
          <tbody>
            {cell.fields.map((f) => (
              <tr key={f.name + f.bits}>
                <th scope="row">{f.name}</th>
                <td className="wg-bits">{f.bits ? `[${f.bits}]` : ''}</td>
                <td className="wg-raw">{f.raw}</td>
                <td>{f.meaning}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cell.state === 'pending' && cell.kind !== 'result' && <p className="wg-where">Not read yet: step into the walk (F11) to see it.</p>}
    </div>
  );
}

// ---- keyboard: one tab stop, arrows between cells ----------------------------------------------

function rovingTabStop(svg: SVGSVGElement, cells: readonly LCell[], preferred: string | null): void {
  const ids = new Set(cells.map((c) => c.id));
  const stop = preferred !== null && ids.has(preferred) ? preferred : cells[0]?.id ?? null;
  svg.querySelectorAll<SVGGElement>('g.wg-cell').forEach((n) => n.setAttribute('tabindex', n.dataset.id === stop ? '0' : '-1'));
}

function onKey(svg: SVGSVGElement, cells: readonly LCell[], id: string, e: KeyboardEvent): void {
  const here = cells.find((c) => c.id === id);
  if (!here) return;
  let next: LCell | undefined;
  const dist = (c: LCell): number => Math.abs(c.ci - here.ci) * 10 + Math.abs(c.ri - here.ri);
  const pick = (pred: (c: LCell) => boolean): LCell | undefined => cells.filter(pred).sort((a, b) => dist(a) - dist(b))[0];
  switch (e.key) {
    case 'ArrowRight': next = pick((c) => c.ci > here.ci && c.ri === here.ri) ?? pick((c) => c.ci > here.ci); break;
    case 'ArrowLeft': next = pick((c) => c.ci < here.ci && c.ri === here.ri) ?? pick((c) => c.ci < here.ci); break;
    case 'ArrowDown': next = pick((c) => c.ri > here.ri && c.ci === here.ci); break;
    case 'ArrowUp': next = pick((c) => c.ri < here.ri && c.ci === here.ci); break;
    case 'Home': next = cells[0]; break;
    case 'End': next = cells[cells.length - 1]; break;
    case 'Escape': (e.target as SVGGElement | null)?.blur(); e.preventDefault(); return;
    default: return;
  }
  e.preventDefault();
  e.stopPropagation();          // arrows inside the grid are not the app's step keys
  if (!next) return;
  const el = svg.querySelector<SVGGElement>(`g.wg-cell[data-id="${CSS.escape(next.id)}"]`);
  if (!el) return;
  svg.querySelectorAll<SVGGElement>('g.wg-cell').forEach((n) => n.setAttribute('tabindex', n === el ? '0' : '-1'));
  el.focus();
}
