// The 2021 proposal, never merged (Linux 5.12 + Eric Auger's nesting series, VFIO v13 / IOMMU
// v15): the container ioctls a VMM used to hand a guest's stage 1 to the SMMU
// (VFIO_IOMMU_SET_PASID_TABLE, _CACHE_INVALIDATE, _SET_MSI_BINDING), the DMA_FAULT region's ring a
// VMM reads guest faults from, and the VM behind a nested domain's stage 2 so the guest.* builtins
// can build the guest's tables in the RAM MAP_DMA gave it. The model is src/model/vfio/nesting/ and
// src/model/host/nesting-*.ts; docs/nesting-2021-vs-iommufd.md compares it with iommufd.

import type { LabMachine } from '../../model/lab/machine';
import { VFIO_PCI_INDEX_TO_OFFSET } from '../../model/vfio/ioctl';
import {
  IOMMU_CACHE_INV_TYPE_DEV_IOTLB, IOMMU_CACHE_INV_TYPE_IOTLB, IOMMU_CACHE_INV_TYPE_PASID, IOMMU_FAULT_REASON,
  IOMMU_INV_ADDR_FLAGS_ARCHID, IOMMU_INV_ADDR_FLAGS_LEAF, IOMMU_INV_ADDR_FLAGS_PASID, IOMMU_INV_GRANU_ADDR,
  IOMMU_INV_GRANU_DOMAIN, IOMMU_INV_GRANU_PASID, IOMMU_INV_PASID_FLAGS_ARCHID, IOMMU_INV_PASID_FLAGS_PASID,
  IOMMU_PASID_CONFIG_ABORT, IOMMU_PASID_CONFIG_BYPASS, IOMMU_PASID_CONFIG_TRANSLATE, MINSZ_SET_MSI_BINDING,
  SIZEOF_PASID_TABLE_CONFIG, VFIO_IOMMU_BIND_MSI, VFIO_IOMMU_CACHE_INVALIDATE, VFIO_IOMMU_SET_MSI_BINDING,
  VFIO_IOMMU_SET_PASID_TABLE, VFIO_IOMMU_UNBIND_MSI, VFIO_PASID_TABLE_FLAG_SET, VFIO_PASID_TABLE_FLAG_UNSET,
} from '../../model/vfio/nesting/uapi';
import type { SysResult } from '../../model/vfio/vfio';
import type { ArgSpec, Builtin, CallContext } from '../registry-types';
import type { Value } from '../values';
import { bigArg, BOOL, boolArg, cdArg, handle, numArg, vmHandle, wordArg, type Args } from './common';
import { hostRuntime } from './host-runtime';
import { ensureHostSystem, sysCall, sysReturns, sysValue, U64_MAX } from './vfio-host';

const U64 = { t: 'int', min: 0n, max: U64_MAX } as const;
const U32 = { t: 'int', min: 0n, max: 0xffff_ffffn } as const;
const FD = { t: 'int', min: 0n, max: 0x7fff_ffffn } as const;
const LABEL = 'The 2021 proposal, never merged (Linux 5.12 + nesting series): kernel "5.12-nested" only. ';
const containerFd: ArgSpec = { name: 'fd', type: FD, doc: 'a container fd set with VFIO_TYPE1_NESTING_IOMMU' };
const flagsRaw: ArgSpec = { name: 'flags_raw', type: U32, default: null, doc: 'the flags as a number, instead of flags (to try bits the uapi does not define)' };
const argsz = (size: number, what: string): ArgSpec => ({
  name: 'argsz', type: U32, default: BigInt(size), doc: `the argument's size as the caller claims it (default ${size}, sizeof(${what}))`,
});

const CONFIGS: Readonly<Record<string, number>> = {
  translate: IOMMU_PASID_CONFIG_TRANSLATE, bypass: IOMMU_PASID_CONFIG_BYPASS, abort: IOMMU_PASID_CONFIG_ABORT,
};
const PASID_FLAGS: Readonly<Record<string, number>> = { set: VFIO_PASID_TABLE_FLAG_SET, unset: VFIO_PASID_TABLE_FLAG_UNSET };
const GRANU: Readonly<Record<string, number>> = { domain: IOMMU_INV_GRANU_DOMAIN, pasid: IOMMU_INV_GRANU_PASID, addr: IOMMU_INV_GRANU_ADDR };
const CACHES: Readonly<Record<string, number>> = {
  iotlb: IOMMU_CACHE_INV_TYPE_IOTLB, dev_iotlb: IOMMU_CACHE_INV_TYPE_DEV_IOTLB, pasid: IOMMU_CACHE_INV_TYPE_PASID,
};
const MSI_FLAGS: Readonly<Record<string, number>> = { bind: VFIO_IOMMU_BIND_MSI, unbind: VFIO_IOMMU_UNBIND_MSI };
/** VFIO_PCI_NUM_REGIONS (9): the first device-specific region is the DMA_FAULT one. */
const DMA_FAULT_REGION_INDEX = 9;

function ioctl(m: LabMachine, ctx: CallContext, fd: number, name: string, request: number, arg: unknown): SysResult {
  return sysCall(m, ctx, 'ioctl', name, { fd, arg }, (h) => h.ioctl(fd, request, arg));
}

function flagsOf(args: Args, table: Readonly<Record<string, number>>, ctx: CallContext): bigint {
  return args.flags_raw === null || args.flags_raw === undefined ? BigInt(table[wordArg(args, 'flags', ctx)]) : bigArg(args, 'flags_raw', ctx);
}

const REASONS = Object.fromEntries(Object.entries(IOMMU_FAULT_REASON).map(([k, v]) => [v, k])) as Record<number, string>;

export const NESTING_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'vfio.set_pasid_table',
    actor: 'vfio',
    args: [
      containerFd,
      { name: 'cd', type: handle('cd'), default: null, doc: 'the guest\'s CD (guest.cd): base_ptr becomes its IPA' },
      { name: 'base_ptr', type: U64, default: null, doc: 'the guest\'s CD table as a raw IPA, instead of cd (S1ContextPtr of the nested STE)' },
      { name: 'config', type: { t: 'word', words: Object.keys(CONFIGS) }, default: { kind: 'word', word: 'translate' }, doc: 'IOMMU_PASID_CONFIG_TRANSLATE (translate: guest stage 1 over stage 2), _BYPASS (bypass: stage 2 only) or _ABORT (abort)' },
      { name: 'pasid_bits', type: { t: 'int', min: 0n, max: 255n }, default: 0n, doc: 'log2 of the CD count; v15 supports one CD: anything but 0 is EINVAL' },
      { name: 'flags', type: { t: 'word', words: Object.keys(PASID_FLAGS) }, default: { kind: 'word', word: 'set' }, doc: 'VFIO_PASID_TABLE_FLAG_SET (set) or _UNSET (unset: back to stage 2 only)' },
      flagsRaw,
      { name: 'format', type: U32, default: 1n, doc: 'IOMMU_PASID_FORMAT_SMMUV3 (1)' },
      { name: 'version', type: U32, default: 1n, doc: 'PASID_TABLE_CFG_VERSION_1 and vendor_data.smmuv3.version (1)' },
      { name: 'config_argsz', type: U32, default: BigInt(SIZEOF_PASID_TABLE_CONFIG), doc: 'config.argsz (default 32, sizeof(struct iommu_pasid_table_config))' },
      argsz(8 + SIZEOF_PASID_TABLE_CONFIG, 'struct vfio_iommu_type1_set_pasid_table'),
    ],
    returns: sysReturns('sys result', '0, or the errno'),
    doc: LABEL + 'VFIO_IOMMU_SET_PASID_TABLE (_IO(\';\', 100 + 18)): vfio_iommu_type1_set_pasid_table() -> ' +
      'iommu_uapi_attach_pasid_table() -> arm_smmu_attach_pasid_table(): with translate, every device of the nested ' +
      'domain gets a nested STE (Config 0b111, S1ContextPtr = base_ptr, S1CDMax 0, stage 2 = the domain\'s VMID and ' +
      'table). EINVAL for a domain that is not nested (SET_IOMMU was not VFIO_TYPE1_NESTING_IOMMU), a second ' +
      'translate without unset or bypass first, pasid_bits other than 0, a wrong format or version.',
    example: 'let r = vfio.set_pasid_table(c.fd, base_ptr: 0x401f_b000, config: translate)',
    run(m, args, ctx) {
      const v = bigArg(args, 'version', ctx);
      const cd = args.cd === null || args.cd === undefined ? null : cdArg(m, args, 'cd', ctx);
      const basePtr = cd !== null ? BigInt(cd.ipa) : args.base_ptr === null || args.base_ptr === undefined ? 0n : bigArg(args, 'base_ptr', ctx);
      const arg = {
        argsz: bigArg(args, 'argsz', ctx), flags: flagsOf(args, PASID_FLAGS, ctx),
        config: {
          argsz: bigArg(args, 'config_argsz', ctx), version: v, base_ptr: basePtr, format: bigArg(args, 'format', ctx),
          pasid_bits: bigArg(args, 'pasid_bits', ctx), config: BigInt(CONFIGS[wordArg(args, 'config', ctx)]),
          vendor_data: { smmuv3: { version: v, s1fmt: 0n, s1dss: 0n } },
        },
      };
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_IOMMU_SET_PASID_TABLE', VFIO_IOMMU_SET_PASID_TABLE, arg));
    },
  },
  {
    name: 'vfio.cache_invalidate',
    actor: 'vfio',
    args: [
      containerFd,
      { name: 'granularity', type: { t: 'word', words: Object.keys(GRANU) }, default: { kind: 'word', word: 'addr' }, doc: 'IOMMU_INV_GRANU_DOMAIN (domain: everything), _PASID (pasid: one ASID) or _ADDR (addr: a range of one ASID)' },
      { name: 'archid', type: { t: 'int', min: 0n, max: 0xffff_ffffn }, default: null, doc: 'the guest\'s ASID (sets IOMMU_INV_*_FLAGS_ARCHID); left out: no ASID (addr: a global invalidation)' },
      { name: 'addr', type: U64, default: 0n, doc: 'addr: the first IOVA' },
      { name: 'granule_size', type: U64, default: 0x1000n, doc: 'addr: the granule, a power of two' },
      { name: 'nb_granules', type: U64, default: 1n, doc: 'addr: how many granules' },
      { name: 'leaf', type: BOOL, default: true, doc: 'addr: IOMMU_INV_ADDR_FLAGS_LEAF (only leaf entries changed)' },
      { name: 'pasid', type: U64, default: null, doc: 'a PASID (sets IOMMU_INV_*_FLAGS_PASID; v15 refuses it: ENOENT)' },
      { name: 'cache', type: { t: 'word', words: Object.keys(CACHES) }, default: { kind: 'word', word: 'iotlb' }, doc: 'IOMMU_CACHE_INV_TYPE_IOTLB (iotlb), _DEV_IOTLB or _PASID (both ENOENT in v15)' },
      { name: 'info_argsz', type: U32, default: 56n, doc: 'info.argsz (default 56, sizeof(struct iommu_cache_invalidate_info))' },
      argsz(8 + 56, 'struct vfio_iommu_type1_cache_invalidate'),
    ],
    returns: sysReturns('sys result', '0, or the errno'),
    doc: LABEL + 'VFIO_IOMMU_CACHE_INVALIDATE (_IO(\';\', 100 + 19)): the VMM forwards a guest TLB invalidation. ' +
      'vfio_iommu_type1_cache_invalidate() -> iommu_uapi_cache_invalidate() (iommu_check_cache_invl_data) -> ' +
      'arm_smmu_cache_invalidate(): addr with an ASID issues one CMD_TLBI_NH_VA per granule with the guest\'s ASID ' +
      'and the domain\'s VMID, pasid issues CMD_TLBI_NH_ASID, domain (or addr without an ASID) CMD_TLBI_NSNH_ALL; ' +
      'each request ends in CMD_SYNC. Forwarded once per device of the domain.',
    example: 'let r = vfio.cache_invalidate(c.fd, granularity: addr, archid: 7, addr: 0x10_0000, granule_size: 4K, nb_granules: 1)',
    run(m, args, ctx) {
      const granu = GRANU[wordArg(args, 'granularity', ctx)];
      const asid = args.archid === null || args.archid === undefined ? null : bigArg(args, 'archid', ctx);
      const pasid = args.pasid === null || args.pasid === undefined ? null : bigArg(args, 'pasid', ctx);
      const info: Record<string, unknown> = {
        argsz: bigArg(args, 'info_argsz', ctx), version: 1n, cache: BigInt(CACHES[wordArg(args, 'cache', ctx)]), granularity: BigInt(granu),
      };
      if (granu === IOMMU_INV_GRANU_ADDR) {
        const flags = (asid !== null ? IOMMU_INV_ADDR_FLAGS_ARCHID : 0) | (pasid !== null ? IOMMU_INV_ADDR_FLAGS_PASID : 0) |
          (boolArg(args, 'leaf', ctx) ? IOMMU_INV_ADDR_FLAGS_LEAF : 0);
        info.granu = { addr_info: {
          flags: BigInt(flags), archid: asid ?? 0n, pasid: pasid ?? 0n, addr: bigArg(args, 'addr', ctx),
          granule_size: bigArg(args, 'granule_size', ctx), nb_granules: bigArg(args, 'nb_granules', ctx),
        } };
      } else if (granu === IOMMU_INV_GRANU_PASID) {
        const flags = (asid !== null ? IOMMU_INV_PASID_FLAGS_ARCHID : 0) | (pasid !== null ? IOMMU_INV_PASID_FLAGS_PASID : 0);
        info.granu = { pasid_info: { flags: BigInt(flags), archid: asid ?? 0n, pasid: pasid ?? 0n } };
      }
      const arg = { argsz: bigArg(args, 'argsz', ctx), flags: 0n, info };
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_IOMMU_CACHE_INVALIDATE', VFIO_IOMMU_CACHE_INVALIDATE, arg));
    },
  },
  {
    name: 'vfio.set_msi_binding',
    actor: 'vfio',
    args: [
      containerFd,
      { name: 'iova', type: U64, doc: 'the guest\'s doorbell IOVA (gIOVA): what the guest\'s stage 1 maps to its doorbell' },
      { name: 'gpa', type: U64, default: 0n, doc: 'the guest\'s doorbell address (gDB), an IPA: where stage 2 will map the physical doorbell' },
      { name: 'size', type: U64, default: 0x1000n, doc: 'the guest\'s stage-1 granule for it (at most 4K here)' },
      { name: 'flags', type: { t: 'word', words: Object.keys(MSI_FLAGS) }, default: { kind: 'word', word: 'bind' }, doc: 'VFIO_IOMMU_BIND_MSI (bind) or _UNBIND_MSI (unbind)' },
      flagsRaw,
      argsz(MINSZ_SET_MSI_BINDING, 'struct vfio_iommu_type1_set_msi_binding'),
    ],
    returns: sysReturns('sys result', '0, or the errno'),
    doc: LABEL + 'VFIO_IOMMU_SET_MSI_BINDING (_IO(\';\', 100 + 20)): arm_smmu_bind_guest_msi() -> ' +
      'iommu_dma_bind_guest_msi() records gIOVA -> gDB in the domain\'s NESTED_MSI cookie. Nothing is mapped yet: ' +
      'when the host next sets up an MSI for a device of the domain (SET_IRQS), iommu_dma_prepare_msi() maps gDB onto ' +
      'the physical doorbell page in stage 2 and programs the device with gIOVA + the doorbell\'s offset. Without a ' +
      'binding that SET_IRQS fails (ENOSPC, "No usable S1 MSI mapping found").',
    example: 'let r = vfio.set_msi_binding(c.fd, iova: 0x800_0000, gpa: 0x809_0000, size: 4K)',
    run(m, args, ctx) {
      const arg = {
        argsz: bigArg(args, 'argsz', ctx), flags: flagsOf(args, MSI_FLAGS, ctx),
        iova: bigArg(args, 'iova', ctx), gpa: bigArg(args, 'gpa', ctx), size: bigArg(args, 'size', ctx),
      };
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_IOMMU_SET_MSI_BINDING', VFIO_IOMMU_SET_MSI_BINDING, arg));
    },
  },
  {
    name: 'vfio.fault_read',
    actor: 'vfio',
    args: [
      { name: 'fd', type: FD, doc: 'a device fd (vfio.get_device_fd)' },
      { name: 'consume', type: BOOL, default: true, doc: 'write tail + 1 back afterwards, as the VMM does once it has the entry' },
    ],
    returns: sysReturns('fault', 'the next fault record, or empty', {
      head: 'the ring\'s head as read (the kernel\'s producer index)', tail: 'the ring\'s tail as read (the VMM\'s consumer index)',
      nb_entries: 'the ring\'s size (512)', empty: 'true when tail == head: no fault waiting (the entry fields are then null)',
      type: 'struct iommu_fault.type: 1 = IOMMU_FAULT_DMA_UNRECOV', reason: 'event.reason (enum iommu_fault_reason: PTE_FETCH 5, PERMISSION 6, ACCESS 7, OOR_ADDRESS 8...)',
      reason_name: 'the reason\'s name without IOMMU_FAULT_REASON_: "PTE_FETCH"...', flags: 'event.flags: PASID_VALID 1, ADDR_VALID 2, FETCH_ADDR_VALID 4',
      pasid: 'event.pasid', perm: 'event.perm: READ 1, WRITE 2, EXEC 4, PRIV 8', addr: 'event.addr: the faulting input address (the guest\'s IOVA)',
      fetch_addr: 'event.fetch_addr (never filled in by the series)', tail_after: 'the tail written back (consume), else the tail as read',
    }),
    doc: LABEL + 'What a VMM does when the DMA_FAULT eventfd fires: pread() of the DMA_FAULT region (device region 9, ' +
      'struct vfio_region_dma_fault: tail @0, entry_size @4, nb_entries @8, offset @12, head @16), then the struct ' +
      'iommu_fault at offset + tail x entry_size (type @0, reason @8, flags @12, pasid @16, perm @20, addr @24, ' +
      'fetch_addr @32), then a pwrite() of the new tail (vfio_pci_dma_fault_rw()). Faults arrive there from ' +
      'arm_smmu_handle_evt() for the guest\'s stage-1 faults only; stage-2 faults stay with the host.',
    example: 'let f = vfio.fault_read(d.fd)',
    run(m, args, ctx) {
      const fd = numArg(args, 'fd', ctx);
      const consume = boolArg(args, 'consume', ctx);
      const base = VFIO_PCI_INDEX_TO_OFFSET(DMA_FAULT_REGION_INDEX);
      const fields: Record<string, Value> = {
        head: null, tail: null, nb_entries: null, empty: null, type: null, reason: null, reason_name: null, flags: null,
        pasid: null, perm: null, addr: null, fetch_addr: null, tail_after: null,
      };
      const r = sysCall(m, ctx, 'fault_read', undefined, { fd }, (h) => {
        const rd = (off: number, size = 4): bigint | SysResult => {
          const x = h.deviceRw(fd, base + BigInt(off), size);
          return x.errno !== 0 ? x : (x.out!.value as bigint);
        };
        const hdr = [0, 8, 12, 16, 4].map((o) => rd(o));
        const bad = hdr.find((x): x is SysResult => typeof x !== 'bigint');
        if (bad !== undefined) return bad;
        const [tail, nb, offset, head, entrySize] = hdr as bigint[];
        Object.assign(fields, { head, tail, nb_entries: nb, empty: tail === head, tail_after: tail });
        if (tail === head) return { ret: 0, errno: 0, log: [] };
        const at = Number(offset + tail * entrySize);
        const e = { type: rd(at), reason: rd(at + 8), flags: rd(at + 12), pasid: rd(at + 16), perm: rd(at + 20), addr: rd(at + 24, 8), fetch_addr: rd(at + 32, 8) };
        for (const v of Object.values(e)) if (typeof v !== 'bigint') return v;
        Object.assign(fields, e, { reason_name: REASONS[Number(e.reason as bigint)] ?? '' });
        if (consume) {
          const next = (tail + 1n) % nb;
          const w = h.deviceRw(fd, base, 4, next);
          if (w.errno !== 0) return w;
          fields.tail_after = next;
        }
        return { ret: 0, errno: 0, log: [] };
      });
      return sysValue('fault', r, [], fields);
    },
  },
  {
    name: 'host.guest_vm',
    actor: 'host',
    args: [containerFd],
    returns: { type: 'vm', doc: 'the VM whose stage 2 the container\'s nested domain is' },
    doc: LABEL + 'The nested domain\'s stage 2 as a VM: its VMID (the domain\'s) and its RAM, which is what MAP_DMA ' +
      'mapped (IPA = IOVA -> the pinned pages), so guest.s1.new, guest.s1.map and guest.cd build the guest\'s tables ' +
      'there by IPA. Needs host.kernel("5.12-nested"), host.platform(arm64_virt, smmu_stage: nested) and a ' +
      'container set with VFIO_TYPE1_NESTING_IOMMU with a group attached.',
    example: 'let vm = host.guest_vm(c.fd)',
    run(m, args, ctx) {
      const hs = ensureHostSystem(m, ctx);
      const fd = numArg(args, 'fd', ctx);
      const c = hs.vfio.containerOf(fd);
      if (c === undefined) return ctx.fail(`fd ${fd} is not a container fd`);
      const { nestedState } = hostRuntime(ctx);
      const d = c.driver?.domains.find((x) => nestedState(x.domain) !== undefined);
      if (d === undefined || hs.smmuDriver === null) {
        return ctx.fail('the container has no nested domain: host.kernel("5.12-nested"), smmu_stage: nested, and ' +
          'vfio.set_iommu(c.fd, VFIO_TYPE1_NESTING_IOMMU) after vfio.set_container');
      }
      try {
        return vmHandle(hs.smmuDriver.vmOf(d.domain));
      } catch (e) {
        if (e instanceof RangeError) return ctx.fail(e.message);
        throw e;
      }
    },
  },
];
