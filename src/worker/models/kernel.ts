// The kernel the program's host side runs, for the status line: its profile's badge ("Linux 6.12
// (LTS)") and one-line label, and whether it is the 2021 nesting proposal, which never merged
// (src/model/vfio/profile.ts). Null until the program's first host-side call makes the host.

import type { ModelInput } from './index';

export interface KernelBadgeVM {
  id: string;
  badge: string;
  label: string;
  /** A kernel that never was: the 2021 nesting proposal. */
  proposal: boolean;
}

export function buildKernelBadge({ machine }: Pick<ModelInput, 'machine'>): KernelBadgeVM | null {
  const p = machine.vfio?.profile;
  if (p === undefined) return null;
  return { id: p.id, badge: p.badge, label: p.label, proposal: p.seedNesting === true };
}
