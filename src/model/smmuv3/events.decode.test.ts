// decodeEvent reads back what encodeEvent writes (the four words of a record in the Event
// queue, SMMUv3 §7.3), for every event kind the model raises.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, EVT, eventName, type EventRecord } from './events';

const translation = [EVT.F_TRANSLATION, EVT.F_ADDR_SIZE, EVT.F_ACCESS, EVT.F_PERMISSION];
const other = [EVT.C_BAD_STREAMID, EVT.C_BAD_STE, EVT.C_BAD_SUBSTREAMID, EVT.C_BAD_CD, EVT.F_STREAM_DISABLED];

const record = fc.record({
  id: fc.constantFrom(...translation, ...other),
  sid: fc.integer({ min: 0, max: 0xffff_ffff }),
  ssv: fc.boolean(),
  ssid: fc.integer({ min: 0, max: 0xf_ffff }),
  rnw: fc.boolean(), pnu: fc.boolean(), ind: fc.boolean(),
  s2: fc.boolean(),
  cls: fc.constantFrom('CD' as const, 'TT' as const, 'IN' as const),
  input: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  ipa: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
});

describe('decodeEvent', () => {
  it('inverts encodeEvent (IPA to IPA[51:12]; S2, CLASS and IPA only for translation faults)', () => {
    fc.assert(fc.property(record, (r) => {
      const isT = translation.includes(r.id as (typeof translation)[number]);
      const e: EventRecord = {
        id: r.id, name: eventName(r.id), sid: r.sid, ssv: r.ssv, ssid: r.ssv ? r.ssid : 0, rnw: r.rnw, pnu: r.pnu,
        ind: r.ind, input: r.input, recorded: true,
      };
      if (isT) { e.s2 = r.s2; e.cls = r.cls; if (r.s2) e.ipa = r.ipa; }
      const d = decodeEvent(encodeEvent(e));
      expect(d).toEqual({ ...e, ...(e.ipa !== undefined ? { ipa: e.ipa & ~0xfffn } : {}) });
    }));
  });

  it('a stage-2 TT fault as the queue holds it', () => {
    const words = [0x0000_0010_0000_0010n, (1n << 35n) | (1n << 39n) | (1n << 40n) | (1n << 44n), 0x1000_0040n, 0x4020_0000n];
    expect(decodeEvent(words)).toMatchObject({ name: 'F_TRANSLATION', sid: 0x10, rnw: true, s2: true, cls: 'TT', ttrnw: true, ipa: 0x4020_0000n });
  });
});
