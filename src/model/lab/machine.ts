// The machine a lab program acts on: host RAM, an SMMUv3 behind its MMIO registers, and the
// objects the program makes (devices, VMs, guest page tables, CDs). Each method is one thing a
// kernel, QEMU or a device does, and does it the way they do: through traced memory writes,
// MMIO, and commands in the Command queue. Pure model: no DOM, no randomness, no knowledge of
// the lab language (src/lang/builtins/ turns program calls into these methods).
//
// Memory map (this lab's choice; nothing in the specifications fixes it):
//   0x1000_0000..0x1fff_ffff  host kernel memory: the stream table, the queues and every VM's
//                             stage-2 tables, from a bump allocator (256 MiB)
//   0x8_0000_0000..0x8_ffff_ffff  host RAM (4 GiB), from which guest RAM is mapped
// A software access (host, guest, a program's mem.read64/write64) outside both is an error; the
// SMMU reading anywhere else reads zero (sparse memory never written: the machine-image rule).
//
// At construction the host driver probes and resets the SMMU as Linux's arm_smmu_device_probe
// and arm_smmu_device_reset do (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c, v5.12, the kernel
// the 2021 nesting series applies to). Those register writes and commands are the trace's
// "step 0".

import { hexGrouped, setField } from '../bits';
import { type MemImage, PhysMem } from '../mem';
import { type CmdSpec, type CmdWords, encodeCmd } from '../smmuv3/commands';
import { drainEvents, submitCommands } from '../smmuv3/driver';
import { encodeCd, encodeSte, STE_CFG } from '../smmuv3/encode';
import { decodeEvent, type EventRecord } from '../smmuv3/events';
import { qEmpty, qMask } from '../smmuv3/queues';
import { CR0_CMDQEN, CR0_EVENTQEN, CR0_SMMUEN, CR2_RECINVSID, REG, type RegistersState, SmmuRegisters } from '../smmuv3/regs';
import { Smmu } from '../smmuv3/smmu';
import { restoreSmmu, type SmmuState, snapshotSmmu } from '../smmuv3/snapshot';
import type { Its } from '../its/its';
import type { Trace } from '../trace';
import type { ArmVirtOptions, Machine as HostMachine, X86VtdOptions } from '../iommu/platform';
import type { DeviceSpec } from '../iommu/group';
import type { HostCallRecord } from '../vfio/calls';
import type { ProcessOptions } from '../vfio/pin';
import type { KernelId } from '../vfio/profile';
import type { VfioHost } from '../vfio/vfio';
import type { HostSystem } from '../host/system';
import { bdfToRid } from '../host/rid';
import { PageTableBuilder, type Perm, type TableAllocator, type TableIO } from '../vmsa/builder';
import { type GranuleShift, levelShift, s1StartLevel, startIndexBits } from '../vmsa/geometry';

// ---- the memory map and the driver's choices ------------------------------------------------

export const HOST_MEM_BASE = 0x1000_0000;
export const HOST_MEM_END = 0x2000_0000;
export const RAM_BASE = 0x8_0000_0000;
export const RAM_END = 0x9_0000_0000;

/** Linear stream table for 16-bit StreamIDs (a PCI segment's bus/device/function): 2^16 STEs of
 *  64 bytes, 4 MiB, sparse until written. Linux would pick a 2-level table here
 *  (SMMU_IDR0.ST_LEVEL = 0b01, arm_smmu_init_strtab_2lvl); a linear one keeps every STE at
 *  base + 64 * StreamID, which is what a student computes. */
export const STRTAB_LOG2SIZE = 16;
/** Queue sizes, log2(entries): 256 commands and 128 event records, one 4 KiB page each (Linux
 *  sizes them from SMMU_IDR1.CMDQS/EVENTQS, up to its own caps; small queues make wrap and
 *  overflow visible). */
export const CMDQ_LOG2SIZE = 8;
export const EVTQ_LOG2SIZE = 7;

/** Linux arm-smmu-v3.h field values the driver writes. */
const Q_BASE_RWA = 1n << 62n;                 // Q_BASE_RWA; STRTAB_BASE_RA is the same bit
const CR1_VALUE = (3 << 10) | (1 << 8) | (1 << 6) | (3 << 4) | (1 << 2) | 1;  // TABLE_SH/OC/IC, QUEUE_SH/OC/IC: ISH, WB, WB
const CR2_PTM = 1 << 2;                       // written by Linux; RES0 here (SMMU_IDR0.BTM = 0)
const IRQ_CTRL_GERROR_IRQEN = 1 << 0;
const IRQ_CTRL_EVTQ_IRQEN = 1 << 2;
const STE_1_SHCFG_INCOMING = 1n << 44n;       // STRTAB_STE_1_SHCFG = 0b01, use incoming
/** STRTAB_STE_1 of every stage-1 or nested STE Linux writes (arm_smmu_write_strtab_ent; the guest's
 *  driver and the 2021 series alike): S1DSS = SSID0 (0b10), S1CIR = S1COR = WBRA (0b01), S1CSH =
 *  ISH (0b11), STRW = NS-EL1. */
export const STE_1_S1 = 0b10n | (1n << 2n) | (1n << 4n) | (3n << 6n);
/** VTCR fields Linux puts in STE word 2 besides T0SZ/SL0/TG/PS: S2IR0 = S2OR0 = WBWA, S2SH0 = ISH. */
const STE_2_S2_WALK_ATTRS = (1n << 40n) | (1n << 42n) | (3n << 44n);
/** io-pgtable-arm's MAIR: NC (0x44) at index 0, WBRWA (0xff) at 1 (ARM_LPAE_MAIR_ATTR_IDX_CACHE,
 *  what leaves use), DEVICE (0x04) at 2, INC_OWBRWA (0xf4) at 3. */
const LINUX_MAIR = 0xf404ff44;
/** arm_smmu_domain_finalise_s1: TCR IRGN0 = ORGN0 = WBWA (0b01), SH0 = ISH (0b11), CD bits 8-13. */
const CD_0_TCR_WALK_ATTRS = (1n << 8n) | (1n << 10n) | (3n << 12n);
/** Stage-2 output size: SMMU_IDR5.OAS, 48 bits (PS encoding 0b101). */
const OAS = 48;
const PS_48 = 0b101;

// ---- the objects a program makes ------------------------------------------------------------

export interface LabDevice {
  id: number;
  bdf: string;
  sid: number;
  /** The VM its STE translates for (host.attach, host.set_pasid_table), or null: blocked, or
   *  translated by the host's stage 1 alone (cd set). */
  vm: number | null;
  /** The CD its STE points to (nested, or stage 1 only), or null. */
  cd: number | null;
}

/** Guest RAM as the host mapped it in stage 2. */
export interface RamRange { ipa: number; pa: number; size: number }

export interface LabVm {
  id: number;
  vmid: number;
  g: GranuleShift;
  ipaBits: number;
  /** The stage-2 start level and its S2SL0 encoding. */
  startLevel: number;
  sl0: number;
  s2Root: number;
  ram: RamRange[];
  /** The guest's page allocator: pages go from the top of the first RAM range downward,
   *  never below its bottom. null until the host maps guest RAM. */
  allocTop: number | null;
  allocFloor: number;
}

/** A stage-1 page table: a guest's, in its VM's RAM (addresses are IPAs), or, with vm null, the
 *  host's own (host.s1.new: an ARM_SMMU_DOMAIN_S1 domain's io-pgtable, in host kernel memory,
 *  addresses are PAs). */
export interface LabPt { id: number; vm: number | null; g: GranuleShift; vaBits: number; root: number }
/** A CD: a guest's in its RAM, or (vm null) the host's in host kernel memory. `ipa` is its
 *  address as S1ContextPtr holds it: an IPA for a guest's CD, a PA for the host's. */
export interface LabCd { id: number; vm: number | null; pt: number; ipa: number; asid: number }

export type PermWord = 'r' | 'w' | 'rw' | 'rx' | 'rwx';

export function permOf(w: PermWord, extra: Omit<Perm, 'r' | 'w' | 'x'> = {}): Perm {
  return { r: w.includes('r'), w: w.includes('w'), x: w.includes('x'), ...extra };
}

/** What one DMA did. */
export interface DmaOutcome {
  ok: boolean;
  pa: bigint | null;
  event: EventRecord | null;
  /** Every SMMU read (STE, CD, descriptors) and the 2D walk's descriptor reads. */
  reads: number;
  walkReads: number;
  /** The TLB lookup for the input address: combined stage-1+2 when stage 1 translates, the
   *  stage-2 lookup of the input when it is bypassed; none when there was none. */
  tlb: 'hit' | 'miss' | 'none';
}

// ---- snapshots ------------------------------------------------------------------------------

interface LabState {
  devices: LabDevice[];
  vms: LabVm[];
  pts: LabPt[];
  cds: LabCd[];
  hostNext: number;
  strtabBase: number;
  cmdqBase: number;
  evtqBase: number;
  lastEvent: EventRecord | null;
}

/** What a program declared about the host side before its first host-side call: the platform,
 *  the kernel profile, the PCI devices and the calling process (plain data). */
export interface LabHostSpec {
  platform: { machine: HostMachine } & ArmVirtOptions & X86VtdOptions;
  kernel: KernelId;
  devices: DeviceSpec[];
  process: ProcessOptions;
}

/** arm64-virt with a stage-1 SMMU, Linux 6.12, no devices, RLIMIT_MEMLOCK unlimited. */
export function defaultHostSpec(): LabHostSpec {
  return { platform: { machine: 'arm64-virt', smmuStage: 's1' }, kernel: '6.12', devices: [], process: {} };
}

/** Everything that can change, as plain structured-clone-able data. */
export interface LabSnapshot {
  version: 1;
  mem: MemImage;
  smmu: SmmuState;
  regs: RegistersState;
  lab: LabState;
  /** The host declared so far (absent in older snapshots: the default). */
  host?: LabHostSpec;
}

// ---- the machine ----------------------------------------------------------------------------

export class LabMachine {
  readonly mem: PhysMem;
  readonly smmu: Smmu;
  readonly regs: SmmuRegisters;
  private traceArr: Trace = [];
  private s: LabState;
  /** The GICv3 ITS at VIRT_ITS_BASE, attached by the host composition (src/model/host/) when it
   *  is built on this machine; null until then, so machines without a host keep their traces,
   *  digests and snapshots. */
  private itsDev: Its | null = null;
  /** The host side as the program declared it so far; the first host-side call builds `vfio` from it. */
  hostSpec: LabHostSpec = defaultHostSpec();
  /** The host composition (VFIO, the devices, the ITS, the driver below VFIO), made by the first
   *  host-side call (src/lang/builtins/vfio-host.ts); null until then. A class graph, not plain
   *  data: see canSnapshot. */
  hostSystem: HostSystem | null = null;

  /** The host's VFIO (its fds, groups, containers), null until the host exists. */
  get vfio(): VfioHost | null {
    return this.hostSystem?.vfio ?? null;
  }
  /** Every host-side call the program made, in order, with the kernel's answer. */
  readonly hostCalls: HostCallRecord[] = [];

  /** A fresh machine, probed and reset by the host driver; or, given a snapshot, that state. */
  constructor(from?: LabSnapshot) {
    this.mem = from ? PhysMem.fromImage(from.mem) : new PhysMem();
    this.smmu = new Smmu(this.mem, { oas: OAS, cache: true });
    this.regs = new SmmuRegisters(this.smmu);
    this.trace = [];
    if (from) {
      if (from.version !== 1) throw new RangeError(`unknown lab snapshot version ${String(from.version)}`);
      this.regs.restore(from.regs);
      restoreSmmu(this.smmu, from.smmu);
      this.s = structuredClone(from.lab);
      if (from.host !== undefined) this.hostSpec = structuredClone(from.host);
    } else {
      this.s = {
        devices: [], vms: [], pts: [], cds: [], hostNext: HOST_MEM_BASE, strtabBase: 0, cmdqBase: 0, evtqBase: 0,
        lastEvent: null,
      };
      this.probe();
    }
  }

  static fromSnapshot(s: LabSnapshot): LabMachine {
    return new LabMachine(s);
  }

  /** Where every event goes: memory's software accesses and everything the SMMU does. */
  get trace(): Trace {
    return this.traceArr;
  }
  set trace(t: Trace) {
    this.traceArr = t;
    this.mem.trace = t;
    this.smmu.trace = t;
    if (this.itsDev !== null) this.itsDev.trace = t;
  }

  /** The ITS the host composition attached (attachIts), or null. */
  get its(): Its | null {
    return this.itsDev;
  }

  /** The host composition's ITS, in this machine's memory: it reports to this machine's trace. */
  attachIts(its: Its): void {
    if (this.itsDev !== null) throw new RangeError('this machine already has an ITS');
    if (its.mem !== this.mem) throw new RangeError('the ITS must use this machine\'s memory');
    this.itsDev = its;
    its.trace = this.traceArr;
  }

  get devices(): readonly LabDevice[] { return this.s.devices; }
  /** Every device with an STE on this SMMU: the program's own (host.assign) and, once the host
   *  composition runs on this machine, its PCI devices, whose StreamID is their RID (rid.ts). */
  streams(): { bdf: string; sid: number }[] {
    const out = this.s.devices.map((d) => ({ bdf: d.bdf, sid: d.sid }));
    if (this.hostSystem?.machine === this) for (const d of this.hostSpec.devices) out.push({ bdf: d.bdf, sid: bdfToRid(d.bdf) });
    return out;
  }
  get vms(): readonly LabVm[] { return this.s.vms; }
  get pts(): readonly LabPt[] { return this.s.pts; }
  get cds(): readonly LabCd[] { return this.s.cds; }
  /** The stream table's PA, as the host driver placed it. */
  get strtabBase(): number { return this.s.strtabBase; }
  get cmdqBase(): number { return this.s.cmdqBase; }
  get evtqBase(): number { return this.s.evtqBase; }
  /** The last event record drainEvents read, decoded, or null. */
  get lastEvent(): EventRecord | null { return this.s.lastEvent; }
  /** The next free byte of host kernel memory. */
  get hostNext(): number { return this.s.hostNext; }

  // ---- step 0: the host driver probes and resets the SMMU ---------------------------------

  private probe(): void {
    const r = this.regs;
    // arm_smmu_device_hw_probe: the ID registers.
    for (const id of [REG.IDR0, REG.IDR1, REG.IDR3, REG.IDR5]) r.mmioRead(id);
    // arm_smmu_init_structures: the queues and the stream table, in the driver's own memory.
    const strtabBytes = 64 * 2 ** STRTAB_LOG2SIZE;
    this.s.strtabBase = this.hostAlloc(strtabBytes);
    this.s.cmdqBase = this.hostAlloc(16 * 2 ** CMDQ_LOG2SIZE);
    this.s.evtqBase = this.hostAlloc(32 * 2 ** EVTQ_LOG2SIZE);
    // arm_smmu_device_reset: disable (CR0 = 0, wait for CR0ACK), CR1, CR2.
    r.mmioRead(REG.CR0);
    this.writeRegSync(REG.CR0, 0, REG.CR0ACK);
    r.mmioWrite(REG.CR1, CR1_VALUE);
    r.mmioWrite(REG.CR2, CR2_PTM | CR2_RECINVSID);
    // The stream table: STRTAB_BASE (RA, ADDR) and STRTAB_BASE_CFG (FMT = linear, LOG2SIZE).
    r.mmioWrite(REG.STRTAB_BASE, Q_BASE_RWA | BigInt(this.s.strtabBase), 8);
    r.mmioWrite(REG.STRTAB_BASE_CFG, STRTAB_LOG2SIZE);
    // The Command queue, enabled on its own so the driver can invalidate.
    r.mmioWrite(REG.CMDQ_BASE, Q_BASE_RWA | BigInt(this.s.cmdqBase) | BigInt(CMDQ_LOG2SIZE), 8);
    r.mmioWrite(REG.CMDQ_PROD, 0);
    r.mmioWrite(REG.CMDQ_CONS, 0);
    let enables = CR0_CMDQEN;
    this.writeRegSync(REG.CR0, enables, REG.CR0ACK);
    // "Invalidate any cached configuration", "Invalidate any stale TLB entries" (no EL2: Hyp = 0).
    this.issue([{ op: 'CMD_CFGI_ALL' }, { op: 'CMD_SYNC' }]);
    this.issue([{ op: 'CMD_TLBI_NSNH_ALL' }, { op: 'CMD_SYNC' }]);
    // The Event queue (PROD and CONS live in Page 1).
    r.mmioWrite(REG.EVENTQ_BASE, Q_BASE_RWA | BigInt(this.s.evtqBase) | BigInt(EVTQ_LOG2SIZE), 8);
    r.mmioWrite(REG.EVENTQ_PROD, 0);
    r.mmioWrite(REG.EVENTQ_CONS, 0);
    enables |= CR0_EVENTQEN;
    this.writeRegSync(REG.CR0, enables, REG.CR0ACK);
    // arm_smmu_setup_irqs: interrupts off, the MSI address registers cleared (SMMU_IDR0.MSI = 1),
    // then the global-error and event-queue interrupts on (never delivered in this model).
    this.writeRegSync(REG.IRQ_CTRL, 0, REG.IRQ_CTRLACK);
    r.mmioWrite(REG.GERROR_IRQ_CFG0, 0, 8);
    r.mmioWrite(REG.EVENTQ_IRQ_CFG0, 0, 8);
    this.writeRegSync(REG.IRQ_CTRL, IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVTQ_IRQEN, REG.IRQ_CTRLACK);
    // disable_bypass (the default): SMMUEN, so unassigned streams never pass untranslated.
    enables |= CR0_SMMUEN;
    this.writeRegSync(REG.CR0, enables, REG.CR0ACK);
  }

  /** arm_smmu_write_reg_sync: write, then poll the acknowledgement register. */
  private writeRegSync(reg: number, v: number, ack: number): void {
    this.regs.mmioWrite(reg, v);
    if (Number(this.regs.mmioRead(ack)) !== v) throw new RangeError(`SMMU did not acknowledge 0x${v.toString(16)} in register 0x${ack.toString(16)}`);
  }

  // ---- allocators ---------------------------------------------------------------------------

  /** Host kernel memory: naturally aligned, zeroed. */
  hostAlloc(bytes: number): number {
    const align = Math.max(bytes, 8);
    const a = Math.ceil(this.s.hostNext / align) * align;
    if (a + bytes > HOST_MEM_END) {
      throw new RangeError(`host kernel memory (${hexGrouped(HOST_MEM_BASE)}..${hexGrouped(HOST_MEM_END - 1)}) is exhausted`);
    }
    this.s.hostNext = a + bytes;
    this.zero(a, bytes, 'host');
    return a;
  }

  readonly hostAllocator: TableAllocator = { alloc: (bytes) => this.hostAlloc(bytes) };
  readonly hostIO: TableIO = {
    read: (pa) => this.mem.load64(BigInt(pa)),
    write: (pa, v) => this.mem.write64(BigInt(pa), v, 'host'),
  };

  /** A zeroed, naturally aligned block of guest memory (whole 4 KiB pages at least), taken from
   *  the top of the VM's first RAM range downward. Returns its IPA. */
  private guestAlloc(vm: LabVm, bytes: number): number {
    if (vm.allocTop === null) throw new RangeError(`VM ${vm.vmid} has no RAM yet: map guest RAM with host.s2.map first`);
    const size = Math.ceil(Math.max(bytes, 4096) / 4096) * 4096;
    const align = 2 ** Math.ceil(Math.log2(size));
    const a = Math.floor((vm.allocTop - size) / align) * align;
    if (a < vm.allocFloor) throw new RangeError(`VM ${vm.vmid}'s guest page allocator is out of RAM (its first RAM range is used up)`);
    vm.allocTop = a;
    for (let off = 0; off < size; off += 4096) this.zero(this.ipaToPa(vm, a + off), 4096, 'guest');
    return a;
  }

  /** Make [pa, pa+bytes) zero: only words that are not already zero are written (traced). */
  private zero(pa: number, bytes: number, who: string): void {
    for (let p = pa - (pa % 4096); p < pa + bytes; p += 4096) {
      const page = this.mem.pageOf(p);
      if (page === undefined) continue;
      for (let i = 0; i < 1024; i += 2) {
        const a = p + 4 * i;
        if (a >= pa && a < pa + bytes && (page[i] | page[i + 1]) !== 0) this.mem.write64(BigInt(a), 0n, who);
      }
    }
  }

  // ---- addresses ----------------------------------------------------------------------------

  /** A guest IPA to its PA, as the guest's CPU reaches it through its own stage 2. */
  ipaToPa(vm: LabVm, ipa: number): number {
    for (const r of vm.ram) if (ipa >= r.ipa && ipa < r.ipa + r.size) return r.pa + (ipa - r.ipa);
    throw new RangeError(`IPA ${hexGrouped(ipa)} is outside VM ${vm.vmid}'s RAM (${describeRam(vm)})`);
  }

  private guestIO(vm: LabVm): TableIO {
    return {
      read: (ipa) => this.mem.load64(BigInt(this.ipaToPa(vm, ipa))),
      write: (ipa, v) => this.mem.write64(BigInt(this.ipaToPa(vm, ipa)), v, 'guest'),
    };
  }

  /** Software may touch host RAM and host kernel memory only. */
  checkSoftwareAddress(pa: bigint): void {
    const ok = (pa >= BigInt(RAM_BASE) && pa < BigInt(RAM_END)) || (pa >= BigInt(HOST_MEM_BASE) && pa < BigInt(HOST_MEM_END));
    if (!ok) {
      throw new RangeError(`${hexGrouped(pa)} is outside RAM (RAM is ${hexGrouped(RAM_BASE)}..${hexGrouped(RAM_END - 1)}; ` +
        `host kernel memory is ${hexGrouped(HOST_MEM_BASE)}..${hexGrouped(HOST_MEM_END - 1)})`);
    }
  }

  /** A program's own memory accesses (mem.read64 / mem.write64). */
  swRead64(pa: bigint): bigint {
    this.checkSoftwareAddress(pa);
    return this.mem.read64(pa, 'sw');
  }
  swWrite64(pa: bigint, v: bigint): void {
    this.checkSoftwareAddress(pa);
    this.mem.write64(pa, v, 'sw');
  }

  // ---- lookups ------------------------------------------------------------------------------

  device(id: number): LabDevice {
    return this.s.devices[id] ?? fail(`no device #${id} in this machine`);
  }
  vm(id: number): LabVm {
    return this.s.vms[id] ?? fail(`no VM #${id} in this machine`);
  }
  pt(id: number): LabPt {
    return this.s.pts[id] ?? fail(`no page table #${id} in this machine`);
  }
  cd(id: number): LabCd {
    return this.s.cds[id] ?? fail(`no CD #${id} in this machine`);
  }

  /** The VM a call without `vm:` means: the first one; made (VMID 1, 48-bit IPA, 4K) if
   *  `create` and there is none. */
  defaultVm(create: boolean): LabVm {
    if (this.s.vms.length > 0) return this.s.vms[0];
    if (!create) throw new RangeError('there is no VM yet: create one with host.vm() or map guest RAM with host.s2.map');
    return this.createVm(1, 48, 12);
  }

  // ---- the host: VFIO, the SMMU driver, KVM's stage 2 ----------------------------------------

  /** Commands into the Command queue, then PROD; like arm_smmu_cmdq_issue_cmdlist with a
   *  CMD_SYNC, the host then checks the SMMU consumed them all ("CMD_SYNC timeout" if not). */
  issue(cmds: CmdSpec[], who = 'host'): void {
    submitCommands(this.regs, cmds.map(encodeCmd), who);
    // Poll CMDQ_CONS until it reaches PROD (__arm_smmu_cmdq_poll_until_consumed); commands
    // complete as they are consumed here, so one read tells.
    const q = this.regs.cmdq;
    const cons = Number(this.regs.mmioRead(REG.CMDQ_CONS));
    if (!qEmpty(q.prod, qMask(cons, q.qs), q.qs)) {
      throw new RangeError(`CMD_SYNC timeout: the Command queue stopped at CONS = 0x${qMask(cons, q.qs).toString(16)} ` +
        `(PROD = 0x${q.prod.toString(16)}, CMDQ_CONS.ERR = ${(cons >>> 24) & 0x7f}); acknowledge SMMU_GERROR.CMDQ_ERR through GERRORN first`);
    }
  }

  /** One command as a program writes it (smmu.cmd): into the queue, PROD published, no check
   *  that it was consumed (the caller looks at the trace and CMDQ_CONS). */
  issueRaw(cmd: CmdWords, who = 'sw'): void {
    submitCommands(this.regs, [cmd], who);
  }

  /** vfio-pci takes the device: its STE becomes valid with Config = abort (what Linux writes for
   *  a device in a blocking domain), then CMD_CFGI_STE and CMD_SYNC. */
  assign(bdf: string, sid: number): LabDevice {
    if (!Number.isInteger(sid) || sid < 0 || sid >= 2 ** STRTAB_LOG2SIZE) {
      throw new RangeError(`StreamID ${sid} is outside the stream table (0..0x${(2 ** STRTAB_LOG2SIZE - 1).toString(16)})`);
    }
    const other = this.s.devices.find((d) => d.sid === sid || d.bdf === bdf);
    if (other) throw new RangeError(`${other.bdf} (StreamID 0x${other.sid.toString(16)}) is already assigned`);
    const dev: LabDevice = { id: this.s.devices.length, bdf, sid, vm: null, cd: null };
    this.s.devices.push(dev);
    this.writeAbortSte(sid);
    return dev;
  }

  /** arm_smmu_write_strtab_ent, abort path: dst[0] = V | CFG_ABORT, dst[1] = SHCFG incoming,
   *  dst[2] = 0 ("nuke the VMID"), then sync "regardless of whether the old value was live". */
  writeAbortSte(sid: number): void {
    const ste = this.steAddr(sid);
    this.mem.write64(BigInt(ste), encodeSte({ config: STE_CFG.abort })[0], 'host');
    this.mem.write64(BigInt(ste + 8), STE_1_SHCFG_INCOMING, 'host');
    this.mem.write64(BigInt(ste + 16), 0n, 'host');
    this.syncSte(sid);
  }

  /** The PA of StreamID `sid`'s STE in the linear stream table. */
  steAddr(sid: number): number {
    return this.s.strtabBase + 64 * sid;
  }

  /** arm_smmu_sync_ste_for_sid: CMD_CFGI_STE (Leaf = 1) and CMD_SYNC. */
  syncSte(sid: number): void {
    this.issue([{ op: 'CMD_CFGI_STE', sid, leaf: 1 }, { op: 'CMD_SYNC' }]);
  }

  /** A VM: a VMID and an empty stage-2 table (io-pgtable-arm's arm_64_lpae_alloc_pgtable_s2). */
  createVm(vmid: number, ipaBits: number, g: GranuleShift): LabVm {
    if (this.s.vms.some((v) => v.vmid === vmid)) throw new RangeError(`VMID ${vmid} is already in use`);
    if (ipaBits < 32 || ipaBits > OAS) throw new RangeError(`a ${ipaBits}-bit IPA space is outside 32..${OAS}`);
    const startLevel = s2StartLevelLinux(g, ipaBits);
    const vm: LabVm = {
      id: this.s.vms.length, vmid, g, ipaBits, startLevel, sl0: g === 12 ? 2 - startLevel : 3 - startLevel,
      s2Root: 0, ram: [], allocTop: null, allocFloor: 0,
    };
    vm.s2Root = new PageTableBuilder(2, g, ipaBits, this.hostIO, this.hostAllocator, startLevel).root;
    this.s.vms.push(vm);
    return vm;
  }

  private s2Builder(vm: LabVm): PageTableBuilder {
    return new PageTableBuilder(2, vm.g, vm.ipaBits, this.hostIO, this.hostAllocator, vm.startLevel, vm.s2Root);
  }

  /** Map guest RAM in stage 2 (VFIO_IOMMU_MAP_DMA / KVM's stage 2 in the seed design: the host
   *  owns it). Leaves as io-pgtable-arm writes them; no TLB invalidation. */
  s2Map(vm: LabVm, ipa: number, pa: number, size: number, perm: Perm, pgsize = 2 ** vm.g): void {
    if (size <= 0) throw new RangeError('map: the size must be above 0');
    if (pa < RAM_BASE || pa + size > RAM_END) {
      throw new RangeError(`map: PA ${hexGrouped(pa)}..${hexGrouped(pa + size - 1)} is outside RAM (RAM is ${hexGrouped(RAM_BASE)}..${hexGrouped(RAM_END - 1)})`);
    }
    const clash = vm.ram.find((r) => ipa < r.ipa + r.size && r.ipa < ipa + size);
    if (clash) throw new RangeError(`map: IPA ${hexGrouped(ipa)}..${hexGrouped(ipa + size - 1)} overlaps guest RAM already mapped at ${hexGrouped(clash.ipa)} (size ${hexGrouped(clash.size)})`);
    this.s2Builder(vm).map(ipa, pa, size, perm, pgsize);
    vm.ram.push({ ipa, pa, size });
    if (vm.allocTop === null) { vm.allocTop = ipa + size; vm.allocFloor = ipa; }
  }

  /** Unmap from stage 2 (tables stay, as io-pgtable leaves them); the range stops being guest
   *  RAM. Returns the bytes unmapped. No TLB invalidation. */
  s2Unmap(vm: LabVm, ipa: number, size: number): number {
    const done = this.s2Builder(vm).unmap(ipa, size);
    vm.ram = vm.ram.flatMap((r) => cutRange(r, ipa, size));
    return done;
  }

  s2Protect(vm: LabVm, ipa: number, size: number, perm: Perm): void {
    this.s2Builder(vm).protect(ipa, size, perm);
  }

  /** The stage-2 leaf for an IPA: its PA slot, level and descriptor; null if unmapped. */
  s2Lookup(vm: LabVm, ipa: number): { slot: number; level: number; desc: bigint } | null {
    return this.s2Builder(vm).lookup(ipa);
  }

  /** STE word 2 and 3 for the VM's stage 2 (arm_smmu_write_strtab_ent's s2_cfg part): VMID,
   *  VTCR (S2T0SZ, S2SL0, S2IR0/S2OR0 = WBWA, S2SH0 = ISH, S2TG, S2PS), S2PTW, S2AA64, S2R;
   *  S2TTB. */
  steS2Words(vm: LabVm): [bigint, bigint] {
    const w = encodeSte({
      config: STE_CFG.s2, s2Vmid: vm.vmid, s2T0sz: 64 - vm.ipaBits, s2Sl0: vm.sl0, s2Tg: TG_OF[vm.g], s2Ps: PS_48,
      s2Aa64: 1, s2Ptw: 1, s2R: 1, s2Ttb: BigInt(vm.s2Root),
    });
    return [w[2] | STE_2_S2_WALK_ATTRS, w[3]];
  }

  /** Write an STE the way arm_smmu_write_strtab_ent does for a translating config: words 1-3,
   *  sync, then word 0 (V, Config) last, sync again. `w1` undefined: word 1 is left alone. */
  writeSte(sid: number, w0: bigint, w1: bigint | undefined, w2: bigint, w3: bigint): void {
    const ste = this.steAddr(sid);
    if (w1 !== undefined) this.mem.write64(BigInt(ste + 8), w1, 'host');
    this.mem.write64(BigInt(ste + 16), w2, 'host');
    this.mem.write64(BigInt(ste + 24), w3, 'host');
    this.syncSte(sid);
    this.mem.write64(BigInt(ste), w0, 'host');
    this.syncSte(sid);
  }

  /** Attach the device to the VM's stage 2 alone: STE.Config = 0b110 (S2_TRANS). */
  attach(dev: LabDevice, vm: LabVm): void {
    const [w2, w3] = this.steS2Words(vm);
    this.writeSte(dev.sid, encodeSte({ config: STE_CFG.s2 })[0], undefined, w2, w3);
    dev.vm = vm.id;
    dev.cd = null;
  }

  /** The seed series' VFIO_IOMMU_SET_PASID_TABLE (arm_smmu_attach_pasid_table, never merged):
   *  the STE goes nested, Config = 0b111, S1ContextPtr = the guest's CD table IPA, one CD
   *  (S1CDMax = 0, S1Fmt linear), stage 2 from the VM (default: the device's, else the CD's). */
  setPasidTable(dev: LabDevice, cd: LabCd, vmGiven?: LabVm): void {
    if (cd.vm === null) {
      throw new RangeError(`CD#${cd.id} is the host's own (host.cd), in host kernel memory: a nested STE points at a guest's CD ` +
        'table by its IPA; attach a host CD with host.attach_s1');
    }
    const vm = vmGiven ?? this.vm(dev.vm ?? cd.vm);
    if (cd.vm !== vm.id) throw new RangeError(`the CD is in VM ${this.vm(cd.vm).vmid}'s memory, but the device would translate for VM ${vm.vmid}`);
    const [w2, w3] = this.steS2Words(vm);
    const w0 = encodeSte({ config: STE_CFG.nested, s1ContextPtr: BigInt(cd.ipa), s1CdMax: 0, s1Fmt: 0 })[0];
    this.writeSte(dev.sid, w0, STE_1_S1, w2, w3);
    dev.vm = vm.id;
    dev.cd = cd.id;
  }

  /** What the host issues for a guest's TLB invalidation (the seed's cache_invalidate with
   *  ADDR granularity: CMD_TLBI_NH_VA with the guest's ASID under the VM's VMID) + CMD_SYNC. */
  guestTlbi(vm: LabVm, va: bigint, asid: number, leaf: boolean): void {
    this.issue([{ op: 'CMD_TLBI_NH_VA', vmid: vm.vmid, asid, addr: va, leaf: leaf ? 1 : 0 }, { op: 'CMD_SYNC' }]);
  }

  /** arm_smmu_tlb_inv_context for a stage-2 domain: CMD_TLBI_S12_VMALL + CMD_SYNC. */
  hostTlbiVmall(vm: LabVm): void {
    this.issue([{ op: 'CMD_TLBI_S12_VMALL', vmid: vm.vmid }, { op: 'CMD_SYNC' }]);
  }

  // ---- the host's own stage 1: an ARM_SMMU_DOMAIN_S1 domain ------------------------------

  /** arm_smmu_domain_finalise -> alloc_io_pgtable_ops(ARM_64_LPAE_S1): an empty stage-1 table
   *  in host kernel memory (io-pgtable's __arm_lpae_alloc_pages). */
  newHostPt(g: GranuleShift, vaBits: number): LabPt {
    const root = new PageTableBuilder(1, g, vaBits, this.hostIO, this.hostAllocator).root;
    const pt: LabPt = { id: this.s.pts.length, vm: null, g, vaBits, root };
    this.s.pts.push(pt);
    return pt;
  }

  /** iommu_map on the host's stage-1 domain (arm_smmu_map -> arm_lpae_map): IOVA -> PA leaves
   *  written by the host. No TLB invalidation (a new mapping needs none). */
  hostS1Map(pt: LabPt, iova: number, pa: number, size: number, perm: Perm, pgsize = 2 ** pt.g): void {
    if (pt.vm !== null) {
      throw new RangeError(`pt#${pt.id} is VM ${this.vm(pt.vm).vmid}'s own stage-1 table, in its RAM: the guest maps it (guest.s1.map); ` +
        'host.s1.map maps a table the host made with host.s1.new');
    }
    if (size <= 0) throw new RangeError('map: the size must be above 0');
    if (pa < RAM_BASE || pa + size > RAM_END) {
      throw new RangeError(`map: PA ${hexGrouped(pa)}..${hexGrouped(pa + size - 1)} is outside RAM (RAM is ${hexGrouped(RAM_BASE)}..${hexGrouped(RAM_END - 1)})`);
    }
    this.s1Builder(pt).map(iova, pa, size, perm, pgsize);
  }

  /** The host's CD for its stage-1 domain, in host kernel memory (arm_smmu_domain_finalise_s1:
   *  arm_smmu_alloc_cd_tables makes a linear table of one CD, arm_smmu_write_ctx_desc writes CD 0
   *  with the fields guest CDs get too). No STE points at it yet, so nothing is invalidated. */
  writeHostCd(pt: LabPt, asid: number): LabCd {
    if (pt.vm !== null) {
      throw new RangeError(`pt#${pt.id} is VM ${this.vm(pt.vm).vmid}'s stage-1 table, at an IPA: the host's CD points at a table ` +
        'the host made (host.s1.new); the guest writes its own CD with guest.cd');
    }
    const pa = this.hostAlloc(64);
    const w = cdWords(pt, asid, true, false);
    for (const i of [1, 2, 3, 0]) this.mem.write64(BigInt(pa + 8 * i), w[i], 'host');
    const cd: LabCd = { id: this.s.cds.length, vm: null, pt: pt.id, ipa: pa, asid };
    this.s.cds.push(cd);
    return cd;
  }

  /** Attach the device to the host's stage-1 domain, as arm_smmu_write_strtab_ent writes an
   *  s1_cfg STE (v5.12; arm_smmu_make_cdtable_ste in later kernels): STE.Config = 0b101
   *  (S1_TRANS), S1ContextPtr = the CD table's PA, S1CDMax = 0, S1Fmt linear; word 1 (S1DSS,
   *  S1CIR/S1COR/S1CSH, STRW NS-EL1), sync, then word 0, sync. A translating STE is first made
   *  abort, as arm_smmu_detach_dev does before an attach. */
  attachS1(dev: LabDevice, cd: LabCd): void {
    if (cd.vm !== null) {
      throw new RangeError(`CD#${cd.id} is in VM ${this.vm(cd.vm).vmid}'s RAM, at an IPA: a stage-1-only STE points at the host's ` +
        'own CD by its PA (host.cd); a guest\'s CD table goes in a nested STE with host.set_pasid_table');
    }
    if (dev.vm !== null || dev.cd !== null) this.writeAbortSte(dev.sid);
    const ste = this.steAddr(dev.sid);
    this.mem.write64(BigInt(ste + 8), STE_1_S1, 'host');
    this.syncSte(dev.sid);
    this.mem.write64(BigInt(ste), encodeSte({ config: STE_CFG.s1, s1ContextPtr: BigInt(cd.ipa), s1CdMax: 0, s1Fmt: 0 })[0], 'host');
    this.syncSte(dev.sid);
    dev.vm = null;
    dev.cd = cd.id;
  }

  // ---- the guest: its own stage-1 tables and CDs, in its RAM --------------------------------

  newPt(vm: LabVm, g: GranuleShift, vaBits: number): LabPt {
    const alloc: TableAllocator = { alloc: (bytes) => this.guestAlloc(vm, bytes) };
    const root = new PageTableBuilder(1, g, vaBits, this.guestIO(vm), alloc).root;
    const pt: LabPt = { id: this.s.pts.length, vm: vm.id, g, vaBits, root };
    this.s.pts.push(pt);
    return pt;
  }

  /** The VM whose RAM holds a guest table; the host's own tables are not the guest's to change. */
  private guestVmOf(pt: LabPt): LabVm {
    if (pt.vm === null) {
      throw new RangeError(`pt#${pt.id} is the host's own stage-1 table (host.s1.new), in host kernel memory: the guest cannot ` +
        'write it; the host maps it with host.s1.map');
    }
    return this.vm(pt.vm);
  }

  /** A builder over a stage-1 table: a guest's (through its RAM, by IPA) or the host's (PAs). */
  private s1Builder(pt: LabPt): PageTableBuilder {
    if (pt.vm === null) return new PageTableBuilder(1, pt.g, pt.vaBits, this.hostIO, this.hostAllocator, undefined, pt.root);
    const vm = this.vm(pt.vm);
    const alloc: TableAllocator = { alloc: (bytes) => this.guestAlloc(vm, bytes) };
    return new PageTableBuilder(1, pt.g, pt.vaBits, this.guestIO(vm), alloc, undefined, pt.root);
  }

  s1Map(pt: LabPt, va: number, ipa: number, size: number, perm: Perm, pgsize = 2 ** pt.g): void {
    this.guestVmOf(pt);
    if (size <= 0) throw new RangeError('map: the size must be above 0');
    this.s1Builder(pt).map(va, ipa, size, perm, pgsize);
  }
  s1Unmap(pt: LabPt, va: number, size: number): number {
    this.guestVmOf(pt);
    return this.s1Builder(pt).unmap(va, size);
  }
  s1Protect(pt: LabPt, va: number, size: number, perm: Perm): void {
    this.guestVmOf(pt);
    this.s1Builder(pt).protect(va, size, perm);
  }

  /** The stage-1 leaf for a VA: its slot (an IPA, or a PA in a host table), level and
   *  descriptor; null if unmapped. */
  s1Lookup(pt: LabPt, va: number): { slot: number; level: number; desc: bigint } | null {
    return this.s1Builder(pt).lookup(va);
  }

  /** The stage-1 tables a VA goes through: per level, the table's address, the descriptor's
   *  address and value (IPAs for a guest table, PAs for the host's; views, and tests that aim
   *  at one table). Stops at an invalid or leaf descriptor. */
  s1Path(pt: LabPt, va: number): { level: number; table: number; descIpa: number; desc: bigint }[] {
    const toPa = pt.vm === null ? (a: number) => a : ((vm: LabVm) => (a: number) => this.ipaToPa(vm, a))(this.vm(pt.vm));
    const out: { level: number; table: number; descIpa: number; desc: bigint }[] = [];
    let table = pt.root;
    for (let level = s1StartLevel(pt.g, pt.vaBits); level <= 3; level++) {
      const bits = level === s1StartLevel(pt.g, pt.vaBits) ? (startIndexBits(pt.g, pt.vaBits, level) as number) : pt.g - 3;
      const descIpa = table + (Math.floor(va / 2 ** levelShift(pt.g, level)) % 2 ** bits) * 8;
      const desc = this.mem.load64(BigInt(toPa(descIpa)));
      out.push({ level, table, descIpa, desc });
      if ((desc & 3n) !== 3n || level === 3) break;
      table = Number(desc & 0x0000_ffff_ffff_f000n) - (Number(desc & 0x0000_ffff_ffff_f000n) % 2 ** pt.g);
    }
    return out;
  }

  /** A CD in guest RAM with the fields Linux's arm_smmu_domain_finalise_s1 and
   *  arm_smmu_write_ctx_desc choose: T0SZ = 64 - VA bits, TG0, IRGN0/ORGN0 = WBWA, SH0 = ISH,
   *  EPD1, IPS = 48 bits, AA64, R, A, ASET = 1 (not an SVA CD), ASID, V; TTB0; MAIR. Written as
   *  Linux does: words 1-3, then word 0 (V) last. */
  writeCd(pt: LabPt, asid: number, r: boolean, affd: boolean): LabCd {
    const vm = this.guestVmOf(pt);
    const ipa = this.guestAlloc(vm, 64);
    const w = cdWords(pt, asid, r, affd);
    const pa = this.ipaToPa(vm, ipa);
    for (const i of [1, 2, 3, 0]) this.mem.write64(BigInt(pa + 8 * i), w[i], 'guest');
    const cd: LabCd = { id: this.s.cds.length, vm: vm.id, pt: pt.id, ipa, asid };
    this.s.cds.push(cd);
    return cd;
  }

  // ---- the device -----------------------------------------------------------------------------

  /** One DMA transaction of the device: one translation by the SMMU. */
  dma(dev: LabDevice, access: 'read' | 'write', iova: bigint, opts: { ssid?: number; priv?: boolean; instr?: boolean } = {}): DmaOutcome {
    const start = this.traceArr.length;
    const r = this.smmu.translate({ sid: dev.sid, ssid: opts.ssid, iova, access, priv: opts.priv, instr: opts.instr });
    return {
      ok: r.ok,
      pa: r.ok ? r.pa : null,
      event: r.ok ? null : r.event,
      reads: this.smmu.reads,
      walkReads: this.smmu.walkReads,
      tlb: this.tlbOutcome(start),
    };
  }

  private tlbOutcome(start: number): DmaOutcome['tlb'] {
    let s2: boolean | null = null;
    let cd = false;
    for (let i = start; i < this.traceArr.length; i++) {
      const e = this.traceArr[i];
      if (e.type === 'smmu.tlb') {
        if (e.kind === 'S1S2') return e.hit ? 'hit' : 'miss';
        s2 = e.hit;
      } else if ((e.type === 'smmu.cfg' && e.what === 'CD') || (e.type === 'smmu.fetch' && (e.what === 'CD' || e.what === 'L1CD'))) {
        cd = true;
      }
    }
    return s2 === null || cd ? 'none' : s2 ? 'hit' : 'miss';
  }

  // ---- events ---------------------------------------------------------------------------------

  /** Read and consume every event record (the driver's arm_smmu_evtq_thread, without the
   *  interrupt); the last one is kept, decoded. Returns how many. */
  drainEvents(who = 'sw'): { count: number; overflowed: boolean } {
    const { records, overflowed } = drainEvents(this.regs, who);
    if (records.length > 0) this.s.lastEvent = decodeEvent(records[records.length - 1]);
    return { count: records.length, overflowed };
  }

  // ---- snapshots ------------------------------------------------------------------------------

  /** False once the host side exists: a VfioHost is a graph of objects (fds, groups, domains,
   *  pinned chunks) that a snapshot cannot hold, so a session replays from an earlier one. */
  canSnapshot(): boolean {
    return this.hostSystem === null && this.itsDev === null;   // the ITS is attached with the host
  }

  snapshot(): LabSnapshot {
    if (!this.canSnapshot()) throw new RangeError('a machine with a host side (VFIO) cannot be snapshotted');
    return {
      version: 1,
      mem: this.mem.exportImage(),
      smmu: snapshotSmmu(this.smmu),
      regs: this.regs.snapshot(),
      lab: structuredClone(this.s),
      host: structuredClone(this.hostSpec),
    };
  }

  /** A deterministic fingerprint of the whole state (memory contents, SMMU caches, registers and
   *  the program's objects); equal states give equal digests. Not cryptographic. */
  digest(): string {
    const h = new Hash();
    for (const pa of this.mem.pages()) {
      const page = this.mem.pageOf(pa) as Uint32Array;
      for (let i = 0; i < 1024; i += 2) {
        if ((page[i] | page[i + 1]) === 0) continue;      // a page written with zeros is unwritten memory
        h.num(pa + 4 * i);
        h.u32(page[i]);
        h.u32(page[i + 1]);
      }
    }
    for (const [a, v] of this.mem.highWords()) if (v !== 0n) h.str(`${a}:${v}`);
    const sm = snapshotSmmu(this.smmu);
    const tlb = sm.tlb.map((e) => canonical(e)).sort();
    const cfg = sm.cfg.map((c) => canonical({ sid: c.sid, ste: c.ste, cds: [...c.cds].sort((a, b) => a[0] - b[0]) })).sort();
    h.str(canonical({ ...sm, tlb, cfg }));
    h.str(canonical(this.regs.snapshot()));
    h.str(canonical(this.s));
    h.str(canonical(this.hostSpec));
    h.str(canonical(this.hostCalls));
    return h.hex();
  }
}

// ---- helpers --------------------------------------------------------------------------------

function fail(msg: string): never {
  throw new RangeError(msg);
}

/** S2TG / CD.TG0 encodings: 4K 0b00, 64K 0b01, 16K 0b10. */
const TG_OF: Record<GranuleShift, number> = { 12: 0, 14: 2, 16: 1 };

/** A CD's words as arm_smmu_domain_finalise_s1 and arm_smmu_write_ctx_desc make them (the
 *  guest's driver and the host's choose alike): TCR fields, AA64, R, A, ASET, ASID, V; TTB0;
 *  MAIR. */
export function cdWords(pt: LabPt, asid: number, r: boolean, affd: boolean): bigint[] {
  const w = encodeCd({
    t0sz: 64 - pt.vaBits, tg0: TG_OF[pt.g], epd1: 1, ips: PS_48, affd: affd ? 1 : 0, aa64: 1, r: r ? 1 : 0, a: 1,
    aset: 1, asid, ttb0: BigInt(pt.root), mair0: LINUX_MAIR, mair1: 0,
  });
  w[0] = setField(w[0], 13, 8, Number(CD_0_TCR_WALK_ATTRS >> 8n));
  return w;
}

/** The stage-2 start level Linux picks (io-pgtable-arm's arm_64_lpae_alloc_pgtable_s2): the
 *  stage-1 rule, then, when that is level 0 with at most 16 entries
 *  (ARM_LPAE_S2_MAX_CONCAT_PAGES), level 1 with that many concatenated tables. 4K 48-bit: L0
 *  (S2SL0 = 0b10); 4K 40-bit: L1 with two tables (S2SL0 = 0b01); 16K 48-bit: L1 with two. */
export function s2StartLevelLinux(g: GranuleShift, ipaBits: number): number {
  const start = s1StartLevel(g, ipaBits);
  if (start === 0 && 2 ** (ipaBits - levelShift(g, 0)) <= 16) return 1;
  return start;
}

function cutRange(r: RamRange, ipa: number, size: number): RamRange[] {
  const end = ipa + size, rEnd = r.ipa + r.size;
  if (end <= r.ipa || ipa >= rEnd) return [r];
  const out: RamRange[] = [];
  if (ipa > r.ipa) out.push({ ipa: r.ipa, pa: r.pa, size: ipa - r.ipa });
  if (end < rEnd) out.push({ ipa: end, pa: r.pa + (end - r.ipa), size: rEnd - end });
  return out;
}

function describeRam(vm: LabVm): string {
  if (vm.ram.length === 0) return 'none mapped yet';
  return vm.ram.map((r) => `${hexGrouped(r.ipa)}..${hexGrouped(r.ipa + r.size - 1)}`).join(', ');
}

/** JSON with bigints (as "0x..n"), Maps and typed arrays, keys in insertion order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (typeof x === 'bigint') return `0x${x.toString(16)}n`;
    if (x instanceof Map) return [...x];
    if (ArrayBuffer.isView(x)) return Array.from(x as Uint32Array);
    return x;
  });
}

/** Two 32-bit FNV-1a lanes with different offsets: 64 bits of fingerprint. */
class Hash {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x9e3779b9;
  u32(x: number): void {
    for (let k = 0; k < 4; k++) {
      const byte = (x >>> (8 * k)) & 0xff;
      this.a = Math.imul(this.a ^ byte, 0x01000193);
      this.b = Math.imul(this.b ^ byte, 0x01000193) ^ (this.b >>> 15);
    }
  }
  num(x: number): void {
    this.u32(x % 2 ** 32);
    this.u32(Math.floor(x / 2 ** 32));
  }
  str(s: string): void {
    for (let i = 0; i < s.length; i++) this.u32(s.charCodeAt(i));
    this.u32(s.length);
  }
  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}
