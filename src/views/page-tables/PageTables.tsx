// The page-table view (shared/VIEWS.md "Page tables"): the stage-1 tree beside the stage-2 tree,
// the current walk's path drawn through both. React owns the box and the hover card; d3 owns
// the SVG's contents (draw.ts), laid out by layout.ts from the worker's model.

import { useEffect, useMemo, useRef, useState } from 'react';
import type { PageTablesVM } from '../../worker/models/tables';
import { drawPageTables } from './draw';
import { layoutPageTables, type Panel, type Tip } from './layout';
import './page-tables.css';

export interface PageTablesProps {
  vm: PageTablesVM | null;
}

interface Hover {
  tip: Tip;
  left: number;
  top: number;
}

function reducedMotion(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' &&
    window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

export default function PageTables({ vm }: PageTablesProps) {
  const box = useRef<HTMLDivElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  // The panel's size: a wide, short panel (presenter mode) gets a wider arrangement (layout.ts).
  const [panel, setPanel] = useState<Panel | undefined>(undefined);
  useEffect(() => {
    const el = box.current;
    if (el === null || typeof ResizeObserver === 'undefined') return;
    const measure = () => {
      // The content box (inside the padding), rounded down so that the drawing never overflows it.
      const cs = getComputedStyle(el);
      const px = (v: string) => parseFloat(v) || 0;
      const w = Math.floor((el.clientWidth - px(cs.paddingLeft) - px(cs.paddingRight)) / 8) * 8;
      const h = Math.floor((el.clientHeight - px(cs.paddingTop) - px(cs.paddingBottom) - 4) / 8) * 8;
      setPanel((p) => (p !== undefined && p.w === w && p.h === h ? p : { w, h }));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [vm === null]);
  const layout = useMemo(() => (vm === null ? null : layoutPageTables(vm, panel)), [vm, panel]);

  useEffect(() => {
    if (svg.current === null || layout === null) return;
    drawPageTables(svg.current, layout, {
      reducedMotion: reducedMotion(),
      onHover: (tip, target) => {
        if (tip === null || target === null || box.current === null) { setHover(null); return; }
        // Beside the entry, inside the panel: to its right, or to its left near the right edge.
        const b = box.current.getBoundingClientRect();
        const r = target.getBoundingClientRect();
        const right = r.right - b.left + box.current.scrollLeft + 8;
        const left = right + 440 > b.width ? Math.max(4, r.left - b.left + box.current.scrollLeft - 448) : right;
        setHover({ tip, left, top: Math.max(4, r.top - b.top + box.current.scrollTop) });
      },
    });
  }, [layout]);

  // A new position: the card described the old one.
  useEffect(() => setHover(null), [vm]);

  if (layout === null) {
    return (
      <div className="page-tables empty" data-testid="page-tables">
        <p>No device yet: the page tables appear once the program assigns one (host.assign).</p>
      </div>
    );
  }
  return (
    <div ref={box} className="page-tables" data-testid="page-tables">
      <svg
        ref={svg}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        preserveAspectRatio="xMidYMin meet"
        style={{ minWidth: layout.width * 0.8, minHeight: layout.height * 0.8 }}
        role="group"
        aria-label={`Page tables: ${layout.head}. ${layout.status}`}
      />
      {hover && (
        <div className="pt-tip" role="tooltip" style={{ left: hover.left, top: hover.top }}>
          <div className="pt-tip-title">{hover.tip.title}</div>
          <table>
            <tbody>
              {hover.tip.lines.map(([k, v], i) => (
                <tr key={i}>
                  <th scope="row">{k}</th>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
