// The VFIO uapi as a VMM uses it: open() of /dev/vfio/vfio and /dev/vfio/N, and the container and
// group ioctls of include/uapi/linux/vfio.h with their arguments by uapi field name. Each call goes
// to the host model (src/model/vfio/vfio.ts, VfioHost) and returns the kernel's answer as a record;
// argsz defaults to the size of the argument struct (src/model/vfio/ioctl.ts).

import type { LabMachine } from '../../model/lab/machine';
import {
  MINSZ_DMA_MAP, MINSZ_DMA_UNMAP, SIZEOF_GROUP_STATUS, SIZEOF_IOMMU_TYPE1_INFO, VFIO_DMA_CC_IOMMU,
  VFIO_DMA_MAP_FLAG_READ, VFIO_DMA_MAP_FLAG_VADDR, VFIO_DMA_MAP_FLAG_WRITE, VFIO_DMA_UNMAP_FLAG_ALL,
  VFIO_DMA_UNMAP_FLAG_VADDR, VFIO_EEH, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
  VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, VFIO_NOIOMMU_IOMMU, VFIO_SPAPR_TCE_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU, VFIO_TYPE1_IOMMU,
  VFIO_TYPE1_NESTING_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_UNMAP_ALL, VFIO_UPDATE_VADDR,
} from '../../model/vfio/ioctl';
import type { SysResult } from '../../model/vfio/vfio';
import type { ArgSpec, Builtin, CallContext } from '../registry-types';
import { record, type RecordValue, type Value } from '../values';
import { bigArg, numArg, strArg, wordArg, type Args } from './common';
import { n, sysCall, sysReturns, sysValue, U64_MAX } from './vfio-host';

/** Extension ids by their uapi names (include/uapi/linux/vfio.h). 6 is __VFIO_RESERVED_TYPE1_NESTING_IOMMU
 *  in the 7.2 profile's headers; its old name is accepted for both. */
const EXTENSIONS: Readonly<Record<string, number>> = {
  VFIO_TYPE1_IOMMU, VFIO_SPAPR_TCE_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_DMA_CC_IOMMU, VFIO_EEH, VFIO_TYPE1_NESTING_IOMMU,
  VFIO_SPAPR_TCE_v2_IOMMU, VFIO_NOIOMMU_IOMMU, VFIO_UNMAP_ALL, VFIO_UPDATE_VADDR,
};
/** struct vfio_iommu_type1_dma_map flags, as words. */
const MAP_FLAGS: Readonly<Record<string, number>> = {
  none: 0, r: VFIO_DMA_MAP_FLAG_READ, w: VFIO_DMA_MAP_FLAG_WRITE,
  rw: VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, vaddr: VFIO_DMA_MAP_FLAG_VADDR,
};
/** struct vfio_iommu_type1_dma_unmap flags, as words. */
const UNMAP_FLAGS: Readonly<Record<string, number>> = { none: 0, all: VFIO_DMA_UNMAP_FLAG_ALL, vaddr: VFIO_DMA_UNMAP_FLAG_VADDR };

const U64 = { t: 'int', min: 0n, max: U64_MAX } as const;
const U32 = { t: 'int', min: 0n, max: 0xffff_ffffn } as const;
const FD = { t: 'int', min: 0n, max: 0x7fff_ffffn } as const;
const fdArg = (doc: string): ArgSpec => ({ name: 'fd', type: FD, doc });
const argsz = (size: number, what: string): ArgSpec => ({
  name: 'argsz', type: U32, default: BigInt(size), doc: `the argument's size as the caller claims it (default ${size}, sizeof(${what}) up to its last field the kernel needs)`,
});
const flagsRaw: ArgSpec = { name: 'flags_raw', type: U32, default: null, doc: 'the flags as a number, instead of flags (to try bits the uapi does not define)' };

/** ioctl(fd, request, arg) on the host, recorded. */
function ioctl(m: LabMachine, ctx: CallContext, fd: number, request: string, arg?: unknown): SysResult {
  const args: Record<string, unknown> = arg === undefined ? { fd } : { fd, arg };
  return sysCall(m, ctx, 'ioctl', request, args, (h) => h.ioctl(fd, request, arg));
}

function flagsOf(args: Args, table: Readonly<Record<string, number>>, ctx: CallContext): number {
  return args.flags_raw === null || args.flags_raw === undefined ? table[wordArg(args, 'flags', ctx)] : numArg(args, 'flags_raw', ctx);
}

/** GET_INFO's capability chain as records, one field per capability it holds (null if absent). */
function capsValue(caps: unknown): Value {
  if (!Array.isArray(caps)) return null;
  const by = (id: number) => caps.find((c: { id: number }) => c.id === id) as Record<string, unknown> | undefined;
  const mig = by(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
  const avail = by(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
  const iova = by(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
  let iovaValue: RecordValue | null = null;
  if (iova !== undefined) {
    const ranges = iova.iova_ranges as { start: bigint; end: bigint }[];
    const fields: Record<string, Value> = { nr_iovas: n(iova.nr_iovas) };
    ranges.forEach((r, i) => { fields[`range${i}`] = record('iova range', { start: r.start, end: r.end }); });
    iovaValue = record('iova range cap', fields);
  }
  return record('caps', {
    migration: mig === undefined ? null : record('migration cap', {
      flags: n(mig.flags), pgsize_bitmap: n(mig.pgsize_bitmap), max_dirty_bitmap_size: n(mig.max_dirty_bitmap_size),
    }),
    dma_avail: avail === undefined ? null : record('dma avail cap', { avail: n(avail.avail) }),
    iova_range: iovaValue,
  });
}

/** The IOVA-range capability's struct vfio_iova_range iova_ranges[] as fields range0..range7 (the
 *  language has no lists; the record holds every range, the docs and the checker name eight). */
const IOVA_RANGE_FIELDS: Record<string, string> = {};
for (let i = 0; i < 8; i++) {
  const p = `caps.iova_range.range${i}`;
  IOVA_RANGE_FIELDS[p] = i === 0 ? 'the lowest usable range (struct vfio_iova_range), in ascending order' : `range ${i}, when nr_iovas > ${i}`;
  IOVA_RANGE_FIELDS[`${p}.start`] = 'its first IOVA';
  IOVA_RANGE_FIELDS[`${p}.end`] = 'its last IOVA (inclusive)';
}

export const VFIO_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'vfio.open',
    actor: 'vfio',
    args: [{ name: 'path', type: { t: 'str' }, doc: '"/dev/vfio/vfio" (a new container) or "/dev/vfio/N" (IOMMU group N)' }],
    returns: sysReturns('open result', 'the new fd, or the errno', { fd: 'the new file descriptor (the same as ret), -1 on failure' }),
    doc: 'open(2) of a VFIO file. /dev/vfio/vfio: vfio_fops_open() makes a new container each time. /dev/vfio/N: ' +
      'the group, if a device of group N is bound to vfio-pci (else ENOENT); vfio_group_fops_open() refuses a ' +
      'second open with EBUSY. fds are the lowest free, from 3.',
    example: 'let c = vfio.open("/dev/vfio/vfio")',
    run(m, args, ctx) {
      const path = strArg(args, 'path', ctx);
      const r = sysCall(m, ctx, 'open', undefined, { path }, (h) => h.open(path));
      return sysValue('open result', r, [], { fd: BigInt.asUintN(64, BigInt(r.ret)) });
    },
  },
  {
    name: 'vfio.close',
    actor: 'vfio',
    args: [fdArg('the fd to close')],
    returns: sysReturns('sys result', '0, or EBADF'),
    doc: 'close(2). Closing a group fd whose group is in a container takes the group out of it ' +
      '(vfio_group_fops_release); the last group to leave takes the container\'s IOMMU backend and every mapping ' +
      'with it, unpinning their pages.',
    example: 'vfio.close(g.fd)',
    run(m, args, ctx) {
      const fd = numArg(args, 'fd', ctx);
      return sysValue('sys result', sysCall(m, ctx, 'close', undefined, { fd }, (h) => h.close(fd)));
    },
  },
  {
    name: 'vfio.get_api_version',
    actor: 'vfio',
    args: [fdArg('a container fd')],
    returns: sysReturns('sys result', 'VFIO_API_VERSION (0) in ret'),
    doc: 'VFIO_GET_API_VERSION (_IO(\';\', 100 + 0)) on a container: ret is VFIO_API_VERSION, 0.',
    example: 'expect vfio.get_api_version(c.fd).ret == 0',
    run(m, args, ctx) {
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_GET_API_VERSION'));
    },
  },
  {
    name: 'vfio.check_extension',
    actor: 'vfio',
    args: [
      fdArg('a container fd'),
      { name: 'ext', type: { t: 'word', words: Object.keys(EXTENSIONS) }, doc: 'the extension, by its uapi name' },
    ],
    returns: sysReturns('sys result', 'in ret, 1 if supported, 0 if not'),
    doc: 'VFIO_CHECK_EXTENSION (_IO(\';\', 100 + 1)): vfio_container_ioctl_check_extension() asks type1 (the only ' +
      'backend on arm64 and x86-64) with no container state until VFIO_SET_IOMMU, then the container\'s own: ' +
      'VFIO_TYPE1v2_IOMMU is 1, VFIO_DMA_CC_IOMMU and VFIO_UPDATE_VADDR are 0 before a backend is set.',
    example: 'expect vfio.check_extension(c.fd, VFIO_TYPE1v2_IOMMU).ret == 1',
    run(m, args, ctx) {
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_CHECK_EXTENSION', EXTENSIONS[wordArg(args, 'ext', ctx)]));
    },
  },
  {
    name: 'vfio.set_iommu',
    actor: 'vfio',
    args: [
      fdArg('a container fd'),
      { name: 'type', type: { t: 'word', words: Object.keys(EXTENSIONS) }, doc: 'the IOMMU backend type, by its uapi name: VFIO_TYPE1v2_IOMMU' },
    ],
    returns: sysReturns('sys result', '0, or the errno'),
    doc: 'VFIO_SET_IOMMU (_IO(\';\', 100 + 2)): vfio_ioctl_set_iommu() needs a group in the container (else ' +
      'EINVAL) and no backend yet; a type no backend accepts is ENODEV; then type1 opens and attaches every ' +
      'group (vfio_iommu_type1_attach_group: a domain per IOMMU, reserved regions out of the usable IOVAs, the ' +
      'MSI cookie at the SW_MSI base).',
    example: 'vfio.set_iommu(c.fd, VFIO_TYPE1v2_IOMMU)',
    run(m, args, ctx) {
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_SET_IOMMU', EXTENSIONS[wordArg(args, 'type', ctx)]));
    },
  },
  {
    name: 'vfio.group_status',
    actor: 'vfio',
    args: [fdArg('a group fd'), argsz(SIZEOF_GROUP_STATUS, 'struct vfio_group_status')],
    returns: sysReturns('group status', 'ret 0 and the flags, or the errno', {
      argsz: 'argsz as the kernel copied it back, nothing on failure',
      flags: 'VFIO_GROUP_FLAGS_VIABLE (1): no kernel driver uses the group for DMA; | VFIO_GROUP_FLAGS_CONTAINER_SET (2); nothing on failure',
    }),
    doc: 'VFIO_GROUP_GET_STATUS (_IO(\';\', 100 + 3)): vfio_group_ioctl_get_status(), EINVAL for argsz < 8.',
    example: 'let st = vfio.group_status(g.fd)',
    run(m, args, ctx) {
      const r = ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_GROUP_GET_STATUS', { argsz: bigArg(args, 'argsz', ctx) });
      return sysValue('group status', r, ['argsz', 'flags']);
    },
  },
  {
    name: 'vfio.set_container',
    actor: 'vfio',
    args: [fdArg('a group fd'), { name: 'container', type: FD, doc: 'the container fd (the int the argument points to)' }],
    returns: sysReturns('sys result', '0, or the errno'),
    doc: 'VFIO_GROUP_SET_CONTAINER (_IO(\';\', 100 + 4)): vfio_group_ioctl_set_container() checks the fd (EBADF, ' +
      'EBADFD if it is no container), that the group is in none (EINVAL), claims DMA ownership ' +
      '(iommu_group_claim_dma_owner: EPERM while a kernel driver uses the group), and, if the container has a ' +
      'backend already, attaches the group to it (vfio_iommu_type1_attach_group: EINVAL when one of the group\'s ' +
      'reserved regions covers an existing mapping, vfio_iommu_resv_conflict).',
    example: 'vfio.set_container(g.fd, container: c.fd)',
    run(m, args, ctx) {
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_GROUP_SET_CONTAINER', { fd: numArg(args, 'container', ctx) }));
    },
  },
  {
    name: 'vfio.unset_container',
    actor: 'vfio',
    args: [fdArg('a group fd')],
    returns: sysReturns('sys result', '0, or the errno'),
    doc: 'VFIO_GROUP_UNSET_CONTAINER (_IO(\';\', 100 + 5)): EINVAL if the group is in no container, EBUSY while a ' +
      'device fd of it is open; the last group out takes the backend and its mappings with it.',
    example: 'vfio.unset_container(g.fd)',
    run(m, args, ctx) {
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_GROUP_UNSET_CONTAINER'));
    },
  },
  {
    name: 'vfio.get_device_fd',
    actor: 'vfio',
    args: [fdArg('a group fd'), { name: 'name', type: { t: 'str' }, doc: 'the device\'s name, its PCI address ("0000:00:02.0")' }],
    returns: sysReturns('open result', 'the device fd, or the errno', { fd: 'the device fd (the same as ret), -1 on failure' }),
    doc: 'VFIO_GROUP_GET_DEVICE_FD (_IO(\';\', 100 + 6)): the name is looked up first (ENODEV), then the group ' +
      'needs a container (EINVAL, vfio_df_group_open) with a backend (EINVAL, vfio_group_use_container).',
    example: 'let d = vfio.get_device_fd(g.fd, "0000:00:02.0")',
    run(m, args, ctx) {
      const r = ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_GROUP_GET_DEVICE_FD', strArg(args, 'name', ctx));
      return sysValue('open result', r, [], { fd: BigInt.asUintN(64, BigInt(r.ret)) });
    },
  },
  {
    name: 'vfio.get_info',
    actor: 'vfio',
    args: [fdArg('a container fd with a backend'), argsz(SIZEOF_IOMMU_TYPE1_INFO, 'struct vfio_iommu_type1_info')],
    returns: sysReturns('iommu info', 'ret 0 and what the kernel copied back, or the errno', {
      argsz: 'the size the whole answer needs: larger than the argsz given when the capabilities did not fit (call again with it)',
      flags: 'VFIO_IOMMU_INFO_PGSIZES (1) | VFIO_IOMMU_INFO_CAPS (2) when there are capabilities',
      iova_pgsizes: 'the page sizes every domain of the container supports (0x4020_1000: 4K, 2M, 1G on arm64_virt)',
      cap_offset: 'where the chain starts (24), 0 when it did not fit; nothing when argsz < 20',
      caps: 'the capability chain, when it fitted; nothing otherwise',
      'caps.migration': 'VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION (id 2), the first in the chain',
      'caps.migration.flags': 'its flags (0)',
      'caps.migration.pgsize_bitmap': 'the dirty-tracking page size: the smallest IOMMU page',
      'caps.migration.max_dirty_bitmap_size': 'DIRTY_BITMAP_SIZE_MAX, 256 MiB',
      'caps.dma_avail': 'VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL (id 3)',
      'caps.dma_avail.avail': 'how many more mappings dma_entry_limit (65535) allows',
      'caps.iova_range': 'VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE (id 1); nothing when the usable list is empty',
      'caps.iova_range.nr_iovas': 'how many usable IOVA ranges: range0, range1... up to nr_iovas - 1 (the checker knows range0 to range7)',
      ...IOVA_RANGE_FIELDS,
    }),
    doc: 'VFIO_IOMMU_GET_INFO (_IO(\';\', 100 + 12)): vfio_iommu_type1_get_info(). argsz < 16 is EINVAL. The answer ' +
      'is a struct vfio_iommu_type1_info and a capability chain (migration, DMA avail, IOVA ranges: the aperture ' +
      'minus every reserved region but direct-relaxable ones). With argsz = sizeof(info) = 24 (the default) the chain ' +
      'does not fit: the kernel sets VFIO_IOMMU_INFO_CAPS, raises argsz to what it needs and leaves cap_offset 0, ' +
      'and the caller asks again with that argsz, as QEMU\'s vfio_get_iommu_info() does.',
    example: 'let info = vfio.get_info(c.fd, argsz: 0x100)',
    run(m, args, ctx) {
      const r = ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_IOMMU_GET_INFO', { argsz: bigArg(args, 'argsz', ctx) });
      return sysValue('iommu info', r, ['argsz', 'flags', 'iova_pgsizes', 'cap_offset'], { caps: capsValue(r.out?.caps) });
    },
  },
  {
    name: 'vfio.map_dma',
    actor: 'vfio',
    args: [
      fdArg('a container fd with a backend'),
      { name: 'vaddr', type: U64, doc: 'the process address of the memory (process.mmap)' },
      { name: 'iova', type: U64, doc: 'the IOVA the device will use' },
      { name: 'size', type: U64, doc: 'bytes' },
      { name: 'flags', type: { t: 'word', words: Object.keys(MAP_FLAGS) }, default: { kind: 'word', word: 'rw' }, doc: 'VFIO_DMA_MAP_FLAG_READ (r), _WRITE (w), both (rw), _VADDR (vaddr), or none' },
      flagsRaw,
      argsz(MINSZ_DMA_MAP, 'struct vfio_iommu_type1_dma_map'),
    ],
    returns: sysReturns('sys result', '0, or the errno'),
    doc: 'VFIO_IOMMU_MAP_DMA (_IO(\';\', 100 + 13)): vfio_dma_do_map() checks, in 6.12\'s order, the flags, size 0 ' +
      'and alignment to the smallest IOMMU page, iova and vaddr wrap (EINVAL; EOVERFLOW on 7.2), an overlap ' +
      '(EEXIST), dma_entry_limit (ENOSPC), that [iova, iova + size - 1] lies inside one usable range ' +
      '(vfio_iommu_iova_dma_valid: EINVAL), then pins the pages (vfio_pin_pages_remote: EFAULT without memory, ' +
      'ENOMEM past RLIMIT_MEMLOCK) and maps them; a failure undoes all of it.',
    example: 'let r = vfio.map_dma(c.fd, vaddr: buf, iova: 0x10_0000, size: 64K, flags: rw)',
    run(m, args, ctx) {
      const arg = {
        argsz: bigArg(args, 'argsz', ctx), flags: flagsOf(args, MAP_FLAGS, ctx),
        vaddr: bigArg(args, 'vaddr', ctx), iova: bigArg(args, 'iova', ctx), size: bigArg(args, 'size', ctx),
      };
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_IOMMU_MAP_DMA', arg));
    },
  },
  {
    name: 'vfio.unmap_dma',
    actor: 'vfio',
    args: [
      fdArg('a container fd with a backend'),
      { name: 'iova', type: U64, doc: 'the first IOVA' },
      { name: 'size', type: U64, doc: 'bytes (0 with flags: all)' },
      { name: 'flags', type: { t: 'word', words: Object.keys(UNMAP_FLAGS) }, default: { kind: 'word', word: 'none' }, doc: 'none, VFIO_DMA_UNMAP_FLAG_ALL (all) or _VADDR (vaddr)' },
      flagsRaw,
      argsz(MINSZ_DMA_UNMAP, 'struct vfio_iommu_type1_dma_unmap'),
    ],
    returns: sysReturns('unmap result', '0 and the bytes unmapped, or the errno', { size: 'the bytes unmapped, as the kernel copies it back; nothing on failure' }),
    doc: 'VFIO_IOMMU_UNMAP_DMA (_IO(\';\', 100 + 14)): vfio_dma_do_unmap(). With a v2 container a range that starts ' +
      'or ends inside a mapping is EINVAL; every mapping inside goes, its pages unpinned and uncharged from locked_vm.',
    example: 'let u = vfio.unmap_dma(c.fd, iova: 0x10_0000, size: 64K)',
    run(m, args, ctx) {
      const arg = { argsz: bigArg(args, 'argsz', ctx), flags: flagsOf(args, UNMAP_FLAGS, ctx), iova: bigArg(args, 'iova', ctx), size: bigArg(args, 'size', ctx) };
      return sysValue('unmap result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_IOMMU_UNMAP_DMA', arg), ['size']);
    },
  },
];
