// A tiny machine for engine tests: a counter, a log of values, and a trace. `m.walk(n)` makes
// n SMMU-like reads so sessions have sub-steps to step through.

import type { Builtin } from '../lang/registry-types';
import { record, type Value } from '../lang/values';
import type { Trace } from '../model/trace';
import type { MachineAdapter } from './session';

export interface FakeMachine { counter: bigint; log: bigint[]; trace: Trace }
type FakeSnap = { counter: bigint; log: bigint[] };

export const fakeAdapter: MachineAdapter<FakeMachine, FakeSnap> = {
  create: () => {
    const m: FakeMachine = { counter: 0n, log: [], trace: [] };
    m.trace.push({ type: 'mem.write', who: 'boot', pa: 0n, value: 1n });
    return m;
  },
  snapshot: (m) => ({ counter: m.counter, log: [...m.log] }),
  restore: (s) => ({ counter: s.counter, log: [...s.log], trace: [] }),
  trace: (m) => m.trace,
  digest: (m) => `${m.counter}:${m.log.join(',')}`,
};

const int = { t: 'int' } as const;
export const fakeRegistry: Builtin<FakeMachine>[] = [
  {
    name: 'm.add', actor: 'mem', args: [{ name: 'n', type: int, doc: 'amount' }], returns: { type: 'number', doc: 'the new counter' },
    doc: 'Adds n to the counter.', example: 'm.add(1)',
    run: (m, a) => { m.counter += a.n as bigint; m.log.push(m.counter); m.trace.push({ type: 'mem.write', who: 'sw', pa: 8n, value: m.counter }); return m.counter; },
  },
  {
    name: 'm.walk', actor: 'dev', walks: true, args: [{ name: 'reads', type: { t: 'int', min: 0n, max: 64n }, doc: 'reads' }],
    returns: { type: 'walk', doc: 'a record', fields: { reads: 'reads made' } },
    doc: 'Makes `reads` reads.', example: 'm.walk(3)',
    run: (m, a) => {
      const n = Number(a.reads as bigint);
      for (let i = 0; i < n; i++) m.trace.push({ type: 'smmu.fetch', what: 'S1', addr: 0x1000 + 8 * i, lo: i, hi: 0, level: i % 4 });
      m.counter += 1n;
      return record('walk', { reads: BigInt(n) } as Record<string, Value>);
    },
  },
  {
    name: 'm.fail', actor: 'mem', args: [], returns: { type: 'nothing', doc: '' }, doc: 'Fails.', example: 'm.fail()',
    run: (_m, _a, ctx) => ctx.fail('0x9000_0000 is outside RAM'),
  },
];
