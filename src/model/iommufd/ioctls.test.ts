// Each iommufd ioctl's success and error paths, with the kernel function that returns the errno.
// Expected values come from the rules cited, worked by hand.

import { describe, expect, it } from 'vitest';
import { armVirt } from '../iommu/platform';
import { LabMachine } from '../lab/machine';
import { encodeCmd } from '../smmuv3/commands';
import { VfioHost } from '../vfio/vfio';
import { labIommufdHw } from './lab-hw';
import { IOMMUFD_IOCTLS, iommufdIoctl } from './uapi';
import { convertUserCmd, makeNestedDomainSte, validateVste } from './vsmmu';

const BDF = '0000:00:02.0';

function host(opts: { nesting?: boolean; rlimit?: bigint } = {}) {
  const lab = new LabMachine();
  const h = new VfioHost({
    platform: armVirt({ smmuStage: opts.nesting === false ? 's1' : 'nested' }), kernel: '7.2', devices: [{ bdf: BDF, group: 5 }],
    process: { hostRamBase: 0x7_f000_0000n, ...(opts.rlimit === undefined ? {} : { rlimitMemlock: opts.rlimit }) },
    iommufdHw: labIommufdHw(lab, { sids: { [BDF]: 0x10 }, nesting: opts.nesting }),
  });
  const ifd = h.open('/dev/iommu').ret as number;
  const cdev = h.open('/dev/vfio/devices/vfio0').ret as number;
  return { lab, h, ifd, cdev };
}
const bound = (o: { nesting?: boolean; rlimit?: bigint } = {}) => {
  const x = host(o);
  expect(x.h.ioctl(x.cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: x.ifd }).out).toEqual({ out_devid: 1 });
  expect(x.h.ioctl(x.ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 }).out).toEqual({ out_ioas_id: 2 });
  return x;
};

describe('request numbers (_IO(\';\', 0x80 + n), primer §4.8)', () => {
  it('IOMMU_DESTROY is 0x3b80 and IOMMU_VEVENTQ_ALLOC 0x3b93', () => {
    // _IO(type, nr) = type << 8 | nr with ';' = 0x3b.
    expect(iommufdIoctl(0)).toBe(0x3b80);
    const byName = new Map(IOMMUFD_IOCTLS.map((d) => [d.name, iommufdIoctl(d.n)]));
    expect(byName.get('IOMMU_HWPT_ALLOC')).toBe(0x3b89);
    expect(byName.get('IOMMU_HWPT_INVALIDATE')).toBe(0x3b8d);
    expect(byName.get('IOMMU_VIOMMU_ALLOC')).toBe(0x3b90);
    expect(byName.get('IOMMU_VDEVICE_ALLOC')).toBe(0x3b91);
    expect(byName.get('IOMMU_VEVENTQ_ALLOC')).toBe(0x3b93);
  });
});

describe('iommufd_fops_ioctl', () => {
  it('an unknown number is ENOTTY; a size below the minimum is EINVAL', () => {
    const { h, ifd } = host();
    expect(h.ioctl(ifd, 0x3bff, { size: 8 }).errname).toBe('ENOTTY');
    expect(h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 8, flags: 0 }).errname).toBe('EINVAL');
  });
});

describe('IOMMU_IOAS_ALLOC / IOMMU_DESTROY (ioas.c, main.c)', () => {
  it('flags != 0 is EOPNOTSUPP; ids come from 1 and a freed id is reused (xa_alloc)', () => {
    const { h, ifd } = host();
    expect(h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 1 }).errname).toBe('EOPNOTSUPP');
    expect(h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 }).out).toEqual({ out_ioas_id: 1 });
    expect(h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 }).out).toEqual({ out_ioas_id: 2 });
    expect(h.ioctl(ifd, 'IOMMU_DESTROY', { size: 8, id: 1 }).errno).toBe(0);
    expect(h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 }).out).toEqual({ out_ioas_id: 1 });
    expect(h.ioctl(ifd, 'IOMMU_DESTROY', { size: 8, id: 9 }).where).toMatch(/iommufd_object_remove/);
    expect(h.ioctl(ifd, 'IOMMU_DESTROY', { size: 8, id: 9 }).errname).toBe('ENOENT');
  });

  it('a referenced object is EBUSY: an IOAS under an HWPT, a bound device', () => {
    const { h, ifd } = bound();
    h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2 });
    expect(h.ioctl(ifd, 'IOMMU_DESTROY', { size: 8, id: 2 }).errname).toBe('EBUSY');
    expect(h.ioctl(ifd, 'IOMMU_DESTROY', { size: 8, id: 1 }).errname).toBe('EBUSY');
    expect(h.ioctl(ifd, 'IOMMU_DESTROY', { size: 8, id: 3 }).errno).toBe(0);     // the HWPT itself
    expect(h.ioctl(ifd, 'IOMMU_DESTROY', { size: 8, id: 2 }).errno).toBe(0);     // then its IOAS
  });
});

describe('IOMMU_IOAS_MAP / UNMAP (iommufd_ioas_map, iopt_check_iova, iopt_alloc_iova, iopt_unmap_iova_range)', () => {
  it('checks flags, overflow and R/W in that order, then the IOAS', () => {
    const { h, ifd } = bound();
    const va = h.mmap(0x400000n).ret as bigint;
    const m = (a: Record<string, unknown>) => h.ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, ioas_id: 2, user_va: va, length: 0x1000n, iova: 0x10000n, ...a });
    expect(m({ flags: 8 | 6 }).errname).toBe('EOPNOTSUPP');
    expect(m({ flags: 7, iova: (1n << 64n) - 1n }).errname).toBe('EOVERFLOW');
    expect(m({ flags: 1 }).errname).toBe('EINVAL');
    expect(m({ flags: 7, ioas_id: 9 }).errname).toBe('ENOENT');
    expect(m({ flags: 7 }).out).toEqual({ iova: 0x10000n });
    expect(m({ flags: 7, iova: 0x10000n }).errname).toBe('EEXIST');
  });

  it('without FIXED_IOVA picks the lowest hole from PAGE_SIZE aligned to min(roundup_pow_of_two(length), uptr alignment)', () => {
    const { h, ifd } = bound();
    // mmap hands out top-down from 0x7f00_0000_0000: 0x7eff_ffc0_0000, aligned to 4 MiB (2^22).
    const va = h.mmap(0x400000n).ret as bigint;
    expect(va).toBe(0x7eff_ffc0_0000n);
    const r = h.ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: 6, ioas_id: 2, user_va: va, length: 0x400000n });
    // alignment min(0x40_0000, 2^22) = 0x40_0000; ALIGN(PAGE_SIZE, 0x40_0000) = 0x40_0000.
    expect(r.out).toEqual({ iova: 0x400000n });
    // The next 4 MiB of the same memory from its second page: uptr alignment 2^12 wins, lowest
    // hole start is 0x1000.
    const r2 = h.ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: 6, ioas_id: 2, user_va: va + 0x1000n, length: 0x1000n });
    expect(r2.out).toEqual({ iova: 0x1000n });
  });

  it('UNMAP returns the bytes unmapped; nothing there, or a mapping only partly inside, is ENOENT', () => {
    const { h, ifd } = bound();
    const va = h.mmap(0x4000n).ret as bigint;
    h.ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: 7, ioas_id: 2, user_va: va, length: 0x2000n, iova: 0x100000n });
    const u = (iova: bigint, length: bigint) => h.ioctl(ifd, 'IOMMU_IOAS_UNMAP', { size: 24, ioas_id: 2, iova, length });
    expect(u(0x200000n, 0x1000n).errname).toBe('ENOENT');
    expect(u(0x100000n, 0x1000n).errname).toBe('ENOENT');          // would split the area
    expect(u(0x100000n, 0x1000n).where).toMatch(/iopt_unmap_iova_range/);
    expect(u(0n, 0n).errname).toBe('EINVAL');                        // iopt_unmap_iova(): length 0
    expect(u(0xf0000n, 0x100000n).out).toEqual({ length: 0x2000n });
    expect(u(0n, (1n << 64n) - 1n).out).toEqual({ length: 0n });     // unmap all of nothing: 0
  });
});

describe('IOMMU_IOAS_IOVA_RANGES (iommufd_ioas_iova_ranges, iopt_table_add_domain, iopt_table_enforce_group_resv_regions)', () => {
  it('a fresh IOAS allows everything with alignment 1; an attached device narrows it like type1', () => {
    const { h, ifd, cdev } = bound();
    const q = () => h.ioctl(ifd, 'IOMMU_IOAS_IOVA_RANGES', { size: 32, ioas_id: 2, num_iovas: 4 });
    expect(q().out).toMatchObject({ num_iovas: 1, out_iova_alignment: 1n, allowed_iovas: [{ start: 0n, last: (1n << 64n) - 1n }] });
    // Attach to the IOAS: an automatic stage-1 domain (48-bit aperture), and the SW_MSI window
    // [0x800_0000, 0x80f_ffff] reserved: two ranges, alignment PAGE_SIZE.
    expect(h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 2 }).out).toEqual({ pt_id: 3 });
    expect(q().out).toMatchObject({
      num_iovas: 2, out_iova_alignment: 0x1000n,
      allowed_iovas: [{ start: 0n, last: 0x7ff_ffffn }, { start: 0x810_0000n, last: 0xffff_ffff_ffffn }],
    });
    // num_iovas 1 is too small: EMSGSIZE with the count.
    const short = h.ioctl(ifd, 'IOMMU_IOAS_IOVA_RANGES', { size: 32, ioas_id: 2, num_iovas: 1 });
    expect(short.errname).toBe('EMSGSIZE');
    expect(short.out).toMatchObject({ num_iovas: 2 });
  });

  it('attaching over an existing mapping of the MSI window is EADDRINUSE (iopt_reserve_iova)', () => {
    const { h, ifd, cdev } = bound();
    const va = h.mmap(0x1000n).ret as bigint;
    h.ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: 7, ioas_id: 2, user_va: va, length: 0x1000n, iova: 0x800_0000n });
    const r = h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 2 });
    expect(r.errname).toBe('EADDRINUSE');
    // The automatic HWPT was destroyed again: the next object id is 3.
    expect(h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 }).out).toEqual({ out_ioas_id: 3 });
  });
});

describe('pinning and locked_vm (IOPT_PAGES_ACCOUNT_USER)', () => {
  it('pages are charged when a domain exists, against RLIMIT_MEMLOCK, and given back on unmap', () => {
    const { h, ifd } = bound({ rlimit: 0x3000n });                   // 3 pages
    const va = h.mmap(0x4000n).ret as bigint;
    h.ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: 7, ioas_id: 2, user_va: va, length: 0x2000n, iova: 0x100000n });
    expect(h.iommufd.user.lockedVm).toBe(0n);                        // no domain: nothing pinned yet
    expect(h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2 }).errno).toBe(0);
    expect(h.iommufd.user.lockedVm).toBe(2n);
    const over = h.ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: 7, ioas_id: 2, user_va: va + 0x2000n, length: 0x2000n, iova: 0x200000n });
    expect(over.errname).toBe('ENOMEM');                             // 2 + 2 > 3
    expect(h.iommufd.user.lockedVm).toBe(2n);
    h.ioctl(ifd, 'IOMMU_IOAS_UNMAP', { size: 24, ioas_id: 2, iova: 0x100000n, length: 0x2000n });
    expect(h.iommufd.user.lockedVm).toBe(0n);
  });
});

describe('VFIO cdev (device_cdev.c)', () => {
  it('BIND_IOMMUFD: bad flags EINVAL, a non-iommufd fd EBADFD, an unopened fd EBADF, twice EINVAL; ATTACH before bind EINVAL', () => {
    const { h, ifd, cdev } = host();
    expect(h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 1 }).errname).toBe('EINVAL');
    expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 1, iommufd: ifd }).errname).toBe('EINVAL');
    const container = h.open('/dev/vfio/vfio').ret as number;
    expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: container }).errname).toBe('EBADFD');
    expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: 99 }).errname).toBe('EBADF');
    expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd }).out).toEqual({ out_devid: 1 });
    expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd }).errname).toBe('EINVAL');
    expect(h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 42 }).errname).toBe('ENOENT');
  });

  it('BIND_IOMMUFD is EBUSY while the legacy group fd is open (vfio_device_block_group)', () => {
    const { h, ifd, cdev } = host();
    h.open('/dev/vfio/5');
    expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd }).errname).toBe('EBUSY');
  });
});

describe('IOMMU_HWPT_ALLOC (iommufd_hwpt_alloc, arm_vsmmu_alloc_domain_nested)', () => {
  it('flag and data checks, pt_id, and a stage-2 nest parent', () => {
    const { h, ifd } = bound();
    const a = (x: Record<string, unknown>) => h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 0, dev_id: 1, pt_id: 2, ...x });
    expect(a({ flags: 1 << 5 }).errname).toBe('EOPNOTSUPP');
    expect(a({ data_type: 2, data_len: 0 }).errname).toBe('EINVAL');
    expect(a({ flags: 1, data_type: 2, data_len: 16, data: { ste: [0n, 0n] } }).errname).toBe('EINVAL');
    expect(a({ dev_id: 7 }).errname).toBe('ENOENT');
    expect(a({ pt_id: 50 }).errname).toBe('EINVAL');                 // iommufd_get_object(ANY) failing is -EINVAL here
    expect(a({ flags: 2 }).errname).toBe('EOPNOTSUPP');              // no dirty tracking
    expect(a({ flags: 1 }).out).toEqual({ out_hwpt_id: 3 });
    // A nested HWPT straight on a paging parent: arm-smmu-v3 wants a vIOMMU.
    expect(a({ pt_id: 3, data_type: 2, data_len: 16, data: { ste: [1n, 0n] } }).errname).toBe('EOPNOTSUPP');
  });

  it('NEST_PARENT needs ARM_SMMU_FEAT_NESTING (both stages)', () => {
    const { h, ifd } = bound({ nesting: false });
    expect(h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2 }).errname).toBe('EOPNOTSUPP');
  });

  it('a nested HWPT on a vIOMMU: data type, length, and the vSTE check (-EIO)', () => {
    const { h, ifd } = bound();
    h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2 });
    h.ioctl(ifd, 'IOMMU_VIOMMU_ALLOC', { size: 24, flags: 0, type: 1, dev_id: 1, hwpt_id: 3 });
    const n = (x: Record<string, unknown>) => h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 0, dev_id: 1, pt_id: 4, data_type: 2, data_len: 16, ...x });
    expect(n({ data_type: 1, data: { ste: [1n, 0n] } }).errname).toBe('EINVAL');
    expect(n({ data_len: 8, data: { ste: [1n, 0n] } }).errname).toBe('EINVAL');
    expect(n({ data: { ste: [1n | (6n << 1n), 0n] } }).errname).toBe('EIO');       // Config S2_TRANS
    expect(n({ data: { ste: [1n | (6n << 1n), 0n] } }).where).toMatch(/arm_smmu_validate_vste/);
    expect(n({ data: { ste: [1n | (5n << 1n), 1n << 19n] } }).errname).toBe('EIO'); // MEV is the host's bit
    expect(n({ data: { ste: [1n | (4n << 1n), 0n] } }).out).toEqual({ out_hwpt_id: 5 });   // bypass
  });
});

describe('arm_smmu_validate_vste / arm_smmu_make_nested_domain_ste / arm_vsmmu_convert_user_cmd', () => {
  const s2: [bigint, bigint] = [0x1234n, 0x8_0000_1000n];
  it('V = 0 is accepted as all-zero and installs an abort STE', () => {
    expect(validateVste([0xffff_0000n, 0xffn])).toEqual({ ste: [0n, 0n], enableAts: false });
    // arm_smmu_make_abort_ste(): V | CFG_ABORT (0) = 1.
    expect(makeNestedDomainSte([0n, 0n], s2)).toEqual([1n, 0n, 0n, 0n]);
  });
  it('EATS 0b10 (split-stage) is -EIO; EATS 1 on an S1 STE enables ATS and is cleared from the kept word', () => {
    expect(validateVste([1n | (5n << 1n), 2n << 28n])).toMatchObject({ errno: 5 });
    expect(validateVste([1n | (5n << 1n), 1n << 28n])).toEqual({ ste: [1n | (5n << 1n), 0n], enableAts: true });
  });
  it('bypass becomes the parent\'s S2-only STE: Config 0b110', () => {
    // V | CFG_S2_TRANS << 1 = 1 | 0xc = 0xd; word 1 SHCFG incoming 1 << 44.
    expect(makeNestedDomainSte([1n | (4n << 1n), 0n], s2)).toEqual([0xdn, 1n << 44n, 0x1234n, 0x8_0000_1000n]);
  });
  it('CFGI_CD with a vSID: the SID field [63:32] becomes the pSID; an unknown vSID or CFGI_STE is -EIO', () => {
    const cfgiCd = encodeCmd({ op: 'CMD_CFGI_CD', sid: 0x8, ssid: 0, leaf: 1 });
    const out = convertUserCmd(cfgiCd, 1, (v) => (v === 0x8 ? 0x10 : undefined)) as [bigint, bigint];
    expect(out[0]).toBe(0x05n | (0x10n << 32n));
    expect(out[1]).toBe(1n);
    expect(convertUserCmd(cfgiCd, 1, () => undefined)).toMatchObject({ errno: 5 });
    expect(convertUserCmd(encodeCmd({ op: 'CMD_CFGI_STE', sid: 0x8, leaf: 1 }), 1, () => 0x10)).toMatchObject({ errno: 5 });
  });
});

describe('IOMMU_VIOMMU_ALLOC / IOMMU_VDEVICE_ALLOC (viommu.c)', () => {
  it('type DEFAULT is EOPNOTSUPP, a non-nest-parent HWPT EINVAL, an unknown HWPT ENOENT', () => {
    const { h, ifd, cdev } = bound();
    const v = (x: Record<string, unknown>) => h.ioctl(ifd, 'IOMMU_VIOMMU_ALLOC', { size: 24, flags: 0, type: 1, dev_id: 1, hwpt_id: 3, ...x });
    expect(v({ type: 0 }).errname).toBe('EOPNOTSUPP');
    expect(v({ hwpt_id: 3 }).errname).toBe('ENOENT');
    h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 2 });      // auto HWPT 3, stage 1
    expect(v({ hwpt_id: 3 }).errname).toBe('EINVAL');
  });

  it('a second vDEVICE with the same virt_id is EEXIST; attaching a translating nested HWPT without a vDEVICE is ENOENT', () => {
    const { h, ifd, cdev } = bound();
    h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2 });
    h.ioctl(ifd, 'IOMMU_VIOMMU_ALLOC', { size: 24, flags: 0, type: 1, dev_id: 1, hwpt_id: 3 });
    const s1 = h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 0, dev_id: 1, pt_id: 4, data_type: 2, data_len: 16, data: { ste: [1n | (5n << 1n), 0n] } });
    expect(s1.out).toEqual({ out_hwpt_id: 5 });
    const att = h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 5 });
    expect(att.errname).toBe('ENOENT');
    expect(att.where).toMatch(/arm_smmu_attach_prepare_vmaster/);
    expect(h.ioctl(ifd, 'IOMMU_VDEVICE_ALLOC', { size: 24, viommu_id: 4, dev_id: 1, virt_id: 8 }).out).toEqual({ out_vdevice_id: 6 });
    expect(h.ioctl(ifd, 'IOMMU_VDEVICE_ALLOC', { size: 24, viommu_id: 4, dev_id: 1, virt_id: 8 }).errname).toBe('EEXIST');
    expect(h.ioctl(ifd, 'IOMMU_VDEVICE_ALLOC', { size: 24, viommu_id: 9, dev_id: 1, virt_id: 8 }).errname).toBe('ENOENT');
    expect(h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 5 }).out).toEqual({ pt_id: 5 });
    // The vIOMMU is now held by the nested HWPT and the vDEVICE.
    expect(h.ioctl(ifd, 'IOMMU_DESTROY', { size: 8, id: 4 }).errname).toBe('EBUSY');
  });
});

describe('IOMMU_HWPT_INVALIDATE and IOMMU_VEVENTQ_ALLOC errors', () => {
  function nested() {
    const x = bound();
    x.h.ioctl(x.ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2 });
    x.h.ioctl(x.ifd, 'IOMMU_VIOMMU_ALLOC', { size: 24, flags: 0, type: 1, dev_id: 1, hwpt_id: 3 });
    return x;
  }
  it('entry_num out is the number handled before the bad entry (arm_vsmmu_cache_invalidate)', () => {
    const { h, ifd } = nested();
    const entries = [encodeCmd({ op: 'CMD_TLBI_NH_ALL', vmid: 0 }), encodeCmd({ op: 'CMD_CFGI_STE', sid: 8, leaf: 1 })];
    const r = h.ioctl(ifd, 'IOMMU_HWPT_INVALIDATE', { size: 32, hwpt_id: 4, data_type: 1, entry_len: 16, entries });
    expect(r.errname).toBe('EIO');
    expect(r.out).toEqual({ entry_num: 1 });
  });
  it('a command the Command queue rejects: EIO from arm_smmu_cmdq_issue_cmdlist, entry_num = cur - 1 of its block', () => {
    const { h, ifd, lab } = nested();
    expect(h.ioctl(ifd, 'IOMMU_VDEVICE_ALLOC', { size: 24, viommu_id: 4, dev_id: 1, virt_id: 8 }).out).toEqual({ out_vdevice_id: 5 });
    // CMD_ATC_INV (opcode 0x40) with vSID 8 in [63:32]: arm_vsmmu_convert_user_cmd() passes it
    // (vSID 8 -> SID 0x10); the lab SMMU has SMMU_IDR0.ATS = 0, so it is CERROR_ILL and the
    // queue stops on it (commands.ts ILLEGAL_HERE). The three entries are one block (3 < 63):
    // issued at cur = 3, failed, cur-- = 2 -> entry_num 2, although entry 1 is the rejected one.
    const atcInv: [bigint, bigint] = [0x40n | (8n << 32n), 0n];
    const nhAll = encodeCmd({ op: 'CMD_TLBI_NH_ALL', vmid: 0 });
    const from = lab.trace.length;
    const r = h.ioctl(ifd, 'IOMMU_HWPT_INVALIDATE', { size: 32, hwpt_id: 4, data_type: 1, entry_len: 16, entries: [nhAll, atcInv, nhAll] });
    expect(r.errname).toBe('EIO');
    expect(r.where).toMatch(/arm_smmu_cmdq_issue_cmdlist/);
    expect(r.out).toEqual({ entry_num: 2 });
    // arm_vsmmu_vsid_to_sid() asks the lab for the device's StreamID, which assigns it on first
    // use (its STE: CMD_CFGI_STE + CMD_SYNC); then the block: the first CMD_TLBI_NH_ALL is
    // consumed and the queue stops on the CMD_ATC_INV. arm_smmu_cmdq_skip_err() then writes a
    // CMD_SYNC over it and acknowledges GERRORN.CMDQ_ERR, so consumption restarts there (§7.1):
    // that CMD_SYNC, the second CMD_TLBI_NH_ALL, and the batch's own CMD_SYNC.
    const cmds = lab.trace.slice(from).flatMap((e) => (e.type === 'smmu.cmd' ? [[e.name, e.error !== undefined]] : []));
    expect(cmds).toEqual([
      ['CMD_CFGI_STE', false], ['CMD_SYNC', false], ['CMD_TLBI_NH_ALL', false], ['CMD_ATC_INV', true],
      ['CMD_SYNC', false], ['CMD_TLBI_NH_ALL', false], ['CMD_SYNC', false],
    ]);
    // The queue is not left stopped: the next invalidation goes through.
    expect(h.ioctl(ifd, 'IOMMU_HWPT_INVALIDATE', { size: 32, hwpt_id: 4, data_type: 1, entry_len: 16, entries: [nhAll] }).errno).toBe(0);
  });
  it('__reserved EOPNOTSUPP, entries without entry_len EINVAL, unknown id ENOENT, an IOAS EINVAL, wrong data_type EINVAL', () => {
    const { h, ifd } = nested();
    const e = [encodeCmd({ op: 'CMD_TLBI_NH_ALL', vmid: 0 })];
    const inv = (x: Record<string, unknown>) => h.ioctl(ifd, 'IOMMU_HWPT_INVALIDATE', { size: 32, hwpt_id: 4, data_type: 1, entry_len: 16, entries: e, ...x });
    expect(inv({ __reserved: 1 }).errname).toBe('EOPNOTSUPP');
    expect(inv({ entry_len: 0 }).errname).toBe('EINVAL');
    expect(inv({ hwpt_id: 77 }).errname).toBe('ENOENT');
    expect(inv({ hwpt_id: 2 }).errname).toBe('EINVAL');
    expect(inv({ data_type: 0 }).errname).toBe('EINVAL');
    expect(inv({}).out).toEqual({ entry_num: 1 });
  });
  it('VEVENTQ_ALLOC: type DEFAULT EOPNOTSUPP, depth 0 EINVAL, a second of the same type EEXIST', () => {
    const { h, ifd } = nested();
    const q = (x: Record<string, unknown>) => h.ioctl(ifd, 'IOMMU_VEVENTQ_ALLOC', { size: 32, flags: 0, viommu_id: 4, type: 1, veventq_depth: 8, ...x });
    expect(q({ type: 0 }).errname).toBe('EOPNOTSUPP');
    expect(q({ veventq_depth: 0 }).errname).toBe('EINVAL');
    expect(q({ viommu_id: 2 }).errname).toBe('ENOENT');
    expect(q({}).errno).toBe(0);
    expect(q({}).errname).toBe('EEXIST');
  });
});
