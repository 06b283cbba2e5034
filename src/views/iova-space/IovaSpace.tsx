// The IOVA-space view (shared/VIEWS.md "IOVA space"): one VFIO container's (or iommufd IOAS's) IOVA space on a
// piecewise axis, lane by lane: the aperture, each group's reserved regions (five styles, one per
// type, each with its sysfs line), the usable ranges GET_INFO reports, the MAP_DMA mappings, and
// the last MAP_DMA the kernel refused, in red where it tried to land, with its errno and the
// kernel function. Below the lanes, the same facts as text (the sysfs lines exactly as the kernel
// prints them). Hovering or focusing a box says what it is. Geometry: layout.ts.

import { useLayoutEffect, useRef, useState } from 'react';
import { RESV_KIND_INFO, type IovaSpaceVM, type IovaSpan, type ResvKind } from '../../worker/models/iova';
import { FONT, LANE_H, fits, layoutAxis, layoutLanes, spanBox, TICK_ROW_H, type AxisLayout, type Lane } from './layout';
import '../pane.css';
import './iova-space.css';

export interface IovaSpaceProps {
  vm: IovaSpaceVM | null;
}

const DEFAULT_WIDTH = 900;
const KINDS: ResvKind[] = ['direct', 'direct-relaxable', 'reserved', 'msi', 'sw-msi'];

function useWidth(ref: React.RefObject<HTMLElement | null>, fallback: number): number {
  const [w, setW] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el === null || typeof ResizeObserver === 'undefined') return;
    // clientWidth counts the view's padding (10 px a side): the lanes get what is inside it.
    const set = () => setW(Math.max(420, Math.floor(el.clientWidth) - 20));
    set();
    const ro = new ResizeObserver(set);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return w;
}

export default function IovaSpace({ vm }: IovaSpaceProps) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box, DEFAULT_WIDTH);
  const [hover, setHover] = useState<string | null>(null);
  if (vm === null) {
    return (
      <div className="view-pane iova-space empty" data-testid="iova-space" ref={box}>
        <p>No VFIO container in this program: the IOVA space appears with the program's first host-side (vfio.*, iommufd.*) call.</p>
      </div>
    );
  }
  const L = layoutAxis(vm.axis, width);
  const { lanes, height } = layoutLanes(vm);
  const fd = vm.api === 'iommufd';
  const backend = fd ? vm.ioas!.summary : vm.container?.backend ?? 'no IOMMU backend';
  const mapName = fd ? 'IOAS_MAP' : 'MAP_DMA';
  return (
    <div className="view-pane iova-space" data-testid="iova-space" ref={box}>
      <header className="iv-head">
        <b>{vm.title}</b>
        <span className="muted"> · {backend} · {vm.platform} · {vm.kernel.split(':')[0]}</span>
      </header>
      <svg className="iv-lanes" width={width} height={height} role="group" aria-label={`IOVA space of ${vm.title}`}>
        <Patterns />
        <Ticks L={L} height={height} />
        {lanes.map((lane) => <LaneRow key={`${lane.kind}:${lane.group ?? ''}`} lane={lane} vm={vm} L={L} onHover={setHover} />)}
      </svg>
      <p className="iv-detail" data-testid="iova-detail" aria-live="polite">{hover ?? 'Hover a box for its addresses; the lists below say the same in text.'}</p>
      <Legend api={vm.api} />
      <div className="iv-facts">
        <section aria-label="Reserved regions">
          {vm.groups.map((g) => (
            <div key={g.group} className="iv-sysfs">
              <h3 className="mono">{g.path}</h3>
              {g.regions.length === 0 ? <p className="muted">(empty: no reserved region)</p> : (
                <ul>
                  {g.regions.map((r, i) => (
                    <li key={i}><Swatch kind={r.kind} /><code>{r.sysfs}</code><span className="muted iv-typename">{r.typeName}</span></li>
                  ))}
                </ul>
              )}
            </div>
          ))}
          {vm.usable !== null && (
            <div className="iv-usable">
              <h3>{fd ? 'Allowed IOVA ranges (IOMMU_IOAS_IOVA_RANGES)' : 'Usable IOVA ranges (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)'}</h3>
              <p className="mono">{vm.usable.length === 0 ? '(none: any IOVA)' : vm.usable.map((u) => `[${u.start}, ${u.end}]`).join('  ')}</p>
              {fd && <p>out_iova_alignment <span className="mono">{vm.ioas!.alignment}</span></p>}
            </div>
          )}
          {fd && vm.ioas!.hwpts.length > 0 && (
            <div className="iv-hwpts">
              <h3>HWPTs over IOAS {vm.ioas!.id}</h3>
              <ul>{vm.ioas!.hwpts.map((h) => <li key={h}>{h}</li>)}</ul>
            </div>
          )}
          {vm.notes.map((n, i) => <p key={i} className="iv-note">{n}</p>)}
        </section>
        <section aria-label={`Mappings and the refused ${mapName}`}>
          <h3>{mapName} mappings ({vm.mappings.length})</h3>
          {vm.mappings.length === 0 ? <p className="muted">none yet</p> : (
            <table className="iv-maps">
              <thead><tr><th>IOVA</th><th>{fd ? 'length' : 'size'}</th><th>{fd ? 'user_va' : 'vaddr'}</th><th>{fd ? 'PA' : 'HPA'}</th></tr></thead>
              <tbody>
                {vm.mappings.map((m, i) => (
                  <tr key={i}>
                    <td className="mono">{m.start}</td><td className="mono">{m.size}</td><td className="mono">{m.vaddr}</td>
                    <td className="mono">{m.hpa ?? 'not pinned'}{m.chunks > 1 ? ` (+${m.chunks - 1} runs)` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {vm.bounce !== null && (
            <div className="iv-bounce" data-testid="iova-bounce">
              <p><b>✕ {vm.bounce.request} refused: {vm.bounce.errname}</b> (errno {vm.bounce.errno}){vm.bounce.latest ? '' : <span className="muted"> · an earlier call</span>}</p>
              <p className="mono">
                {fd ? `iova ${vm.bounce.start} length ${vm.bounce.size} user_va ${vm.bounce.vaddr}` : `iova ${vm.bounce.start} size ${vm.bounce.size} vaddr ${vm.bounce.vaddr}`}
                {vm.bounce.placed ? '' : <span className="muted"> (no FIXED_IOVA: the kernel was to pick the IOVA)</span>}
              </p>
              <p>in <code>{vm.bounce.where}</code>{vm.bounce.why ? `: ${vm.bounce.why}` : ''}</p>
            </div>
          )}
        </section>
      </div>
    </div>
  );
}

function Patterns() {
  // One pattern per reserved type (colour and shape both differ: colour is never the only carrier).
  return (
    <defs>
      <pattern id="iv-p-direct-relaxable" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" className="iv-fill-direct-relaxable" /><line x1="0" y1="0" x2="0" y2="6" className="iv-pline" />
      </pattern>
      <pattern id="iv-p-reserved" width="6" height="6" patternUnits="userSpaceOnUse">
        <rect width="6" height="6" className="iv-fill-reserved" /><path d="M0 0L6 6M6 0L0 6" className="iv-pline" />
      </pattern>
      <pattern id="iv-p-msi" width="6" height="6" patternUnits="userSpaceOnUse">
        <rect width="6" height="6" className="iv-fill-msi" /><circle cx="3" cy="3" r="1.2" className="iv-pdot" />
      </pattern>
      <pattern id="iv-p-sw-msi" width="5" height="5" patternUnits="userSpaceOnUse">
        <rect width="5" height="5" className="iv-fill-sw-msi" /><line x1="0" y1="0" x2="0" y2="5" className="iv-pline" />
      </pattern>
    </defs>
  );
}

function Ticks({ L, height }: { L: AxisLayout; height: number }) {
  return (
    <g className="iv-ticks" aria-hidden="true">
      {L.x.map((x, i) => <line key={i} x1={x} x2={x} y1={2 * TICK_ROW_H + 2} y2={height - 4} />)}
      {L.ticks.filter((t) => t.row !== null).map((t) => (
        <text key={t.i} x={t.x} y={(t.row! + 1) * TICK_ROW_H - 3} textAnchor="middle" style={{ fontSize: FONT.tick }}>{t.label}</text>
      ))}
      <text x={4} y={TICK_ROW_H - 3} className="iv-axis-name" style={{ fontSize: FONT.tick }}>IOVA</text>
    </g>
  );
}

const APERTURE_SOURCE = {
  domain: 'the domain\'s geometry',
  platform: 'the platform\'s: no domain yet',
  none: 'an IOAS with no domain yet: all of u64',
} as const;

/** `text` when it fits, else `short`, else nothing (the hover and the lists have it all). */
interface BoxSpec { span: IovaSpan; cls: string; text: string; short?: string; hover: string; fill?: string }

function LaneRow({ lane, vm, L, onHover }: { lane: Lane; vm: IovaSpaceVM; L: AxisLayout; onHover: (s: string | null) => void }) {
  const boxes: BoxSpec[] = [];
  const range = (s: IovaSpan) => `IOVA ${s.start} - ${s.end} (size ${s.size})`;
  switch (lane.kind) {
    case 'aperture':
      boxes.push({ span: vm.aperture, cls: 'iv-aperture', text: 'aperture', hover: `Aperture (${APERTURE_SOURCE[vm.aperture.source]}): ${range(vm.aperture)}` });
      break;
    case 'resv':
      for (const r of vm.groups.find((g) => g.group === lane.group)?.regions ?? []) {
        boxes.push({
          span: r, cls: `iv-resv ${r.kind}`, text: RESV_KIND_INFO[r.kind].label, fill: r.kind === 'direct' ? undefined : `url(#iv-p-${r.kind})`,
          hover: `${r.typeName}: ${range(r)}, prot ${r.prot}. sysfs: "${r.sysfs}". ${RESV_KIND_INFO[r.kind].about}`,
        });
      }
      break;
    case 'usable':
      for (const u of vm.usable ?? []) {
        const word = vm.api === 'iommufd' ? 'allowed' : 'usable';
        const from = vm.api === 'iommufd' ? 'Allowed (IOMMU_IOAS_IOVA_RANGES)' : 'Usable (GET_INFO IOVA range)';
        boxes.push({ span: u, cls: 'iv-usable-box', text: `${word} ${u.start}-${u.end}`, short: word, hover: `${from}: ${range(u)}` });
      }
      break;
    case 'maps':
      for (const m of vm.mappings) {
        boxes.push({
          span: m, cls: 'iv-map', text: `${m.size} → HPA ${m.hpa ?? '?'}`, short: m.size,
          hover: vm.api === 'iommufd'
            ? `IOAS_MAP: ${range(m)}, user_va ${m.vaddr} -> PA ${m.hpa ?? '(not pinned: no domain yet)'}, ${m.prot}`
            : `MAP_DMA: ${range(m)}, vaddr ${m.vaddr} -> HPA ${m.hpa ?? '(not pinned)'}, ${m.prot}`,
        });
      }
      break;
    case 'bounce': {
      const b = vm.bounce!;
      boxes.push({ span: b, cls: 'iv-bounce-box', text: `✕ ${b.errname}`, hover: `Refused ${b.request} (call ${b.call}): ${range(b)} -> ${b.errname} in ${b.where}${b.why ? `: ${b.why}` : ''}` });
      break;
    }
  }
  const y = lane.y;
  return (
    <g className={`iv-lane ${lane.kind}`}>
      <text x={4} y={y + LANE_H / 2} dominantBaseline="central" className="iv-lane-label" style={{ fontSize: FONT.lane }}>{lane.label}</text>
      {boxes.map((b, i) => {
        const { x, w } = spanBox(L, b.span);
        const show = fits(b.text, w) ? b.text : b.short !== undefined && fits(b.short, w) ? b.short : null;
        return (
          <g
            key={i} className={`iv-box ${b.cls}`} tabIndex={0} role="img" aria-label={b.hover}
            onMouseEnter={() => onHover(b.hover)} onMouseLeave={() => onHover(null)} onFocus={() => onHover(b.hover)} onBlur={() => onHover(null)}
          >
            <title>{b.hover}</title>
            <rect x={x + 0.5} y={y + 0.5} width={w - 1} height={LANE_H - 1} rx={2} style={b.fill ? { fill: b.fill } : undefined} />
            {show !== null && (
              <text x={x + w / 2} y={y + LANE_H / 2} textAnchor="middle" dominantBaseline="central" style={{ fontSize: FONT.bar }}>{show}</text>
            )}
          </g>
        );
      })}
      {lane.kind === 'maps' && vm.mappings.length === 0 && (
        <text x={L.x[0] + 6} y={y + LANE_H / 2} dominantBaseline="central" className="iv-none" style={{ fontSize: FONT.bar }}>no mappings yet</text>
      )}
    </g>
  );
}

function Swatch({ kind }: { kind: ResvKind }) {
  return <span className={`iv-swatch ${kind}`} aria-hidden="true" />;
}

function Legend({ api }: { api: IovaSpaceVM['api'] }) {
  return (
    <ul className="iv-legend" aria-label="Reserved region types">
      {KINDS.map((k) => <li key={k} title={RESV_KIND_INFO[k].about}><Swatch kind={k} />{RESV_KIND_INFO[k].label}</li>)}
      <li><span className="iv-swatch usable" aria-hidden="true" />{api === 'iommufd' ? 'allowed' : 'usable'}</li>
      <li><span className="iv-swatch map" aria-hidden="true" />mapped</li>
      <li><span className="iv-swatch bounce" aria-hidden="true" />refused</li>
    </ul>
  );
}
