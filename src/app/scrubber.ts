// The scrubber's marks as data: executed steps with a fault, a TLB miss, a failed expect or an
// error (SessionView.marks), grouped into at most `buckets` places along the track so that a
// 100,000-step run draws a few hundred marks, not 100,000.

import { MARK_ERROR, MARK_EXPECT_FAILED, MARK_FAULT, MARK_TLB_MISS, type StepMark } from '../worker/api';

export const BUCKETS = 320;

export interface Bucket {
  /** Where along the track, 0..1. */
  at: number;
  /** The union of the flags of its steps. */
  flags: number;
  /** Its first steps (at most 5), for the tooltip. */
  steps: number[];
}

export function bucketMarks(marks: readonly StepMark[], executed: number, buckets = BUCKETS): Bucket[] {
  if (executed <= 0) return [];
  const out = new Map<number, Bucket>();
  for (const m of marks) {
    const b = executed <= buckets ? m.step : Math.round((m.step / executed) * buckets);
    const at = executed <= buckets ? m.step / executed : b / buckets;
    const cur = out.get(b);
    if (cur) {
      cur.flags |= m.flags;
      if (cur.steps.length < 5) cur.steps.push(m.step);
    } else out.set(b, { at, flags: m.flags, steps: [m.step] });
  }
  return [...out.values()];
}

export function flagWords(flags: number): string[] {
  const w: string[] = [];
  if (flags & MARK_FAULT) w.push('fault');
  if (flags & MARK_ERROR) w.push('error');
  if (flags & MARK_EXPECT_FAILED) w.push('failed expect');
  if (flags & MARK_TLB_MISS) w.push('TLB miss');
  return w;
}
