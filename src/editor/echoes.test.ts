import { describe, expect, it } from 'vitest';
import { Echoes } from './echoes';

describe('Echoes', () => {
  it('an older text the editor reported is an echo, not an edit to load', () => {
    const e = new Echoes();
    e.sent('g');
    e.sent('gu');
    e.sent('gue');
    expect(e.isEcho('g')).toBe(true); // the app is one render behind: keep "gue" in the model
    expect(e.isEcho('gue')).toBe(true);
    expect(e.isEcho('gu')).toBe(false); // already passed: the app really set it
  });

  it('a text the editor never reported is new', () => {
    const e = new Echoes();
    e.sent('a');
    expect(e.isEcho('lesson 2')).toBe(false);
    expect(e.isEcho('a')).toBe(false);
  });

  it('remembers at most `limit` texts', () => {
    const e = new Echoes(2);
    for (const t of ['1', '2', '3']) e.sent(t);
    expect(e.isEcho('1')).toBe(false);
    e.sent('4');
    expect(e.isEcho('4')).toBe(true);
  });
});
