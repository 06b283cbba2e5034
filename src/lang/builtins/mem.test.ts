// mem.read64 / mem.write64: software's view of physical memory, and its limits.

import { describe, expect, it } from 'vitest';
import { argTypeError } from '../interp';
import { LabMachine } from '../../model/lab/machine';
import { findBuiltin } from './index';
import { call, failure } from './call.test-util';

describe('mem.read64 and mem.write64', () => {
  it('read back what was written, in RAM and in host kernel memory; unwritten memory reads 0', () => {
    const m = new LabMachine();
    expect(call(m, 'mem.read64', { addr: 0x8_0010_0040 })).toBe(0n);
    call(m, 'mem.write64', { addr: 0x8_0010_0040, value: 0xffff_ffff_ffff_ffffn });
    expect(call(m, 'mem.read64', { addr: 0x8_0010_0040 })).toBe(0xffff_ffff_ffff_ffffn);
    const ste = call(m, 'smmu.ste_addr', { sid: 0 }) as bigint;
    call(m, 'mem.write64', { addr: ste, value: 1 });
    expect(call(m, 'mem.read64', { addr: ste })).toBe(1n);
    const last = m.trace.slice(-2);
    expect(last).toEqual([
      { type: 'mem.write', who: 'sw', pa: ste, value: 1n },
      { type: 'mem.read', who: 'sw', pa: ste, value: 1n },
    ]);
  });

  it('outside RAM and host kernel memory is a runtime error that says where RAM is', () => {
    const m = new LabMachine();
    expect(failure(() => call(m, 'mem.read64', { addr: 0x9_0000_0000 })))
      .toBe('0x9_0000_0000 is outside RAM (RAM is 0x8_0000_0000..0x8_ffff_ffff; host kernel memory is 0x10000000..0x1fffffff)');
    expect(failure(() => call(m, 'mem.write64', { addr: 0x2000_0000, value: 1 }))).toMatch(/^0x20000000 is outside RAM/);
    expect(failure(() => call(m, 'mem.write64', { addr: 0x7_ffff_fff8, value: 1 }))).toMatch(/outside RAM/);
  });

  it('an unaligned address is refused before the call runs (align 8)', () => {
    const t = findBuiltin('mem.read64')?.args[0].type;
    expect(t && argTypeError(t, 0x8_0000_0004n)).toMatch(/multiple of 8/);
  });
});
