// ioctl request numbers: computed by _IO(';', 100 + n) (include/uapi/asm-generic/ioctl.h,
// include/uapi/linux/vfio.h) and checked against the table in primer vfio-qemu-spapr.md §2, copied
// here by hand (n, hex, dec, names). Also the errno numbers (asm-generic errno-base.h / errno.h).

import { describe, expect, it } from 'vitest';
import { ERRNO, errname } from './errno';
import {
  _IO, _IOC, _IOC_READ, _IOC_WRITE, requestCode, requestName, requestNames, VFIO_BASE, VFIO_IOCTLS, VFIO_TYPE, vfioIoctl,
} from './ioctl';
import { extensionName, kernelProfile } from './profile';

/** Primer §2: n, hex, dec, and every name the number has. */
const PRIMER: [number, number, number, string[]][] = [
  [0, 0x3b64, 15204, ['VFIO_GET_API_VERSION']],
  [1, 0x3b65, 15205, ['VFIO_CHECK_EXTENSION']],
  [2, 0x3b66, 15206, ['VFIO_SET_IOMMU']],
  [3, 0x3b67, 15207, ['VFIO_GROUP_GET_STATUS']],
  [4, 0x3b68, 15208, ['VFIO_GROUP_SET_CONTAINER']],
  [5, 0x3b69, 15209, ['VFIO_GROUP_UNSET_CONTAINER']],
  [6, 0x3b6a, 15210, ['VFIO_GROUP_GET_DEVICE_FD']],
  [7, 0x3b6b, 15211, ['VFIO_DEVICE_GET_INFO']],
  [8, 0x3b6c, 15212, ['VFIO_DEVICE_GET_REGION_INFO']],
  [9, 0x3b6d, 15213, ['VFIO_DEVICE_GET_IRQ_INFO']],
  [10, 0x3b6e, 15214, ['VFIO_DEVICE_SET_IRQS']],
  [11, 0x3b6f, 15215, ['VFIO_DEVICE_RESET']],
  [12, 0x3b70, 15216, ['VFIO_IOMMU_GET_INFO', 'VFIO_IOMMU_SPAPR_TCE_GET_INFO', 'VFIO_DEVICE_GET_PCI_HOT_RESET_INFO']],
  [13, 0x3b71, 15217, ['VFIO_IOMMU_MAP_DMA', 'VFIO_DEVICE_PCI_HOT_RESET']],
  [14, 0x3b72, 15218, ['VFIO_IOMMU_UNMAP_DMA', 'VFIO_DEVICE_QUERY_GFX_PLANE']],
  [15, 0x3b73, 15219, ['VFIO_IOMMU_ENABLE', 'VFIO_DEVICE_GET_GFX_DMABUF']],
  [16, 0x3b74, 15220, ['VFIO_IOMMU_DISABLE', 'VFIO_DEVICE_IOEVENTFD']],
  [17, 0x3b75, 15221, ['VFIO_IOMMU_DIRTY_PAGES', 'VFIO_IOMMU_SPAPR_REGISTER_MEMORY', 'VFIO_DEVICE_FEATURE']],
  [18, 0x3b76, 15222, ['VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY', 'VFIO_DEVICE_BIND_IOMMUFD']],
  [19, 0x3b77, 15223, ['VFIO_IOMMU_SPAPR_TCE_CREATE', 'VFIO_DEVICE_ATTACH_IOMMUFD_PT']],
  [20, 0x3b78, 15224, ['VFIO_IOMMU_SPAPR_TCE_REMOVE', 'VFIO_DEVICE_DETACH_IOMMUFD_PT']],
  [21, 0x3b79, 15225, ['VFIO_EEH_PE_OP', 'VFIO_MIG_GET_PRECOPY_INFO']],
];

describe('_IO(VFIO_TYPE, VFIO_BASE + n)', () => {
  it('VFIO_TYPE is ";" (0x3b) and VFIO_BASE is 100', () => {
    expect(VFIO_TYPE).toBe(0x3b);
    expect(VFIO_BASE).toBe(100);
  });

  it.each(PRIMER)('n = %i: _IO(";", 100 + n) = %i', (n, hex, dec, names) => {
    expect(vfioIoctl(n)).toBe(hex);
    expect(vfioIoctl(n)).toBe(dec);
    expect(requestNames(hex).map((d) => d.name)).toEqual(names);
    for (const name of names) expect(requestCode(name)).toBe(hex);
  });

  it('has no names the primer does not list', () => {
    expect(VFIO_IOCTLS.length).toBe(PRIMER.reduce((k, r) => k + r[3].length, 0));
  });

  it('names a number by the fd it is used on', () => {
    expect(requestName(0x3b71, 'container')).toBe('VFIO_IOMMU_MAP_DMA');
    expect(requestName(0x3b71, 'device')).toBe('VFIO_DEVICE_PCI_HOT_RESET');
    expect(requestName(0x3b70, 'container')).toBe('VFIO_IOMMU_GET_INFO');
    expect(requestName(0x3b68, 'group')).toBe('VFIO_GROUP_SET_CONTAINER');
    expect(requestName(0x3b68, 'container')).toBeUndefined();
  });

  it('encodes direction and size where asm-generic puts them (not used by VFIO)', () => {
    // _IOWR('x', 1, 8): dir 3 << 30, size 8 << 16, type 0x78 << 8, nr 1.
    expect(_IOC(_IOC_READ | _IOC_WRITE, 0x78, 1, 8)).toBe(0xc0087801);
    expect(_IO(0x3b, 113)).toBe(0x3b71);
  });
});

describe('errno numbers (include/uapi/asm-generic/errno-base.h, errno.h)', () => {
  it('has the values the host model returns', () => {
    expect([ERRNO.EPERM, ERRNO.ENOENT, ERRNO.EBADF, ERRNO.ENOMEM, ERRNO.EACCES, ERRNO.EFAULT, ERRNO.EBUSY, ERRNO.EEXIST,
      ERRNO.ENODEV, ERRNO.EINVAL, ERRNO.ENOTTY, ERRNO.ENOSPC, ERRNO.EOVERFLOW, ERRNO.EBADFD])
      .toEqual([1, 2, 9, 12, 13, 14, 16, 17, 19, 22, 25, 28, 75, 77]);
    expect(errname(22)).toBe('EINVAL');
    expect(errname(75)).toBe('EOVERFLOW');
    expect(errname(999)).toBe('E?999');
  });
});

describe('kernel profiles', () => {
  it('defaults to 6.12 and refuses a kernel it does not model', () => {
    expect(kernelProfile()?.id).toBe('6.12');
    expect(kernelProfile('7.2')?.id).toBe('7.2');
    expect(kernelProfile('5.15')).toBeNull();
  });
  it('names extension 6 as each kernel\'s headers do', () => {
    expect(extensionName(kernelProfile('6.12')!, 6)).toBe('VFIO_TYPE1_NESTING_IOMMU');
    expect(extensionName(kernelProfile('7.2')!, 6)).toBe('__VFIO_RESERVED_TYPE1_NESTING_IOMMU');
    expect(extensionName(kernelProfile('6.12')!, 3)).toBe('VFIO_TYPE1v2_IOMMU');
  });
});
