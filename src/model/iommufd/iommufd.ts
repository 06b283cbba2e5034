// One open /dev/iommu (struct iommufd_ctx) and its ioctls, with the kernel's order of checks:
//
//   drivers/iommu/iommufd/main.c       iommufd_fops_ioctl(): table lookup (-ENOTTY), size below
//                                      the minimum (-EINVAL); iommufd_destroy()
//   drivers/iommu/iommufd/ioas.c       iommufd_ioas_alloc_ioctl(), _iova_ranges(), _map(), _unmap()
//   drivers/iommu/iommufd/hw_pagetable.c  iommufd_hwpt_alloc(), iommufd_hwpt_paging_alloc(),
//                                      iommufd_viommu_alloc_hwpt_nested(), iommufd_hwpt_invalidate()
//   drivers/iommu/iommufd/viommu.c     iommufd_viommu_alloc_ioctl(), iommufd_vdevice_alloc_ioctl()
//   drivers/iommu/iommufd/eventq.c     iommufd_veventq_alloc(), iommufd_veventq_fops_read()
//   drivers/iommu/iommufd/driver.c     iommufd_viommu_report_event(), iommufd_viommu_get_vdev_id()
//                                      and iommufd_sw_msi() (sw-msi.ts)
//   drivers/iommu/iommufd/device.c     iommufd_device_bind(), iommufd_device_attach() / _replace(),
//                                      iommufd_device_auto_get_domain(), iommufd_hw_pagetable_attach()
//   arm-smmu-v3-iommufd.c              vsmmu.ts
// ASSUMPTIONS (paths read from memory, not from the fetched files): the viommu.c and device.c
// orders of checks below, HWPT_INVALIDATE's entry_len rule (below 16 bytes -EINVAL), and that
// arm-smmu-v3 refuses user data and DIRTY_TRACKING on a paging HWPT with -EOPNOTSUPP (the
// modelled SMMU has no HTTU) and has no domain_alloc_nested op (a nested HWPT needs a vIOMMU).

import type { DeviceSpec, IommuGroup } from '../iommu/group';
import { IOMMU_DOMAIN_UNMANAGED, type IommuDomain } from '../iommu/domain';
import type { ResvRegion } from '../iommu/resv';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from '../iommu/resv';
import type { CmdWords } from '../smmuv3/commands';
import { STE_CFG } from '../smmuv3/encode';
import { STE_Config } from '../smmuv3/ste';
import { ERRNO, kerr, type KErr } from '../vfio/errno';
import type { Process } from '../vfio/pin';
import type { KernelProfile } from '../vfio/profile';
import type { IommufdHw } from './hw';
import { IoPagetable, ULONG_MAX, type LockedVmUser } from './ioas';
import {
  ObjectTable, type Hwpt, type HwptNested, type HwptPaging, type Idev, type Ioas, type IommufdObject, type Vdevice,
  type Veventq, type Viommu,
} from './objects';
import {
  IOMMU_DESTROY, IOMMU_HWPT_ALLOC, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, IOMMU_HWPT_ALLOC_NEST_PARENT,
  IOMMU_HWPT_DATA_ARM_SMMUV3, IOMMU_HWPT_DATA_NONE, IOMMU_HWPT_INVALIDATE, IOMMU_IOAS_ALLOC,
  IOMMU_IOAS_IOVA_RANGES, IOMMU_IOAS_MAP, IOMMU_IOAS_MAP_FIXED_IOVA, IOMMU_IOAS_MAP_READABLE,
  IOMMU_IOAS_MAP_WRITEABLE, IOMMU_IOAS_UNMAP, IOMMU_VDEVICE_ALLOC, IOMMU_VEVENTQ_ALLOC,
  IOMMU_VEVENTQ_FLAG_LOST_EVENTS, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, IOMMU_VEVENTQ_TYPE_DEFAULT, IOMMU_VIOMMU_ALLOC,
  IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, IOMMU_VIOMMU_TYPE_DEFAULT,
  iommufdRequestDef, profileHas, SIZEOF_HWPT_ARM_SMMUV3, SIZEOF_VEVENT_ARM_SMMUV3, SIZEOF_VEVENT_HEADER,
  SIZEOF_VIOMMU_ARM_SMMUV3_INVALIDATE,
} from './uapi';
import {
  CMDQ_BATCH_ENTRIES, convertUserCmd, eventSid, forwardableEvent, makeAbortSte, makeNestedDomainSte, validateVste, vsidEvent,
} from './vsmmu';
import { iommufdSwMsi, SwMsiState, type SwMsiResult } from './sw-msi';
import { NotModelled } from '../vfio/type1';

/** What an ioctl did: a return value and what the kernel wrote back, or an error. */
export type IoctlOutcome =
  | { ok: true; ret: number; out?: Record<string, unknown> }
  | { ok: false; err: KErr; out?: Record<string, unknown> };

type Arg = Record<string, unknown>;
const u32 = (v: unknown): number => Number(BigInt.asUintN(32, BigInt((v as number | bigint | undefined) ?? 0)));
const u64 = (v: unknown): bigint => BigInt.asUintN(64, BigInt((v as number | bigint | undefined) ?? 0));
const fail = (errno: number, where: string, why: string, out?: Record<string, unknown>): IoctlOutcome =>
  (out === undefined ? { ok: false, err: kerr(errno, where, why) } : { ok: false, err: kerr(errno, where, why), out });
const failK = (e: KErr): IoctlOutcome => ({ ok: false, err: e });
const done = (out?: Record<string, unknown>): IoctlOutcome => (out === undefined ? { ok: true, ret: 0 } : { ok: true, ret: 0, out });

export interface IommufdEnv {
  profile: KernelProfile;
  process: Process;
  /** The user whose locked_vm is charged (shared by every iommufd of the process). */
  user: LockedVmUser;
  hw: IommufdHw;
  /** The reserved regions of a device's group (iommu_get_group_resv_regions()). */
  groupResv(group: IommuGroup): ResvRegion[];
  /** A new fd in the process for a vEVENTQ (get_unused_fd_flags()). */
  allocFd(q: Veventq): number;
}

export class IommufdCtx {
  readonly objects = new ObjectTable();
  /** ictx->sw_msi_list and the SW_MSI bitmaps (sw-msi.ts). */
  readonly swMsi = new SwMsiState();

  constructor(readonly env: IommufdEnv) {}

  // ---- objects -------------------------------------------------------------------------------

  private alloc<T extends IommufdObject>(o: Omit<T, 'id' | 'users'>): T {
    return this.objects.add({ ...o, id: this.objects.nextId(), users: 1 } as T);
  }

  private free(o: IommufdObject): void {
    this.objects.remove(o.id);
  }

  // ---- dispatch ------------------------------------------------------------------------------

  /** iommufd_fops_ioctl() */
  ioctl(cmd: number, arg: unknown): IoctlOutcome {
    const def = iommufdRequestDef(cmd);
    if (def === undefined || !profileHas(this.env.profile, def)) {
      return fail(ERRNO.ENOTTY, 'iommufd_fops_ioctl',
        def === undefined ? `request 0x${cmd.toString(16)} is not an iommufd ioctl` : `${def.name} is not in Linux ${this.env.profile.id}'s uapi`);
    }
    if (arg == null || typeof arg !== 'object') return fail(ERRNO.EFAULT, 'get_user (iommufd_fops_ioctl)', 'the argument pointer is not readable');
    const a = arg as Arg;
    const size = u32(a.size ?? def.size);
    if (size < def.minSize) return fail(ERRNO.EINVAL, 'iommufd_fops_ioctl', `size ${size} is below the minimum ${def.minSize} of ${def.name}`);
    switch (cmd) {
      case IOMMU_DESTROY: return this.destroy(a);
      case IOMMU_IOAS_ALLOC: return this.ioasAlloc(a);
      case IOMMU_IOAS_IOVA_RANGES: return this.iovaRanges(a);
      case IOMMU_IOAS_MAP: return this.ioasMap(a);
      case IOMMU_IOAS_UNMAP: return this.ioasUnmap(a);
      case IOMMU_HWPT_ALLOC: return this.hwptAlloc(a);
      case IOMMU_HWPT_INVALIDATE: return this.hwptInvalidate(a);
      case IOMMU_VIOMMU_ALLOC: return this.viommuAlloc(a);
      case IOMMU_VDEVICE_ALLOC: return this.vdeviceAlloc(a);
      case IOMMU_VEVENTQ_ALLOC: return this.veventqAlloc(a);
      default: throw new NotModelled(def.name);
    }
  }

  /** iommufd_destroy() -> iommufd_object_remove() */
  private destroy(a: Arg): IoctlOutcome {
    const id = u32(a.id);
    const o = this.objects.get(id);
    if (o === undefined) return fail(ERRNO.ENOENT, 'iommufd_object_remove (iommufd_destroy)', `no object ${id}`);
    if (o.users > 1) return fail(ERRNO.EBUSY, 'iommufd_object_remove (iommufd_destroy)', `object ${id} (${o.type}) is still referenced ${o.users - 1} time(s)`);
    this.destroyObject(o);
    return done();
  }

  /** The object's destroy op: drop what it references. */
  private destroyObject(o: IommufdObject): void {
    switch (o.type) {
      case 'ioas': o.iopt.unmapIova(0n, 0n, true); break;                  // iommufd_ioas_destroy(): iopt_unmap_all()
      case 'hwpt_paging':
        o.ioas.iopt.removeDomain(o.domain);
        this.env.hw.freePaging(o.hw);
        o.ioas.users--;
        break;
      case 'hwpt_nested': o.viommu.users--; break;
      case 'viommu': o.parent.users--; break;
      case 'vdevice': o.viommu.vdevs.delete(o.virtId); o.viommu.users--; break;
      case 'veventq': o.viommu.veventqs.splice(o.viommu.veventqs.indexOf(o), 1); o.viommu.users--; break;
      case 'device': break;
    }
    this.free(o);
  }

  // ---- IOAS ----------------------------------------------------------------------------------

  /** iommufd_ioas_alloc_ioctl() */
  private ioasAlloc(a: Arg): IoctlOutcome {
    if (u32(a.flags) !== 0) return fail(ERRNO.EOPNOTSUPP, 'iommufd_ioas_alloc_ioctl', 'flags must be 0');
    const ioas = this.alloc<Ioas>({ type: 'ioas', iopt: new IoPagetable(this.env.process, this.env.user) });
    return done({ out_ioas_id: ioas.id });
  }

  private getIoas(id: number, where: string): Ioas | KErr {
    return this.objects.get(id, 'ioas') ?? kerr(ERRNO.ENOENT, `iommufd_get_ioas (${where})`, `no IOAS with id ${id}`);
  }

  /** iommufd_ioas_iova_ranges(): num_iovas in is the room; out the count, -EMSGSIZE if short. */
  private iovaRanges(a: Arg): IoctlOutcome {
    const where = 'iommufd_ioas_iova_ranges';
    if (u32(a.__reserved) !== 0) return fail(ERRNO.EOPNOTSUPP, where, '__reserved must be 0');
    const ioas = this.getIoas(u32(a.ioas_id), where);
    if ('errno' in ioas) return failK(ioas);
    const max = u32(a.num_iovas);
    const ranges = ioas.iopt.allowedRanges();
    const out = {
      num_iovas: ranges.length, out_iova_alignment: ioas.iopt.iovaAlignment,
      allowed_iovas: ranges.slice(0, max).map((r) => ({ start: r.start, last: r.last })),
    };
    if (ranges.length > max) return fail(ERRNO.EMSGSIZE, where, `${ranges.length} ranges do not fit in ${max}`, out);
    return done(out);
  }

  /** iommufd_ioas_map() */
  private ioasMap(a: Arg): IoctlOutcome {
    const where = 'iommufd_ioas_map';
    const flags = u32(a.flags);
    const known = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;
    if ((flags & ~known) !== 0 || u32(a.__reserved) !== 0) return fail(ERRNO.EOPNOTSUPP, where, 'unknown flags or __reserved not 0');
    const iova = u64(a.iova), length = u64(a.length), uptr = u64(a.user_va);
    if (iova >= ULONG_MAX || length >= ULONG_MAX) return fail(ERRNO.EOVERFLOW, where, 'iova or length is ULONG_MAX');
    if ((flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)) === 0) return fail(ERRNO.EINVAL, where, 'neither WRITEABLE nor READABLE');
    const ioas = this.getIoas(u32(a.ioas_id), where);
    if ('errno' in ioas) return failK(ioas);
    // conv_iommu_prot(): IOMMU_CACHE always (coherency is checked at bind).
    let prot = IOMMU_CACHE;
    if (flags & IOMMU_IOAS_MAP_WRITEABLE) prot |= IOMMU_WRITE;
    if (flags & IOMMU_IOAS_MAP_READABLE) prot |= IOMMU_READ;
    const got = ioas.iopt.mapUserPages(iova, uptr, length, prot, (flags & IOMMU_IOAS_MAP_FIXED_IOVA) === 0);
    if (typeof got !== 'bigint') return failK(got);
    return done({ iova: got });
  }

  /** iommufd_ioas_unmap(): length out = bytes unmapped; iova 0 with length U64_MAX unmaps all. */
  private ioasUnmap(a: Arg): IoctlOutcome {
    const where = 'iommufd_ioas_unmap';
    const ioas = this.getIoas(u32(a.ioas_id), where);
    if ('errno' in ioas) return failK(ioas);
    const iova = u64(a.iova), length = u64(a.length);
    let r: bigint | KErr;
    if (iova === 0n && length === ULONG_MAX) r = ioas.iopt.unmapIova(0n, 0n, true);
    else if (iova >= ULONG_MAX || length >= ULONG_MAX) return fail(ERRNO.EOVERFLOW, where, 'iova or length is ULONG_MAX');
    else r = ioas.iopt.unmapIova(iova, length);
    if (typeof r !== 'bigint') return failK(r);
    return done({ length: r });
  }

  // ---- HWPT ----------------------------------------------------------------------------------

  private getDevice(id: number, where: string): Idev | KErr {
    return this.objects.get(id, 'device') ?? kerr(ERRNO.ENOENT, `iommufd_get_device (${where})`, `no device with id ${id}`);
  }

  /** iommufd_hwpt_paging_alloc() with arm_smmu_domain_alloc_paging_flags(). */
  private hwptPagingAlloc(ioas: Ioas, flags: number, userData: boolean, autoDomain: boolean): HwptPaging | KErr {
    const where = 'arm_smmu_domain_alloc_paging_flags (iommufd_hwpt_paging_alloc)';
    if (userData) return kerr(ERRNO.EOPNOTSUPP, where, 'a paging domain takes no driver data');
    if (flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) return kerr(ERRNO.EOPNOTSUPP, where, 'the SMMU has no dirty tracking (no HTTU)');
    const nestParent = (flags & IOMMU_HWPT_ALLOC_NEST_PARENT) !== 0;
    if (nestParent && !this.env.hw.nesting) return kerr(ERRNO.EOPNOTSUPP, where, 'the SMMU cannot nest (ARM_SMMU_FEAT_NESTING needs both stages)');
    const hw = this.env.hw.allocPaging(nestParent ? 's2' : 's1');
    const domain: IommuDomain = {
      type: IOMMU_DOMAIN_UNMANAGED, ops: 'arm_smmu_ops', pgsizeBitmap: hw.pgsizeBitmap,
      aperture: { start: 0n, end: (1n << BigInt(hw.inputBits)) - 1n }, stage: hw.stage,
      enforceCacheCoherency: false, msiCookie: null, pt: hw.pt,
    };
    const hwpt = this.alloc<HwptPaging>({ type: 'hwpt_paging', ioas, hw, domain, nestParent, autoDomain, devices: [] });
    const e = ioas.iopt.addDomain(domain);                               // iopt_table_add_domain()
    if (e !== null) { this.env.hw.freePaging(hw); this.free(hwpt); return e; }
    ioas.users++;
    return hwpt;
  }

  /** iommufd_hwpt_alloc() */
  private hwptAlloc(a: Arg): IoctlOutcome {
    const where = 'iommufd_hwpt_alloc';
    const flags = u32(a.flags), dataType = u32(a.data_type);
    const data = a.data as { ste?: readonly [bigint | number, bigint | number] } | undefined;
    const dataLen = u32(a.data_len ?? (data !== undefined ? SIZEOF_HWPT_ARM_SMMUV3 : 0));
    if ((flags & ~(IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING)) !== 0 || u32(a.__reserved) !== 0) {
      return fail(ERRNO.EOPNOTSUPP, where, 'unknown flags or __reserved not 0');
    }
    if (dataLen === 0 && dataType !== IOMMU_HWPT_DATA_NONE) return fail(ERRNO.EINVAL, where, 'a data_type without data');
    if ((flags & IOMMU_HWPT_ALLOC_NEST_PARENT) && dataType !== IOMMU_HWPT_DATA_NONE) return fail(ERRNO.EINVAL, where, 'a nest parent takes no data');
    const idev = this.getDevice(u32(a.dev_id), where);
    if ('errno' in idev) return failK(idev);
    const pt = this.objects.get(u32(a.pt_id));
    if (pt === undefined) return fail(ERRNO.EINVAL, where, `pt_id ${u32(a.pt_id)} is no object`);
    let hwpt: Hwpt | KErr;
    switch (pt.type) {
      case 'ioas':
        hwpt = this.hwptPagingAlloc(pt, flags, dataLen !== 0, false);
        break;
      case 'hwpt_paging':
        // iommufd_hwpt_nested_alloc(): parent checks, then the driver's domain_alloc_nested.
        if (dataType === IOMMU_HWPT_DATA_NONE) hwpt = kerr(ERRNO.EINVAL, 'iommufd_hwpt_nested_alloc', 'no data type');
        else if (pt.autoDomain || !pt.nestParent) hwpt = kerr(ERRNO.EINVAL, 'iommufd_hwpt_nested_alloc', 'the parent is not a nest parent');
        else hwpt = kerr(ERRNO.EOPNOTSUPP, 'iommufd_hwpt_nested_alloc', 'arm-smmu-v3 allocates nested domains only on a vIOMMU (pt_id = viommu_id)');
        break;
      case 'viommu':
        hwpt = this.viommuAllocHwptNested(pt, flags, dataType, dataLen, data);
        break;
      default:
        return fail(ERRNO.EINVAL, where, `pt_id ${pt.id} is a ${pt.type}, not an IOAS, HWPT or vIOMMU`);
    }
    if ('errno' in hwpt) return failK(hwpt);
    return done({ out_hwpt_id: hwpt.id });
  }

  /** iommufd_viommu_alloc_hwpt_nested() -> arm_vsmmu_alloc_domain_nested() */
  private viommuAllocHwptNested(
    viommu: Viommu, flags: number, dataType: number, dataLen: number, data: { ste?: readonly [bigint | number, bigint | number] } | undefined,
  ): HwptNested | KErr {
    const where = 'arm_vsmmu_alloc_domain_nested (iommufd_viommu_alloc_hwpt_nested)';
    if (flags !== 0) return kerr(ERRNO.EOPNOTSUPP, where, 'flags must be 0 for a nested HWPT');
    // iommu_copy_struct_from_user(&arg, user_data, IOMMU_HWPT_DATA_ARM_SMMUV3, ste)
    if (dataType !== IOMMU_HWPT_DATA_ARM_SMMUV3) return kerr(ERRNO.EINVAL, `iommu_copy_struct_from_user (${where})`, `data_type ${dataType} is not IOMMU_HWPT_DATA_ARM_SMMUV3 (2)`);
    if (dataLen < SIZEOF_HWPT_ARM_SMMUV3) return kerr(ERRNO.EINVAL, `iommu_copy_struct_from_user (${where})`, `data_len ${dataLen} is below sizeof(struct iommu_hwpt_arm_smmuv3) = 16`);
    if (data?.ste === undefined) return kerr(ERRNO.EFAULT, `iommu_copy_struct_from_user (${where})`, 'data_uptr is not readable');
    const v = validateVste([u64(data.ste[0]), u64(data.ste[1])]);
    if ('errno' in v) return kerr(v.errno, `arm_smmu_validate_vste (${where})`, v.why);
    viommu.users++;
    return this.alloc<HwptNested>({ type: 'hwpt_nested', viommu, ste: v.ste, enableAts: v.enableAts, devices: [] });
  }

  // ---- vIOMMU, vDEVICE -----------------------------------------------------------------------

  /** iommufd_viommu_alloc_ioctl() with arm_smmu_get_viommu_size() and arm_vsmmu_init(). */
  private viommuAlloc(a: Arg): IoctlOutcome {
    const where = 'iommufd_viommu_alloc_ioctl';
    const type = u32(a.type);
    if (u32(a.flags) !== 0 || type === IOMMU_VIOMMU_TYPE_DEFAULT) return fail(ERRNO.EOPNOTSUPP, where, 'flags not 0 or type IOMMU_VIOMMU_TYPE_DEFAULT');
    const idev = this.getDevice(u32(a.dev_id), where);
    if ('errno' in idev) return failK(idev);
    if (!this.env.hw.nesting) return fail(ERRNO.EOPNOTSUPP, `arm_smmu_get_viommu_size (${where})`, 'the SMMU has no ARM_SMMU_FEAT_NESTING');
    if (type !== IOMMU_VIOMMU_TYPE_ARM_SMMUV3) return fail(ERRNO.EOPNOTSUPP, `arm_smmu_get_viommu_size (${where})`, `vIOMMU type ${type} is not IOMMU_VIOMMU_TYPE_ARM_SMMUV3 (1)`);
    const parent = this.objects.get(u32(a.hwpt_id), 'hwpt_paging');
    if (parent === undefined) return fail(ERRNO.ENOENT, `iommufd_get_hwpt_paging (${where})`, `no paging HWPT with id ${u32(a.hwpt_id)}`);
    if (!parent.nestParent) return fail(ERRNO.EINVAL, where, `HWPT ${parent.id} was not allocated with IOMMU_HWPT_ALLOC_NEST_PARENT`);
    parent.users++;
    // arm_vsmmu_init(): "FIXME Move VMID allocation from the S2 domain allocation to here".
    const viommu = this.alloc<Viommu>({ type: 'viommu', viommuType: type, parent, vmid: parent.hw.vmid!, vdevs: new Map(), veventqs: [] });
    return done({ out_viommu_id: viommu.id });
  }

  /** iommufd_vdevice_alloc_ioctl(): virt_id is the guest's StreamID (vSID). */
  private vdeviceAlloc(a: Arg): IoctlOutcome {
    const where = 'iommufd_vdevice_alloc_ioctl';
    const viommu = this.objects.get(u32(a.viommu_id), 'viommu');
    if (viommu === undefined) return fail(ERRNO.ENOENT, `iommufd_get_viommu (${where})`, `no vIOMMU with id ${u32(a.viommu_id)}`);
    const idev = this.getDevice(u32(a.dev_id), where);
    if ('errno' in idev) return failK(idev);
    const virtId = u64(a.virt_id);
    const mine = [...viommu.vdevs.values()].find((v) => v.idev === idev);
    if (mine !== undefined) return fail(ERRNO.EEXIST, where, `device ${idev.id} already has vDEVICE ${mine.id}`);
    if (viommu.vdevs.has(virtId)) return fail(ERRNO.EEXIST, `xa_cmpxchg (${where})`, `virt_id 0x${virtId.toString(16)} is taken`);
    viommu.users++;
    const vdev = this.alloc<Vdevice>({ type: 'vdevice', viommu, idev, virtId });
    viommu.vdevs.set(virtId, vdev);
    return done({ out_vdevice_id: vdev.id });
  }

  // ---- invalidation --------------------------------------------------------------------------

  /** iommufd_hwpt_invalidate() -> arm_vsmmu_cache_invalidate(): entry_num out = entries handled. */
  private hwptInvalidate(a: Arg): IoctlOutcome {
    const where = 'iommufd_hwpt_invalidate';
    const entries = (a.entries as readonly (readonly [bigint | number, bigint | number])[] | undefined) ?? [];
    const entryNum = u32(a.entry_num ?? entries.length);
    const entryLen = u32(a.entry_len ?? SIZEOF_VIOMMU_ARM_SMMUV3_INVALIDATE);
    const uptr = a.data_uptr ?? (a.entries !== undefined ? 1 : 0);
    if (u32(a.__reserved) !== 0) return fail(ERRNO.EOPNOTSUPP, where, '__reserved must be 0', { entry_num: 0 });
    if ((u64(uptr) === 0n || entryLen === 0) && entryNum !== 0) return fail(ERRNO.EINVAL, where, 'entries without data_uptr or entry_len', { entry_num: 0 });
    const pt = this.objects.get(u32(a.hwpt_id));
    if (pt === undefined) return fail(ERRNO.ENOENT, `iommufd_get_object (${where})`, `no object ${u32(a.hwpt_id)}`, { entry_num: 0 });
    if (pt.type === 'hwpt_nested') return fail(ERRNO.EOPNOTSUPP, where, 'an arm-smmu-v3 nested HWPT has no cache_invalidate_user: invalidate through its vIOMMU', { entry_num: 0 });
    if (pt.type !== 'viommu') return fail(ERRNO.EINVAL, where, `hwpt_id ${pt.id} is a ${pt.type}`, { entry_num: 0 });
    if (entryNum === 0) return done({ entry_num: 0 });
    // iommu_copy_struct_from_full_user_array()
    if (u32(a.data_type) !== IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3) {
      return fail(ERRNO.EINVAL, `iommu_copy_struct_from_full_user_array (${where})`, 'data_type is not IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 (1)', { entry_num: 0 });
    }
    if (entryLen < SIZEOF_VIOMMU_ARM_SMMUV3_INVALIDATE) return fail(ERRNO.EINVAL, `iommu_copy_struct_from_full_user_array (${where})`, `entry_len ${entryLen} is below 16`, { entry_num: 0 });
    if (entries.length < entryNum) return fail(ERRNO.EFAULT, `copy_from_user (${where})`, `only ${entries.length} entries are readable`, { entry_num: 0 });
    // arm_vsmmu_cache_invalidate(): convert one by one, issue in blocks of CMDQ_BATCH_ENTRIES - 1
    // with a CMD_SYNC; a bad command stops before its block is issued. A block the queue rejects
    // (arm_smmu_cmdq_issue_cmdlist() non-zero) stops with that error after `cur--`: entry_num is
    // the entries before the block's last one. ASSUMPTION: the cur-- is read from memory of
    // arm-smmu-v3-iommufd.c, not from the fetched file.
    const cmds: CmdWords[] = [];
    let last = 0;
    for (let cur = 0; cur < entryNum;) {
      const c = convertUserCmd([u64(entries[cur][0]), u64(entries[cur][1])], pt.vmid, (vsid) => this.vsidToSid(pt, vsid));
      if ('errno' in c) return fail(c.errno, `arm_vsmmu_convert_user_cmd (arm_vsmmu_cache_invalidate)`, `entry ${cur}: ${c.why}`, { entry_num: cur });
      cmds.push(c);
      cur++;
      if (cur !== entryNum && cur - last !== CMDQ_BATCH_ENTRIES - 1) continue;
      const ret = this.env.hw.issue(cmds.slice(last, cur));
      if (ret !== 0) {
        return fail(-ret, `arm_smmu_cmdq_issue_cmdlist (arm_vsmmu_cache_invalidate)`,
          `the Command queue rejected a command of entries ${last}..${cur - 1}`, { entry_num: cur - 1 });
      }
      last = cur;
    }
    return done({ entry_num: entryNum });
  }

  /** arm_vsmmu_vsid_to_sid() */
  private vsidToSid(v: Viommu, vsid: number): number | undefined {
    const vdev = v.vdevs.get(BigInt(vsid));
    return vdev === undefined ? undefined : this.env.hw.streamId(vdev.idev.spec);
  }

  // ---- vEVENTQ -------------------------------------------------------------------------------

  /** iommufd_veventq_alloc() */
  private veventqAlloc(a: Arg): IoctlOutcome {
    const where = 'iommufd_veventq_alloc';
    const type = u32(a.type);
    if (u32(a.flags) !== 0 || u32(a.__reserved) !== 0 || type === IOMMU_VEVENTQ_TYPE_DEFAULT) {
      return fail(ERRNO.EOPNOTSUPP, where, 'flags or __reserved not 0, or type IOMMU_VEVENTQ_TYPE_DEFAULT');
    }
    const depth = u32(a.veventq_depth);
    if (depth === 0) return fail(ERRNO.EINVAL, where, 'veventq_depth is 0');
    const viommu = this.objects.get(u32(a.viommu_id), 'viommu');
    if (viommu === undefined) return fail(ERRNO.ENOENT, `iommufd_get_viommu (${where})`, `no vIOMMU with id ${u32(a.viommu_id)}`);
    if (viommu.veventqs.some((q) => q.veventqType === type)) return fail(ERRNO.EEXIST, where, `the vIOMMU already has a vEVENTQ of type ${type}`);
    const q = this.alloc<Veventq>({ type: 'veventq', viommu, veventqType: type, depth, fd: -1, deliver: [], numEvents: 0, sequence: 0 });
    viommu.users++;
    viommu.veventqs.push(q);
    q.fd = this.env.allocFd(q);
    return done({ out_veventq_id: q.id, out_veventq_fd: q.fd });
  }

  /** iommufd_viommu_report_event() with iommufd_vevent_handler(): at depth the lost-events
   *  header goes (or moves) to the tail; every entry takes the next sequence (mod INT_MAX + 1). */
  private reportEvent(v: Viommu, type: number, evt: [bigint, bigint, bigint, bigint]): boolean {
    const q = v.veventqs.find((x) => x.veventqType === type);
    if (q === undefined) return false;                                  // -EOPNOTSUPP
    const lostAtTail = q.deliver.length > 0 && q.deliver[q.deliver.length - 1].evt === undefined;
    if (lostAtTail) q.deliver.pop();
    let e;
    if (q.numEvents === q.depth) e = { flags: IOMMU_VEVENTQ_FLAG_LOST_EVENTS, sequence: 0 };
    else { e = { flags: 0, sequence: 0, evt }; q.numEvents++; }
    e.sequence = q.sequence;
    q.sequence = (q.sequence + 1) & 0x7fffffff;
    q.deliver.push(e);
    return true;
  }

  /** arm_smmu_handle_event() for one record of the SMMU's event queue (IommufdHost.evtqThread()
   *  is arm_smmu_evtq_thread()): forward a guest's stage-1 event to its vEVENTQ. */
  handleEvent(evt: readonly bigint[]): boolean {
    if (!forwardableEvent(evt)) return false;
    const sid = eventSid(evt);
    const idev = this.objects.all().find((o): o is Idev => o.type === 'device' && this.env.hw.streamId(o.spec) === sid);
    if (idev?.vmaster == null) return false;
    return this.reportEvent(idev.vmaster.viommu, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, vsidEvent(evt, idev.vmaster.vsid));
  }

  /** iommufd_veventq_fops_read(): whole records while they fit; ret = bytes. */
  readVeventq(q: Veventq, count: number): { bytes: number; records: { flags: number; sequence: number; evt?: bigint[] }[] } {
    const records: { flags: number; sequence: number; evt?: bigint[] }[] = [];
    let bytes = 0;
    while (q.deliver.length > 0) {
      const cur = q.deliver[0];
      const need = SIZEOF_VEVENT_HEADER + (cur.evt === undefined ? 0 : SIZEOF_VEVENT_ARM_SMMUV3);
      if (bytes >= count || need > count - bytes) break;
      q.deliver.shift();
      if (cur.evt !== undefined) q.numEvents--;
      records.push(cur.evt === undefined ? { flags: cur.flags, sequence: cur.sequence } : { flags: cur.flags, sequence: cur.sequence, evt: [...cur.evt] });
      bytes += need;
    }
    return { bytes, records };
  }

  // ---- devices (called by the VFIO cdev) -----------------------------------------------------

  /** iommufd_device_bind(): claims DMA ownership of the group for this iommufd; out dev_id. */
  bind(spec: DeviceSpec, group: IommuGroup, isolatedMsi: boolean, allowUnsafeInterrupts: boolean): Idev | KErr {
    const where = 'iommufd_device_bind';
    if (group.owner !== this) {
      const e = group.claimDmaOwner(this);                              // iommu_device_claim_dma_owner()
      if (e !== null) return e;
    } else group.ownerCnt++;
    if (!isolatedMsi && !allowUnsafeInterrupts) {
      if (--group.ownerCnt === 0) group.releaseDmaOwner();
      return kerr(ERRNO.EPERM, where, 'no isolated MSI (no interrupt remapping) and allow_unsafe_interrupts is off',
        ['iommufd: MSI interrupts are not secure, they cannot be isolated by the platform. Check that platform features like interrupt remapping are enabled. Use the "allow_unsafe_interrupts" module parameter to override']);
    }
    const idev = this.alloc<Idev>({ type: 'device', spec, group, hwpt: null, vmaster: null, swMsiStart: null });
    idev.users++;                                                        // the driver's reference
    return idev;
  }

  /** iommufd_device_unbind() */
  unbind(idev: Idev): void {
    if (idev.hwpt !== null) this.detach(idev);
    idev.users--;
    this.free(idev);
    if (--idev.group.ownerCnt === 0) idev.group.releaseDmaOwner();
  }

  /** iommufd_device_attach() (VFIO_DEVICE_ATTACH_IOMMUFD_PT on an unattached device) or
   *  iommufd_device_replace() (on an attached one: vfio_iommufd_physical_attach_ioas()). Returns
   *  the HWPT id the device is now attached to (pt_id out). */
  attach(idev: Idev, ptId: number): number | KErr {
    const where = idev.hwpt === null ? 'iommufd_device_attach' : 'iommufd_device_replace';
    const pt = this.objects.get(ptId);
    if (pt === undefined) return kerr(ERRNO.ENOENT, `iommufd_get_object (${where})`, `no object ${ptId}`);
    if (pt.type === 'ioas') return this.autoGetDomain(idev, pt);
    if (pt.type === 'hwpt_paging' || pt.type === 'hwpt_nested') {
      if (idev.hwpt === pt) return pt.id;
      const old = idev.hwpt;
      if (old !== null) this.detach(idev, true);
      const e = this.hwptAttach(pt, idev);
      if (e !== null) {
        if (old !== null) this.hwptAttach(old, idev);
        return e;
      }
      if (old !== null) this.putIfAuto(old);
      return pt.id;
    }
    return kerr(ERRNO.EINVAL, where, `pt_id ${ptId} is a ${pt.type}, not an IOAS or HWPT`);
  }

  /** iommufd_device_auto_get_domain(): an existing automatic HWPT of the IOAS, else a new one. */
  private autoGetDomain(idev: Idev, ioas: Ioas): number | KErr {
    for (const o of this.objects.all()) {
      if (o.type !== 'hwpt_paging' || o.ioas !== ioas || !o.autoDomain) continue;
      const r = this.attach(idev, o.id);
      if (typeof r === 'number') return r;
    }
    const hwpt = this.hwptPagingAlloc(ioas, 0, false, true);
    if ('errno' in hwpt) return hwpt;
    const r = this.attach(idev, hwpt.id);
    if (typeof r !== 'number') this.destroyObject(hwpt);
    return r;
  }

  /** iommufd_hw_pagetable_attach(): reserve the group's regions in the IOAS, then the driver. */
  private hwptAttach(hwpt: Hwpt, idev: Idev): KErr | null {
    const paging = hwpt.type === 'hwpt_paging' ? hwpt : hwpt.viommu.parent;
    const r = paging.ioas.iopt.enforceGroupResv(this.env.groupResv(idev.group), idev);
    if ('errno' in r) return r;
    idev.swMsiStart = r.swMsiStart;
    // iommufd_device_attach_reserved_iova(): the group's first device brings its doorbell pages
    // to the new domain (iommufd_group_setup_msi()).
    if (!this.groupAttached(idev)) {
      const e = this.swMsi.setupGroup(idev.group, idev.swMsiStart, paging);
      if (e !== null) { paging.ioas.iopt.removeReserved(idev); return e; }
    }
    if (hwpt.type === 'hwpt_paging') {
      this.env.hw.attachPaging(idev.spec, hwpt.hw);
      idev.vmaster = null;
    } else {
      // arm_smmu_attach_prepare_vmaster(): a translating nested domain needs a vDEVICE first.
      const vdev = [...hwpt.viommu.vdevs.values()].find((v) => v.idev === idev);
      const cfg = STE_Config(hwpt.ste);
      if (vdev === undefined && cfg !== STE_CFG.abort && cfg !== STE_CFG.bypass) {
        paging.ioas.iopt.removeReserved(idev);
        return kerr(ERRNO.ENOENT, 'iommufd_viommu_get_vdev_id (arm_smmu_attach_prepare_vmaster)', `device ${idev.id} has no vDEVICE on vIOMMU ${hwpt.viommu.id}`);
      }
      this.env.hw.installSte(idev.spec, makeNestedDomainSte(hwpt.ste, hwpt.viommu.parent.hw.s2Words!));
      idev.vmaster = vdev === undefined ? null : { viommu: hwpt.viommu, vsid: Number(vdev.virtId) };
    }
    hwpt.devices.push(idev);
    hwpt.users++;
    idev.hwpt = hwpt;
    return null;
  }

  /** Whether another device of idev's group is attached (igroup->device_list not empty). */
  private groupAttached(idev: Idev): boolean {
    return this.objects.all().some((o) => o.type === 'device' && o !== idev && o.group === idev.group && o.hwpt !== null);
  }

  /** iommu_dma_prepare_msi() for a device bound here: iommufd_sw_msi() (sw-msi.ts). */
  prepareMsi(idev: Idev, msiAddr: bigint): SwMsiResult | KErr {
    return iommufdSwMsi(this.swMsi, idev, msiAddr);
  }

  /** iommufd_device_detach(): back to the blocking domain (arm_smmu_attach_dev_blocked(): an
   *  abort STE); an automatic HWPT goes with its last device. `replacing`: the first half of a
   *  replace, which installs no blocking STE and keeps the old HWPT for a rollback. */
  detach(idev: Idev, replacing = false): void {
    const hwpt = idev.hwpt;
    if (hwpt === null) return;
    const paging = hwpt.type === 'hwpt_paging' ? hwpt : hwpt.viommu.parent;
    paging.ioas.iopt.removeReserved(idev);
    hwpt.devices.splice(hwpt.devices.indexOf(idev), 1);
    hwpt.users--;
    idev.hwpt = null;
    idev.vmaster = null;
    if (replacing) return;
    this.env.hw.installSte(idev.spec, makeAbortSte());
    this.putIfAuto(hwpt);
  }

  private putIfAuto(hwpt: Hwpt): void {
    if (hwpt.type === 'hwpt_paging' && hwpt.autoDomain && hwpt.devices.length === 0) this.destroyObject(hwpt);
  }
}

