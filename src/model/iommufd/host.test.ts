// IommufdHost's refusals of what the model does not cover are NotModelled (src/model/vfio/type1.ts),
// as the rest of the host model's are, so the CLI and the lab builtins treat them alike.

import { describe, expect, it } from 'vitest';
import { armVirt } from '../iommu/platform';
import { NotModelled } from '../vfio/type1';
import { LabMachine } from '../lab/machine';
import { VfioHost } from '../vfio/vfio';
import { labIommufdHw } from './lab-hw';

describe('IommufdHost: NotModelled', () => {
  it('/dev/iommu without an IommufdHw below', () => {
    const h = new VfioHost({ platform: armVirt(), kernel: '7.2', devices: [{ bdf: '0000:00:02.0', group: 2 }] });
    expect(() => h.open('/dev/iommu')).toThrow(NotModelled);
    expect(() => h.open('/dev/iommu')).toThrow('not modelled: iommufd without an IommufdHw (HostOptions.iommufdHw)');
  });

  it('a request the cdev does not model, once bound (a VfioHost without a device model)', () => {
    const bdf = '0000:00:02.0';
    const h = new VfioHost({
      platform: armVirt({ smmuStage: 'nested' }), kernel: '7.2', devices: [{ bdf, group: 2 }],
      iommufdHw: labIommufdHw(new LabMachine(), { sids: { [bdf]: 0x10 } }),
    });
    const ifd = h.open('/dev/iommu').ret as number;
    const cdev = h.open('/dev/vfio/devices/vfio0').ret as number;
    // Unbound: vfio_device_fops_unl_ioctl() refuses with EINVAL, which is modelled.
    expect(h.ioctl(cdev, 'VFIO_DEVICE_GET_INFO', { argsz: 24 })).toMatchObject({ errno: 22, errname: 'EINVAL' });
    expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd }).errno).toBe(0);
    // VFIO_DEVICE_GET_INFO = _IO(';', 100 + 7) = 0x3b6b (include/uapi/linux/vfio.h).
    expect(() => h.ioctl(cdev, 'VFIO_DEVICE_GET_INFO', { argsz: 24 })).toThrow(NotModelled);
    expect(() => h.ioctl(cdev, 'VFIO_DEVICE_GET_INFO', { argsz: 24 })).toThrow('not modelled: request 0x3b6b on a VFIO device cdev');
  });

  it('a kernel without iommufd is an errno, not NotModelled: ENOENT (no /dev/iommu before CONFIG_IOMMUFD)', () => {
    const h = new VfioHost({ platform: armVirt(), kernel: '5.12-nested', devices: [{ bdf: '0000:00:02.0', group: 2 }] });
    expect(h.open('/dev/iommu')).toMatchObject({ ret: -1, errno: 2, errname: 'ENOENT' });
  });
});
