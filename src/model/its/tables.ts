// The ITS's tables in memory: the Device Table (one DTE per DeviceID), each device's Interrupt
// Translation Table (one ITE per EventID) and the Collection Table (one CTE per ICID).
//
// The GICv3 architecture leaves the format of these entries IMPLEMENTATION DEFINED (software only
// allocates the memory, sized by GITS_BASER<n>.Entry_Size and GITS_TYPER.ITT_entry_size, and
// must not touch it while the ITS owns it). This model uses QEMU's formats
// (hw/intc/gicv3_internal.h FIELD(DTE, ...), FIELD(ITE_L, ...), FIELD(CTE, ...); QEMU's comment
// there: "the format of level 2 entries and the format of flat-mapped tables is IMPDEF"), so a
// student who reads QEMU's source finds the same bits:
//
//   DTE, 8 bytes:  VALID[0]  SIZE[5:1] (EventID bits - 1)  ITTADDR[49:6] (ITT address [51:8])
//   ITE, 12 bytes: ITE_L (8 bytes): VALID[0]  INTTYPE[1] (1 physical)  INTID[25:2]  ICID[47:32]
//                  VPEID[63:48];  ITE_H (4 bytes): DOORBELL[23:0] (1023, "none", for physical)
//   CTE, 8 bytes:  VALID[0]  RDBASE[16:1] (the target's processor number: GITS_TYPER.PTA = 0)
//
// Tables are flat (GITS_BASER<n>.Indirect is RAZ/WI here): entry n is at base + n * size. An
// ITE is 12 bytes, so every other one straddles two 64-bit words; PhysMem holds 64-bit words, so
// the ITS reads and writes an exact byte range through the words it covers (loadLE/storeLE).

import { field } from '../bits';
import type { PhysMem } from '../mem';
import type { ItsEntry } from '../trace';
import { ITS_ITT_ENTRY_SIZE } from './regs';

/** Entry sizes in bytes: QEMU GITS_DTE_SIZE, ITS_ITT_ENTRY_SIZE, GITS_CTE_SIZE. */
export const DTE_BYTES = 8;
export const ITE_BYTES = ITS_ITT_ENTRY_SIZE;
export const CTE_BYTES = 8;

/** ITT addresses are 256-byte aligned: MAPD carries ITT_addr[51:8] (Linux ITS_ITT_ALIGN, SZ_256;
 *  QEMU ITTADDR_SHIFT 8). */
export const ITT_ALIGN = 256;

/** QEMU ITE_INTTYPE_PHYSICAL / _VIRTUAL, and INTID_SPURIOUS (1023), the "no doorbell" value a
 *  physical ITE carries. */
export const ITE_INTTYPE_VIRTUAL = 0;
export const ITE_INTTYPE_PHYSICAL = 1;
export const INTID_SPURIOUS = 1023;

/** The first LPI INTID (GICV3_LPI_INTID_START, 8192) and the INTID bits this GIC has
 *  (GICD_TYPER.IDbits = 15 in QEMU: GICD_TYPER_IDBITS 0xf), so LPIs are 8192 .. 65535
 *  (QEMU intid_in_lpi_range). */
export const LPI_INTID_START = 8192;
export const GICD_TYPER_IDBITS = 15;
export const intidIsLpi = (id: number) => id >= LPI_INTID_START && id < 2 ** (GICD_TYPER_IDBITS + 1);

// ---- entries -----------------------------------------------------------------------------------

export interface Dte { valid: boolean; size: number; ittAddr: number }
export interface Ite { valid: boolean; inttype: number; intid: number; icid: number; vpeid: number; doorbell: number }
export interface Cte { valid: boolean; rdbase: number }

/** QEMU get_dte: SIZE is the number of EventID bits - 1; ITTADDR holds the address >> 8. */
export function decodeDte(v: bigint): Dte {
  return { valid: field(v, 0, 0) === 1, size: field(v, 5, 1), ittAddr: field(v, 49, 6) * ITT_ALIGN };
}

/** QEMU update_dte: an invalid DTE is written as 0. */
export function encodeDte(d: Dte): bigint {
  if (!d.valid) return 0n;
  return 1n | (BigInt(d.size & 0x1f) << 1n) | (BigInt(Math.floor(d.ittAddr / ITT_ALIGN)) << 6n);
}

/** An ITE from its 12 bytes as one 96-bit value: ITE_L in bits [63:0], ITE_H in [95:64]
 *  (QEMU get_ite). */
export function decodeIte(raw: bigint): Ite {
  const l = raw & 0xffff_ffff_ffff_ffffn, h = raw >> 64n;
  return {
    valid: field(l, 0, 0) === 1, inttype: field(l, 1, 1), intid: field(l, 25, 2),
    icid: field(l, 47, 32), vpeid: field(l, 63, 48), doorbell: field(h, 23, 0),
  };
}

/** QEMU update_ite: an invalid ITE is written as 12 zero bytes. */
export function encodeIte(e: Ite): bigint {
  if (!e.valid) return 0n;
  const l = 1n | (BigInt(e.inttype & 1) << 1n) | (BigInt(e.intid & 0xff_ffff) << 2n) |
    (BigInt(e.icid & 0xffff) << 32n) | (BigInt(e.vpeid & 0xffff) << 48n);
  return l | (BigInt(e.doorbell & 0xff_ffff) << 64n);
}

/** The ITE MAPTI/MAPI writes (QEMU process_mapti): physical, DOORBELL 1023, VPEID 0. */
export function physicalIte(intid: number, icid: number): Ite {
  return { valid: true, inttype: ITE_INTTYPE_PHYSICAL, intid, icid, vpeid: 0, doorbell: INTID_SPURIOUS };
}

export function decodeCte(v: bigint): Cte {
  return { valid: field(v, 0, 0) === 1, rdbase: field(v, 16, 1) };
}

/** QEMU update_cte: an invalid CTE is written as 0. */
export function encodeCte(c: Cte): bigint {
  if (!c.valid) return 0n;
  return 1n | (BigInt(c.rdbase & 0xffff) << 1n);
}

/** The trace's view of an entry. */
export function dteEntry(deviceId: number, d: Dte): ItsEntry {
  return { table: 'DTE', deviceId, valid: d.valid, size: d.size, ittAddr: d.ittAddr };
}
export function iteEntry(deviceId: number, eventId: number, e: Ite): ItsEntry {
  return { table: 'ITE', deviceId, eventId, valid: e.valid, physical: e.inttype === ITE_INTTYPE_PHYSICAL, intid: e.intid, icid: e.icid };
}
export function cteEntry(icid: number, c: Cte): ItsEntry {
  return { table: 'CTE', icid, valid: c.valid, rdbase: c.rdbase };
}

// ---- bytes in a memory of 64-bit words -----------------------------------------------------------

/** `n` bytes (1 to 16) at any address, little-endian, as one value: the aligned 64-bit words they
 *  span, shifted and cut. Untraced (the ITS traces its own accesses). */
export function loadLE(mem: PhysMem, addr: number, n: number): bigint {
  const first = addr - (addr % 8);
  let v = 0n;
  for (let w = first, k = 0; w < addr + n; w += 8, k++) v |= mem.load64(BigInt(w)) << BigInt(64 * k);
  return BigInt.asUintN(8 * n, v >> BigInt(8 * (addr - first)));
}

/** Store `n` bytes of `v` at any address, little-endian, leaving the other bytes of the words
 *  they share as they were. */
export function storeLE(mem: PhysMem, addr: number, n: number, v: bigint): void {
  const first = addr - (addr % 8);
  const shift = BigInt(8 * (addr - first));
  const mask = ((1n << BigInt(8 * n)) - 1n) << shift;
  const put = (BigInt.asUintN(8 * n, v) << shift) & mask;
  for (let w = first, k = 0n; w < addr + n; w += 8, k += 64n) {
    const m = (mask >> k) & 0xffff_ffff_ffff_ffffn;
    if (m === 0n) continue;
    const old = mem.load64(BigInt(w));
    mem.store64(BigInt(w), (old & ~m) | ((put >> k) & m));
  }
}
