// The command queue (GITS_CBASER, GITS_CWRITER, GITS_CREADR; QEMU process_cmdq) and what each
// command does to the tables in memory and to pending LPIs (QEMU process_mapd, process_mapc,
// process_mapti, do_process_its_cmd for INT/CLEAR/DISCARD, process_movi, process_movall,
// process_inv). A command with a bad parameter is ignored and the queue goes on, as QEMU does;
// its error code is Linux's E_ITS_*.

import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import type { ItsCmdEvent, ItsEvent, ItsTableEvent } from '../trace';
import { encodeItsCmd, type ItsCmdSpec } from './commands';
import { itsInit, submitItsCommands } from './driver';
import { Its } from './its';
import { GITS, VIRT_GIC_ITS } from './regs';
import { decodeIte, ITE_BYTES, loadLE } from './tables';

const DT = 0x4000_0000, CT = 0x4001_0000, CMDQ = 0x4002_0000, ITT = 0x4010_0000;
const TRANSLATER = VIRT_GIC_ITS + GITS.TRANSLATER;
const LPI = 8192;

function boot(opts: { cmdqPages?: number } = {}) {
  const mem = new PhysMem();
  const its = new Its(mem, { redistributors: 4 });
  const trace: ItsEvent[] = [];
  its.trace = trace;
  itsInit(its, { deviceTable: DT, collectionTable: CT, cmdq: CMDQ, ...opts });
  /** Submit commands; return the its.cmd events they produced. */
  const cmds = (...specs: ItsCmdSpec[]): ItsCmdEvent[] => {
    const from = trace.length;
    submitItsCommands(its, specs.map(encodeItsCmd));
    return trace.slice(from).filter((e): e is ItsCmdEvent => e.type === 'its.cmd');
  };
  return { mem, its, trace, cmds };
}

/** Collections 0..3 -> Redistributors 0..3; DeviceID 1 with 16 EventIDs; EventID e -> LPI
 *  8192 + e in collection 1. */
function mapped() {
  const m = boot();
  m.cmds(
    ...[0, 1, 2, 3].map((c): ItsCmdSpec => ({ op: 'MAPC', icid: c, rdbase: c, valid: true })),
    { op: 'MAPD', deviceId: 1, size: 3, itt: ITT, valid: true },
    ...[0, 1, 2].map((e): ItsCmdSpec => ({ op: 'MAPTI', deviceId: 1, eventId: e, intid: LPI + e, icid: 1 })),
  );
  m.trace.length = 0;
  return m;
}

describe('the command queue', () => {
  it('MAPD, MAPC and MAPTI write their entries into the tables in memory, each traced after its command', () => {
    const { mem, trace, cmds, its } = boot();
    trace.length = 0;
    cmds({ op: 'MAPD', deviceId: 0x10, size: 4, itt: ITT, valid: true }, { op: 'MAPC', icid: 1, rdbase: 1, valid: true },
      { op: 'MAPTI', deviceId: 0x10, eventId: 5, intid: 0x2005, icid: 1 });
    // DTE: 1 | 4 << 1 | (0x4010_0000 >> 8) << 6; CTE: 1 | 1 << 1
    expect(mem.load64(BigInt(DT + 0x10 * 8))).toBe(0x1004_0009n);
    expect(mem.load64(BigInt(CT + 8))).toBe(3n);
    // ITE (QEMU ITE_L/ITE_H, tables.ts): VALID 1 | INTTYPE physical 1 << 1 | INTID 0x2005 << 2 = 0x8017;
    // ICID 1 << 32; VPEID 0; DOORBELL 1023 (INTID_SPURIOUS) at bit 64.
    expect(loadLE(mem, ITT + 5 * ITE_BYTES, ITE_BYTES)).toBe(0x3ff_0000_0001_0000_8017n);
    const kinds = trace.filter((e) => e.type !== 'its.reg').map((e) => (e.type === 'its.table' ? `${e.write ? 'W' : 'R'} ${e.entry.table}` : e.type));
    // MAPTI reads the DTE to find the ITT (QEMU process_mapti: get_dte, then update_ite)
    expect(kinds).toEqual(['its.cmd', 'W DTE', 'its.cmd', 'W CTE', 'its.cmd', 'R DTE', 'W ITE']);
    // GITS_CREADR follows: three 32-byte commands
    expect(its.mmioRead(GITS.CREADR, 8)).toBe(0x60n);
    expect(trace.filter((e) => e.type === 'its.cmd').map((e) => (e as ItsCmdEvent).offset)).toEqual([0, 0x20, 0x40]);
  });

  it('the CWRITER write that publishes commands says how many were consumed', () => {
    const { trace, cmds } = boot();
    cmds({ op: 'SYNC', rdbase: 0 }, { op: 'SYNC', rdbase: 0 });
    expect(trace.filter((e) => e.type === 'its.reg' && e.name === 'GITS_CWRITER' && e.write).at(-1)).toMatchObject({ note: '2 command(s) consumed' });
  });

  it('wraps at the end of the queue (one 4 KB page: 128 commands)', () => {
    const { its, cmds } = boot({ cmdqPages: 1 });
    const evs = cmds(...Array.from({ length: 200 }, (): ItsCmdSpec => ({ op: 'SYNC', rdbase: 0 })));
    expect(evs).toHaveLength(200);
    expect(evs[128].offset).toBe(0);
    expect(its.mmioRead(GITS.CREADR, 8)).toBe(BigInt((200 % 128) * 32));
  });

  it('waits while the ITS is disabled and runs what is queued when GITS_CTLR.Enabled is set', () => {
    const { its, trace, mem } = boot();
    its.mmioWrite(GITS.CTLR, 0);
    encodeItsCmd({ op: 'MAPC', icid: 2, rdbase: 3, valid: true }).forEach((w, k) => mem.write64(BigInt(CMDQ + 8 * k), w));
    its.mmioWrite(GITS.CWRITER, 0x20n, 8);
    expect(its.mmioRead(GITS.CREADR, 8)).toBe(0n);
    trace.length = 0;
    its.mmioWrite(GITS.CTLR, 1);
    expect(trace.map((e) => e.type)).toEqual(['its.cmd', 'its.table', 'its.reg']);
    expect(trace.at(-1)).toMatchObject({ name: 'GITS_CTLR', note: '1 command(s) consumed' });
  });

  it('does nothing with a GITS_CWRITER offset beyond the queue', () => {
    const { its, trace } = boot({ cmdqPages: 1 });
    its.mmioWrite(GITS.CWRITER, 0x1000n, 8);
    expect(trace.at(-1)).toMatchObject({ name: 'GITS_CWRITER', note: /beyond the 4096-byte command queue/ });
    expect(its.mmioRead(GITS.CREADR, 8)).toBe(0n);
  });

  it('ignores GICv4 commands (GITS_TYPER.Virtual = 0) and reserved opcodes, and goes on', () => {
    const { its, mem, cmds } = mapped();
    // a VMAPP (0x29) and opcode 0x00 written by hand, then a MAPC
    const q = CMDQ + Number(its.mmioRead(GITS.CWRITER, 8));
    mem.write64(BigInt(q), 0x29n);
    mem.write64(BigInt(q + 32), 0x00n);
    its.mmioWrite(GITS.CWRITER, BigInt(q - CMDQ + 64), 8);
    const [mapc] = cmds({ op: 'MAPC', icid: 5, rdbase: 2, valid: true });
    expect(mapc.error).toBeUndefined();
    expect(mem.load64(BigInt(CT + 5 * 8))).toBe(5n);
  });
});

describe('command errors: the command is ignored, the next one runs', () => {
  it('MAPD: a DeviceID beyond the Device Table; Size above GITS_TYPER.ID_bits', () => {
    const { cmds, mem } = boot();
    const [a, b, c] = cmds({ op: 'MAPD', deviceId: 0x2000, size: 4, itt: ITT, valid: true },
      { op: 'MAPD', deviceId: 1, size: 16, itt: ITT, valid: true }, { op: 'MAPD', deviceId: 2, size: 15, itt: ITT, valid: true });
    expect([a.code, b.code, c.code]).toEqual([0x010801, 0x010802, undefined]);
    expect(a.error).toMatch(/^E_ITS_MAPD_DEVICE_OOR: /);
    expect(mem.load64(BigInt(DT + 8))).toBe(0n);
    expect(mem.load64(BigInt(DT + 16))).not.toBe(0n);
  });

  it('MAPC: an ICID beyond the Collection Table; a Redistributor that does not exist', () => {
    const { cmds } = boot();
    const evs = cmds({ op: 'MAPC', icid: 0x2000, rdbase: 0, valid: true }, { op: 'MAPC', icid: 1, rdbase: 4, valid: true },
      { op: 'MAPC', icid: 1, rdbase: 4 });
    expect(evs.map((e) => e.code)).toEqual([0x010903, 0x010902, undefined]);     // V = 0 needs no target
  });

  it('MAPC: RDbase bits above the 16-bit processor number are ignored, and said', () => {
    const { cmds, mem } = boot();
    const [e] = cmds({ op: 'MAPC', icid: 1, rdbase: 0x1_0002, valid: true });
    expect(e.note).toMatch(/bits above the 16-bit processor number are ignored/);
    expect(mem.load64(BigInt(CT + 8))).toBe(5n);
  });

  it('MAPTI: each check, in QEMU process_mapti order, leaves the ITT untouched', () => {
    const { cmds, mem } = mapped();
    const evs = cmds(
      { op: 'MAPTI', deviceId: 0x2000, eventId: 0, intid: LPI, icid: 0 },       // DEVICE_OOR
      { op: 'MAPTI', deviceId: 1, eventId: 3, intid: LPI, icid: 0x2000 },       // COLLECTION_OOR
      { op: 'MAPTI', deviceId: 2, eventId: 0, intid: LPI, icid: 0 },            // UNMAPPED_DEVICE
      { op: 'MAPTI', deviceId: 1, eventId: 16, intid: LPI, icid: 0 },           // ID_OOR: 2^(3+1) EventIDs
      { op: 'MAPTI', deviceId: 1, eventId: 3, intid: 8191, icid: 0 },           // PHYSICALID_OOR: not an LPI
      { op: 'MAPTI', deviceId: 1, eventId: 3, intid: 0x1_0000, icid: 0 },       // PHYSICALID_OOR: beyond 16 bits
    );
    expect(evs.map((e) => e.error?.split(':')[0])).toEqual([
      'E_ITS_MAPTI_DEVICE_OOR', 'E_ITS_MAPTI_COLLECTION_OOR', 'E_ITS_MAPTI_UNMAPPED_DEVICE', 'E_ITS_MAPTI_ID_OOR',
      'E_ITS_MAPTI_PHYSICALID_OOR', 'E_ITS_MAPTI_PHYSICALID_OOR',
    ]);
    expect(evs.map((e) => e.code)).toEqual([0x010a01, 0x010a03, 0x010a04, 0x010a05, 0x010a06, 0x010a06]);
    expect(decodeIte(loadLE(mem, ITT + 3 * ITE_BYTES, ITE_BYTES)).valid).toBe(false);
  });

  it('MAPI maps the EventID as the LPI, so only an EventID that is an LPI number can be mapped', () => {
    const { its, cmds } = mapped();
    const [small, big] = cmds({ op: 'MAPD', deviceId: 2, size: 15, itt: 0x4100_0000, valid: true },
      { op: 'MAPI', deviceId: 2, eventId: 9, icid: 2 }, { op: 'MAPI', deviceId: 2, eventId: 8200, icid: 2 }).slice(1);
    expect(small.code).toBe(0x010b06);                            // MAPI_PHYSICALID_OOR
    expect(big.error).toBeUndefined();
    expect(its.translate(2, 8200)).toEqual({ ok: true, intid: 8200, icid: 2, target: 2 });
  });
});

describe('what the commands do to LPIs', () => {
  it('INT makes the LPI pending as a write to GITS_TRANSLATER would; CLEAR clears it', () => {
    const { its, cmds, trace } = mapped();
    cmds({ op: 'INT', deviceId: 1, eventId: 2 });
    expect(its.pendingLpis(1)).toEqual([LPI + 2]);
    expect(trace.filter((e) => e.type === 'its.lpi')).toEqual([{ type: 'its.lpi', op: 'set', intid: LPI + 2, target: 1, was: false, by: 'INT' }]);
    cmds({ op: 'CLEAR', deviceId: 1, eventId: 2 });
    expect(its.pendingLpis(1)).toEqual([]);
    const [e] = cmds({ op: 'INT', deviceId: 1, eventId: 5 });
    expect(e).toMatchObject({ error: /^E_ITS_INT_UNMAPPED_INTERRUPT/, code: 0x010307 });
    const [c] = cmds({ op: 'CLEAR', deviceId: 1, eventId: 5 });
    expect(c.code).toBe(0x010507);
  });

  it('DISCARD clears the pending LPI and invalidates the ITE: the next MSI is dropped', () => {
    const { its, cmds } = mapped();
    its.write(TRANSLATER, 0, 1);
    expect(its.pendingLpis(1)).toEqual([LPI]);
    cmds({ op: 'DISCARD', deviceId: 1, eventId: 0 });
    expect(its.pendingLpis(1)).toEqual([]);
    expect(its.write(TRANSLATER, 0, 1)).toMatchObject({ ok: false, drop: { reason: 'UNMAPPED_INTERRUPT' } });
    const [again] = cmds({ op: 'DISCARD', deviceId: 1, eventId: 0 });
    expect(again.code).toBe(0x010f07);
  });

  it('MOVI retargets the event: its pending LPI moves, later MSIs go to the new Redistributor', () => {
    const { its, cmds, trace } = mapped();
    its.write(TRANSLATER, 1, 1);
    trace.length = 0;
    cmds({ op: 'MOVI', deviceId: 1, eventId: 1, icid: 3 });
    expect(trace.filter((e) => e.type === 'its.lpi')).toEqual([
      { type: 'its.lpi', op: 'move', intid: LPI + 1, target: 3, from: 1, was: false, by: 'MOVI' },
    ]);
    // the ITE now names collection 3
    expect(trace.filter((e): e is ItsTableEvent => e.type === 'its.table' && e.write).map((e) => e.entry)).toEqual([
      { table: 'ITE', deviceId: 1, eventId: 1, valid: true, physical: true, intid: LPI + 1, icid: 3 },
    ]);
    expect([its.pendingLpis(1), its.pendingLpis(3)]).toEqual([[], [LPI + 1]]);
    expect(its.write(TRANSLATER, 1, 1)).toMatchObject({ ok: true, target: 3, icid: 3 });
    const [bad] = cmds({ op: 'MOVI', deviceId: 1, eventId: 1, icid: 9 });
    expect(bad.code).toBe(0x010109);                              // E_ITS_MOVI_UNMAPPED_COLLECTION
  });

  it('MOVALL moves every LPI pending at one Redistributor to another', () => {
    const { its, cmds } = mapped();
    for (const e of [0, 1, 2]) its.write(TRANSLATER, e, 1);
    cmds({ op: 'MOVALL', rdbase: 1, rdbase2: 2 });
    expect([its.pendingLpis(1), its.pendingLpis(2)]).toEqual([[], [LPI, LPI + 1, LPI + 2]]);
    const [bad] = cmds({ op: 'MOVALL', rdbase: 2, rdbase2: 4 });
    expect(bad.code).toBe(0x010e01);
  });

  it('INV and INVALL check their mappings and find nothing cached; SYNC has nothing to wait for', () => {
    const { cmds } = mapped();
    const [inv, invall, sync, badInv, badInvall] = cmds({ op: 'INV', deviceId: 1, eventId: 0 }, { op: 'INVALL', icid: 1 },
      { op: 'SYNC', rdbase: 1 }, { op: 'INV', deviceId: 1, eventId: 7 }, { op: 'INVALL', icid: 9 });
    expect(inv.note).toMatch(/nothing is cached/);
    expect(invall.note).toMatch(/nothing is cached/);
    expect(sync.note).toMatch(/already/);
    expect([badInv.code, badInvall.code]).toEqual([0x010c07, 0x010d09]);
  });

  it('MAPD with V = 0 unmaps the device: its DTE is zeroed and its MSIs are dropped', () => {
    const { its, cmds, mem } = mapped();
    cmds({ op: 'MAPD', deviceId: 1 });
    expect(mem.load64(BigInt(DT + 8))).toBe(0n);
    expect(its.write(TRANSLATER, 0, 1)).toMatchObject({ ok: false, drop: { reason: 'UNMAPPED_DEVICE' } });
  });
});

describe('snapshots', () => {
  it('carry the pending LPIs', () => {
    const { its } = mapped();
    its.write(TRANSLATER, 0, 1);
    const s = its.snapshot();
    its.write(TRANSLATER, 1, 1);
    its.restore(s);
    expect(its.pendingLpis(1)).toEqual([LPI]);
  });
});
