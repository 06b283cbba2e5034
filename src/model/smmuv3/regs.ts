// The SMMU's MMIO register file: Page 0 and the Event queue's PROD/CONS in Page 1 (SMMUv3
// §6.1-6.3; primer §2.1; docs/spec-notes.md §9). mmioRead/mmioWrite take an offset from the
// SMMU's base, so Page 1 registers are at 0x10000 + their Page-1 offset.
//
// Every access is one `smmu.reg` trace event; a write the SMMU ignores says why (`note`).
// Updates complete at once: CR0ACK and IRQ_CTRLACK follow their registers on every write and
// GBPA.Update reads 0, so software's polls succeed on the first read.
//
// Choices where §6 leaves one to the implementation:
// - A register guarded by an enable (STRTAB_* by SMMUEN, CMDQ_BASE/CONS by CMDQEN,
//   EVENTQ_BASE/PROD by EVENTQEN, CR2 by SMMUEN) ignores writes while enabled: one of the
//   SMMUv3.1 options and the only SMMUv3.2 behaviour (§6.3.24, §6.3.26, §6.3.29, §6.3.12).
// - GBPA written without Update = 1 is ignored (§6.3.14.1: the SMMUv3.2 behaviour).
// - The optional Page-0 aliases of EVENTQ_PROD/CONS (0xA8/0xAC) are RAZ/WI (§6.2.1), so
//   software must use Page 1; undefined Page-1 offsets are RES0, not aliases of Page 0 (§6.2).
// - Illegal accesses (not 4 or 8 bytes, unaligned, 64 bits over two 32-bit registers) are
//   RAZ/WI, one of the CONSTRAINED UNPREDICTABLE options of §6.2.
// - CMDQ_CONS.ERR ignores writes (§6.3.28 permits either).
// - Interrupts are not delivered: IRQ_CTRL and the *_IRQ_CFG registers only hold their values.

import { RegisterFile, type RegDef } from '../mmio';
import { fieldBig } from '../bits';
import type { RegEvent } from '../trace';
import type { StrtabCfg } from './config';
import { SIDSIZE, SSIDSIZE } from './features';
import { CMDQS, CommandQueue, EVENTQS, EventQueue, qMask } from './queues';
import type { Smmu } from './smmu';

/** Page 1 starts 64KB above Page 0 (§6.1). */
export const PAGE1 = 0x10000;

/** Register offsets (§6.2.1 Page 0, §6.2.2 Page 1). */
export const REG = {
  IDR0: 0x00, IDR1: 0x04, IDR2: 0x08, IDR3: 0x0c, IDR4: 0x10, IDR5: 0x14, IIDR: 0x18, AIDR: 0x1c,
  CR0: 0x20, CR0ACK: 0x24, CR1: 0x28, CR2: 0x2c, GBPA: 0x44, IRQ_CTRL: 0x50, IRQ_CTRLACK: 0x54,
  GERROR: 0x60, GERRORN: 0x64, GERROR_IRQ_CFG0: 0x68, GERROR_IRQ_CFG1: 0x70, GERROR_IRQ_CFG2: 0x74,
  STRTAB_BASE: 0x80, STRTAB_BASE_CFG: 0x88, CMDQ_BASE: 0x90, CMDQ_PROD: 0x98, CMDQ_CONS: 0x9c,
  EVENTQ_BASE: 0xa0, EVENTQ_IRQ_CFG0: 0xb0, EVENTQ_IRQ_CFG1: 0xb8, EVENTQ_IRQ_CFG2: 0xbc,
  EVENTQ_PROD: PAGE1 + 0xa8, EVENTQ_CONS: PAGE1 + 0xac,
} as const;

// ---- field bits ----------------------------------------------------------------------------

/** SMMU_CR0 (§6.3.9): SMMUEN[0], EVENTQEN[2], CMDQEN[3]. PRIQEN, ATSCHK, VMW and DPT_WALK_EN
 *  are RES0 here (PRI = ATS = VMW = DPT = 0). */
export const CR0_SMMUEN = 1 << 0;
export const CR0_EVENTQEN = 1 << 2;
export const CR0_CMDQEN = 1 << 3;
const CR0_MASK = CR0_SMMUEN | CR0_EVENTQEN | CR0_CMDQEN;
/** SMMU_CR1 (§6.3.11): QUEUE_IC/OC/SH[5:0], TABLE_IC/OC/SH[11:6]; held, not used. */
const CR1_MASK = 0xfff;
/** SMMU_CR2 (§6.3.12): RECINVSID[1]; E2H, PTM and REC_CFG_ATS are RES0 (Hyp = BTM = ATSRECERR = 0). */
export const CR2_RECINVSID = 1 << 1;
/** SMMU_GBPA (§6.3.14): Update[31], ABORT[20], INSTCFG[19:18], PRIVCFG[17:16], SHCFG[13:12],
 *  ALLOCCFG[11:8], MTCFG[4], MemAttr[3:0]. */
export const GBPA_UPDATE = 1 << 31;
export const GBPA_ABORT = 1 << 20;
const GBPA_MASK = 0x001f_3f1f;
/** GBPA's reset value is IMPLEMENTATION DEFINED (§6.3.14); QEMU's SMMU_GBPA_RESET_VAL, 0x1000
 *  (SHCFG = 0b01, use incoming; ABORT = 0: bypass), as `hw/arm/smmuv3-internal.h` has it. */
export const GBPA_RESET = 0x0000_1000;
/** SMMU_IRQ_CTRL (§6.3.16): GERROR_IRQEN[0], EVENTQ_IRQEN[2] (PRIQ_IRQEN RES0, PRI = 0). */
const IRQ_CTRL_MASK = 0b101;
/** SMMU_GERROR/GERRORN (§6.3.19-20): CMDQ_ERR[0], EVENTQ_ABT_ERR[2], MSI_CMDQ_ABT_ERR[4],
 *  MSI_EVENTQ_ABT_ERR[5], MSI_GERROR_ABT_ERR[7], SFM_ERR[8]; the PRIQ bits are RES0. */
export const GERROR_CMDQ_ERR = 1 << 0;
const GERROR_MASK = 0x1b5;
/** SMMU_STRTAB_BASE_CFG (§6.3.25): FMT[17:16], SPLIT[10:6], LOG2SIZE[5:0]. */
const STRTAB_BASE_CFG_MASK = 0x3_07ff;
/** RA[62] (STRTAB_BASE, CMDQ_BASE) and WA[62] (EVENTQ_BASE): allocation hints, held. */
const HINT_BIT = 1n << 62n;
/** Queue PROD/CONS: bit 31 (OVFLG, OVACKFLG) and WR/RD[19:0] (§6.3.95-96). */
const Q_FLAG = 1 << 31;
const Q_PTR_MASK = 0xf_ffff;

// ---- ID registers (constant after reset, §6.2) ----------------------------------------------

/** SMMU_IDR0 (§6.3.1), the SMMU of ../shared/formats/machine-image.md: 0x0D4C301B. */
export const IDR0 =
  (1 << 0) |        // S2P: stage 2
  (1 << 1) |        // S1P: stage 1
  (0b10 << 2) |     // TTF: VMSAv8-64 only (so IAS = OAS, §3.4)
  (1 << 4) |        // COHACC: the SMMU reads the memory software writes, with no cache between
  (1 << 12) |       // ASID16: CD.ASID is 16 bits (cd.ts reads [63:48]); Linux and QEMU use 16
  (1 << 13) |       // MSI: CMD_SYNC SIG_IRQ writes MSIData (§4.7.3, "on implementations supporting MSIs")
  (1 << 18) |       // VMID16: STE.S2VMID is 16 bits (ste.ts reads [15:0]); Linux and QEMU use 16
  (1 << 19) |       // CD2L: 2-level CD tables
  (0b10 << 21) |    // TTENDIAN: little-endian only
  (0b01 << 24) |    // STALL_MODEL: no stalls (CD.S, STE.S2S, S1STALLD = 1 are ILLEGAL)
  (1 << 26) |       // TERM_MODEL: terminate means abort (CD.A = 0 is ILLEGAL)
  (0b01 << 27);     // ST_LEVEL: 2-level stream tables (required once SIDSIZE >= 7, §6.3.2)
  // Zero: BTM, HTTU, DORMHINT, Hyp, ATS, NS1ATS, SEV, ATOS, PRI, VMW, VATOS, ATSRECERR, RME_IMPL.

/** SMMU_IDR1 (§6.3.2): 0x06730520. */
export const IDR1 =
  SIDSIZE |              // [5:0] 32-bit StreamIDs
  (SSIDSIZE << 6) |      // [10:6] 20-bit SubstreamIDs
  (EVENTQS << 16) |      // [20:16]
  (CMDQS << 21) |        // [25:21]
  (1 << 26);             // ATTR_PERMS_OVR: STE.PRIVCFG/INSTCFG work (else RES0, §5.2), as smmu.ts applies them
  // Zero: PRIQS (PRI = 0), ATTR_TYPES_OVR (no memory types modelled), REL, QUEUES_PRESET,
  // TABLES_PRESET, ECMDQ.

/** SMMU_IDR3 (§6.3.4): HAD[2] = 1, mandatory in SMMUv3.1 with stage 1. RIL = 0: no range
 *  invalidation (NUM/SCALE/TG/TTL are RES0). XNX = 0 because the model has no XNX, although
 *  §6.3.4 makes XNX mandatory in SMMUv3.1 with stage 2: a known gap (machine-image.md). */
export const IDR3 = 1 << 2;

/** SMMU_IDR5 (§6.3.6): GRAN4K[4], GRAN16K[5], GRAN64K[6], OAS[2:0]; VAX = DS = 0. */
export function idr5(oas: number): number {
  const code = [32, 36, 40, 42, 44, 48].indexOf(oas);
  if (code < 0) throw new RangeError(`no SMMU_IDR5.OAS encoding for a ${oas}-bit OAS`);
  return (1 << 4) | (1 << 5) | (1 << 6) | code;
}

/** SMMU_AIDR (§6.3.8): ArchMajorRev 0, ArchMinorRev 1: SMMUv3.1. */
export const AIDR = 0x01;

// ---- the stream table registers -------------------------------------------------------------

/** The stream table the SMMU walks, from SMMU_STRTAB_BASE and SMMU_STRTAB_BASE_CFG
 *  (§6.3.24-25): FMT other than 0b01 behaves as linear, SPLIT other than 6/8/10 as 6, LOG2SIZE
 *  is capped at SIDSIZE for indexing. The base drops the low ADDR bits the table's alignment
 *  ignores, computed from the literal LOG2SIZE: linear ADDR[LOG2SIZE+5:0], 2-level
 *  ADDR[MAX(5, LOG2SIZE-SPLIT+2):0]. */
export function strtabFromRegs(base: bigint, cfg: number): StrtabCfg {
  const log2size = cfg & 0x3f;
  const fmt = ((cfg >>> 16) & 3) === 1 ? '2lvl' : 'linear';
  const rawSplit = (cfg >>> 6) & 0x1f;
  const split = rawSplit === 8 || rawSplit === 10 ? rawSplit : 6;
  const top = fmt === 'linear' ? log2size + 5 : Math.max(5, log2size - split + 2);
  const addr = Number(fieldBig(base, 55, 6) << 6n);
  return { base: top >= 52 ? 0 : addr - (addr % 2 ** (top + 1)), log2size: Math.min(log2size, SIDSIZE), fmt, split };
}

// ---- the register file ---------------------------------------------------------------------

/** SmmuRegisters.snapshot(): every field a register access can change. */
export interface RegistersState {
  cr0: number; cr0ack: number; cr1: number; cr2: number; gbpa: number; irqCtrl: number;
  gerror: number; gerrorn: number; strtabBase: bigint; strtabBaseCfg: number;
  irqCfg: [string, bigint][];
  cmdq: { base: bigint; prod: number; rd: number; err: number };
  evtq: { base: bigint; wr: number; ovflg: number; rd: number; ovackflg: number };
}


export interface RegistersOptions {
  /** 'reset' (default): the architectural reset state (§6.3: CR0 = 0, so SMMUEN = 0 and traffic
   *  follows GBPA; CR2 and the table and queue registers are UNKNOWN at reset and start as 0,
   *  but for CR2.RECINVSID = 1, the machine image's setting). 'enabled': the state a machine
   *  image describes: SMMUEN = 1, RECINVSID = 1, STRTAB_* holding the Smmu's current stream
   *  table, queues disabled. */
  initial?: 'reset' | 'enabled';
}

export class SmmuRegisters {
  readonly cmdq: CommandQueue;
  readonly evtq: EventQueue;
  cr0 = 0;
  cr0ack = 0;
  cr1 = 0;
  cr2 = CR2_RECINVSID;
  gbpa = GBPA_RESET;
  irqCtrl = 0;
  gerror = 0;
  gerrorn = 0;
  strtabBase = 0n;
  strtabBaseCfg = 0;
  /** The *_IRQ_CFG registers' values, by name (held, never used). */
  private readonly irqCfg = new Map<string, bigint>();
  private readonly file: RegisterFile;

  constructor(readonly smmu: Smmu, opts: RegistersOptions = {}) {
    this.cmdq = new CommandQueue(smmu, {
      enabled: () => (this.cr0 & CR0_CMDQEN) !== 0,
      errorActive: () => ((this.gerror ^ this.gerrorn) & GERROR_CMDQ_ERR) !== 0,
      raiseError: () => { if (((this.gerror ^ this.gerrorn) & GERROR_CMDQ_ERR) === 0) this.gerror ^= GERROR_CMDQ_ERR; },
    });
    this.evtq = new EventQueue(smmu, {
      enabled: () => (this.cr0 & CR0_EVENTQEN) !== 0,
      recInvSid: () => (this.cr2 & CR2_RECINVSID) !== 0,
    });
    smmu.onEvent = (e) => { this.evtq.record(e); };
    if (opts.initial === 'enabled') this.adoptSmmu(); else this.smmu.strtab = strtabFromRegs(0n, 0);
    this.applyEnables();
    this.file = new RegisterFile([...this.idRegs(), ...this.controlRegs(), ...this.tableRegs(), ...this.queueRegs(), ...this.irqRegs()], { cite: ' (§6.2)', reserved: 'RES0' });
  }

  /** Whether SMMU_CR0.X (and CR0ACK.X, which always follows) is set. */
  private on(bit: number): boolean {
    return (this.cr0 & bit) !== 0;
  }

  /** The 'enabled' start: SMMUEN = 1 and STRTAB_* describing the stream table already set. */
  private adoptSmmu(): void {
    const st = this.smmu.strtab;
    this.cr0 = this.cr0ack = CR0_SMMUEN;
    this.strtabBase = BigInt(st.base);
    this.strtabBaseCfg = st.log2size | (st.split << 6) | ((st.fmt === '2lvl' ? 1 : 0) << 16);
  }

  /** Pass SMMUEN and GBPA.ABORT to the translation path (smmu.ts, step 0). */
  private applyEnables(): void {
    this.smmu.smmuEn = this.on(CR0_SMMUEN);
    this.smmu.gbpaAbort = (this.gbpa & GBPA_ABORT) !== 0;
  }

  // ---- MMIO ----------------------------------------------------------------------------------

  /** A 32- or 64-bit read at `offset` from the SMMU's base. */
  mmioRead(offset: number, size: 4 | 8 = 4): bigint {
    const a = this.file.read(offset, size);
    this.traceReg(a.name, offset, false, a.value, a.note);
    return a.value;
  }

  /** A 32- or 64-bit write at `offset`; a 32-bit write to half of a 64-bit register keeps the
   *  other half (§6.2: "two separately-writable 32-bit register halves"). */
  mmioWrite(offset: number, value: bigint | number, size: 4 | 8 = 4): void {
    const a = this.file.write(offset, value, size);
    this.traceReg(a.name, offset, true, a.value, a.note);
  }

  private traceReg(name: string, offset: number, write: boolean, value: bigint, note?: string): void {
    const ev: RegEvent = { type: 'smmu.reg', name, offset, write, value };
    if (note !== undefined) ev.note = note;
    this.smmu.trace?.push(ev);
  }

  // ---- register definitions ------------------------------------------------------------------

  private idRegs(): [number, RegDef][] {
    const ro = (name: string, v: number): RegDef => ({ name, bytes: 4, read: () => BigInt(v) });
    return [
      [REG.IDR0, ro('IDR0', IDR0)], [REG.IDR1, ro('IDR1', IDR1)], [REG.IDR2, ro('IDR2', 0)],
      [REG.IDR3, ro('IDR3', IDR3)], [REG.IDR4, ro('IDR4', 0)], [REG.IDR5, ro('IDR5', idr5(this.smmu.oas))],
      [REG.IIDR, ro('IIDR', 0)], [REG.AIDR, ro('AIDR', AIDR)],
    ];
  }

  private controlRegs(): [number, RegDef][] {
    return [
      [REG.CR0, { name: 'CR0', bytes: 4, read: () => BigInt(this.cr0), write: (v) => this.writeCr0(Number(v)) }],
      [REG.CR0ACK, { name: 'CR0ACK', bytes: 4, read: () => BigInt(this.cr0ack) }],
      [REG.CR1, this.plain('CR1', () => this.cr1, (v) => { this.cr1 = v & CR1_MASK; })],
      [REG.CR2, { name: 'CR2', bytes: 4, read: () => BigInt(this.cr2), write: (v) => this.writeCr2(Number(v)) }],
      [REG.GBPA, { name: 'GBPA', bytes: 4, read: () => BigInt(this.gbpa), write: (v) => this.writeGbpa(Number(v)) }],
      [REG.GERROR, { name: 'GERROR', bytes: 4, read: () => BigInt(this.gerror) }],
      [REG.GERRORN, { name: 'GERRORN', bytes: 4, read: () => BigInt(this.gerrorn), write: (v) => this.writeGerrorn(Number(v)) }],
    ];
  }

  /** A 32-bit register that only holds its value. */
  private plain(name: string, get: () => number, set: (v: number) => void): RegDef {
    return { name, bytes: 4, read: () => BigInt(get()), write: (v) => { set(Number(v)); } };
  }

  /** CR0 (§6.3.9): CR0ACK follows at once. SMMUEN switches translation; CMDQEN = 1 starts
   *  consuming whatever is between CONS and PROD (§6.3.9.3). */
  private writeCr0(v: number): string | void {
    this.cr0 = this.cr0ack = v & CR0_MASK;
    this.applyEnables();
    const n = this.cmdq.process();
    if (n > 0) return `${n} command(s) consumed`;
  }

  /** CR2 (§6.3.12): read-only while SMMUEN = 1. */
  private writeCr2(v: number): string | void {
    if (this.on(CR0_SMMUEN)) return 'read-only while SMMU_CR0.SMMUEN = 1 (§6.3.12): ignored';
    this.cr2 = v & CR2_RECINVSID;
  }

  /** GBPA (§6.3.14.1): a write takes effect only with Update = 1, and the update is done at
   *  once, so Update reads 0. */
  private writeGbpa(v: number): string | void {
    if ((v & GBPA_UPDATE) === 0) return 'written without Update = 1: ignored (§6.3.14.1)';
    this.gbpa = v & GBPA_MASK;
    this.applyEnables();
  }

  /** GERRORN (§6.3.20): software acknowledges an error by making its bit equal GERROR's.
   *  Acknowledging CMDQ_ERR restarts consumption at CONS (§7.1: no PROD write needed). */
  private writeGerrorn(v: number): string | void {
    this.gerrorn = v & GERROR_MASK;
    const n = this.cmdq.process();
    if (n > 0) return `${n} command(s) consumed`;
  }

  private tableRegs(): [number, RegDef][] {
    return [
      [REG.STRTAB_BASE, {
        name: 'STRTAB_BASE', bytes: 8, read: () => this.strtabBase,
        write: (v) => this.writeStrtab(() => { this.strtabBase = v & (HINT_BIT | this.addrMask(6)); }),
      }],
      [REG.STRTAB_BASE_CFG, {
        name: 'STRTAB_BASE_CFG', bytes: 4, read: () => BigInt(this.strtabBaseCfg),
        write: (v) => this.writeStrtab(() => { this.strtabBaseCfg = Number(v) & STRTAB_BASE_CFG_MASK; }),
      }],
    ];
  }

  /** ADDR bits [OAS-1:low]: bits above the OAS are RES0 and need not be stored (§6.3.24). */
  private addrMask(low: number): bigint {
    return (1n << BigInt(this.smmu.oas)) - (1n << BigInt(low));
  }

  /** STRTAB_* (§6.3.24-25): guarded by SMMUEN; a write moves the SMMU's stream table (it does
   *  not invalidate cached STEs: that is CMD_CFGI_*'s job). */
  private writeStrtab(set: () => void): string | void {
    if (this.on(CR0_SMMUEN)) return 'guarded by SMMU_CR0.SMMUEN = 1 (§6.3.24): ignored';
    set();
    this.smmu.strtab = strtabFromRegs(this.strtabBase, this.strtabBaseCfg);
  }

  private queueRegs(): [number, RegDef][] {
    const q = this.cmdq, e = this.evtq;
    const qBase = (v: bigint) => v & (HINT_BIT | this.addrMask(5) | 0x1fn);
    return [
      [REG.CMDQ_BASE, { name: 'CMDQ_BASE', bytes: 8, read: () => q.base, write: (v) => this.guard(CR0_CMDQEN, () => { q.base = qBase(v); }) }],
      [REG.CMDQ_PROD, { name: 'CMDQ_PROD', bytes: 4, read: () => BigInt(q.prod), write: (v) => this.writeCmdqProd(Number(v)) }],
      [REG.CMDQ_CONS, { name: 'CMDQ_CONS', bytes: 4, read: () => BigInt(q.cons), write: (v) => this.guard(CR0_CMDQEN, () => { q.rd = qMask(Number(v), q.qs); }) }],
      [REG.EVENTQ_BASE, { name: 'EVENTQ_BASE', bytes: 8, read: () => e.base, write: (v) => this.guard(CR0_EVENTQEN, () => { e.base = qBase(v); }) }],
      [REG.EVENTQ_PROD, { name: 'EVENTQ_PROD', bytes: 4, read: () => BigInt(e.prod), write: (v) => this.guard(CR0_EVENTQEN, () => this.setEvtqProd(Number(v))) }],
      [REG.EVENTQ_CONS, { name: 'EVENTQ_CONS', bytes: 4, read: () => BigInt(e.cons), write: (v) => this.setEvtqCons(Number(v)) }],
      [0xa8, this.razWi('EVENTQ_PROD Page-0 alias')],
      [0xac, this.razWi('EVENTQ_CONS Page-0 alias')],
    ];
  }

  /** A write allowed only while the enable `bit` of CR0 is 0 (§6.3.26-29). */
  private guard(bit: number, set: () => void): string | void {
    if (this.on(bit)) return `guarded by SMMU_CR0.${bit === CR0_CMDQEN ? 'CMDQEN' : 'EVENTQEN'} = 1: ignored`;
    set();
  }

  /** CMDQ_PROD (§6.3.27): software publishes commands; the SMMU considers the queue at once. */
  private writeCmdqProd(v: number): string | void {
    this.cmdq.prod = v & Q_PTR_MASK;
    const n = this.cmdq.process();
    if (n > 0) return `${n} command(s) consumed`;
  }

  private setEvtqProd(v: number): void {
    this.evtq.wr = qMask(v, this.evtq.qs);
    this.evtq.ovflg = (v & Q_FLAG) !== 0 ? 1 : 0;
  }

  /** EVENTQ_CONS (§6.3.96): RD moves on as software consumes records; OVACKFLG = OVFLG
   *  acknowledges an overflow. */
  private setEvtqCons(v: number): void {
    this.evtq.rd = qMask(v, this.evtq.qs);
    this.evtq.ovackflg = (v & Q_FLAG) !== 0 ? 1 : 0;
  }

  private razWi(name: string): RegDef {
    return { name, bytes: 4, read: () => 0n, write: () => 'RAZ/WI here: EVENTQ_PROD/CONS are in Page 1, 0x100A8/0x100AC (§6.2.1)' };
  }

  /** Interrupt control and MSI configuration: held for software, never used (no interrupts). */
  private irqRegs(): [number, RegDef][] {
    const held = this.irqCfg;
    const reg = (name: string, bytes: 4 | 8, mask: bigint): RegDef => ({
      name, bytes, read: () => held.get(name) ?? 0n, write: (v) => { held.set(name, v & mask); },
    });
    const cfg0 = (1n << 56n) - 4n;   // *_IRQ_CFG0.ADDR[55:2] (§6.3.21)
    return [
      [REG.IRQ_CTRL, this.plain('IRQ_CTRL', () => this.irqCtrl, (v) => { this.irqCtrl = v & IRQ_CTRL_MASK; })],
      [REG.IRQ_CTRLACK, { name: 'IRQ_CTRLACK', bytes: 4, read: () => BigInt(this.irqCtrl) }],
      [REG.GERROR_IRQ_CFG0, reg('GERROR_IRQ_CFG0', 8, cfg0)],
      [REG.GERROR_IRQ_CFG1, reg('GERROR_IRQ_CFG1', 4, 0xffff_ffffn)],    // DATA[31:0] (§6.3.22)
      [REG.GERROR_IRQ_CFG2, reg('GERROR_IRQ_CFG2', 4, 0x3fn)],           // SH[5:4], MemAttr[3:0] (§6.3.23)
      [REG.EVENTQ_IRQ_CFG0, reg('EVENTQ_IRQ_CFG0', 8, cfg0)],
      [REG.EVENTQ_IRQ_CFG1, reg('EVENTQ_IRQ_CFG1', 4, 0xffff_ffffn)],
      [REG.EVENTQ_IRQ_CFG2, reg('EVENTQ_IRQ_CFG2', 4, 0x3fn)],
    ];
  }

  // ---- snapshots (sessions restore a state and replay from it) -------------------------------

  /** Every register and queue pointer as plain, structured-clone-able data. */
  snapshot(): RegistersState {
    const q = this.cmdq, e = this.evtq;
    return {
      cr0: this.cr0, cr0ack: this.cr0ack, cr1: this.cr1, cr2: this.cr2, gbpa: this.gbpa, irqCtrl: this.irqCtrl,
      gerror: this.gerror, gerrorn: this.gerrorn, strtabBase: this.strtabBase, strtabBaseCfg: this.strtabBaseCfg,
      irqCfg: [...this.irqCfg].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      cmdq: { base: q.base, prod: q.prod, rd: q.rd, err: q.err },
      evtq: { base: e.base, wr: e.wr, ovflg: e.ovflg, rd: e.rd, ovackflg: e.ovackflg },
    };
  }

  /** Put the registers back as `s` has them, and pass the stream table and the enables to the
   *  translation path as a register write would. Nothing is traced and no command consumed. */
  restore(s: RegistersState): void {
    this.cr0 = s.cr0; this.cr0ack = s.cr0ack; this.cr1 = s.cr1; this.cr2 = s.cr2; this.gbpa = s.gbpa;
    this.irqCtrl = s.irqCtrl; this.gerror = s.gerror; this.gerrorn = s.gerrorn;
    this.strtabBase = s.strtabBase; this.strtabBaseCfg = s.strtabBaseCfg;
    this.irqCfg.clear();
    for (const [k, v] of s.irqCfg) this.irqCfg.set(k, v);
    Object.assign(this.cmdq, s.cmdq);
    Object.assign(this.evtq, s.evtq);
    this.smmu.strtab = strtabFromRegs(this.strtabBase, this.strtabBaseCfg);
    this.applyEnables();
  }
}
