// The ITS's lookup chain (primer §5.1; QEMU do_process_its_cmd -> lookup_ite ->
// process_its_cmd_phys -> lookup_cte): DeviceID -> DTE -> ITT -> ITE -> ICID -> CTE -> RDbase, the
// LPI made pending there; every way it drops an interrupt (GITS_TRANSLATER: "writes to this
// register are ignored if ..."), with the error a GIC-600 records (GIC-600AE TRM, INT codes);
// and the primer's scenario 11 (§6): a correct DeviceID with an unmapped EventID, and a wrong
// DeviceID because the RID -> DeviceID map differs from RID -> StreamID.

import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import type { ItsDoneEvent, ItsEvent, ItsTableEvent } from '../trace';
import { encodeItsCmd, type ItsCmdSpec } from './commands';
import { itsInit, submitItsCommands } from './driver';
import { Its } from './its';
import { GITS, VIRT_GIC_ITS } from './regs';
import { encodeCte, encodeIte, ITE_BYTES, physicalIte, storeLE } from './tables';

const DT = 0x4000_0000, CT = 0x4001_0000, CMDQ = 0x4002_0000, ITT = 0x4010_0000;
const TRANSLATER = VIRT_GIC_ITS + 0x10040;
const NIC = 0x10;               // the DeviceID the driver mapped
const LPI = 8192 + 5;           // 0x2005

/** An enabled ITS with four Redistributors, collection 1 -> Redistributor 1, and DeviceID 0x10
 *  with 32 EventIDs whose EventID 5 is LPI 0x2005 in collection 1: what Linux's
 *  its_cpu_init_collection, its_create_device and its_irq_domain_activate would have issued. */
function booted() {
  const mem = new PhysMem();
  const its = new Its(mem, { redistributors: 4 });
  const trace: ItsEvent[] = [];
  its.trace = trace;
  itsInit(its, { deviceTable: DT, collectionTable: CT, cmdq: CMDQ });
  const cmds = (...specs: ItsCmdSpec[]) => {
    const from = trace.length;
    submitItsCommands(its, specs.map(encodeItsCmd));
    return trace.slice(from).filter((e) => e.type === 'its.cmd');
  };
  cmds(
    { op: 'MAPC', icid: 1, rdbase: 1, valid: true },
    { op: 'MAPD', deviceId: NIC, size: 4, itt: ITT, valid: true },
    { op: 'MAPTI', deviceId: NIC, eventId: 5, intid: LPI, icid: 1 },
  );
  trace.length = 0;
  return { mem, its, trace, cmds };
}

const done = (t: ItsEvent[]) => t.find((e): e is ItsDoneEvent => e.type === 'its.done');
const tables = (t: ItsEvent[]) => t.filter((e): e is ItsTableEvent => e.type === 'its.table');

describe('an MSI through the lookup chain', () => {
  it('DeviceID 0x10, EventID 5 -> DTE -> ITE -> CTE: LPI 0x2005 pending at Redistributor 1, every step traced', () => {
    const { its, trace } = booted();
    expect(its.write(TRANSLATER, 5, NIC)).toEqual({ ok: true, intid: LPI, icid: 1, target: 1 });
    expect(trace.map((e) => e.type)).toEqual(['its.msi', 'its.table', 'its.table', 'its.table', 'its.lpi', 'its.done']);
    expect(trace[0]).toEqual({ type: 'its.msi', addr: 0x0809_0040, deviceId: NIC, eventId: 5, size: 4 });
    const [dte, ite, cte] = tables(trace);
    // flat tables: DTE 0x10 at DT + 0x10 * 8; ITE 5 at ITT + 5 * 12; CTE 1 at CT + 1 * 8
    expect(dte).toMatchObject({ write: false, addr: DT + 0x80, entry: { table: 'DTE', deviceId: NIC, valid: true, size: 4, ittAddr: ITT } });
    expect(ite).toMatchObject({ write: false, addr: ITT + 60, entry: { table: 'ITE', eventId: 5, valid: true, physical: true, intid: LPI, icid: 1 } });
    expect(cte).toMatchObject({ write: false, addr: CT + 8, entry: { table: 'CTE', icid: 1, valid: true, rdbase: 1 } });
    expect(trace[4]).toEqual({ type: 'its.lpi', op: 'set', intid: LPI, target: 1, was: false, by: 'GITS_TRANSLATER' });
    expect(done(trace)).toEqual({ type: 'its.done', deviceId: NIC, eventId: 5, ok: true, intid: LPI, icid: 1, target: 1 });
    expect(its.pendingLpis(1)).toEqual([LPI]);
    expect([0, 2, 3].map((t) => its.pendingLpis(t))).toEqual([[], [], []]);
  });

  it('an LPI made pending twice is pending once', () => {
    const { its, trace } = booted();
    its.write(TRANSLATER, 5, NIC);
    its.write(TRANSLATER, 5, NIC);
    expect(trace.filter((e) => e.type === 'its.lpi').map((e) => (e.type === 'its.lpi' ? e.was : null))).toEqual([false, true]);
    expect(its.pendingLpis(1)).toEqual([LPI]);
  });

  it('a 16-bit write carries EventID[15:0]; bits [31:16] are written as zero', () => {
    const { its } = booted();
    expect(its.write(TRANSLATER, 0xabcd_0005, NIC, 2)).toMatchObject({ ok: true, intid: LPI });
  });

  it('translate() is the lookup alone: the tables are read, nothing is made pending', () => {
    const { its, trace } = booted();
    expect(its.translate(NIC, 5)).toEqual({ ok: true, intid: LPI, icid: 1, target: 1 });
    expect(trace.map((e) => e.type)).toEqual(['its.table', 'its.table', 'its.table']);
    expect(its.pendingLpis(1)).toEqual([]);
  });
});

describe('dropped interrupts: each step of the chain', () => {
  const drop = (its: Its, eventId: number, deviceId: number) => {
    const r = its.write(TRANSLATER, eventId, deviceId);
    if (r === null || r.ok) throw new Error('expected a drop');
    return r.drop;
  };

  it('GITS_CTLR.Enabled = 0: ignored before any lookup', () => {
    const { its, trace } = booted();
    its.mmioWrite(GITS.CTLR, 0);
    trace.length = 0;
    expect(drop(its, 5, NIC)).toEqual({ reason: 'DISABLED', why: 'GITS_CTLR.Enabled = 0: the write is ignored' });
    expect(trace.map((e) => e.type)).toEqual(['its.msi', 'its.done']);
  });

  it('a DeviceID beyond the Device Table (8192 entries in one 64 KB page; 16-bit DeviceIDs)', () => {
    const { its, trace } = booted();
    expect(drop(its, 5, 0x2000)).toMatchObject({ reason: 'DEVICE_OOR', error: 'E_ITS_INT_DEVICE_OOR', code: 0x010301 });
    expect(drop(its, 5, 0x1_0010)).toMatchObject({ reason: 'DEVICE_OOR' });
    expect(tables(trace)).toEqual([]);
  });

  it('an unmapped DeviceID: its DTE is not valid (no MAPD)', () => {
    const { its, trace } = booted();
    expect(drop(its, 5, 0x11)).toMatchObject({ reason: 'UNMAPPED_DEVICE', error: 'E_ITS_INT_UNMAPPED_DEVICE', code: 0x010304 });
    expect(tables(trace).map((e) => e.entry.table)).toEqual(['DTE']);
  });

  it('an EventID outside the ITT: MAPD gave DeviceID 0x10 2^(4+1) = 32 EventIDs', () => {
    const { its, trace } = booted();
    expect(drop(its, 32, NIC)).toMatchObject({ reason: 'ID_OOR', error: 'E_ITS_INT_ID_OOR', code: 0x010305 });
    expect(drop(its, 0x1_0005, NIC).reason).toBe('ID_OOR');       // beyond GITS_TYPER.ID_bits: the write is ignored
    expect(tables(trace).map((e) => e.entry.table)).toEqual(['DTE', 'DTE']);
  });

  it('scenario 11: the right DeviceID but an EventID with no MAPTI: no mapping, dropped', () => {
    const { its, trace } = booted();
    const d = drop(its, 6, NIC);
    expect(d).toMatchObject({ reason: 'UNMAPPED_INTERRUPT', error: 'E_ITS_INT_UNMAPPED_INTERRUPT', code: 0x010307 });
    expect(d.why).toMatch(/no MAPTI or MAPI/);
    expect(tables(trace).map((e) => e.entry.table)).toEqual(['DTE', 'ITE']);
    expect([0, 1, 2, 3].flatMap((t) => its.pendingLpis(t))).toEqual([]);
  });

  it('scenario 11: a wrong DeviceID because the RID -> DeviceID map differs from RID -> StreamID', () => {
    // The driver mapped DeviceID = the RID 0x10, the StreamID the SMMU knows the device by. The
    // platform's msi-map for the ITS adds 0x100 (its IORT ID mapping differs from the SMMU's), so
    // the interconnect presents DeviceID 0x110 with the same write.
    const { its } = booted();
    const rid = 0x10, msiMap = (r: number) => r + 0x100;
    expect(drop(its, 5, msiMap(rid))).toMatchObject({ reason: 'UNMAPPED_DEVICE' });
    expect(its.write(TRANSLATER, 5, rid)).toMatchObject({ ok: true });
  });

  it('an unmapped collection: MAPTI named ICID 2, no MAPC mapped it', () => {
    const { its, trace, cmds } = booted();
    cmds({ op: 'MAPTI', deviceId: NIC, eventId: 7, intid: LPI + 2, icid: 2 });
    trace.length = 0;
    expect(drop(its, 7, NIC)).toMatchObject({ reason: 'UNMAPPED_COLLECTION', error: 'E_ITS_INT_UNMAPPED_COLLECTION', code: 0x010309 });
    expect(tables(trace).map((e) => e.entry.table)).toEqual(['DTE', 'ITE', 'CTE']);
  });

  it('tables corrupted behind the ITS: an ICID beyond the Collection Table, a virtual ITE, an INTID that is no LPI, a CTE naming no Redistributor', () => {
    const { its, mem } = booted();
    storeLE(mem, ITT + 9 * ITE_BYTES, ITE_BYTES, encodeIte(physicalIte(LPI + 4, 0x2000)));
    expect(drop(its, 9, NIC)).toMatchObject({ reason: 'COLLECTION_OOR', code: 0x010303 });
    storeLE(mem, ITT + 10 * ITE_BYTES, ITE_BYTES, encodeIte({ ...physicalIte(LPI + 5, 1), inttype: 0 }));
    expect(drop(its, 10, NIC)).toMatchObject({ reason: 'VIRTUAL_INTERRUPT' });
    storeLE(mem, ITT + 11 * ITE_BYTES, ITE_BYTES, encodeIte(physicalIte(27, 1)));
    expect(drop(its, 11, NIC)).toEqual({ reason: 'PHYSICALID_OOR', why: 'ITE.INTID 27 is not an LPI (8192 to 65535): the Redistributor ignores it' });
    expect(its.pendingLpis(1)).toEqual([]);
    mem.store64(BigInt(CT + 8), encodeCte({ valid: true, rdbase: 7 }));
    const d = drop(its, 5, NIC);
    expect(d).toMatchObject({ reason: 'TARGET_OOR' });
    expect(d.code).toBeUndefined();
  });

  it('no Device Table at all (GITS_BASER0.Valid = 0)', () => {
    const its = new Its(new PhysMem(), { redistributors: 1 });
    its.mmioWrite(GITS.CTLR, 1);
    expect(its.write(TRANSLATER, 0, 0)).toMatchObject({ ok: false, drop: { reason: 'DEVICE_OOR', why: /no Device Table/ } });
  });
});

describe('writes that are not MSIs', () => {
  it('GITS_TRANSLATER takes 16- and 32-bit writes only; the rest of the translation frame is RES0', () => {
    const { its, trace } = booted();
    expect(its.write(TRANSLATER, 5, NIC, 8)).toBeNull();
    expect(its.write(TRANSLATER + 4, 5, NIC)).toBeNull();
    expect(trace).toMatchObject([
      { type: 'its.reg', name: 'GITS_TRANSLATER', note: /8-byte write: ignored/ },
      { type: 'its.reg', name: 'RES0', offset: 0x10044 },
    ]);
    expect(its.pendingLpis(1)).toEqual([]);
  });

  it('a write to the control frame reaches the registers; one outside the ITS is a caller error', () => {
    const { its } = booted();
    expect(its.write(VIRT_GIC_ITS + GITS.CTLR, 0, NIC)).toBeNull();
    expect(its.enabled).toBe(false);
    expect(() => its.write(VIRT_GIC_ITS + 0x20000, 5, NIC)).toThrow(/outside the ITS frames/);
  });
});
