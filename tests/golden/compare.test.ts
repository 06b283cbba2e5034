// The golden harness's comparison rule, checked on its own (it must fail where it should).
import { describe, expect, it } from 'vitest';
import { firstDifference, ssidRule } from './compare';

const line = {
  sid: 1, iova: '0x1000', ok: true, pa: '0x2000',
  accesses: [{ what: 'STE', addr: '0x80000040' }, { what: 'S1', level: 3, addr: '0x80100008' }],
};

describe('golden comparison rule', () => {
  it('accepts an identical line and extra fields', () => {
    expect(firstDifference(line, structuredClone(line), '$')).toBeNull();
    const extra = {
      ...structuredClone(line), tlb: 'miss', perms: { r: true },
      accesses: [line.accesses[0], { ...line.accesses[1], ipa: '0x40100008' }],
    };
    expect(firstDifference(line, extra, '$')).toBeNull();
  });
  it('reports the first differing field', () => {
    expect(firstDifference(line, { ...line, pa: '0x2008' }, '$')).toMatch(/^\$\.pa: expected "0x2000", got "0x2008"/);
    expect(firstDifference(line, { ...line, pa: undefined }, '$')).toMatch(/^\$\.pa: expected/);
    const { pa: _pa, ...noPa } = line;
    expect(firstDifference(line, noPa, '$')).toMatch(/^\$\.pa: missing/);
  });
  it('compares accesses exactly in length, order, what, level and addr', () => {
    const swapped = { ...line, accesses: [line.accesses[1], line.accesses[0]] };
    expect(firstDifference(line, swapped, '$')).toMatch(/^\$\.accesses\[0\]\.what/);
    const more = { ...line, accesses: [...line.accesses, { what: 'S1', level: 3, addr: '0x0' }] };
    expect(firstDifference(line, more, '$')).toMatch(/expected 2 accesses, got 3/);
    const fewer = { ...line, accesses: [line.accesses[0]] };
    expect(firstDifference(line, fewer, '$')).toMatch(/expected 2 accesses, got 1/);
    const nullLevel = { ...line, accesses: [{ what: 'STE', level: null, addr: '0x80000040' }, line.accesses[1]] };
    expect(firstDifference(line, nullLevel, '$')).toMatch(/accesses\[0\]\.level/);
    const wrongLevel = { ...line, accesses: [line.accesses[0], { what: 'S1', level: 2, addr: '0x80100008' }] };
    expect(firstDifference(line, wrongLevel, '$')).toMatch(/accesses\[1\]\.level: expected 3, got 2/);
  });
  it('compares nested objects field by field and null exactly', () => {
    const fault = { sid: 1, ok: false, event: { id: 16, name: 'F_TRANSLATION', stage: 1 } };
    expect(firstDifference(fault, { ...fault, event: { ...fault.event, recorded: true } }, '$')).toBeNull();
    expect(firstDifference(fault, { ...fault, event: { ...fault.event, stage: 2 } }, '$')).toMatch(/\$\.event\.stage/);
    expect(firstDifference({ ok: false, event: null }, { ok: false, event: {} }, '$')).toMatch(/\$\.event/);
    expect(firstDifference({ ok: false, event: null }, { ok: false, event: null }, '$')).toBeNull();
  });
  it('requires ssid to be absent when the expected line has none', () => {
    expect(ssidRule(line, { ...line, ssid: 0 })).toMatch(/ssid/);
    expect(ssidRule(line, line)).toBeNull();
    expect(ssidRule({ ...line, ssid: 5 }, { ...line, ssid: 5 })).toBeNull();
  });
});
