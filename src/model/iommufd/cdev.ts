// The VFIO device cdev (/dev/vfio/devices/vfioN) and its two iommufd ioctls, as
// drivers/vfio/device_cdev.c and drivers/vfio/vfio_main.c do them:
//
//   vfio_device_fops_unl_ioctl()     BIND_IOMMUFD is handled first; any other ioctl on a cdev fd
//                                    that has not bound yet is -EINVAL (!df->access_granted)
//   vfio_df_ioctl_bind_iommufd()     argsz < minsz, flags != 0 or iommufd < 0: -EINVAL; the group
//                                    is blocked (vfio_device_block_group(): -EBUSY while its
//                                    legacy group fd is open); bound already: -EINVAL; the fd must
//                                    be an iommufd (iommufd_ctx_from_fd(): -EBADF, -EBADFD);
//                                    vfio_df_open(): a device opened by another cdev fd: -EINVAL;
//                                    vfio_df_iommufd_bind() -> iommufd_device_bind(); out_devid
//   vfio_df_ioctl_attach_pt()        argsz < minsz or flags: -EINVAL; then
//                                    vfio_iommufd_physical_attach_ioas(): attach, or replace when
//                                    attached already; pt_id out = the HWPT id
//   vfio_df_ioctl_detach_pt()        argsz < minsz or flags: -EINVAL; iommufd_device_detach()
// ASSUMPTION: this order of checks is read from memory of device_cdev.c (6.12), not from the
// fetched file.

import type { IommuGroup } from '../iommu/group';
import type { DeviceSpec } from '../iommu/group';
import { ERRNO, kerr } from '../vfio/errno';
import type { IommufdCtx, IoctlOutcome } from './iommufd';
import type { Idev } from './objects';
import { MINSZ_ATTACH_IOMMUFD_PT, MINSZ_BIND_IOMMUFD, MINSZ_DETACH_IOMMUFD_PT } from './uapi';

/** One open cdev file (struct vfio_device_file). */
export interface CdevFile {
  spec: DeviceSpec;
  group: IommuGroup;
  ctx: IommufdCtx | null;
  idev: Idev | null;
}

type FdLookup = (fd: number) => { kind: 'iommufd'; ctx: IommufdCtx } | { kind: 'other' } | undefined;

const u32 = (v: unknown): number => Number(BigInt.asUintN(32, BigInt((v as number | bigint | undefined) ?? 0)));
const fail = (errno: number, where: string, why: string, log?: string[]): IoctlOutcome => ({ ok: false, err: kerr(errno, where, why, log) });

export interface BindEnv {
  lookupFd: FdLookup;
  /** The device's group has its legacy /dev/vfio/N fd open. */
  groupOpen: boolean;
  /** Another cdev fd of this device has bound. */
  openElsewhere: boolean;
  isolatedMsi: boolean;
  allowUnsafeInterrupts: boolean;
}

export function bindIommufd(f: CdevFile, arg: unknown, env: BindEnv): IoctlOutcome {
  const where = 'vfio_df_ioctl_bind_iommufd';
  if (arg == null || typeof arg !== 'object') return fail(ERRNO.EFAULT, `copy_from_user (${where})`, 'the argument pointer is not readable');
  const a = arg as Record<string, unknown>;
  const argsz = u32(a.argsz ?? MINSZ_BIND_IOMMUFD);
  const fd = Number(BigInt.asIntN(32, BigInt((a.iommufd as number | bigint | undefined) ?? -1)));
  if (argsz < MINSZ_BIND_IOMMUFD || u32(a.flags) !== 0 || fd < 0) return fail(ERRNO.EINVAL, where, 'argsz too small, flags not 0, or iommufd < 0');
  if (env.groupOpen) return fail(ERRNO.EBUSY, `vfio_device_block_group (${where})`, `the device's group ${f.group.id} is open through /dev/vfio/${f.group.id}`);
  if (f.idev !== null) return fail(ERRNO.EINVAL, where, 'this device file is bound already');
  const t = env.lookupFd(fd);
  if (t === undefined) return fail(ERRNO.EBADF, `iommufd_ctx_from_fd (${where})`, `fd ${fd} is not open`);
  if (t.kind !== 'iommufd') return fail(ERRNO.EBADFD, `iommufd_ctx_from_fd (${where})`, `fd ${fd} is not /dev/iommu`);
  if (env.openElsewhere) return fail(ERRNO.EINVAL, `vfio_df_open (${where})`, 'the device is open through another cdev file (only the group path may open it twice)');
  const idev = t.ctx.bind(f.spec, f.group, env.isolatedMsi, env.allowUnsafeInterrupts);
  if ('errno' in idev) return { ok: false, err: idev };
  f.ctx = t.ctx;
  f.idev = idev;
  return { ok: true, ret: 0, out: { out_devid: idev.id } };
}

/** vfio_device_fops_unl_ioctl(): any request but BIND_IOMMUFD on a cdev fd that has not bound
 *  (!df->access_granted) is -EINVAL; null once bound. */
export function notBound(f: CdevFile): IoctlOutcome | null {
  return f.idev === null ? fail(ERRNO.EINVAL, 'vfio_device_fops_unl_ioctl', 'the device file has not bound an iommufd (VFIO_DEVICE_BIND_IOMMUFD first)') : null;
}

export function attachPt(f: CdevFile, arg: unknown): IoctlOutcome {
  const nb = notBound(f);
  if (nb) return nb;
  const where = 'vfio_df_ioctl_attach_pt';
  if (arg == null || typeof arg !== 'object') return fail(ERRNO.EFAULT, `copy_from_user (${where})`, 'the argument pointer is not readable');
  const a = arg as Record<string, unknown>;
  if (u32(a.argsz ?? MINSZ_ATTACH_IOMMUFD_PT) < MINSZ_ATTACH_IOMMUFD_PT || u32(a.flags) !== 0) return fail(ERRNO.EINVAL, where, 'argsz too small or flags not 0');
  const r = f.ctx!.attach(f.idev!, u32(a.pt_id));
  if (typeof r !== 'number') return { ok: false, err: r };
  return { ok: true, ret: 0, out: { pt_id: r } };
}

export function detachPt(f: CdevFile, arg: unknown): IoctlOutcome {
  const nb = notBound(f);
  if (nb) return nb;
  const where = 'vfio_df_ioctl_detach_pt';
  if (arg == null || typeof arg !== 'object') return fail(ERRNO.EFAULT, `copy_from_user (${where})`, 'the argument pointer is not readable');
  const a = arg as Record<string, unknown>;
  if (u32(a.argsz ?? MINSZ_DETACH_IOMMUFD_PT) < MINSZ_DETACH_IOMMUFD_PT || u32(a.flags) !== 0) return fail(ERRNO.EINVAL, where, 'argsz too small or flags not 0');
  f.ctx!.detach(f.idev!);
  return { ok: true, ret: 0 };
}

/** Closing the cdev file: vfio_df_unbind_iommufd() -> iommufd_device_unbind(). */
export function closeCdev(f: CdevFile): void {
  if (f.ctx !== null && f.idev !== null) f.ctx.unbind(f.idev);
  f.ctx = null;
  f.idev = null;
}
