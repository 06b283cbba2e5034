// Valid lab programs shared by the tests: each parses without a diagnostic, and the fuzz test
// mutates them. The first is the example of DESIGN.md ("The feel of a lab program"), verbatim.

export const DESIGN_EXAMPLE = `# Why one DMA costs 24 reads: a NIC assigned to a guest, nested translation on SMMUv3.
let nic = host.assign("0000:01:00.0", sid: 0x10)            # vfio-pci; its IOMMU group
host.s2.map(ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 1G, perm: rw, pgsize: 4K)  # guest RAM

let pt = guest.s1.new(granule: 4K, va_bits: 48)             # guest-owned stage-1 tables
guest.s1.map(pt, va: 0x1000_0000, ipa: 0x4010_0000, size: 4K, perm: rw)
let cd = guest.cd(asid: 7, ttb0: pt)                        # a context descriptor in guest RAM
host.set_pasid_table(nic, cd_table: cd)                     # the STE goes nested

let r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)      # step into it: 24 reads, one by one
expect r.pa == 0x8_0010_0040
expect r.walk.reads == 24
`;

/** DESIGN.md's program as it runs on the real builtins: `r.walk.reads` counts every SMMU read
 *  (30 = the STE, (4+1) for the CD, 24 for the walk) and `r.walk.walk_reads` the 2D walk alone
 *  ((4+1)(4+1)-1 = 24, primer §1.6); DESIGN.md's text says `r.walk.reads == 24`, which the Lab
 *  calls walk_reads. The app's editor, the CLI's and the registry's tests run it. */
export const DESIGN_PROGRAM = DESIGN_EXAMPLE.replace(
  'expect r.walk.reads == 24\n',
  'expect r.walk.walk_reads == 24\nexpect r.walk.reads == 30\n',
);

/** A stale TLB entry: every statement kind, loops with a step, a proc, multi-line calls. */
export const STALE_TLB = `# Unmap a page but forget the TLBI: the device still reaches the old page.
proc map_pages(pt, base, n) {
  for i in 0..n {
    guest.s1.map(pt, va: base + i * 4K, ipa: 0x4010_0000 + i * 4K,
                 size: 4K, perm: rw)
  }
  return n * 4K
}

let pt = guest.s1.new(granule: 4K, va_bits: 48)
let bytes = map_pages(pt, 0x1000_0000, 8)
expect bytes == 32K, "eight pages"

let nic = host.assign("0000:01:00.0", sid: 0x10)
let r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)
guest.s1.unmap(pt, va: 0x1000_0000, size: 4K)
let again = dev.dma(nic, read, iova: 0x1000_0040, len: 64)
if again.tlb_hit and not r.event {
  expect again.pa == r.pa        # stale: no CMD_TLBI_NH_VA yet
} else if again.event {
  expect again.event.name == "F_TRANSLATION"
} else {
  expect false, "unreachable"
}
smmu.cmd(CMD_TLBI_NH_VA, vmid: 1, asid: 7,
         addr: 0x1000_0000)
smmu.cmd(CMD_SYNC)
`;

/** The raw layer: bit operations, every operator, strings with escapes, loops over memory. */
export const RAW_BITS = `let ste = 0x8000_0000
let v = mem.read64(ste)
mem.write64(ste, v | 0x1)                     # V: the STE is valid
mem.write64(ste + 8, (v >> 4 & 0xf) << 4 ^ ~0 % 7 - -1)
let total = 0
for off in 0..64 step 8 {
  total = total + mem.read64(ste + off) / 2
}
expect total != 0 or total == 0
expect (1 << 63) - 1 >= 0 and 0b1010 <= 10 and 1T > 1G and 2M < 4M
let msg = "tab\\there, quote \\" and hex \\x41\\n"
log(msg, label: "done")
`;

export const CORPUS = [DESIGN_EXAMPLE, STALE_TLB, RAW_BITS];
