// Fuzzing helpers shared by the parser's and the checker's never-throw tests: token soup made
// of a file's own pieces, and character-level mutations of valid programs.

import fc from 'fast-check';

/** Strings made of `pieces` (keywords, names, punctuation, numbers, line breaks) in any order. */
export function soupOf(pieces: readonly string[]): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((a) => a.join(''));
}

export type Mutation = { op: 'delete' | 'insert' | 'duplicate'; at: number; len: number; ch: string };

/** Delete, insert or duplicate a few characters; `inserts` are the favoured insertions. */
export function mutationOf(inserts: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.record({
    op: fc.constantFrom('delete', 'insert', 'duplicate') as fc.Arbitrary<Mutation['op']>,
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 12 }),
    ch: fc.oneof(fc.constantFrom(...inserts), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 })),
  });
}

export const BASIC_INSERTS = ['(', ')', '{', '}', '\n', ',', ':', '"', '.', '_', '=', '#', ' ', '0', 'x', 'K'];

export function mutate(text: string, ms: readonly Mutation[]): string {
  let t = text;
  for (const m of ms) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    if (m.op === 'delete') t = t.slice(0, at) + t.slice(at + m.len);
    else if (m.op === 'insert') t = t.slice(0, at) + m.ch + t.slice(at);
    else t = t.slice(0, at) + t.slice(at, at + m.len) + t.slice(at);
  }
  return t;
}
