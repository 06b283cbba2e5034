// The ITS's registers: offsets, fields and the values of this ITS (GICv3 architecture spec,
// IHI 0069, "The ITS register descriptions"; field positions as Arm's register pages for
// GITS_CTLR, GITS_TYPER, GITS_CBASER, GITS_CWRITER, GITS_CREADR, GITS_BASER<n> and
// GITS_TRANSLATER give them, and as Linux `include/linux/irqchip/arm-gic-v3.h` (GITS_*) and QEMU
// `hw/intc/gicv3_internal.h` (FIELD(GITS_*)) define them; primer §5.1).
//
// The ITS occupies two 64 KB frames: the control frame (ITS_base: GITS_CTLR ... GITS_BASER<n>, the
// ID registers) and the translation frame above it, whose only register is GITS_TRANSLATER at
// 0x40, so ITS_base + 0x10040 (Linux GITS_TRANSLATER 0x10040; QEMU ITS_CONTROL_SIZE 0x10000 and
// GITS_TRANSLATER 0x0040 in the translation region).
//
// The ITS modelled is QEMU's (hw/intc/arm_gicv3_its.c, gicv3_arm_its_realize and
// gicv3_its_reset_hold) as a GICv3 (not v4) ITS: physical LPIs only, 16-bit DeviceIDs, EventIDs
// and ICIDs, 12-byte ITEs, flat tables in memory, RDbase = processor number.

import { field, fieldBig } from '../bits';

/** The two frames (QEMU ITS_CONTROL_SIZE, ITS_TRANS_SIZE: 64 KB each). */
export const ITS_CONTROL_SIZE = 0x10000;
export const ITS_TRANS_SIZE = 0x10000;
export const ITS_SIZE = ITS_CONTROL_SIZE + ITS_TRANS_SIZE;

/** Offsets from ITS_base (Linux arm-gic-v3.h; QEMU arm_gicv3_its_common.h). GITS_TRANSLATER is
 *  at 0x40 in the translation frame, so 0x10040 from ITS_base. */
export const GITS = {
  CTLR: 0x0000, IIDR: 0x0004, TYPER: 0x0008,
  CBASER: 0x0080, CWRITER: 0x0088, CREADR: 0x0090,
  BASER: 0x0100,                      // GITS_BASER<n> at 0x0100 + 8n, n = 0..7
  IDREGS: 0xffd0,                     // GITS_PIDR4 .. GITS_CIDR3, 0xFFD0 .. 0xFFFC
  TRANSLATER: ITS_CONTROL_SIZE + 0x0040,
} as const;

/** QEMU virt's ITS frame (hw/arm/virt.c base_memmap: [VIRT_GIC_ITS] = { 0x08080000, 0x00020000 }),
 *  so GITS_TRANSLATER is at PA 0x0809_0040. */
export const VIRT_GIC_ITS = 0x0808_0000;

// ---- GITS_CTLR (32 bits) --------------------------------------------------------------------

/** Enabled[0]; Quiescent[31], RO, resets to 1 (GIC-600 GITS_CTLR reset 0x80000000). ImDe[1] and
 *  ITS_Number[7:4] are RES0 in a GICv3 ITS; UMSIirq[8] is RES0 with GITS_TYPER.UMSIirq = 0. */
export const GITS_CTLR_Enabled = 1 << 0;
export const GITS_CTLR_Quiescent = 0x8000_0000;

// ---- GITS_TYPER (64 bits, RO) ------------------------------------------------------------------

/** Bytes per ITE: QEMU ITS_ITT_ENTRY_SIZE (0xC), reported as ITT_entry_size = 12 - 1. */
export const ITS_ITT_ENTRY_SIZE = 12;
/** EventID, DeviceID and Collection ID bits - 1 (QEMU ITS_IDBITS = GICD_TYPER_IDBITS = 0xf,
 *  ITS_DEVBITS = 0xf, ITS_CIDBITS = 0xf): 16-bit identifiers. */
export const ITS_IDBITS = 15;
export const ITS_DEVBITS = 15;
export const ITS_CIDBITS = 15;

/** GITS_TYPER of this ITS, as QEMU's realize sets it for a GICv3 (revision 3) GIC:
 *  0x0000_001F_0001_EFB1. */
export const GITS_TYPER =
  (1n << 0n) |                              // Physical: physical LPIs supported
  (BigInt(ITS_ITT_ENTRY_SIZE - 1) << 4n) |   // ITT_entry_size[7:4] = 11: 12-byte ITEs
  (BigInt(ITS_IDBITS) << 8n) |               // ID_bits[12:8] = 15: 16-bit EventIDs
  (BigInt(ITS_DEVBITS) << 13n) |             // Devbits[17:13] = 15: 16-bit DeviceIDs
  (BigInt(ITS_CIDBITS) << 32n) |             // CIDbits[35:32] = 15: 16-bit ICIDs ...
  (1n << 36n);                               // CIL[36] = 1: ... as CIDbits says
  // Zero: Virtual (no GICv4 vLPIs), CCT, SEIS (no SError on errors: they are ignored), PTA
  // (RDbase is a processor number, not a Redistributor address), HCC (no collections held in
  // the ITS: all live in the Collection Table in memory), VMOVP, MPAM, UMSI.

export const GITS_TYPER_ITT_entry_size = (t: bigint) => field(t, 7, 4);
export const GITS_TYPER_ID_bits = (t: bigint) => field(t, 12, 8);
export const GITS_TYPER_Devbits = (t: bigint) => field(t, 17, 13);
export const GITS_TYPER_PTA = (t: bigint) => field(t, 19, 19);
export const GITS_TYPER_HCC = (t: bigint) => field(t, 31, 24);
export const GITS_TYPER_CIDbits = (t: bigint) => field(t, 35, 32);
export const GITS_TYPER_CIL = (t: bigint) => field(t, 36, 36);

/** GITS_IIDR: QEMU's gicv3_iidr(), 0x43B: Implementer Arm (0x43B), Revision 0, Variant 0,
 *  ProductID 0, "the same as an r0p0 GIC-500". */
export const GITS_IIDR = 0x43b;

/** GITS_PIDR4..7, PIDR0..3, CIDR0..3 at 0xFFD0..0xFFFC: QEMU gicv3_idreg() with GICV3_PIDR0_ITS
 *  (0x94) and revision 3 in PIDR2[7:4] (Linux its_probe_one requires ArchRev 3 or 4 there). */
export const GITS_IDREGS = [0x44, 0x00, 0x00, 0x00, 0x94, 0xb4, 0x3b, 0x00, 0x0d, 0xf0, 0x05, 0xb1] as const;

// ---- GITS_CBASER, GITS_CWRITER, GITS_CREADR (64 bits) ------------------------------------------

/** GITS_CBASER: Valid[63], InnerCache[61:59], OuterCache[55:53], Physical_Address[51:12],
 *  Shareability[11:10], Size[7:0] (the number of 4 KB pages - 1). The rest is RES0. */
export const GITS_CBASER_MASK = (1n << 63n) | (7n << 59n) | (7n << 53n) | (((1n << 40n) - 1n) << 12n) | (3n << 10n) | 0xffn;
export const GITS_CBASER_Valid = (v: bigint) => field(v, 63, 63);
export const GITS_CBASER_Physical_Address = (v: bigint) => Number(fieldBig(v, 51, 12) << 12n);
export const GITS_CBASER_Size = (v: bigint) => field(v, 7, 0);
/** The command queue's size in bytes: (Size + 1) 4 KB pages. */
export const cmdqBytes = (cbaser: bigint) => (GITS_CBASER_Size(cbaser) + 1) * 4096;

/** GITS_CWRITER: Offset[19:5], Retry[0]; GITS_CREADR: Offset[19:5], Stalled[0]. */
export const GITS_CWRITER_MASK = 0xf_ffe1n;
/** The byte offset into the command queue either register holds (its Offset field, bits [4:0]
 *  zero: commands are 32 bytes). */
export const cmdqOffset = (v: bigint) => field(v, 19, 5) << 5;

// ---- GITS_BASER<n> (64 bits) ---------------------------------------------------------------------

/** GITS_BASER<n>.Type (Linux GITS_BASER_TYPE_*, QEMU GITS_BASER_TYPE_*). */
export const BASER_TYPE = { NONE: 0, DEVICE: 1, VCPU: 2, COLLECTION: 4 } as const;

/** The fields software can write: Valid[63], InnerCache[61:59], OuterCache[55:53],
 *  Physical_Address[47:12], Shareability[11:10], Page_Size[9:8], Size[7:0]. Type[58:56] and
 *  Entry_Size[52:48] are RO (QEMU GITS_BASER_RO_MASK); Indirect[62] is RAZ/WI because this ITS
 *  has flat tables only (Linux its_parse_indirect_baser finds out exactly so: writes 1, reads 0). */
export const GITS_BASER_WRITABLE = (1n << 63n) | (7n << 59n) | (7n << 53n) | (((1n << 36n) - 1n) << 12n) | (3n << 10n) | (3n << 8n) | 0xffn;

export const GITS_BASER_Valid = (v: bigint) => field(v, 63, 63);
export const GITS_BASER_Indirect = (v: bigint) => field(v, 62, 62);
export const GITS_BASER_Type = (v: bigint) => field(v, 58, 56);
export const GITS_BASER_Entry_Size = (v: bigint) => field(v, 52, 48) + 1;
export const GITS_BASER_Page_Size = (v: bigint) => field(v, 9, 8);
export const GITS_BASER_Size = (v: bigint) => field(v, 7, 0);

/** Page_Size: 0b00 4 KB, 0b01 16 KB, 0b10 64 KB; 0b11 is reserved and, like QEMU
 *  (extract_table_params), taken as 64 KB. */
export function baserPageBytes(v: bigint): number {
  return [0x1000, 0x4000, 0x10000, 0x10000][GITS_BASER_Page_Size(v)];
}

/** The table's base: Physical_Address[47:12] with 4 KB and 16 KB pages; with 64 KB pages bits
 *  [47:16] are PA[47:16] and bits [15:12] are PA[51:48] (QEMU baser_base_addr; Linux
 *  GITS_BASER_ADDR_48_to_52). Alignment below the page size is not enforced (QEMU). */
export function baserBase(v: bigint): number {
  if (baserPageBytes(v) === 0x10000) return Number((fieldBig(v, 47, 16) << 16n) | (fieldBig(v, 15, 12) << 48n));
  return Number(fieldBig(v, 47, 12) << 12n);
}

/** Reset values (QEMU gicv3_its_reset_hold): BASER0 describes the Device Table (Type 0b001),
 *  BASER1 the Collection Table (Type 0b100), both 8-byte entries and 64 KB pages;
 *  GITS_BASER2..7 are unimplemented (Type 0: RAZ/WI). */
export const GITS_BASER_RESET = [
  (BigInt(BASER_TYPE.DEVICE) << 56n) | (7n << 48n) | (2n << 8n),       // 0x0107_0000_0000_0200
  (BigInt(BASER_TYPE.COLLECTION) << 56n) | (7n << 48n) | (2n << 8n),   // 0x0407_0000_0000_0200
  0n, 0n, 0n, 0n, 0n, 0n,
] as const;

/** A flat table as GITS_BASER<n> describes it. `entries` is capped by the identifier width
 *  (Devbits + 1 for devices; CIDbits + 1 for collections, CIL = 1), and is 0 when Valid = 0, so
 *  every lookup then fails its range check (QEMU extract_table_params). */
export interface ItsTableDesc { valid: boolean; base: number; entryBytes: number; entries: number }

export function baserTable(v: bigint, idBits: number): ItsTableDesc {
  const entryBytes = GITS_BASER_Entry_Size(v);
  if (GITS_BASER_Valid(v) === 0) return { valid: false, base: 0, entryBytes, entries: 0 };
  const bytes = (GITS_BASER_Size(v) + 1) * baserPageBytes(v);
  return { valid: true, base: baserBase(v), entryBytes, entries: Math.min(Math.floor(bytes / entryBytes), 2 ** idBits) };
}
