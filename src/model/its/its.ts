// The GICv3 ITS (Interrupt Translation Service): it turns an MSI, a 32-bit write of an EventID to
// GITS_TRANSLATER from a device identified by its DeviceID, into an LPI made pending at a
// Redistributor (primer §5.1; GICv3 spec IHI 0069, "The ITS"). The lookup chain, as QEMU's
// do_process_its_cmd -> lookup_ite -> process_its_cmd_phys -> lookup_cte runs it:
//
//   DeviceID -> Device Table -> DTE {ITT address, EventID bits}
//            -> EventID indexes the device's ITT -> ITE {LPI INTID, ICID}
//            -> ICID indexes the Collection Table -> CTE {RDbase: the target Redistributor}
//            -> the LPI becomes pending at that Redistributor.
//
// A miss at any step drops the interrupt (GITS_TRANSLATER: "writes to this register are ignored
// if ..."); the trace says which step and why. Software fills the tables only through commands
// (MAPD, MAPC, MAPTI/MAPI, MOVI, DISCARD ...) written to the command queue in memory and
// published with GITS_CWRITER. All of the ITS's state that the architecture puts in memory is in
// memory here: the command queue, the Device Table, the ITTs and the Collection Table, in QEMU's
// formats (tables.ts). The ITS caches none of it, so every lookup reads memory.
//
// Choices where the architecture leaves one to the implementation (the same as QEMU's,
// hw/intc/arm_gicv3_its.c, unless said otherwise):
// - A command with a bad parameter is ignored and the queue goes on (the spec allows that or a
//   stall); the trace carries the command error (E_ITS_*). Memory never faults here, so the queue
//   never stalls: GITS_CREADR.Stalled stays 0 and GITS_CWRITER.Retry has nothing to retry.
// - Commands complete as they are read, in order: SYNC has nothing to wait for.
// - GITS_CBASER and GITS_BASER<n> ignore writes while GITS_CTLR.Enabled = 1 (UNPREDICTABLE in
//   the spec); GITS_CTLR.Quiescent reads 1 (UNKNOWN while Enabled = 1 in GICv3).
// - Errors are not reported: GITS_TYPER.SEIS = 0, no GITS_STATUSR.UMSI.
// - The LPI configuration table (GICR_PROPBASER: each LPI's enable bit and priority) and the
//   Redistributors' pending tables (GICR_PENDBASER) are not modelled: every LPI is enabled and
//   each Redistributor's pending LPIs are kept here, as a set. INV and INVALL therefore find
//   nothing to invalidate.

import { RegisterFile, type RegDef } from '../mmio';
import type { PhysMem } from '../mem';
import type { ItsCmdEvent, ItsDrop, ItsDropReason, ItsEntry, ItsEvent, ItsRegEvent, ItsTraceSink } from '../trace';
import {
  CMD_DeviceID, CMD_EventID, CMD_ICID, CMD_ITT_addr, CMD_Opcode, CMD_pINTID, CMD_RDbase, CMD_RDbase2, CMD_Size, CMD_V,
  ITS_CMD, ITS_CMD_BYTES, ITS_CMD_V4, itsCmdName, itsError, type ItsCmdName, type ItsCmdWords, type ItsErrorKind,
} from './commands';
import {
  BASER_TYPE, baserTable, cmdqBytes, GITS, GITS_BASER_Indirect, GITS_BASER_Page_Size, GITS_BASER_RESET, GITS_BASER_Type,
  GITS_BASER_WRITABLE, GITS_CBASER_MASK, GITS_CBASER_Physical_Address, GITS_CBASER_Valid, GITS_CTLR_Enabled,
  GITS_CTLR_Quiescent, GITS_CWRITER_MASK, GITS_IDREGS, GITS_IIDR, GITS_TYPER, cmdqOffset, ITS_CIDBITS,
  ITS_CONTROL_SIZE, ITS_DEVBITS, ITS_IDBITS, ITS_SIZE, VIRT_GIC_ITS, type ItsTableDesc,
} from './regs';
import {
  cteEntry, CTE_BYTES, decodeCte, decodeDte, decodeIte, dteEntry, DTE_BYTES, encodeCte, encodeDte, encodeIte,
  intidIsLpi, iteEntry, ITE_BYTES, ITE_INTTYPE_PHYSICAL, loadLE, physicalIte, storeLE, type Cte, type Dte, type Ite,
} from './tables';

export interface ItsOptions {
  /** ITS_base, the control frame's address; GITS_TRANSLATER is at base + 0x10040. Default: QEMU
   *  virt's, 0x0808_0000. */
  base?: number;
  /** The Redistributors an LPI can target, processor numbers 0 .. n-1. Default 1 (QEMU virt's
   *  default -smp 1). */
  redistributors?: number;
}

/** The outcome of a translation: the LPI, its collection and the target Redistributor, or why
 *  the interrupt was dropped. */
export type ItsTranslation =
  | { ok: true; intid: number; icid: number; target: number }
  | { ok: false; drop: ItsDrop };

/** Every register and each Redistributor's pending LPIs, as plain, structured-clone-able data
 *  (the tables are in memory: PhysMem.exportImage). */
export interface ItsState {
  ctlr: number; cbaser: bigint; cwriter: bigint; creadr: bigint; baser: bigint[]; pending: number[][];
}

/** A failed lookup step: its kind and why, in words. */
interface Fail { kind: Exclude<ItsDropReason, 'DISABLED' | 'PHYSICALID_OOR'>; why: string }
const isFail = (x: object): x is Fail => 'kind' in x;

/** What a command did, for its trace event. */
interface CmdResult { error?: string; code?: number; note?: string }


const hex = (v: number | bigint) => '0x' + v.toString(16);
const V4_OPCODES: ReadonlySet<number> = new Set(Object.values(ITS_CMD_V4));
const ERROR_KINDS: ReadonlySet<string> = new Set<ItsErrorKind>([
  'DEVICE_OOR', 'COLLECTION_OOR', 'UNMAPPED_DEVICE', 'ID_OOR', 'UNMAPPED_INTERRUPT', 'UNMAPPED_COLLECTION',
]);

export class Its {
  readonly base: number;
  readonly redistributors: number;
  /** Where the ITS reports what it does (null: nowhere). */
  trace: ItsTraceSink | null = null;

  /** GITS_CTLR.Enabled (the only writable bit). */
  ctlr = 0;
  cbaser = 0n;
  /** GITS_CWRITER.Offset and GITS_CREADR.Offset (Retry and Stalled are always 0). */
  cwriter = 0n;
  creadr = 0n;
  readonly baser: bigint[] = [...GITS_BASER_RESET];
  /** The LPIs pending at each Redistributor, by processor number. */
  private readonly pending: Set<number>[];
  private readonly file: RegisterFile;

  constructor(readonly mem: PhysMem, opts: ItsOptions = {}) {
    this.base = opts.base ?? VIRT_GIC_ITS;
    this.redistributors = opts.redistributors ?? 1;
    if (this.base % ITS_SIZE !== 0) throw new RangeError(`Its: base ${hex(this.base)} is not 128 KB aligned`);
    if (this.redistributors < 1 || this.redistributors > 0x10000) throw new RangeError('Its: 1 to 65536 Redistributors');
    this.pending = Array.from({ length: this.redistributors }, () => new Set<number>());
    this.file = new RegisterFile(this.registers());
  }

  get enabled(): boolean {
    return (this.ctlr & GITS_CTLR_Enabled) !== 0;
  }

  /** The table GITS_BASER<n> of `type` describes (BASER0: devices, BASER1: collections). */
  table(type: number): ItsTableDesc {
    const n = this.baser.findIndex((b) => GITS_BASER_Type(b) === type);
    return baserTable(this.baser[n], type === BASER_TYPE.DEVICE ? ITS_DEVBITS + 1 : ITS_CIDBITS + 1);
  }

  /** The LPIs pending at Redistributor `target`, ascending. */
  pendingLpis(target: number): number[] {
    return [...this.pending[target]].sort((a, b) => a - b);
  }

  // ---- the device side: a write into the ITS's frames -----------------------------------------

  /** A write of `size` bytes reaching physical address `addr` inside the ITS's two frames from the
   *  device `deviceId` (the DeviceID the interconnect presents with it: on Arm systems the PCI
   *  RID mapped through the IORT or device tree msi-map, which need not equal the StreamID). A
   *  write to GITS_TRANSLATER is an MSI: translated, and its LPI made pending. A write to the
   *  control frame reaches the registers as a CPU's would. Returns the translation, or null when
   *  the write was not an MSI. */
  write(addr: number, data: number, deviceId: number, size: 2 | 4 | 8 = 4): ItsTranslation | null {
    const offset = addr - this.base;
    if (offset < 0 || offset >= ITS_SIZE) throw new RangeError(`Its.write: ${hex(addr)} is outside the ITS frames at ${hex(this.base)}`);
    if (offset < ITS_CONTROL_SIZE) {
      this.mmioWrite(offset, data, size);
      return null;
    }
    if (offset !== GITS.TRANSLATER) {
      this.emit({ type: 'its.reg', name: 'RES0', offset, write: true, value: BigInt(data), note: 'the translation frame has only GITS_TRANSLATER: RES0, ignored' });
      return null;
    }
    if (size !== 2 && size !== 4) {
      this.emit({ type: 'its.reg', name: 'GITS_TRANSLATER', offset, write: true, value: BigInt(data), note: `a ${size}-byte write: ignored (16- and 32-bit writes only)` });
      return null;
    }
    // A 16-bit write writes bits [31:16] as zero (GITS_TRANSLATER).
    const eventId = size === 2 ? data & 0xffff : data >>> 0;
    this.emit({ type: 'its.msi', addr, deviceId, eventId, size });
    const r: ItsTranslation = this.enabled
      ? this.translate(deviceId, eventId)
      : { ok: false, drop: { reason: 'DISABLED', why: 'GITS_CTLR.Enabled = 0: the write is ignored' } };
    if (r.ok) this.setPending(r.target, r.intid, 'GITS_TRANSLATER');
    this.emit(r.ok
      ? { type: 'its.done', deviceId, eventId, ok: true, intid: r.intid, icid: r.icid, target: r.target }
      : { type: 'its.done', deviceId, eventId, ok: false, drop: r.drop });
    return r;
  }

  /** The lookup chain for (DeviceID, EventID): DTE, ITE, CTE, each read traced, then whether the
   *  target Redistributor takes the INTID. Nothing is made pending (write() and the INT command do
   *  that). A drop carries the error a GIC-600 records for the same translation error: the INT
   *  command's (GIC-600AE TRM: "an incoming translation ..."). Checks and their order: QEMU
   *  lookup_ite, process_its_cmd_phys, lookup_cte, gicv3_redist_process_lpi. */
  translate(deviceId: number, eventId: number): ItsTranslation {
    const r = this.lookupLpi(deviceId, eventId);
    if (isFail(r)) {
      const drop: ItsDrop = { reason: r.kind, why: r.why };
      if (ERROR_KINDS.has(r.kind)) Object.assign(drop, itsError('INT', r.kind as ItsErrorKind));
      return { ok: false, drop };
    }
    if (!intidIsLpi(r.ite.intid)) return { ok: false, drop: { reason: 'PHYSICALID_OOR', why: notAnLpi(r.ite.intid) } };
    return { ok: true, intid: r.ite.intid, icid: r.ite.icid, target: r.cte.rdbase };
  }

  /** DTE -> ITE (physical) -> CTE. */
  private lookupLpi(deviceId: number, eventId: number): Fail | { dte: Dte; ite: Ite; cte: Cte } {
    const it = this.lookupIte(deviceId, eventId);
    if (isFail(it)) return it;
    if (it.ite.inttype !== ITE_INTTYPE_PHYSICAL) {
      return { kind: 'VIRTUAL_INTERRUPT', why: 'ITE.INTTYPE = 0 (virtual) on an ITS with GITS_TYPER.Virtual = 0: the ITT was corrupted' };
    }
    const cte = this.lookupCte(it.ite.icid);
    if (isFail(cte)) return cte;
    return { ...it, cte };
  }

  /** QEMU lookup_ite: the DeviceID in range, its DTE valid, the EventID within the ITT's
   *  2^(SIZE+1) entries, its ITE valid. */
  private lookupIte(deviceId: number, eventId: number): Fail | { dte: Dte; ite: Ite } {
    const dt = this.table(BASER_TYPE.DEVICE);
    if (deviceId >= dt.entries) return { kind: 'DEVICE_OOR', why: deviceOor(dt, deviceId) };
    const dte = this.readDte(dt, deviceId);
    if (!dte.valid) return { kind: 'UNMAPPED_DEVICE', why: `the DTE of DeviceID ${hex(deviceId)} is not valid: no MAPD mapped it` };
    const events = 2 ** (dte.size + 1);
    if (eventId >= events) {
      return { kind: 'ID_OOR', why: `EventID ${eventId} is outside the ITT of DeviceID ${hex(deviceId)}: ${events} EventIDs (DTE.SIZE = ${dte.size})` };
    }
    const ite = this.readIte(dte, deviceId, eventId);
    if (!ite.valid) return { kind: 'UNMAPPED_INTERRUPT', why: `the ITE of EventID ${eventId} is not valid: no MAPTI or MAPI mapped it` };
    return { dte, ite };
  }

  /** QEMU lookup_cte: the ICID in range, its CTE valid, its RDBASE a Redistributor that exists. */
  private lookupCte(icid: number): Fail | Cte {
    const ct = this.table(BASER_TYPE.COLLECTION);
    if (icid >= ct.entries) return { kind: 'COLLECTION_OOR', why: collectionOor(ct, icid) };
    const cte = this.readCte(ct, icid);
    if (!cte.valid) return { kind: 'UNMAPPED_COLLECTION', why: `the CTE of ICID ${icid} is not valid: no MAPC mapped it` };
    if (cte.rdbase >= this.redistributors) {
      return { kind: 'TARGET_OOR', why: `CTE.RDBASE = ${cte.rdbase}: there is no such Redistributor (0 to ${this.redistributors - 1})` };
    }
    return cte;
  }

  // ---- table accesses (every one traced) ---------------------------------------------------------

  private readDte(dt: ItsTableDesc, deviceId: number): Dte {
    const addr = dt.base + deviceId * dt.entryBytes;
    const raw = loadLE(this.mem, addr, DTE_BYTES);
    const d = decodeDte(raw);
    this.tableEvent(false, addr, raw, dteEntry(deviceId, d));
    return d;
  }

  private writeDte(dt: ItsTableDesc, deviceId: number, d: Dte): void {
    const addr = dt.base + deviceId * dt.entryBytes;
    const raw = encodeDte(d);
    storeLE(this.mem, addr, DTE_BYTES, raw);
    this.tableEvent(true, addr, raw, dteEntry(deviceId, decodeDte(raw)));
  }

  private readIte(dte: Dte, deviceId: number, eventId: number): Ite {
    const addr = dte.ittAddr + eventId * ITE_BYTES;
    const raw = loadLE(this.mem, addr, ITE_BYTES);
    const e = decodeIte(raw);
    this.tableEvent(false, addr, raw, iteEntry(deviceId, eventId, e));
    return e;
  }

  private writeIte(dte: Dte, deviceId: number, eventId: number, e: Ite): void {
    const addr = dte.ittAddr + eventId * ITE_BYTES;
    const raw = encodeIte(e);
    storeLE(this.mem, addr, ITE_BYTES, raw);
    this.tableEvent(true, addr, raw, iteEntry(deviceId, eventId, decodeIte(raw)));
  }

  private readCte(ct: ItsTableDesc, icid: number): Cte {
    const addr = ct.base + icid * ct.entryBytes;
    const raw = loadLE(this.mem, addr, CTE_BYTES);
    const c = decodeCte(raw);
    this.tableEvent(false, addr, raw, cteEntry(icid, c));
    return c;
  }

  private writeCte(ct: ItsTableDesc, icid: number, c: Cte): void {
    const addr = ct.base + icid * ct.entryBytes;
    const raw = encodeCte(c);
    storeLE(this.mem, addr, CTE_BYTES, raw);
    this.tableEvent(true, addr, raw, cteEntry(icid, decodeCte(raw)));
  }

  private tableEvent(write: boolean, addr: number, raw: bigint, entry: ItsEntry): void {
    this.emit({ type: 'its.table', write, addr, raw, entry });
  }

  // ---- LPIs at the Redistributors ------------------------------------------------------------------

  /** An LPI is edge-triggered: made pending twice, it is pending once (`was` says so). */
  private setPending(target: number, intid: number, by: string): void {
    const was = this.pending[target].has(intid);
    this.pending[target].add(intid);
    this.emit({ type: 'its.lpi', op: 'set', intid, target, was, by });
  }

  private clearPending(target: number, intid: number, by: string): void {
    const was = this.pending[target].delete(intid);
    this.emit({ type: 'its.lpi', op: 'clear', intid, target, was, by });
  }

  /** Move a pending LPI (QEMU gicv3_redist_mov_lpi); nothing happens if it is not pending. */
  private movePending(from: number, to: number, intid: number, by: string): void {
    if (from === to || !this.pending[from].delete(intid)) return;
    const was = this.pending[to].has(intid);
    this.pending[to].add(intid);
    this.emit({ type: 'its.lpi', op: 'move', intid, target: to, from, was, by });
  }

  // ---- the command queue ------------------------------------------------------------------------------

  /** Consume commands from GITS_CREADR up to GITS_CWRITER (QEMU process_cmdq): only with
   *  GITS_CTLR.Enabled = 1, GITS_CBASER.Valid = 1 and both offsets inside the queue. Returns how
   *  many commands were consumed, or why none could be. */
  private processCmdq(): number | string {
    if (!this.enabled) return 0;
    if (GITS_CBASER_Valid(this.cbaser) === 0) return 'GITS_CBASER.Valid = 0: there is no command queue';
    const bytes = cmdqBytes(this.cbaser), q = GITS_CBASER_Physical_Address(this.cbaser);
    const wr = cmdqOffset(this.cwriter);
    let rd = cmdqOffset(this.creadr);
    if (wr >= bytes || rd >= bytes) return `an offset beyond the ${bytes}-byte command queue: nothing is processed`;
    let n = 0;
    while (rd !== wr) {
      const at = BigInt(q + rd);
      const c: ItsCmdWords = [this.mem.load64(at), this.mem.load64(at + 8n), this.mem.load64(at + 16n), this.mem.load64(at + 24n)];
      this.runCommand(c, rd);
      rd = (rd + ITS_CMD_BYTES) % bytes;
      this.creadr = BigInt(rd);
      n++;
    }
    return n;
  }

  /** One command, traced before the table accesses it makes; its error or note is filled in when
   *  it completes. */
  private runCommand(c: ItsCmdWords, offset: number): void {
    const opcode = CMD_Opcode(c);
    const ev: ItsCmdEvent = { type: 'its.cmd', offset, opcode, name: itsCmdName(opcode), words: [...c] };
    this.emit(ev);
    const r = this.execute(c, opcode);
    if (r.error !== undefined) ev.error = r.error;
    if (r.code !== undefined) ev.code = r.code;
    if (r.note !== undefined) ev.note = r.note;
  }

  private execute(c: ItsCmdWords, opcode: number): CmdResult {
    switch (opcode) {
      case ITS_CMD.MAPD: return this.mapd(c);
      case ITS_CMD.MAPC: return this.mapc(c);
      case ITS_CMD.MAPTI: return this.mapti(c, 'MAPTI');
      case ITS_CMD.MAPI: return this.mapti(c, 'MAPI');
      case ITS_CMD.INT: return this.intClearDiscard(c, 'INT');
      case ITS_CMD.CLEAR: return this.intClearDiscard(c, 'CLEAR');
      case ITS_CMD.DISCARD: return this.intClearDiscard(c, 'DISCARD');
      case ITS_CMD.MOVI: return this.movi(c);
      case ITS_CMD.INV: return this.inv(c);
      case ITS_CMD.INVALL: return this.invall(c);
      case ITS_CMD.MOVALL: return this.movall(c);
      case ITS_CMD.SYNC: return { note: 'every earlier command has completed already (commands complete as they are read)' };
      default:
        if (V4_OPCODES.has(opcode)) return { error: 'a GICv4 command on an ITS with GITS_TYPER.Virtual = 0: ignored' };
        return { error: 'not an ITS command: ignored' };
    }
  }

  private err(cmd: ItsCmdName, f: Fail): CmdResult {
    if (!ERROR_KINDS.has(f.kind)) return { error: `${f.kind}: ${f.why}` };
    const e = itsError(cmd, f.kind as ItsErrorKind);
    return { error: `${e.error}: ${f.why}`, code: e.code };
  }

  private errKind(cmd: ItsCmdName, kind: ItsErrorKind, why: string): CmdResult {
    const e = itsError(cmd, kind);
    return { error: `${e.error}: ${why}`, code: e.code };
  }

  /** MAPD (QEMU process_mapd): DeviceID -> {ITT_addr, Size}, or the DTE invalidated with V = 0. */
  private mapd(c: ItsCmdWords): CmdResult {
    const deviceId = CMD_DeviceID(c), size = CMD_Size(c), v = CMD_V(c) === 1;
    const dt = this.table(BASER_TYPE.DEVICE);
    if (deviceId >= dt.entries) return this.errKind('MAPD', 'DEVICE_OOR', deviceOor(dt, deviceId));
    if (size > ITS_IDBITS) return this.errKind('MAPD', 'ITTSIZE_OOR', `Size ${size} is above GITS_TYPER.ID_bits = ${ITS_IDBITS}`);
    this.writeDte(dt, deviceId, { valid: v, size, ittAddr: CMD_ITT_addr(c) });
    return {};
  }

  /** MAPC (QEMU process_mapc): ICID -> RDbase, or the CTE invalidated with V = 0. With
   *  GITS_TYPER.PTA = 0 RDbase is a 16-bit processor number (QEMU RDBASE_PROCNUM_MASK). */
  private mapc(c: ItsCmdWords): CmdResult {
    const icid = CMD_ICID(c), v = CMD_V(c) === 1, field = CMD_RDbase(c);
    const rdbase = v ? field % 0x10000 : 0;
    const ct = this.table(BASER_TYPE.COLLECTION);
    if (icid >= ct.entries) return this.errKind('MAPC', 'COLLECTION_OOR', collectionOor(ct, icid));
    if (v && rdbase >= this.redistributors) return this.errKind('MAPC', 'PROCNUM_OOR', `RDbase ${rdbase}: there is no such Redistributor (0 to ${this.redistributors - 1})`);
    this.writeCte(ct, icid, { valid: v, rdbase });
    return v && field >= 0x10000 ? { note: `RDbase ${hex(field)}: bits above the 16-bit processor number are ignored (GITS_TYPER.PTA = 0)` } : {};
  }

  /** MAPTI and MAPI (QEMU process_mapti; MAPI's LPI is the EventID): checks in QEMU's order. */
  private mapti(c: ItsCmdWords, cmd: 'MAPTI' | 'MAPI'): CmdResult {
    const deviceId = CMD_DeviceID(c), eventId = CMD_EventID(c), icid = CMD_ICID(c);
    const intid = cmd === 'MAPI' ? eventId : CMD_pINTID(c);
    const dt = this.table(BASER_TYPE.DEVICE), ct = this.table(BASER_TYPE.COLLECTION);
    if (deviceId >= dt.entries) return this.errKind(cmd, 'DEVICE_OOR', deviceOor(dt, deviceId));
    const dte = this.readDte(dt, deviceId);
    if (icid >= ct.entries) return this.errKind(cmd, 'COLLECTION_OOR', collectionOor(ct, icid));
    if (!dte.valid) return this.errKind(cmd, 'UNMAPPED_DEVICE', `the DTE of DeviceID ${hex(deviceId)} is not valid: no MAPD mapped it`);
    const events = 2 ** (dte.size + 1);
    if (eventId >= events) return this.errKind(cmd, 'ID_OOR', `EventID ${eventId} is outside the ITT's ${events} EventIDs`);
    if (!intidIsLpi(intid)) return this.errKind(cmd, 'PHYSICALID_OOR', `INTID ${intid} is not an LPI (8192 to 65535)`);
    this.writeIte(dte, deviceId, eventId, physicalIte(intid, icid));
    return {};
  }

  /** INT sets the LPI pending, CLEAR clears it, DISCARD clears it and invalidates the ITE (QEMU
   *  do_process_its_cmd: the ITE is removed only once the collection lookup succeeded). */
  private intClearDiscard(c: ItsCmdWords, cmd: 'INT' | 'CLEAR' | 'DISCARD'): CmdResult {
    const deviceId = CMD_DeviceID(c), eventId = CMD_EventID(c);
    const r = this.lookupLpi(deviceId, eventId);
    if (isFail(r)) return this.err(cmd, r);
    const lpi = intidIsLpi(r.ite.intid);
    if (lpi && cmd === 'INT') this.setPending(r.cte.rdbase, r.ite.intid, cmd);
    else if (lpi) this.clearPending(r.cte.rdbase, r.ite.intid, cmd);
    if (cmd === 'DISCARD') this.writeIte(r.dte, deviceId, eventId, { ...r.ite, valid: false });
    return lpi ? {} : { note: notAnLpi(r.ite.intid) };
  }

  /** MOVI (QEMU process_movi): the event's ITE gets a new ICID; a pending LPI moves with it when
   *  the new collection targets another Redistributor. */
  private movi(c: ItsCmdWords): CmdResult {
    const deviceId = CMD_DeviceID(c), eventId = CMD_EventID(c), icid = CMD_ICID(c);
    const r = this.lookupLpi(deviceId, eventId);
    if (isFail(r)) return this.err('MOVI', r);
    const to = this.lookupCte(icid);
    if (isFail(to)) return this.err('MOVI', to);
    this.movePending(r.cte.rdbase, to.rdbase, r.ite.intid, 'MOVI');
    this.writeIte(r.dte, deviceId, eventId, { ...r.ite, icid });
    return {};
  }

  /** INV (QEMU process_inv): the lookups, then nothing to invalidate. */
  private inv(c: ItsCmdWords): CmdResult {
    const r = this.lookupLpi(CMD_DeviceID(c), CMD_EventID(c));
    if (isFail(r)) return this.err('INV', r);
    return { note: 'the LPI configuration table is not modelled: nothing is cached to invalidate' };
  }

  /** INVALL: the collection must be mapped (E_ITS_INVALL_UNMAPPED_COLLECTION; QEMU does not
   *  check), then nothing to invalidate. */
  private invall(c: ItsCmdWords): CmdResult {
    const cte = this.lookupCte(CMD_ICID(c));
    if (isFail(cte)) return this.err('INVALL', cte);
    return { note: 'the LPI configuration table is not modelled: nothing is cached to invalidate' };
  }

  /** MOVALL (QEMU process_movall): every LPI pending at RDbase1 moves to RDbase2. */
  private movall(c: ItsCmdWords): CmdResult {
    const from = CMD_RDbase(c) % 0x10000, to = CMD_RDbase2(c) % 0x10000;
    for (const rd of [from, to]) {
      if (rd >= this.redistributors) return this.errKind('MOVALL', 'PROCNUM_OOR', `RDbase ${rd}: there is no such Redistributor (0 to ${this.redistributors - 1})`);
    }
    for (const intid of this.pendingLpis(from)) this.movePending(from, to, intid, 'MOVALL');
    return {};
  }

  // ---- MMIO (the control frame; reads of the translation frame) ------------------------------------

  /** A 32- or 64-bit read at `offset` from ITS_base. */
  mmioRead(offset: number, size: 2 | 4 | 8 = 4): bigint {
    if (offset >= ITS_CONTROL_SIZE && offset < ITS_SIZE) {
      const name = offset === GITS.TRANSLATER ? 'GITS_TRANSLATER' : 'RES0';
      this.regEvent(name, offset, false, 0n, offset === GITS.TRANSLATER ? 'write-only: reads as 0' : 'RES0');
      return 0n;
    }
    const a = this.file.read(offset, size);
    this.regEvent(a.name, offset, false, a.value, a.note);
    return a.value;
  }

  /** A 32- or 64-bit write at `offset` from ITS_base; a 32-bit write to half of a 64-bit register
   *  keeps the other half (every 64-bit GITS register's halves are accessible separately). The
   *  translation frame takes writes only from devices, with a DeviceID: write(). */
  mmioWrite(offset: number, value: bigint | number, size: 2 | 4 | 8 = 4): void {
    if (offset >= ITS_CONTROL_SIZE) {
      throw new RangeError(`Its.mmioWrite: ${hex(offset)} is not in the control frame; a write to the translation frame needs a DeviceID (Its.write)`);
    }
    const a = this.file.write(offset, value, size);
    this.regEvent(a.name, offset, true, a.value, a.note);
  }

  private regEvent(name: string, offset: number, write: boolean, value: bigint, note?: string): void {
    const ev: ItsRegEvent = { type: 'its.reg', name, offset, write, value };
    if (note !== undefined) ev.note = note;
    this.emit(ev);
  }

  private registers(): [number, RegDef][] {
    const ro = (name: string, bytes: 4 | 8, v: bigint): RegDef => ({ name, bytes, read: () => v });
    const regs: [number, RegDef][] = [
      [GITS.CTLR, { name: 'GITS_CTLR', bytes: 4, read: () => BigInt(this.ctlr | GITS_CTLR_Quiescent), write: (v) => this.writeCtlr(Number(v)) }],
      [GITS.IIDR, ro('GITS_IIDR', 4, BigInt(GITS_IIDR))],
      [GITS.TYPER, ro('GITS_TYPER', 8, GITS_TYPER)],
      [GITS.CBASER, { name: 'GITS_CBASER', bytes: 8, read: () => this.cbaser, write: (v) => this.writeCbaser(v) }],
      [GITS.CWRITER, { name: 'GITS_CWRITER', bytes: 8, read: () => this.cwriter, write: (v) => this.writeCwriter(v) }],
      [GITS.CREADR, { name: 'GITS_CREADR', bytes: 8, read: () => this.creadr }],
    ];
    for (let n = 0; n < 8; n++) {
      regs.push([GITS.BASER + 8 * n, { name: `GITS_BASER${n}`, bytes: 8, read: () => this.baser[n], write: (v) => this.writeBaser(n, v) }]);
    }
    const ID_NAMES = ['PIDR4', 'PIDR5', 'PIDR6', 'PIDR7', 'PIDR0', 'PIDR1', 'PIDR2', 'PIDR3', 'CIDR0', 'CIDR1', 'CIDR2', 'CIDR3'];
    GITS_IDREGS.forEach((v, k) => regs.push([GITS.IDREGS + 4 * k, ro(`GITS_${ID_NAMES[k]}`, 4, BigInt(v))]));
    return regs;
  }

  /** GITS_CTLR: Enabled = 1 starts consuming commands (QEMU its_writel GITS_CTLR). */
  private writeCtlr(v: number): string | void {
    this.ctlr = v & GITS_CTLR_Enabled;
    return this.processNote();
  }

  private writeCbaser(v: bigint): string | void {
    if (this.enabled) return 'GITS_CTLR.Enabled = 1: writing GITS_CBASER is UNPREDICTABLE; ignored';
    this.cbaser = v & GITS_CBASER_MASK;
    this.creadr = 0n;   // "cleared to 0 when a value is written to GITS_CBASER" (GITS_CREADR)
  }

  /** GITS_CWRITER: software publishes commands; the ITS considers the queue at once. Retry is
   *  not stored (QEMU masks it): nothing ever stalls. */
  private writeCwriter(v: bigint): string | void {
    this.cwriter = v & GITS_CWRITER_MASK & ~1n;
    const notes: string[] = [];
    if ((v & 1n) === 1n) notes.push('Retry = 1: the queue is never stalled, nothing to retry');
    const n = this.processNote();
    if (n !== undefined) notes.push(n);
    if (notes.length > 0) return notes.join('; ');
  }

  private processNote(): string | undefined {
    const n = this.processCmdq();
    if (typeof n === 'string') return n;
    return n > 0 ? `${n} command(s) consumed` : undefined;
  }

  /** GITS_BASER<n>: only the writable fields change; unimplemented registers (Type 0) are
   *  RAZ/WI (QEMU its_writell). */
  private writeBaser(n: number, v: bigint): string | void {
    const old = this.baser[n];
    if (GITS_BASER_Type(old) === BASER_TYPE.NONE) return 'an unimplemented GITS_BASER<n> (Type 0): RAZ/WI';
    if (this.enabled) return 'GITS_CTLR.Enabled = 1: writing GITS_BASER<n> is UNPREDICTABLE; ignored';
    this.baser[n] = (old & ~GITS_BASER_WRITABLE) | (v & GITS_BASER_WRITABLE);
    const notes: string[] = [];
    if (GITS_BASER_Indirect(v) === 1) notes.push('Indirect is RAZ/WI: flat tables only');
    if (GITS_BASER_Page_Size(v) === 3) notes.push('Page_Size 0b11 is reserved: taken as 64 KB');
    if (notes.length > 0) return notes.join('; ');
  }

  // ---- snapshots ----------------------------------------------------------------------------------

  snapshot(): ItsState {
    return {
      ctlr: this.ctlr, cbaser: this.cbaser, cwriter: this.cwriter, creadr: this.creadr,
      baser: [...this.baser], pending: this.pending.map((s) => [...s].sort((a, b) => a - b)),
    };
  }

  /** Put the registers and pending LPIs back as `s` has them; nothing is traced or processed. */
  restore(s: ItsState): void {
    if (s.pending.length !== this.redistributors) throw new RangeError('Its.restore: a state for another number of Redistributors');
    this.ctlr = s.ctlr; this.cbaser = s.cbaser; this.cwriter = s.cwriter; this.creadr = s.creadr;
    s.baser.forEach((b, n) => { this.baser[n] = b; });
    s.pending.forEach((p, t) => { this.pending[t] = new Set(p); });
  }

  private emit(e: ItsEvent): void {
    this.trace?.push(e);
  }
}

/** QEMU gicv3_redist_process_lpi returns without a word for such an INTID. */
function notAnLpi(intid: number): string {
  return `ITE.INTID ${intid} is not an LPI (8192 to 65535): the Redistributor ignores it`;
}

function deviceOor(dt: ItsTableDesc, deviceId: number): string {
  return dt.valid ? `DeviceID ${hex(deviceId)} is beyond the Device Table's ${dt.entries} entries` : 'GITS_BASER0.Valid = 0: there is no Device Table';
}

function collectionOor(ct: ItsTableDesc, icid: number): string {
  return ct.valid ? `ICID ${icid} is beyond the Collection Table's ${ct.entries} entries` : 'GITS_BASER1.Valid = 0: there is no Collection Table';
}
