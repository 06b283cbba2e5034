// ITS commands: 32-byte entries (four little-endian 64-bit words) in the command queue (GICv3
// spec, "ITS commands"; primer §5.1). The opcode table, one field table, an encoder for tests and
// lab programs, and the command error codes.
//
// Opcodes: Linux `include/linux/irqchip/arm-gic-v3.h` GITS_CMD_* (QEMU gicv3_internal.h has the
// same). Field positions: Linux irq-gic-v3-its.c its_encode_* (its_mask_encode(raw_cmd[w], val,
// hi, lo)), and QEMU's decoders for the fields Linux never encodes (MOVALL's RDbase2:
// FIELD(MOVALL_3, RDBASE2, 16, 36)).

import { fieldBig, setField } from '../bits';

/** Four words: every ITS command is 32 bytes (QEMU GITS_CMDQ_ENTRY_SIZE; Linux its_cmd_block). */
export type ItsCmdWords = readonly [bigint, bigint, bigint, bigint];
export const ITS_CMD_BYTES = 32;

/** GICv3 ITS commands (Linux GITS_CMD_*). */
export const ITS_CMD = {
  MOVI: 0x01, INT: 0x03, CLEAR: 0x04, SYNC: 0x05, MAPD: 0x08, MAPC: 0x09, MAPTI: 0x0a, MAPI: 0x0b,
  INV: 0x0c, INVALL: 0x0d, MOVALL: 0x0e, DISCARD: 0x0f,
} as const;
export type ItsCmdName = keyof typeof ITS_CMD;

/** GICv4 commands (Linux GITS_CMD_GICv4(x) = x | 0x20): ignored by this GICv3 ITS
 *  (GITS_TYPER.Virtual = 0; QEMU returns CMD_CONTINUE for each when !its_feature_virtual). */
export const ITS_CMD_V4 = {
  VMOVI: 0x21, VMOVP: 0x22, VSGI: 0x23, VSYNC: 0x25, VMAPP: 0x29, VMAPTI: 0x2a, VMAPI: 0x2b, VINVALL: 0x2d, INVDB: 0x2e,
} as const;

const NAME_OF = new Map<number, string>([...Object.entries(ITS_CMD), ...Object.entries(ITS_CMD_V4)].map(([k, v]) => [v, k]));

/** A command's name: the spec's (MAPTI, VMAPP ...), or Reserved_0xNN. */
export function itsCmdName(op: number): string {
  return NAME_OF.get(op) ?? `Reserved_0x${op.toString(16).padStart(2, '0')}`;
}

// ---- fields -------------------------------------------------------------------------------------

/** Every field once: [word, hi, lo]. ITT_addr is an address field: it holds the address's own
 *  bits [51:8] (its_encode_itt encodes itt_addr >> 8 at [51:8]). RDbase holds the target
 *  Redistributor: with GITS_TYPER.PTA = 0 its processor number (Linux sets target_address =
 *  cpu << 16 and its_encode_target encodes target_address >> 16 at [51:16]). */
export const ITS_CMD_FIELD = {
  Opcode: [0, 7, 0],        // its_encode_cmd
  DeviceID: [0, 63, 32],    // its_encode_devid
  EventID: [1, 31, 0],      // its_encode_event_id
  pINTID: [1, 63, 32],      // its_encode_phys_id
  Size: [1, 4, 0],          // its_encode_size: EventID bits - 1
  ITT_addr: [2, 51, 8],     // its_encode_itt
  V: [2, 63, 63],           // its_encode_valid
  RDbase: [2, 51, 16],      // its_encode_target; MOVALL's RDbase1 (QEMU MOVALL_2 RDBASE1)
  ICID: [2, 15, 0],         // its_encode_collection
  RDbase2: [3, 51, 16],     // QEMU MOVALL_3 RDBASE2
} as const;
export type ItsCmdFieldName = keyof typeof ITS_CMD_FIELD;

/** A field's value (ITT_addr: the address, low 8 bits zero). */
export function itsCmdField(c: ItsCmdWords, f: ItsCmdFieldName): number {
  const [w, hi, lo] = ITS_CMD_FIELD[f];
  const v = fieldBig(c[w], hi, lo);
  return Number(f === 'ITT_addr' ? v << BigInt(lo) : v);
}

export const CMD_Opcode = (c: ItsCmdWords) => itsCmdField(c, 'Opcode');
export const CMD_DeviceID = (c: ItsCmdWords) => itsCmdField(c, 'DeviceID');
export const CMD_EventID = (c: ItsCmdWords) => itsCmdField(c, 'EventID');
export const CMD_pINTID = (c: ItsCmdWords) => itsCmdField(c, 'pINTID');
export const CMD_Size = (c: ItsCmdWords) => itsCmdField(c, 'Size');
export const CMD_ITT_addr = (c: ItsCmdWords) => itsCmdField(c, 'ITT_addr');
export const CMD_V = (c: ItsCmdWords) => itsCmdField(c, 'V');
export const CMD_RDbase = (c: ItsCmdWords) => itsCmdField(c, 'RDbase');
export const CMD_ICID = (c: ItsCmdWords) => itsCmdField(c, 'ICID');
export const CMD_RDbase2 = (c: ItsCmdWords) => itsCmdField(c, 'RDbase2');

/** The fields each command carries besides its opcode (the its_build_*_cmd builders; MOVALL from
 *  QEMU process_movall). MAPI is MAPTI without pINTID: the LPI is the EventID. */
export const ITS_CMD_LAYOUT: Record<ItsCmdName, readonly ItsCmdFieldName[]> = {
  MOVI: ['DeviceID', 'EventID', 'ICID'],
  INT: ['DeviceID', 'EventID'],
  CLEAR: ['DeviceID', 'EventID'],
  SYNC: ['RDbase'],
  MAPD: ['DeviceID', 'Size', 'ITT_addr', 'V'],
  MAPC: ['ICID', 'RDbase', 'V'],
  MAPTI: ['DeviceID', 'EventID', 'pINTID', 'ICID'],
  MAPI: ['DeviceID', 'EventID', 'ICID'],
  INV: ['DeviceID', 'EventID'],
  INVALL: ['ICID'],
  MOVALL: ['RDbase', 'RDbase2'],
  DISCARD: ['DeviceID', 'EventID'],
};

// ---- encoder ------------------------------------------------------------------------------------

/** A command to encode, fields by lower-case name: `itt` the ITT's address (256-byte aligned),
 *  `size` the MAPD Size field (EventID bits - 1: Linux passes ilog2(nr_ites) - 1), `intid` the
 *  pINTID, `rdbase` the target's processor number (MOVALL: the source), `rdbase2` MOVALL's
 *  destination. */
export interface ItsCmdSpec {
  op: ItsCmdName;
  deviceId?: number; eventId?: number; intid?: number; size?: number; itt?: number | bigint;
  valid?: boolean | number; icid?: number; rdbase?: number; rdbase2?: number;
}

const SPEC_FIELD: Record<Exclude<keyof ItsCmdSpec, 'op'>, ItsCmdFieldName> = {
  deviceId: 'DeviceID', eventId: 'EventID', intid: 'pINTID', size: 'Size', itt: 'ITT_addr',
  valid: 'V', icid: 'ICID', rdbase: 'RDbase', rdbase2: 'RDbase2',
};

/** The four words of a command. Throws on a field the command does not have, a value that does
 *  not fit its bits, or an ITT address that is not 256-byte aligned, so a lab program's mistake
 *  is named rather than silently truncated. */
export function encodeItsCmd(spec: ItsCmdSpec): [bigint, bigint, bigint, bigint] {
  const layout = ITS_CMD_LAYOUT[spec.op];
  const w: [bigint, bigint, bigint, bigint] = [BigInt(ITS_CMD[spec.op]), 0n, 0n, 0n];
  for (const [k, f] of Object.entries(SPEC_FIELD) as [keyof typeof SPEC_FIELD, ItsCmdFieldName][]) {
    const v = spec[k];
    if (v === undefined) continue;
    if (!layout.includes(f)) throw new RangeError(`encodeItsCmd: ${spec.op} has no ${f} field`);
    const [dw, hi, lo] = ITS_CMD_FIELD[f];
    let val = BigInt(typeof v === 'boolean' ? Number(v) : v);
    if (f === 'ITT_addr') {
      if (val % 256n !== 0n) throw new RangeError(`encodeItsCmd: ITT address 0x${val.toString(16)} is not 256-byte aligned`);
      val >>= BigInt(lo);
    }
    if (val < 0n || val >= 1n << BigInt(hi - lo + 1)) throw new RangeError(`encodeItsCmd: ${f} = ${v} does not fit bits [${hi}:${lo}]`);
    w[dw] = setField(w[dw], hi, lo, val);
  }
  return w;
}

// ---- command errors -------------------------------------------------------------------------------

/** Command error kinds. An error is encoded 0x01_CC_EE: CC the command (its opcode, but for
 *  CLEAR, opcode 0x04, whose errors are 0x0105EE), EE the kind
 *  (Linux's E_ITS_* list: E_ITS_MAPD_DEVICE_OOR 0x010801, E_ITS_MAPD_ITTSIZE_OOR 0x010802,
 *  E_ITS_MAPC_PROCNUM_OOR 0x010902, E_ITS_MAPC_COLLECTION_OOR 0x010903,
 *  E_ITS_MAPTI_UNMAPPED_DEVICE 0x010a04, E_ITS_MAPTI_ID_OOR 0x010a05,
 *  E_ITS_MAPTI_PHYSICALID_OOR 0x010a06, E_ITS_MOVI_UNMAPPED_INTERRUPT 0x010107,
 *  E_ITS_MOVI_UNMAPPED_COLLECTION 0x010109, E_ITS_INT_UNMAPPED_INTERRUPT 0x010307,
 *  E_ITS_CLEAR_UNMAPPED_INTERRUPT 0x010507, E_ITS_INV_UNMAPPED_INTERRUPT 0x010c07,
 *  E_ITS_INVALL_UNMAPPED_COLLECTION 0x010d09, E_ITS_MOVALL_PROCNUM_OOR 0x010e01,
 *  E_ITS_DISCARD_UNMAPPED_INTERRUPT 0x010f07; the GIC-600AE TRM's table of ITS command and
 *  translation errors adds DEVICE_OOR 01, COLLECTION_OOR 03, UNMAPPED_DEVICE 04 and ID_OOR 05 for
 *  MOVI, INT, CLEAR, INV and MAPI). Codes for other commands are formed the same way. */
export type ItsErrorKind =
  | 'DEVICE_OOR' | 'ITTSIZE_OOR' | 'PROCNUM_OOR' | 'COLLECTION_OOR' | 'UNMAPPED_DEVICE' | 'ID_OOR'
  | 'PHYSICALID_OOR' | 'UNMAPPED_INTERRUPT' | 'UNMAPPED_COLLECTION';

const ERROR_NUMBER: Record<ItsErrorKind, number> = {
  DEVICE_OOR: 0x01, ITTSIZE_OOR: 0x02, PROCNUM_OOR: 0x02, COLLECTION_OOR: 0x03, UNMAPPED_DEVICE: 0x04,
  ID_OOR: 0x05, PHYSICALID_OOR: 0x06, UNMAPPED_INTERRUPT: 0x07, UNMAPPED_COLLECTION: 0x09,
};

/** The error's name and code: E_ITS_<command>_<kind>. CLEAR's errors carry 0x05, not its opcode
 *  0x04 (Linux E_ITS_CLEAR_UNMAPPED_INTERRUPT 0x010507; GIC-600AE CLEAR_DEVICE_OOR 0x10501).
 *  MOVALL's PROCNUM_OOR is 0x01 (Linux E_ITS_MOVALL_PROCNUM_OOR 0x010e01), MAPC's 0x02. */
export function itsError(cmd: ItsCmdName, kind: ItsErrorKind): { error: string; code: number } {
  const cc = cmd === 'CLEAR' ? 0x05 : ITS_CMD[cmd];
  const n = cmd === 'MOVALL' && kind === 'PROCNUM_OOR' ? 0x01 : ERROR_NUMBER[kind];
  return { error: `E_ITS_${cmd}_${kind}`, code: 0x01_0000 | (cc << 8) | n };
}
