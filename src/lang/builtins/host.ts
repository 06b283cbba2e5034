// The host: vfio-pci and VFIO type1 (with the 2021 nesting series' ioctls), the arm-smmu-v3
// driver, the stage-2 tables it owns (io-pgtable-arm), and its own stage-1 domains
// (ARM_SMMU_DOMAIN_S1: the DMA API's default domain, or VFIO type1 without nesting).

import { type LabMachine, permOf } from '../../model/lab/machine';
import type { Builtin } from '../registry-types';
import { PCI_BDF } from '../../model/host/rid';
import {
  ADDR48, cdArg, cdHandle, deviceArg, deviceHandle, granuleArg, guard, handle, numArg, optNum, PERM_S1, PERM_S2, permArg,
  PGSIZE, ptArg, ptHandle, SIZE48, strArg, VM_ARG, vmArg, vmHandle, GRANULE,
} from './common';


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
      if (!PCI_BDF.test(bdf.toLowerCase())) ctx.fail(`"${bdf}" is not a PCI address like "0000:01:00.0" (segment:bus:device.function)`);
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
    doc: 'Attach the device to the VM\'s stage-2 domain (VFIO_SET_IOMMU with VFIO_TYPE1_NESTING_IOMMU, whose ' +
      'ARM_SMMU_DOMAIN_NESTED domain is stage 2 until a PASID table is set; then iommu_attach_group): the STE ' +
      'translates stage 2 only, Config = 0b110 (S2_TRANS), with S2VMID, S2T0SZ, S2SL0, S2TG, S2PS = 48 bits, ' +
      'S2AA64, S2PTW and S2R set and S2TTB = the VM\'s stage-2 root, as arm_smmu_write_strtab_ent writes it: ' +
      'words 2-3 first (word 1 keeps what host.assign wrote), CMD_CFGI_STE and CMD_SYNC, then word 0 (V, Config), ' +
      'CMD_CFGI_STE and CMD_SYNC again. ' +
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
      const vm = given ? vmArg(m, args, ctx, false) : undefined;
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
  {
    name: 'host.s1.new',
    actor: 'host',
    args: [
      { name: 'granule', type: GRANULE, default: 0x1000n, doc: 'the stage-1 granule: 4K, 16K or 64K (CD.TG0)' },
      { name: 'va_bits', type: { t: 'int', min: 25n, max: 48n }, default: 48n, doc: 'the IOVA size: CD.T0SZ = 64 - va_bits (Linux: min(48, VA_BITS))' },
    ],
    returns: { type: 'pt', doc: 'the host\'s stage-1 page table' },
    doc: 'The host makes a stage-1 domain of its own, ARM_SMMU_DOMAIN_S1: what the DMA API\'s default domain is on ' +
      'SMMUv3, and what VFIO type1 gets without nesting. arm_smmu_domain_finalise allocates its io-pgtable ' +
      '(alloc_io_pgtable_ops(ARM_64_LPAE_S1), arm_64_lpae_alloc_pgtable_s1): an empty start table in host kernel ' +
      'memory, at the level the granule and IOVA size give (4K, 48-bit: level 0, four levels). Its table and ' +
      'output addresses are PAs: no stage 2 is involved. Linux finalises a domain on its first attach ' +
      '(arm_smmu_attach_dev: this, then host.cd, then host.attach_s1\'s STE) and maps only after it.',
    example: 'let hpt = host.s1.new(granule: 4K, va_bits: 48)',
    run(m, args, ctx) {
      const g = granuleArg(args, 'granule', ctx);
      return ptHandle(guard(ctx, () => m.newHostPt(g, numArg(args, 'va_bits', ctx))));
    },
  },
  {
    name: 'host.s1.map',
    actor: 'host',
    args: [
      { name: 'pt', type: handle('pt'), doc: 'the host\'s stage-1 table (host.s1.new)' },
      { name: 'iova', type: ADDR48, doc: 'the IOVA the device will use' },
      { name: 'pa', type: ADDR48, doc: 'the host-physical address it maps to, inside host RAM' },
      { name: 'size', type: SIZE48, doc: 'bytes, a multiple of pgsize' },
      { name: 'perm', type: PERM_S1, default: { kind: 'word', word: 'rw' }, doc: 'r, rw, rx or rwx (AP[2], UXN/PXN)' },
      { name: 'pgsize', type: PGSIZE, default: null, doc: 'the leaf size: the granule (default) or a block size (2M, 1G with 4K)' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'The host maps an IOVA in its own stage-1 domain, as iommu_map does (dma_map_* through iommu-dma, or ' +
      'VFIO_IOMMU_MAP_DMA without nesting): arm_smmu_map -> io-pgtable-arm\'s arm_lpae_map writes stage-1 leaves ' +
      'as arm_lpae_prot_to_pte makes them (AttrIndx 1 = write-back, SH inner, AF, nG, AP[1] for unprivileged ' +
      'access, AP[2] for read-only, UXN and PXN unless executable), tables made on the way, all in host kernel ' +
      'memory. The output is a PA. A new mapping needs no invalidation.',
    example: 'host.s1.map(hpt, iova: 0x1000_0000, pa: 0x8_0010_0000, size: 4K, perm: rw)',
    run(m, args, ctx) {
      const pt = ptArg(m, args, 'pt', ctx);
      const pgsize = optNum(args, 'pgsize', ctx) ?? 2 ** pt.g;
      guard(ctx, () => m.hostS1Map(pt, numArg(args, 'iova', ctx), numArg(args, 'pa', ctx), numArg(args, 'size', ctx),
        permOf(permArg(args, 'perm', ctx)), pgsize));
      return null;
    },
  },
  {
    name: 'host.cd',
    actor: 'host',
    args: [
      { name: 'ttb0', type: handle('pt'), doc: 'the host\'s stage-1 table (host.s1.new) TTB0 points to' },
      { name: 'asid', type: { t: 'int', min: 1n, max: 0xffffn }, default: 1n, doc: 'the domain\'s ASID: Linux allocates from 1 (arm_smmu_asid_xa)' },
    ],
    returns: { type: 'cd', doc: 'the context descriptor, in host kernel memory' },
    doc: 'The host finishes its stage-1 domain (arm_smmu_domain_finalise_s1): an ASID, a CD table of one CD in ' +
      'host kernel memory (arm_smmu_alloc_cd_tables: linear, S1CDMax = 0 for a device without PASIDs), and CD 0 ' +
      'written by arm_smmu_write_ctx_desc (arm_smmu_make_s1_cd in later kernels) with the fields guest.cd ' +
      'writes: T0SZ, TG0, IRGN0/ORGN0 write-back, SH0 inner, EPD1, IPS = 48 bits, AA64, R, A, ASET = 1, the ASID, ' +
      'V; TTB0 = the table\'s PA and io-pgtable\'s MAIR; words 1-3 first, word 0 (with V) last. No STE points at ' +
      'it yet, so no CMD_CFGI_CD is needed.',
    example: 'let hcd = host.cd(ttb0: hpt, asid: 1)',
    run(m, args, ctx) {
      const pt = ptArg(m, args, 'ttb0', ctx);
      return cdHandle(guard(ctx, () => m.writeHostCd(pt, numArg(args, 'asid', ctx))));
    },
  },
  {
    name: 'host.attach_s1',
    actor: 'host',
    args: [
      { name: 'dev', type: handle('device'), doc: 'the assigned device' },
      { name: 'cd_table', type: handle('cd'), doc: 'the host\'s CD (host.cd): its CD table of one entry' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'Attach the device to the host\'s stage-1 domain (arm_smmu_attach_dev -> arm_smmu_install_ste_for_dev): ' +
      'arm_smmu_write_strtab_ent writes an s1_cfg STE (arm_smmu_make_cdtable_ste in later kernels): Config = ' +
      '0b101 (S1_TRANS, stage 2 bypassed), S1ContextPtr = the CD table\'s PA, S1CDMax = 0, S1Fmt linear; word 1 ' +
      'with S1DSS = 0b10, S1CIR = S1COR = WBRA, S1CSH = ISH, STRW = NS-EL1, then CMD_CFGI_STE and CMD_SYNC, then ' +
      'word 0 (V, Config), CMD_CFGI_STE and CMD_SYNC again. A device whose STE already translates is first set ' +
      'to abort, as arm_smmu_detach_dev does. The device\'s IOVAs now go through stage 1 alone, to PAs.',
    example: 'host.attach_s1(nic, cd_table: hcd)',
    run(m, args, ctx) {
      const dev = deviceArg(m, args, 'dev', ctx);
      const cd = cdArg(m, args, 'cd_table', ctx);
      guard(ctx, () => m.attachS1(dev, cd));
      return null;
    },
  },
];
