import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce } from './debounce';

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls once, after the last call, with its arguments', () => {
    const f = vi.fn();
    const d = debounce(f, 200);
    d('a');
    vi.advanceTimersByTime(150);
    d('b');
    vi.advanceTimersByTime(150);
    expect(f).not.toHaveBeenCalled();
    vi.advanceTimersByTime(50);
    expect(f).toHaveBeenCalledTimes(1);
    expect(f).toHaveBeenCalledWith('b');
  });

  it('cancel drops the pending call; flush makes it now, once', () => {
    const f = vi.fn();
    const d = debounce(f, 100);
    d(1);
    d.cancel();
    vi.advanceTimersByTime(500);
    expect(f).not.toHaveBeenCalled();
    d(2);
    d.flush();
    expect(f).toHaveBeenCalledWith(2);
    vi.advanceTimersByTime(500);
    d.flush();
    expect(f).toHaveBeenCalledTimes(1);
  });
});
