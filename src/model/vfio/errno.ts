// Linux errno numbers as user space sees them on x86-64 and arm64, which both use the generic
// table: include/uapi/asm-generic/errno-base.h (1..34) and include/uapi/asm-generic/errno.h
// (35 and up). Only the names the host model returns, or that a user may meet next to them, are
// listed; alpha, mips, parisc and sparc have their own tables and are not modelled.
//
// The kernel returns -errno from the ioctl handler; libc turns that into ret = -1 and sets errno.

export const ERRNO = {
  // include/uapi/asm-generic/errno-base.h
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  // include/uapi/asm-generic/errno.h
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENOMSG: 42,
  EIDRM: 43,
  ENODATA: 61,
  ETIME: 62,
  EPROTO: 71,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EBADFD: 77,
  EMSGSIZE: 90,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  ETIMEDOUT: 110,
  ECANCELED: 125,
} as const;

export type ErrName = keyof typeof ERRNO;

const BY_NUMBER = new Map<number, ErrName>(
  (Object.entries(ERRNO) as [ErrName, number][]).map(([name, n]) => [n, name]),
);

/** The name of an errno number ("EINVAL"), or "E?<n>" for one this table does not list. */
export function errname(n: number): string {
  return BY_NUMBER.get(n) ?? `E?${n}`;
}

/** A kernel error as the model reports it: the errno, the kernel function that returned it (with
 *  its caller where that helps), plain words, and any kernel log lines printed on the way. */
export interface KErr {
  errno: number;
  where: string;
  why: string;
  log?: string[];
}

export function kerr(errno: number, where: string, why: string, log?: string[]): KErr {
  return log === undefined ? { errno, where, why } : { errno, where, why, log };
}

