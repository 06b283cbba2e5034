// End to end through the MMIO registers: a driver brings the SMMU up (§3.11's recommended
// order), a device translates, software changes a mapping, and what the device reaches depends
// on the invalidation commands software puts in the Command queue (§4.4; STYLE "How these map"
// item 5: a missing invalidation leaves a stale result). The nested machine: StreamID 0x10,
// VMID 1, ASID 7, guest IOVA 0x1000_0000 -> IPA 0x4010_0000 -> PA 0x8_0010_0000.

import { describe, expect, it } from 'vitest';
import { buildNestedMachine } from '../machine';
import type { InvEvent, TlbEvent, Trace } from '../trace';
import { encodeCmd, type CmdSpec } from './commands';
import { drainEvents, submitCommands } from './driver';
import { EVT } from './events';
import { CR0_CMDQEN, CR0_EVENTQEN, CR0_SMMUEN, REG, SmmuRegisters } from './regs';

const IOVA = 0x1000_0000;
const CMDQ = 0x2000_0000;
const EVTQ = 0x2001_0000;
const RW = { r: true, w: true };

/** The machine, with its SMMU brought up from reset by software, as §3.11 recommends: tables
 *  and queues, then CMDQEN/EVENTQEN, invalidate everything, then SMMUEN. */
function boot() {
  const m = buildNestedMachine();
  const trace: Trace = [];
  m.smmu.trace = trace;
  const regs = new SmmuRegisters(m.smmu);                         // reset: SMMUEN = 0
  regs.mmioWrite(REG.STRTAB_BASE, 0x1000_0000n, 8);
  regs.mmioWrite(REG.STRTAB_BASE_CFG, 8);                         // linear, 256 STEs
  regs.mmioWrite(REG.CMDQ_BASE, BigInt(CMDQ) | 3n, 8);            // 8 commands
  regs.mmioWrite(REG.CMDQ_PROD, 0);
  regs.mmioWrite(REG.CMDQ_CONS, 0);
  regs.mmioWrite(REG.EVENTQ_BASE, BigInt(EVTQ) | 3n, 8);          // 8 records
  regs.mmioWrite(REG.EVENTQ_PROD, 0);
  regs.mmioWrite(REG.EVENTQ_CONS, 0);
  regs.mmioWrite(REG.CR0, CR0_CMDQEN | CR0_EVENTQEN);
  submit(regs, { op: 'CMD_CFGI_ALL' }, { op: 'CMD_TLBI_NSNH_ALL' }, { op: 'CMD_SYNC' });
  regs.mmioWrite(REG.CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
  const dma = (iova = IOVA) => m.smmu.translate({ sid: m.sid, iova: BigInt(iova), access: 'read' });
  return { m, regs, trace, dma };
}

function submit(regs: SmmuRegisters, ...cmds: CmdSpec[]): void {
  submitCommands(regs, cmds.map(encodeCmd));
  expect(regs.mmioRead(REG.CMDQ_CONS)).toBe(regs.mmioRead(REG.CMDQ_PROD));   // all consumed
}

const lastTlbHit = (trace: Trace) => trace.filter((e): e is TlbEvent => e.type === 'smmu.tlb' && e.kind === 'S1S2').at(-1)?.hit;

describe('a guest remaps a page', () => {
  it('without an invalidation the device still reaches the old page (a stale TLB entry)', () => {
    const { m, dma, trace } = boot();
    expect(dma()).toEqual({ ok: true, pa: 0x8_0010_0000n });
    m.s1.unmap(IOVA, 0x1000);
    m.s1.map(IOVA, 0x4011_0000, 0x1000, RW);
    expect(dma()).toEqual({ ok: true, pa: 0x8_0010_0000n });
    expect(lastTlbHit(trace)).toBe(true);
  });

  it('CMD_TLBI_NH_VA(VMID 1, ASID 7, IOVA) + CMD_SYNC: the next DMA walks and reaches the new page', () => {
    const { m, regs, dma, trace } = boot();
    dma();
    m.s1.unmap(IOVA, 0x1000);
    m.s1.map(IOVA, 0x4011_0000, 0x1000, RW);
    submit(regs, { op: 'CMD_TLBI_NH_VA', vmid: 1, asid: 7, addr: IOVA, leaf: true }, { op: 'CMD_SYNC' });
    expect(trace.filter((e): e is InvEvent => e.type === 'smmu.inv').at(-1)).toMatchObject({ by: 'CMD_TLBI_NH_VA', removed: 1 });
    expect(dma()).toEqual({ ok: true, pa: 0x8_0011_0000n });
    expect(lastTlbHit(trace)).toBe(false);
  });

  it('a TLBI with the wrong ASID removes nothing: still stale', () => {
    const { m, regs, dma } = boot();
    dma();
    m.s1.unmap(IOVA, 0x1000);
    m.s1.map(IOVA, 0x4011_0000, 0x1000, RW);
    submit(regs, { op: 'CMD_TLBI_NH_VA', vmid: 1, asid: 8, addr: IOVA }, { op: 'CMD_SYNC' });
    expect(dma()).toEqual({ ok: true, pa: 0x8_0010_0000n });
  });
});

describe('a guest unmaps a page and invalidates', () => {
  it('the DMA faults: F_TRANSLATION, stage 1, CLASS IN, and the record reaches the Event queue', () => {
    const { m, regs, dma } = boot();
    dma();
    m.s1.unmap(IOVA, 0x1000);
    submit(regs, { op: 'CMD_TLBI_NH_VA', vmid: 1, asid: 7, addr: IOVA, leaf: true }, { op: 'CMD_SYNC' });
    const r = dma();
    expect(r).toMatchObject({ ok: false, event: { id: EVT.F_TRANSLATION, s2: false, cls: 'IN', sid: 0x10, input: BigInt(IOVA) } });
    expect(Number(regs.mmioRead(REG.EVENTQ_PROD))).toBe(1);
    const { records } = drainEvents(regs);
    expect(records).toHaveLength(1);
    expect(records[0][0]).toBe(0x0000_0010_0000_0010n);          // StreamID 0x10, F_TRANSLATION
    expect(records[0][1] & (1n << 39n)).toBe(0n);                 // S2 = 0
    expect((records[0][1] >> 40n) & 3n).toBe(2n);                 // CLASS = IN
    expect(records[0][2]).toBe(BigInt(IOVA));                     // InputAddr
  });
});

describe('the host changes a stage-2 mapping under the nested stream', () => {
  function remapS2() {
    const b = boot();
    expect(b.dma()).toEqual({ ok: true, pa: 0x8_0010_0000n });
    b.m.s2.unmap(0x4010_0000, 0x1000);
    b.m.s2.map(0x4010_0000, 0x9_0000_0000, 0x1000, RW);
    return b;
  }
  it('CMD_TLBI_S2_IPA alone leaves the combined stage-1+2 entry: still the old PA (§4.4.3.1)', () => {
    const { regs, dma } = remapS2();
    submit(regs, { op: 'CMD_TLBI_S2_IPA', vmid: 1, addr: 0x4010_0000 }, { op: 'CMD_SYNC' });
    expect(dma()).toEqual({ ok: true, pa: 0x8_0010_0000n });
  });
  it('CMD_TLBI_S2_IPA + CMD_TLBI_NH_ALL + CMD_SYNC: the new PA', () => {
    const { regs, dma } = remapS2();
    submit(regs, { op: 'CMD_TLBI_S2_IPA', vmid: 1, addr: 0x4010_0000 }, { op: 'CMD_TLBI_NH_ALL', vmid: 1 }, { op: 'CMD_SYNC' });
    expect(dma()).toEqual({ ok: true, pa: 0x9_0000_0000n });
  });
  it('CMD_TLBI_NH_ALL alone is not enough either: the stage-2 entry for the IPA survives', () => {
    const { regs, dma } = remapS2();
    submit(regs, { op: 'CMD_TLBI_NH_ALL', vmid: 1 }, { op: 'CMD_SYNC' });
    expect(dma()).toEqual({ ok: true, pa: 0x8_0010_0000n });
  });
  it('CMD_TLBI_S12_VMALL does both', () => {
    const { regs, dma } = remapS2();
    submit(regs, { op: 'CMD_TLBI_S12_VMALL', vmid: 1 }, { op: 'CMD_SYNC' });
    expect(dma()).toEqual({ ok: true, pa: 0x9_0000_0000n });
  });
});

describe('CMD_SYNC completion by MSI', () => {
  it('SIG_IRQ writes MSIData to MSIAddress, which software can poll', () => {
    const { m, regs } = boot();
    submit(regs, { op: 'CMD_SYNC', cs: 1, msiAddr: 0x2002_0000, msiData: 0x600d });
    expect(m.mem.load64(0x2002_0000n)).toBe(0x600dn);
  });
});
