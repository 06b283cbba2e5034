// The host kernel as one process sees it through VFIO's legacy container interface: the fds of
// /dev/vfio/vfio (containers), /dev/vfio/N (groups) and the device fds, their ioctls with the
// kernel's order of checks, sysfs reads, and mmap() of process memory.
//
//   drivers/vfio/container.c   vfio_fops_unl_ioctl(), vfio_container_ioctl_check_extension(),
//                              vfio_ioctl_set_iommu(), vfio_container_attach_group(),
//                              vfio_group_detach_container(), vfio_group_use_container()
//   drivers/vfio/group.c       vfio_group_fops_unl_ioctl(), vfio_group_fops_open()/_release(),
//                              vfio_group_ioctl_get_status(), _set_container(), _unset_container(),
//                              _get_device_fd(), vfio_df_group_open()
//   drivers/vfio/vfio_main.c   vfio_df_open() (the first open of a device uses the container)
// (All read from the torvalds/linux copies of container.c and group.c; primer §1, §3.)
//
// Not modelled: iommufd (a group given an iommufd gets -EBADFD here, as for any other non-container
// fd), no-IOMMU mode, device fd ioctls (later work), group teardown (-ENODEV paths).

import type { IommuHw } from '../iommu/hw';
import type { IoPageTable } from '../iommu/domain';
import { IommuGroup, type DeviceSpec, type GroupDevice } from '../iommu/group';
import type { PageTableInfo, Platform } from '../iommu/platform';
import { ERRNO, errname, kerr, type KErr } from './errno';
import {
  requestCode, SIZEOF_GROUP_STATUS, VFIO_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_GET_API_VERSION,
  VFIO_GROUP_FLAGS_CONTAINER_SET, VFIO_GROUP_FLAGS_VIABLE, VFIO_GROUP_GET_DEVICE_FD, VFIO_GROUP_GET_STATUS,
  VFIO_GROUP_SET_CONTAINER, VFIO_GROUP_UNSET_CONTAINER, VFIO_SET_IOMMU,
} from './ioctl';
import { Process, type ProcessOptions } from './pin';
import { DEFAULT_KERNEL, kernelProfile, type KernelId, type KernelProfile } from './profile';
import { DMA_ENTRY_LIMIT_DEFAULT, NotModelled, VfioIommuType1, type Outcome, type Type1Env } from './type1';
import type { VfioPciCore } from './device';
import { EventFd } from './eventfd';
import type { IommufdHw } from '../iommufd/hw';
import { IommufdHost, type IommufdFdEntry } from '../iommufd/host';
import { iommufdRequestCode } from '../iommufd/uapi';

/** What a system call returned, as the ioctl script reports it (formats/ioctl-script.md): ret (-1
 *  on failure, as libc returns it), errno (0 on success) and its name, what the kernel wrote back
 *  (`out`), and the kernel log lines. `where` names the kernel function that chose the errno. */
export interface SysResult {
  ret: number | bigint;
  errno: number;
  errname?: string;
  where?: string;
  why?: string;
  out?: Record<string, unknown>;
  text?: string;
  log: string[];
}

export interface HostOptions {
  platform: Platform;
  kernel?: KernelId;
  devices: DeviceSpec[];
  process?: ProcessOptions;
  /** vfio_iommu_type1.allow_unsafe_interrupts (default false) */
  allowUnsafeInterrupts?: boolean;
  /** vfio_iommu_type1.dma_entry_limit (default 65535) */
  dmaEntryLimit?: number;
  /** Builds each IOMMU domain's page table (default: the model's list). */
  pageTable?: (info: PageTableInfo) => IoPageTable;
  /** The IOMMU driver and hardware below: STEs and TLB invalidations (default: none). */
  hw?: IommuHw;
  /** vfio-pci over the device models (src/model/vfio/device.ts): device fd ioctls and
   *  read/write. Without one, device fd ioctls are not modelled. */
  pci?: VfioPciCore;
  /** The SMMU below iommufd (/dev/iommu is there only with one; src/model/iommufd/). */
  iommufdHw?: IommufdHw;
}

/** struct vfio_container */
export class Container {
  /** container->group_list: new groups go to the head (list_add()). */
  readonly groups: VfioGroup[] = [];
  driver: VfioIommuType1 | null = null;
  constructor(readonly id: number) {}
}

/** A vfio_device: a device of the group bound to vfio-pci. */
export class VfioDevice {
  openCount = 0;
  constructor(readonly spec: DeviceSpec) {}
}

/** struct vfio_group (/dev/vfio/N). */
export class VfioGroup {
  container: Container | null = null;
  /** group->container_users: 1 for the group itself, +1 per device in use. */
  containerUsers = 0;
  /** group->opened_file is set: the group fd is open (or kept open by device fds). */
  opened = false;
  /** Open group fds (0 or 1) plus device references to the group file. */
  fileRefs = 0;
  readonly devices: VfioDevice[];
  constructor(readonly iommuGroup: IommuGroup, devices: DeviceSpec[]) {
    this.devices = devices.map((d) => new VfioDevice(d));
  }
  get id(): number {
    return this.iommuGroup.id;
  }
}

type FdEntry =
  | { kind: 'container'; container: Container }
  | { kind: 'group'; group: VfioGroup }
  | { kind: 'device'; device: VfioDevice; group: VfioGroup }
  | { kind: 'eventfd'; efd: EventFd }
  | IommufdFdEntry;

const ok = (ret: number | bigint, out?: Record<string, unknown>, log: string[] = []): SysResult =>
  (out === undefined ? { ret, errno: 0, log } : { ret, errno: 0, out, log });
const err = (e: KErr, log: string[] = e.log ?? []): SysResult =>
  ({ ret: -1, errno: e.errno, errname: errname(e.errno), where: e.where, why: e.why, log });

export class VfioHost {
  readonly platform: Platform;
  readonly profile: KernelProfile;
  readonly process: Process;
  /** IOMMU groups by number. */
  readonly iommuGroups = new Map<number, IommuGroup>();
  /** VFIO groups by number: groups with at least one device bound to vfio-pci. */
  readonly vfioGroups = new Map<number, VfioGroup>();
  private readonly fds = new Map<number, FdEntry>();
  private readonly containers: Container[] = [];
  private nextContainer = 0;
  private readonly type1Env: Type1Env;
  private readonly pci: VfioPciCore | undefined;
  /** /dev/iommu, the device cdevs and vEVENTQ fds (src/model/iommufd/host.ts). */
  readonly iommufd: IommufdHost;

  constructor(opts: HostOptions) {
    const profile = kernelProfile(opts.kernel ?? DEFAULT_KERNEL);
    if (profile === null) throw new RangeError(`kernel ${String(opts.kernel)} is not modelled`);
    this.profile = profile;
    this.platform = opts.platform;
    this.process = new Process({ hostRamBase: opts.platform.hostRamBase, ...opts.process });
    const byGroup = new Map<number, DeviceSpec[]>();
    for (const spec of opts.devices) {
      let g = this.iommuGroups.get(spec.group);
      if (g === undefined) { g = new IommuGroup(spec.group, this.platform.defaultDomainType); this.iommuGroups.set(spec.group, g); }
      const dev: GroupDevice = {
        spec, driver: spec.driver ?? 'vfio-pci', resv: this.platform.getResvRegions(spec), isolatedMsi: this.platform.hasIsolatedMsi(spec),
      };
      g.add(dev);
      if (dev.driver === 'vfio-pci') byGroup.set(spec.group, [...(byGroup.get(spec.group) ?? []), spec]);
    }
    for (const [id, specs] of byGroup) this.vfioGroups.set(id, new VfioGroup(this.iommuGroups.get(id)!, specs));
    this.type1Env = {
      profile, platform: this.platform, process: this.process,
      allowUnsafeInterrupts: opts.allowUnsafeInterrupts ?? false,
      dmaEntryLimit: opts.dmaEntryLimit ?? DMA_ENTRY_LIMIT_DEFAULT,
      pageTable: opts.pageTable,
      hw: opts.hw,
    };
    if (opts.hw !== undefined) for (const g of this.iommuGroups.values()) g.hw = opts.hw;
    this.pci = opts.pci;
    this.iommufd = new IommufdHost({
      profile, process: this.process, hw: opts.iommufdHw, allowUnsafeInterrupts: opts.allowUnsafeInterrupts ?? false,
      devices: () => [...this.vfioGroups.values()].flatMap((g) => g.devices.map((d) => ({ group: g.iommuGroup, spec: d.spec, groupOpen: () => g.opened }))),
      newFd: (e) => this.newFd(e),
      fdKind: (fd) => this.fds.get(fd)?.kind,
      fdEntry: (fd) => { const x = this.fds.get(fd); return x !== undefined && isIommufdEntry(x) ? x : undefined; },
      openFiles: () => [...this.fds.values()].filter(isIommufdEntry),
      // A bound cdev's other ioctls and its close reach vfio-pci as a group's device fd does.
      ...(this.pci !== undefined ? {
        devicePci: {
          ioctl: (bdf: string, cmd: number, arg: unknown) => fromOutcome(this.pci!.ioctl(bdf, cmd, arg, (n) => this.eventfdLookup(n))),
          release: (bdf: string) => this.pci!.release(bdf),
        },
      } : {}),
    });
  }

  /** Every live container (open or held by a group). */
  liveContainers(): readonly Container[] {
    return this.containers.filter((c) => c.groups.length > 0 || [...this.fds.values()].some((f) => f.kind === 'container' && f.container === c));
  }

  private newFd(e: FdEntry): number {
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, e);
    return fd;
  }

  // ---- open / close ----------------------------------------------------------------------------

  open(path: string): SysResult {
    if (path === '/dev/vfio/vfio') {
      // vfio_fops_open(): every open makes a new container.
      const c = new Container(this.nextContainer++);
      this.containers.push(c);
      return ok(this.newFd({ kind: 'container', container: c }));
    }
    const m = /^\/dev\/vfio\/(\d+)$/.exec(path);
    if (m !== null) {
      const group = this.vfioGroups.get(Number(m[1]));
      if (group === undefined) return err(kerr(ERRNO.ENOENT, 'open', `${path} does not exist: no device of group ${m[1]} is bound to vfio-pci`));
      // vfio_group_fops_open(): "Do we need multiple instances of the group open?  Seems not."
      if (group.opened) return err(kerr(ERRNO.EBUSY, 'vfio_group_fops_open', `${path} is already open`));
      group.opened = true;
      group.fileRefs++;
      return ok(this.newFd({ kind: 'group', group }));
    }
    const viaIommufd = this.iommufd.open(path);
    if (viaIommufd !== null) return viaIommufd;
    return err(kerr(ERRNO.ENOENT, 'open', `${path} is not modelled or does not exist`));
  }

  close(fd: number): SysResult {
    const e = this.fds.get(fd);
    if (e === undefined) return err(kerr(ERRNO.EBADF, 'close', `fd ${fd} is not open`));
    this.fds.delete(fd);
    if (e.kind === 'group') this.putGroupFile(e.group);
    if (e.kind === 'device') this.closeDevice(e.device, e.group);
    if (isIommufdEntry(e)) this.iommufd.close(e);
    // A container fd: vfio_fops_release() drops the file's reference; groups keep the container.
    return ok(0);
  }

  /** The group file's last reference: vfio_group_fops_release(). */
  private putGroupFile(group: VfioGroup): void {
    if (--group.fileRefs > 0) return;
    if (group.container !== null) this.detachContainer(group);
    group.opened = false;
  }

  /** vfio_device_fops_release() -> vfio_df_group_close() -> vfio_df_close(). */
  private closeDevice(device: VfioDevice, group: VfioGroup): void {
    if (--device.openCount > 0) return;
    this.pci?.release(device.spec.bdf);                                // vfio_pci_core_close_device()
    // The last close: vfio_device_group_unuse_iommu() -> vfio_group_unuse_container().
    group.containerUsers--;
    this.putGroupFile(group);
  }

  // ---- ioctl -----------------------------------------------------------------------------------

  /** ioctl(fd, request, arg). `request` by number or by uapi name; `arg` a number for by-value
   *  arguments, an object with the uapi field names for pointers ({fd} for a pointer to an int fd),
   *  a string for GET_DEVICE_FD, null or undefined for an unreadable pointer. */
  ioctl(fd: number, request: number | string, arg?: unknown): SysResult {
    const cmd = typeof request === 'number' ? request : requestCode(request) ?? iommufdRequestCode(request);
    if (cmd === undefined) throw new RangeError(`unknown ioctl request name ${String(request)}`);
    const e = this.fds.get(fd);
    if (e === undefined) return err(kerr(ERRNO.EBADF, 'ioctl', `fd ${fd} is not open`));
    switch (e.kind) {
      case 'container': return this.containerIoctl(e.container, cmd, arg);
      case 'group': return this.groupIoctl(e.group, cmd, arg);
      case 'device':
        if (this.pci === undefined) throw new NotModelled('VFIO device fd ioctls without a device model (HostOptions.pci)');
        return fromOutcome(this.pci.ioctl(e.device.spec.bdf, cmd, arg, (n) => this.eventfdLookup(n)));
      case 'eventfd': return err(kerr(ERRNO.ENOTTY, 'vfs_ioctl', `fd ${fd} is an eventfd, which has no ioctls`));
      default: return this.iommufd.ioctl(e, cmd, arg);
    }
  }

  /** vfio_fops_unl_ioctl() */
  private containerIoctl(c: Container, cmd: number, arg: unknown): SysResult {
    switch (cmd) {
      case VFIO_GET_API_VERSION:
        return ok(VFIO_API_VERSION);
      case VFIO_CHECK_EXTENSION:
        return ok(this.checkExtension(c, Number(arg ?? 0)));
      case VFIO_SET_IOMMU:
        return this.setIommu(c, Number(arg ?? 0));
      default: {
        if (c.driver === null) {
          return err(kerr(ERRNO.EINVAL, 'vfio_fops_unl_ioctl', 'no IOMMU backend is set on this container (VFIO_SET_IOMMU first)'));
        }
        return fromOutcome(c.driver.ioctl(cmd, arg));
      }
    }
  }

  /** vfio_container_ioctl_check_extension(): with no backend, ask every registered backend (type1
   *  is the only one registered on x86-64 and arm64 here); once one is set, only that one. */
  private checkExtension(c: Container, ext: number): number {
    return VfioIommuType1.checkExtension(c.driver, ext, this.profile);
  }

  /** vfio_ioctl_set_iommu() */
  private setIommu(c: Container, ext: number): SysResult {
    const where = 'vfio_ioctl_set_iommu';
    if (c.groups.length === 0 || c.driver !== null) {
      return err(kerr(ERRNO.EINVAL, where, c.driver !== null ? 'the container already has an IOMMU backend' : 'the container has no group yet (VFIO_GROUP_SET_CONTAINER first)'));
    }
    // "The arg magic for SET_IOMMU is the same as CHECK_EXTENSION": a driver answering > 0 is opened.
    if (VfioIommuType1.checkExtension(null, ext, this.profile) <= 0) {
      return err(kerr(ERRNO.ENODEV, where, `no IOMMU backend accepts extension ${ext}`));
    }
    const opened = VfioIommuType1.open(ext, this.type1Env);
    if ('errno' in opened) return err(opened);
    // __vfio_container_attach_groups(): in list order (the last group set first); unwind on error.
    const done: VfioGroup[] = [];
    for (const g of c.groups) {
      const e = opened.attachGroup(g.iommuGroup);
      if (e !== null) {
        for (const d of done.reverse()) opened.detachGroup(d.iommuGroup);
        opened.release();
        return err(e);
      }
      done.push(g);
    }
    c.driver = opened;
    return ok(0);
  }

  /** vfio_group_fops_unl_ioctl() */
  private groupIoctl(g: VfioGroup, cmd: number, arg: unknown): SysResult {
    switch (cmd) {
      case VFIO_GROUP_GET_DEVICE_FD: return this.getDeviceFd(g, arg);
      case VFIO_GROUP_GET_STATUS: return this.getStatus(g, arg);
      case VFIO_GROUP_SET_CONTAINER: return this.setContainer(g, arg);
      case VFIO_GROUP_UNSET_CONTAINER: return this.unsetContainer(g);
      default: return err(kerr(ERRNO.ENOTTY, 'vfio_group_fops_unl_ioctl', `request 0x${cmd.toString(16)} is not a group ioctl`));
    }
  }

  /** vfio_group_ioctl_get_status() */
  private getStatus(g: VfioGroup, arg: unknown): SysResult {
    const where = 'vfio_group_ioctl_get_status';
    if (arg == null || typeof arg !== 'object') return err(kerr(ERRNO.EFAULT, `copy_from_user (${where})`, 'the argument pointer is not readable'));
    const argsz = Number(BigInt.asUintN(32, BigInt((arg as { argsz?: number | bigint }).argsz ?? 0)));
    if (argsz < SIZEOF_GROUP_STATUS) return err(kerr(ERRNO.EINVAL, where, `argsz ${argsz} is smaller than ${SIZEOF_GROUP_STATUS}`));
    let flags = 0;
    // With a container the DMA ownership was claimed at SET_CONTAINER, so the group is viable.
    if (g.container !== null) flags |= VFIO_GROUP_FLAGS_CONTAINER_SET | VFIO_GROUP_FLAGS_VIABLE;
    else if (!g.iommuGroup.dmaOwnerClaimed()) flags |= VFIO_GROUP_FLAGS_VIABLE;
    return ok(0, { argsz, flags });
  }

  /** vfio_group_ioctl_set_container() and vfio_container_attach_group() */
  private setContainer(g: VfioGroup, arg: unknown): SysResult {
    const where = 'vfio_group_ioctl_set_container';
    const fdArg = typeof arg === 'object' && arg !== null ? (arg as { fd?: unknown }).fd : undefined;
    if (typeof fdArg !== 'number' && typeof fdArg !== 'bigint') {
      return err(kerr(ERRNO.EFAULT, `get_user (${where})`, 'the pointer to the container fd is not readable'));
    }
    const target = this.fds.get(Number(fdArg));
    if (target === undefined) return err(kerr(ERRNO.EBADF, `fdget (${where})`, `fd ${fdArg} is not open`));
    if (g.container !== null) return err(kerr(ERRNO.EINVAL, where, `group ${g.id} is already in a container`));
    if (target.kind !== 'container') {
      // Neither vfio_container_from_file() nor iommufd_ctx_from_file() recognises it.
      return err(kerr(ERRNO.EBADFD, where, `fd ${fdArg} is neither a VFIO container nor an iommufd`));
    }
    const c = target.container;
    const claim = g.iommuGroup.claimDmaOwner(g);                       // iommu_group_claim_dma_owner()
    if (claim !== null) return err(claim);
    if (c.driver !== null) {
      const e = c.driver.attachGroup(g.iommuGroup);
      if (e !== null) {
        g.iommuGroup.releaseDmaOwner();
        return err(e);
      }
    }
    g.container = c;
    g.containerUsers = 1;
    c.groups.unshift(g);                                               // list_add(): at the head
    return ok(0);
  }

  /** vfio_group_ioctl_unset_container() */
  private unsetContainer(g: VfioGroup): SysResult {
    const where = 'vfio_group_ioctl_unset_container';
    if (g.container === null) return err(kerr(ERRNO.EINVAL, where, `group ${g.id} is not in a container`));
    if (g.containerUsers !== 1) return err(kerr(ERRNO.EBUSY, where, `${g.containerUsers - 1} device(s) of group ${g.id} are still open`));
    this.detachContainer(g);
    return ok(0);
  }

  /** vfio_group_detach_container(): the backend detaches the group, the DMA ownership is released,
   *  and the last group leaving a container takes its backend (and every mapping) with it. */
  private detachContainer(g: VfioGroup): void {
    const c = g.container!;
    c.driver?.detachGroup(g.iommuGroup);
    g.iommuGroup.releaseDmaOwner();
    g.container = null;
    g.containerUsers = 0;
    c.groups.splice(c.groups.indexOf(g), 1);
    if (c.driver !== null && c.groups.length === 0) {
      c.driver.release();
      c.driver = null;
    }
  }

  /** vfio_group_ioctl_get_device_fd() */
  private getDeviceFd(g: VfioGroup, arg: unknown): SysResult {
    const where = 'vfio_group_ioctl_get_device_fd';
    if (typeof arg !== 'string') return err(kerr(ERRNO.EFAULT, `strndup_user (${where})`, 'the device name pointer is not readable'));
    // vfio_device_get_from_name(): the devices registered with VFIO in this group, by dev_name().
    const device = g.devices.find((d) => d.spec.bdf === arg);
    if (device === undefined) return err(kerr(ERRNO.ENODEV, `vfio_device_get_from_name (${where})`, `no VFIO device named ${JSON.stringify(arg)} in group ${g.id}`));
    // vfio_df_group_open()
    if (g.container === null) return err(kerr(ERRNO.EINVAL, `vfio_df_group_open (${where})`, `group ${g.id} has no container`));
    if (device.openCount === 0) {
      // vfio_df_open() -> first open -> vfio_device_group_use_iommu() -> vfio_group_use_container()
      if (g.container.driver === null) {
        return err(kerr(ERRNO.EINVAL, `vfio_group_use_container (${where})`, 'the container has no IOMMU backend yet (VFIO_SET_IOMMU first)'));
      }
      g.containerUsers++;
      g.fileRefs++;                                                    // get_file(group->opened_file)
      this.pci?.open(device.spec.bdf);                                 // vfio_pci_core_open_device()
    }
    device.openCount++;
    return ok(this.newFd({ kind: 'device', device, group: g }));
  }

  // ---- sysfs and memory ------------------------------------------------------------------------

  /** read() of a whole sysfs file: /sys/kernel/iommu_groups/N/{reserved_regions,type}. */
  read(path: string): SysResult {
    const m = /^\/sys\/kernel\/iommu_groups\/(\d+)\/(reserved_regions|type)$/.exec(path);
    const g = m === null ? undefined : this.iommuGroups.get(Number(m[1]));
    if (m === null || g === undefined) return err(kerr(ERRNO.ENOENT, 'open', `${path} does not exist or is not modelled`));
    const text = m[2] === 'reserved_regions' ? g.reservedRegionsText() : g.typeText();
    return { ret: text.length, errno: 0, text, log: [] };
  }

  /** read(fd, buf, count) of a vEVENTQ fd (src/model/iommufd/host.ts). */
  readFd(fd: number, count: number): SysResult {
    const e = this.fds.get(fd);
    if (e === undefined) return err(kerr(ERRNO.EBADF, 'read', `fd ${fd} is not open`));
    if (!isIommufdEntry(e)) return err(kerr(ERRNO.EINVAL, 'read', `fd ${fd} is not readable in this model`));
    return this.iommufd.read(e, count);
  }

  // ---- eventfds and device fd read/write (src/model/vfio/eventfd.ts, device.ts) -------------------

  /** eventfd(0, 0): a new counter, its fd in ret. */
  eventfd(): SysResult {
    return ok(this.newFd({ kind: 'eventfd', efd: new EventFd() }));
  }

  /** read(2) of an eventfd: the count in ret (0 when nothing was signalled: the script's
   *  read_eventfd never blocks). */
  readEventfd(fd: number): SysResult {
    const e = this.fds.get(fd);
    if (e === undefined) return err(kerr(ERRNO.EBADF, 'read', `fd ${fd} is not open`));
    if (e.kind !== 'eventfd') return err(kerr(ERRNO.EINVAL, 'read', `fd ${fd} is not an eventfd`));
    return ok(e.efd.read());
  }


  private eventfdLookup(fd: number): EventFd | 'EBADF' | 'EINVAL' {
    const e = this.fds.get(fd);
    if (e === undefined) return 'EBADF';
    return e.kind === 'eventfd' ? e.efd : 'EINVAL';
  }

  /** The open device fds of a device (the CLI's mmio and config go through the first). */
  deviceFds(bdf: string): number[] {
    return [...this.fds.entries()].filter(([, e]) => e.kind === 'device' && e.device.spec.bdf === bdf).map(([fd]) => fd);
  }

  /** pread(fd, size, offset) / pwrite() on a device fd: `offset` is VFIO_PCI_INDEX_TO_OFFSET(region)
   *  plus the offset inside it; the value read (or written) in out.value, the byte count in ret. */
  deviceRw(fd: number, offset: bigint, size: number, value?: bigint): SysResult {
    const e = this.fds.get(fd);
    const op = value === undefined ? 'pread' : 'pwrite';
    if (e === undefined) return err(kerr(ERRNO.EBADF, op, `fd ${fd} is not open`));
    if (e.kind !== 'device' || this.pci === undefined) return err(kerr(ERRNO.EINVAL, op, `fd ${fd} is not a modelled VFIO device fd`));
    const r = value === undefined ? this.pci.read(e.device.spec.bdf, offset, size) : this.pci.write(e.device.spec.bdf, offset, size, value);
    if ('errno' in r) return err(r);
    return ok(size, { value: r.value });
  }

  /** mmap() of anonymous private memory: the address in ret. */
  mmap(length: bigint, prot: { read: boolean; write: boolean } = { read: true, write: true }): SysResult {
    return ok(this.process.mmap(length, prot));
  }

  /** The fd table, for views and tests. */
  fdTable(): { fd: number; kind: 'container' | 'group' | 'device'; id: string }[] {
    const out: { fd: number; kind: 'container' | 'group' | 'device'; id: string }[] = [];
    for (const [fd, e] of this.fds) {
      if (e.kind === 'container') out.push({ fd, kind: e.kind, id: `container ${e.container.id}` });
      else if (e.kind === 'group') out.push({ fd, kind: e.kind, id: `group ${e.group.id}` });
      else if (e.kind === 'device') out.push({ fd, kind: e.kind, id: e.device.spec.bdf });
      else if (e.kind === 'cdev') out.push({ fd, kind: 'device', id: this.iommufd.describe(e) });   // a device cdev is a VFIO device fd
    }
    return out;
  }

  /** The iommufd-side fds (/dev/iommu, vEVENTQs), for views and tests. */
  iommufdFds(): { fd: number; kind: 'iommufd' | 'veventq'; id: string }[] {
    const out: { fd: number; kind: 'iommufd' | 'veventq'; id: string }[] = [];
    for (const [fd, e] of this.fds) if (e.kind === 'iommufd' || e.kind === 'veventq') out.push({ fd, kind: e.kind, id: this.iommufd.describe(e) });
    return out;
  }

  /** The container behind a container fd (tests and views). */
  containerOf(fd: number): Container | undefined {
    const e = this.fds.get(fd);
    return e?.kind === 'container' ? e.container : undefined;
  }
}

function isIommufdEntry(e: FdEntry): e is IommufdFdEntry {
  return e.kind === 'iommufd' || e.kind === 'cdev' || e.kind === 'veventq';
}

function fromOutcome(o: Outcome): SysResult {
  return o.ok ? ok(o.ret, o.out, o.log) : err(o.err, o.log);
}
