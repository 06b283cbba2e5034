// The iommufd uapi as a VMM uses it (upstream, Linux 6.13+; modelled as the 7.2 profile): /dev/iommu
// and its ioctls (include/uapi/linux/iommufd.h), the VFIO device cdev's BIND_IOMMUFD and
// ATTACH_IOMMUFD_PT (include/uapi/linux/vfio.h), and the guest's STE words a nested HWPT takes.
// Each call goes to the program's HostSystem (src/model/iommufd/ behind VfioHost), is recorded as a
// host call, and returns the kernel's answer as a record (vfio-host.ts). Struct sizes default to
// the 7.2 uapi's (src/model/iommufd/uapi.ts).

import type { LabMachine, LabVm } from '../../model/lab/machine';
import { encodeCmd } from '../../model/smmuv3/commands';
import {
  IOMMU_HWPT_ALLOC_NEST_PARENT, IOMMU_HWPT_DATA_ARM_SMMUV3, IOMMU_HWPT_DATA_NONE, IOMMU_IOAS_MAP_FIXED_IOVA,
  IOMMU_IOAS_MAP_READABLE, IOMMU_IOAS_MAP_WRITEABLE, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
  IOMMU_VIOMMU_TYPE_ARM_SMMUV3, SIZEOF_HWPT_ARM_SMMUV3, SIZEOF_VIOMMU_ARM_SMMUV3_INVALIDATE,
} from '../../model/iommufd/uapi';
import type { SysResult } from '../../model/vfio/vfio';
import type { ArgSpec, Builtin, CallContext } from '../registry-types';
import { record, type RecordValue, type Value } from '../values';
import { bigArg, boolArg, cdArg, handle, numArg, vmHandle, wordArg, type Args } from './common';
import { cmdSpec, SMMU_BUILTINS } from './smmu';
import { ensureHostSystem, sysCall, sysReturns, sysValue, U64_MAX } from './vfio-host';
import { STE_1_S1 } from '../../model/lab/machine';
import { STE_CFG } from '../../model/smmuv3/encode';

const LABEL = 'Upstream, Linux 6.13+ (modelled as 7.2).';
const U64 = { t: 'int', min: 0n, max: U64_MAX } as const;
const U32 = { t: 'int', min: 0n, max: 0xffff_ffffn } as const;
const FD = { t: 'int', min: 0n, max: 0x7fff_ffffn } as const;
const ifdArg: ArgSpec = { name: 'fd', type: FD, doc: 'the /dev/iommu fd (iommufd.open)' };
const id = (name: string, doc: string): ArgSpec => ({ name, type: U32, doc });
const size = (bytes: number, what: string): ArgSpec => ({
  name: 'size', type: U32, default: BigInt(bytes), doc: `the struct's size as the caller claims it (default ${bytes}, sizeof(${what}) in the 7.2 uapi)`,
});
const flagsRaw: ArgSpec = { name: 'flags_raw', type: U32, default: null, doc: 'the flags as a number, instead of flags (to try bits the uapi does not define)' };

/** struct iommu_ioas_map flags (iommufd.h: FIXED_IOVA 1, WRITEABLE 2, READABLE 4), as words. */
const MAP_FLAGS: Readonly<Record<string, number>> = {
  r: IOMMU_IOAS_MAP_READABLE, w: IOMMU_IOAS_MAP_WRITEABLE, rw: IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
  fixed_r: IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
  fixed_rw: IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
  none: 0,
};
/** struct iommu_hwpt_alloc flags (NEST_PARENT 1). */
const HWPT_FLAGS: Readonly<Record<string, number>> = { none: 0, nest_parent: IOMMU_HWPT_ALLOC_NEST_PARENT };
/** STE.Config (SMMUv3 §5.2; arm-smmu-v3.h STRTAB_STE_0_CFG_*) a guest may ask for. */
const STE_CONFIG: Readonly<Record<string, bigint>> = Object.fromEntries(Object.entries(STE_CFG).map(([k, v]) => [k, BigInt(v)]));

function ioctl(m: LabMachine, ctx: CallContext, fd: number, request: string, arg: unknown): SysResult {
  return sysCall(m, ctx, 'ioctl', request, { fd, arg }, (h) => h.ioctl(fd, request, arg));
}

function flagsOf(args: Args, table: Readonly<Record<string, number>>, ctx: CallContext): number {
  return args.flags_raw === null || args.flags_raw === undefined ? table[wordArg(args, 'flags', ctx)] : numArg(args, 'flags_raw', ctx);
}

const RANGE_FIELDS: Record<string, string> = {};
for (let i = 0; i < 8; i++) {
  RANGE_FIELDS[`range${i}`] = i === 0 ? 'the lowest allowed range (struct iommu_iova_range); null past num_iovas' : `range ${i}`;
  RANGE_FIELDS[`range${i}.start`] = 'its first IOVA';
  RANGE_FIELDS[`range${i}.last`] = 'its last IOVA (inclusive)';
}

const REC_FIELDS: Record<string, string> = {};
for (let i = 0; i < 4; i++) {
  const p = `rec${i}`;
  REC_FIELDS[p] = i === 0 ? 'the first record read (struct iommufd_vevent_header, then the event); null past n' : `record ${i}`;
  REC_FIELDS[`${p}.flags`] = 'IOMMU_VEVENTQ_FLAG_LOST_EVENTS (1): a header alone, events were dropped; else 0';
  REC_FIELDS[`${p}.sequence`] = 'the event\'s sequence number: a gap means lost events';
  REC_FIELDS[`${p}.id`] = 'the event\'s EventID, evt[0] bits [7:0] (F_TRANSLATION = 0x10); null for a lost-events header';
  REC_FIELDS[`${p}.sid`] = 'evt[0] bits [63:32]: the virtual StreamID (the vDEVICE\'s virt_id), not the physical one';
  REC_FIELDS[`${p}.input`] = 'evt[2]: InputAddr, the address the device presented';
  REC_FIELDS[`${p}.evt0`] = 'the raw event\'s first 64-bit word (evt1..evt3 the others)';
  REC_FIELDS[`${p}.evt1`] = 'word 1 (bit 39: S2, a stage-2 fault)';
  REC_FIELDS[`${p}.evt2`] = 'word 2';
  REC_FIELDS[`${p}.evt3`] = 'word 3';
}

interface Vevent { flags: number; sequence: number; evt?: bigint[] }
function veventValue(v: Vevent): RecordValue {
  const e = v.evt;
  return record('vevent', {
    flags: BigInt(v.flags), sequence: BigInt(v.sequence),
    id: e === undefined ? null : e[0] & 0xffn, sid: e === undefined ? null : e[0] >> 32n, input: e === undefined ? null : e[2],
    evt0: e?.[0] ?? null, evt1: e?.[1] ?? null, evt2: e?.[2] ?? null, evt3: e?.[3] ?? null,
  });
}

/** The last command before the CMD_SYNC at the Command queue's PROD: what the host issued. */
function lastIssued(m: LabMachine): RecordValue {
  const q = m.regs.cmdq;
  const entries = 1 << q.qs;
  const slot = (q.prod - 2 + 2 * entries) % entries;
  const pa = BigInt(m.cmdqBase + 16 * slot);
  const w0 = m.mem.load64(pa), w1 = m.mem.load64(pa + 8n);
  return record('command', { w0, w1, op: w0 & 0xffn, vmid: (w0 >> 32n) & 0xffffn, asid: w0 >> 48n });
}

const SMMU_CMD_ARGS = SMMU_BUILTINS.find((b) => b.name === 'smmu.cmd')!.args;

export const IOMMUFD_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'iommufd.open',
    actor: 'iommufd',
    args: [],
    returns: sysReturns('open result', 'the new fd, or the errno', { fd: 'the new file descriptor (the same as ret)' }),
    doc: `${LABEL} open(2) of /dev/iommu: a new iommufd context (struct iommufd_ctx) with its own object ids from 1. ` +
      'ENOENT on a kernel without iommufd. The device files are vfio.open("/dev/vfio/devices/vfioN"), N in the order ' +
      'host.pci_device declared the devices.',
    example: 'let io = iommufd.open()',
    run(m, _args, ctx) {
      const r = sysCall(m, ctx, 'open', undefined, { path: '/dev/iommu' }, (h) => h.open('/dev/iommu'));
      return sysValue('open result', r, [], { fd: BigInt.asUintN(64, BigInt(r.ret)) });
    },
  },
  {
    name: 'vfio.device_bind_iommufd',
    actor: 'vfio',
    args: [
      { name: 'fd', type: FD, doc: 'a device cdev fd (vfio.open("/dev/vfio/devices/vfio0"))' },
      { name: 'iommufd', type: FD, doc: 'the /dev/iommu fd' },
      { name: 'argsz', type: U32, default: 16n, doc: 'sizeof(struct vfio_device_bind_iommufd) = 16' },
    ],
    returns: sysReturns('bind result', 'ret 0 and the device\'s object id, or the errno', { out_devid: 'the device\'s iommufd object id (dev_id in later calls)' }),
    doc: `${LABEL} VFIO_DEVICE_BIND_IOMMUFD (_IO(';', 100 + 18)): vfio_df_ioctl_bind_iommufd(). EBUSY while the ` +
      'device\'s group is open through /dev/vfio/N (the legacy path), EBADFD if the fd is not /dev/iommu; then ' +
      'iommufd_device_bind() claims DMA ownership and makes the device object.',
    example: 'let b = vfio.device_bind_iommufd(d.fd, iommufd: 3)',
    run(m, args, ctx) {
      const r = ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: bigArg(args, 'argsz', ctx), flags: 0, iommufd: numArg(args, 'iommufd', ctx) });
      return sysValue('bind result', r, ['out_devid']);
    },
  },
  {
    name: 'vfio.device_attach_pt',
    actor: 'vfio',
    args: [
      { name: 'fd', type: FD, doc: 'a bound device cdev fd' },
      id('pt_id', 'an IOAS (the kernel makes an automatic HWPT), a paging HWPT, or a nested HWPT'),
      { name: 'argsz', type: U32, default: 12n, doc: 'sizeof(struct vfio_device_attach_iommufd_pt) up to pt_id = 12' },
    ],
    returns: sysReturns('attach result', 'ret 0 and the HWPT the device is attached to, or the errno', { pt_id: 'the HWPT id (for an IOAS, the automatic HWPT\'s)' }),
    doc: `${LABEL} VFIO_DEVICE_ATTACH_IOMMUFD_PT (_IO(';', 100 + 19)): iommufd_device_attach(), or replace when ` +
      'attached already. The group\'s reserved regions are reserved in the IOAS first; a translating nested HWPT ' +
      'needs a vDEVICE of the device on its vIOMMU (ENOENT). The driver then writes the STE.',
    example: 'vfio.device_attach_pt(d.fd, pt_id: 6)',
    run(m, args, ctx) {
      const r = ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: bigArg(args, 'argsz', ctx), flags: 0, pt_id: numArg(args, 'pt_id', ctx) });
      return sysValue('attach result', r, ['pt_id']);
    },
  },
  {
    name: 'iommufd.ioas_alloc',
    actor: 'iommufd',
    args: [ifdArg, size(12, 'struct iommu_ioas_alloc')],
    returns: sysReturns('ioas result', 'ret 0 and the new IOAS, or the errno', { out_ioas_id: 'the IOAS\'s object id' }),
    doc: `${LABEL} IOMMU_IOAS_ALLOC (0x3b81): an empty I/O address space, iommufd_ioas_alloc_ioctl().`,
    example: 'let ioas = iommufd.ioas_alloc(3)',
    run(m, args, ctx) {
      return sysValue('ioas result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'IOMMU_IOAS_ALLOC', { size: bigArg(args, 'size', ctx), flags: 0 }), ['out_ioas_id']);
    },
  },
  {
    name: 'iommufd.ioas_map',
    actor: 'iommufd',
    args: [
      ifdArg, id('ioas_id', 'the IOAS'),
      { name: 'user_va', type: U64, doc: 'the process address of the memory (process.mmap)' },
      { name: 'length', type: U64, doc: 'bytes' },
      { name: 'iova', type: U64, default: 0n, doc: 'the IOVA, with a fixed_* flag; otherwise the kernel picks one' },
      { name: 'flags', type: { t: 'word', words: Object.keys(MAP_FLAGS) }, default: { kind: 'word', word: 'fixed_rw' }, doc: 'IOMMU_IOAS_MAP_READABLE (r), _WRITEABLE (w), both (rw), with _FIXED_IOVA (fixed_r, fixed_rw), or none' },
      flagsRaw, size(40, 'struct iommu_ioas_map'),
    ],
    returns: sysReturns('ioas map result', 'ret 0 and the IOVA used, or the errno', { iova: 'the IOVA the range went to (the one given with FIXED_IOVA)' }),
    doc: `${LABEL} IOMMU_IOAS_MAP (0x3b85): iommufd_ioas_map() pins the pages (charging locked_vm) and maps them in ` +
      'every HWPT of the IOAS: for a nest parent that is the stage-2 table the SMMU walks. Neither READABLE nor ' +
      'WRITEABLE is EINVAL; a fixed IOVA range that meets a reserved region (the SW_MSI window once a device is ' +
      'attached) is EINVAL, one over a mapping EEXIST (iopt_check_iova).',
    example: 'let mp = iommufd.ioas_map(3, ioas_id: 2, user_va: buf, length: 2M, iova: 0x4000_0000)',
    run(m, args, ctx) {
      const arg = {
        size: bigArg(args, 'size', ctx), flags: flagsOf(args, MAP_FLAGS, ctx), ioas_id: numArg(args, 'ioas_id', ctx),
        user_va: bigArg(args, 'user_va', ctx), length: bigArg(args, 'length', ctx), iova: bigArg(args, 'iova', ctx),
      };
      return sysValue('ioas map result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'IOMMU_IOAS_MAP', arg), ['iova']);
    },
  },
  {
    name: 'iommufd.ioas_unmap',
    actor: 'iommufd',
    args: [
      ifdArg, id('ioas_id', 'the IOAS'),
      { name: 'iova', type: U64, doc: 'the first IOVA (0 with length 0xffff_ffff_ffff_ffff: everything)' },
      { name: 'length', type: U64, doc: 'bytes' },
      size(24, 'struct iommu_ioas_unmap'),
    ],
    returns: sysReturns('ioas unmap result', 'ret 0 and the bytes unmapped, or the errno', { length: 'the bytes unmapped' }),
    doc: `${LABEL} IOMMU_IOAS_UNMAP (0x3b86): iommufd_ioas_unmap(); a range that cuts a mapping is ENOENT (iopt_unmap_iova_range).`,
    example: 'let um = iommufd.ioas_unmap(3, ioas_id: 2, iova: 0x4000_0000, length: 2M)',
    run(m, args, ctx) {
      const arg = { size: bigArg(args, 'size', ctx), ioas_id: numArg(args, 'ioas_id', ctx), iova: bigArg(args, 'iova', ctx), length: bigArg(args, 'length', ctx) };
      return sysValue('ioas unmap result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'IOMMU_IOAS_UNMAP', arg), ['length']);
    },
  },
  {
    name: 'iommufd.iova_ranges',
    actor: 'iommufd',
    args: [ifdArg, id('ioas_id', 'the IOAS'), { name: 'num_iovas', type: U32, default: 8n, doc: 'room for this many ranges' }, size(32, 'struct iommu_ioas_iova_ranges')],
    returns: sysReturns('iova ranges', 'ret 0 and the allowed ranges, or the errno (EMSGSIZE: num_iovas was too small; num_iovas says how many)', {
      num_iovas: 'how many allowed ranges there are', out_iova_alignment: 'the IOVA alignment every map must keep', ...RANGE_FIELDS,
    }),
    doc: `${LABEL} IOMMU_IOAS_IOVA_RANGES (0x3b84): iommufd_ioas_iova_ranges(): the IOVAs a map may use, every ` +
      'attached device\'s reserved regions (the SW_MSI window 0x800_0000..0x80f_ffff on Arm) taken out.',
    example: 'let rg = iommufd.iova_ranges(3, ioas_id: 2)',
    run(m, args, ctx) {
      const r = ioctl(m, ctx, numArg(args, 'fd', ctx), 'IOMMU_IOAS_IOVA_RANGES', { size: bigArg(args, 'size', ctx), ioas_id: numArg(args, 'ioas_id', ctx), num_iovas: numArg(args, 'num_iovas', ctx) });
      const ranges = (r.out?.allowed_iovas as { start: bigint; last: bigint }[] | undefined) ?? [];
      const extra: Record<string, Value> = {};
      for (let i = 0; i < 8; i++) extra[`range${i}`] = ranges[i] === undefined ? null : record('iova range', { start: ranges[i].start, last: ranges[i].last });
      return sysValue('iova ranges', r, ['num_iovas', 'out_iova_alignment'], extra);
    },
  },
  {
    name: 'guest.ste',
    actor: 'guest',
    args: [
      { name: 'cd', type: handle('cd'), default: null, doc: 'the guest\'s CD (guest.cd): S1ContextPtr is its IPA; needed for config s1' },
      { name: 'config', type: { t: 'word', words: Object.keys(STE_CONFIG) }, default: { kind: 'word', word: 's1' }, doc: 'STE.Config: s1 (0b101), bypass (0b100), abort (0b000); s2 and nested are for trying what the host refuses' },
      { name: 'valid', type: { t: 'bool' }, default: true, doc: 'STE.V' },
    ],
    returns: { type: 'guest ste', doc: 'the first two 64-bit words of the guest\'s STE', fields: { w0: 'word 0: V, Config [3:1], S1Fmt [5:4] = 0 (linear), S1ContextPtr [51:6], S1CDMax [63:59] = 0', w1: 'word 1: S1DSS [1:0] = SSID0 (0b10), S1CIR [3:2] = S1COR [5:4] = WBRA (0b01), S1CSH [7:6] = ISH (0b11)' } },
    doc: 'The STE the guest\'s arm-smmu-v3 driver writes for a device with its CD table (arm_smmu_make_cdtable_ste(): ' +
      'one CD, linear, no ATS, STRW NS-EL1), in the guest\'s vSMMU stream table. Nothing is written: the VMM traps the ' +
      'guest\'s CFGI_STE and passes these two words to IOMMU_HWPT_ALLOC (iommufd.hwpt_alloc ste0/ste1).',
    example: 'let gste = guest.ste(cd: cd)',
    run(m, args, ctx) {
      const cfg = STE_CONFIG[wordArg(args, 'config', ctx)];
      let ptr = 0n;
      if (args.cd !== null && args.cd !== undefined) ptr = BigInt(cdArg(m, args, 'cd', ctx).ipa);
      else if (cfg === STE_CONFIG.s1) ctx.fail('guest.ste with config s1 needs the CD (cd: ...): S1ContextPtr points to it');
      const w0 = (boolArg(args, 'valid', ctx) ? 1n : 0n) | (cfg << 1n) | (ptr & ((1n << 52n) - 1n) & ~0x3fn);
      const w1 = cfg === STE_CONFIG.s1 ? STE_1_S1 : 0n;
      return record('guest ste', { w0, w1 });
    },
  },
  {
    name: 'iommufd.hwpt_alloc',
    actor: 'iommufd',
    args: [
      ifdArg, id('dev_id', 'the bound device (vfio.device_bind_iommufd\'s out_devid)'),
      id('pt_id', 'an IOAS (a paging HWPT), or a vIOMMU (a nested HWPT with the guest\'s STE)'),
      { name: 'flags', type: { t: 'word', words: Object.keys(HWPT_FLAGS) }, default: { kind: 'word', word: 'none' }, doc: 'IOMMU_HWPT_ALLOC_NEST_PARENT (nest_parent): a stage-2 domain a vIOMMU can sit on' },
      flagsRaw,
      { name: 'ste0', type: U64, default: null, doc: 'the guest STE\'s word 0: with ste1, data_type IOMMU_HWPT_DATA_ARM_SMMUV3 (2), struct iommu_hwpt_arm_smmuv3' },
      { name: 'ste1', type: U64, default: null, doc: 'the guest STE\'s word 1' },
      size(48, 'struct iommu_hwpt_alloc'),
    ],
    returns: sysReturns('hwpt result', 'ret 0 and the new HWPT, or the errno', {
      out_hwpt_id: 'the HWPT\'s object id',
      vm: 'a nest parent: the VM whose stage 2 it is (its VMID, its guest RAM for the guest.* calls); null otherwise',
    }),
    doc: `${LABEL} IOMMU_HWPT_ALLOC (0x3b89): on an IOAS a paging domain, stage 2 with nest_parent (the SMMU's ` +
      'VMID from 1, EOPNOTSUPP without both stages); on a vIOMMU a nested domain holding the guest\'s STE words, ' +
      'checked by arm_smmu_validate_vste(): a bit outside the allowed fields, Config other than abort/bypass/S1, is EIO.',
    example: 'let s2 = iommufd.hwpt_alloc(3, dev_id: 1, pt_id: 2, flags: nest_parent)',
    run(m, args, ctx) {
      const nested = args.ste0 !== null && args.ste0 !== undefined;
      const arg: Record<string, unknown> = {
        size: bigArg(args, 'size', ctx), flags: flagsOf(args, HWPT_FLAGS, ctx), dev_id: numArg(args, 'dev_id', ctx), pt_id: numArg(args, 'pt_id', ctx),
        data_type: nested ? IOMMU_HWPT_DATA_ARM_SMMUV3 : IOMMU_HWPT_DATA_NONE,
      };
      if (nested) {
        arg.data_len = SIZEOF_HWPT_ARM_SMMUV3;
        arg.data = { ste: [bigArg(args, 'ste0', ctx), args.ste1 === null ? 0n : bigArg(args, 'ste1', ctx)] };
      }
      const before = m.vms.length;
      const r = ioctl(m, ctx, numArg(args, 'fd', ctx), 'IOMMU_HWPT_ALLOC', arg);
      // A nest parent's stage 2 is a LabMachine VM (iommufd/lab-hw.ts): the one the call made.
      const vm: LabVm | undefined = m.vms.length > before ? m.vms[m.vms.length - 1] : undefined;
      return sysValue('hwpt result', r, ['out_hwpt_id'], { vm: vm === undefined ? null : vmHandle(vm) });
    },
  },
  {
    name: 'iommufd.viommu_alloc',
    actor: 'iommufd',
    args: [ifdArg, id('dev_id', 'a bound device behind the SMMU'), id('hwpt_id', 'the nest parent HWPT'), size(24, 'struct iommu_viommu_alloc')],
    returns: sysReturns('viommu result', 'ret 0 and the new vIOMMU, or the errno', { out_viommu_id: 'the vIOMMU\'s object id' }),
    doc: `${LABEL} IOMMU_VIOMMU_ALLOC (0x3b90), type IOMMU_VIOMMU_TYPE_ARM_SMMUV3 (1): the guest's vSMMU; it takes ` +
      'the nest parent\'s VMID (arm_vsmmu_init()). ENOTTY on 6.12, whose uapi has no vIOMMU.',
    example: 'let vi = iommufd.viommu_alloc(3, dev_id: 1, hwpt_id: 3)',
    run(m, args, ctx) {
      const arg = { size: bigArg(args, 'size', ctx), flags: 0, type: IOMMU_VIOMMU_TYPE_ARM_SMMUV3, dev_id: numArg(args, 'dev_id', ctx), hwpt_id: numArg(args, 'hwpt_id', ctx) };
      return sysValue('viommu result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'IOMMU_VIOMMU_ALLOC', arg), ['out_viommu_id']);
    },
  },
  {
    name: 'iommufd.vdevice_alloc',
    actor: 'iommufd',
    args: [ifdArg, id('viommu_id', 'the vIOMMU'), id('dev_id', 'the bound device'), { name: 'virt_id', type: U64, doc: 'the guest\'s StreamID for the device (vSID)' }, size(24, 'struct iommu_vdevice_alloc')],
    returns: sysReturns('vdevice result', 'ret 0 and the new vDEVICE, or the errno', { out_vdevice_id: 'the vDEVICE\'s object id' }),
    doc: `${LABEL} IOMMU_VDEVICE_ALLOC (0x3b91): the device as the guest names it, vSID = virt_id; the vIOMMU ` +
      'turns vSIDs in guest commands into the pSID and pSIDs in events into the vSID. EEXIST for a vSID in use.',
    example: 'let vd = iommufd.vdevice_alloc(3, viommu_id: 4, dev_id: 1, virt_id: 8)',
    run(m, args, ctx) {
      const arg = { size: bigArg(args, 'size', ctx), viommu_id: numArg(args, 'viommu_id', ctx), dev_id: numArg(args, 'dev_id', ctx), virt_id: bigArg(args, 'virt_id', ctx) };
      return sysValue('vdevice result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'IOMMU_VDEVICE_ALLOC', arg), ['out_vdevice_id']);
    },
  },
  {
    name: 'iommufd.invalidate',
    actor: 'iommufd',
    args: [
      ifdArg, id('hwpt_id', 'the vIOMMU (its id: vIOMMU invalidation)'),
      ...SMMU_CMD_ARGS,
      { name: 'entry_len', type: U32, default: BigInt(SIZEOF_VIOMMU_ARM_SMMUV3_INVALIDATE), doc: 'the size of one entry (16, struct iommu_viommu_arm_smmuv3_invalidate)' },
      size(32, 'struct iommu_hwpt_invalidate'),
    ],
    returns: sysReturns('invalidate result', 'ret 0, or the errno', {
      entry_num: 'how many entries the kernel handled (1, or 0 when it refused the command)',
      issued: 'the command as the host put it in the Command queue (the last one before its CMD_SYNC); null on failure',
      'issued.w0': 'its first 64-bit word', 'issued.w1': 'its second word',
      'issued.op': 'the opcode, w0 bits [7:0]', 'issued.vmid': 'VMID, w0 bits [47:32]', 'issued.asid': 'ASID, w0 bits [63:48]',
    }),
    doc: `${LABEL} IOMMU_HWPT_INVALIDATE (0x3b8d) on a vIOMMU, data type IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 ` +
      '(1): one raw guest command, encoded as smmu.cmd encodes it (SMMUv3 §4). arm_vsmmu_convert_user_cmd() forces ' +
      'the VMID of TLBI_NH_* to the vIOMMU\'s, turns TLBI_NSNH_ALL into TLBI_NH_ALL, and the vSID of CFGI_CD and ' +
      'ATC_INV into the pSID; any other opcode is EIO. The host issues it on its Command queue with a CMD_SYNC.',
    example: 'let inv = iommufd.invalidate(3, hwpt_id: 4, op: CMD_TLBI_NH_VA, vmid: 0, asid: 3, addr: 0x1000, leaf: true)',
    run(m, args, ctx) {
      const cmd = encodeCmd(cmdSpec(wordArg(args, 'op', ctx), args, ctx));
      const arg = {
        size: bigArg(args, 'size', ctx), hwpt_id: numArg(args, 'hwpt_id', ctx), data_type: IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
        entry_len: numArg(args, 'entry_len', ctx), entries: [cmd],
      };
      const r = ioctl(m, ctx, numArg(args, 'fd', ctx), 'IOMMU_HWPT_INVALIDATE', arg);
      return sysValue('invalidate result', r, ['entry_num'], { issued: r.errno === 0 ? lastIssued(m) : null });
    },
  },
  {
    name: 'iommufd.veventq_alloc',
    actor: 'iommufd',
    args: [ifdArg, id('viommu_id', 'the vIOMMU'), { name: 'depth', type: U32, default: 16n, doc: 'veventq_depth: how many events it holds before it drops' }, size(32, 'struct iommu_veventq_alloc')],
    returns: sysReturns('veventq result', 'ret 0, the vEVENTQ and its fd, or the errno', { out_veventq_id: 'its object id', out_veventq_fd: 'the fd to read events from (iommufd.veventq_read)' }),
    doc: `${LABEL} IOMMU_VEVENTQ_ALLOC (0x3b93), type IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 (1): where the SMMU's events for ` +
      'the vIOMMU\'s devices go (arm_smmu_handle_event() -> iommufd_viommu_report_event()), with the vSID. One per ' +
      'type per vIOMMU (EEXIST). Since 6.15.',
    example: 'let q = iommufd.veventq_alloc(3, viommu_id: 4)',
    run(m, args, ctx) {
      const arg = { size: bigArg(args, 'size', ctx), flags: 0, viommu_id: numArg(args, 'viommu_id', ctx), type: IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, veventq_depth: numArg(args, 'depth', ctx) };
      return sysValue('veventq result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'IOMMU_VEVENTQ_ALLOC', arg), ['out_veventq_id', 'out_veventq_fd']);
    },
  },
  {
    name: 'iommufd.veventq_read',
    actor: 'iommufd',
    args: [{ name: 'fd', type: FD, doc: 'the vEVENTQ fd (out_veventq_fd)' }, { name: 'count', type: U32, default: 4096n, doc: 'the buffer size in bytes' }],
    returns: sysReturns('veventq read', 'ret = the bytes read (8 per header, + 32 per event), or the errno', { n: 'how many records were read', ...REC_FIELDS }),
    doc: `${LABEL} read(2) of a vEVENTQ fd (iommufd_veventq_fops_read()): whole records only, oldest first. The ` +
      'host\'s event-queue thread runs first (arm_smmu_evtq_thread(): it has, by the time the VMM reads), so an ' +
      'event a DMA left in the SMMU\'s Event queue is here if it was a guest\'s stage-1 event of a device attached nested.',
    example: 'let ev = iommufd.veventq_read(6)',
    run(m, args, ctx) {
      const fd = numArg(args, 'fd', ctx), count = numArg(args, 'count', ctx);
      ensureHostSystem(m, ctx).serviceEvents();
      const r = sysCall(m, ctx, 'read', undefined, { fd, count }, (h) => h.readFd(fd, count));
      const recs = (r.out?.records as Vevent[] | undefined) ?? [];
      const extra: Record<string, Value> = { n: r.errno === 0 ? BigInt(recs.length) : null };
      for (let i = 0; i < 4; i++) extra[`rec${i}`] = recs[i] === undefined ? null : veventValue(recs[i]);
      return sysValue('veventq read', r, [], extra);
    },
  },
  {
    name: 'iommufd.destroy',
    actor: 'iommufd',
    args: [ifdArg, id('id', 'the object')],
    returns: sysReturns('sys result', '0, or the errno'),
    doc: `${LABEL} IOMMU_DESTROY (0x3b80): iommufd_object_remove(); ENOENT for no such object, EBUSY while another ` +
      'object or an attached device holds it (a vIOMMU its nest parent, an attached device its HWPT).',
    example: 'let dd = iommufd.destroy(3, id: 7)',
    run(m, args, ctx) {
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'IOMMU_DESTROY', { size: 8, id: numArg(args, 'id', ctx) }));
    },
  },
];
