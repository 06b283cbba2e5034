// A lab program meets iommufd's NotModelled (src/model/iommufd/host.ts) as a runtime error with the
// model's words, as it meets VFIO type1's (vfio-host.ts sysCall()).

import { describe, expect, it } from 'vitest';
import { LabMachine } from '../../model/lab/machine';
import { call, failure } from './call.test-util';

describe('iommufd builtins on what the model does not cover', () => {
  it('iommufd.open on x86_vtd (no IommufdHw below): a runtime error saying "not modelled"', () => {
    const m = new LabMachine();
    call(m, 'host.platform', { machine: 'x86_vtd' });
    call(m, 'host.kernel', { version: '7.2' });
    call(m, 'host.pci_device', { bdf: '0000:00:02.0', group: 2, model: 'edu' });
    expect(failure(() => call(m, 'iommufd.open'))).toBe('not modelled: iommufd without an IommufdHw (HostOptions.iommufdHw)');
    // Nothing was recorded: the call did not happen.
    expect(m.hostCalls.filter((c) => c.args.path === '/dev/iommu')).toEqual([]);
  });
});
