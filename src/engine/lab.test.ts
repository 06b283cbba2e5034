import { describe, expect, it } from 'vitest';
import { LabMachine, type LabSnapshot } from '../model/lab/machine';
import { labAdapter } from './lab';

const P1 = 0x8_0000_0000;
const P2 = 0x8_0001_0000;

function page(s: LabSnapshot, pa: number): Uint32Array | undefined {
  return s.mem.pages.find((p) => p.pa === pa)?.words;
}

describe('labAdapter snapshots', () => {
  it('share the pages that did not change since the machine\'s last snapshot, and restore exactly', () => {
    const m = labAdapter.create();
    m.swWrite64(BigInt(P1 + 0x40), 0x1234n);
    m.swWrite64(BigInt(P2), 1n);
    const a = labAdapter.snapshot(m);
    const digestA = m.digest();
    m.swWrite64(BigInt(P2), 2n);
    const b = labAdapter.snapshot(m);
    expect(page(a, P1)).toBeDefined();
    expect(page(b, P1)).toBe(page(a, P1));                  // unchanged: one copy for both
    expect(page(b, m.cmdqBase)).toBe(page(a, m.cmdqBase));
    expect(page(b, P2)).not.toBe(page(a, P2));
    expect([page(a, P2)?.[0], page(b, P2)?.[0]]).toEqual([1, 2]);
    // A machine restored from a snapshot writes its own copy, never the snapshot's.
    const r = labAdapter.restore(a);
    r.swWrite64(BigInt(P1 + 0x40), 7n);
    expect(page(a, P1)?.[0x40 / 4]).toBe(0x1234);
    expect(LabMachine.fromSnapshot(a).digest()).toBe(digestA);
    expect(LabMachine.fromSnapshot(b).digest()).toBe(m.digest());
  });
});
