// dev.dma: the result record, the events it carries, and the runtime errors.

import { describe, expect, it } from 'vitest';
import { LabMachine } from '../../model/lab/machine';
import type { HandleValue } from '../values';
import { call, failure, field } from './call.test-util';

function nestedNic() {
  const m = new LabMachine();
  const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x10 });
  call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x20_0000 });
  const pt = call(m, 'guest.s1.new', {});
  call(m, 'guest.s1.map', { pt, va: 0x1000_0000, ipa: 0x4010_0000, size: 0x1000 });
  const cd = call(m, 'guest.cd', { asid: 7, ttb0: pt });
  call(m, 'host.set_pasid_table', { dev: nic, cd_table: cd });
  return { m, nic };
}

describe('dev.dma', () => {
  it('returns a "dma result" record: ok, pa, event, walk {reads, walk_reads, tlb}', () => {
    const { m, nic } = nestedNic();
    const r = call(m, 'dev.dma', { dev: nic, access: 'write', iova: 0x1000_0008 });
    expect(r).toEqual({
      kind: 'record', type: 'dma result', fields: {
        ok: true, pa: 0x8_0010_0008n, event: null,
        walk: { kind: 'record', type: 'walk', fields: { reads: 30n, walk_reads: 24n, tlb: 'miss' } },
      },
    });
  });

  it('an unmapped IOVA: F_TRANSLATION at stage 1, CLASS IN, no IPA, recorded', () => {
    const { m, nic } = nestedNic();
    const r = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_1000 });
    expect(field(r, 'ok')).toBe(false);
    expect(field(r, 'pa')).toBe(null);
    expect(field(r, 'event')).toEqual({
      kind: 'record', type: 'event', fields: {
        name: 'F_TRANSLATION', id: 0x10n, sid: 0x10n, stage: 1n, class: 'IN', input: 0x1000_1000n, ipa: null, recorded: true,
      },
    });
  });

  it('the output IPA not in stage 2: F_TRANSLATION at stage 2, CLASS IN, ipa = the output IPA', () => {
    const { m, nic } = nestedNic();
    call(m, 'host.s2.unmap', { ipa: 0x4010_0000, size: 0x1000 });
    const r = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_0040 });
    expect([field(r, 'event.stage'), field(r, 'event.class'), field(r, 'event.ipa')]).toEqual([2n, 'IN', 0x4010_0040n]);
  });

  it('a SubstreamID with S1CDMax = 0: C_BAD_SUBSTREAMID, not a translation fault (stage 0, class "")', () => {
    const { m, nic } = nestedNic();
    const r = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_0000, ssid: 3 });
    expect([field(r, 'event.name'), field(r, 'event.stage'), field(r, 'event.class'), field(r, 'walk.tlb')]).toEqual(['C_BAD_SUBSTREAMID', 0n, '', 'none']);
  });

  it('an instruction fetch from an execute-never page: F_PERMISSION; len changes nothing', () => {
    const { m, nic } = nestedNic();
    const a = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_0000, instr: true, priv: true });
    expect(field(a, 'event.name')).toBe('F_PERMISSION');
    const b = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_0000, len: 4096 });
    const c = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_0000, len: 1 });
    expect(field(b, 'pa')).toBe(field(c, 'pa'));
  });

  it('a corrupted STE (V = 0) is noticed only after CMD_CFGI_STE: C_BAD_STE', () => {
    const { m, nic } = nestedNic();
    call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_0000 });
    const ste = call(m, 'smmu.ste_addr', { sid: 0x10 }) as bigint;
    call(m, 'mem.write64', { addr: ste, value: (call(m, 'mem.read64', { addr: ste }) as bigint) & ~1n });
    expect(field(call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_0000 }), 'ok')).toBe(true);  // cached
    call(m, 'smmu.cmd', { op: 'CMD_CFGI_STE', sid: 0x10 });
    call(m, 'smmu.sync', {});
    const r = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_0000 });
    expect([field(r, 'event.name'), field(r, 'event.stage'), field(r, 'walk.reads')]).toEqual(['C_BAD_STE', 0n, 1n]);
  });

  it('refuses a device handle from elsewhere', () => {
    const m = new LabMachine();
    const ghost: HandleValue = { kind: 'handle', type: 'device', id: 0, label: 'x' };
    expect(failure(() => call(m, 'dev.dma', { dev: ghost, access: 'read', iova: 0 }))).toBe('no device #0 in this machine');
  });
});
