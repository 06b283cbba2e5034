// What a PCI device model needs from the machine it sits in: a port for its bus-master accesses
// (DMA and MSI writes), which the host composition routes through the IOMMU. The device knows
// nothing of StreamIDs, page tables or the ITS; the port does.

import type { EventRecord } from '../smmuv3/events';

/** One DMA as the port carried it out: the bytes for a read, the PA the IOMMU produced, or the
 *  fault (`event`: the SMMU's event record; `why`: a fault with no SMMU event, e.g. VT-d). */
export interface DmaResult {
  ok: boolean;
  data?: Uint8Array;
  pa?: bigint;
  event?: EventRecord | null;
  why?: string;
}

/** One MSI write as the port carried it out: delivered (it became an interrupt) or not, and
 *  the fault that stopped it. */
export interface MsiResult {
  delivered: boolean;
  event?: EventRecord | null;
  why?: string;
}

export interface PciBusPort {
  dmaRead(addr: bigint, len: number): DmaResult;
  dmaWrite(addr: bigint, data: Uint8Array): DmaResult;
  /** msi_send_message(): a 32-bit write of `data` to `addr`. */
  msiWrite(addr: bigint, data: number, vector: number): MsiResult;
}

// Config space offsets (include/uapi/linux/pci_regs.h).
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CLASS_DEVICE = 0x0a;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;
export const PCI_STATUS_CAP_LIST = 0x10;
export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
export const PCI_COMMAND_INTX_DISABLE = 0x400;
export const PCI_CAP_ID_MSI = 0x05;
/** MSI capability registers (pci_regs.h): flags at +2, address at +4 (+8 high), data at +12
 *  for a 64-bit capability. */
export const PCI_MSI_FLAGS = 2;
export const PCI_MSI_ADDRESS_LO = 4;
export const PCI_MSI_ADDRESS_HI = 8;
export const PCI_MSI_DATA_64 = 12;
export const PCI_MSI_FLAGS_ENABLE = 0x0001;
export const PCI_MSI_FLAGS_QMASK = 0x000e;
export const PCI_MSI_FLAGS_QSIZE = 0x0070;
export const PCI_MSI_FLAGS_64BIT = 0x0080;
/** PCI_CFG_SPACE_SIZE: a conventional PCI function's config space. */
export const PCI_CFG_SPACE_SIZE = 256;

/** A PCI function a host can bind to vfio-pci: its config space, BARs and MSI. */
export interface PciFunction {
  readonly model: string;
  /** Config space as the hardware holds it. */
  readonly config: Uint8Array;
  /** BAR sizes, index 0..5 (0: no BAR). */
  readonly barSizes: readonly number[];
  /** Offset of the MSI capability, 0 if none; MSI-X is not modelled (no device has it). */
  readonly msiCap: number;
  /** Whether the PCIe capability exists (pci_is_pcie()). */
  readonly isPcie: boolean;
  configRead(offset: number, size: 1 | 2 | 4): number;
  configWrite(offset: number, size: 1 | 2 | 4, value: number): void;
  mmioRead(bar: number, offset: number, size: number): bigint;
  mmioWrite(bar: number, offset: number, size: number, value: bigint): void;
  /** The device raises MSI `vector` (msi_notify()); null when MSI is disabled in its capability
   *  or the vector is not enabled. */
  msiNotify(vector: number): MsiResult | null;
  /** The function's reset (pci_try_reset_function()). */
  reset(): void;
}

export function get(b: Uint8Array, off: number, size: number): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + b[off + i];
  return v;
}

export function set(b: Uint8Array, off: number, size: number, v: number): void {
  for (let i = 0; i < size; i++) { b[off + i] = v & 0xff; v = Math.floor(v / 256); }
}
