// The timeline pages through the worker itself: its calls go through the store's queue and
// watchdog (store.request), and a click on a row seeks to its step.
import { useMemo } from 'react';
import Timeline, { type TimelineApi } from '../../views/timeline/Timeline';
import { useLab } from '../StoreContext';

export default function TimelinePanel() {
  const request = useLab((s) => s.request);
  const seek = useLab((s) => s.seek);
  const step = useLab((s) => s.view?.position.step ?? 0);
  const executed = useLab((s) => s.view?.executed ?? 0);
  const session = useLab((s) => s.sessionId);
  const api = useMemo<TimelineApi>(() => ({
    timeline: (start, count, filter) => request((w) => w.timeline(start, count, filter)),
  }), [request]);
  return <Timeline api={api} currentStep={step} onJump={(s) => void seek({ step: s, access: 0 })} revision={`${session}:${executed}`} />;
}
