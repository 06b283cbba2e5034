// The ioctls and read/write of a vfio-pci device fd, with the kernel's order of checks and errnos
// (Linux 6.12; all read as the functions are named below):
//
//   drivers/vfio/vfio_main.c        vfio_device_fops_unl_ioctl(): BIND_IOMMUFD first (a group-opened
//                                   fd gets -EINVAL from vfio_df_ioctl_bind_iommufd()), FEATURE,
//                                   then the driver's ioctl; vfio_set_irqs_validate_and_prepare()
//   drivers/vfio/pci/vfio_pci_core.c vfio_pci_core_ioctl() (-ENOTTY for a request it lacks),
//                                   vfio_pci_ioctl_get_info(), _get_region_info(), _get_irq_info(),
//                                   _set_irqs(), _reset(), vfio_pci_get_irq_count(), vfio_pci_rw()
//   drivers/vfio/pci/vfio_pci_intrs.c vfio_pci_set_irqs_ioctl(), vfio_pci_set_msi_trigger(),
//                                   vfio_msi_enable(), vfio_msi_set_block(),
//                                   vfio_msi_set_vector_signal(), vfio_msi_disable()
//   drivers/vfio/pci/vfio_pci_rdwr.c vfio_pci_bar_rw() (-EIO while the memory decode bit of the
//                                   virtualised command register is clear: __vfio_pci_memory_enabled)
//
// What enabling MSI does below VFIO (pci_alloc_irq_vectors(): the ITS driver's MAPD and MAPTI,
// the MSI cookie's doorbell mapping, the message written into the device's MSI capability) is
// the host composition's (MsiBackend); signalling an eventfd when the interrupt arrives is here
// (vfio_msihandler()).
//
// Config space through the fd is virtualised as vfio-pci does it in spirit only: a copy taken at
// open (vfio_config_init()) that user writes change for the command register, the BARs (with
// sizing: a BAR reads back with its size's low bits clear), the interrupt line and the MSI
// capability; other writes are dropped; reads come from the copy. The MSI capability the user
// sees is never the host's: the host's address/data live in the hardware's copy. The exact
// per-bit permission tables of vfio_pci_config.c are not modelled.
//
// Not modelled (NotModelled): VFIO_DEVICE_FEATURE, GET_PCI_HOT_RESET_INFO, PCI_HOT_RESET,
// IOEVENTFD; INTx and ERR/REQ triggers beyond the checks (INTx needs a level-triggered interrupt
// the host composition does not wire).

import {
  get, PCI_BASE_ADDRESS_0, PCI_COMMAND, PCI_COMMAND_MEMORY, PCI_INTERRUPT_LINE, PCI_INTERRUPT_PIN, PCI_MSI_FLAGS,
  PCI_MSI_FLAGS_QMASK, set, type PciFunction,
} from '../devices/pci';
import { ERRNO, kerr, type KErr } from './errno';
import type { EventFd } from './eventfd';
import {
  MINSZ_DEVICE_INFO, MINSZ_IRQ_INFO, MINSZ_IRQ_SET, MINSZ_REGION_INFO, SIZEOF_DEVICE_INFO, VFIO_DEVICE_BIND_IOMMUFD,
  VFIO_DEVICE_FEATURE, VFIO_DEVICE_FLAGS_PCI, VFIO_DEVICE_FLAGS_RESET, VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_IOEVENTFD,
  VFIO_DEVICE_PCI_HOT_RESET, VFIO_DEVICE_RESET, VFIO_DEVICE_SET_IRQS, VFIO_IRQ_INFO_AUTOMASKED, VFIO_IRQ_INFO_EVENTFD,
  VFIO_IRQ_INFO_MASKABLE, VFIO_IRQ_INFO_NORESIZE, VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_TYPE_MASK, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_IRQ_SET_DATA_BOOL, VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_TYPE_MASK, VFIO_PCI_CONFIG_REGION_INDEX, VFIO_PCI_ERR_IRQ_INDEX,
  VFIO_PCI_INDEX_TO_OFFSET, VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX, VFIO_PCI_MSIX_IRQ_INDEX, VFIO_PCI_NUM_IRQS,
  VFIO_PCI_NUM_REGIONS, VFIO_PCI_OFFSET_SHIFT, VFIO_PCI_REQ_IRQ_INDEX, VFIO_PCI_ROM_REGION_INDEX,
  VFIO_PCI_VGA_REGION_INDEX, VFIO_REGION_INFO_FLAG_CAPS, VFIO_REGION_INFO_FLAG_MMAP, VFIO_REGION_INFO_FLAG_READ,
  VFIO_REGION_INFO_FLAG_WRITE,
} from './ioctl';
import { NotModelled, type Outcome } from './type1';

/** The part of the host below VFIO that MSI needs (pci_alloc_irq_vectors() / pci_free_irq_vectors()). */
export interface MsiBackend {
  /** Allocate and activate `nvec` MSI vectors of the function: its interrupt controller's
   *  tables, the doorbell mapping, and the message in the device's MSI capability with the
   *  enable bit set. null on success. */
  enable(bdf: string, nvec: number): KErr | null;
  disable(bdf: string): void;
}

/** A device-specific region after the VFIO_PCI_NUM_REGIONS PCI ones (vdev->region[],
 *  vfio_pci_register_dev_region()): its GET_REGION_INFO answer and its rw op. */
export interface ExtraRegion {
  flags: number;
  size: bigint;
  /** The capability chain (VFIO_REGION_INFO_CAP_TYPE first), as named fields. */
  caps: Record<string, number>[];
  rw(off: number, size: number, value: bigint | undefined): { value: bigint } | KErr;
}

/** A device-specific IRQ after the VFIO_PCI_NUM_IRQS PCI ones (the seed series' vdev->ext_irqs,
 *  "vfio: Add new IRQ for DMA fault reporting"): one eventfd trigger. */
export interface ExtraIrq {
  flags: number;
  count: number;
  caps: Record<string, number>[];
}

/** What a host adds to a vfio-pci device beyond PCI (the seed profile's DMA_FAULT region, its
 *  response region and the DMA_FAULT IRQ); open/release are vfio_pci_enable()/_disable(). */
export interface VfioPciExtras {
  open(bdf: string): void;
  release(bdf: string): void;
  regions(bdf: string): ExtraRegion[];
  irqs(bdf: string): ExtraIrq[];
}

/** What the device fd layer needs from the fd table: an eventfd by number (eventfd_ctx_fdget()). */
export type EventfdLookup = (fd: number) => EventFd | 'EBADF' | 'EINVAL';

/** One vector's trigger: the eventfd and the fd number it was given as. */
export interface Trigger { fd: number; efd: EventFd }

/** Per device: vdev->irq_type and the vectors' triggers, the virtualised config space. */
export interface VfioPciState {
  /** VFIO_PCI_NUM_IRQS when none is enabled (is_irq_none()). */
  irqType: number;
  triggers: (Trigger | null)[];
  vconfig: Uint8Array;
  /** The device-specific IRQs' triggers (VfioPciExtras.irqs), by index - VFIO_PCI_NUM_IRQS. */
  extTriggers: (Trigger | null)[];
}

type U = number | bigint | undefined;
const u32 = (v: U) => Number(BigInt.asUintN(32, BigInt(v ?? 0)));

const ok = (ret: number, out?: Record<string, unknown>): Outcome => (out === undefined ? { ok: true, ret, log: [] } : { ok: true, ret, out, log: [] });
const fail = (e: KErr): Outcome => ({ ok: false, err: e, log: e.log ?? [] });
const efault = (where: string) => fail(kerr(ERRNO.EFAULT, `copy_from_user (${where})`, 'the argument pointer is not readable'));

export class VfioPciCore {
  private readonly state = new Map<string, VfioPciState>();

  constructor(
    private readonly functions: ReadonlyMap<string, PciFunction>,
    private readonly msi: MsiBackend,
    /** vdev->reset_works: pci_probe_reset_function() found a reset method. */
    private readonly resetWorks: (bdf: string) => boolean,
    private readonly extras: VfioPciExtras | null = null,
  ) {}

  private extRegions(bdf: string): ExtraRegion[] { return this.extras?.regions(bdf) ?? []; }
  private extIrqs(bdf: string): ExtraIrq[] { return this.extras?.irqs(bdf) ?? []; }

  /** The trigger of device-specific IRQ `i` (0 = index VFIO_PCI_NUM_IRQS), signalled; null when
   *  none is set (eventfd_signal() of vdev->ext_irqs[i].trigger). */
  triggerExt(bdf: string, i: number): Trigger | null {
    const t = this.state.get(bdf)?.extTriggers[i] ?? null;
    t?.efd.signal();
    return t;
  }

  fn(bdf: string): PciFunction {
    const f = this.functions.get(bdf);
    if (f === undefined) throw new NotModelled(`a device fd for ${bdf}: no device model is attached to it`);
    return f;
  }

  /** The first open (vfio_pci_core_enable(): pci_enable_device() turns memory decode on, then
   *  vfio_config_init() copies config space). */
  open(bdf: string): void {
    const f = this.functions.get(bdf);
    if (f === undefined) return;      // no device model: its fd exists, its ioctls are not modelled
    f.configWrite(PCI_COMMAND, 2, f.configRead(PCI_COMMAND, 2) | PCI_COMMAND_MEMORY);
    this.state.set(bdf, { irqType: VFIO_PCI_NUM_IRQS, triggers: [], vconfig: f.config.slice(), extTriggers: [] });
    this.extras?.open(bdf);
  }

  /** The last close (vfio_pci_core_close_device() -> vfio_pci_core_disable(): interrupts off). */
  release(bdf: string): void {
    const s = this.state.get(bdf);
    if (s !== undefined && (s.irqType === VFIO_PCI_MSI_IRQ_INDEX || s.irqType === VFIO_PCI_MSIX_IRQ_INDEX)) this.msiDisable(bdf, s);
    if (s !== undefined) this.extras?.release(bdf);
    this.state.delete(bdf);
  }

  stateOf(bdf: string): VfioPciState | undefined {
    return this.state.get(bdf);
  }

  /** vfio_msihandler(): the vector's eventfd, signalled; null when none is attached. */
  trigger(bdf: string, vector: number): Trigger | null {
    const t = this.state.get(bdf)?.triggers[vector] ?? null;
    t?.efd.signal();
    return t;
  }

  // ---- ioctl ---------------------------------------------------------------------------------

  /** vfio_device_fops_unl_ioctl() for a group-opened device fd, then vfio_pci_core_ioctl(). */
  ioctl(bdf: string, cmd: number, arg: unknown, eventfd: EventfdLookup): Outcome {
    const s = this.state.get(bdf) ?? (this.open(bdf), this.state.get(bdf)!);
    if (cmd === VFIO_DEVICE_BIND_IOMMUFD) {
      return fail(kerr(ERRNO.EINVAL, 'vfio_df_ioctl_bind_iommufd', 'this device fd came from a group (VFIO_GROUP_GET_DEVICE_FD); BIND_IOMMUFD is for /dev/vfio/devices fds'));
    }
    switch (cmd) {
      case VFIO_DEVICE_FEATURE: throw new NotModelled('VFIO_DEVICE_FEATURE');
      case VFIO_DEVICE_GET_INFO: return this.getInfo(bdf, arg);
      case VFIO_DEVICE_GET_IRQ_INFO: return this.getIrqInfo(bdf, arg);
      case VFIO_DEVICE_GET_REGION_INFO: return this.getRegionInfo(bdf, arg);
      case VFIO_DEVICE_RESET: return this.reset(bdf);
      case VFIO_DEVICE_SET_IRQS: return this.setIrqs(bdf, s, arg, eventfd);
      case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: case VFIO_DEVICE_PCI_HOT_RESET: case VFIO_DEVICE_IOEVENTFD:
        throw new NotModelled(`device ioctl 0x${cmd.toString(16)} (hot reset, ioeventfd)`);
      default:
        return fail(kerr(ERRNO.ENOTTY, 'vfio_pci_core_ioctl', `request 0x${cmd.toString(16)} is not a vfio-pci device ioctl`));
    }
  }

  /** vfio_pci_ioctl_get_info() */
  private getInfo(bdf: string, arg: unknown): Outcome {
    const where = 'vfio_pci_ioctl_get_info';
    if (!isObj(arg)) return efault(where);
    const argsz = u32(arg.argsz);
    if (argsz < MINSZ_DEVICE_INFO) return fail(kerr(ERRNO.EINVAL, where, `argsz ${argsz} is smaller than ${MINSZ_DEVICE_INFO}`));
    const copied = Math.min(argsz, SIZEOF_DEVICE_INFO);
    let flags = VFIO_DEVICE_FLAGS_PCI;
    if (this.resetWorks(bdf)) flags |= VFIO_DEVICE_FLAGS_RESET;
    // num_regions = VFIO_PCI_NUM_REGIONS + vdev->num_regions; the seed series adds
    // num_irqs = VFIO_PCI_NUM_IRQS + vdev->num_ext_irqs.
    const out: Record<string, unknown> = {
      argsz, flags, num_regions: VFIO_PCI_NUM_REGIONS + this.extRegions(bdf).length, num_irqs: VFIO_PCI_NUM_IRQS + this.extIrqs(bdf).length,
    };
    if (copied >= 20) out.cap_offset = 0;     // no capability (only s390 zPCI adds one)
    return ok(0, out);
  }

  /** vfio_pci_ioctl_get_region_info() */
  private getRegionInfo(bdf: string, arg: unknown): Outcome {
    const where = 'vfio_pci_ioctl_get_region_info';
    if (!isObj(arg)) return efault(where);
    const argsz = u32(arg.argsz), index = u32(arg.index);
    if (argsz < MINSZ_REGION_INFO) return fail(kerr(ERRNO.EINVAL, where, `argsz ${argsz} is smaller than ${MINSZ_REGION_INFO}`));
    const f = this.fn(bdf);
    const RW = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
    let size = 0n, flags = 0;
    if (index === VFIO_PCI_CONFIG_REGION_INDEX) {
      size = BigInt(f.config.length);           // pdev->cfg_size
      flags = RW;
    } else if (index <= 5) {
      size = BigInt(f.barSizes[index]);          // pci_resource_len()
      // vfio_pci_probe_mmaps(): a memory BAR of at least a page can be mmap()ed.
      if (size > 0n) flags = RW | (size >= 4096n ? VFIO_REGION_INFO_FLAG_MMAP : 0);
    } else if (index === VFIO_PCI_ROM_REGION_INDEX) {
      size = 0n;                                 // no ROM BAR and no shadow ROM: size 0, flags 0
    } else if (index === VFIO_PCI_VGA_REGION_INDEX) {
      return fail(kerr(ERRNO.EINVAL, where, `${bdf} is not a VGA device (vdev->has_vga is false)`));
    } else if (index < VFIO_PCI_NUM_REGIONS + this.extRegions(bdf).length) {
      return this.extRegionInfo(this.extRegions(bdf)[index - VFIO_PCI_NUM_REGIONS], argsz, index);
    } else {
      return fail(kerr(ERRNO.EINVAL, where, `region index ${index} is beyond the device's ${VFIO_PCI_NUM_REGIONS} regions`));
    }
    return ok(0, { argsz, flags, index, cap_offset: 0, size, offset: VFIO_PCI_INDEX_TO_OFFSET(index) });
  }

  /** The device-specific branch of vfio_pci_ioctl_get_region_info(): size and flags from the
   *  region, VFIO_REGION_INFO_CAP_TYPE then the region's own capability (add_capability); a chain
   *  that does not fit argsz sets VFIO_REGION_INFO_FLAG_CAPS and asks for more (cap_offset 0),
   *  else it follows the 32-byte struct (cap_offset 32). Each capability is 16 bytes: header 8 +
   *  two u32 (the type cap), or header 8 + u32 version ALIGNed to 8 (vfio_info_cap_add()). */
  private extRegionInfo(r: ExtraRegion, argsz: number, index: number): Outcome {
    const chain = 16 * r.caps.length;
    const fits = argsz >= MINSZ_REGION_INFO + chain;
    const out: Record<string, unknown> = {
      argsz: fits ? argsz : MINSZ_REGION_INFO + chain, flags: r.flags | (fits ? 0 : VFIO_REGION_INFO_FLAG_CAPS), index,
      cap_offset: fits && chain > 0 ? MINSZ_REGION_INFO : 0, size: r.size, offset: VFIO_PCI_INDEX_TO_OFFSET(index),
    };
    if (fits) out.caps = r.caps.map((c) => ({ ...c }));
    return ok(0, out);
  }

  /** vfio_pci_get_irq_count() */
  irqCount(bdf: string, index: number): number {
    const f = this.fn(bdf);
    switch (index) {
      case VFIO_PCI_INTX_IRQ_INDEX: return f.config[PCI_INTERRUPT_PIN] !== 0 ? 1 : 0;
      case VFIO_PCI_MSI_IRQ_INDEX:
        return f.msiCap === 0 ? 0 : 1 << ((get(f.config, f.msiCap + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_QMASK) >> 1);
      case VFIO_PCI_MSIX_IRQ_INDEX: return 0;    // no MSI-X capability
      case VFIO_PCI_ERR_IRQ_INDEX: return f.isPcie ? 1 : 0;
      case VFIO_PCI_REQ_IRQ_INDEX: return 1;
      default: return this.extIrqs(bdf)[index - VFIO_PCI_NUM_IRQS]?.count ?? 0;
    }
  }

  /** vfio_pci_ioctl_get_irq_info() */
  private getIrqInfo(bdf: string, arg: unknown): Outcome {
    const where = 'vfio_pci_ioctl_get_irq_info';
    if (!isObj(arg)) return efault(where);
    const argsz = u32(arg.argsz), index = u32(arg.index);
    const nIrqs = VFIO_PCI_NUM_IRQS + this.extIrqs(bdf).length;
    if (argsz < MINSZ_IRQ_INFO || index >= nIrqs) {
      return fail(kerr(ERRNO.EINVAL, where, argsz < MINSZ_IRQ_INFO ? `argsz ${argsz} is smaller than ${MINSZ_IRQ_INFO}` : `irq index ${index} is not below ${nIrqs} (VFIO_PCI_NUM_IRQS + the device's extra IRQs)`));
    }
    if (index >= VFIO_PCI_NUM_IRQS) {
      // The seed series: the extra IRQ's flags and count, and its VFIO_IRQ_INFO_CAP_TYPE.
      const x = this.extIrqs(bdf)[index - VFIO_PCI_NUM_IRQS];
      return ok(0, { argsz, flags: x.flags, index, count: x.count, caps: x.caps.map((c) => ({ ...c })) });
    }
    if (index === VFIO_PCI_ERR_IRQ_INDEX && !this.fn(bdf).isPcie) {
      return fail(kerr(ERRNO.EINVAL, where, `${bdf} is not a PCI Express function: it has no ERR interrupt`));
    }
    let flags = VFIO_IRQ_INFO_EVENTFD;
    if (index === VFIO_PCI_INTX_IRQ_INDEX) flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
    else flags |= VFIO_IRQ_INFO_NORESIZE;        // MSI-X resizes only with vdev->has_dyn_msix
    return ok(0, { argsz, flags, index, count: this.irqCount(bdf, index) });
  }

  /** vfio_pci_ioctl_reset() */
  private reset(bdf: string): Outcome {
    if (!this.resetWorks(bdf)) {
      return fail(kerr(ERRNO.EINVAL, 'vfio_pci_ioctl_reset', `${bdf} has no reset method (no FLR, no PM reset, and a bus reset needs a bridge above it with no other device below)`));
    }
    this.fn(bdf).reset();
    return ok(0);
  }

  /** vfio_pci_ioctl_set_irqs(): the header, vfio_set_irqs_validate_and_prepare(), the data, then
   *  vfio_pci_set_irqs_ioctl(). */
  private setIrqs(bdf: string, s: VfioPciState, arg: unknown, eventfd: EventfdLookup): Outcome {
    const where = 'vfio_set_irqs_validate_and_prepare (vfio_pci_ioctl_set_irqs)';
    if (!isObj(arg)) return efault('vfio_pci_ioctl_set_irqs');
    const argsz = u32(arg.argsz), flags = u32(arg.flags), index = u32(arg.index), start = u32(arg.start), count = u32(arg.count);
    const max = this.irqCount(bdf, index);
    const einval = (why: string) => fail(kerr(ERRNO.EINVAL, where, why));
    if (argsz < MINSZ_IRQ_SET) return einval(`argsz ${argsz} is smaller than ${MINSZ_IRQ_SET}`);
    const nIrqs = VFIO_PCI_NUM_IRQS + this.extIrqs(bdf).length;
    if (index >= nIrqs) return einval(`irq index ${index} is not below ${nIrqs}`);
    if (count >= 0xffff_ffff - start) return einval(`start ${start} + count ${count} wraps`);
    if (flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)) return einval(`unknown flags 0x${flags.toString(16)}`);
    if (start >= max || start + count > max) return einval(`vectors ${start}..${start + count - 1} are outside the ${max} of index ${index}`);
    let size: number;
    switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
      case VFIO_IRQ_SET_DATA_NONE: size = 0; break;
      case VFIO_IRQ_SET_DATA_BOOL: size = 1; break;
      case VFIO_IRQ_SET_DATA_EVENTFD: size = 4; break;
      default: return einval('not exactly one DATA_ type flag');
    }
    let data: number[] = [];
    if (size > 0) {
      if (argsz - MINSZ_IRQ_SET < count * size) return einval(`argsz ${argsz} leaves ${argsz - MINSZ_IRQ_SET} bytes of data for ${count} entries of ${size}`);
      const raw = (arg as { data?: unknown }).data;
      if (!Array.isArray(raw) || raw.length < count) return fail(kerr(ERRNO.EFAULT, 'memdup_user (vfio_pci_ioctl_set_irqs)', `data[] holds fewer than ${count} entries`));
      data = raw.slice(0, count).map((x) => Number(x));
    }
    return this.setIrqsIoctl(bdf, s, flags, index, start, count, data, eventfd);
  }

  /** vfio_pci_set_irqs_ioctl(): the handler for (index, action), or -ENOTTY. */
  private setIrqsIoctl(bdf: string, s: VfioPciState, flags: number, index: number, start: number, count: number, data: number[], eventfd: EventfdLookup): Outcome {
    const action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
    const enotty = () => fail(kerr(ERRNO.ENOTTY, 'vfio_pci_set_irqs_ioctl', `no handler for action 0x${action.toString(16)} on irq index ${index}`));
    if (index >= VFIO_PCI_NUM_IRQS) {
      if (action !== VFIO_IRQ_SET_ACTION_TRIGGER) return enotty();
      return this.setExtTrigger(s, index - VFIO_PCI_NUM_IRQS, start, count, flags, data, eventfd);
    }
    if (index === VFIO_PCI_MSI_IRQ_INDEX || index === VFIO_PCI_MSIX_IRQ_INDEX) {
      if (action !== VFIO_IRQ_SET_ACTION_TRIGGER) return enotty();    // "XXX Need masking support exported"
      return this.setMsiTrigger(bdf, s, index, start, count, flags, data, eventfd);
    }
    if (index === VFIO_PCI_INTX_IRQ_INDEX && (action === VFIO_IRQ_SET_ACTION_MASK || action === VFIO_IRQ_SET_ACTION_UNMASK || action === VFIO_IRQ_SET_ACTION_TRIGGER)) {
      throw new NotModelled('INTx (vfio_pci_set_intx_*)');
    }
    if (index === VFIO_PCI_ERR_IRQ_INDEX && action === VFIO_IRQ_SET_ACTION_TRIGGER && this.fn(bdf).isPcie) throw new NotModelled('the ERR trigger');
    if (index === VFIO_PCI_REQ_IRQ_INDEX && action === VFIO_IRQ_SET_ACTION_TRIGGER) throw new NotModelled('the REQ trigger');
    return enotty();
  }

  /** vfio_pci_set_msi_trigger() */
  private setMsiTrigger(bdf: string, s: VfioPciState, index: number, start: number, count: number, flags: number, data: number[], eventfd: EventfdLookup): Outcome {
    const where = 'vfio_pci_set_msi_trigger';
    if (s.irqType === index && count === 0 && flags & VFIO_IRQ_SET_DATA_NONE) {
      this.msiDisable(bdf, s);
      return ok(0);
    }
    if (!(s.irqType === index || s.irqType === VFIO_PCI_NUM_IRQS)) {
      return fail(kerr(ERRNO.EINVAL, where, `another interrupt type (index ${s.irqType}) is enabled`));
    }
    if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
      if (s.irqType === index) return this.setBlock(bdf, s, start, data, eventfd);
      if (index === VFIO_PCI_MSIX_IRQ_INDEX) throw new NotModelled('MSI-X');
      // vfio_msi_enable(): pci_alloc_irq_vectors() then irq_type and msi_qmax.
      const e = this.msi.enable(bdf, start + count);
      if (e !== null) return fail(e);
      s.irqType = index;
      s.triggers = new Array<Trigger | null>(start + count).fill(null);
      const r = this.setBlock(bdf, s, start, data, eventfd);
      if (!r.ok) this.msiDisable(bdf, s);
      return r;
    }
    if (s.irqType !== index) return fail(kerr(ERRNO.EINVAL, where, `MSI is not enabled (index ${index})`));
    // Loopback: DATA_NONE signals each vector's trigger, DATA_BOOL those whose byte is set.
    for (let i = start; i < start + count; i++) {
      if (flags & VFIO_IRQ_SET_DATA_NONE || data[i - start]) s.triggers[i]?.efd.signal();
    }
    return ok(0);
  }

  /** The seed series' vfio_pci_set_ext_irq_trigger(): start 0, at most one vector, then
   *  vfio_pci_set_ctx_trigger_single(): DATA_NONE with count 0 releases the trigger; DATA_EVENTFD
   *  sets it (fd -1 releases); DATA_NONE / DATA_BOOL with a count signal it (loopback). */
  private setExtTrigger(s: VfioPciState, i: number, start: number, count: number, flags: number, data: number[], eventfd: EventfdLookup): Outcome {
    const where = 'vfio_pci_set_ext_irq_trigger';
    if (start !== 0 || count > 1) return fail(kerr(ERRNO.EINVAL, where, `start ${start} count ${count}: one vector at 0`));
    if (flags & VFIO_IRQ_SET_DATA_NONE && count === 0) { s.extTriggers[i] = null; return ok(0); }
    if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
      const fd = data[0] | 0;
      if (fd === -1) { s.extTriggers[i] = null; return ok(0); }
      const e = eventfd(fd);
      if (e === 'EBADF' || e === 'EINVAL') return fail(kerr(ERRNO[e], 'eventfd_ctx_fdget (vfio_pci_set_ctx_trigger_single)', e === 'EBADF' ? `fd ${fd} is not open` : `fd ${fd} is not an eventfd`));
      s.extTriggers[i] = { fd, efd: e };
      return ok(0);
    }
    if (count > 0 && (flags & VFIO_IRQ_SET_DATA_NONE || data[0])) s.extTriggers[i]?.efd.signal();
    return ok(0);
  }

  /** vfio_msi_set_block(): vfio_msi_set_vector_signal() per vector; on an error the vectors set
   *  so far are released again. */
  private setBlock(bdf: string, s: VfioPciState, start: number, fds: number[], eventfd: EventfdLookup): Outcome {
    for (let j = 0; j < fds.length; j++) {
      const v = start + j, fd = fds[j] | 0;
      if (fd < 0) { s.triggers[v] = null; continue; }
      const e = eventfd(fd);
      if (e === 'EBADF' || e === 'EINVAL') {
        for (let k = j - 1; k >= 0; k--) s.triggers[start + k] = null;
        return fail(kerr(ERRNO[e], 'eventfd_ctx_fdget (vfio_msi_set_vector_signal)', e === 'EBADF' ? `fd ${fd} is not open` : `fd ${fd} is not an eventfd`));
      }
      s.triggers[v] = { fd, efd: e };
    }
    return ok(0);
  }

  /** vfio_msi_disable(): every vector released, pci_free_irq_vectors(), irq_type none. */
  private msiDisable(bdf: string, s: VfioPciState): void {
    s.triggers = [];
    this.msi.disable(bdf);
    s.irqType = VFIO_PCI_NUM_IRQS;
  }

  // ---- read / write (pread/pwrite at VFIO_PCI_INDEX_TO_OFFSET(index) + offset) ----------------

  /** vfio_pci_rw(): returns the value read, or the error. */
  read(bdf: string, pos: bigint, size: number): { value: bigint } | KErr {
    return this.rw(bdf, pos, size, undefined);
  }

  write(bdf: string, pos: bigint, size: number, value: bigint): { value: bigint } | KErr {
    return this.rw(bdf, pos, size, value);
  }

  private rw(bdf: string, pos: bigint, size: number, value: bigint | undefined): { value: bigint } | KErr {
    const f = this.fn(bdf);
    const s = this.state.get(bdf) ?? (this.open(bdf), this.state.get(bdf)!);
    const index = Number(pos >> VFIO_PCI_OFFSET_SHIFT);
    const off = Number(pos & ((1n << VFIO_PCI_OFFSET_SHIFT) - 1n));
    const where = 'vfio_pci_rw';
    if (![1, 2, 4, 8].includes(size)) return kerr(ERRNO.EINVAL, where, `a ${size}-byte access`);
    if (index >= VFIO_PCI_NUM_REGIONS) {
      // vdev->region[index - VFIO_PCI_NUM_REGIONS].ops->rw()
      const r = this.extRegions(bdf)[index - VFIO_PCI_NUM_REGIONS];
      if (r === undefined) return kerr(ERRNO.EINVAL, where, `region index ${index} is beyond the device's regions`);
      return r.rw(off, size, value);
    }
    if (index === VFIO_PCI_CONFIG_REGION_INDEX) {
      if (size === 8 || off + size > f.config.length || off % size !== 0) {
        return kerr(ERRNO.EINVAL, 'vfio_pci_config_rw', `a ${size}-byte config access at 0x${off.toString(16)} (1, 2 or 4 bytes, aligned, below 0x${f.config.length.toString(16)})`);
      }
      if (value === undefined) return { value: BigInt(get(s.vconfig, off, size)) };
      this.configWrite(f, s, off, size as 1 | 2 | 4, Number(value & 0xffff_ffffn));
      return { value };
    }
    if (index <= 5) {
      const len = f.barSizes[index];
      if (len === 0 || off >= len) return kerr(ERRNO.EINVAL, 'vfio_pci_bar_rw', `offset 0x${off.toString(16)} is outside BAR${index} (${len} bytes)`);
      // vfio_pci_core_do_io_rw(test_mem = true): memory decode must be on in the virtual command register.
      if ((get(s.vconfig, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY) === 0) {
        return kerr(ERRNO.EIO, '__vfio_pci_memory_enabled (vfio_pci_bar_rw)', 'PCI_COMMAND_MEMORY is clear in the virtualised command register');
      }
      if (value === undefined) return { value: f.mmioRead(index, off, size) };
      f.mmioWrite(index, off, size, value);
      return { value };
    }
    return kerr(ERRNO.EINVAL, index === VFIO_PCI_ROM_REGION_INDEX ? 'vfio_pci_bar_rw (ROM)' : 'vfio_pci_vga_rw',
      index === VFIO_PCI_ROM_REGION_INDEX ? `${bdf} has no ROM` : `${bdf} is not a VGA device`);
  }

  /** The virtualised writes: command (also to the device, as vfio_basic_config_write passes the
   *  memory/io/master bits through), BARs, interrupt line, and the MSI capability (vconfig only). */
  private configWrite(f: PciFunction, s: VfioPciState, off: number, size: 1 | 2 | 4, v: number): void {
    for (let i = 0; i < size; i++) {
      const a = off + i, byte = Math.floor(v / 256 ** i) & 0xff;
      if (a === PCI_COMMAND || a === PCI_COMMAND + 1) {
        s.vconfig[a] = byte;
        f.configWrite(a, 1, byte);
      } else if (a >= PCI_BASE_ADDRESS_0 && a < PCI_BASE_ADDRESS_0 + 24) {
        s.vconfig[a] = byte;
      } else if (a === PCI_INTERRUPT_LINE || (f.msiCap !== 0 && a >= f.msiCap + 2 && a < f.msiCap + 14)) {
        s.vconfig[a] = byte;
      }
    }
    // vfio_bar_fixup(): a BAR reads back with the bits below its size clear.
    for (let bar = 0; bar < 6; bar++) {
      const at = PCI_BASE_ADDRESS_0 + 4 * bar, len = f.barSizes[bar];
      const raw = get(s.vconfig, at, 4);
      set(s.vconfig, at, 4, len === 0 ? 0 : ((raw & ~(len - 1)) | (f.config[at] & 0xf)) >>> 0);
    }
  }
}

function isObj(v: unknown): v is Record<string, U> {
  return typeof v === 'object' && v !== null;
}
