// The raw layer: commands through the queue (and its error protocol), registers, event records.

import { describe, expect, it } from 'vitest';
import { HOST_MEM_BASE, LabMachine } from '../../model/lab/machine';
import { CMD } from '../../model/smmuv3/commands';
import { REG } from '../../model/smmuv3/regs';
import type { CmdEvent } from '../../model/trace';
import { findBuiltin } from './index';
import { call, failure, field } from './call.test-util';

describe('smmu.cmd and smmu.sync', () => {
  it('the op list is every command name of the CMD table, and CMD_CFGI_ALL', () => {
    const op = findBuiltin('smmu.cmd')?.args[0].type;
    expect(op?.t === 'word' ? [...op.words].sort() : []).toEqual([...Object.keys(CMD), 'CMD_CFGI_ALL'].sort());
    const reg = findBuiltin('smmu.read')?.args[0].type;
    expect(reg?.t === 'word' ? reg.words : []).toEqual(Object.keys(REG));
  });

  it('a legal command is consumed: written at PROD, PROD published, the invalidation done', () => {
    const m = new LabMachine();
    const at = m.trace.length;
    const r = call(m, 'smmu.cmd', { op: 'CMD_TLBI_NH_VA', vmid: 1, asid: 7, addr: 0x1000_0000, leaf: true });
    expect(r).toEqual({ kind: 'record', type: 'cmd result', fields: { consumed: 1n, error: null } });
    const cmd = m.trace.slice(at).find((e): e is CmdEvent => e.type === 'smmu.cmd');
    expect([cmd?.dw0, cmd?.dw1]).toEqual([(7n << 48n) | (1n << 32n) | 0x12n, 0x1000_0001n]);
    expect(m.trace.slice(at).filter((e) => e.type === 'mem.write').every((e) => e.type === 'mem.write' && e.who === 'sw')).toBe(true);
    expect(field(call(m, 'smmu.sync', {}), 'consumed')).toBe(1n);
    // CMD_TLBI_S2_IPA takes the address as an IPA; CMD_CFGI_ALL is CMD_CFGI_STE_RANGE, Range 31.
    expect(field(call(m, 'smmu.cmd', { op: 'CMD_TLBI_S2_IPA', vmid: 1, addr: 0x4010_0000 }), 'consumed')).toBe(1n);
    call(m, 'smmu.cmd', { op: 'CMD_CFGI_ALL' });
    const last = m.trace.filter((e): e is CmdEvent => e.type === 'smmu.cmd').pop();
    expect([last?.name, last?.dw1]).toEqual(['CMD_CFGI_ALL', 31n]);
  });

  it('a field the command does not have is a runtime error that names the command\'s fields', () => {
    const m = new LabMachine();
    expect(failure(() => call(m, 'smmu.cmd', { op: 'CMD_SYNC', sid: 1 })))
      .toBe('CMD_SYNC has no StreamID field (its fields: CS, MSH, MSIAttr, MSIData, MSIAddress)');
    expect(failure(() => call(m, 'smmu.cmd', { op: 'CMD_CFGI_ALL', range: 3 }))).toMatch(/CMD_CFGI_ALL has no Range field/);
  });

  it('CERROR_ILL stops the queue; the host\'s next command times out; skipping the command and acknowledging restarts it', () => {
    const m = new LabMachine();
    const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 1 });
    const bad = call(m, 'smmu.cmd', { op: 'CMD_TLBI_EL2_ALL' });
    expect(bad).toEqual({ kind: 'record', type: 'cmd result', fields: { consumed: 0n, error: 'CERROR_ILL: SMMU_IDR0.Hyp = 0 (§4.4.2.7)' } });
    expect((call(m, 'smmu.read', { reg: 'GERROR' }) as bigint) & 1n).toBe(1n);
    const cons = call(m, 'smmu.read', { reg: 'CMDQ_CONS' }) as bigint;
    expect((cons >> 24n) & 0x7fn).toBe(1n);                 // CMDQ_CONS.ERR = CERROR_ILL
    expect(field(call(m, 'smmu.sync', {}), 'error')).toMatch(/^not consumed: the Command queue is stopped/);
    expect(failure(() => call(m, 'host.attach', { dev: nic }))).toMatch(/^CMD_SYNC timeout/);
    // arm_smmu_cmdq_skip_err's fix: overwrite the bad command with CMD_SYNC, then acknowledge.
    const slot = BigInt(m.cmdqBase) + 16n * (cons & 0xffn);
    call(m, 'mem.write64', { addr: slot, value: 0x46 });
    call(m, 'mem.write64', { addr: slot + 8n, value: 0 });
    call(m, 'smmu.write', { reg: 'GERRORN', value: call(m, 'smmu.read', { reg: 'GERROR' }) as bigint });
    expect((call(m, 'smmu.read', { reg: 'CMDQ_CONS' }) as bigint) & 0x1ffn).toBe(call(m, 'smmu.read', { reg: 'CMDQ_PROD' }));
    call(m, 'host.attach', { dev: nic });
  });

  it('CMD_SYNC with CS = SIG_IRQ writes MSIData at MSIAddress; CS = 3 is CERROR_ILL', () => {
    const m = new LabMachine();
    call(m, 'smmu.cmd', { op: 'CMD_SYNC', cs: 1, msi_addr: 0x8_0000_0100, msi_data: 0xabcd });
    expect(call(m, 'mem.read64', { addr: 0x8_0000_0100 })).toBe(0xabcdn);
    expect(field(call(m, 'smmu.cmd', { op: 'CMD_SYNC', cs: 3 }), 'error')).toMatch(/CS = 0b11/);
  });
});

describe('smmu.read and smmu.write', () => {
  it('reads what the host driver set up at probe', () => {
    const m = new LabMachine();
    expect(call(m, 'smmu.read', { reg: 'CR0' })).toBe(0xdn);               // SMMUEN | EVENTQEN | CMDQEN
    expect(call(m, 'smmu.read', { reg: 'STRTAB_BASE' })).toBe((1n << 62n) | BigInt(HOST_MEM_BASE));
    expect(call(m, 'smmu.read', { reg: 'STRTAB_BASE_CFG' })).toBe(16n);   // linear, LOG2SIZE 16
    expect((call(m, 'smmu.read', { reg: 'CMDQ_BASE' }) as bigint) & 0x1fn).toBe(8n);
    expect((call(m, 'smmu.read', { reg: 'EVENTQ_BASE' }) as bigint) & 0x1fn).toBe(7n);
    expect(call(m, 'smmu.read', { reg: 'EVENTQ_PROD' })).toBe(0n);
  });

  it('CR0 = 0 turns translation off: DMA follows GBPA (bypass at reset)', () => {
    const m = new LabMachine();
    const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 1 });
    call(m, 'smmu.write', { reg: 'CR0', value: 0 });
    expect(field(call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x8_0000_0040 }), 'pa')).toBe(0x8_0000_0040n);
    call(m, 'smmu.write', { reg: 'CR0', value: 0xd });
    expect(field(call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x8_0000_0040 }), 'ok')).toBe(false);
  });

  it('an ignored write is traced with why; a 64-bit value in a 32-bit register is refused', () => {
    const m = new LabMachine();
    const at = m.trace.length;
    call(m, 'smmu.write', { reg: 'STRTAB_BASE_CFG', value: 8 });
    expect(m.trace[at]).toMatchObject({ type: 'smmu.reg', name: 'STRTAB_BASE_CFG', write: true, note: expect.stringMatching(/SMMUEN = 1/) });
    expect(failure(() => call(m, 'smmu.write', { reg: 'CR0', value: 0x1_0000_0000n }))).toMatch(/32-bit register/);
  });
});

describe('smmu.events, smmu.last_event, smmu.ste_addr', () => {
  it('drains the records; last_event decodes the last one; nothing before any', () => {
    const m = new LabMachine();
    expect(call(m, 'smmu.events', {})).toBe(0n);
    expect(call(m, 'smmu.last_event', {})).toBe(null);
    const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x22 });
    call(m, 'host.attach', { dev: nic });
    call(m, 'dev.dma', { dev: nic, access: 'write', iova: 0x1234_5000 });
    call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1234_6008 });
    expect(call(m, 'smmu.events', {})).toBe(2n);
    expect(call(m, 'smmu.last_event', {})).toEqual({
      kind: 'record', type: 'event', fields: {
        name: 'F_TRANSLATION', id: 0x10n, sid: 0x22n, stage: 2n, class: 'IN', input: 0x1234_6008n, ipa: 0x1234_6000n, recorded: true,
      },
    });
    expect(call(m, 'smmu.events', {})).toBe(0n);
    expect(call(m, 'smmu.read', { reg: 'EVENTQ_CONS' })).toBe(call(m, 'smmu.read', { reg: 'EVENTQ_PROD' }));
  });

  it('129 faults into a 128-entry queue: one is lost, OVFLG toggles, draining acknowledges it', () => {
    const m = new LabMachine();
    const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 1 });
    call(m, 'host.attach', { dev: nic });
    for (let i = 0; i < 129; i++) call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000 * i });
    expect((call(m, 'smmu.read', { reg: 'EVENTQ_PROD' }) as bigint) >> 31n).toBe(1n);
    expect(call(m, 'smmu.events', {})).toBe(128n);
    expect((call(m, 'smmu.read', { reg: 'EVENTQ_CONS' }) as bigint) >> 31n).toBe(1n);   // OVACKFLG = OVFLG
  });

  it('ste_addr: STRTAB_BASE + 64 * StreamID', () => {
    const m = new LabMachine();
    expect(call(m, 'smmu.ste_addr', { sid: 0x10 })).toBe(BigInt(HOST_MEM_BASE + 0x400));
  });
});
