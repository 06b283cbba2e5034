// The SMMU-state view (shared/VIEWS.md "SMMU state"): the current stream's STE and CD as eight
// 64-bit words on a bit ruler with their fields in place (the STE in the host's colours, a
// nested CD in the guest's), the TLB as a table with stale entries marked, and the Command and
// Event queues as rings with PROD and CONS. Hovering (or focusing) a field, an entry or a slot
// says what it means. Geometry: layout.ts; colours: theme.css variables via smmu-state.css.

import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { FieldVM, QueueEntryVM, QueueVM, SmmuStateVM, StructVM, TlbEntryVM, TlbVM } from '../../worker/models/smmu';
import { FONT, layoutRing, layoutWords, type FieldBox, type WordsLayout } from './layout';
import '../pane.css';
import './smmu-state.css';

export interface SmmuStateProps {
  vm: SmmuStateVM | null;
}

/** The width the word rows are laid out for before the view is measured (and in Node). */
const DEFAULT_WIDTH = 800;

function useWidth(ref: React.RefObject<HTMLElement | null>, fallback: number): number {
  const [w, setW] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el === null || typeof ResizeObserver === 'undefined') return;
    const set = () => setW(Math.max(360, Math.floor(el.clientWidth)));
    set();
    const ro = new ResizeObserver(set);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return w;
}

export default function SmmuState({ vm }: SmmuStateProps) {
  if (vm === null) {
    return <div className="view-pane smmu-state empty" data-testid="smmu-state"><p>No program is running.</p></div>;
  }
  return (
    <div className="view-pane smmu-state" data-testid="smmu-state">
      <Structures vm={vm} />
      <Tlb tlb={vm.tlb} />
      <Queue q={vm.cmdq} foot={<Gerror g={vm.gerror} />} />
      <Queue q={vm.evtq} />
    </div>
  );
}

// ---- STE and CD -------------------------------------------------------------------------------

function Structures({ vm }: { vm: SmmuStateVM }) {
  const box = useRef<HTMLElement>(null);
  const width = useWidth(box, DEFAULT_WIDTH);
  const [tab, setTab] = useState<'STE' | 'CD'>('STE');
  const [hover, setHover] = useState<{ f: FieldVM; s: StructVM } | null>(null);
  const shown = tab === 'CD' && vm.cd !== null ? vm.cd : vm.ste;
  const st = vm.stream;
  return (
    <section ref={box} className="ss-struct" aria-label="STE and CD">
      <header className="ss-head">
        <span className="ss-stream">
          {st === null ? 'No stream yet' : (
            <>StreamID <b>{st.sidText}</b>{st.device && <> ({st.device})</>}
              <span className="muted"> · {st.chosen === 'transaction' ? 'this transaction\'s stream' : 'the device assigned last'}</span></>
          )}
        </span>
        <span className="ss-tabs" role="tablist" aria-label="Structure">
          {(['STE', 'CD'] as const).map((k) => {
            const s = k === 'STE' ? vm.ste : vm.cd;
            const active = (shown?.kind ?? 'STE') === k;
            return (
              <button
                key={k} type="button" role="tab" aria-selected={active} disabled={s === null}
                className={`ss-tab ${s?.owner ?? ''}${active ? ' active' : ''}`} onClick={() => setTab(k)}
                title={s === null ? (k === 'CD' ? vm.cdNote ?? 'no CD' : 'no STE') : `${k} at PA ${s.pa}${s.ipa ? ` (IPA ${s.ipa})` : ''}: ${s.cacheText}`}
              >
                <span className="ss-swatch" aria-hidden="true" />{k}
                {s && <span className={`ss-cache ${s.cache}`}>{s.cache === 'absent' ? 'not cached' : s.cache === 'cached' ? 'cached' : 'STALE cache'}</span>}
              </button>
            );
          })}
        </span>
      </header>
      {shown === null ? (
        <p className="ss-none">{st === null ? 'No device is assigned yet: host.assign (or a host.pci_device the host uses) gives a StreamID its STE.' : 'No STE.'}</p>
      ) : (
        <>
          <Words s={shown} width={width} onHover={(f) => setHover(f === null ? null : { f, s: shown })} />
          <Detail s={shown} hover={hover !== null && hover.s === shown ? hover.f : null} cdNote={shown.kind === 'STE' ? vm.cdNote : null} />
        </>
      )}
    </section>
  );
}

function Words({ s, width, onHover }: { s: StructVM; width: number; onHover: (f: FieldVM | null) => void }) {
  const L: WordsLayout = layoutWords(s, width);
  const place = `${s.kind} at PA ${s.pa}${s.ipa ? `, IPA ${s.ipa}` : ''}`;
  return (
    <svg className={`ss-words ${s.owner}`} width={L.width} height={L.height} role="group" aria-label={`${place}: ${s.summary}`}>
      <defs>
        <pattern id="ss-hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <line x1="0" y1="0" x2="0" y2="5" className="ss-hatch-line" />
        </pattern>
      </defs>
      <g className="ss-ruler" aria-hidden="true">
        {L.ticks.map((t) => (
          <line key={t.bit} x1={t.x} x2={t.x} y1={t.major ? 8 : 12} y2={15} className={t.major ? 'major' : ''} />
        ))}
        {[63, 55, 47, 39, 31, 23, 15, 7, 0].map((b) => (
          <text key={b} x={(L.bitX(b + 1) + L.bitX(b)) / 2} y={8} textAnchor="middle" style={{ fontSize: FONT.ruler }}>{b}</text>
        ))}
      </g>
      {L.rows.map((r) => (
        <g key={r.word} className={`ss-word${r.used ? '' : ' unused'}`}>
          <text x={2} y={r.y + r.h / 2} dominantBaseline="central" className="ss-wlabel" style={{ fontSize: r.used ? 11 : 9 }}>
            <title>{`word ${r.word} = ${r.hex}${r.used ? '' : ': no field this SMMU implements'}`}</title>
            {`w${r.word}`}
          </text>
          {r.gaps.map(([x, w], i) => <rect key={i} x={x} y={r.y} width={w} height={r.h} className="ss-gap" />)}
        </g>
      ))}
      {L.boxes.map((b) => <Field key={`${b.field.word}:${b.field.lo}`} b={b} onHover={onHover} />)}
    </svg>
  );
}

function Field({ b, onHover }: { b: FieldBox; onHover: (f: FieldVM | null) => void }) {
  const f = b.field;
  const cx = b.x + b.w / 2;
  const cls = `ss-field${f.ignored ? ' ignored' : ''}${f.set ? ' set' : ''}`;
  const label = `${f.name}, bits ${f.bits}, = ${f.value}: ${f.meaning}${f.ignored ? ` (${f.ignored})` : ''}`;
  return (
    <g
      className={cls} tabIndex={0} role="img" aria-label={label}
      onMouseEnter={() => onHover(f)} onMouseLeave={() => onHover(null)} onFocus={() => onHover(f)} onBlur={() => onHover(null)}
    >
      <rect x={b.x + 0.5} y={b.y + 0.5} width={Math.max(0, b.w - 1)} height={b.h - 1} rx={2} />
      {b.mode === 'two-lines' && (
        <>
          <text x={cx} y={b.y + 13} textAnchor="middle" className="ss-fname" style={{ fontSize: b.size }}>{f.name}</text>
          <text x={cx} y={b.y + 29} textAnchor="middle" className="ss-fval" style={{ fontSize: FONT.value }}>{f.value}</text>
        </>
      )}
      {b.mode === 'name' && (
        <text x={cx} y={b.y + b.h / 2} textAnchor="middle" dominantBaseline="central" className="ss-fname" style={{ fontSize: b.size }}>{f.name}</text>
      )}
      {b.mode === 'rotated' && (
        <text
          transform={`translate(${cx} ${b.y + b.h - 3}) rotate(-90)`} dominantBaseline="central"
          className="ss-fname" style={{ fontSize: b.size }}
        >{f.name}</text>
      )}
      <title>{label}</title>
    </g>
  );
}

function Detail({ s, hover, cdNote }: { s: StructVM; hover: FieldVM | null; cdNote: string | null }) {
  if (hover !== null) {
    return (
      <div className="ss-detail" aria-live="polite">
        <div><b>{hover.name}</b> <span className="muted">[{hover.bits}]</span> = <b className="mono">{hover.value}</b>
          <span className="muted mono"> raw {hover.raw.length > 34 ? `${hover.raw.slice(0, 33)}…` : hover.raw}</span></div>
        <div className={hover.ignored ? 'muted' : ''}>{hover.meaning}{hover.ignored ? ` (${hover.ignored})` : ''}</div>
      </div>
    );
  }
  return (
    <div className="ss-detail" aria-live="polite">
      <div><b>{s.kind}</b> <span className="muted">at PA {s.pa}{s.ipa && ` (IPA ${s.ipa})`}:</span> {s.summary}</div>
      <div className={s.illegal ? 'fault' : s.cache === 'stale' ? 'stale' : 'muted'}>
        {s.illegal ?? s.cacheText}{cdNote ? ` · ${cdNote}` : ''}
      </div>
    </div>
  );
}

// ---- the TLB ------------------------------------------------------------------------------------

function Tlb({ tlb }: { tlb: TlbVM }) {
  // This step's invalidations, a TLBI that removed nothing included (the wrong ASID, lesson 3).
  const removed = tlb.removed;
  return (
    <section className="ss-tlb" aria-label="TLB">
      <h3>
        TLB <span className="muted">{tlb.count} of {tlb.capacity} entries</span>
        {tlb.stale > 0 && <span className="ss-stale-count"> · {tlb.stale} STALE</span>}
        {removed.map((r, i) => <span key={i} className="ss-removed"> · {r.by} removed {r.removed}</span>)}
      </h3>
      {tlb.count === 0 ? <p className="ss-none">Empty: nothing translated since the last invalidation.</p> : (
        <div className="ss-tlb-scroll">
          <table>
            <thead>
              <tr>
                <th aria-label="this step" /><th>kind</th><th>VMID</th><th>ASID</th><th>input</th><th>output</th><th>size</th><th title="leaf level (stage 1 · stage 2)">lvl</th><th title="permissions: stage 1 · stage 2">perm</th>
              </tr>
            </thead>
            <tbody>
              {tlb.entries.map((e, i) => <TlbRows key={i} e={e} />)}
            </tbody>
          </table>
          {tlb.hidden > 0 && <p className="muted">… {tlb.hidden} more entries not shown</p>}
        </div>
      )}
    </section>
  );
}

function TlbRows({ e }: { e: TlbEntryVM }) {
  const mark = e.current === 'hit' ? 'HIT' : e.current === 'inserted' ? 'NEW' : '';
  const cls = `${e.kind === 'S2' ? 'host' : 'guest'}${e.current ? ` ${e.current}` : ''}${e.state === 'stale' ? ' stale' : ''}`;
  const title = `${e.kind} entry, VMID ${e.vmid}${e.asid ? `, ASID ${e.asid}` : ''}: ${e.inSpace} ${e.inBase}..${e.inLast}` +
    `${e.ipa ? ` -> IPA ${e.ipa}` : ''} -> PA ${e.out} (${e.size}). ${e.permText}.` +
    `${e.state === 'stale' ? ` STALE: ${e.why}` : e.state === 'unknown' ? ` Not checked: ${e.why}` : ' Matches the tables in memory.'}`;
  return (
    <>
      <tr className={cls} title={title}>
        <td className="ss-mark">{mark}</td>
        <td>{e.kind}</td>
        <td className="num">{e.vmid}</td>
        <td>{e.asid === '' ? <span className="muted">–</span> : e.asid}</td>
        <td className="mono"><span className="ss-space">{e.inSpace}</span>{e.inBase}</td>
        <td className="mono"><span className="ss-space">PA</span>{e.out}</td>
        <td>{e.size}</td>
        <td>{e.level}</td>
        <td className="mono">{e.perm}</td>
      </tr>
      {e.state === 'stale' && (
        <tr className="ss-stale-why">
          <td className="ss-mark">STALE</td>
          <td colSpan={8}>{e.why}</td>
        </tr>
      )}
    </>
  );
}

// ---- the queues -----------------------------------------------------------------------------------

const RING_R = 30;

function Queue({ q, foot }: { q: QueueVM; foot?: ReactNode }) {
  const L = layoutRing(q, RING_R);
  const half = RING_R + 12;
  const state = q.state === 'empty' ? 'empty' : q.state === 'full' ? 'FULL' : `${q.pending} pending`;
  return (
    <section className={`ss-queue ${q.kind}`} aria-label={q.title}>
      <h3>{q.title}</h3>
      <div className="ss-qsub muted" title={`${q.size} entries of ${q.entryBytes} bytes at PA ${q.base}`}>{q.size} × {q.entryBytes} B at {q.base}{q.enabled ? '' : ' · disabled'}</div>
      <div className="ss-qbody">
        <svg width={2 * half} height={2 * half} viewBox={`${-half} ${-half} ${2 * half} ${2 * half}`} role="img"
          aria-label={`${q.title} ring of ${q.size} slots: PROD ${q.prod.value}, CONS ${q.cons.value}, ${state}`}>
          <path d={L.base} className="ss-ring" />
          {L.slots.map((s) => <path key={s.slot} d={s.d} className={`ss-slot ${s.cls}`}><title>{`slot ${s.slot}: ${s.cls}`}</title></path>)}
          <path d={L.prod.d} className="ss-ptr prod"><title>{`PROD ${q.prod.value}: index ${q.prod.index}, wrap ${q.prod.wrap}`}</title></path>
          <path d={L.cons.d} className="ss-ptr cons"><title>{`CONS ${q.cons.value}: index ${q.cons.index}, wrap ${q.cons.wrap}`}</title></path>
          <text y={0} textAnchor="middle" dominantBaseline="central" className="ss-ring-sub">{q.size}</text>
        </svg>
        <div className="ss-ptrs mono">
          <div title="PROD: the next slot the producer writes; the index bits, and the wrap bit above them">
            <b>▼ PROD</b> {q.prod.value}<br /><span className="muted">idx</span> {q.prod.index} <span className="muted">w</span>{q.prod.wrap}
          </div>
          <div title="CONS: the next slot the consumer reads. Equal index and wrap: empty; equal index, different wrap: full">
            <b>△ CONS</b> {q.cons.value}<br /><span className="muted">idx</span> {q.cons.index} <span className="muted">w</span>{q.cons.wrap}
          </div>
          <div className={`ss-qstate ${q.state}`}>{state}</div>
        </div>
      </div>
      {q.err && <div className="fault">CMDQ_CONS.ERR = {q.err}</div>}
      {q.overflow && <div className="fault" title={q.overflow}>overflow: OVFLG ≠ OVACKFLG</div>}
      <ol className="ss-entries">
        {q.entries.length === 0 && <li className="muted ss-empty">no entries written yet</li>}
        {q.entries.map((e) => <QueueEntry key={e.slot} e={e} />)}
      </ol>
      {foot}
    </section>
  );
}

function QueueEntry({ e }: { e: QueueEntryVM }) {
  const fields = e.fields.map((f) => `${f.name} ${f.value}`).join(', ');
  return (
    <li className={`${e.state}${e.current ? ' current' : ''}`} title={`slot ${e.slot}, ${e.state}: ${e.name}${fields ? ` (${fields})` : ''}\n${e.words.join(' ')}`}>
      <span className="ss-slotno">{e.slot}</span> <span className="ss-ename">{e.name}</span>
      {e.state === 'error' && <span className="ss-tag fault"> ERR</span>}
      {(e.current || e.state !== 'consumed') && fields && <div className="ss-efields">{fields}</div>}
    </li>
  );
}

function Gerror({ g }: { g: SmmuStateVM['gerror'] }) {
  return (
    <div className={`ss-gerror mono${g.active.length ? ' fault' : ''}`} title="SMMU_GERROR and SMMU_GERRORN: a global error is active while their bits differ">
      GERROR {g.gerror} GERRORN {g.gerrorn}
      {g.active.length > 0 && <div>{g.active.join(', ')} active</div>}
    </div>
  );
}
