// Declarations of the host side, before its first system call: the platform and its firmware's
// reserved ranges, the kernel profile, the PCI devices and their IOMMU groups, the calling
// process. They fill LabMachine.hostSpec (plain data); the first vfio, process or sysfs call builds the
// host from it (vfio-host.ts), after which a declaration is a runtime error.
// Platform facts: src/model/iommu/platform.ts and docs/host-side.md.

import type { LabMachine } from '../../model/lab/machine';
import { kernelProfile, KERNEL_PROFILES } from '../../model/vfio/profile';
import type { Builtin } from '../registry-types';
import { BOOL, bigArg, boolArg, numArg, strArg, wordArg, type Args } from './common';
import { declaring, U64_MAX } from './vfio-host';
import type { CallContext } from '../registry-types';
import { PCI_BDF } from '../../model/host/rid';

const IOVA = { t: 'int', min: 0n, max: U64_MAX - 0xfffn, align: 0x1000n } as const;
const LEN = { t: 'int', min: 0x1000n, max: 1n << 63n, align: 0x1000n } as const;
const DEV_ARG = { name: 'dev', type: { t: 'str' }, doc: 'the PCI address of the device it names (declared with host.pci_device)' } as const;

function bdfArg(args: Args, name: string, ctx: CallContext): string {
  const bdf = strArg(args, name, ctx).toLowerCase();
  if (!PCI_BDF.test(bdf)) ctx.fail(`"${bdf}" is not a PCI address like "0000:00:02.0" (segment:bus:device.function)`);
  return bdf;
}

/** The device a firmware range names: it must be declared already. */
function declaredDev(m: LabMachine, args: Args, ctx: CallContext): string {
  const bdf = bdfArg(args, 'dev', ctx);
  if (!m.hostSpec.devices.some((d) => d.bdf === bdf)) ctx.fail(`no device ${bdf} is declared: host.pci_device("${bdf}", group: N) first`);
  return bdf;
}

function needMachine(m: LabMachine, machine: 'arm64-virt' | 'x86-vtd', what: string, ctx: CallContext): void {
  if (m.hostSpec.platform.machine !== machine) {
    ctx.fail(`${what} exist on ${machine} only; the platform is ${m.hostSpec.platform.machine} (host.platform)`);
  }
}


export const HOST_DECL_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'host.platform',
    actor: 'host',
    args: [
      { name: 'machine', type: { t: 'word', words: ['arm64_virt', 'x86_vtd'] }, doc: 'arm64_virt (QEMU virt with an SMMUv3) or x86_vtd (Intel VT-d, 48-bit)' },
      { name: 'smmu_stage', type: { t: 'word', words: ['s1', 's2', 'nested'] }, default: { kind: 'word', word: 's1' }, doc: 'arm64_virt: the stage the kernel\'s domains use: s1 (48-bit IOVAs), s2 (44-bit), or nested (an SMMU with both; domains use stage 1)' },
      { name: 'isolated_msi', type: BOOL, default: true, doc: 'MSIs are isolated: a GICv3 ITS on arm64_virt, interrupt remapping on x86_vtd; false: VFIO refuses the group (EPERM) unless allow_unsafe_interrupts' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'Declare the host\'s platform, as the ioctl script\'s "platform" does (formats/ioctl-script.md). arm64_virt: ' +
      'arm_smmu_get_resv_regions() gives every device the software MSI window, IOMMU_RESV_SW_MSI at MSI_IOVA_BASE ' +
      '0x800_0000, 1 MiB; domains take 4K, 2M and 1G pages. x86_vtd: intel_iommu_get_resv_regions() gives the ' +
      'interrupt window 0xfee0_0000..0xfeef_ffff as IOMMU_RESV_MSI. Default: arm64_virt, stage 1. Only before the ' +
      'host runs (its first vfio, process or sysfs call).',
    example: 'host.platform(arm64_virt, smmu_stage: s1)',
    run(m, args, ctx) {
      declaring(m, 'host.platform', ctx);
      const machine = wordArg<'arm64_virt' | 'x86_vtd'>(args, 'machine', ctx) === 'arm64_virt' ? 'arm64-virt' : 'x86-vtd';
      const p = m.hostSpec.platform;
      if (machine === 'x86-vtd' && ((p.rmrs?.length ?? 0) > 0 || (p.reserved?.length ?? 0) > 0)) ctx.fail('IORT RMRs or reserved ranges are declared: those are arm64_virt\'s');
      if (machine === 'arm64-virt' && (p.rmrrs?.length ?? 0) > 0) ctx.fail('RMRRs are declared: those are x86_vtd\'s');
      const isolated = boolArg(args, 'isolated_msi', ctx);
      m.hostSpec.platform = {
        ...p, machine, smmuStage: wordArg<'s1' | 's2' | 'nested'>(args, 'smmu_stage', ctx), its: isolated, interruptRemapping: isolated,
      };
      return null;
    },
  },
  {
    name: 'host.kernel',
    actor: 'host',
    args: [{ name: 'version', type: { t: 'str' }, doc: `the kernel profile: ${Object.keys(KERNEL_PROFILES).map((k) => `"${k}"`).join(' or ')}` }],
    returns: { type: 'nothing', doc: '' },
    doc: 'Declare which kernel\'s uapi, order of checks and errnos the host follows (src/model/vfio/profile.ts): ' +
      '"6.12" (an LTS release, the default) or "7.2", where VFIO_TYPE1_NESTING_IOMMU is retired and a wrapping ' +
      'MAP_DMA returns EOVERFLOW instead of EINVAL. Only before the host runs.',
    example: 'host.kernel("6.12")',
    run(m, args, ctx) {
      declaring(m, 'host.kernel', ctx);
      const v = strArg(args, 'version', ctx);
      const p = kernelProfile(v);
      if (p === null) return ctx.fail(`kernel "${v}" is not modelled: use ${Object.keys(KERNEL_PROFILES).map((k) => `"${k}"`).join(' or ')}`);
      m.hostSpec.kernel = p.id;
      return null;
    },
  },
  {
    name: 'host.pci_device',
    actor: 'host',
    args: [
      { name: 'bdf', type: { t: 'str' }, doc: 'the PCI address, segment:bus:device.function ("0000:00:02.0")' },
      { name: 'group', type: { t: 'int', min: 0n, max: 0xffffn }, doc: 'its IOMMU group: /dev/vfio/N and /sys/kernel/iommu_groups/N' },
      { name: 'driver', type: { t: 'str' }, default: 'vfio-pci', doc: 'the bound driver: "vfio-pci", "pcieport" or "pci-stub" (they leave DMA ownership to VFIO), any other name a kernel driver using the DMA API, "" none' },
      { name: 'class_code', type: { t: 'int', min: 0n, max: 0xff_ffffn }, default: 0x00ff00n, doc: 'the PCI class code; VT-d treats RMRRs of USB (0x0c03xx) and display (0x03xxxx) devices as relaxable' },
      { name: 'model', type: { t: 'word', words: ['none', 'edu'] }, default: { kind: 'word', word: 'none' }, doc: 'the device model behind it: edu (QEMU\'s hw/misc/edu.c: its device fd ioctls, BAR0, DMA engine and MSI work, see vfio.device_info and edu.dma) or none (groups and mappings only)' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'Declare a PCI function of the host and its IOMMU group, as the ioctl script\'s "devices" do. Bound to ' +
      'vfio-pci, its group appears as /dev/vfio/N; a group whose other device a kernel driver holds is not viable ' +
      '(iommu_group_claim_dma_owner, EPERM). model: edu puts QEMU\'s edu device behind it, so its device fd answers ' +
      'VFIO_DEVICE_* ioctls and edu.dma / edu.irq make it DMA and raise its MSI. Not the same as host.assign, which ' +
      'gives the SMMU model a StreamID. ' +
      'Only before the host runs.',
    example: 'host.pci_device("0000:00:02.0", group: 2)',
    run(m, args, ctx) {
      declaring(m, 'host.pci_device', ctx);
      const bdf = bdfArg(args, 'bdf', ctx);
      if (m.hostSpec.devices.some((d) => d.bdf === bdf)) ctx.fail(`device ${bdf} is declared already`);
      m.hostSpec.devices.push({
        bdf, group: numArg(args, 'group', ctx), driver: strArg(args, 'driver', ctx), classCode: numArg(args, 'class_code', ctx),
        ...(wordArg(args, 'model', ctx) === 'edu' ? { model: 'edu' } : {}),
      });
      return null;
    },
  },
  {
    name: 'host.rmr',
    actor: 'host',
    args: [
      { name: 'base', type: IOVA, doc: 'the RMR\'s first address (an IOVA that the firmware maps 1:1)' },
      { name: 'size', type: LEN, doc: 'bytes' },
      DEV_ARG,
      { name: 'remap_permitted', type: BOOL, default: false, doc: 'ACPI_IORT_RMR_REMAP_PERMITTED: the OS may drop the 1:1 mapping (then IOMMU_RESV_DIRECT_RELAXABLE)' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'An ACPI IORT RMR node (arm64_virt) naming the device: iort_get_rmr_sids() makes it a reserved region of ' +
      'type IOMMU_RESV_DIRECT, or IOMMU_RESV_DIRECT_RELAXABLE when remapping is permitted. VFIO then refuses to ' +
      'attach the group over an existing mapping of that range (vfio_iommu_resv_conflict) and keeps the range out ' +
      'of the usable IOVAs; a DIRECT device also cannot be given the blocking domain, so its group cannot join a ' +
      'container at all (require_direct, EINVAL). Only before the host runs.',
    example: 'host.rmr(base: 0x1000_0000, size: 64K, dev: "0000:00:02.0", remap_permitted: true)',
    run(m, args, ctx) {
      declaring(m, 'host.rmr', ctx);
      needMachine(m, 'arm64-virt', 'IORT RMRs', ctx);
      const dev = declaredDev(m, args, ctx);
      const p = m.hostSpec.platform;
      p.rmrs = [...(p.rmrs ?? []), { base: bigArg(args, 'base', ctx), length: bigArg(args, 'size', ctx), remapPermitted: boolArg(args, 'remap_permitted', ctx), devices: [dev] }];
      return null;
    },
  },
  {
    name: 'host.reserved',
    actor: 'host',
    args: [
      { name: 'base', type: IOVA, doc: 'the first IOVA the device must never use' },
      { name: 'size', type: LEN, doc: 'bytes' },
      DEV_ARG,
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'A device-tree reserved-memory range with iommu-addresses naming the device (arm64_virt), which ' +
      'of_iommu_get_resv_regions() reports as IOMMU_RESV_RESERVED (without a 1:1 physical mapping; an assumption ' +
      'of docs/host-side.md): an IOVA range no mapping may cover. A group with one refuses to join a container that ' +
      'maps there (vfio_iommu_resv_conflict), and MAP_DMA into it fails once the group is in. Only before the host runs.',
    example: 'host.reserved(base: 0x1000_0000, size: 1M, dev: "0000:00:02.0")',
    run(m, args, ctx) {
      declaring(m, 'host.reserved', ctx);
      needMachine(m, 'arm64-virt', 'device-tree reserved IOVA ranges', ctx);
      const dev = declaredDev(m, args, ctx);
      const p = m.hostSpec.platform;
      p.reserved = [...(p.reserved ?? []), { base: bigArg(args, 'base', ctx), length: bigArg(args, 'size', ctx), devices: [dev] }];
      return null;
    },
  },
  {
    name: 'host.rmrr',
    actor: 'host',
    args: [
      { name: 'base', type: IOVA, doc: 'the RMRR\'s base address' },
      { name: 'size', type: LEN, doc: 'bytes (the DMAR table gives the inclusive end, base + size - 1)' },
      DEV_ARG,
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'A DMAR RMRR (x86_vtd) whose scope names the device: intel_iommu_get_resv_regions() reports it as ' +
      'IOMMU_RESV_DIRECT, or IOMMU_RESV_DIRECT_RELAXABLE for a USB or display device (device_rmrr_is_relaxable). ' +
      'Only before the host runs.',
    example: 'host.rmrr(base: 0xdd00_0000, size: 64K, dev: "0000:00:02.0")',
    run(m, args, ctx) {
      declaring(m, 'host.rmrr', ctx);
      needMachine(m, 'x86-vtd', 'RMRRs', ctx);
      const dev = declaredDev(m, args, ctx);
      const p = m.hostSpec.platform;
      const base = bigArg(args, 'base', ctx);
      p.rmrrs = [...(p.rmrrs ?? []), { base, end: base + bigArg(args, 'size', ctx) - 1n, devices: [dev] }];
      return null;
    },
  },
  {
    name: 'host.process',
    actor: 'host',
    args: [
      { name: 'memlock', type: { t: 'int', min: 0n, max: U64_MAX - 1n }, default: null, doc: 'RLIMIT_MEMLOCK in bytes; left out: unlimited (RLIM_INFINITY)' },
      { name: 'cap_ipc_lock', type: BOOL, default: false, doc: 'whether the process holds CAP_IPC_LOCK (permitted and effective)' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'Declare the calling process (the VMM), as the ioctl script\'s "process" does: RLIMIT_MEMLOCK, which ' +
      'vfio_pin_pages_remote() checks every page it pins against (mm->locked_vm + the new pages > the limit: ' +
      'ENOMEM), and CAP_IPC_LOCK, which lifts that check (dma->lock_cap). Only before the host runs.',
    example: 'host.process(memlock: 1M, cap_ipc_lock: false)',
    run(m, args, ctx) {
      declaring(m, 'host.process', ctx);
      m.hostSpec.process = {
        rlimitMemlock: args.memlock === null ? 'unlimited' : bigArg(args, 'memlock', ctx), capIpcLock: boolArg(args, 'cap_ipc_lock', ctx),
      };
      return null;
    },
  },
];
