// iommufd's files in a VfioHost's fd table: /dev/iommu (an IommufdCtx per open), the VFIO device
// cdevs /dev/vfio/devices/vfioN (one per device bound to vfio-pci, numbered in the order the host
// lists its devices: ASSUMPTION, the kernel numbers them as vfio devices register) and the vEVENTQ
// fds IOMMU_VEVENTQ_ALLOC returns. VfioHost delegates these fd kinds here.

import type { IommuGroup } from '../iommu/group';
import { ERRNO, errname, kerr, type KErr } from '../vfio/errno';
import { VFIO_DEVICE_ATTACH_IOMMUFD_PT, VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_DETACH_IOMMUFD_PT } from '../vfio/ioctl';
import type { Process } from '../vfio/pin';
import type { KernelProfile } from '../vfio/profile';
import { NotModelled } from '../vfio/type1';
import type { SysResult } from '../vfio/vfio';
import { attachPt, bindIommufd, closeCdev, detachPt, notBound, type CdevFile } from './cdev';
import type { IommufdHw } from './hw';
import { IommufdCtx, type IoctlOutcome } from './iommufd';
import type { LockedVmUser } from './ioas';
import type { Veventq } from './objects';
import type { SwMsiResult } from './sw-msi';
import { profileHasIommufd } from './uapi';

export type IommufdFdEntry =
  | { kind: 'iommufd'; ctx: IommufdCtx }
  | { kind: 'cdev'; file: CdevFile; n: number }
  | { kind: 'veventq'; ctx: IommufdCtx; q: Veventq };

/** A vfio-pci device as the host lists it: its group, and whether that group's legacy fd is open. */
export interface CdevDevice {
  group: IommuGroup;
  spec: CdevFile['spec'];
  groupOpen(): boolean;
}

export interface IommufdHostEnv {
  profile: KernelProfile;
  process: Process;
  hw?: IommufdHw;
  allowUnsafeInterrupts: boolean;
  devices(): CdevDevice[];
  newFd(e: IommufdFdEntry): number;
  fdKind(fd: number): string | undefined;
  fdEntry(fd: number): IommufdFdEntry | undefined;
  openFiles(): IommufdFdEntry[];
  /** The vfio-pci driver's ioctl (vfio_pci_core_ioctl()) and close_device for a bound cdev: the
   *  same ops a group-opened device fd reaches (VfioPciCore). Absent: not modelled. */
  devicePci?: {
    ioctl(bdf: string, cmd: number, arg: unknown): SysResult;
    release(bdf: string): void;
  };
}

const sys = (o: IoctlOutcome): SysResult => (o.ok
  ? { ret: o.ret, errno: 0, ...(o.out === undefined ? {} : { out: o.out }), log: [] }
  : { ret: -1, errno: o.err.errno, errname: errname(o.err.errno), where: o.err.where, why: o.err.why, ...(o.out === undefined ? {} : { out: o.out }), log: o.err.log ?? [] });
const sysErr = (e: KErr): SysResult => sys({ ok: false, err: e });

export class IommufdHost {
  /** The user's locked_vm as iommufd charges it (IOPT_PAGES_ACCOUNT_USER), in pages. */
  readonly user: LockedVmUser = { lockedVm: 0n };

  constructor(private readonly env: IommufdHostEnv) {}

  /** Whether an IommufdHw is below (HostOptions.iommufdHw). */
  get hasHw(): boolean { return this.env.hw !== undefined; }

  /** open() of /dev/iommu or /dev/vfio/devices/vfioN; null for any other path. */
  open(path: string): SysResult | null {
    if (path === '/dev/iommu') {
      if (!profileHasIommufd(this.env.profile)) return sysErr(kerr(ERRNO.ENOENT, 'open', `Linux ${this.env.profile.id} has no /dev/iommu`));
      if (this.env.hw === undefined) throw new NotModelled('iommufd without an IommufdHw (HostOptions.iommufdHw)');
      const ctx: IommufdCtx = new IommufdCtx({
        profile: this.env.profile, process: this.env.process, user: this.user, hw: this.env.hw,
        groupResv: (g) => g.resvRegions(),
        allocFd: (q) => this.env.newFd({ kind: 'veventq', ctx, q }),
      });
      return { ret: this.env.newFd({ kind: 'iommufd', ctx }), errno: 0, log: [] };
    }
    const m = /^\/dev\/vfio\/devices\/vfio(\d+)$/.exec(path);
    if (m === null) return null;
    const n = Number(m[1]);
    const d = this.env.devices()[n];
    if (d === undefined || !profileHasIommufd(this.env.profile)) return sysErr(kerr(ERRNO.ENOENT, 'open', `${path} does not exist`));
    const file: CdevFile = { spec: d.spec, group: d.group, ctx: null, idev: null };
    return { ret: this.env.newFd({ kind: 'cdev', file, n }), errno: 0, log: [] };
  }

  ioctl(e: IommufdFdEntry, cmd: number, arg: unknown): SysResult {
    switch (e.kind) {
      case 'iommufd': return sys(e.ctx.ioctl(cmd, arg));
      case 'veventq': return sysErr(kerr(ERRNO.ENOTTY, 'vfs_ioctl', 'a vEVENTQ fd has no ioctls'));
      case 'cdev': return this.cdevIoctl(e, cmd, arg);
    }
  }

  private cdevIoctl(e: Extract<IommufdFdEntry, { kind: 'cdev' }>, cmd: number, arg: unknown): SysResult {
    const d = this.env.devices()[e.n];
    switch (cmd) {
      case VFIO_DEVICE_BIND_IOMMUFD:
        return sys(bindIommufd(e.file, arg, {
          lookupFd: (fd) => {
            const x = this.env.fdEntry(fd);
            if (x?.kind === 'iommufd') return { kind: 'iommufd', ctx: x.ctx };
            return this.env.fdKind(fd) === undefined ? undefined : { kind: 'other' };
          },
          groupOpen: d.groupOpen(),
          openElsewhere: this.env.openFiles().some((o) => o.kind === 'cdev' && o !== e && o.n === e.n && o.file.idev !== null),
          isolatedMsi: e.file.group.hasIsolatedMsi(),
          allowUnsafeInterrupts: this.env.allowUnsafeInterrupts,
        }));
      case VFIO_DEVICE_ATTACH_IOMMUFD_PT: return sys(attachPt(e.file, arg));
      case VFIO_DEVICE_DETACH_IOMMUFD_PT: return sys(detachPt(e.file, arg));
      default: {
        const nb = notBound(e.file);
        if (nb !== null) return sys(nb);
        // vfio_device_fops_unl_ioctl(): past the cdev-only requests, device->ops->ioctl - the
        // same vfio_pci_core_ioctl() a group's device fd reaches (GET_INFO, SET_IRQS, ...).
        // ASSUMPTION: order read from memory of vfio_main.c (6.12), not from the fetched file.
        if (this.env.devicePci === undefined) throw new NotModelled(`request 0x${cmd.toString(16)} on a VFIO device cdev without a vfio-pci model`);
        return this.env.devicePci.ioctl(e.file.spec.bdf, cmd, arg);
      }
    }
  }

  close(e: IommufdFdEntry): void {
    // vfio_df_unbind_iommufd() -> vfio_df_close(): the driver's close_device (interrupts off)
    // before iommufd_device_unbind().
    if (e.kind === 'cdev' && e.file.idev !== null) this.env.devicePci?.release(e.file.spec.bdf);
    if (e.kind === 'cdev') closeCdev(e.file);
    // An iommufd or vEVENTQ file: its objects stay while anything holds them (not modelled
    // further: the process keeps its iommufd open in every lesson).
  }

  /** read() of a vEVENTQ fd (iommufd_veventq_fops_read()): ret = bytes, out.records. */
  read(e: IommufdFdEntry, count: number): SysResult {
    if (e.kind !== 'veventq') return sysErr(kerr(ERRNO.EINVAL, 'vfs_read', 'only a vEVENTQ fd is readable here'));
    const r = e.ctx.readVeventq(e.q, count);
    return { ret: r.bytes, errno: 0, out: { records: r.records }, log: [] };
  }

  /** The host's event-queue thread (arm_smmu_evtq_thread()): every record the SMMU wrote goes to
   *  arm_smmu_handle_event(), which forwards a guest's stage-1 events to the vEVENTQ of the
   *  iommufd whose device it is. Returns how many were forwarded. */
  evtqThread(): number {
    if (this.env.hw === undefined) return 0;
    const ctxs = this.contexts();
    let n = 0;
    for (const evt of this.env.hw.readEvents()) if (ctxs.some((c) => c.handleEvent(evt))) n++;
    return n;
  }

  /** Every open /dev/iommu's context, in the order they were opened (views read them). */
  contexts(): IommufdCtx[] {
    return this.env.openFiles().flatMap((e) => (e.kind === 'iommufd' ? [e.ctx] : []));
  }

  /** The context behind a /dev/iommu fd, else undefined (views: the fd of a recorded call). */
  ctxOf(fd: number): IommufdCtx | undefined {
    const e = this.env.fdEntry(fd);
    return e?.kind === 'iommufd' ? e.ctx : undefined;
  }

  /** iommu_dma_prepare_msi() for a device bound through a cdev: iommufd_sw_msi() of its
   *  iommufd (sw-msi.ts). null when no cdev of the device is bound (type1 or no VFIO user). */
  prepareMsi(bdf: string, msiAddr: bigint): SwMsiResult | KErr | null {
    for (const e of this.env.openFiles()) {
      if (e.kind === 'cdev' && e.file.idev !== null && e.file.spec.bdf === bdf) return e.file.ctx!.prepareMsi(e.file.idev, msiAddr);
    }
    return null;
  }

  describe(e: IommufdFdEntry): string {
    return e.kind === 'iommufd' ? '/dev/iommu' : e.kind === 'cdev' ? `vfio${e.n} (${e.file.spec.bdf})` : `vEVENTQ ${e.q.id}`;
  }
}
