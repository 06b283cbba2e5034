// DESIGN.md's lab program, with its expects on the real builtins' fields (walk_reads counts the
// 2D walk, reads every SMMU read; docs/trace.md). links/measure.ts sizes links with it.
export const DEFAULT_PROGRAM = `# Why one DMA costs 24 reads: a NIC assigned to a guest, nested translation on SMMUv3.
let nic = host.assign("0000:01:00.0", sid: 0x10)            # vfio-pci; its IOMMU group
host.s2.map(ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 1G, perm: rw, pgsize: 4K)  # guest RAM

let pt = guest.s1.new(granule: 4K, va_bits: 48)             # guest-owned stage-1 tables
guest.s1.map(pt, va: 0x1000_0000, ipa: 0x4010_0000, size: 4K, perm: rw)
let cd = guest.cd(asid: 7, ttb0: pt)                        # a context descriptor in guest RAM
host.set_pasid_table(nic, cd_table: cd)                     # the STE goes nested

let r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)      # step into it: 24 reads, one by one
expect r.pa == 0x8_0010_0040
expect r.walk.walk_reads == 24
expect r.walk.reads == 30
`;
