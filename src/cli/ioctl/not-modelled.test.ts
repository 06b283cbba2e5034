// The host model's own word for a path it does not cover (NotModelled, src/model/vfio/type1.ts),
// from iommufd's side (src/model/iommufd/host.ts): the CLI stops with exit 1, `error:
// $.calls[N]: not modelled: ...`, nothing on stdout (formats/ioctl-script.md, "Command";
// docs/cli.md), the same as for VFIO type1's NotModelled paths.

import { describe, expect, it } from 'vitest';
import { runIoctlText } from './run';

const script = (machine: string, ...calls: unknown[]) => JSON.stringify({
  format: 'iommu-lab/ioctl-script@1', kernel: '7.2', platform: { machine },
  devices: [{ bdf: '0000:00:02.0', group: 2, model: 'edu' }], calls,
});

describe('iommufd paths the model does not cover', () => {
  // (HostSystem answers every device-fd request on a cdev itself, so the cdev's own NotModelled is
  // tested on a bare VfioHost: src/model/iommufd/host.test.ts.)
  it('/dev/iommu on x86-vtd (no IommufdHw below): exit 1 at the open', () => {
    const r = runIoctlText(script('x86-vtd', { op: 'mmap', length: '0x1000' }, { op: 'open', path: '/dev/iommu' }));
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: $.calls[1]: not modelled: iommufd without an IommufdHw (HostOptions.iommufdHw)\n' });
  });
});
