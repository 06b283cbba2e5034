// Reading the program's host calls (src/model/vfio/calls.ts HostCallRecord, as the lab builtins
// record them: {fd, arg: {...uapi fields}}) for the IOVA-space model.

import type { HostCallRecord } from '../../model/vfio/calls';

/** The last call that `pick` accepts, or null. */
export function lastCall(calls: readonly HostCallRecord[], pick: (c: HostCallRecord) => boolean): HostCallRecord | null {
  for (let i = calls.length - 1; i >= 0; i--) if (pick(calls[i])) return calls[i];
  return null;
}

/** The ioctl's argument struct: the lab records {fd, arg: {...}}; a record may also hold the
 *  struct's fields at the top level. */
export function structOf(c: HostCallRecord): Record<string, unknown> {
  const a = c.args.arg;
  return typeof a === 'object' && a !== null ? (a as Record<string, unknown>) : c.args;
}

/** The fd an ioctl was made on, when the record says. */
export function fdOf(c: HostCallRecord): number | undefined {
  const fd = c.args.fd;
  return typeof fd === 'number' ? fd : typeof fd === 'bigint' ? Number(fd) : undefined;
}

/** A u64 field as C reads it (numbers and bigints; anything else is 0). */
export function u64(v: unknown): bigint {
  if (typeof v === 'bigint') return BigInt.asUintN(64, v);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt.asUintN(64, BigInt(v));
  return 0n;
}

/** "group 2", "groups 2, 5", "no group". */
export function groupsText(ids: readonly number[]): string {
  return ids.length === 0 ? 'no group' : `group${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`;
}
