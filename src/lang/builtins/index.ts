// The builtins registry: one list that the interpreter, the checker, the editor's completion and
// hover, and docs/language.md all read (STYLE.md §4). Each actor has its own file.

import type { LabMachine } from '../../model/lab/machine';
import type { Builtin } from '../registry-types';
import { DEV_BUILTINS } from './dev';
import { GUEST_BUILTINS } from './guest';
import { HOST_BUILTINS } from './host';
import { MEM_BUILTINS } from './mem';
import { SMMU_BUILTINS } from './smmu';

export const BUILTINS: readonly Builtin<LabMachine>[] = [
  ...HOST_BUILTINS, ...GUEST_BUILTINS, ...DEV_BUILTINS, ...SMMU_BUILTINS, ...MEM_BUILTINS,
];

const BY_NAME = new Map(BUILTINS.map((b) => [b.name, b]));

/** The builtin called `name` ("guest.s1.map"), or undefined. */
export function findBuiltin(name: string): Builtin<LabMachine> | undefined {
  return BY_NAME.get(name);
}
