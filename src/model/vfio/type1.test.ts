// The VFIO container, group and type1 ioctls through the host model, with the kernel's errnos and
// the kernel function that returns each. Expected values are worked out by hand from the sources
// read for this session (drivers/vfio/container.c, group.c and vfio_iommu_type1.c as quoted in
// docs/host-side.md) and primer vfio-qemu-spapr.md §1-5; each `where` is the function named there.

import { describe, expect, it } from 'vitest';
import { vmsaPageTable } from '../iommu/domain';
import { armVirt, x86Vtd, type Platform } from '../iommu/platform';
import { PhysMem } from '../mem';
import { encodeSte, STE_CFG } from '../smmuv3/encode';
import { Smmu } from '../smmuv3/smmu';
import { BumpAllocator, PageTableBuilder, type TableIO } from '../vmsa/builder';
import type { DeviceSpec } from '../iommu/group';
import { NotModelled } from './type1';
import { VfioHost, type HostOptions, type SysResult } from './vfio';
import type { KernelId } from './profile';

const GET_API_VERSION = 'VFIO_GET_API_VERSION';
const CHECK_EXTENSION = 'VFIO_CHECK_EXTENSION';
const SET_IOMMU = 'VFIO_SET_IOMMU';
const GET_STATUS = 'VFIO_GROUP_GET_STATUS';
const SET_CONTAINER = 'VFIO_GROUP_SET_CONTAINER';
const UNSET_CONTAINER = 'VFIO_GROUP_UNSET_CONTAINER';
const GET_DEVICE_FD = 'VFIO_GROUP_GET_DEVICE_FD';
const GET_INFO = 'VFIO_IOMMU_GET_INFO';
const MAP = 'VFIO_IOMMU_MAP_DMA';
const UNMAP = 'VFIO_IOMMU_UNMAP_DMA';
const DIRTY = 'VFIO_IOMMU_DIRTY_PAGES';

const RW = 3;                 // VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE
const MiB = 0x100000n;
const DEV2: DeviceSpec = { bdf: '0000:00:02.0', group: 2, model: 'edu' };
const DEV3: DeviceSpec = { bdf: '0000:00:03.0', group: 3 };

function host(opts: Partial<HostOptions> & { kernel?: KernelId } = {}): VfioHost {
  return new VfioHost({ platform: opts.platform ?? armVirt(), devices: opts.devices ?? [DEV2], ...opts });
}

/** open the container and group N, SET_CONTAINER, SET_IOMMU(ext). */
function ready(h: VfioHost, groups: number[] = [2], ext = 3) {
  const c = h.open('/dev/vfio/vfio').ret as number;
  const g = groups.map((n) => {
    const fd = h.open(`/dev/vfio/${n}`).ret as number;
    expect(h.ioctl(fd, SET_CONTAINER, { fd: c }).errno).toBe(0);
    return fd;
  });
  expect(h.ioctl(c, SET_IOMMU, ext)).toMatchObject({ ret: 0, errno: 0 });
  return { c, g };
}

function failsWith(r: SysResult, errname: string, where: string) {
  expect(r).toMatchObject({ ret: -1, errname });
  expect(r.where).toContain(where);
}

const map = (h: VfioHost, c: number, iova: bigint, size: bigint, vaddr?: bigint, flags = RW) =>
  h.ioctl(c, MAP, { argsz: 32, flags, vaddr: vaddr ?? h.mmap(size).ret, iova, size });
const unmap = (h: VfioHost, c: number, iova: bigint, size: bigint, flags = 0) =>
  h.ioctl(c, UNMAP, { argsz: 24, flags, iova, size });

describe('container: GET_API_VERSION, CHECK_EXTENSION, SET_IOMMU (drivers/vfio/container.c)', () => {
  it('a fresh container answers GET_API_VERSION with VFIO_API_VERSION 0', () => {
    const h = host();
    const c = h.open('/dev/vfio/vfio');
    expect(c).toMatchObject({ ret: 3, errno: 0 });
    expect(h.ioctl(3, GET_API_VERSION)).toMatchObject({ ret: 0, errno: 0 });
  });

  it('CHECK_EXTENSION before SET_IOMMU asks type1 with iommu = NULL (vfio_iommu_type1_check_extension)', () => {
    const h = host();
    const c = h.open('/dev/vfio/vfio').ret as number;
    const ask = (ext: number) => h.ioctl(c, CHECK_EXTENSION, ext).ret;
    // TYPE1, TYPE1v2, UNMAP_ALL: 1. Nesting (6) on 6.12: 1. UPDATE_VADDR and DMA_CC need an iommu: 0.
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(ask)).toEqual([1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
  });

  it('CHECK_EXTENSION(6) is 0 on 7.2: __VFIO_RESERVED_TYPE1_NESTING_IOMMU', () => {
    const h = host({ kernel: '7.2' });
    const c = h.open('/dev/vfio/vfio').ret as number;
    expect(h.ioctl(c, CHECK_EXTENSION, 6).ret).toBe(0);
  });

  it('CHECK_EXTENSION after SET_IOMMU asks the backend: UPDATE_VADDR 1; DMA_CC 0 on SMMUv3 (no enforce_cache_coherency)', () => {
    const h = host();
    const { c } = ready(h);
    expect(h.ioctl(c, CHECK_EXTENSION, 10).ret).toBe(1);
    expect(h.ioctl(c, CHECK_EXTENSION, 4).ret).toBe(0);
  });

  it('DMA_CC is 1 on VT-d with snoop control', () => {
    const h = host({ platform: x86Vtd({ snoopControl: true }), devices: [{ bdf: '0000:03:00.0', group: 5 }] });
    const { c } = ready(h, [5]);
    expect(h.ioctl(c, CHECK_EXTENSION, 4).ret).toBe(1);
  });

  it('any other ioctl before SET_IOMMU is -EINVAL (vfio_fops_unl_ioctl)', () => {
    const h = host();
    const c = h.open('/dev/vfio/vfio').ret as number;
    failsWith(h.ioctl(c, GET_INFO, { argsz: 24 }), 'EINVAL', 'vfio_fops_unl_ioctl');
    failsWith(map(h, c, 0x100000n, 0x1000n), 'EINVAL', 'vfio_fops_unl_ioctl');
  });

  it('SET_IOMMU without a group, or twice, is -EINVAL (vfio_ioctl_set_iommu)', () => {
    const h = host();
    const c = h.open('/dev/vfio/vfio').ret as number;
    failsWith(h.ioctl(c, SET_IOMMU, 3), 'EINVAL', 'vfio_ioctl_set_iommu');
    const g = h.open('/dev/vfio/2').ret as number;
    h.ioctl(g, SET_CONTAINER, { fd: c });
    expect(h.ioctl(c, SET_IOMMU, 3).errno).toBe(0);
    failsWith(h.ioctl(c, SET_IOMMU, 3), 'EINVAL', 'vfio_ioctl_set_iommu');
  });

  it('SET_IOMMU with an extension no backend accepts is -ENODEV; UNMAP_ALL is accepted then refused by open: -EINVAL', () => {
    const h = host();
    const c = h.open('/dev/vfio/vfio').ret as number;
    const g = h.open('/dev/vfio/2').ret as number;
    h.ioctl(g, SET_CONTAINER, { fd: c });
    failsWith(h.ioctl(c, SET_IOMMU, 7), 'ENODEV', 'vfio_ioctl_set_iommu');    // sPAPR v2: not registered
    failsWith(h.ioctl(c, SET_IOMMU, 10), 'ENODEV', 'vfio_ioctl_set_iommu');   // UPDATE_VADDR: 0 with iommu NULL
    failsWith(h.ioctl(c, SET_IOMMU, 9), 'EINVAL', 'vfio_iommu_type1_open');   // check says 1, open says no
    expect(h.ioctl(c, SET_IOMMU, 1).errno).toBe(0);                           // v1 still possible
  });

  it('SET_IOMMU(VFIO_TYPE1_NESTING_IOMMU) on 6.12 and SMMUv3: -EPERM from arm_smmu_enable_nesting, no backend set', () => {
    const h = host();
    const c = h.open('/dev/vfio/vfio').ret as number;
    const g = h.open('/dev/vfio/2').ret as number;
    h.ioctl(g, SET_CONTAINER, { fd: c });
    failsWith(h.ioctl(c, SET_IOMMU, 6), 'EPERM', 'arm_smmu_enable_nesting');
    expect(h.containerOf(c)!.driver).toBeNull();
    expect(h.iommuGroups.get(2)!.attached.kind).toBe('blocking');
    expect(h.ioctl(c, SET_IOMMU, 3).errno).toBe(0);
  });

  it('SET_IOMMU(6) on 6.12 and VT-d: -EINVAL from iommu_enable_nesting (no enable_nesting op)', () => {
    const h = host({ platform: x86Vtd(), devices: [{ bdf: '0000:03:00.0', group: 5 }] });
    const c = h.open('/dev/vfio/vfio').ret as number;
    h.ioctl(h.open('/dev/vfio/5').ret as number, SET_CONTAINER, { fd: c });
    failsWith(h.ioctl(c, SET_IOMMU, 6), 'EINVAL', 'iommu_enable_nesting');
  });

  it('SET_IOMMU(6) on 7.2: -ENODEV (check_extension answers 0, so no backend is opened)', () => {
    const h = host({ kernel: '7.2' });
    const c = h.open('/dev/vfio/vfio').ret as number;
    h.ioctl(h.open('/dev/vfio/2').ret as number, SET_CONTAINER, { fd: c });
    failsWith(h.ioctl(c, SET_IOMMU, 6), 'ENODEV', 'vfio_ioctl_set_iommu');
  });

  it('an unknown request on a container with a backend is -ENOTTY (vfio_iommu_type1_ioctl)', () => {
    const h = host();
    const { c } = ready(h);
    failsWith(h.ioctl(c, 0x3b6b), 'ENOTTY', 'vfio_iommu_type1_ioctl');
  });

  it('ioctl on an fd that is not open is -EBADF', () => {
    failsWith(host().ioctl(42, GET_API_VERSION), 'EBADF', 'ioctl');
  });
});

describe('group: open, GET_STATUS, SET_CONTAINER, UNSET_CONTAINER (drivers/vfio/group.c)', () => {
  it('/dev/vfio/N exists only for groups with a vfio-pci device, and opens once (vfio_group_fops_open: -EBUSY)', () => {
    const h = host({ devices: [DEV2, { bdf: '0000:00:04.0', group: 4, driver: 'e1000e' }] });
    failsWith(h.open('/dev/vfio/4'), 'ENOENT', 'open');
    expect(h.open('/dev/vfio/2').errno).toBe(0);
    failsWith(h.open('/dev/vfio/2'), 'EBUSY', 'vfio_group_fops_open');
  });

  it('GET_STATUS: VIABLE (1), then VIABLE | CONTAINER_SET (3); argsz < 8 is -EINVAL; no pointer is -EFAULT', () => {
    const h = host();
    const c = h.open('/dev/vfio/vfio').ret as number;
    const g = h.open('/dev/vfio/2').ret as number;
    expect(h.ioctl(g, GET_STATUS, { argsz: 8 })).toMatchObject({ ret: 0, out: { argsz: 8, flags: 1 } });
    h.ioctl(g, SET_CONTAINER, { fd: c });
    expect(h.ioctl(g, GET_STATUS, { argsz: 8 }).out).toEqual({ argsz: 8, flags: 3 });
    failsWith(h.ioctl(g, GET_STATUS, { argsz: 4 }), 'EINVAL', 'vfio_group_ioctl_get_status');
    failsWith(h.ioctl(g, GET_STATUS, null), 'EFAULT', 'vfio_group_ioctl_get_status');
  });

  it('a group with a device bound to a kernel driver is not viable: flags 0, SET_CONTAINER -EPERM (iommu_group_claim_dma_owner)', () => {
    const h = host({ devices: [DEV2, { bdf: '0000:00:02.1', group: 2, driver: 'e1000e' }] });
    const c = h.open('/dev/vfio/vfio').ret as number;
    const g = h.open('/dev/vfio/2').ret as number;
    expect(h.ioctl(g, GET_STATUS, { argsz: 8 }).out).toEqual({ argsz: 8, flags: 0 });
    failsWith(h.ioctl(g, SET_CONTAINER, { fd: c }), 'EPERM', 'iommu_group_claim_dma_owner');
  });

  it('a bridge bound to pcieport does not make the group unviable (driver_managed_dma)', () => {
    const h = host({ devices: [DEV2, { bdf: '0000:00:01.0', group: 2, driver: 'pcieport' }] });
    const g = h.open('/dev/vfio/2').ret as number;
    expect(h.ioctl(g, GET_STATUS, { argsz: 8 }).out).toEqual({ argsz: 8, flags: 1 });
  });

  it('SET_CONTAINER: no pointer -EFAULT, closed fd -EBADF, twice -EINVAL, a group fd -EBADFD, in this order', () => {
    const h = host({ devices: [DEV2, DEV3] });
    const c = h.open('/dev/vfio/vfio').ret as number;
    const g = h.open('/dev/vfio/2').ret as number;
    const g3 = h.open('/dev/vfio/3').ret as number;
    failsWith(h.ioctl(g, SET_CONTAINER, null), 'EFAULT', 'get_user');
    failsWith(h.ioctl(g, SET_CONTAINER, { fd: 99 }), 'EBADF', 'fdget');
    failsWith(h.ioctl(g, SET_CONTAINER, { fd: g3 }), 'EBADFD', 'vfio_group_ioctl_set_container');
    expect(h.ioctl(g, SET_CONTAINER, { fd: c }).errno).toBe(0);
    failsWith(h.ioctl(g, SET_CONTAINER, { fd: c }), 'EINVAL', 'vfio_group_ioctl_set_container');
    // Already in a container is checked before the fd's kind: EINVAL even for a group fd.
    failsWith(h.ioctl(g, SET_CONTAINER, { fd: g3 }), 'EINVAL', 'vfio_group_ioctl_set_container');
  });

  it('SET_CONTAINER of a device with an IOMMU_RESV_DIRECT RMRR is -EINVAL with the firmware warning (__iommu_device_set_domain)', () => {
    const h = host({
      platform: x86Vtd({ rmrrs: [{ base: 0x7b800000n, end: 0x7b81ffffn, devices: ['0000:00:1f.6'] }] }),
      devices: [{ bdf: '0000:00:1f.6', group: 8 }],
    });
    const c = h.open('/dev/vfio/vfio').ret as number;
    const r = h.ioctl(h.open('/dev/vfio/8').ret as number, SET_CONTAINER, { fd: c });
    failsWith(r, 'EINVAL', '__iommu_device_set_domain');
    expect(r.log[0]).toContain('Firmware has requested this device have a 1:1 IOMMU mapping');
  });

  it('UNSET_CONTAINER: -EINVAL without a container, -EBUSY while a device fd is open', () => {
    const h = host();
    const c = h.open('/dev/vfio/vfio').ret as number;
    const g = h.open('/dev/vfio/2').ret as number;
    failsWith(h.ioctl(g, UNSET_CONTAINER), 'EINVAL', 'vfio_group_ioctl_unset_container');
    h.ioctl(g, SET_CONTAINER, { fd: c });
    h.ioctl(c, SET_IOMMU, 3);
    const d = h.ioctl(g, GET_DEVICE_FD, '0000:00:02.0').ret as number;
    failsWith(h.ioctl(g, UNSET_CONTAINER), 'EBUSY', 'vfio_group_ioctl_unset_container');
    h.close(d);
    expect(h.ioctl(g, UNSET_CONTAINER).errno).toBe(0);
    // The last group left: the backend is released and the container is unprivileged again.
    failsWith(h.ioctl(c, GET_INFO, { argsz: 24 }), 'EINVAL', 'vfio_fops_unl_ioctl');
  });

  it('an unknown request on a group fd is -ENOTTY (vfio_group_fops_unl_ioctl)', () => {
    const h = host();
    failsWith(h.ioctl(h.open('/dev/vfio/2').ret as number, MAP, {}), 'ENOTTY', 'vfio_group_fops_unl_ioctl');
  });
});

describe('GROUP_GET_DEVICE_FD (vfio_group_ioctl_get_device_fd)', () => {
  it('an unknown name is -ENODEV, checked before the container', () => {
    const h = host();
    const g = h.open('/dev/vfio/2').ret as number;
    failsWith(h.ioctl(g, GET_DEVICE_FD, '0000:00:09.0'), 'ENODEV', 'vfio_device_get_from_name');
  });
  it('no container: -EINVAL (vfio_df_group_open); no backend yet: -EINVAL (vfio_group_use_container)', () => {
    const h = host();
    const c = h.open('/dev/vfio/vfio').ret as number;
    const g = h.open('/dev/vfio/2').ret as number;
    failsWith(h.ioctl(g, GET_DEVICE_FD, '0000:00:02.0'), 'EINVAL', 'vfio_df_group_open');
    h.ioctl(g, SET_CONTAINER, { fd: c });
    failsWith(h.ioctl(g, GET_DEVICE_FD, '0000:00:02.0'), 'EINVAL', 'vfio_group_use_container');
  });
  it('returns a new fd after SET_IOMMU; device ioctls are later work (NotModelled)', () => {
    const h = host();
    const { g } = ready(h);
    const d = h.ioctl(g[0], GET_DEVICE_FD, '0000:00:02.0');
    expect(d).toMatchObject({ errno: 0, ret: 5 });
    expect(() => h.ioctl(d.ret as number, 'VFIO_DEVICE_GET_INFO', { argsz: 24 })).toThrow(NotModelled);
  });
  it('the group file stays open while a device fd is: closing the group fd keeps the container', () => {
    const h = host();
    const { c, g } = ready(h);
    const d = h.ioctl(g[0], GET_DEVICE_FD, '0000:00:02.0').ret as number;
    expect(map(h, c, 0x100000n, 0x10000n).errno).toBe(0);
    h.close(g[0]);
    expect(h.ioctl(c, GET_INFO, { argsz: 24 }).errno).toBe(0);
    failsWith(h.open('/dev/vfio/2'), 'EBUSY', 'vfio_group_fops_open');
    h.close(d);                                        // the last reference: the group leaves
    failsWith(h.ioctl(c, GET_INFO, { argsz: 24 }), 'EINVAL', 'vfio_fops_unl_ioctl');
    expect(h.process.lockedVm).toBe(0n);
    expect(h.open('/dev/vfio/2').errno).toBe(0);
  });
});

describe('VFIO_IOMMU_GET_INFO (vfio_iommu_type1_get_info)', () => {
  it('argsz < 16 is -EINVAL; no pointer is -EFAULT', () => {
    const h = host();
    const { c } = ready(h);
    failsWith(h.ioctl(c, GET_INFO, { argsz: 15 }), 'EINVAL', 'vfio_iommu_type1_get_info');
    failsWith(h.ioctl(c, GET_INFO, null), 'EFAULT', 'vfio_iommu_type1_get_info');
  });

  it('argsz 24: CAPS set, argsz raised to the size needed, cap_offset 0', () => {
    // Arm: migration 32 + dma_avail ALIGN(12, 8) = 16 + iova ranges 16 + 2 * 16 = 48 -> 24 + 96 = 120.
    const h = host();
    const { c } = ready(h);
    expect(h.ioctl(c, GET_INFO, { argsz: 24 }).out).toEqual({ argsz: 120, flags: 3, iova_pgsizes: 0x40201000n, cap_offset: 0 });
  });

  it('argsz 16: only argsz, flags and iova_pgsizes are copied back (copy_to_user of min(argsz, 24))', () => {
    const h = host();
    const { c } = ready(h);
    expect(h.ioctl(c, GET_INFO, { argsz: 16 }).out).toEqual({ argsz: 120, flags: 3, iova_pgsizes: 0x40201000n });
  });

  it('argsz 120: the chain migration -> dma_avail -> iova_range at 24, 56, 72 (Arm, primer §4.2)', () => {
    const h = host();
    const { c } = ready(h);
    expect(h.ioctl(c, GET_INFO, { argsz: 120 }).out).toEqual({
      argsz: 120, flags: 3, iova_pgsizes: 0x40201000n, cap_offset: 24,
      caps: [
        { id: 2, version: 1, next: 56, flags: 0, pgsize_bitmap: 0x1000n, max_dirty_bitmap_size: 0x10000000n },
        { id: 3, version: 1, next: 72, avail: 65535 },
        {
          id: 1, version: 1, next: 0, nr_iovas: 2,
          iova_ranges: [{ start: 0n, end: 0x7ffffffn }, { start: 0x8100000n, end: 0xffff_ffff_ffffn }],
        },
      ],
    });
  });

  it('x86 VT-d: the IOVA ranges skip 0xfee00000-0xfeefffff (primer §4.2)', () => {
    const h = host({ platform: x86Vtd(), devices: [{ bdf: '0000:03:00.0', group: 5 }] });
    const { c } = ready(h, [5]);
    const caps = h.ioctl(c, GET_INFO, { argsz: 4096 }).out!.caps as { id: number; iova_ranges?: unknown }[];
    expect(caps.find((x) => x.id === 1)!.iova_ranges).toEqual([
      { start: 0n, end: 0xfedfffffn }, { start: 0xfef00000n, end: 0xffff_ffff_ffffn },
    ]);
  });

  it('DMA avail counts down with each mapping', () => {
    const h = host();
    const { c } = ready(h);
    map(h, c, 0x100000n, 0x1000n);
    const caps = h.ioctl(c, GET_INFO, { argsz: 120 }).out!.caps as { id: number; avail?: number }[];
    expect(caps[1].avail).toBe(65534);
  });
});

describe('VFIO_IOMMU_MAP_DMA (vfio_iommu_type1_map_dma, vfio_dma_do_map), 6.12 order', () => {
  it('argsz < 32 or unknown flags: -EINVAL in vfio_iommu_type1_map_dma', () => {
    const h = host();
    const { c } = ready(h);
    failsWith(h.ioctl(c, MAP, { argsz: 31, flags: RW, vaddr: 0, iova: 0, size: 0x1000 }), 'EINVAL', 'vfio_iommu_type1_map_dma');
    failsWith(h.ioctl(c, MAP, { argsz: 32, flags: 8, vaddr: 0, iova: 0, size: 0x1000 }), 'EINVAL', 'vfio_iommu_type1_map_dma');
    failsWith(h.ioctl(c, MAP, null), 'EFAULT', 'vfio_iommu_type1_map_dma');
  });

  it('neither READ nor WRITE, or VADDR with READ: -EINVAL', () => {
    const h = host();
    const { c } = ready(h);
    failsWith(map(h, c, 0x100000n, 0x1000n, undefined, 0), 'EINVAL', 'vfio_dma_do_map');
    failsWith(map(h, c, 0x100000n, 0x1000n, undefined, 4 | 1), 'EINVAL', 'vfio_dma_do_map');
  });

  it('size 0, or size, iova or vaddr not a multiple of the 4K IOMMU page: -EINVAL', () => {
    const h = host();
    const { c } = ready(h);
    const va = h.mmap(0x10000n).ret as bigint;
    failsWith(map(h, c, 0x100000n, 0n, va), 'EINVAL', 'vfio_dma_do_map');
    failsWith(map(h, c, 0x100800n, 0x1000n, va), 'EINVAL', 'vfio_dma_do_map');
    failsWith(map(h, c, 0x100000n, 0x800n, va), 'EINVAL', 'vfio_dma_do_map');
    failsWith(map(h, c, 0x100000n, 0x1000n, va + 0x10n), 'EINVAL', 'vfio_dma_do_map');
  });

  it('an iova range that wraps: -EINVAL on 6.12, -EOVERFLOW on 7.2 (check_add_overflow)', () => {
    for (const [kernel, name] of [['6.12', 'EINVAL'], ['7.2', 'EOVERFLOW']] as const) {
      const h = host({ kernel });
      const { c } = ready(h);
      const r = map(h, c, 0xffff_ffff_ffff_f000n, 0x2000n);
      expect(r.errname).toBe(name);
      expect(r.where).toContain(kernel === '6.12' ? 'vfio_dma_do_map' : 'check_add_overflow');
    }
  });

  it('7.2 checks the overflow before the flags and the alignment; 6.12 after them', () => {
    const wrapNoFlags = { argsz: 32, flags: 0, vaddr: 0x1000n, iova: 0xffff_ffff_ffff_f000n, size: 0x2000n };
    const wrapMisaligned = { argsz: 32, flags: RW, vaddr: 0x1000n, iova: 0xffff_ffff_ffff_f800n, size: 0x2000n };
    const h6 = host(), h7 = host({ kernel: '7.2' });
    const c6 = ready(h6).c, c7 = ready(h7).c;
    expect(h6.ioctl(c6, MAP, wrapNoFlags).why).toContain('neither READ nor WRITE');
    expect(h7.ioctl(c7, MAP, wrapNoFlags).errname).toBe('EOVERFLOW');
    expect(h6.ioctl(c6, MAP, wrapMisaligned).why).toContain('multiples');
    expect(h7.ioctl(c7, MAP, wrapMisaligned).errname).toBe('EOVERFLOW');
    // Size 0 stays -EINVAL on both.
    expect(h7.ioctl(c7, MAP, { ...wrapNoFlags, size: 0 }).errname).toBe('EINVAL');
  });

  it('an overlap with an existing mapping is -EEXIST (primer scenario 9)', () => {
    const h = host();
    const { c } = ready(h);
    expect(map(h, c, 0x100000n, 0x10000n).errno).toBe(0);
    failsWith(map(h, c, 0x100000n, 0x10000n), 'EEXIST', 'vfio_dma_do_map');
    failsWith(map(h, c, 0x10f000n, 0x2000n), 'EEXIST', 'vfio_dma_do_map');
    expect(map(h, c, 0x110000n, 0x1000n).errno).toBe(0);       // adjacent is fine
  });

  it('-ENOSPC at dma_entry_limit, checked after the overlap', () => {
    const h = host({ dmaEntryLimit: 2 });
    const { c } = ready(h);
    expect(map(h, c, 0x100000n, 0x1000n).errno).toBe(0);
    expect(map(h, c, 0x200000n, 0x1000n).errno).toBe(0);
    failsWith(map(h, c, 0x100000n, 0x1000n), 'EEXIST', 'vfio_dma_do_map');
    failsWith(map(h, c, 0x300000n, 0x1000n), 'ENOSPC', 'vfio_dma_do_map');
    expect(unmap(h, c, 0x100000n, 0x1000n).out).toEqual({ size: 0x1000n });
    expect(map(h, c, 0x300000n, 0x1000n).errno).toBe(0);
  });

  it('outside the valid IOVA ranges is -EINVAL from vfio_iommu_iova_dma_valid (primer scenario 1)', () => {
    const h = host({ platform: x86Vtd(), devices: [{ bdf: '0000:03:00.0', group: 5 }] });
    const { c } = ready(h, [5]);
    failsWith(map(h, c, 0xfee00000n, 0x1000n), 'EINVAL', 'vfio_iommu_iova_dma_valid');
    failsWith(map(h, c, 0xfed00000n, 0x200000n), 'EINVAL', 'vfio_iommu_iova_dma_valid');   // straddles
    failsWith(map(h, c, 1n << 48n, 0x1000n), 'EINVAL', 'vfio_iommu_iova_dma_valid');        // beyond the aperture
    const a = armVirt();
    const h2 = host({ platform: a });
    failsWith(map(h2, ready(h2).c, 0x8000000n, 2n * MiB), 'EINVAL', 'vfio_iommu_iova_dma_valid');
  });

  it('success: the domain maps iova -> the pinned pages, and locked_vm counts them', () => {
    const h = host();
    const { c } = ready(h);
    const va = h.mmap(0x10000n).ret as bigint;
    expect(map(h, c, 0x100000n, 0x10000n, va)).toMatchObject({ ret: 0, errno: 0 });
    const vma = h.process.vmaAt(va)!;
    const dom = h.containerOf(c)!.driver!.domains[0].domain;
    expect(dom.pt.iovaToPhys(0x100040n)).toBe(vma.paddr + 0x40n);
    expect(h.process.lockedVm).toBe(16n);
    expect(h.iommuGroups.get(2)!.attached).toEqual({ kind: 'domain', domain: dom });
  });

  it('a vaddr with no mapping is -EFAULT (vaddr_get_pfns) and leaves nothing behind', () => {
    const h = host();
    const { c } = ready(h);
    failsWith(map(h, c, 0x100000n, 0x1000n, 0x1000n), 'EFAULT', 'vaddr_get_pfns');
    // Half mapped memory: the first chunk pins, the second faults, all is undone.
    const va = h.mmap(0x4000n).ret as bigint;
    failsWith(map(h, c, 0x100000n, 0x8000n, va), 'EFAULT', 'vaddr_get_pfns');
    expect(h.process.lockedVm).toBe(0n);
    expect(h.containerOf(c)!.driver!.dmas).toEqual([]);
    expect(h.containerOf(c)!.driver!.dmaAvail).toBe(65535);
  });

  it('device writes to read-only memory: -EFAULT (FOLL_WRITE); a read-only mapping of it works', () => {
    const h = host();
    const { c } = ready(h);
    const ro = h.mmap(0x1000n, { read: true, write: false }).ret as bigint;
    failsWith(map(h, c, 0x100000n, 0x1000n, ro, RW), 'EFAULT', 'vaddr_get_pfns');
    expect(map(h, c, 0x100000n, 0x1000n, ro, 1).errno).toBe(0);
  });

  it('VFIO_DMA_MAP_FLAG_VADDR: -ENOENT without a mapping, -EINVAL while its vaddr is valid, 0 after UNMAP VADDR', () => {
    const h = host();
    const { c } = ready(h);
    const va = h.mmap(0x1000n).ret as bigint;
    failsWith(map(h, c, 0x100000n, 0x1000n, va, 4), 'ENOENT', 'vfio_dma_do_map');
    map(h, c, 0x100000n, 0x1000n, va);
    failsWith(map(h, c, 0x100000n, 0x1000n, va, 4), 'EINVAL', 'vfio_dma_do_map');
    expect(unmap(h, c, 0x100000n, 0x1000n, 4)).toMatchObject({ ret: 0, out: { size: 0x1000n } });
    expect(map(h, c, 0x100000n, 0x1000n, va, 4).errno).toBe(0);
    expect(h.containerOf(c)!.driver!.dmas[0].vaddrInvalid).toBe(false);
  });
});

describe('pinning and locked_vm against RLIMIT_MEMLOCK (vfio_pin_pages_remote)', () => {
  it('maps 1 GiB under a 64 MiB limit: -ENOMEM, the warning, and a full rollback (primer scenario 3)', () => {
    const h = host({ process: { rlimitMemlock: 64n * MiB, capIpcLock: false } });
    const { c } = ready(h);
    const r = map(h, c, 0x40000000n, 1024n * MiB);
    failsWith(r, 'ENOMEM', 'vfio_pin_pages_remote');
    expect(r.log).toEqual(['vfio_pin_pages_remote: RLIMIT_MEMLOCK (67108864) exceeded']);
    expect(h.process.lockedVm).toBe(0n);
    const t1 = h.containerOf(c)!.driver!;
    expect(t1.dmas).toEqual([]);
    expect(t1.dmaAvail).toBe(65535);
    expect(t1.domains[0].domain.pt.leaves()).toEqual([]);
  });

  it('charges up to the limit exactly, and no further', () => {
    const h = host({ process: { rlimitMemlock: 64n * MiB } });
    const { c } = ready(h);
    expect(map(h, c, 0x40000000n, 48n * MiB).errno).toBe(0);
    expect(h.process.lockedVm).toBe(12288n);
    expect(map(h, c, 0x80000000n, 16n * MiB).errno).toBe(0);          // exactly 16384 pages
    failsWith(map(h, c, 0xc0000000n, 0x1000n), 'ENOMEM', 'vfio_pin_pages_remote');
    expect(h.process.lockedVm).toBe(16384n);
  });

  it('CAP_IPC_LOCK skips the limit but still charges locked_vm', () => {
    const h = host({ process: { rlimitMemlock: 64n * MiB, capIpcLock: true } });
    const { c } = ready(h);
    expect(map(h, c, 0x40000000n, 128n * MiB).errno).toBe(0);
    expect(h.process.lockedVm).toBe(32768n);
  });

  it('a PFNMAP (mmap()ed BAR) range is not charged (scenario 3a)', () => {
    const h = host({ process: { rlimitMemlock: 0n } });
    const { c } = ready(h);
    const bar = h.process.mmapPfn(0x10000n, 0x10_0000_0000n);
    expect(map(h, c, 0x100000n, 0x10000n, bar).errno).toBe(0);
    expect(h.process.lockedVm).toBe(0n);
    expect(h.containerOf(c)!.driver!.domains[0].domain.pt.iovaToPhys(0x100000n)).toBe(0x10_0000_0000n);
  });

  it('two containers mapping the same memory charge it twice (scenario 3b)', () => {
    const h = host({ devices: [DEV2, DEV3] });
    const a = ready(h, [2]).c;
    const b = ready(h, [3]).c;
    const va = h.mmap(4n * MiB).ret as bigint;
    expect(map(h, a, 0x100000n, 4n * MiB, va).errno).toBe(0);
    expect(map(h, b, 0x100000n, 4n * MiB, va).errno).toBe(0);
    expect(h.process.lockedVm).toBe(2048n);
  });
});

describe('VFIO_IOMMU_UNMAP_DMA (vfio_iommu_type1_unmap_dma, vfio_dma_do_unmap)', () => {
  it('argsz, flags and dirty-bitmap combinations: -EINVAL in vfio_iommu_type1_unmap_dma', () => {
    const h = host();
    const { c } = ready(h);
    failsWith(h.ioctl(c, UNMAP, { argsz: 23, flags: 0, iova: 0, size: 0x1000 }), 'EINVAL', 'vfio_iommu_type1_unmap_dma');
    failsWith(h.ioctl(c, UNMAP, { argsz: 24, flags: 8, iova: 0, size: 0x1000 }), 'EINVAL', 'vfio_iommu_type1_unmap_dma');
    failsWith(h.ioctl(c, UNMAP, { argsz: 48, flags: 1 | 2, iova: 0, size: 0 }), 'EINVAL', 'vfio_iommu_type1_unmap_dma');
    failsWith(h.ioctl(c, UNMAP, null), 'EFAULT', 'vfio_iommu_type1_unmap_dma');
  });

  it('unaligned iova or size, size 0, ALL with a range: -EINVAL in vfio_dma_do_unmap', () => {
    const h = host();
    const { c } = ready(h);
    failsWith(unmap(h, c, 0x800n, 0x1000n), 'EINVAL', 'vfio_dma_do_unmap');
    failsWith(unmap(h, c, 0x1000n, 0x800n), 'EINVAL', 'vfio_dma_do_unmap');
    failsWith(unmap(h, c, 0x1000n, 0n), 'EINVAL', 'vfio_dma_do_unmap');
    failsWith(unmap(h, c, 0n, 0x1000n, 2), 'EINVAL', 'vfio_dma_do_unmap');
  });

  it('a wrapping range: -EINVAL on 6.12, -EOVERFLOW on 7.2', () => {
    const h6 = host(), h7 = host({ kernel: '7.2' });
    failsWith(unmap(h6, ready(h6).c, 0xffff_ffff_ffff_0000n, 0x20000n), 'EINVAL', 'vfio_dma_do_unmap');
    failsWith(unmap(h7, ready(h7).c, 0xffff_ffff_ffff_0000n, 0x20000n), 'EOVERFLOW', 'check_add_overflow');
  });

  it('GET_DIRTY_BITMAP without dirty tracking: -EINVAL', () => {
    const h = host();
    const { c } = ready(h);
    const r = h.ioctl(c, UNMAP, { argsz: 48, flags: 1, iova: 0x100000, size: 0x1000, bitmap: { pgsize: 0x1000, size: 8 } });
    failsWith(r, 'EINVAL', 'vfio_dma_do_unmap');
  });

  it('v2: no splitting; whole mappings go together; an empty range unmaps 0 (primer scenario 8)', () => {
    const h = host();
    const { c } = ready(h);
    map(h, c, 0n, 2n * MiB);
    map(h, c, 2n * MiB, 2n * MiB);
    failsWith(unmap(h, c, 1n * MiB, 2n * MiB), 'EINVAL', 'vfio_dma_do_unmap');
    failsWith(unmap(h, c, 0n, 3n * MiB), 'EINVAL', 'vfio_dma_do_unmap');
    expect(unmap(h, c, 8n * MiB, 1n * MiB)).toMatchObject({ ret: 0, out: { size: 0n } });
    expect(unmap(h, c, 0n, 4n * MiB)).toMatchObject({ ret: 0, out: { size: 4n * MiB } });
    expect(h.process.lockedVm).toBe(0n);
  });

  it('v1: an unmap starting inside a mapping unmaps 0; one covering its first iova removes all of it (scenario 8)', () => {
    const h = host();
    const { c } = ready(h, [2], 1);
    map(h, c, 0n, 2n * MiB);
    expect(unmap(h, c, 1n * MiB, 1n * MiB)).toMatchObject({ ret: 0, out: { size: 0n } });
    expect(unmap(h, c, 0n, 1n * MiB)).toMatchObject({ ret: 0, out: { size: 2n * MiB } });
  });

  it('VFIO_DMA_UNMAP_FLAG_ALL with iova 0 and size 0 removes everything', () => {
    const h = host();
    const { c } = ready(h);
    map(h, c, 0x100000n, 0x1000n);
    map(h, c, 0x40000000n, 0x200000n);
    expect(unmap(h, c, 0n, 0n, 2)).toMatchObject({ ret: 0, out: { size: 0x201000n } });
    expect(h.containerOf(c)!.driver!.dmaAvail).toBe(65535);
  });

  it('UNMAP VADDR twice over the same mapping: -EINVAL and the first invalidation stays', () => {
    const h = host();
    const { c } = ready(h);
    map(h, c, 0x100000n, 0x1000n);
    expect(unmap(h, c, 0x100000n, 0x1000n, 4).errno).toBe(0);
    failsWith(unmap(h, c, 0x100000n, 0x1000n, 4), 'EINVAL', 'vfio_dma_do_unmap');
  });
});

describe('VFIO_IOMMU_DIRTY_PAGES (vfio_iommu_type1_dirty_pages): START and STOP', () => {
  it('-EACCES on a v1 container; one flag at a time', () => {
    const h1 = host();
    failsWith(h1.ioctl(ready(h1, [2], 1).c, DIRTY, { argsz: 8, flags: 1 }), 'EACCES', 'vfio_iommu_type1_dirty_pages');
    const h = host();
    const { c } = ready(h);
    failsWith(h.ioctl(c, DIRTY, { argsz: 8, flags: 3 }), 'EINVAL', 'vfio_iommu_type1_dirty_pages');
    expect(h.ioctl(c, DIRTY, { argsz: 8, flags: 1 }).errno).toBe(0);
    expect(h.containerOf(c)!.driver!.dirtyPageTracking).toBe(true);
    expect(h.ioctl(c, DIRTY, { argsz: 8, flags: 2 }).errno).toBe(0);
  });
});

describe('attach-time checks (vfio_iommu_type1_attach_group)', () => {
  it('no attach while a vaddr is invalidated: -EBUSY', () => {
    const h = host({ devices: [DEV2, DEV3] });
    const { c } = ready(h, [2]);
    map(h, c, 0x100000n, 0x1000n);
    unmap(h, c, 0x100000n, 0x1000n, 4);
    failsWith(h.ioctl(h.open('/dev/vfio/3').ret as number, SET_CONTAINER, { fd: c }), 'EBUSY', 'vfio_iommu_type1_attach_group');
  });

  const plat = (): Platform => armVirt({ reserved: [{ base: 0x1000_0000n, length: 2n * MiB, devices: [DEV3.bdf] }] });

  it('a second group whose reserved region covers an existing mapping: -EINVAL (vfio_iommu_resv_conflict, scenario 2)', () => {
    const h = host({ platform: plat(), devices: [DEV2, DEV3] });
    const { c } = ready(h, [2]);
    expect(map(h, c, 0x1000_0000n, 2n * MiB).errno).toBe(0);
    const g3 = h.open('/dev/vfio/3').ret as number;
    failsWith(h.ioctl(g3, SET_CONTAINER, { fd: c }), 'EINVAL', 'vfio_iommu_resv_conflict');
    // The failed attach released the DMA ownership: the group is viable again.
    expect(h.ioctl(g3, GET_STATUS, { argsz: 8 }).out).toEqual({ argsz: 8, flags: 1 });
  });

  it('a second group shares the domain and its reserved regions shrink the IOVA list; leaving restores it', () => {
    const h = host({ platform: plat(), devices: [DEV2, DEV3] });
    const { c } = ready(h, [2]);
    const t1 = h.containerOf(c)!.driver!;
    expect(t1.iovaList).toHaveLength(2);
    const g3 = h.open('/dev/vfio/3').ret as number;
    expect(h.ioctl(g3, SET_CONTAINER, { fd: c }).errno).toBe(0);
    expect(t1.domains).toHaveLength(1);
    expect(t1.domains[0].groups.map((g) => g.id)).toEqual([2, 3]);
    expect(t1.iovaList).toEqual([
      { start: 0n, end: 0x7ffffffn }, { start: 0x8100000n, end: 0xfffffffn }, { start: 0x10200000n, end: 0xffff_ffff_ffffn },
    ]);
    failsWith(map(h, c, 0x1000_0000n, 0x1000n), 'EINVAL', 'vfio_iommu_iova_dma_valid');
    expect(h.ioctl(g3, UNSET_CONTAINER).errno).toBe(0);
    expect(t1.iovaList).toEqual([{ start: 0n, end: 0x7ffffffn }, { start: 0x8100000n, end: 0xffff_ffff_ffffn }]);
  });

  it('no interrupt remapping and allow_unsafe_interrupts off: -EPERM with the warning', () => {
    const h = host({ platform: x86Vtd({ interruptRemapping: false }), devices: [{ bdf: '0000:03:00.0', group: 5 }] });
    const c = h.open('/dev/vfio/vfio').ret as number;
    h.ioctl(h.open('/dev/vfio/5').ret as number, SET_CONTAINER, { fd: c });
    const r = h.ioctl(c, SET_IOMMU, 3);
    failsWith(r, 'EPERM', 'vfio_iommu_type1_attach_group');
    expect(r.log).toEqual(['vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform']);
    const u = host({ platform: x86Vtd({ interruptRemapping: false }), devices: [{ bdf: '0000:03:00.0', group: 5 }], allowUnsafeInterrupts: true });
    ready(u, [5]);
  });

  it('the MSI cookie sits at the SW_MSI base on Arm; x86 has a hardware MSI region and no cookie', () => {
    const h = host();
    const { c } = ready(h);
    expect(h.containerOf(c)!.driver!.domains[0].domain.msiCookie).toBe(0x8000000n);
    const x = host({ platform: x86Vtd(), devices: [{ bdf: '0000:03:00.0', group: 5 }] });
    expect(x.containerOf(ready(x, [5]).c)!.driver!.domains[0].domain.msiCookie).toBeNull();
  });

  it('sysfs: reserved_regions and type, byte for byte; a file that is not there is -ENOENT', () => {
    const h = host();
    expect(h.read('/sys/kernel/iommu_groups/2/reserved_regions')).toMatchObject({
      ret: 42, errno: 0, text: '0x0000000008000000 0x00000000080fffff msi\n',
    });
    expect(h.read('/sys/kernel/iommu_groups/2/type').text).toBe('DMA\n');
    expect(h.read('/sys/kernel/iommu_groups/9/type').errname).toBe('ENOENT');
  });
});

describe('MAP_DMA builds the host\'s stage 2: GPA -> HPA in tables the SMMU walks', () => {
  it('a stage-2 SMMU domain: the SMMU model translates the GPA through the tables MAP_DMA wrote', () => {
    const mem = new PhysMem();
    const io: TableIO = { read: (a) => mem.load64(BigInt(a)), write: (a, v) => mem.store64(BigInt(a), v) };
    let root = -1;
    const h = host({
      platform: armVirt({ smmuStage: 's2' }),
      pageTable: (info) => {
        // io-pgtable for ARM_64_LPAE_S2 with a 44-bit IAS and 4K pages starts at level 0 (32 entries).
        const b = new PageTableBuilder(2, 12, info.inputBits, io, new BumpAllocator(0x1_0000_0000, 0x1_1000_0000), 0);
        root = b.root;
        return vmsaPageTable(b);
      },
    });
    const { c } = ready(h);
    // Guest RAM: 4 MiB of the VMM's memory at GPA 0x4000_0000 (2 MiB-aligned: 2 MiB blocks).
    const va = h.mmap(4n * MiB).ret as bigint;
    expect(map(h, c, 0x4000_0000n, 4n * MiB, va).errno).toBe(0);
    const hpa = h.process.vmaAt(va)!.paddr;
    // A stage-2-only STE for the device: S2T0SZ 20 (44-bit IPA), S2SL0 2 (level 0), S2PS 0b100 (44 bits).
    const smmu = new Smmu(mem, { oas: 44, cache: false });
    smmu.strtab = { base: 0x2000_0000, log2size: 4, fmt: 'linear', split: 8 };
    const sid = 2;
    encodeSte({ config: STE_CFG.s2, s2Vmid: 1, s2T0sz: 20, s2Sl0: 2, s2Tg: 0, s2Ps: 0b100, s2Ttb: BigInt(root) })
      .forEach((w, i) => mem.store64(BigInt(0x2000_0000 + 64 * sid + 8 * i), w));
    expect(smmu.translate({ sid, iova: 0x4012_3456n, access: 'write' })).toEqual({ ok: true, pa: hpa + 0x12_3456n });
    // After UNMAP_DMA the same GPA faults at stage 2.
    unmap(h, c, 0x4000_0000n, 4n * MiB);
    expect(smmu.translate({ sid, iova: 0x4012_3456n, access: 'write' }).ok).toBe(false);
  });
});
