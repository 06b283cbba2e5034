// What an ioctl script needs from the host model, one method per op, so the CLI does not care
// which model answers. Every method returns vfio.ts's SysResult (ret, errno, out, text) plus the
// fields a device action reports (formats/ioctl-script.md, "Output line").
//
// hostBackend() builds the model a script describes: HostSystem (src/model/host/system.ts). A
// backend that lacks an op lists it in `missing` with the reason, and the CLI refuses a script
// that uses it before running anything (HostSystem lacks none).

import { HostSystem } from '../../model/host/system';
import type { EventRecord } from '../../model/smmuv3/events';
import { requestName, requestNames, type FdKind } from '../../model/vfio/ioctl';
import type { SysResult } from '../../model/vfio/vfio';
import { iommufdName, seedName } from './requests';
import type { IoctlScript, Op, Prot } from './schema';

/** A call's result: the system call's, or a device action's own fields. */
export interface OpResult extends SysResult {
  /** peek, and a dma read: the bytes. */
  data?: Uint8Array;
  /** dma: whether the transaction completed, and its output address or the SMMU's event (null:
   *  aborted without one); irq: the event that stopped the MSI write. */
  ok?: boolean;
  pa?: bigint;
  event?: EventRecord | null;
  /** irq: the MSI became an interrupt (and signalled the eventfd SET_IRQS attached). */
  delivered?: boolean;
  /** mmio and config reads. */
  value?: bigint;
}

export interface IoctlBackend {
  /** Ops this backend cannot do, with the reason shown to the user. */
  readonly missing: ReadonlyMap<Op, string>;
  open(path: string): OpResult;
  close(fd: number): OpResult;
  /** `request` is the ioctl number; `arg` as vfio.ts's VfioHost.ioctl takes it. */
  ioctl(fd: number, request: number, arg: unknown): OpResult;
  /** The uapi name of `request` on the fd it is issued on (numbers mean different things on a
   *  container, a group and a device fd), or undefined. */
  requestName(fd: number, request: number): string | undefined;
  mmap(length: bigint, prot: Prot): OpResult;
  read(path: string): OpResult;
  poke(addr: bigint, data: Uint8Array): OpResult;
  peek(addr: bigint, len: number): OpResult;
  eventfd(): OpResult;
  readEventfd(fd: number): OpResult;
  dma(bdf: string, dir: 'read' | 'write', iova: bigint, len: number, data?: Uint8Array): OpResult;
  irq(bdf: string, vector: number): OpResult;
  mmio(bdf: string, bar: number, offset: bigint, size: number, value?: bigint): OpResult;
  config(bdf: string, offset: number, size: number, value?: bigint): OpResult;
}

/** The name of a request number on an fd of `kind`, or its only name when the fd is unknown. */
export function nameOn(kind: string | undefined, request: number): string | undefined {
  // Other fd kinds (iommufd's) have their own names, which ioctl.ts's VFIO table does not hold.
  if (kind !== undefined) return VFIO_FD_KINDS.has(kind) ? requestName(request, kind as FdKind) : undefined;
  const names = new Set(requestNames(request).map((d) => d.name));
  return names.size === 1 ? [...names][0] : undefined;
}

const VFIO_FD_KINDS: ReadonlySet<string> = new Set<FdKind>(['container', 'group', 'device', 'mig-data']);

/** HostSystem (src/model/host/system.ts): VFIO type1 on arm64-virt's LabMachine (SMMUv3, GICv3
 *  ITS) or on x86-vtd, with the edu device, device fds, eventfds and process memory. */
export class HostSystemBackend implements IoctlBackend {
  readonly missing = new Map<Op, string>();
  readonly host: HostSystem;

  constructor(s: IoctlScript) {
    this.host = new HostSystem({
      kernel: s.kernel,
      platform: s.platform.smmuStage === undefined ? { machine: s.platform.machine } : { machine: s.platform.machine, smmu_stage: s.platform.smmuStage },
      devices: s.devices,
      process: { rlimitMemlock: s.process.rlimitMemlock, capIpcLock: s.process.capIpcLock },
    });
  }

  open(path: string) { return this.host.open(path); }
  close(fd: number) { return this.host.close(fd); }
  ioctl(fd: number, request: number, arg: unknown) { return this.host.ioctl(fd, request, arg); }
  requestName(fd: number, request: number) {
    const kind = this.host.vfio.fdTable().find((f) => f.fd === fd)?.kind;
    const profile = this.host.vfio.profile;
    return seedName(profile, kind, request) ?? nameOn(kind, request) ?? iommufdName(profile, request);
  }
  mmap(length: bigint, prot: Prot) { return this.host.mmap(length, prot); }
  read(path: string) { return this.host.read(path); }
  poke(addr: bigint, data: Uint8Array) { return this.host.poke(addr, data); }
  peek(addr: bigint, len: number) { return this.host.peek(addr, len); }
  eventfd() { return this.host.eventfd(); }
  readEventfd(fd: number) { return this.host.readEventfd(fd); }
  dma(bdf: string, dir: 'read' | 'write', iova: bigint, len: number, data?: Uint8Array) { return this.host.dma(bdf, dir, iova, len, data); }
  irq(bdf: string, vector: number) { return this.host.irq(bdf, vector); }
  mmio(bdf: string, bar: number, offset: bigint, size: number, value?: bigint): OpResult {
    // pread/pwrite take an off_t: an offset past 2^53 lies beyond any BAR, and the model says so.
    return this.host.mmio(bdf, bar, offset > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(offset), size, value);
  }
  config(bdf: string, offset: number, size: number, value?: bigint) { return this.host.config(bdf, offset, size, value); }
}

/** The host model for a script. */
export function hostBackend(s: IoctlScript): IoctlBackend {
  return new HostSystemBackend(s);
}
