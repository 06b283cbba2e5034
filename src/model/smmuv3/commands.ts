// SMMUv3 commands (SMMUv3 §4; primer §2.8): the opcode table, one field table, an encoder for
// tests and lab programs, and what each command does to this SMMU's caches.
//
// Field positions: the command figures in §4 are images in our copy of the spec, so positions
// come from Linux `drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h` (CMDQ_*), SSec from QEMU
// `hw/arm/smmuv3-internal.h` (CMD_SSEC); §4.4.1.1 gives NUM, SCALE, TG and TTL in the text,
// and the CMD_TLBI_NH_ASID figure (§4.4.2.2) is a table. docs/spec-notes.md §9 lists them.
//
// Choices this model makes where §4 leaves one to the implementation:
// - Reserved (RES0) fields are ignored, not checked (§4.1.5 allows either). NUM, SCALE, TG
//   and TTL are RES0 here because SMMU_IDR3.RIL = 0 (§4.4.1.1): software must leave them 0;
//   a non-zero value is ignored (only the one address is invalidated) and the trace says so.
// - The TLB holds only last-level entries (no walk cache), so Leaf never narrows a TLBI.
// - No configuration structure is cached but the STE and CDs: Leaf = 0 (L1STD, L1CD) adds nothing.

import { field, fieldBig, setField } from '../bits';
import type { CmdEvent, InvEvent } from '../trace';
import type { Smmu } from './smmu';
import { covers, tlbVa, type TlbEntry } from './tlb';

/** A command: two little-endian 64-bit words (§4.1.1: every command is 16 bytes). */
export type CmdWords = readonly [bigint, bigint];

/** Opcodes (§4.1.1 table). CMD_CFGI_ALL is CMD_CFGI_STE_RANGE with Range = 31 (§4.3.6): opcode
 *  0x04, not QEMU's enum value 0x07, which the spec gives to CMD_CFGI_VMS_PIDM (primer §7.1). */
export const CMD = {
  CMD_PREFETCH_CONFIG: 0x01, CMD_PREFETCH_ADDR: 0x02, CMD_CFGI_STE: 0x03, CMD_CFGI_STE_RANGE: 0x04,
  CMD_CFGI_CD: 0x05, CMD_CFGI_CD_ALL: 0x06, CMD_CFGI_VMS_PIDM: 0x07,
  CMD_TLBI_NH_ALL: 0x10, CMD_TLBI_NH_ASID: 0x11, CMD_TLBI_NH_VA: 0x12, CMD_TLBI_NH_VAA: 0x13,
  CMD_TLBI_EL3_ALL: 0x18, CMD_TLBI_EL3_VA: 0x1a,
  CMD_TLBI_EL2_ALL: 0x20, CMD_TLBI_EL2_ASID: 0x21, CMD_TLBI_EL2_VA: 0x22, CMD_TLBI_EL2_VAA: 0x23,
  CMD_TLBI_S12_VMALL: 0x28, CMD_TLBI_S2_IPA: 0x2a, CMD_TLBI_NSNH_ALL: 0x30,
  CMD_ATC_INV: 0x40, CMD_PRI_RESP: 0x41, CMD_RESUME: 0x44, CMD_STALL_TERM: 0x45, CMD_SYNC: 0x46,
  CMD_TLBI_S_EL2_ALL: 0x50, CMD_TLBI_S_EL2_ASID: 0x51, CMD_TLBI_S_EL2_VA: 0x52, CMD_TLBI_S_EL2_VAA: 0x53,
  CMD_TLBI_S_S12_VMALL: 0x58, CMD_TLBI_S_S2_IPA: 0x5a, CMD_TLBI_SNH_ALL: 0x60,
  CMD_DPTI_ALL: 0x70, CMD_DPTI_PA: 0x73,
} as const;
export type CmdName = keyof typeof CMD;

const NAME_OF = new Map<number, CmdName>(Object.entries(CMD).map(([k, v]) => [v, k as CmdName]));

/** SMMU_CMDQ_CONS.ERR codes (§7.1 table). */
export const CERROR = { NONE: 0x00, ILL: 0x01, ABT: 0x02, ATC_INV_SYNC: 0x03 } as const;

/** CMD_SYNC CS (ComplSignal, §4.7.3). */
export const CS = { SIG_NONE: 0b00, SIG_IRQ: 0b01, SIG_SEV: 0b10 } as const;

// ---- fields ------------------------------------------------------------------------------

/** Every command field once: [dword, hi, lo]. Address fields hold the address's own bits. */
export const CMD_FIELD = {
  Opcode: [0, 7, 0],
  SSec: [0, 10, 10],            // QEMU CMD_SSEC; must be 0 on the Non-secure queue (§4.1.6)
  SSV: [0, 11, 11],             // Linux CMDQ_0_SSV
  SubstreamID: [0, 31, 12],     // CMDQ_CFGI_0_SSID, CMDQ_PREFETCH_0_SSID
  StreamID: [0, 63, 32],        // CMDQ_CFGI_0_SID
  NUM: [0, 16, 12],             // CMDQ_TLBI_0_NUM; §4.4.1.1
  SCALE: [0, 24, 20],           // CMDQ_TLBI_0_SCALE; bits [24:20] since IDR5.DS = 0 (§4.4.1.1)
  VMID: [0, 47, 32],            // CMDQ_TLBI_0_VMID; §4.4.2.2 figure
  ASID: [0, 63, 48],            // CMDQ_TLBI_0_ASID; §4.4.2.2 figure
  CS: [0, 13, 12],              // CMDQ_SYNC_0_CS
  MSH: [0, 23, 22],             // CMDQ_SYNC_0_MSH
  MSIAttr: [0, 27, 24],         // CMDQ_SYNC_0_MSIATTR
  MSIData: [0, 63, 32],         // CMDQ_SYNC_0_MSIDATA
  Leaf: [1, 0, 0],              // CMDQ_CFGI_1_LEAF, CMDQ_TLBI_1_LEAF
  Range: [1, 4, 0],             // CMDQ_CFGI_1_RANGE
  Size: [1, 4, 0],              // CMDQ_PREFETCH_1_SIZE
  TTL: [1, 9, 8],               // CMDQ_TLBI_1_TTL; command bits [73:72] (§4.4.1.1)
  TG: [1, 11, 10],              // CMDQ_TLBI_1_TG; command bits [75:74] (§4.4.1.1)
  Address: [1, 63, 12],         // VA[63:12] (§4.1.6); CMDQ_TLBI_1_VA_MASK
  IPA: [1, 51, 12],             // IPA[51:12]; [55:52] RES0 in SMMUv3.1 (§4.1.6); CMDQ_TLBI_1_IPA_MASK
  MSIAddress: [1, 51, 2],       // MSIAddress[51:2]; [55:52] RES0 in SMMUv3.1; CMDQ_SYNC_1_MSIADDR_MASK
} as const;
export type CmdFieldName = keyof typeof CMD_FIELD;

const ADDRESS_FIELDS: ReadonlySet<CmdFieldName> = new Set(['Address', 'IPA', 'MSIAddress']);

/** A field's value; address fields give the address (low bits zero). */
export function cmdField(c: CmdWords, f: CmdFieldName): bigint {
  const [dw, hi, lo] = CMD_FIELD[f];
  const v = fieldBig(c[dw], hi, lo);
  return ADDRESS_FIELDS.has(f) ? v << BigInt(lo) : v;
}

export const CMD_Opcode = (c: CmdWords) => field(c[0], 7, 0);
export const CMD_SSec = (c: CmdWords) => Number(cmdField(c, 'SSec'));
export const CMD_SSV = (c: CmdWords) => Number(cmdField(c, 'SSV'));
export const CMD_SubstreamID = (c: CmdWords) => Number(cmdField(c, 'SubstreamID'));
export const CMD_StreamID = (c: CmdWords) => Number(cmdField(c, 'StreamID'));
export const CMD_NUM = (c: CmdWords) => Number(cmdField(c, 'NUM'));
export const CMD_SCALE = (c: CmdWords) => Number(cmdField(c, 'SCALE'));
export const CMD_VMID = (c: CmdWords) => Number(cmdField(c, 'VMID'));
export const CMD_ASID = (c: CmdWords) => Number(cmdField(c, 'ASID'));
export const CMD_CS = (c: CmdWords) => Number(cmdField(c, 'CS'));
export const CMD_MSIData = (c: CmdWords) => Number(cmdField(c, 'MSIData'));
export const CMD_Leaf = (c: CmdWords) => Number(cmdField(c, 'Leaf'));
export const CMD_Range = (c: CmdWords) => Number(cmdField(c, 'Range'));
export const CMD_TTL = (c: CmdWords) => Number(cmdField(c, 'TTL'));
export const CMD_TG = (c: CmdWords) => Number(cmdField(c, 'TG'));
export const CMD_Address = (c: CmdWords) => cmdField(c, 'Address');
export const CMD_IPA = (c: CmdWords) => Number(cmdField(c, 'IPA'));
export const CMD_MSIAddress = (c: CmdWords) => Number(cmdField(c, 'MSIAddress'));

/** The fields each command carries besides its opcode (§4.2-4.7). Commands this SMMU rejects
 *  with CERROR_ILL carry none here: their layouts are never read. CMD_PREFETCH_ADDR's Stride
 *  and NS are left out: Linux does not define them and the prefetch is a no-op here. */
export const CMD_LAYOUT: Partial<Record<CmdName, readonly CmdFieldName[]>> = {
  CMD_PREFETCH_CONFIG: ['SSec', 'SSV', 'SubstreamID', 'StreamID'],
  CMD_PREFETCH_ADDR: ['SSec', 'SSV', 'SubstreamID', 'StreamID', 'Size', 'Address'],
  CMD_CFGI_STE: ['SSec', 'StreamID', 'Leaf'],
  CMD_CFGI_STE_RANGE: ['SSec', 'StreamID', 'Range'],
  CMD_CFGI_CD: ['SSec', 'SubstreamID', 'StreamID', 'Leaf'],
  CMD_CFGI_CD_ALL: ['SSec', 'StreamID'],
  CMD_TLBI_NH_ALL: ['VMID'],
  CMD_TLBI_NH_ASID: ['VMID', 'ASID'],
  CMD_TLBI_NH_VA: ['NUM', 'SCALE', 'VMID', 'ASID', 'Leaf', 'TTL', 'TG', 'Address'],
  CMD_TLBI_NH_VAA: ['NUM', 'SCALE', 'VMID', 'Leaf', 'TTL', 'TG', 'Address'],
  CMD_TLBI_S12_VMALL: ['VMID'],
  CMD_TLBI_S2_IPA: ['NUM', 'SCALE', 'VMID', 'Leaf', 'TTL', 'TG', 'IPA'],
  CMD_TLBI_NSNH_ALL: [],
  CMD_SYNC: ['CS', 'MSH', 'MSIAttr', 'MSIData', 'MSIAddress'],
};

/** A command's name; CMD_CFGI_STE_RANGE with Range = 31 shows as CMD_CFGI_ALL (§4.3.6). */
export function cmdName(c: CmdWords): string {
  const op = CMD_Opcode(c);
  const name = NAME_OF.get(op);
  if (name === 'CMD_CFGI_STE_RANGE' && CMD_Range(c) === 31) return 'CMD_CFGI_ALL';
  if (name !== undefined) return name;
  return op >= 0x80 && op <= 0x8f ? `IMPDEF_0x${op.toString(16)}` : `Reserved_0x${op.toString(16).padStart(2, '0')}`;
}

// ---- encoder -----------------------------------------------------------------------------

/** A command to encode: fields by their lower-case names. `addr` is the VA (Address) or, for
 *  CMD_TLBI_S2_IPA, the IPA; its low 12 bits are dropped as the command does (§4.1.6). */
export interface CmdSpec {
  op: CmdName | 'CMD_CFGI_ALL';
  sid?: number; ssid?: number; ssv?: boolean | number; ssec?: boolean | number;
  leaf?: boolean | number; range?: number; size?: number;
  vmid?: number; asid?: number; addr?: bigint | number;
  num?: number; scale?: number; ttl?: number; tg?: number;
  cs?: number; msh?: number; msiAttr?: number; msiData?: number; msiAddr?: bigint | number;
}

const SPEC_FIELD: Record<Exclude<keyof CmdSpec, 'op' | 'addr'>, CmdFieldName> = {
  sid: 'StreamID', ssid: 'SubstreamID', ssv: 'SSV', ssec: 'SSec', leaf: 'Leaf', range: 'Range', size: 'Size',
  vmid: 'VMID', asid: 'ASID', num: 'NUM', scale: 'SCALE', ttl: 'TTL', tg: 'TG',
  cs: 'CS', msh: 'MSH', msiAttr: 'MSIAttr', msiData: 'MSIData', msiAddr: 'MSIAddress',
};

/** The two words of a command. Throws on a field the command does not have or a value that
 *  does not fit it, so a lab program's mistake is named rather than silently truncated. */
export function encodeCmd(spec: CmdSpec): [bigint, bigint] {
  const op: CmdName = spec.op === 'CMD_CFGI_ALL' ? 'CMD_CFGI_STE_RANGE' : spec.op;
  const layout = CMD_LAYOUT[op] ?? [];
  const w: [bigint, bigint] = [BigInt(CMD[op]), 0n];
  const put = (f: CmdFieldName, v: bigint | number | boolean) => {
    if (!layout.includes(f)) throw new RangeError(`encodeCmd: ${spec.op} has no ${f} field`);
    const [dw, hi, lo] = CMD_FIELD[f];
    let val = typeof v === 'boolean' ? BigInt(v) : BigInt(v);
    if (ADDRESS_FIELDS.has(f)) val >>= BigInt(lo);
    if (val < 0n || val >= 1n << BigInt(hi - lo + 1)) throw new RangeError(`encodeCmd: ${f} = ${v} does not fit bits [${hi}:${lo}]`);
    w[dw] = setField(w[dw], hi, lo, val);
  };
  for (const [k, f] of Object.entries(SPEC_FIELD) as [keyof typeof SPEC_FIELD, CmdFieldName][]) {
    const v = spec[k];
    if (v !== undefined) put(f, v);
  }
  if (spec.addr !== undefined) put(layout.includes('IPA') ? 'IPA' : 'Address', BigInt.asUintN(64, BigInt(spec.addr)));
  if (spec.op === 'CMD_CFGI_ALL') put('Range', 31);
  return w;
}

// ---- legality (§4.1.3, §7.1) --------------------------------------------------------------

/** Defined opcodes that this SMMU must reject, and why (each command's section says when it is
 *  CERROR_ILL; the SMMU: SMMUv3.1, Hyp = 0, no ATS/PRI, STALL_MODEL = 0b01, no MPAM, no DPT,
 *  no Secure state, so this is the Non-secure Command queue). */
const ILLEGAL_HERE: Partial<Record<CmdName, string>> = {
  CMD_CFGI_VMS_PIDM: 'SMMU_IDR3.MPAM = 0 (§4.3.5)',
  CMD_TLBI_EL3_ALL: 'EL3 invalidation is valid only on the Secure Command queue (§4.4.2.5)',
  CMD_TLBI_EL3_VA: 'EL3 invalidation is valid only on the Secure Command queue (§4.4.2.6)',
  CMD_TLBI_EL2_ALL: 'SMMU_IDR0.Hyp = 0 (§4.4.2.7)',
  CMD_TLBI_EL2_ASID: 'SMMU_IDR0.Hyp = 0 (§4.4.2.10)',
  CMD_TLBI_EL2_VA: 'SMMU_IDR0.Hyp = 0 (§4.4.2.8)',
  CMD_TLBI_EL2_VAA: 'SMMU_IDR0.Hyp = 0 (§4.4.2.9)',
  CMD_ATC_INV: 'SMMU_IDR0.ATS = 0 (§4.5.1)',
  CMD_PRI_RESP: 'SMMU_IDR0.PRI = 0 (§4.5.2)',
  CMD_RESUME: 'SMMU_IDR0.STALL_MODEL = 0b01: no stalls (§4.7.1)',
  CMD_STALL_TERM: 'SMMU_IDR0.STALL_MODEL = 0b01: no stalls (§4.7.2)',
  CMD_TLBI_S_EL2_ALL: 'a Secure command on the Non-secure Command queue (§4.4.2.11)',
  CMD_TLBI_S_EL2_ASID: 'a Secure command on the Non-secure Command queue (§4.4.2.14)',
  CMD_TLBI_S_EL2_VA: 'a Secure command on the Non-secure Command queue (§4.4.2.12)',
  CMD_TLBI_S_EL2_VAA: 'a Secure command on the Non-secure Command queue (§4.4.2.13)',
  CMD_TLBI_S_S12_VMALL: 'a Secure command on the Non-secure Command queue (§4.4.3.4)',
  CMD_TLBI_S_S2_IPA: 'a Secure command on the Non-secure Command queue (§4.4.3.3)',
  CMD_TLBI_SNH_ALL: 'a Secure command on the Non-secure Command queue (§4.4.4.2)',
  CMD_DPTI_ALL: 'SMMU_IDR3.DPT = 0 (§4.6.1)',
  CMD_DPTI_PA: 'SMMU_IDR3.DPT = 0 (§4.6.2)',
};

/** Why the command is CERROR_ILL on this SMMU, or null if it is legal. */
export function illegalWhy(c: CmdWords): string | null {
  const name = NAME_OF.get(CMD_Opcode(c));
  if (name === undefined) return `${cmdName(c)}: a Reserved opcode (§4.1.1, §4.1.3)`;
  const here = ILLEGAL_HERE[name];
  if (here !== undefined) return here;
  if (CMD_LAYOUT[name]?.includes('SSec') && CMD_SSec(c) === 1) return 'SSec = 1 on the Non-secure Command queue (§4.1.6)';
  if (name === 'CMD_SYNC' && CMD_CS(c) === 0b11) return 'CMD_SYNC with CS = 0b11, Reserved (§4.7.3)';
  return null;
}

// ---- execution ---------------------------------------------------------------------------

/** What a legal command did, for the trace. */
interface Effect {
  inv: InvEvent[];
  note?: string;
  msi?: { addr: number; data: number };
}

/** Check, execute and trace one command (`index`: its queue slot, for the trace). Returns null
 *  when consumed, or why it is CERROR_ILL (the queue then stops on it, §7.1). */
export function runCommand(smmu: Smmu, c: CmdWords, index: number): string | null {
  const ev: CmdEvent = { type: 'smmu.cmd', index, opcode: CMD_Opcode(c), name: cmdName(c), dw0: c[0], dw1: c[1] };
  const why = illegalWhy(c);
  if (why !== null) {
    ev.error = `CERROR_ILL: ${why}`;
    smmu.trace?.push(ev);
    return why;
  }
  const fx = execute(smmu, c, ev.name);
  if (fx.note !== undefined) ev.note = fx.note;
  if (fx.msi !== undefined) ev.msi = fx.msi;
  smmu.trace?.push(ev, ...fx.inv);
  return null;
}

/** Apply a legal command to the SMMU's caches (or memory, for a CMD_SYNC MSI). */
function execute(smmu: Smmu, c: CmdWords, by: string): Effect {
  const vmid = CMD_VMID(c), asid = CMD_ASID(c);
  switch (NAME_OF.get(CMD_Opcode(c))) {
    case 'CMD_CFGI_STE': return cfgi(smmu, by, CMD_StreamID(c), 1);
    case 'CMD_CFGI_STE_RANGE': return cfgiRange(smmu, by, CMD_StreamID(c), CMD_Range(c));
    case 'CMD_CFGI_CD': return cfgiCd(smmu, by, CMD_StreamID(c), CMD_SubstreamID(c));
    case 'CMD_CFGI_CD_ALL': return cfgiCd(smmu, by, CMD_StreamID(c), -1);
    case 'CMD_TLBI_NH_ALL': return tlbi(smmu, by, (e) => e.kind === 'S1S2' && e.vmid === vmid);
    case 'CMD_TLBI_NH_ASID': return tlbi(smmu, by, (e) => e.kind === 'S1S2' && e.vmid === vmid && e.asid === asid);
    case 'CMD_TLBI_NH_VA': return tlbiVa(smmu, by, c, asid);
    case 'CMD_TLBI_NH_VAA': return tlbiVa(smmu, by, c, -2);
    case 'CMD_TLBI_S12_VMALL': return tlbi(smmu, by, (e) => e.vmid === vmid);
    case 'CMD_TLBI_S2_IPA': return tlbiIpa(smmu, by, c);
    case 'CMD_TLBI_NSNH_ALL': return tlbi(smmu, by, () => true);
    case 'CMD_SYNC': return sync(smmu, c);
    default: return { inv: [], note: 'a prefetch hint: nothing is prefetched (§4.2 permits this)' };
  }
}

function tlbi(smmu: Smmu, by: string, pred: (e: TlbEntry) => boolean, note?: string): Effect {
  const removed = smmu.tlb.invalidate(pred);
  return { inv: [{ type: 'smmu.inv', cache: 'tlb', removed, by }], note };
}

/** NH_VA (asid >= 0): the ASID's entries and the global ones covering the VA (VA{L}E1, §4.4.2.4).
 *  NH_VAA (asid = -2): every ASID's (VAA{L}E1, §4.4.2.3). Stage-1 and combined entries only.
 *  The TLB is keyed by VA[47:0] and the TTB half (smmu.ts tlbVa), so the address is cut the same way. */
function tlbiVa(smmu: Smmu, by: string, c: CmdWords, asid: number): Effect {
  const vmid = CMD_VMID(c);
  const addr = CMD_Address(c);
  const va = tlbVa(Number(addr & 0xffff_ffff_ffffn), Number((addr >> 55n) & 1n));
  return tlbi(smmu, by, (e) => e.kind === 'S1S2' && e.vmid === vmid && (asid === -2 || e.asid === asid || e.asid === -1) &&
    covers(e, va), rangeNote(c));
}

/** S2_IPA: stage-2 entries (kind 'S2') of the VMID covering the IPA (IPAS2{L}E1, §4.4.3.1). Not
 *  combined stage-1+2 entries: the spec does not require it, so after changing a stage-2
 *  mapping under a nested stream software also needs NH_ALL or NH_VAA (or S12_VMALL). */
function tlbiIpa(smmu: Smmu, by: string, c: CmdWords): Effect {
  const vmid = CMD_VMID(c), ipa = CMD_IPA(c);
  return tlbi(smmu, by, (e) => e.kind === 'S2' && e.vmid === vmid && covers(e, ipa), rangeNote(c));
}

/** NUM, SCALE, TG and TTL are RES0 with SMMU_IDR3.RIL = 0 (§4.4.1.1): ignored, but said. */
function rangeNote(c: CmdWords): string | undefined {
  if ((CMD_NUM(c) | CMD_SCALE(c) | CMD_TG(c) | CMD_TTL(c)) === 0) return undefined;
  return 'NUM/SCALE/TG/TTL are RES0 (SMMU_IDR3.RIL = 0): ignored, only the one address is invalidated';
}

/** Drop the cached STE and its CDs for SIDs [first, first + count) (CFGI_STE, §4.3.1: the STE
 *  and every CD cached through it). Counts each STE and CD removed. */
function cfgi(smmu: Smmu, by: string, first: number, count: number): Effect {
  let removed = 0;
  for (const [sid, s] of smmu.cfgCache) {
    if (sid < first || sid >= first + count) continue;
    removed += 1 + s.cds.size;
    smmu.cfgCache.delete(sid);
  }
  return { inv: [{ type: 'smmu.inv', cache: 'cfg', removed, by }] };
}

/** 2^(Range+1) StreamIDs aligned to their size: the low Range+1 bits of StreamID are ignored
 *  (§4.3.2); Range = 31 covers all 2^32, CMD_CFGI_ALL (§4.3.6). */
function cfgiRange(smmu: Smmu, by: string, sid: number, range: number): Effect {
  const span = 2 ** (range + 1);
  return cfgi(smmu, by, sid - (sid % span), span);
}

/** One CD (index = SubstreamID, §4.3.3) or, with index -1, all CDs of the StreamID (§4.3.4). */
function cfgiCd(smmu: Smmu, by: string, sid: number, index: number): Effect {
  const cds = smmu.cfgCache.get(sid)?.cds;
  let removed = 0;
  if (cds !== undefined) {
    if (index < 0) { removed = cds.size; cds.clear(); } else if (cds.delete(index)) removed = 1;
  }
  return { inv: [{ type: 'smmu.inv', cache: 'cfg', removed, by }] };
}

/** CMD_SYNC (§4.7.3). Commands complete as they are consumed here, so a SYNC only signals.
 *  SIG_IRQ with MSIAddress != 0 writes MSIData as one 32-bit word at MSIAddress truncated to
 *  the OAS (SMMU_IDR0.MSI = 1); memory is 64-bit words, so the other half is kept. SIG_SEV
 *  is SIG_NONE because SMMU_IDR0.SEV = 0. */
function sync(smmu: Smmu, c: CmdWords): Effect {
  if (CMD_CS(c) === CS.SIG_SEV) return { inv: [], note: 'SIG_SEV sends no event: SMMU_IDR0.SEV = 0' };
  if (CMD_CS(c) !== CS.SIG_IRQ || CMD_MSIAddress(c) === 0) return { inv: [] };
  const addr = CMD_MSIAddress(c) % 2 ** smmu.oas;
  const data = CMD_MSIData(c);
  const word = BigInt(addr - (addr % 8));
  const old = smmu.mem.load64(word);
  const v = addr % 8 === 4 ? (old & 0xffff_ffffn) | (BigInt(data) << 32n) : (old & ~0xffff_ffffn) | BigInt(data);
  smmu.mem.store64(word, v);
  return { inv: [], msi: { addr, data } };
}
