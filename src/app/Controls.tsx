// The step controls (toolbar), the scrubber over the executed steps, and the status line. Each
// subscribes to the slices it shows; actions come from the store, labels from the key table.

import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { MARK_ERROR, MARK_EXPECT_FAILED, MARK_FAULT, type SessionView } from '../worker/api';
import { bucketMarks, flagWords } from './scrubber';
import { KEY_ACTIONS, keyLabel } from './keys';
import { useLab } from './StoreContext';
import { atEnd, SPEEDS } from './store';

/** "Step into (F11, →)": a button's tooltip from the key table. */
export function withKeys(actionId: string, text?: string): string {
  const a = KEY_ACTIONS.find((k) => k.id === actionId);
  if (!a) return text ?? actionId;
  return `${text ?? a.label} (${a.keys.map(keyLabel).join(', ')})`;
}

function Btn(props: {
  action: string; label: string; onClick: () => void; disabled?: boolean; primary?: boolean; pressed?: boolean; testId?: string; className?: string;
}) {
  const cls = [props.primary ? 'primary' : '', props.className ?? ''].join(' ').trim();
  return (
    <button
      type="button"
      className={cls || undefined}
      title={withKeys(props.action)}
      aria-keyshortcuts={KEY_ACTIONS.find((k) => k.id === props.action)?.keys.join(' ')}
      aria-pressed={props.pressed}
      disabled={props.disabled}
      onClick={props.onClick}
      data-testid={props.testId}
    >
      {props.label}
    </button>
  );
}

/** Run, step over, step into, back, home, end, reset, play with its speed. */
export function StepControls({ compact = false }: { compact?: boolean }) {
  const s = useLab(useShallow((st) => ({
    run: st.run, stepOver: st.stepOver, stepInto: st.stepInto, back: st.back, home: st.home, end: st.end,
    reset: st.reset, togglePlay: st.togglePlay, setSpeed: st.setSpeed,
  })));
  const playing = useLab((st) => st.playing);
  const speed = useLab((st) => st.speed);
  const hasProgram = useLab((st) => st.source.trim() !== '');
  const atStart = useLab((st) => st.view === null || (st.view.position.step === 0 && st.view.position.access === 0));
  const ended = useLab((st) => atEnd(st.view));
  const none = !hasProgram;
  return (
    <div className="step-controls" role="group" aria-label="Step controls">
      {!compact && <Btn action="run" label="▶▶ Run" onClick={() => void s.run()} disabled={none} primary />}
      <Btn action="back" label="◀ Back" onClick={() => void s.back()} disabled={none || atStart} />
      <Btn action="step-over" label="Step over" onClick={() => void s.stepOver()} disabled={none || ended} />
      <Btn action="step-into" label="Step into ▶" onClick={() => void s.stepInto()} disabled={none || ended} primary={compact} />
      {!compact && <Btn action="home" label="|◀" onClick={() => void s.home()} disabled={none || atStart} />}
      {!compact && <Btn action="end" label="▶|" onClick={() => void s.end()} disabled={none} />}
      <Btn action="play" label={playing ? '❚❚ Pause' : '▶ Play'} onClick={s.togglePlay} disabled={none} pressed={playing} testId="play" />
      {!compact && (
        <label className="speed" title="Steps a second while playing (+ and - change it)">
          <select value={speed} onChange={(e) => s.setSpeed(Number(e.target.value))} aria-label="Play speed, steps a second">
            {[...new Set([...SPEEDS, speed])].sort((a, b) => a - b).map((v) => <option key={v} value={v}>{v}/s</option>)}
          </select>
        </label>
      )}
      {!compact && <Btn action="reset" label="Reset" onClick={() => void s.reset()} disabled={none} className="hide-presenting" />}
    </div>
  );
}

// ---- the scrubber ----------------------------------------------------------------------------

function markClass(flags: number): string {
  if (flags & MARK_ERROR) return 'mark error';
  if (flags & MARK_FAULT) return 'mark fault';
  if (flags & MARK_EXPECT_FAILED) return 'mark failed';
  return 'mark miss';
}

export function Scrubber() {
  const executed = useLab((s) => s.view?.executed ?? 0);
  const step = useLab((s) => s.view?.position.step ?? 0);
  const marks = useLab((s) => s.view?.marks);
  const seek = useLab((s) => s.seek);
  const buckets = useMemo(() => bucketMarks(marks ?? [], executed), [marks, executed]);
  return (
    <div className="scrubber">
      <div className="track">
        <input
          type="range" min={0} max={Math.max(executed, 1)} step={1} value={step}
          disabled={executed === 0}
          aria-label="Step" aria-valuetext={`step ${step} of ${executed}`}
          onChange={(e) => void seek({ step: Number(e.target.value), access: 0 })}
          data-testid="scrubber"
        />
        <div className="marks" aria-hidden="true">
          {buckets.map((b) => (
            <span
              key={b.at} className={markClass(b.flags)} style={{ left: `${b.at * 100}%` }}
              title={`step ${b.steps.join(', ')}${b.steps.length === 5 ? '…' : ''}: ${flagWords(b.flags).join(', ')}`}
            />
          ))}
        </div>
      </div>
      <span className="count" aria-hidden="true">{step} / {executed}</span>
    </div>
  );
}

// ---- the status line -------------------------------------------------------------------------

export function positionText(v: SessionView): string {
  const { step, access } = v.position;
  return access > 0 ? `step ${step} · read ${access} of ${v.step?.accesses ?? 0}` : `step ${step}`;
}

/** The statement's value or expect (inside a walk it is still running). */
function valueOf(v: SessionView): { text: string; bad: boolean } | null {
  if (!v.step || v.position.access > 0) return null;
  if (v.step.expect) return { text: v.step.expect.message, bad: !v.step.expect.ok };
  if (v.step.value !== null && v.step.value !== 'nothing') return { text: `= ${v.step.value}`, bad: false };
  return null;
}

export function StatusLine() {
  const view = useLab((s) => s.view);
  const sessionOk = useLab((s) => s.sessionOk);
  const failure = useLab((s) => s.failure);
  const busy = useLab((s) => s.busy);
  const value = view ? valueOf(view) : null;
  return (
    <footer className="status" aria-label="Status">
      <span data-testid="position" className="pos">{view ? positionText(view) : '—'}</span>
      {view?.step && <span className="line">line {view.step.line}</span>}
      <span className="reads" title="Reads of the 2D walk: stage-1 descriptors and the stage-2 reads that translate their IPAs and the output IPA">
        walk reads <b data-testid="walk-reads">{view ? view.counters.walkReads : '—'}</b>
      </span>
      <span className="reads" title="Every SMMU read of this step so far: STE, CD and the walk">
        all reads <b data-testid="all-reads">{view ? view.counters.reads : '—'}</b>
      </span>
      {view?.models.kernel && (
        <span data-testid="kernel" className={view.models.kernel.proposal ? 'kernel proposal' : 'kernel'} title={view.models.kernel.label}>
          {view.models.kernel.badge}
        </span>
      )}
      {value && <span data-testid="value" className={value.bad ? 'value bad' : 'value'}>{value.text}</span>}
      {view?.error && (
        <span data-testid="error" className="bad">line {view.error.line}: {view.error.message}</span>
      )}
      {view && view.failedExpects.length > 0 && (
        <span className="bad" data-testid="failed-expects" title={view.failedExpects.map((f) => `line ${f.line}: ${f.message}`).join('\n')}>
          {view.failedExpects.length} failed expect{view.failedExpects.length > 1 ? 's' : ''}
        </span>
      )}
      {view && !sessionOk && <span className="bad">not running: the program has errors</span>}
      {failure && <span data-testid="failure" className="bad">{failure}</span>}
      <span className="spacer" />
      {view && <span data-testid="status" className="muted">{view.finished ? `finished (${view.stopReason})` : `${view.executed} steps run`}</span>}
      {busy && <span className="busy" aria-hidden="true">working…</span>}
    </footer>
  );
}
