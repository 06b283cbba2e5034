// x86 contrast (primer §5.4): a write into 0xfee00000-0xfeefffff is never DMA-remapped by VT-d;
// interrupt remapping takes it. Modelled minimally, and stated so: the host's IR driver
// (drivers/iommu/intel/irq_remapping.c, intel_irq_remapping_alloc() / fill_msi_msg()) gives each
// vector an IRTE index from the table's bitmap (lowest free, from 0) and programs the device
// with a remappable-format message: address 0xfee00000 | handle[14:0] << 5 | 1 << 4 (remappable)
// | 1 << 3 (SHV) | handle[15] << 2, data = the subhandle (0). The IRTE records the vector and the
// requester (source-id verification with the RID). A write is delivered if the address is in the
// window, in remappable format, and the IRTE at handle (+ data, with SHV) is present and names
// the same RID. The IRTE's fields beyond that (destination, delivery mode, posting), the table
// in memory, and VT-d's DMA-remapping hardware are not modelled (DMA translates through the
// domain's page table directly). The address layout is the kernel's: arch/x86/include/asm/msi.h
// struct x86_msi_addr_lo, remappable form: dmar_reserved_0 [1:0], dmar_index_15 [2],
// dmar_subhandle_valid [3], dmar_format [4], dmar_index_0_14 [19:5], dmar_base_address [31:20] =
// 0xfee (X86_MSI_BASE_ADDRESS_LOW); fill_msi_msg() sets exactly those.

import { IOAPIC_RANGE_END, IOAPIC_RANGE_START } from '../iommu/platform';

/** The interrupt window: the kernel's IOAPIC_RANGE_START..IOAPIC_RANGE_END (iommu/platform.ts). */
export const IR_WINDOW_START = IOAPIC_RANGE_START;
export const IR_WINDOW_END = IOAPIC_RANGE_END;

/** Whether a write to `addr` falls in the interrupt window (never DMA-remapped on x86). */
export function inIrWindow(addr: bigint | number): boolean {
  const a = BigInt(addr);
  return a >= IR_WINDOW_START && a <= IR_WINDOW_END;
}

/** An MSI address (and data) as interrupt remapping reads it (struct x86_msi_addr_lo):
 *  dmar_format (bit 4) = 1 is the remappable format, handle[14:0] in bits [19:5], handle[15] in
 *  bit 2, SHV in bit 3 (then the IRTE index is handle + data[15:0], the subhandle); bit 4 = 0 is
 *  the compatibility format, destination ID in bits [19:12] (destid_0_7), vector data[7:0]. */
export type IrAddress =
  | { format: 'remappable'; handle: number; shv: boolean; subhandle: number; index: number }
  | { format: 'compatibility'; destId: number; vector: number };

export function decodeIrAddress(addr: bigint, data: number): IrAddress {
  if (((addr >> 4n) & 1n) === 0n) {
    return { format: 'compatibility', destId: Number((addr >> 12n) & 0xffn), vector: data & 0xff };
  }
  const handle = Number(((addr >> 5n) & 0x7fffn) | (((addr >> 2n) & 1n) << 15n));
  const shv = ((addr >> 3n) & 1n) === 1n;
  const subhandle = data & 0xffff;
  return { format: 'remappable', handle, shv, subhandle, index: shv ? handle + subhandle : handle };
}

export interface Irte { rid: number; bdf: string; vector: number }

export class InterruptRemapping {
  readonly table = new Map<number, Irte>();

  /** alloc_irte() + fill_msi_msg(): an IRTE for (bdf, vector), the message to program. */
  alloc(rid: number, bdf: string, vector: number): { index: number; addr: bigint; data: number } {
    let index = 0;
    while (this.table.has(index)) index++;
    this.table.set(index, { rid, bdf, vector });
    const addr = IR_WINDOW_START | (BigInt(index & 0x7fff) << 5n) | (1n << 4n) | (1n << 3n) | (BigInt((index >> 15) & 1) << 2n);
    return { index, addr, data: 0 };
  }

  freeDevice(bdf: string): void {
    for (const [i, e] of this.table) if (e.bdf === bdf) this.table.delete(i);
  }

  /** A write arriving in the interrupt window. */
  deliver(addr: bigint, data: number, rid: number): { ok: true; irte: Irte } | { ok: false; why: string } {
    if (!inIrWindow(addr)) return { ok: false, why: 'outside the interrupt window 0xfee00000-0xfeefffff' };
    const d = decodeIrAddress(addr, data);
    if (d.format === 'compatibility') return { ok: false, why: 'compatibility format: interrupt remapping blocks it' };
    const index = d.index;
    const irte = this.table.get(index);
    if (irte === undefined) return { ok: false, why: `IRTE ${index} is not present` };
    if (irte.rid !== rid) return { ok: false, why: `IRTE ${index} belongs to RID 0x${irte.rid.toString(16)}, the write came from 0x${rid.toString(16)}` };
    return { ok: true, irte };
  }
}
