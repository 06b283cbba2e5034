// The key table: every combination means one thing, the handler's matching rules, and the
// help overlay's labels.

import { describe, expect, it } from 'vitest';
import { actionFor, KEY_ACTIONS, keyLabel, keyOf, nextSpeed, type KeyLike } from './keys';
import type { LabState } from './store';

const ev = (key: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });
const state = (overlay: LabState['overlay'] = null) => ({ overlay }) as LabState;
const outside = { inEditor: false, onControl: false };
const editor = { inEditor: true, onControl: false };

describe('keys', () => {
  it('no combination is bound twice (except Escape, which applies only with a panel open)', () => {
    const seen = new Map<string, string>();
    for (const a of KEY_ACTIONS) {
      for (const k of a.keys) {
        expect(seen.get(k), `${k}: ${a.id} and ${seen.get(k)}`).toBeUndefined();
        seen.set(k, a.id);
      }
    }
  });

  it('keyOf writes modifiers then the key; Shift is part of a printable character', () => {
    expect(keyOf(ev('F10', { shiftKey: true }))).toBe('Shift+F10');
    expect(keyOf(ev('?', { shiftKey: true }))).toBe('?');
    expect(keyOf(ev('P', { shiftKey: true }))).toBe('p');
    expect(keyOf(ev(' '))).toBe('Space');
    expect(keyOf(ev('Enter', { metaKey: true }))).toBe('Ctrl+Enter');
    expect(keyOf(ev('ArrowRight'))).toBe('ArrowRight');
  });

  it('the issue\'s keys: F5, F10, F11 or Right, Shift+F10 or Left, Home, End, ?', () => {
    const id = (combo: string, where = outside) => actionFor(combo, where, state())?.id ?? null;
    expect(id('F5')).toBe('run');
    expect(id('F10')).toBe('step-over');
    expect(id('F11')).toBe('step-into');
    expect(id('ArrowRight')).toBe('step-into');
    expect(id('Shift+F10')).toBe('back');
    expect(id('ArrowLeft')).toBe('back');
    expect(id('Home')).toBe('home');
    expect(id('End')).toBe('end');
    expect(id('?')).toBe('help');
    expect(id('1')).toBe('view-walk');
  });

  it('in the editor, function keys work and arrows, letters and Home/End are the editor\'s', () => {
    const id = (combo: string) => actionFor(combo, editor, state())?.id ?? null;
    expect(id('F11')).toBe('step-into');
    expect(id('F9')).toBe('breakpoint');
    expect(id('ArrowRight')).toBe(null);
    expect(id('Home')).toBe(null);
    expect(id('p')).toBe(null);
    expect(id('Space')).toBe(null);
  });

  it('on a button, Space and arrows are the button\'s', () => {
    expect(actionFor('Space', { inEditor: false, onControl: true }, state())).toBe(null);
    expect(actionFor('F10', { inEditor: false, onControl: true }, state())?.id).toBe('step-over');
  });

  it('Escape closes a panel, and only when one is open', () => {
    expect(actionFor('Escape', outside, state())).toBe(null);
    expect(actionFor('Escape', editor, state('help'))?.id).toBe('close');
  });

  it('labels and speeds', () => {
    expect(keyLabel('Shift+F10')).toBe('Shift + F10');
    expect(keyLabel('ArrowRight')).toBe('→');
    expect(keyLabel('+')).toBe('+');
    expect(nextSpeed(4, 1)).toBe(8);
    expect(nextSpeed(4, -1)).toBe(2);
    expect(nextSpeed(60, 1)).toBe(60);
    expect(nextSpeed(3, -1)).toBe(2);
  });
});
