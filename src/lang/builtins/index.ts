// The builtins registry: one list that the interpreter, the checker, the editor's completion and
// hover, and docs/language.md all read (STYLE.md §4). Each actor has its own file.

import type { LabMachine } from '../../model/lab/machine';
import type { Builtin } from '../registry-types';
import { DEV_BUILTINS } from './dev';
import { DEVICE_HOST_BUILTINS } from './device-host';
import { GUEST_BUILTINS } from './guest';
import { HOST_BUILTINS } from './host';
import { HOST_DECL_BUILTINS } from './host-decl';
import { IOMMUFD_BUILTINS } from './iommufd';
import { MEM_BUILTINS } from './mem';
import { NESTING_BUILTINS } from './nesting';
import { PROC_BUILTINS } from './process';
import { SMMU_BUILTINS } from './smmu';
import { SYSFS_BUILTINS } from './sysfs';
import { VFIO_BUILTINS } from './vfio';

export const BUILTINS: readonly Builtin<LabMachine>[] = [
  ...HOST_BUILTINS, ...GUEST_BUILTINS, ...DEV_BUILTINS, ...SMMU_BUILTINS, ...MEM_BUILTINS,
  ...HOST_DECL_BUILTINS, ...VFIO_BUILTINS, ...PROC_BUILTINS, ...SYSFS_BUILTINS, ...IOMMUFD_BUILTINS, ...DEVICE_HOST_BUILTINS,
  ...NESTING_BUILTINS,
];

/** The builtins whose `run` can reach the host composition (vfio-host.ts ensureHostSystem, through
 *  host-runtime.ts): a program calling one needs the host side loaded before it runs. The host.*
 *  declarations (host-decl.ts) only record what the program declares, so they are not here. */
const HOST_SIDE: ReadonlySet<Builtin<LabMachine>> = new Set([
  ...VFIO_BUILTINS, ...PROC_BUILTINS, ...SYSFS_BUILTINS, ...IOMMUFD_BUILTINS, ...DEVICE_HOST_BUILTINS, ...NESTING_BUILTINS,
]);

/** Whether calling `b` needs the host side (host-runtime.ts loadHostRuntime). */
export function isHostSide(b: Builtin<LabMachine>): boolean {
  return HOST_SIDE.has(b);
}

const BY_NAME = new Map(BUILTINS.map((b) => [b.name, b]));

/** The builtin called `name` ("guest.s1.map"), or undefined. */
export function findBuiltin(name: string): Builtin<LabMachine> | undefined {
  return BY_NAME.get(name);
}
