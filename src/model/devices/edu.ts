// QEMU's educational PCI device "edu" (hw/misc/edu.c, read in qemu/qemu), the device the ioctl
// script drives. Everything below is edu.c's unless said otherwise:
//   edu_class_init()     vendor PCI_VENDOR_ID_QEMU 0x1234, device 0x11e8, revision 0x10, class
//                        PCI_CLASS_OTHERS 0xff (written at PCI_CLASS_DEVICE: subclass 0xff, base
//                        class 0x00, "Unclassified device [00ff]")
//   pci_edu_realize()    interrupt pin 1 (INTA); msi_init(pdev, 0, 1, true, false): an MSI
//                        capability QEMU places at the first free offset, 0x40, 1 vector, 64-bit
//                        address, no per-vector mask (hw/pci/msi.c: flags 0x0080, 0x0e bytes);
//                        BAR0: 1 MiB of 32-bit non-prefetchable memory ("edu-mmio")
//   edu_instance_init()  dma_mask = (1 << 28) - 1: edu_clamp_addr() ANDs every DMA address with it
//   edu_mmio_read/write  0x00 ID 0x010000ed (version 1.0, "ed"), 0x04 liveness (reads ~written),
//                        0x08 factorial, 0x20 status (0x01 computing, 0x80 raise an irq when done),
//                        0x24 irq status, 0x60 raise (irq_status |= v), 0x64 ack (&= ~v), 0x80 DMA
//                        src, 0x88 dst, 0x90 count, 0x98 cmd (0x1 run, 0x2 direction: 0 RAM to
//                        the device's buffer, 1 buffer to RAM, 0x4 raise DMA_IRQ 0x100 when done);
//                        below 0x80 only 4-byte accesses, from 0x80 4 or 8; anything else reads
//                        all ones and ignores writes. FACT_IRQ is 0x001.
//   DMA buffer           4096 bytes (DMA_SIZE) at bus address 0x40000 (DMA_START) as seen by src/dst
//
// Differences from QEMU, for determinism: the factorial is computed at once (QEMU uses a thread)
// and a DMA runs as soon as cmd is written (QEMU waits 100 ms on a timer); a DMA whose range is
// outside the buffer is refused (QEMU logs "EDU: DMA range ... out of bounds" and copies past
// its buffer). INTx is recorded but goes nowhere (only MSI is wired to the host). Bus mastering
// (PCI_COMMAND_MASTER) is not checked. The subsystem IDs are the ones QEMU's
// do_pci_register_device() gives a device that sets none (0x1af4 / 0x1100); ASSUMPTION: read
// from memory, not from this session's sources.

import {
  get, PCI_BASE_ADDRESS_0, PCI_CAP_ID_MSI, PCI_CAPABILITY_LIST, PCI_CFG_SPACE_SIZE, PCI_CLASS_DEVICE, PCI_COMMAND,
  PCI_COMMAND_INTX_DISABLE, PCI_COMMAND_IO, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY, PCI_DEVICE_ID, PCI_INTERRUPT_LINE,
  PCI_INTERRUPT_PIN, PCI_MSI_ADDRESS_HI, PCI_MSI_ADDRESS_LO, PCI_MSI_DATA_64, PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT,
  PCI_MSI_FLAGS_ENABLE, PCI_MSI_FLAGS_QSIZE, PCI_REVISION_ID, PCI_STATUS, PCI_STATUS_CAP_LIST, PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID, PCI_VENDOR_ID, set, type DmaResult, type MsiResult, type PciBusPort, type PciFunction,
} from './pci';

export const EDU_VENDOR_ID = 0x1234;
export const EDU_DEVICE_ID = 0x11e8;
export const EDU_REVISION = 0x10;
export const EDU_CLASS = 0x00ff;
export const EDU_BAR0_SIZE = 1 << 20;
export const EDU_ID = 0x010000ed;
export const EDU_MSI_CAP = 0x40;
export const EDU_DMA_MASK = (1n << 28n) - 1n;
export const EDU_DMA_START = 0x40000n;
export const EDU_DMA_SIZE = 4096;
export const FACT_IRQ = 0x00000001;
export const DMA_IRQ = 0x00000100;
export const EDU_STATUS_COMPUTING = 0x01;
export const EDU_STATUS_IRQFACT = 0x80;
export const EDU_DMA_RUN = 0x1;
export const EDU_DMA_TO_PCI = 0x2;     // EDU_DMA_DIR(cmd) == EDU_DMA_TO_PCI: buffer -> RAM
export const EDU_DMA_IRQ = 0x4;
const PCI_SUBVENDOR_ID_REDHAT_QUMRANET = 0x1af4;
const PCI_SUBDEVICE_ID_QEMU = 0x1100;
const MSI_CAP_SIZE = 0x0e;             // PCI_MSI_64_SIZEOF (hw/pci/msi.c)
const M32 = 0xffff_ffffn;

/** What the last DMA did, for views and the `dma` op. */
export interface EduDma extends DmaResult {
  dir: 'read' | 'write';
  addr: bigint;
  len: number;
}

export class EduDevice implements PciFunction {
  readonly model = 'edu';
  readonly config = new Uint8Array(PCI_CFG_SPACE_SIZE);
  /** Bits software may write (QEMU's wmask). */
  private readonly wmask = new Uint8Array(PCI_CFG_SPACE_SIZE);
  readonly barSizes = [EDU_BAR0_SIZE, 0, 0, 0, 0, 0];
  readonly msiCap = EDU_MSI_CAP;
  readonly isPcie = false;

  addr4 = 0;
  fact = 0;
  status = 0;
  irqStatus = 0;
  /** INTx level (pci_set_irq); not wired to the host. */
  intx = false;
  readonly dma = { src: 0n, dst: 0n, cnt: 0n, cmd: 0n };
  readonly buf = new Uint8Array(EDU_DMA_SIZE);
  dmaMask = EDU_DMA_MASK;
  lastDma: EduDma | null = null;
  lastMsi: MsiResult | null = null;
  /** Guest-error lines QEMU would log (qemu_log_mask(LOG_GUEST_ERROR)). */
  readonly log: string[] = [];

  constructor(private readonly port: PciBusPort, bar0 = 0) {
    const c = this.config;
    set(c, PCI_VENDOR_ID, 2, EDU_VENDOR_ID);
    set(c, PCI_DEVICE_ID, 2, EDU_DEVICE_ID);
    c[PCI_REVISION_ID] = EDU_REVISION;
    set(c, PCI_CLASS_DEVICE, 2, EDU_CLASS);
    set(c, PCI_SUBSYSTEM_VENDOR_ID, 2, PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
    set(c, PCI_SUBSYSTEM_ID, 2, PCI_SUBDEVICE_ID_QEMU);
    set(c, PCI_BASE_ADDRESS_0, 4, bar0 & ~(EDU_BAR0_SIZE - 1));   // memory, 32-bit, not prefetchable: low bits 0
    c[PCI_INTERRUPT_PIN] = 1;
    // pci_add_capability(): the status bit, the list head, the capability's id and next.
    set(c, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
    c[PCI_CAPABILITY_LIST] = EDU_MSI_CAP;
    c[EDU_MSI_CAP] = PCI_CAP_ID_MSI;
    c[EDU_MSI_CAP + 1] = 0;
    set(c, EDU_MSI_CAP + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_64BIT);   // QMASK 0: 1 vector
    // wmask: pci_init_wmask() (command bits, interrupt line), the BAR's address bits
    // (pci_register_bar()), msi_init()'s QSIZE|ENABLE, address (~3), high address, data.
    set(this.wmask, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
    this.wmask[PCI_INTERRUPT_LINE] = 0xff;
    set(this.wmask, PCI_BASE_ADDRESS_0, 4, ~(EDU_BAR0_SIZE - 1) >>> 0);
    set(this.wmask, EDU_MSI_CAP + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
    set(this.wmask, EDU_MSI_CAP + PCI_MSI_ADDRESS_LO, 4, 0xffff_fffc);
    set(this.wmask, EDU_MSI_CAP + PCI_MSI_ADDRESS_HI, 4, 0xffff_ffff);
    set(this.wmask, EDU_MSI_CAP + PCI_MSI_DATA_64, 2, 0xffff);
  }

  // ---- config space -----------------------------------------------------------------------

  configRead(offset: number, size: 1 | 2 | 4): number {
    return get(this.config, offset, size);
  }

  /** pci_default_write_config(): only wmask bits change. */
  configWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    for (let i = 0; i < size; i++) {
      const a = offset + i, m = this.wmask[a], b = Math.floor(value / 256 ** i) & 0xff;
      this.config[a] = (this.config[a] & ~m) | (b & m);
    }
  }

  msiFlags(): number {
    return get(this.config, EDU_MSI_CAP + PCI_MSI_FLAGS, 2);
  }

  /** msi_enabled() */
  msiEnabled(): boolean {
    return (this.msiFlags() & PCI_MSI_FLAGS_ENABLE) !== 0;
  }

  /** msi_prepare_message(): the address and data the device writes for `vector`. */
  msiMessage(vector: number): { addr: bigint; data: number } {
    const lo = BigInt(get(this.config, EDU_MSI_CAP + PCI_MSI_ADDRESS_LO, 4));
    const hi = BigInt(get(this.config, EDU_MSI_CAP + PCI_MSI_ADDRESS_HI, 4));
    const n = 1 << ((this.msiFlags() & PCI_MSI_FLAGS_QSIZE) >> 4);
    let data = get(this.config, EDU_MSI_CAP + PCI_MSI_DATA_64, 2);
    if (n > 1) data = (data & ~(n - 1)) | vector;
    return { addr: (hi << 32n) | lo, data };
  }

  msiNotify(vector: number): MsiResult | null {
    const n = 1 << ((this.msiFlags() & PCI_MSI_FLAGS_QSIZE) >> 4);
    if (!this.msiEnabled() || vector < 0 || vector >= n) return null;
    const m = this.msiMessage(vector);
    this.lastMsi = this.port.msiWrite(m.addr, m.data, vector);
    return this.lastMsi;
  }

  // ---- BAR0 ---------------------------------------------------------------------------------

  mmioRead(bar: number, addr: number, size: number): bigint {
    const ones = size >= 8 ? (1n << 64n) - 1n : (1n << BigInt(8 * size)) - 1n;
    if (bar !== 0) return ones;
    if ((addr < 0x80 && size !== 4) || (addr >= 0x80 && size !== 4 && size !== 8)) return ones;
    const trunc = (v: bigint) => v & ones;
    switch (addr) {
      case 0x00: return BigInt(EDU_ID);
      case 0x04: return BigInt(this.addr4 >>> 0);
      case 0x08: return BigInt(this.fact >>> 0);
      case 0x20: return BigInt(this.status);
      case 0x24: return BigInt(this.irqStatus >>> 0);
      case 0x80: return trunc(this.dma.src);
      case 0x88: return trunc(this.dma.dst);
      case 0x90: return trunc(this.dma.cnt);
      case 0x98: return trunc(this.dma.cmd);
      default: return ones;          // val = ~0ULL, never assigned
    }
  }

  mmioWrite(bar: number, addr: number, size: number, value: bigint): void {
    if (bar !== 0) return;
    if ((addr < 0x80 && size !== 4) || (addr >= 0x80 && size !== 4 && size !== 8)) return;
    const v32 = Number(value & M32);
    const v = size === 4 ? value & M32 : value;
    switch (addr) {
      case 0x04: this.addr4 = ~v32 >>> 0; break;
      case 0x08:
        if (this.status & EDU_STATUS_COMPUTING) break;
        this.fact = v32;
        this.computeFactorial();
        break;
      case 0x20:
        this.status = v32 & EDU_STATUS_IRQFACT ? this.status | EDU_STATUS_IRQFACT : this.status & ~EDU_STATUS_IRQFACT;
        break;
      case 0x60: this.raiseIrq(v32); break;
      case 0x64: this.lowerIrq(v32); break;
      case 0x80: if (!(this.dma.cmd & 1n)) this.dma.src = v; break;
      case 0x88: if (!(this.dma.cmd & 1n)) this.dma.dst = v; break;
      case 0x90: if (!(this.dma.cmd & 1n)) this.dma.cnt = v; break;
      case 0x98:
        if (!(v & BigInt(EDU_DMA_RUN)) || this.dma.cmd & 1n) break;
        this.dma.cmd = v;
        this.dmaTimer();
        break;
    }
  }

  /** edu_fact_thread(): ret = val!, 32-bit, then FACT_IRQ if the status asked for it. */
  private computeFactorial(): void {
    let ret = 1;
    for (let val = this.fact; val > 0; val--) ret = Math.imul(ret, val) >>> 0;
    this.fact = ret;
    if (this.status & EDU_STATUS_IRQFACT) this.raiseIrq(FACT_IRQ);
  }

  /** edu_raise_irq(): MSI vector 0 when MSI is enabled, else INTx. */
  raiseIrq(val: number): void {
    this.irqStatus = (this.irqStatus | val) >>> 0;
    if (this.irqStatus === 0) return;
    if (this.msiEnabled()) this.msiNotify(0);
    else this.intx = true;
  }

  lowerIrq(val: number): void {
    this.irqStatus = (this.irqStatus & ~val) >>> 0;
    if (this.irqStatus === 0 && !this.msiEnabled()) this.intx = false;
  }

  /** edu_clamp_addr() */
  clampAddr(addr: bigint): bigint {
    const res = addr & this.dmaMask;
    if (res !== addr) this.log.push(`EDU: clamping DMA 0x${hex16(addr)} to 0x${hex16(res)}!`);
    return res;
  }

  /** edu_dma_timer(), run at once. */
  private dmaTimer(): void {
    const toPci = (this.dma.cmd & BigInt(EDU_DMA_TO_PCI)) !== 0n;
    const bufAddr = toPci ? this.dma.src : this.dma.dst;
    const out = this.transfer(toPci ? 'write' : 'read', toPci ? this.dma.dst : this.dma.src, bufAddr, Number(this.dma.cnt));
    this.dma.cmd &= ~BigInt(EDU_DMA_RUN);
    if (out.ok && this.dma.cmd & BigInt(EDU_DMA_IRQ)) this.raiseIrq(DMA_IRQ);
  }

  /** One transfer between the buffer (at bus address `bufAddr`, 0x40000-based) and RAM at
   *  `addr` (clamped to the DMA mask): 'read' is pci_dma_read (RAM -> buffer), 'write'
   *  pci_dma_write (buffer -> RAM). */
  transfer(dir: 'read' | 'write', addr: bigint, bufAddr: bigint, len: number): EduDma {
    const start = EDU_DMA_START, end = EDU_DMA_START + BigInt(EDU_DMA_SIZE);
    if (len < 0 || bufAddr < start || bufAddr + BigInt(len) > end) {
      const why = `EDU: DMA range 0x${hex16(bufAddr)}-0x${hex16(bufAddr + BigInt(len) - 1n)} out of bounds (0x${hex16(start)}-0x${hex16(end - 1n)})!`;
      this.log.push(why);
      this.lastDma = { ok: false, why, dir, addr, len };
      return this.lastDma;
    }
    const off = Number(bufAddr - start);
    const a = this.clampAddr(addr);
    let r: DmaResult;
    if (dir === 'read') {
      r = this.port.dmaRead(a, len);
      if (r.data !== undefined) this.buf.set(r.data, off);
    } else {
      r = this.port.dmaWrite(a, this.buf.slice(off, off + len));
    }
    this.lastDma = { ...r, dir, addr: a, len };
    return this.lastDma;
  }

  /** The ioctl script's `dma` action: the device reads `len` bytes at `iova` into its buffer
   *  (and returns them), or writes `data` from its buffer to `iova`, as a driver programming
   *  src/dst/cnt/cmd with the buffer's start (0x40000) would. */
  dmaAction(dir: 'read' | 'write', iova: bigint, len: number, data?: Uint8Array): EduDma {
    if (dir === 'write' && data !== undefined) this.buf.set(data.subarray(0, EDU_DMA_SIZE), 0);
    return this.transfer(dir, iova, EDU_DMA_START, len);
  }

  /** pci_try_reset_function(): QEMU's edu has no reset handler of its own, so its registers
   *  survive; the PCI core resets config space and the kernel restores what it saved
   *  (pci_dev_save_and_disable / pci_dev_restore): nothing the model shows changes. */
  reset(): void {
    // Intentionally nothing: see the comment.
  }
}

function hex16(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

export const EDU_MSI_CAP_SIZE = MSI_CAP_SIZE;
