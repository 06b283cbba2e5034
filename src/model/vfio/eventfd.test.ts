import { describe, expect, it } from 'vitest';
import { EventFd } from './eventfd';

describe('eventfd counter (fs/eventfd.c, non-semaphore mode)', () => {
  it('reads 0 when nothing was signalled', () => {
    expect(new EventFd().read()).toBe(0n);
  });
  it('a write adds, a read returns the sum and zeroes it', () => {
    const e = new EventFd();
    e.signal();
    e.write(2n);
    expect(e.read()).toBe(3n);
    expect(e.read()).toBe(0n);
  });
  it('two signals before a read read as 2 (signals coalesce into the count)', () => {
    const e = new EventFd();
    e.signal();
    e.signal();
    expect(e.read()).toBe(2n);
    expect(e.signals).toBe(2);
  });
});
