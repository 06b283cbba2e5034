// The plugins' pure parts: where a diagnostic's marker goes, and when a plugin is updated.

import { describe, expect, it, vi } from 'vitest';
import { markerRange } from './markers';
import { type EditorPlugin, shallowEqual, slot, syncPlugins } from './plugin';

const r = (line: number, col: number, endLine: number, endCol: number) => ({ line, col, endLine, endCol });
// Lines of 10, 0 and 5 characters: max columns 11, 1, 6.
const max = (l: number) => [11, 1, 6][l - 1];
const range = (a: number, b: number, c: number, d: number) => ({ startLineNumber: a, startColumn: b, endLineNumber: c, endColumn: d });

describe('markerRange', () => {
  it('keeps a range inside the text as it is', () => {
    expect(markerRange(r(1, 3, 1, 7), 3, max)).toEqual(range(1, 3, 1, 7));
    expect(markerRange(r(1, 3, 3, 2), 3, max)).toEqual(range(1, 3, 3, 2));
  });

  it('widens a zero-width span to the next character, or the previous one at a line end', () => {
    expect(markerRange(r(1, 4, 1, 4), 3, max)).toEqual(range(1, 4, 1, 5));
    expect(markerRange(r(1, 11, 1, 11), 3, max)).toEqual(range(1, 10, 1, 11));
    expect(markerRange(r(2, 1, 2, 1), 3, max)).toEqual(range(2, 1, 2, 1)); // an empty line: nothing to widen to
  });

  it('clamps diagnostics older than the text into it', () => {
    expect(markerRange(r(9, 2, 9, 4), 3, max)).toEqual(range(3, 2, 3, 4));
    expect(markerRange(r(3, 4, 3, 40), 3, max)).toEqual(range(3, 4, 3, 6));
    expect(markerRange(r(3, 9, 3, 9), 3, max)).toEqual(range(3, 5, 3, 6));
  });
});

describe('plugins', () => {
  function fake(): EditorPlugin<{ a: number; b: readonly number[] }> & { updates: unknown[] } {
    const updates: unknown[] = [];
    return { name: 'fake', updates, mount: vi.fn(), unmount: vi.fn(), update: (p) => void updates.push(p) };
  }

  it('are updated when their slice of the props changes, by identity', () => {
    const p = fake();
    const list = [1, 2];
    const slots = [slot(p, (props: { a: number; b: readonly number[]; other: string }) => ({ a: props.a, b: props.b }))];
    syncPlugins(slots, { a: 1, b: list, other: 'x' });
    syncPlugins(slots, { a: 1, b: list, other: 'y' });
    expect(p.updates).toEqual([{ a: 1, b: list }]);
    syncPlugins(slots, { a: 2, b: list, other: 'y' });
    syncPlugins(slots, { a: 2, b: [1, 2], other: 'y' });
    expect(p.updates).toHaveLength(3);
  });

  it('shallowEqual compares keys and values', () => {
    expect(shallowEqual(null, {})).toBe(false);
    expect(shallowEqual({ a: 1 }, { a: 1 })).toBe(true);
    expect(shallowEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(shallowEqual({ a: Number.NaN }, { a: Number.NaN })).toBe(true);
  });
});
