// The scrubber's marks: one per step while they fit, grouped (flags joined) past that.
import { describe, expect, it } from 'vitest';
import { MARK_ERROR, MARK_EXPECT_FAILED, MARK_FAULT, MARK_TLB_MISS } from '../worker/api';
import { bucketMarks, flagWords } from './scrubber';

describe('bucketMarks', () => {
  it('nothing executed, nothing marked', () => {
    expect(bucketMarks([{ step: 1, flags: MARK_FAULT }], 0)).toEqual([]);
  });

  it('a short run: one mark per step, at step / executed', () => {
    expect(bucketMarks([{ step: 2, flags: MARK_TLB_MISS }, { step: 10, flags: MARK_FAULT }], 10)).toEqual([
      { at: 0.2, flags: MARK_TLB_MISS, steps: [2] },
      { at: 1, flags: MARK_FAULT, steps: [10] },
    ]);
  });

  it('a long run: steps that share a place share a mark, with every flag', () => {
    const marks = Array.from({ length: 100_000 }, (_, i) => ({ step: i + 1, flags: i % 2 ? MARK_TLB_MISS : MARK_EXPECT_FAILED }));
    const b = bucketMarks(marks, 100_000, 100);
    expect(b.length).toBe(101);
    expect(b.find((x) => x.at === 0.5)).toEqual({ at: 0.5, flags: MARK_TLB_MISS | MARK_EXPECT_FAILED, steps: [49500, 49501, 49502, 49503, 49504] });
  });

  it('flag words', () => {
    expect(flagWords(MARK_FAULT | MARK_TLB_MISS)).toEqual(['fault', 'TLB miss']);
    expect(flagWords(MARK_ERROR | MARK_EXPECT_FAILED)).toEqual(['error', 'failed expect']);
  });
});
