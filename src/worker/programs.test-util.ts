// Lab programs for the worker's tests.

/** DESIGN.md's program with 2M of guest RAM (enough for its tables and the page it maps), then
 *  a DMA to an IOVA the guest never mapped and an expect that fails on it. */
export const SMALL = `let nic = host.assign("0000:01:00.0", sid: 0x10)
host.s2.map(ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 2M, perm: rw, pgsize: 4K)
let pt = guest.s1.new(granule: 4K, va_bits: 48)
guest.s1.map(pt, va: 0x1000_0000, ipa: 0x4010_0000, size: 4K, perm: rw)
let cd = guest.cd(asid: 7, ttb0: pt)
host.set_pasid_table(nic, cd_table: cd)
let r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)
expect r.walk.walk_reads == 24
let r2 = dev.dma(nic, read, iova: 0x2000_0040, len: 64)
expect r2.ok
`;
