// Queues: the pointer rules of SMMUv3 §3.5.1 with a 4-entry queue (LOG2SIZE = 2), command
// consumption and its error protocol (§7.1, §6.3.19-20, §6.3.28), and the Event queue's
// overflow protocol (§7.4, §6.3.95-96), all driven through the MMIO registers.

import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import type { CmdEvent, EvtqEvent, Trace } from '../trace';
import { encodeCmd, type CmdWords } from './commands';
import { drainEvents, submitCommands } from './driver';
import { EVT } from './events';
import { baseAddr, qEmpty, qFull, qIndex, qNext, qWrap } from './queues';
import { CR0_CMDQEN, CR0_EVENTQEN, CR0_SMMUEN, REG, SmmuRegisters } from './regs';
import { Smmu } from './smmu';

describe('pointer arithmetic (§3.5.1)', () => {
  it('QS = 2: the index counts 0..3, then wraps to 0 with the wrap flag (bit 2) toggled', () => {
    const seq = [0];
    for (let i = 0; i < 8; i++) seq.push(qNext(seq[seq.length - 1], 2));
    expect(seq).toEqual([0, 1, 2, 3, 0b100, 0b101, 0b110, 0b111, 0]);
    expect(seq.map((p) => [qIndex(p, 2), qWrap(p, 2)])).toEqual([
      [0, 0], [1, 0], [2, 0], [3, 0], [0, 1], [1, 1], [2, 1], [3, 1], [0, 0],
    ]);
  });
  it('empty: same index and wrap; full: same index, different wrap; all 4 slots usable', () => {
    expect(qEmpty(0b110, 0b110, 2)).toBe(true);
    expect(qFull(0b110, 0b110, 2)).toBe(false);
    expect(qFull(0b100, 0b000, 2)).toBe(true);    // producer one lap ahead
    expect(qFull(0b010, 0b110, 2)).toBe(true);
    expect(qEmpty(0b011, 0b010, 2) || qFull(0b011, 0b010, 2)).toBe(false);
  });
  it('QS = 0: one entry; an increment only toggles the wrap flag (bit 0)', () => {
    expect(qNext(0, 0)).toBe(1);
    expect(qNext(1, 0)).toBe(0);
    expect(qFull(1, 0, 0)).toBe(true);
  });
  it('bits above the wrap flag are ignored', () => {
    expect(qEmpty(0xf_ff05, 0x5, 2)).toBe(true);
  });
  it('the base is aligned to the queue size, at least 32 bytes (§6.3.26)', () => {
    expect(baseAddr(0x2000_0020n | 2n, 2, 16)).toBe(0x2000_0000);    // 4 x 16 B = 64 B
    expect(baseAddr(0x2000_0020n, 0, 16)).toBe(0x2000_0020);         // one entry: 32-byte alignment
    expect(baseAddr(0x2000_0fe0n | 7n, 7, 32)).toBe(0x2000_0000);    // 128 x 32 B = 4 KB
  });
});

const CMDQ = 0x2000_0000;
const EVTQ = 0x3000_0000;

function setup(): { smmu: Smmu; regs: SmmuRegisters; trace: Trace } {
  const smmu = new Smmu(new PhysMem(), { oas: 48, cache: true });
  const trace: Trace = [];
  smmu.trace = trace;
  const regs = new SmmuRegisters(smmu);
  regs.mmioWrite(REG.CMDQ_BASE, BigInt(CMDQ) | 2n, 8);     // LOG2SIZE = 2: 4 entries
  regs.mmioWrite(REG.CMDQ_PROD, 0);
  regs.mmioWrite(REG.CMDQ_CONS, 0);
  regs.mmioWrite(REG.CR0, CR0_CMDQEN);
  return { smmu, regs, trace };
}

const read = (regs: SmmuRegisters, off: number) => Number(regs.mmioRead(off));
const cmds = (trace: Trace) => trace.filter((e): e is CmdEvent => e.type === 'smmu.cmd');
const nop = (): CmdWords => encodeCmd({ op: 'CMD_SYNC' });

describe('the Command queue', () => {
  it('consumes up to PROD when PROD is written, and CONS follows PROD around the ring', () => {
    const { regs, trace } = setup();
    submitCommands(regs, [nop(), nop(), nop()]);
    expect(read(regs, REG.CMDQ_CONS)).toBe(3);
    submitCommands(regs, [nop(), nop(), nop()]);                 // slots 3, 0, 1
    expect(read(regs, REG.CMDQ_PROD)).toBe(0b110);                // index 2, wrap flag set
    expect(read(regs, REG.CMDQ_CONS)).toBe(0b110);
    expect(cmds(trace).map((e) => e.index)).toEqual([0, 1, 2, 3, 0, 1]);
  });

  it('a full queue (4 commands while CMDQEN = 0) is consumed when CMDQEN is set', () => {
    const { regs, trace } = setup();
    submitCommands(regs, [nop(), nop(), nop(), nop(), nop()]);   // CONS = PROD = 0b101
    regs.mmioWrite(REG.CR0, 0);
    submitCommands(regs, [nop(), nop(), nop(), nop()]);          // slots 1, 2, 3, 0
    const prod = read(regs, REG.CMDQ_PROD), cons = read(regs, REG.CMDQ_CONS);
    expect([prod, cons]).toEqual([0b001, 0b101]);                 // same index, wrap flags differ
    expect(qFull(prod, cons, 2)).toBe(true);
    expect(() => submitCommands(regs, [nop()])).toThrow(/full/);
    expect(cmds(trace)).toHaveLength(5);
    regs.mmioWrite(REG.CR0, CR0_CMDQEN);                           // §6.3.9.3: consumption starts
    expect(read(regs, REG.CMDQ_CONS)).toBe(0b001);
    expect(cmds(trace)).toHaveLength(9);
  });

  it('CMDQ_BASE and CMDQ_CONS ignore writes while CMDQEN = 1 (§6.3.26, §6.3.28)', () => {
    const { regs } = setup();
    regs.mmioWrite(REG.CMDQ_CONS, 2);
    regs.mmioWrite(REG.CMDQ_BASE, 0x5000_0000n, 8);
    expect(read(regs, REG.CMDQ_CONS)).toBe(0);
    expect(regs.mmioRead(REG.CMDQ_BASE, 8)).toBe(BigInt(CMDQ) | 2n);
  });
});

describe('a command error (§7.1)', () => {
  const bad: CmdWords = [0x08n, 0n];   // opcode 0x08: Reserved

  function erred() {
    const t = setup();
    submitCommands(t.regs, [encodeCmd({ op: 'CMD_CFGI_ALL' }), bad, encodeCmd({ op: 'CMD_TLBI_NSNH_ALL' })]);
    return t;
  }

  it('stops with CONS at the bad command, CONS.ERR = CERROR_ILL, GERROR.CMDQ_ERR toggled', () => {
    const { regs, trace } = erred();
    expect(read(regs, REG.CMDQ_CONS)).toBe(0x0100_0001);         // ERR[30:24] = 1, RD = 1
    expect(read(regs, REG.GERROR)).toBe(1);
    expect(read(regs, REG.GERRORN)).toBe(0);
    expect(cmds(trace).map((e) => [e.name, e.error === undefined])).toEqual([['CMD_CFGI_ALL', true], ['Reserved_0x08', false]]);
  });

  it('consumes nothing more while the error is active, even when PROD is written again', () => {
    const { regs, trace } = erred();
    regs.mmioWrite(REG.CMDQ_PROD, 3);
    regs.mmioWrite(REG.CR0, CR0_CMDQEN);
    expect(read(regs, REG.CMDQ_CONS) & 0xf_ffff).toBe(1);
    expect(cmds(trace)).toHaveLength(2);
  });

  it('software fixes the command in place and toggles GERRORN to match: consumption resumes', () => {
    const { regs, smmu, trace } = erred();
    const [w0, w1] = nop();
    smmu.mem.write64(BigInt(CMDQ + 16), w0);
    smmu.mem.write64(BigInt(CMDQ + 24), w1);
    regs.mmioWrite(REG.GERRORN, 1);
    expect(read(regs, REG.CMDQ_CONS) & 0xf_ffff).toBe(3);
    expect(cmds(trace).slice(2).map((e) => e.name)).toEqual(['CMD_SYNC', 'CMD_TLBI_NSNH_ALL']);
    expect(read(regs, REG.GERROR) ^ read(regs, REG.GERRORN)).toBe(0);
  });

  it('acknowledging without a fix re-fetches the bad command: GERROR toggles back, so the error is active again', () => {
    const { regs } = erred();
    regs.mmioWrite(REG.GERRORN, 1);
    expect(read(regs, REG.GERROR)).toBe(0);
    expect(read(regs, REG.GERRORN)).toBe(1);
    expect(read(regs, REG.CMDQ_CONS)).toBe(0x0100_0001);
  });

  it('or software moves PROD back to CONS, dropping the unconsumed commands, then acknowledges', () => {
    const { regs, trace } = erred();
    regs.mmioWrite(REG.CMDQ_PROD, 1);
    regs.mmioWrite(REG.GERRORN, 1);
    expect(cmds(trace)).toHaveLength(2);
    submitCommands(regs, [nop()]);
    expect(read(regs, REG.CMDQ_CONS) & 0xf_ffff).toBe(2);
  });
});

describe('the Event queue', () => {
  /** SMMUEN = 1 with the reset stream table (LOG2SIZE = 0): any StreamID but 0 is
   *  C_BAD_STREAMID, recorded because CR2.RECINVSID = 1. A 2-entry Event queue. */
  function evtqSetup(log2size = 1) {
    const t = setup();
    t.regs.mmioWrite(REG.EVENTQ_BASE, BigInt(EVTQ) | BigInt(log2size), 8);
    t.regs.mmioWrite(REG.EVENTQ_PROD, 0);
    t.regs.mmioWrite(REG.EVENTQ_CONS, 0);
    t.regs.mmioWrite(REG.CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
    return t;
  }
  const fault = (smmu: Smmu, sid: number) => smmu.translate({ sid, iova: 0x1000n, access: 'read' });
  const evtq = (trace: Trace) => trace.filter((e): e is EvtqEvent => e.type === 'smmu.evtq');

  it('writes each record at PROD (32 bytes a slot) and advances PROD', () => {
    const { smmu, regs } = evtqSetup();
    expect(fault(smmu, 5)).toMatchObject({ ok: false, event: { id: EVT.C_BAD_STREAMID } });
    fault(smmu, 6);
    expect(read(regs, REG.EVENTQ_PROD)).toBe(0b10);                // index 0, wrap flag set: full
    expect(smmu.mem.load64(BigInt(EVTQ))).toBe(0x0000_0005_0000_0002n);        // StreamID[63:32], ID[7:0]
    expect(smmu.mem.load64(BigInt(EVTQ + 32))).toBe(0x0000_0006_0000_0002n);
  });

  it('overflow: a record meeting a full queue is lost and OVFLG toggles once, until acknowledged', () => {
    const { smmu, regs, trace } = evtqSetup();
    for (const sid of [1, 2, 3, 4]) fault(smmu, sid);
    expect(read(regs, REG.EVENTQ_PROD)).toBe(0x8000_0002);         // OVFLG = 1, still full
    expect(evtq(trace).map((e) => e.written)).toEqual([true, true, false, false]);
    const d = drainEvents(regs);                                    // consume both, OVACKFLG = OVFLG
    expect(d.overflowed).toBe(true);
    expect(d.records.map((r) => r[0] >> 32n)).toEqual([1n, 2n]);
    expect(read(regs, REG.EVENTQ_CONS)).toBe(0x8000_0002);
    fault(smmu, 7);
    fault(smmu, 8);
    expect(read(regs, REG.EVENTQ_PROD)).toBe(0x8000_0000);         // full again, no overflow yet
    fault(smmu, 9);                                                  // lost: OVFLG toggles back to 0
    expect(read(regs, REG.EVENTQ_PROD)).toBe(0x0000_0000);
    const d2 = drainEvents(regs);
    expect(d2.overflowed).toBe(true);
    expect(d2.records.map((r) => r[0])).toEqual([0x0000_0007_0000_0002n, 0x0000_0008_0000_0002n]);
  });

  it('EVENTQEN = 0: records are discarded without an overflow (§7.4)', () => {
    const { smmu, regs, trace } = evtqSetup();
    regs.mmioWrite(REG.CR0, CR0_SMMUEN);
    fault(smmu, 1);
    expect(read(regs, REG.EVENTQ_PROD)).toBe(0);
    expect(evtq(trace)[0]).toMatchObject({ written: false, why: expect.stringMatching(/EVENTQEN = 0/) });
  });

  it('C_BAD_STREAMID is not recorded with CR2.RECINVSID = 0 (§6.3.12)', () => {
    const { smmu, regs, trace } = evtqSetup();
    regs.mmioWrite(REG.CR0, CR0_EVENTQEN);                           // CR2 is writable only with SMMUEN = 0
    regs.mmioWrite(REG.CR2, 0);
    regs.mmioWrite(REG.CR0, CR0_EVENTQEN | CR0_SMMUEN);
    fault(smmu, 1);
    expect(read(regs, REG.EVENTQ_PROD)).toBe(0);
    expect(evtq(trace)[0].why).toMatch(/RECINVSID = 0/);
  });

  it('a record with recorded = false (CD.R or STE.S2R = 0) is not written', () => {
    const { regs, trace } = evtqSetup();
    const written = regs.evtq.record({
      id: EVT.F_TRANSLATION, name: 'F_TRANSLATION', sid: 1, ssv: false, ssid: 0, rnw: true, pnu: false, ind: false,
      input: 0x1000n, recorded: false,
    });
    expect(written).toBe(false);
    expect(read(regs, REG.EVENTQ_PROD)).toBe(0);
    expect(evtq(trace)[0].why).toMatch(/suppressed/);
  });
});
