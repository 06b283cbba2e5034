// The host: vfio-pci and VFIO type1 (with the 2021 nesting series' ioctls), the arm-smmu-v3
// driver, and the stage-2 tables it owns (io-pgtable-arm).

import { type LabMachine, permOf } from '../../model/lab/machine';
import type { Builtin } from '../registry-types';
import {
  ADDR48, cdArg, deviceArg, deviceHandle, granuleArg, guard, handle, numArg, optNum, PERM_S2, permArg,
  PGSIZE, SIZE48, strArg, VM_ARG, vmArg, vmHandle, GRANULE,
} from './common';

const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/i;

export const HOST_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'host.assign',
    actor: 'host',
    args: [
      { name: 'bdf', type: { t: 'str' }, doc: 'the PCI address, segment:bus:device.function ("0000:01:00.0")' },
      { name: 'sid', type: { t: 'int', min: 0n, max: 0xffffn }, doc: 'its StreamID (the stream table has 2^16 STEs)' },
    ],
    returns: { type: 'device', doc: 'the assigned device' },
    doc: 'Bind the device to vfio-pci, as assigning it to a guest starts. The host driver blocks its DMA until ' +
      'a domain is attached: arm_smmu_write_strtab_ent writes the STE valid with Config = abort (STE.V = 1, ' +
      'Config = 0b000, SHCFG = incoming, VMID cleared), so the SMMU aborts the device\'s transactions and records ' +
      'no event (SMMUv3 §5.2), then issues CMD_CFGI_STE and CMD_SYNC so no cached copy of the old STE survives.',
    example: 'let nic = host.assign("0000:01:00.0", sid: 0x10)',
    run(m, args, ctx) {
      const bdf = strArg(args, 'bdf', ctx);
      if (!BDF.test(bdf)) ctx.fail(`"${bdf}" is not a PCI address like "0000:01:00.0" (segment:bus:device.function)`);
      return deviceHandle(guard(ctx, () => m.assign(bdf.toLowerCase(), numArg(args, 'sid', ctx))));
    },
  },
  {
    name: 'host.vm',
    actor: 'host',
    args: [
      { name: 'vmid', type: { t: 'int', min: 1n, max: 0xffffn }, default: 1n, doc: 'its VMID, the TLB tag of its translations (Linux allocates from 1)' },
      { name: 'ipa_bits', type: { t: 'int', min: 32n, max: 48n }, default: 48n, doc: 'the guest\'s IPA size: S2T0SZ = 64 - ipa_bits' },
      { name: 'granule', type: GRANULE, default: 0x1000n, doc: 'the stage-2 granule: 4K, 16K or 64K' },
    ],
    returns: { type: 'vm', doc: 'the VM' },
    doc: 'Create a VM\'s stage 2: a VMID and an empty stage-2 table in host memory, shaped as io-pgtable-arm\'s ' +
      'arm_64_lpae_alloc_pgtable_s2 shapes it: the start level follows from the granule and IPA size, and a ' +
      'level-0 start with at most 16 entries becomes a level-1 start with that many concatenated tables ' +
      '(4K, 48-bit: level 0, S2SL0 = 0b10; 4K, 40-bit: level 1 with two tables, S2SL0 = 0b01). Optional in ' +
      'programs: the first host.s2.* or host.attach call creates VM 1 with the defaults.',
    example: 'let vm = host.vm(vmid: 1, ipa_bits: 40, granule: 4K)',
    run(m, args, ctx) {
      const g = granuleArg(args, 'granule', ctx);
      return vmHandle(guard(ctx, () => m.createVm(numArg(args, 'vmid', ctx), numArg(args, 'ipa_bits', ctx), g)));
    },
  },
  {
    name: 'host.s2.map',
    actor: 'host',
    args: [
      { name: 'ipa', type: ADDR48, doc: 'the guest-physical address of the range' },
      { name: 'pa', type: ADDR48, doc: 'the host-physical address backing it, inside host RAM' },
      { name: 'size', type: SIZE48, doc: 'bytes, a multiple of pgsize' },
      { name: 'perm', type: PERM_S2, default: { kind: 'word', word: 'rw' }, doc: 'S2AP and XN: r, w, rw, rx or rwx' },
      { name: 'pgsize', type: PGSIZE, default: null, doc: 'the leaf size: the granule (default) or a block size (2M, 1G with 4K)' },
      VM_ARG,
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'Map guest RAM in the VM\'s stage 2, as VFIO_IOMMU_MAP_DMA does through iommu_map: one leaf per ' +
      'pgsize, written as io-pgtable-arm\'s arm_lpae_prot_to_pte writes stage-2 leaves (S2AP from perm, ' +
      'MemAttr = 0b1111 normal write-back, SH inner, AF, XN unless executable), tables made on the way. The ' +
      'range becomes the VM\'s RAM: the guest\'s own memory writes go through it. Nothing is invalidated: a ' +
      'translation the SMMU cached before stays until a TLBI says otherwise.',
    example: 'host.s2.map(ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 1G, perm: rw, pgsize: 4K)',
    run(m, args, ctx) {
      const vm = vmArg(m, args, ctx, true);
      const pgsize = optNum(args, 'pgsize', ctx) ?? 2 ** vm.g;
      guard(ctx, () => m.s2Map(vm, numArg(args, 'ipa', ctx), numArg(args, 'pa', ctx), numArg(args, 'size', ctx),
        permOf(permArg(args, 'perm', ctx)), pgsize));
      return null;
    },
  },
  {
    name: 'host.s2.unmap',
    actor: 'host',
    args: [
      { name: 'ipa', type: ADDR48, doc: 'the first guest-physical address' },
      { name: 'size', type: SIZE48, doc: 'bytes' },
      VM_ARG,
    ],
    returns: { type: 'int', doc: 'the bytes unmapped' },
    doc: 'Unmap a range from the VM\'s stage 2 (VFIO_IOMMU_UNMAP_DMA, iommu_unmap): every leaf inside is ' +
      'cleared; tables stay, as io-pgtable leaves them. The range stops being guest RAM. Nothing is ' +
      'invalidated here: the host must still send CMD_TLBI_S2_IPA or CMD_TLBI_S12_VMALL (host.tlbi_vmall), ' +
      'or the SMMU keeps translating through what it cached.',
    example: 'host.s2.unmap(ipa: 0x4010_0000, size: 4K)',
    run(m, args, ctx) {
      const vm = vmArg(m, args, ctx, true);
      return BigInt(guard(ctx, () => m.s2Unmap(vm, numArg(args, 'ipa', ctx), numArg(args, 'size', ctx))));
    },
  },
  {
    name: 'host.s2.protect',
    actor: 'host',
    args: [
      { name: 'ipa', type: ADDR48, doc: 'the first guest-physical address' },
      { name: 'size', type: SIZE48, doc: 'bytes; every page must be mapped' },
      { name: 'perm', type: PERM_S2, doc: 'the new S2AP/XN: r, w, rw, rx or rwx' },
      VM_ARG,
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'Rewrite the permissions of mapped stage-2 leaves (S2AP[7:6], XN[54]) in place, keeping their output ' +
      'addresses. No invalidation: the SMMU may keep using the old permissions until a TLBI.',
    example: 'host.s2.protect(ipa: 0x4010_0000, size: 4K, perm: r)',
    run(m, args, ctx) {
      const vm = vmArg(m, args, ctx, true);
      guard(ctx, () => m.s2Protect(vm, numArg(args, 'ipa', ctx), numArg(args, 'size', ctx), permOf(permArg(args, 'perm', ctx))));
      return null;
    },
  },
  {
    name: 'host.attach',
    actor: 'host',
    args: [
      { name: 'dev', type: handle('device'), doc: 'the assigned device' },
      VM_ARG,
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'Attach the device to the VM\'s stage-2 domain (VFIO_SET_IOMMU, then iommu_attach_group): the STE ' +
      'translates stage 2 only, Config = 0b110 (S2_TRANS), with S2VMID, S2T0SZ, S2SL0, S2TG, S2PS = 48 bits, ' +
      'S2AA64, S2PTW and S2R set and S2TTB = the VM\'s stage-2 root, as arm_smmu_write_strtab_ent writes it: ' +
      'words 1-3 first, CMD_CFGI_STE and CMD_SYNC, then word 0 (V, Config), CMD_CFGI_STE and CMD_SYNC again. ' +
      'The device\'s DMA addresses are now IPAs.',
    example: 'host.attach(nic)',
    run(m, args, ctx) {
      const dev = deviceArg(m, args, 'dev', ctx);
      const vm = vmArg(m, args, ctx, true);
      guard(ctx, () => m.attach(dev, vm));
      return null;
    },
  },
  {
    name: 'host.set_pasid_table',
    actor: 'host',
    args: [
      { name: 'dev', type: handle('device'), doc: 'the assigned device' },
      { name: 'cd_table', type: handle('cd'), doc: 'the guest\'s CD (its CD table of one entry), in guest RAM' },
      { name: 'vm', type: handle('vm'), default: null, doc: 'the VM (default: the device\'s, else the CD\'s)' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'What VFIO_IOMMU_SET_PASID_TABLE did in the 2021 nesting series (vfio and arm_smmu_attach_pasid_table; ' +
      'never merged upstream, where iommufd\'s nesting took its place): the host takes the guest\'s CD table ' +
      'address, an IPA, and makes the device\'s STE nested, Config = 0b111, S1ContextPtr = that IPA, ' +
      'S1CDMax = 0 (one CD), S1Fmt linear, S1DSS = 0b10, with the VM\'s stage 2 as host.attach writes it. The ' +
      'host never reads the guest\'s CD: the SMMU fetches it through stage 2 on the next transaction. ' +
      'Written with CMD_CFGI_STE and CMD_SYNC around word 0, as host.attach.',
    example: 'host.set_pasid_table(nic, cd_table: cd)',
    run(m, args, ctx) {
      const dev = deviceArg(m, args, 'dev', ctx);
      const cd = cdArg(m, args, 'cd_table', ctx);
      const given = args.vm !== null && args.vm !== undefined;
      const vm = given ? vmArg(m, args, ctx, false) : guard(ctx, () => m.vm(dev.vm ?? cd.vm));
      guard(ctx, () => m.setPasidTable(dev, cd, vm));
      return null;
    },
  },
  {
    name: 'host.tlbi_vmall',
    actor: 'host',
    args: [VM_ARG],
    returns: { type: 'nothing', doc: '' },
    doc: 'Invalidate everything the SMMU cached for the VM, as arm_smmu_tlb_inv_context does for a stage-2 ' +
      'domain: CMD_TLBI_S12_VMALL with the VM\'s VMID (stage-1, stage-2 and combined entries, §4.4.3.2), ' +
      'then CMD_SYNC. What the host owes the SMMU after changing stage 2.',
    example: 'host.tlbi_vmall()',
    run(m, args, ctx) {
      const vm = vmArg(m, args, ctx, false);
      guard(ctx, () => m.hostTlbiVmall(vm));
      return null;
    },
  },
];

