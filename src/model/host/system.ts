// The host composition: one object a CLI script or a lab program drives end to end. VFIO type1
// (src/model/vfio/) on the platform the script names, with the hardware below it:
//   arm64-virt  a LabMachine (its PhysMem, its SMMUv3 probed by the Linux-like driver) with the
//               arm-smmu-v3 driver below VFIO (smmu-driver.ts: page tables in host kernel memory,
//               STEs, CDs, TLBIs) and a GICv3 ITS at 0x08080000 set up by the host's ITS driver
//               (its-driver.ts) when this object is made - never at LabMachine construction, so
//               machines without a host keep their traces and digests.
//   x86-vtd     no SMMU: DMA translates through the domain's page table (IoPageTable.iovaToPhys);
//               VT-d's hardware is not modelled. MSIs go to a minimal interrupt remapping
//               (vtd-ir.ts).
// Process memory: pin.ts takes a process's pages from Platform.hostRamBase + 256 MiB. On arm64-virt
// hostRamBase is set to the LabMachine's RAM_BASE (0x8_0000_0000), so the pages MAP_DMA pins are
// at 0x8_1000_0000 upwards, inside the machine's host RAM where the SMMU's output addresses can
// be read; on x86-vtd the platform's own 0x1_0000_0000 (pages from 0x1_1000_0000) in a PhysMem of
// this object's own.
// Devices: each spec with `model: "edu"` gets QEMU's edu (src/model/devices/edu.ts) whose bus
// port is this object: a DMA goes through the SMMU (or the VT-d page table) to memory, an MSI
// write through the SMMU to the ITS (or to interrupt remapping), and an interrupt that arrives
// signals the eventfd VFIO_DEVICE_SET_IRQS attached.
//
// Every method returns the SysResult shape of vfio.ts, with the extra fields the ioctl script's
// output lines carry (formats/ioctl-script.md).

import { EduDevice } from '../devices/edu';
import {
  PCI_MSI_ADDRESS_HI, PCI_MSI_ADDRESS_LO, PCI_MSI_DATA_64, PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE, type DmaResult,
  type MsiResult, type PciBusPort, type PciFunction,
} from '../devices/pci';
import type { IommuDomain } from '../iommu/domain';
import type { DeviceSpec } from '../iommu/group';
import { armVirt, VIRT_GITS_TRANSLATER, VIRT_ITS_BASE, x86Vtd, type ArmVirtOptions, type Machine, type Platform, type X86VtdOptions } from '../iommu/platform';
import { LabMachine, RAM_BASE } from '../lab/machine';
import { PhysMem } from '../mem';
import { ITS_SIZE } from '../its/regs';
import type { EventRecord } from '../smmuv3/events';
import type { Trace } from '../trace';
import { VfioPciCore, type MsiBackend } from '../vfio/device';
import { ERRNO, errname, kerr, type KErr } from '../vfio/errno';
import { VFIO_PCI_CONFIG_REGION_INDEX, VFIO_PCI_INDEX_TO_OFFSET } from '../vfio/ioctl';
import type { ProcessOptions } from '../vfio/pin';
import { kernelProfile, type KernelId } from '../vfio/profile';
import { VfioHost, type SysResult } from '../vfio/vfio';
import { readBytes, writeBytes } from './bytes';
import { hostIommufdHw, iommufdPrepareMsi } from './iommufd';
import { HostItsDriver } from './its-driver';
import { SeedNestingHost } from './nesting-host';
import { prepareMsi } from './msi-cookie';
import { bdfToRid } from './rid';
import { ArmSmmuV3Driver } from './smmu-driver';
import { InterruptRemapping, IR_WINDOW_END, IR_WINDOW_START } from './vtd-ir';

export interface HostSystemOptions {
  kernel?: KernelId;
  platform: { machine: Machine; smmu_stage?: 's1' | 's2' | 'nested' } & Omit<ArmVirtOptions & X86VtdOptions, 'smmuStage'>;
  devices: DeviceSpec[];
  process?: ProcessOptions;
  allowUnsafeInterrupts?: boolean;
  dmaEntryLimit?: number;
  /** x86-vtd only: where process memory lives (default the platform's 0x1_0000_0000). A lab
   *  program's host puts it in the LabMachine's RAM, as arm64-virt always does. */
  hostRamBase?: bigint;
}

/** A call's result as an ioctl script line reports it: the SysResult fields, and for device
 *  actions and memory ops their own fields (formats/ioctl-script.md). */
export interface HostResult extends SysResult {
  /** dma: whether every byte went through. */
  ok?: boolean;
  /** dma read and peek: the bytes. */
  data?: Uint8Array;
  /** dma: the PA the IOMMU produced for the first byte. */
  pa?: bigint;
  /** dma, irq: the SMMU event that stopped it (null: aborted without an event). */
  event?: EventRecord | null;
  /** irq: the MSI reached the interrupt controller and became an interrupt. */
  delivered?: boolean;
  /** mmio and config reads. */
  value?: bigint;
}

const PAGE = 0x1000n;
/** The ITS's second 64 KB frame, the translation frame that holds GITS_TRANSLATER (primer §5.1). */
const ITS_TRANSLATION_FRAME = VIRT_ITS_BASE + 0x10000n;
const nope = (e: KErr): HostResult => ({ ret: -1, errno: e.errno, errname: errname(e.errno), where: e.where, why: e.why, log: e.log ?? [] });
const done = (extra: Partial<HostResult> = {}): HostResult => ({ ret: 0, errno: 0, log: [], ...extra });

export class HostSystem {
  readonly platform: Platform;
  readonly vfio: VfioHost;
  /** The machine below on arm64-virt; null on x86-vtd. */
  readonly machine: LabMachine | null;
  readonly mem: PhysMem;
  readonly smmuDriver: ArmSmmuV3Driver | null;
  readonly itsDriver: HostItsDriver | null;
  readonly ir: InterruptRemapping | null;
  /** 5.12-nested on smmu_stage "nested": the seed series' fault region/IRQ, fault routing and
   *  NESTED_MSI cookie (nesting-host.ts); null otherwise. */
  readonly seedNesting: SeedNestingHost | null = null;
  readonly pci: VfioPciCore;
  readonly functions = new Map<string, PciFunction>();
  private readonly ownTrace: Trace = [];
  /** x86-vtd in a lab program: the LabMachine whose memory and trace this host uses. */
  private readonly lender: LabMachine | null = null;
  /** Per device: each MSI vector's LPI (arm) or IRTE index (x86). */
  private readonly vectors = new Map<string, { lpi?: number; irte?: number }[]>();

  constructor(opts: HostSystemOptions, machine?: LabMachine) {
    const p = opts.platform;
    if (p.machine === 'arm64-virt') {
      this.machine = machine ?? new LabMachine();
      this.platform = { ...armVirt({ ...p, smmuStage: p.smmu_stage ?? 's1' }), hostRamBase: BigInt(RAM_BASE) };
      this.mem = this.machine.mem;
      for (const d of opts.devices) {
        const sid = bdfToRid(d.bdf);
        const clash = this.machine.devices.find((x) => x.sid === sid);
        if (clash !== undefined) throw new RangeError(`${d.bdf}: StreamID 0x${sid.toString(16)} is already the lab program's device ${clash.bdf}`);
      }
      // The seed series on an SMMU with both stages: nested domains' stage 2 is a LabVm (nesting-vm.ts).
      const seed = kernelProfile(opts.kernel)?.seedNesting === true && p.smmu_stage === 'nested';
      this.smmuDriver = new ArmSmmuV3Driver(this.machine, { nestedS2Vm: seed });
      if (seed) this.seedNesting = new SeedNestingHost(this.machine, () => this.pci);
      this.itsDriver = new HostItsDriver(this.machine);
      this.ir = null;
    } else {
      // No SMMU: a LabMachine given (a lab program's) only lends its memory and its trace.
      this.machine = null;
      this.platform = { ...x86Vtd(p), ...(opts.hostRamBase !== undefined ? { hostRamBase: opts.hostRamBase } : {}) };
      this.mem = machine?.mem ?? new PhysMem();
      this.lender = machine ?? null;
      if (machine === undefined) this.mem.trace = this.ownTrace;
      this.smmuDriver = null;
      this.itsDriver = null;
      this.ir = new InterruptRemapping();
    }
    for (const d of opts.devices) {
      if (d.model === 'edu') this.functions.set(d.bdf, new EduDevice(this.portFor(d.bdf)));
      else if (d.model !== undefined && d.model !== '') throw new RangeError(`${d.bdf}: device model ${JSON.stringify(d.model)} is not modelled (edu is)`);
    }
    const msi: MsiBackend = { enable: (bdf, n) => this.msiEnable(bdf, n), disable: (bdf) => this.msiDisable(bdf) };
    this.pci = new VfioPciCore(this.functions, msi, (bdf) => resetWorks(bdf, opts.devices), this.seedNesting?.extras ?? null);
    this.vfio = new VfioHost({
      platform: this.platform, kernel: opts.kernel, devices: opts.devices, process: opts.process,
      allowUnsafeInterrupts: opts.allowUnsafeInterrupts, dmaEntryLimit: opts.dmaEntryLimit, pci: this.pci,
      ...(this.smmuDriver !== null ? { hw: this.smmuDriver, pageTable: this.smmuDriver.pageTable } : {}),
      // /dev/iommu on the same SMMU (iommufd.ts); the profile decides whether it exists.
      ...(this.smmuDriver !== null ? { iommufdHw: hostIommufdHw(this.machine!, opts.devices, this.smmuDriver, p.smmu_stage === 'nested') } : {}),
    });
    // Each device starts in its default domain (an abort STE here, see smmu-driver.ts).
    if (this.smmuDriver !== null) for (const d of opts.devices) this.smmuDriver.setDeviceDomain(d, { kind: 'default' });
  }

  /** Where every event goes: the machine's trace on arm64-virt, this object's on x86-vtd. */
  get trace(): Trace {
    const m = this.machine ?? this.lender;
    return m !== null ? m.trace : this.ownTrace;
  }

  // ---- system calls -------------------------------------------------------------------------

  open(path: string): HostResult { return this.vfio.open(path); }
  close(fd: number): HostResult { return this.vfio.close(fd); }
  ioctl(fd: number, request: number | string, arg?: unknown): HostResult { return this.vfio.ioctl(fd, request, arg); }
  mmap(length: bigint, prot?: { read: boolean; write: boolean }): HostResult { return this.vfio.mmap(length, prot); }
  read(path: string): HostResult { return this.vfio.read(path); }
  eventfd(): HostResult { return this.vfio.eventfd(); }
  readEventfd(fd: number): HostResult { return this.vfio.readEventfd(fd); }

  /** The PA behind [addr, addr + len) of process memory, or EFAULT. */
  private processPa(addr: bigint, len: number, write: boolean): bigint | KErr {
    const v = this.vfio.process.vmaAt(addr);
    if (v === undefined || addr + BigInt(len) > v.start + v.length) return kerr(ERRNO.EFAULT, write ? 'poke' : 'peek', `0x${addr.toString(16)} (+${len}) is not inside one mapping of the process`);
    if (write ? !v.write : !v.read) return kerr(ERRNO.EFAULT, write ? 'poke' : 'peek', `the mapping at 0x${v.start.toString(16)} is not ${write ? 'writable' : 'readable'}`);
    return v.paddr + (addr - v.start);
  }

  /** The process writes bytes at a virtual address (its own memory). */
  poke(addr: bigint, data: Uint8Array): HostResult {
    const pa = this.processPa(addr, data.length, true);
    if (typeof pa !== 'bigint') return nope(pa);
    writeBytes(this.mem, pa, data, 'process');
    return done();
  }

  peek(addr: bigint, len: number): HostResult {
    const pa = this.processPa(addr, len, false);
    if (typeof pa !== 'bigint') return nope(pa);
    return done({ data: readBytes(this.mem, pa, len, 'process') });
  }

  // ---- device actions ---------------------------------------------------------------------

  private fn(bdf: string): PciFunction {
    const f = this.functions.get(bdf);
    if (f === undefined) throw new RangeError(`${bdf}: no device model is attached (devices[].model)`);
    return f;
  }

  /** The device DMAs: `read` fetches `len` bytes at `iova`, `write` stores `data` there. */
  dma(bdf: string, dir: 'read' | 'write', iova: bigint, len: number, data?: Uint8Array): HostResult {
    const f = this.fn(bdf);
    if (!(f instanceof EduDevice)) throw new RangeError(`${bdf}: the ${f.model} model has no DMA engine`);
    const r = f.dmaAction(dir, iova, len, data);
    const out: HostResult = done({ ok: r.ok });
    if (dir === 'read' && r.ok && r.data !== undefined) out.data = r.data;
    if (r.pa !== undefined) out.pa = r.pa;
    if (r.event !== undefined) out.event = r.event;
    if (r.why !== undefined) out.why = r.why;
    return out;
  }

  /** The device raises MSI `vector`. */
  irq(bdf: string, vector: number): HostResult {
    const r = this.fn(bdf).msiNotify(vector);
    if (r === null) return done({ delivered: false, why: `MSI vector ${vector} is not enabled in ${bdf}'s MSI capability (VFIO_DEVICE_SET_IRQS has not enabled it)` });
    const out = done({ delivered: r.delivered });
    if (r.event !== undefined) out.event = r.event;
    if (r.why !== undefined) out.why = r.why;
    return out;
  }

  /** pread/pwrite of BAR `bar` through the device's first open fd. */
  mmio(bdf: string, bar: number, offset: number, size: number, value?: bigint): HostResult {
    return this.regionRw(bdf, bar, offset, size, value);
  }

  /** pread/pwrite of config space through the device's first open fd. */
  config(bdf: string, offset: number, size: number, value?: bigint): HostResult {
    return this.regionRw(bdf, VFIO_PCI_CONFIG_REGION_INDEX, offset, size, value);
  }

  private regionRw(bdf: string, index: number, offset: number, size: number, value?: bigint): HostResult {
    const fd = this.vfio.deviceFds(bdf)[0];
    if (fd === undefined) return nope(kerr(ERRNO.EBADF, value === undefined ? 'pread' : 'pwrite', `no device fd of ${bdf} is open (VFIO_GROUP_GET_DEVICE_FD first)`));
    const r = this.vfio.deviceRw(fd, VFIO_PCI_INDEX_TO_OFFSET(index) + BigInt(offset), size, value);
    if (r.errno !== 0) return r;
    return value === undefined ? done({ value: r.out!.value as bigint }) : done();
  }

  // ---- the bus: DMA and MSI writes of a device ---------------------------------------------

  /** The domain the device's group is attached to, or null. */
  private domainOf(bdf: string): IommuDomain | null {
    for (const g of this.vfio.iommuGroups.values()) {
      if (g.devices.some((d) => d.spec.bdf === bdf)) return g.attached.kind === 'domain' ? g.attached.domain : null;
    }
    return null;
  }

  /** One access of the device at `addr` translated: the PA, or the fault. */
  private translate(bdf: string, sid: number, addr: bigint, write: boolean): { pa: bigint } | { event?: EventRecord | null; why?: string } {
    if (this.machine !== null) {
      const r = this.machine.smmu.translate({ sid, iova: addr, access: write ? 'write' : 'read' });
      if (r.ok) return { pa: r.pa };
      // arm_smmu_evtq_thread(): the host driver consumes the record; a guest's stage-1 event of a
      // device attached nested goes on to its vEVENTQ (arm_smmu_handle_event()).
      if (r.event !== null) this.serviceEvents();
      return { event: r.event };
    }
    const d = this.domainOf(bdf);
    const pa = d === null ? null : d.pt.iovaToPhys(addr);
    if (pa === null) return { why: `VT-d: IOVA 0x${addr.toString(16)} is not mapped in ${bdf}'s ${d === null ? 'domain (none attached: DMA blocked)' : 'domain'} (a DMA remapping fault; VT-d hardware is not modelled)` };
    return { pa };
  }

  /** The host's event-queue thread: iommufd's (which forwards to vEVENTQs) when /dev/iommu has a
   *  hardware below it, else the driver's. Returns how many records went to a vEVENTQ. */
  serviceEvents(): number {
    if (this.machine === null) return 0;
    if (this.seedNesting !== null) return this.seedNesting.evtqThread();   // seed: DMA_FAULT rings
    if (this.vfio.iommufd.hasHw) return this.vfio.iommufd.evtqThread();
    this.machine.drainEvents('host');
    return 0;
  }

  private portFor(bdf: string): PciBusPort {
    const sid = bdfToRid(bdf);
    const access = (addr: bigint, len: number, write: boolean, data?: Uint8Array): DmaResult => {
      this.trace.push({ type: 'dev.dma', bdf, sid, iova: addr, len, write });
      const out = new Uint8Array(len);
      let first: bigint | undefined;
      for (let off = 0; off < len;) {
        const a = addr + BigInt(off);
        const n = Math.min(len - off, Number(PAGE - (a & (PAGE - 1n))));
        const t = this.translate(bdf, sid, a, write);
        if (!('pa' in t)) return { ok: false, ...(first !== undefined ? { pa: first } : {}), ...t };
        first ??= t.pa;
        if (write) this.busWrite(t.pa, data!.subarray(off, off + n), sid);
        else out.set(readBytes(this.mem, t.pa, n, 'dev'), off);
        off += n;
      }
      return write ? { ok: true, pa: first ?? addr } : { ok: true, pa: first ?? addr, data: out };
    };
    return {
      dmaRead: (addr, len) => access(addr, len, false),
      dmaWrite: (addr, data) => access(addr, data.length, true, data),
      msiWrite: (addr, data) => this.msiWrite(bdf, sid, addr, data),
    };
  }

  /** A write that left the IOMMU at `pa`: into the ITS frame, or memory. */
  private busWrite(pa: bigint, data: Uint8Array, sid: number): void {
    const its = this.itsDriver?.its;
    if (its !== undefined && pa >= VIRT_ITS_BASE && pa < VIRT_ITS_BASE + BigInt(ITS_SIZE)) {
      for (let i = 0; i + 4 <= data.length; i += 4) its.write(Number(pa) + i, data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24), sid);
      return;
    }
    writeBytes(this.mem, pa, data, 'dev');
  }

  /** msi_send_message(): the 32-bit write, its journey, and the eventfd at its end. */
  private msiWrite(bdf: string, sid: number, addr: bigint, data: number): MsiResult {
    this.trace.push({ type: 'dev.msi', bdf, sid, addr, data });
    if (this.ir !== null && addr >= IR_WINDOW_START && addr <= IR_WINDOW_END) {
      // x86: the interrupt window is never translated; interrupt remapping takes the write.
      const r = this.ir.deliver(addr, data, sid);
      this.trace.push(r.ok ? { type: 'ir.msi', addr, data, ok: true } : { type: 'ir.msi', addr, data, ok: false, why: r.why });
      if (!r.ok) return { delivered: false, why: r.why };
      this.signal(r.irte.bdf, r.irte.vector);
      return { delivered: true };
    }
    const t = this.translate(bdf, sid, addr, true);
    if (!('pa' in t)) return { delivered: false, ...t };
    const its = this.itsDriver?.its;
    if (its === undefined || t.pa < ITS_TRANSLATION_FRAME || t.pa >= VIRT_ITS_BASE + BigInt(ITS_SIZE)) {
      writeBytes(this.mem, t.pa, new Uint8Array([data & 0xff, (data >> 8) & 0xff, (data >> 16) & 0xff, (data >>> 24) & 0xff]), 'dev');
      return { delivered: false, why: `the write reached 0x${t.pa.toString(16)}, which is not the ITS's GITS_TRANSLATER (0x${VIRT_GITS_TRANSLATER.toString(16)}): memory was written, no interrupt` };
    }
    const r = its.write(Number(t.pa), data >>> 0, sid, 4);
    if (r === null) return { delivered: false, why: `0x${t.pa.toString(16)} is in the ITS's translation frame but not GITS_TRANSLATER` };
    if (!r.ok) return { delivered: false, why: `the ITS dropped it: ${r.drop.why}` };
    // The host's handler is the LPI's: whichever of the device's vectors owns that LPI is signalled.
    const v = this.vectors.get(bdf)?.findIndex((x) => x.lpi === r.intid) ?? -1;
    if (v >= 0) this.signal(bdf, v);
    return { delivered: true };
  }

  /** The host's handler for the vector's interrupt: vfio_msihandler() -> eventfd_signal(). */
  private signal(bdf: string, vector: number): void {
    const t = this.pci.trigger(bdf, vector);
    if (t !== null) this.trace.push({ type: 'msi.signal', fd: t.fd, count: Number(t.efd.count) });
  }

  // ---- MSI below vfio_msi_enable(): pci_alloc_irq_vectors() and pci_free_irq_vectors() --------

  private msiEnable(bdf: string, nvec: number): KErr | null {
    const f = this.fn(bdf);
    const rid = bdfToRid(bdf);
    const vecs: { lpi?: number; irte?: number }[] = [];
    const msgs: { addr: bigint; data: number }[] = [];
    if (this.itsDriver !== null) {
      const dev = this.itsDriver.prepare(rid, nvec);                                // its_msi_prepare(): MAPD
      for (let v = 0; v < nvec; v++) {
        // iommu_dma_prepare_msi(): iommufd's sw_msi for a device bound through a cdev
        // (iommufd.ts), the NESTED_MSI cookie (seed profile) or the MSI cookie.
        const viaFd = iommufdPrepareMsi(this.vfio.iommufd, bdf, VIRT_GITS_TRANSLATER);
        if (viaFd !== null && 'errno' in viaFd) return viaFd;
        const nested = viaFd ?? this.seedNesting?.prepareMsi(this.domainOf(bdf), VIRT_GITS_TRANSLATER) ?? null;
        if (nested !== null && 'errno' in nested) return nested;
        const { addr } = nested ?? prepareMsi(this.domainOf(bdf), VIRT_GITS_TRANSLATER);
        const { eventId, lpi } = this.itsDriver.allocVector(dev);                   // MAPTI, INV
        vecs.push({ lpi });
        msgs.push({ addr, data: eventId });
      }
    } else {
      for (let v = 0; v < nvec; v++) {
        const m = this.ir!.alloc(rid, bdf, v);
        vecs.push({ irte: m.index });
        msgs.push({ addr: m.addr, data: m.data });
      }
    }
    this.vectors.set(bdf, vecs);
    // pci_write_msi_msg() for vector 0 (multi-message MSI shares one address; the data's low bits
    // carry the vector), then the enable bit with QSIZE = log2(nvec) (msi_capability_init()).
    const cap = f.msiCap;
    f.configWrite(cap + PCI_MSI_ADDRESS_LO, 4, Number(msgs[0].addr & 0xffff_ffffn));
    f.configWrite(cap + PCI_MSI_ADDRESS_HI, 4, Number(msgs[0].addr >> 32n));
    f.configWrite(cap + PCI_MSI_DATA_64, 2, msgs[0].data);
    const flags = f.configRead(cap + PCI_MSI_FLAGS, 2);
    f.configWrite(cap + PCI_MSI_FLAGS, 2, (flags & ~0x70) | (Math.log2(nvec) << 4) | PCI_MSI_FLAGS_ENABLE);
    return null;
  }

  private msiDisable(bdf: string): void {
    const f = this.fn(bdf);
    const cap = f.msiCap;
    f.configWrite(cap + PCI_MSI_FLAGS, 2, f.configRead(cap + PCI_MSI_FLAGS, 2) & ~PCI_MSI_FLAGS_ENABLE);   // pci_msi_shutdown()
    if (this.itsDriver !== null) this.itsDriver.freeDevice(bdfToRid(bdf));
    else this.ir!.freeDevice(bdf);
    this.vectors.delete(bdf);
  }
}

/** vdev->reset_works (pci_probe_reset_function()): edu has no FLR (no PCIe or AF capability) and
 *  no PM capability; a secondary bus reset works only below a bridge with no other function on
 *  that bus (pci_parent_bus_reset()), so a device on bus 0 (the root bus) cannot be reset. */
function resetWorks(bdf: string, devices: readonly DeviceSpec[]): boolean {
  const bus = bdfToRid(bdf) >> 8;
  if (bus === 0) return false;
  return !devices.some((d) => d.bdf !== bdf && bdfToRid(d.bdf) >> 8 === bus);
}
