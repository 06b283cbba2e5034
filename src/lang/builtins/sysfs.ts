// The host's sysfs, as the host model publishes it: /sys/kernel/iommu_groups/N/reserved_regions and
// /sys/kernel/iommu_groups/N/type (src/model/vfio/vfio.ts VfioHost.read).

import type { LabMachine } from '../../model/lab/machine';
import type { Builtin } from '../registry-types';
import { strArg } from './common';
import { sysCall, sysReturns, sysValue } from './vfio-host';

export const SYSFS_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'sysfs.read',
    actor: 'sysfs',
    args: [{ name: 'path', type: { t: 'str' }, doc: 'the file: "/sys/kernel/iommu_groups/N/reserved_regions" or ".../type"' }],
    returns: sysReturns('read result', 'the text, or ENOENT', { text: 'the whole file; "" on failure' }),
    doc: 'read(2) of a whole sysfs file. reserved_regions is iommu_group_show_resv_regions(): one line per region of ' +
      'the group, merged as iommu_insert_resv_region() merges them, "0x%016llx 0x%016llx %s\\n" with the inclusive ' +
      'end and the type (direct, direct-relaxable, reserved, msi); type is the default domain\'s (DMA, DMA-FQ...). ' +
      'ret is the byte count.',
    example: 'let rr = sysfs.read("/sys/kernel/iommu_groups/2/reserved_regions")',
    run(m, args, ctx) {
      const path = strArg(args, 'path', ctx);
      const r = sysCall(m, ctx, 'read', undefined, { path }, (h) => h.read(path));
      return sysValue('read result', r, [], { text: r.text ?? '' });
    },
  },
];
