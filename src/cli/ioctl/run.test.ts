import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main';
import { NotModelled } from '../../model/vfio/type1';
import { HostSystemBackend, type IoctlBackend } from './backend';
import { runIoctlText } from './run';
import type { IoctlScript } from './schema';

// The ioctl command end to end on the real host model. Every expected value below is derived by
// hand from the kernel rule named next to it (docs/host-side.md lists the sources), not from the
// model's own output.

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const example = (name: string) => `${repo}tests/ioctl/${name}`;

interface Opts { kernel?: string; process?: Record<string, unknown>; machine?: string }
const script = (calls: unknown[], o: Opts = {}) => JSON.stringify({
  format: 'iommu-lab/ioctl-script@1',
  kernel: o.kernel ?? '6.12',
  platform: { machine: o.machine ?? 'arm64-virt', ...(o.machine === 'x86-vtd' ? {} : { smmu_stage: 's1' }) },
  devices: [{ bdf: '0000:00:02.0', group: 2, model: 'edu' }],
  process: o.process ?? { rlimit_memlock: '0x4000000', cap_ipc_lock: false },
  calls,
});

/** The container set up as QEMU does it: open, attach group 2, SET_IOMMU(TYPE1v2 = 3). */
const SETUP = [
  { op: 'open', path: '/dev/vfio/vfio', as: 'container' },
  { op: 'open', path: '/dev/vfio/2', as: 'group' },
  { op: 'ioctl', fd: '$group', request: 'VFIO_GROUP_SET_CONTAINER', arg: { fd: '$container' } },
  { op: 'ioctl', fd: '$container', request: 'VFIO_SET_IOMMU', arg: 3 },
];

const map = (vaddr: string, iova: string, size: string) =>
  ({ op: 'ioctl', fd: '$container', request: 'VFIO_IOMMU_MAP_DMA', arg: { argsz: 32, flags: 3, vaddr, iova, size } });

function lines(text: string): Record<string, unknown>[] {
  const r = runIoctlText(text);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.endsWith('\n')).toBe(true);
  return r.stdout.slice(0, -1).split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('ioctl: the format document\'s example', () => {
  it('prints one line per call, exactly these', () => {
    const r = runIoctlText(readFileSync(example('format-example.json'), 'utf8'));
    expect(r).toEqual({ code: 0, stderr: '', stdout: [
      // fds are the lowest free numbers, 0-2 being stdio (alloc_fd())
      '{"i":0,"op":"open","ret":3,"errno":0}',
      // vfio_iommu_type1_check_extension(): VFIO_TYPE1v2_IOMMU (3) -> 1
      '{"i":1,"op":"ioctl","request":"VFIO_CHECK_EXTENSION","ret":1,"errno":0}',
      '{"i":2,"op":"open","ret":4,"errno":0}',
      '{"i":3,"op":"ioctl","request":"VFIO_GROUP_SET_CONTAINER","ret":0,"errno":0}',
      '{"i":4,"op":"ioctl","request":"VFIO_SET_IOMMU","ret":0,"errno":0}',
      // pin.ts: mmap() hands out addresses top-down from 0x7f00_0000_0000: 0x7f0000000000 - 0x400000
      '{"i":5,"op":"mmap","ret":"0x7effffc00000","errno":0}',
      // [0x100000, 0x10ffff] lies in the usable range [0, 0x7ffffff] (below the SW_MSI window);
      // 16 pages are well under RLIMIT_MEMLOCK (0x4000000 = 16384 pages). MAP_DMA copies nothing back.
      '{"i":6,"op":"ioctl","request":"VFIO_IOMMU_MAP_DMA","ret":0,"errno":0}',
      // iommu_group_show_resv_regions(): "0x%016llx 0x%016llx %s\n", start, inclusive end, type;
      // the SW_MSI region (MSI_IOVA_BASE 0x8000000, MSI_IOVA_LENGTH 0x100000) prints as "msi".
      // read() returns the byte count: 18 + 1 + 18 + 1 + 3 + 1 = 42.
      '{"i":7,"op":"read","ret":42,"errno":0,"text":"0x0000000008000000 0x00000000080fffff msi\\n"}',
      // The process's pages come from hostRamBase + 256 MiB (pin.ts), hostRamBase being the
      // machine's RAM_BASE 0x8_0000_0000 (host/system.ts): $mem is at PA 0x8_1000_0000, so
      // $mem + 0x10000 (iova 0x100000) is 0x8_1001_0000 and iova 0x100040 is 0x8_1001_0040.
      // Nothing wrote that memory: 64 zero bytes.
      `{"i":8,"op":"dma","ret":0,"errno":0,"ok":true,"data":"${'00'.repeat(64)}","pa":"0x810010040"}`,
      '',
    ].join('\n') });
  });
});

describe('ioctl: results', () => {
  it('MAP_DMA into the MSI window: EINVAL from vfio_iommu_iova_dma_valid()', () => {
    // The SW_MSI window [0x8000000, 0x80fffff] is cut out of the usable IOVA list
    // (vfio_iommu_resv_exclude), so a mapping at 0x8000000 is in no valid range.
    const out = lines(script([...SETUP, { op: 'mmap', length: '0x10000', as: 'mem' }, map('$mem', '0x8000000', '0x1000')]));
    expect(JSON.stringify(out[5])).toBe('{"i":5,"op":"ioctl","request":"VFIO_IOMMU_MAP_DMA","ret":-1,"errno":22,"errname":"EINVAL"}');
  });

  it('GET_INFO with argsz 16, then with the argsz it asked for: the capability chain', () => {
    const out = lines(script([
      ...SETUP,
      { op: 'ioctl', fd: '$container', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: 16 }, as: 'info' },
      { op: 'ioctl', fd: '$container', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: '$info.out.argsz' } },
    ]));
    // vfio_iommu_type1_get_info(): caps are migration (32 bytes), DMA avail (12, ALIGN 8 -> 16) and
    // the IOVA ranges (16 + 2 x 16 = 48): 96 bytes. argsz 16 < sizeof(info) 24 + 96, so argsz
    // becomes 120, flags PGSIZES | CAPS = 3, and only min(argsz, 24) = 16 bytes are copied back:
    // no cap_offset. pgsize_bitmap: 4K | 2M | 1G = 0x40201000 (arm_lpae_restrict_pgsizes).
    expect(JSON.stringify(out[4])).toBe(
      '{"i":4,"op":"ioctl","request":"VFIO_IOMMU_GET_INFO","ret":0,"errno":0,"out":{"argsz":120,"flags":3,"iova_pgsizes":"0x40201000"}}');
    // With argsz 120 the chain is copied after the 24-byte struct (vfio_info_cap_shift): offsets
    // 24, 56, 72; next = 0 ends it.
    expect(out[5]).toEqual({
      i: 5, op: 'ioctl', request: 'VFIO_IOMMU_GET_INFO', ret: 0, errno: 0,
      out: {
        argsz: 120, flags: 3, iova_pgsizes: '0x40201000', cap_offset: 24,
        caps: [
          // VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION: pgsize = 1 << __ffs(pgsize_bitmap) = 4K;
          // DIRTY_BITMAP_SIZE_MAX = DIRTY_BITMAP_BYTES(INT_MAX) = 256 MiB.
          { id: 2, version: 1, next: 56, flags: 0, pgsize_bitmap: '0x1000', max_dirty_bitmap_size: '0x10000000' },
          // VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL: dma_entry_limit 65535, no mapping yet.
          { id: 3, version: 1, next: 72, avail: 65535 },
          // VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE: the stage-1 aperture [0, 2^48 - 1] minus the
          // SW_MSI window (docs/host-side.md's table).
          { id: 1, version: 1, next: 0, nr_iovas: 2, iova_ranges: [{ start: '0x0', end: '0x7ffffff' }, { start: '0x8100000', end: '0xffffffffffff' }] },
        ],
      },
    });
  });

  it('a request by number: the name comes back where the headers have one', () => {
    // 0x3b65 = _IO(';', 100 + 1) = VFIO_CHECK_EXTENSION; extension 6 is VFIO_TYPE1_NESTING_IOMMU on
    // 6.12 (answers 1) and __VFIO_RESERVED_TYPE1_NESTING_IOMMU on 7.2 (answers 0, commit 35890f85573c).
    const calls = [
      { op: 'open', path: '/dev/vfio/vfio', as: 'c' },
      { op: 'ioctl', fd: '$c', request: '0x3b65', arg: 6 },
      // 6 is no VFIO request: vfio_fops_unl_ioctl() passes it to a backend, and has none: -EINVAL.
      { op: 'ioctl', fd: '$c', request: 6 },
    ];
    const on612 = lines(script(calls));
    const on72 = lines(script(calls, { kernel: '7.2' }));
    expect(on612[1]).toEqual({ i: 1, op: 'ioctl', request: 'VFIO_CHECK_EXTENSION', ret: 1, errno: 0 });
    expect(on72[1]).toEqual({ i: 1, op: 'ioctl', request: 'VFIO_CHECK_EXTENSION', ret: 0, errno: 0 });
    expect(on72[2]).toEqual({ i: 2, op: 'ioctl', request: 6, ret: -1, errno: 22, errname: 'EINVAL' });
    // With type1 set, vfio_iommu_type1_ioctl() answers an unknown request with -ENOTTY.
    const withBackend = lines(script([...SETUP, { op: 'ioctl', fd: '$container', request: 6 }], { kernel: '7.2' }));
    expect(withBackend[4]).toEqual({ i: 4, op: 'ioctl', request: 6, ret: -1, errno: 25, errname: 'ENOTTY' });
  });

  it('the seed series\' requests on its own profile, by name and by number', () => {
    const out = lines(script([
      { op: 'open', path: '/dev/vfio/vfio', as: 'c' },
      { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_SET_PASID_TABLE', arg: { argsz: 40 } },
      // 0x3b77 = _IO(';', 100 + 19): VFIO_IOMMU_CACHE_INVALIDATE in the series' headers.
      { op: 'ioctl', fd: '$c', request: '0x3b77', arg: { argsz: 40 } },
      { op: 'ioctl', fd: '$c', request: 'VFIO_CHECK_EXTENSION', arg: 6 },
    ], { kernel: '5.12-nested' }));
    expect(out.slice(1)).toEqual([
      // No backend yet: vfio_fops_unl_ioctl() has nobody to pass them to, -EINVAL.
      { i: 1, op: 'ioctl', request: 'VFIO_IOMMU_SET_PASID_TABLE', ret: -1, errno: 22, errname: 'EINVAL' },
      { i: 2, op: 'ioctl', request: 'VFIO_IOMMU_CACHE_INVALIDATE', ret: -1, errno: 22, errname: 'EINVAL' },
      // VFIO_TYPE1_NESTING_IOMMU is what the series is about: 1.
      { i: 3, op: 'ioctl', request: 'VFIO_CHECK_EXTENSION', ret: 1, errno: 0 },
    ]);
  });

  it('iommufd: IOAS_IOVA_RANGES asked twice, the second time with the count the first wrote back', () => {
    const out = lines(script([
      { op: 'open', path: '/dev/iommu', as: 'iommufd' },
      { op: 'ioctl', fd: '$iommufd', request: 'IOMMU_IOAS_ALLOC', arg: { size: 12 }, as: 'ioas' },
      { op: 'ioctl', fd: '$iommufd', request: 'IOMMU_IOAS_IOVA_RANGES', arg: { size: 32, ioas_id: '$ioas.out.out_ioas_id' }, as: 'r' },
      // 0x3b84 = _IO(';', 0x80 + 4): IOMMU_IOAS_IOVA_RANGES (include/uapi/linux/iommufd.h).
      { op: 'ioctl', fd: '$iommufd', request: '0x3b84', arg: { size: 32, ioas_id: '$ioas.out.out_ioas_id', num_iovas: '$r.out.num_iovas' } },
    ], { kernel: '7.2' }));
    // Object ids come from 1 in allocation order (the xarray). A fresh IOAS with no device allows
    // [0, ULONG_MAX], alignment 1; with num_iovas 0, iommufd_ioas_iova_ranges() copies the count
    // back and returns -EMSGSIZE (90).
    expect(out.slice(1)).toEqual([
      { i: 1, op: 'ioctl', request: 'IOMMU_IOAS_ALLOC', ret: 0, errno: 0, out: { out_ioas_id: 1 } },
      { i: 2, op: 'ioctl', request: 'IOMMU_IOAS_IOVA_RANGES', ret: -1, errno: 90, errname: 'EMSGSIZE', out: { num_iovas: 1, out_iova_alignment: '0x1', allowed_iovas: [] } },
      { i: 3, op: 'ioctl', request: 'IOMMU_IOAS_IOVA_RANGES', ret: 0, errno: 0, out: { num_iovas: 1, out_iova_alignment: '0x1', allowed_iovas: [{ start: '0x0', last: '0xffffffffffffffff' }] } },
    ]);
  });

  it('a number means what the fd makes of it: 0x3b70 is VFIO_IOMMU_GET_INFO on a container', () => {
    // VFIO_BASE + 12 is GET_INFO on a type1 container and GET_PCI_HOT_RESET_INFO on a device fd.
    const out = lines(script([...SETUP, { op: 'ioctl', fd: '$container', request: 0x3b70, arg: { argsz: 16 } }]));
    expect(out[4]).toMatchObject({ request: 'VFIO_IOMMU_GET_INFO', ret: 0, out: { argsz: 120 } });
  });

  it('RLIMIT_MEMLOCK: ENOMEM past the limit, nothing left charged, the limit itself fits', () => {
    // vfio_pin_pages_remote(): a page is refused when locked_vm + 1 > RLIMIT_MEMLOCK >> PAGE_SHIFT.
    // 0x4000000 bytes = 16384 pages. 0x5000000 (20480 pages) fails; the failed map is undone
    // (vfio_remove_dma), so 0x4000000 (16384 pages: 16384 > 16384 is false) then fits exactly, and
    // one more page does not.
    const out = lines(script([
      ...SETUP,
      { op: 'mmap', length: '0x8000000', as: 'mem' },
      map('$mem', '0x0', '0x5000000'),
      map('$mem', '0x0', '0x4000000'),
      map('$mem+0x4000000', '0x4000000', '0x1000'),
    ]));
    expect(out.slice(5).map((l) => [l.ret, l.errno, l.errname])).toEqual([[-1, 12, 'ENOMEM'], [0, 0, undefined], [-1, 12, 'ENOMEM']]);
  });

  it('CAP_IPC_LOCK: the same mapping is charged but never refused', () => {
    const out = lines(script([...SETUP, { op: 'mmap', length: '0x8000000', as: 'mem' }, map('$mem', '0x0', '0x5000000')],
      { process: { rlimit_memlock: '0x4000000', cap_ipc_lock: true } }));
    expect(out[5]).toMatchObject({ ret: 0, errno: 0 });
  });

  it('UNMAP_DMA writes back the bytes unmapped, in hex; a failed open\'s -1 reaches the kernel as fd -1', () => {
    const out = lines(script([
      ...SETUP,
      { op: 'mmap', length: '0x200000', as: 'mem' },
      map('$mem', '0x100000', '0x200000'),
      { op: 'ioctl', fd: '$container', request: 'VFIO_IOMMU_UNMAP_DMA', arg: { argsz: 24, iova: '0x100000', size: '0x200000' } },
      { op: 'open', path: '/dev/vfio/7', as: 'nogroup' },
      { op: 'ioctl', fd: '$nogroup', request: 'VFIO_GROUP_GET_STATUS', arg: { argsz: 8 } },
    ]));
    // vfio_dma_do_unmap(): unmap->size = unmapped, copied back on success.
    expect(out[6]).toEqual({ i: 6, op: 'ioctl', request: 'VFIO_IOMMU_UNMAP_DMA', ret: 0, errno: 0, out: { size: '0x200000' } });
    expect(out[7]).toMatchObject({ ret: -1, errno: 2, errname: 'ENOENT' });
    // ioctl(-1, ...): fdget() finds nothing, -EBADF.
    expect(out[8]).toMatchObject({ ret: -1, errno: 9, errname: 'EBADF' });
  });

  it('GROUP_GET_STATUS: VIABLE | CONTAINER_SET once in a container; a NULL pointer is EFAULT', () => {
    const out = lines(script([
      ...SETUP,
      { op: 'ioctl', fd: '$group', request: 'VFIO_GROUP_GET_STATUS', arg: { argsz: 8 } },
      { op: 'ioctl', fd: '$group', request: 'VFIO_GROUP_GET_STATUS', arg: null },
    ]));
    // include/uapi/linux/vfio.h: VFIO_GROUP_FLAGS_VIABLE (1 << 0) | VFIO_GROUP_FLAGS_CONTAINER_SET (1 << 1)
    expect(out[4]).toEqual({ i: 4, op: 'ioctl', request: 'VFIO_GROUP_GET_STATUS', ret: 0, errno: 0, out: { argsz: 8, flags: 3 } });
    expect(out[5]).toMatchObject({ ret: -1, errno: 14, errname: 'EFAULT' });
  });

  it('x86-vtd: the IOAPIC range is the reserved region', () => {
    const out = lines(script([{ op: 'read', path: '/sys/kernel/iommu_groups/2/reserved_regions' }], { machine: 'x86-vtd' }));
    // intel_iommu_get_resv_regions(): [IOAPIC_RANGE_START 0xfee00000, IOAPIC_RANGE_END 0xfeefffff], IOMMU_RESV_MSI.
    expect(out[0]).toEqual({ i: 0, op: 'read', ret: 42, errno: 0, text: '0x00000000fee00000 0x00000000feefffff msi\n' });
  });
});

describe('ioctl: references that have no value when their call runs', () => {
  it('$name.out.x of a call that failed: exit 2 at the field, nothing on stdout', () => {
    // GET_INFO before SET_IOMMU: vfio_fops_unl_ioctl() has no backend to pass it to, -EINVAL.
    const r = runIoctlText(script([
      { op: 'open', path: '/dev/vfio/vfio', as: 'c' },
      { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: 16 }, as: 'info' },
      { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: '$info.out.argsz' } },
    ]));
    expect(r).toEqual({
      code: 2, stdout: '',
      stderr: 'error: $.calls[2].arg.argsz: $info.out.argsz: $.calls[1] (VFIO_IOMMU_GET_INFO) wrote nothing back (it failed with EINVAL)\n',
    });
  });

  it('$name.out.x for a field the kernel did not write', () => {
    const r = runIoctlText(script([
      ...SETUP,
      { op: 'ioctl', fd: '$container', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: 16 }, as: 'info' },
      { op: 'close', fd: '$info.out.cap_offset' },
    ]));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: $.calls[5].fd: $info.out.cap_offset: $.calls[4] (VFIO_IOMMU_GET_INFO) wrote back no $info.out.cap_offset (it has argsz, flags, iova_pgsizes)\n');
  });

  it('walks into the capability chain by index', () => {
    const out = lines(script([
      ...SETUP,
      { op: 'ioctl', fd: '$container', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: 120 }, as: 'info' },
      { op: 'mmap', length: '$info.out.caps.2.iova_ranges.1.start' },
    ]));
    // 0x8100000 bytes from 0x7f0000000000 down: 0x7f0000000000 - 0x8100000 = 0x7efff7f00000
    expect(out[5]).toEqual({ i: 5, op: 'mmap', ret: '0x7efff7f00000', errno: 0 });
  });
});

describe('ioctl: what the model does not cover', () => {
  it('a path the model throws NotModelled for: exit 1 at the call, nothing on stdout', () => {
    const backend = (s: IoctlScript): IoctlBackend => {
      const real = new HostSystemBackend(s);
      return Object.assign(Object.create(real) as IoctlBackend, {
        missing: real.missing,
        ioctl: () => { throw new NotModelled('VFIO_IOMMU_DIRTY_PAGES with GET_BITMAP'); },
      });
    };
    const r = runIoctlText(script([{ op: 'open', path: '/dev/vfio/vfio', as: 'c' }, { op: 'ioctl', fd: '$c', request: 'VFIO_GET_API_VERSION' }]), { backend });
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: $.calls[1]: not modelled: VFIO_IOMMU_DIRTY_PAGES with GET_BITMAP\n' });
  });

  it('an op the backend lacks is refused before anything runs', () => {
    const backend = (s: IoctlScript): IoctlBackend => {
      const real = new HostSystemBackend(s);
      return Object.assign(Object.create(real) as IoctlBackend, { missing: new Map([['read', 'no sysfs here']]) });
    };
    const r = runIoctlText(script([{ op: 'open', path: '/dev/vfio/vfio' }, { op: 'read', path: '/sys/kernel/iommu_groups/2/type' }]), { backend });
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: $.calls[1].op: "read" is not modelled yet: no sysfs here\n' });
  });
});

describe('ioctl --why', () => {
  it('adds where the errno came from, in words, and the kernel log', () => {
    const calls = [...SETUP, { op: 'mmap', length: '0x10000', as: 'mem' }, map('$mem', '0x8000000', '0x1000'),
      { op: 'mmap', length: '0x8000000', as: 'big' }, map('$big', '0x0', '0x5000000')];
    const dir = mkdtempSync(join(tmpdir(), 'iommu-lab-ioctl-why-'));
    try {
      const path = join(dir, 'why.json');
      writeFileSync(path, script(calls));
      const plain = main(['ioctl', path]);
      const why = main(['ioctl', '--why', path]);
      expect([why.code, why.stderr]).toEqual([0, '']);
      const p = plain.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const w = why.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      // Successful calls say nothing more; the format's fields are unchanged.
      expect(w[0]).toEqual(p[0]);
      expect(w[5]).toMatchObject(p[5]);
      // The MSI window: vfio_iommu_iova_dma_valid(), called from vfio_dma_do_map().
      expect(w[5].where).toBe('vfio_iommu_iova_dma_valid (vfio_dma_do_map)');
      expect(typeof w[5].why).toBe('string');
      // RLIMIT_MEMLOCK: vfio_pin_pages_remote()'s pr_warn with the limit in bytes, 0x4000000 = 67108864.
      expect(w[7]).toMatchObject({ errname: 'ENOMEM', where: 'vfio_pin_pages_remote', log: ['vfio_pin_pages_remote: RLIMIT_MEMLOCK (67108864) exceeded'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ioctl through the real command line', () => {
  it('npx iommu-lab ioctl (bin/iommu-lab.mjs through tsx) prints the same lines', () => {
    const doc = JSON.parse(readFileSync(example('format-example.json'), 'utf8')) as { calls: unknown[] };
    const r = spawnSync(process.execPath, [`${repo}bin/iommu-lab.mjs`, 'ioctl', '-'], {
      input: JSON.stringify({ ...doc, calls: doc.calls.slice(0, 2) }), encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('{"i":0,"op":"open","ret":3,"errno":0}\n{"i":1,"op":"ioctl","request":"VFIO_CHECK_EXTENSION","ret":1,"errno":0}\n');
    const bad = spawnSync(process.execPath, [`${repo}bin/iommu-lab.mjs`, 'ioctl', '-'], { input: '{"format":"iommu-lab/ioctl-script@1"', encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^error: \$: not valid JSON/);
  });
});
