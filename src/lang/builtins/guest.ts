// The guest kernel: its arm-smmu-v3 driver (behind QEMU's virtual SMMU) and io-pgtable-arm,
// building stage-1 tables and a CD in its own RAM, and asking for TLB invalidations that the
// host forwards.

import { type LabMachine, permOf } from '../../model/lab/machine';
import type { Builtin } from '../registry-types';
import {
  ADDR48, ASID, BOOL, boolArg, cdHandle, GRANULE, granuleArg, guard, handle, numArg, optNum, PERM_S1, permArg,
  PGSIZE, ptArg, ptHandle, SIZE48, U64_MAX, VM_ARG, vmArg, bigArg,
} from './common';

export const GUEST_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'guest.s1.new',
    actor: 'guest',
    args: [
      { name: 'granule', type: GRANULE, default: 0x1000n, doc: 'the stage-1 granule: 4K, 16K or 64K (CD.TG0)' },
      { name: 'va_bits', type: { t: 'int', min: 25n, max: 48n }, default: 48n, doc: 'the input size: CD.T0SZ = 64 - va_bits (16..39)' },
      VM_ARG,
    ],
    returns: { type: 'pt', doc: 'the guest\'s stage-1 page table' },
    doc: 'The guest\'s io-pgtable-arm allocates a stage-1 table for a DMA domain (arm_64_lpae_alloc_pgtable_s1): ' +
      'an empty start table in guest RAM, at the level the granule and input size give (4K, 48-bit: level 0, ' +
      'four levels). Guest pages come from the top of the VM\'s first RAM range downward, zeroed.',
    example: 'let pt = guest.s1.new(granule: 4K, va_bits: 48)',
    run(m, args, ctx) {
      const g = granuleArg(args, 'granule', ctx);
      const vm = vmArg(m, args, ctx, false);
      return ptHandle(guard(ctx, () => m.newPt(vm, g, numArg(args, 'va_bits', ctx))));
    },
  },
  {
    name: 'guest.s1.map',
    actor: 'guest',
    args: [
      { name: 'pt', type: handle('pt'), doc: 'the guest page table' },
      { name: 'va', type: ADDR48, doc: 'the IOVA the device will use' },
      { name: 'ipa', type: ADDR48, doc: 'the guest-physical address it maps to' },
      { name: 'size', type: SIZE48, doc: 'bytes, a multiple of pgsize' },
      { name: 'perm', type: PERM_S1, default: { kind: 'word', word: 'rw' }, doc: 'r, rw, rx or rwx (AP[2], UXN/PXN)' },
      { name: 'pgsize', type: PGSIZE, default: null, doc: 'the leaf size: the granule (default) or a block size' },
      { name: 'user', type: BOOL, default: true, doc: 'AP[1]: unprivileged access (Linux sets it unless IOMMU_PRIV)' },
      { name: 'global', type: BOOL, default: false, doc: 'nG = 0: a global entry, matching every ASID (Linux never sets it)' },
      { name: 'af', type: BOOL, default: true, doc: 'the Access flag (false: the first access faults with F_ACCESS)' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'The guest maps an IOVA for DMA (dma_map_*, iommu_map into its io-pgtable): stage-1 leaves as ' +
      'arm_lpae_prot_to_pte writes them (AttrIndx 1 = write-back, SH inner, AF, nG, AP[1] for user access, ' +
      'AP[2] for read-only, UXN and PXN unless executable), tables made on the way, all in guest RAM. Every ' +
      'table address and output address is an IPA. The guest then owes the SMMU a TLB invalidation only ' +
      'when it changes a live mapping.',
    example: 'guest.s1.map(pt, va: 0x1000_0000, ipa: 0x4010_0000, size: 4K, perm: rw)',
    run(m, args, ctx) {
      const pt = ptArg(m, args, 'pt', ctx);
      const perm = permOf(permArg(args, 'perm', ctx), {
        user: boolArg(args, 'user', ctx), global: boolArg(args, 'global', ctx), af: boolArg(args, 'af', ctx),
      });
      const pgsize = optNum(args, 'pgsize', ctx) ?? 2 ** pt.g;
      guard(ctx, () => m.s1Map(pt, numArg(args, 'va', ctx), numArg(args, 'ipa', ctx), numArg(args, 'size', ctx), perm, pgsize));
      return null;
    },
  },
  {
    name: 'guest.s1.unmap',
    actor: 'guest',
    args: [
      { name: 'pt', type: handle('pt'), doc: 'the guest page table' },
      { name: 'va', type: ADDR48, doc: 'the first IOVA' },
      { name: 'size', type: SIZE48, doc: 'bytes' },
    ],
    returns: { type: 'int', doc: 'the bytes unmapped' },
    doc: 'The guest unmaps IOVAs (iommu_unmap): every stage-1 leaf inside is cleared, tables stay. Until the ' +
      'guest\'s TLB invalidation reaches the SMMU (guest.tlbi), the SMMU may keep translating the old mapping.',
    example: 'guest.s1.unmap(pt, va: 0x1000_0000, size: 4K)',
    run(m, args, ctx) {
      const pt = ptArg(m, args, 'pt', ctx);
      return BigInt(guard(ctx, () => m.s1Unmap(pt, numArg(args, 'va', ctx), numArg(args, 'size', ctx))));
    },
  },
  {
    name: 'guest.s1.protect',
    actor: 'guest',
    args: [
      { name: 'pt', type: handle('pt'), doc: 'the guest page table' },
      { name: 'va', type: ADDR48, doc: 'the first IOVA' },
      { name: 'size', type: SIZE48, doc: 'bytes; every page must be mapped' },
      { name: 'perm', type: PERM_S1, doc: 'the new permission: r, rw, rx or rwx' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'Rewrite the permissions of mapped stage-1 leaves in place (AP[2], UXN/PXN), keeping their IPAs; the ' +
      'leaves keep Linux\'s other choices (user access, nG, AF). No invalidation.',
    example: 'guest.s1.protect(pt, va: 0x1000_0000, size: 4K, perm: r)',
    run(m, args, ctx) {
      const pt = ptArg(m, args, 'pt', ctx);
      guard(ctx, () => m.s1Protect(pt, numArg(args, 'va', ctx), numArg(args, 'size', ctx), permOf(permArg(args, 'perm', ctx))));
      return null;
    },
  },
  {
    name: 'guest.cd',
    actor: 'guest',
    args: [
      { name: 'asid', type: ASID, doc: 'the guest\'s ASID for this address space (16 bits, SMMU_IDR0.ASID16)' },
      { name: 'ttb0', type: handle('pt'), doc: 'the page table TTB0 points to' },
      { name: 'r', type: BOOL, default: true, doc: 'CD.R: record stage-1 faults as events' },
      { name: 'affd', type: BOOL, default: false, doc: 'CD.AFFD: treat AF = 0 as 1 (no F_ACCESS)' },
    ],
    returns: { type: 'cd', doc: 'the context descriptor, in guest RAM' },
    doc: 'The guest writes a Context Descriptor in its RAM with the fields Linux\'s arm_smmu_domain_finalise_s1 ' +
      'and arm_smmu_write_ctx_desc choose: T0SZ = 64 - va_bits, TG0 from the granule, IRGN0/ORGN0 write-back, ' +
      'SH0 inner, EPD1 = 1 (no TTB1), IPS = 48 bits, AA64, R, A = 1, ASET = 1 (an ASID private to the SMMU), ' +
      'the ASID, V, TTB0 = the table\'s IPA and io-pgtable\'s MAIR (0xf404ff44); words 1-3 first, word 0 ' +
      '(with V) last. In nested mode the SMMU reads it at an IPA, through stage 2.',
    example: 'let cd = guest.cd(asid: 7, ttb0: pt)',
    run(m, args, ctx) {
      const pt = ptArg(m, args, 'ttb0', ctx);
      return cdHandle(guard(ctx, () => m.writeCd(pt, numArg(args, 'asid', ctx), boolArg(args, 'r', ctx), boolArg(args, 'affd', ctx))));
    },
  },
  {
    name: 'guest.tlbi',
    actor: 'guest',
    args: [
      { name: 'va', type: { t: 'int', min: 0n, max: U64_MAX }, doc: 'the IOVA whose translation goes (its page)' },
      { name: 'asid', type: ASID, doc: 'the guest ASID it was mapped under' },
      { name: 'leaf', type: BOOL, default: true, doc: 'Leaf: only last-level entries changed (an unmap of a page)' },
      VM_ARG,
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'The guest invalidates one IOVA (its vSMMU driver sends CMD_TLBI_NH_VA to QEMU); QEMU forwards it ' +
      'with VFIO_IOMMU_CACHE_INVALIDATE (IOTLB, ADDR granularity, archid = the ASID) and the host\'s ' +
      'arm_smmu_cache_invalidate issues what this does: CMD_TLBI_NH_VA with the VM\'s VMID, the guest\'s ASID ' +
      'and the address, then CMD_SYNC (the 2021 nesting series, never merged).',
    example: 'guest.tlbi(va: 0x1000_0000, asid: 7)',
    run(m, args, ctx) {
      const vm = vmArg(m, args, ctx, false);
      guard(ctx, () => m.guestTlbi(vm, bigArg(args, 'va', ctx), numArg(args, 'asid', ctx), boolArg(args, 'leaf', ctx)));
      return null;
    },
  },
  {
    name: 'guest.tlbi_asid',
    actor: 'guest',
    args: [{ name: 'asid', type: ASID, doc: 'the guest ASID whose entries go' }, VM_ARG],
    returns: { type: 'nothing', doc: '' },
    doc: 'The guest invalidates a whole address space (CMD_TLBI_NH_ASID to its vSMMU); forwarded with ' +
      'PASID granularity, the host issues CMD_TLBI_NH_ASID with the VM\'s VMID and the guest\'s ASID, then ' +
      'CMD_SYNC (__arm_smmu_tlb_inv_context in the 2021 nesting series). Global entries stay.',
    example: 'guest.tlbi_asid(asid: 7)',
    run(m, args, ctx) {
      const vm = vmArg(m, args, ctx, false);
      const asid = numArg(args, 'asid', ctx);
      guard(ctx, () => m.issue([{ op: 'CMD_TLBI_NH_ASID', vmid: vm.vmid, asid }, { op: 'CMD_SYNC' }]));
      return null;
    },
  },
];
