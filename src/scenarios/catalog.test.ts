// The page's lesson catalog (catalog.ts): the same lessons as the full list, the default lesson's
// program eager, the others after loadLessons().

import { describe, expect, it } from 'vitest';
import { DEFAULT_LESSON, findLessonInfo, LESSON_INFO, loadedLesson, loadedLessons, loadLessons } from './catalog';
import { LESSONS } from './sources';

describe('the lesson catalog', () => {
  it('lists the same lessons, in the same order, as the full list, and exactly one default', () => {
    expect(LESSON_INFO.map((l) => l.id)).toEqual(LESSONS.map((l) => l.id));
    for (const l of LESSONS) {
      const { source, ...info } = l;
      expect(findLessonInfo(l.id)).toEqual(info);
      expect(source.length).toBeGreaterThan(0);
    }
    expect(LESSON_INFO.filter((l) => l.default === true)).toHaveLength(1);
    expect(findLessonInfo('no-such-lesson')).toBeUndefined();
  });

  it('has the default lesson\'s program at once, the others after loadLessons', async () => {
    expect(DEFAULT_LESSON).toEqual(LESSONS.find((l) => l.default === true));
    expect(loadedLesson(DEFAULT_LESSON.id)).toBe(DEFAULT_LESSON);
    expect(loadedLesson('msi-journey')).toBeUndefined();
    expect(loadedLessons()).toEqual([DEFAULT_LESSON]);
    const all = await loadLessons();
    expect(all).toEqual(LESSONS);
    expect(loadedLesson('msi-journey')?.source).toBe(LESSONS.find((l) => l.id === 'msi-journey')?.source);
    expect(loadedLessons()).toBe(all);
  });
});
