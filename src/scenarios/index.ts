// The lessons with their programs, all loaded up front: for Node (tests, tools, the CLI). The app's
// page imports catalog.ts instead, which has the default lesson's program and loads the others on
// demand (loadLessons). lessons.test.ts runs them all.

import { LESSONS } from './sources';
import type { Lesson } from './catalog';

export * from './catalog';
export { LESSONS };

export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}
