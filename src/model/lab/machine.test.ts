// The lab machine: the host driver's probe (step 0), the memory map, the guest allocator, and
// snapshots: restoring gives back every piece of state, and replaying from a restored machine
// leaves the same trace as going on with the original (sessions rely on it to travel back).

import { describe, expect, it } from 'vitest';
import type { RegEvent, Trace } from '../trace';
import { CMDQ_LOG2SIZE, EVTQ_LOG2SIZE, HOST_MEM_BASE, LabMachine, type LabSnapshot, permOf, s2StartLevelLinux } from './machine';

const G4K = 0x1000;

describe('step 0: the host driver probes and resets the SMMU', () => {
  it('reads the ID registers, then programs CR1, CR2, the stream table and the queues, then enables', () => {
    const m = new LabMachine();
    const regs = m.trace.filter((e): e is RegEvent => e.type === 'smmu.reg');
    const writes = regs.filter((e) => e.write).map((e) => `${e.name}=0x${e.value.toString(16)}`);
    expect(regs.slice(0, 4).map((e) => e.name)).toEqual(['IDR0', 'IDR1', 'IDR3', 'IDR5']);
    expect(writes).toEqual([
      'CR0=0x0', 'CR1=0xd75', 'CR2=0x6',
      `STRTAB_BASE=0x${((1n << 62n) | BigInt(HOST_MEM_BASE)).toString(16)}`, 'STRTAB_BASE_CFG=0x10',
      `CMDQ_BASE=0x${((1n << 62n) | BigInt(m.cmdqBase) | BigInt(CMDQ_LOG2SIZE)).toString(16)}`, 'CMDQ_PROD=0x0', 'CMDQ_CONS=0x0',
      'CR0=0x8',
      'CMDQ_PROD=0x2', 'CMDQ_PROD=0x4',                  // CMD_CFGI_ALL + SYNC, CMD_TLBI_NSNH_ALL + SYNC
      `EVENTQ_BASE=0x${((1n << 62n) | BigInt(m.evtqBase) | BigInt(EVTQ_LOG2SIZE)).toString(16)}`, 'EVENTQ_PROD=0x0', 'EVENTQ_CONS=0x0',
      'CR0=0xc',
      'IRQ_CTRL=0x0', 'GERROR_IRQ_CFG0=0x0', 'EVENTQ_IRQ_CFG0=0x0', 'IRQ_CTRL=0x5',
      'CR0=0xd',
    ]);
    const cmds = m.trace.filter((e) => e.type === 'smmu.cmd').map((e) => (e.type === 'smmu.cmd' ? e.name : ''));
    expect(cmds).toEqual(['CMD_CFGI_ALL', 'CMD_SYNC', 'CMD_TLBI_NSNH_ALL', 'CMD_SYNC']);
    expect(m.smmu.strtab).toEqual({ base: HOST_MEM_BASE, log2size: 16, fmt: 'linear', split: 6 });
    expect([m.smmu.smmuEn, m.regs.cr2, m.regs.cmdq.qs, m.regs.evtq.qs]).toEqual([true, 0b10, 8, 7]);
    // Host memory: the 4 MiB stream table, then one page per queue.
    expect([m.strtabBase, m.cmdqBase, m.evtqBase]).toEqual([0x1000_0000, 0x1040_0000, 0x1040_1000]);
  });
});

describe('the memory map', () => {
  it('software may touch RAM and host kernel memory only', () => {
    const m = new LabMachine();
    m.swWrite64(0x8_ffff_fff8n, 1n);
    m.swWrite64(0x1fff_fff8n, 1n);
    expect(() => m.swWrite64(0x9_0000_0000n, 1n)).toThrow(RangeError);
    expect(() => m.swRead64(0x0n)).toThrow('0x0 is outside RAM (RAM is 0x8_0000_0000..0x8_ffff_ffff; host kernel memory is 0x10000000..0x1fffffff)');
  });

  it('the SMMU reading outside RAM reads zero: a stage-2 table pointer into nowhere gives F_TRANSLATION', () => {
    const m = new LabMachine();
    const dev = m.assign('0000:00:01.0', 1);
    const vm = m.defaultVm(true);
    m.s2Map(vm, 0x4000_0000, 0x8_4000_0000, G4K, permOf('rw'));
    m.attach(dev, vm);
    // The L0 descriptor (a table) now points its level-1 table at PA 0xa_0000_0000.
    const l0 = BigInt(vm.s2Root + 8 * 0);
    m.swWrite64(l0, 0xa_0000_0000n | 3n);
    const r = m.dma(dev, 'read', 0x4000_0000n);
    expect([r.event?.name, r.event?.s2, r.walkReads]).toEqual(['F_TRANSLATION', true, 2]);
    const fetches = m.trace.filter((e) => e.type === 'smmu.fetch');
    expect(fetches[fetches.length - 1]).toMatchObject({ what: 'S2', addr: 0xa_0000_0008, lo: 0, hi: 0, level: 1 });
  });
});

describe('s2StartLevelLinux', () => {
  it('follows io-pgtable-arm: the stage-1 level, then level 1 when level 0 would hold <= 16 entries', () => {
    const got = [[12, 48], [12, 44], [12, 40], [12, 39], [12, 32], [14, 48], [14, 47], [14, 36], [16, 48], [16, 42], [16, 32]]
      .map(([g, b]) => s2StartLevelLinux(g as 12 | 14 | 16, b));
    expect(got).toEqual([0, 0, 1, 1, 1, 1, 1, 2, 1, 2, 2]);
  });
});

// ---- snapshots ---------------------------------------------------------------------------------

/** A machine with some of everything: devices, two VMs, tables, a CD, TLB and config-cache
 *  entries, an event in the queue. */
function busyMachine(): LabMachine {
  const m = new LabMachine();
  const nic = m.assign('0000:01:00.0', 0x10);
  const gpu = m.assign('0000:02:00.0', 0x20);
  const vm = m.createVm(1, 48, 12);
  const vm2 = m.createVm(2, 40, 12);
  m.s2Map(vm, 0x4000_0000, 0x8_0000_0000, 0x40_0000, permOf('rw'));
  m.s2Map(vm2, 0x4000_0000, 0x8_1000_0000, 0x20_0000, permOf('rw'), 0x20_0000);
  const pt = m.newPt(vm, 12, 48);
  m.s1Map(pt, 0x1000_0000, 0x4010_0000, 0x4000, permOf('rw'));
  const cd = m.writeCd(pt, 7, true, false);
  m.setPasidTable(nic, cd, vm);
  m.attach(gpu, vm2);
  m.dma(nic, 'read', 0x1000_0040n);
  m.dma(gpu, 'write', 0x4000_1000n);
  m.dma(nic, 'read', 0x2000_0000n);                          // a fault: one record in the queue
  return m;
}

/** The same steps for both: more of everything, including caches and invalidations. */
function moreSteps(m: LabMachine): void {
  const nic = m.device(0), gpu = m.device(1);
  const vm = m.vm(0), pt = m.pt(0);
  m.dma(nic, 'read', 0x1000_1008n);
  m.s1Unmap(pt, 0x1000_0000, G4K);
  m.s1Map(pt, 0x1000_0000, 0x4020_0000, G4K, permOf('r'));
  m.dma(nic, 'read', 0x1000_0040n);                          // stale hit
  m.guestTlbi(vm, 0x1000_0000n, 7, true);
  m.dma(nic, 'write', 0x1000_0040n);                         // permission fault
  m.dma(gpu, 'read', 0x4010_0000n);
  m.drainEvents();
  m.swWrite64(0x8_0000_0008n, 0x1234n);
  m.regs.mmioWrite(0x68, 0x8_0000_0040n, 8);                 // GERROR_IRQ_CFG0
  m.newPt(vm, 14, 40);
}

function traceText(t: Trace): string {
  return JSON.stringify(t, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

describe('snapshot and restore', () => {
  it('the snapshot is plain data: structuredClone keeps it whole', () => {
    const s = busyMachine().snapshot();
    const c = structuredClone(s) as LabSnapshot;
    expect(c).toEqual(s);
    expect(LabMachine.fromSnapshot(c).digest()).toBe(LabMachine.fromSnapshot(s).digest());
  });

  it('restoring gives back memory, TLB, configuration cache, registers and tables as they were at the snapshot', () => {
    const m = busyMachine();
    const s = structuredClone(m.snapshot());
    const before = {
      pages: m.mem.pages(), tlb: m.smmu.tlb.entries().length, cfg: [...m.smmu.cfgCache.keys()], regs: m.regs.snapshot(),
      devices: structuredClone(m.devices), vms: structuredClone(m.vms), digest: m.digest(),
    };
    expect(before.tlb).toBeGreaterThan(0);
    expect(before.cfg).toEqual([0x10, 0x20]);
    moreSteps(m);
    expect(m.digest()).not.toBe(before.digest);
    const r = LabMachine.fromSnapshot(s);
    expect(r.digest()).toBe(before.digest);
    expect(r.mem.pages()).toEqual(before.pages);
    for (const pa of before.pages) expect(r.mem.pageOf(pa)).toEqual(LabMachine.fromSnapshot(s).mem.pageOf(pa));
    expect(r.smmu.tlb.entries()).toEqual(LabMachine.fromSnapshot(s).smmu.tlb.entries());
    expect(r.smmu.tlb.entries().length).toBe(before.tlb);
    expect([...r.smmu.cfgCache.keys()]).toEqual(before.cfg);
    expect(r.regs.snapshot()).toEqual(before.regs);
    expect(r.devices).toEqual(before.devices);
    expect(r.vms).toEqual(before.vms);
    expect(r.smmu.strtab).toEqual(m.smmu.strtab);
    expect(r.trace).toEqual([]);
  });

  it('going on from a restored machine leaves the same trace and state as going on from the original', () => {
    const m = busyMachine();
    const s = m.snapshot();
    m.trace = [];
    moreSteps(m);
    const r = LabMachine.fromSnapshot(s);
    moreSteps(r);
    expect(traceText(r.trace)).toBe(traceText(m.trace));
    expect(r.digest()).toBe(m.digest());
    expect(r.lastEvent).toEqual(m.lastEvent);
  });

  it('a restored machine is independent of the snapshot and of the original', () => {
    const m = busyMachine();
    const s = m.snapshot();
    const d = m.digest();
    const r = LabMachine.fromSnapshot(s);
    moreSteps(r);
    expect(m.digest()).toBe(d);
    expect(LabMachine.fromSnapshot(s).digest()).toBe(d);
  });

  it('rejects a snapshot of another version', () => {
    const s = { ...new LabMachine().snapshot(), version: 2 } as unknown as LabSnapshot;
    expect(() => LabMachine.fromSnapshot(s)).toThrow(/version 2/);
  });
});

describe('digest', () => {
  it('is deterministic, sees every kind of state, and ignores zeros written to fresh memory', () => {
    expect(new LabMachine().digest()).toBe(new LabMachine().digest());
    const base = busyMachine();
    const d = base.digest();
    const variants: ((m: LabMachine) => void)[] = [
      (m) => m.swWrite64(0x8_0000_1000n, 1n),                       // memory
      (m) => { m.smmu.tlb.clear(); },                               // TLB
      (m) => { m.smmu.cfgCache.delete(0x10); },                     // configuration cache
      (m) => m.regs.mmioWrite(0x50, 0),                             // a register (IRQ_CTRL)
      (m) => m.assign('0000:03:00.0', 0x30),                        // tables
    ];
    for (const f of variants) {
      const m = LabMachine.fromSnapshot(base.snapshot());
      f(m);
      expect(m.digest()).not.toBe(d);
    }
    const z = LabMachine.fromSnapshot(base.snapshot());
    z.swWrite64(0x8_8000_0000n, 0n);
    expect(z.digest()).toBe(d);
  });
});

describe('the guest allocator', () => {
  it('hands out pages from the top of the first RAM range down; a CD takes a page of its own', () => {
    const m = new LabMachine();
    const vm = m.defaultVm(true);
    m.s2Map(vm, 0x4000_0000, 0x8_0000_0000, 0x10_0000, permOf('rw'));
    m.s2Map(vm, 0x8000_0000, 0x8_1000_0000, 0x10_0000, permOf('rw'));
    const pt = m.newPt(vm, 12, 48);
    const cd = m.writeCd(pt, 1, true, false);
    expect([pt.root, cd.ipa]).toEqual([0x400f_f000, 0x400f_e000]);
    expect(vm.allocTop).toBe(0x400f_e000);
  });
});
