// IOMMU_IOAS_UNMAP reaches the SMMU (regression: ioas.property.test.ts found a re-map of an
// unmapped IOVA throwing "already mapped", the auto stage-1 domain's descriptors having stayed).
// The kernel path: iopt_unmap_iova_range() -> iopt_area_unfill_domains() -> iommu_unmap() ->
// io-pgtable-arm's arm_lpae_unmap() (the leaf goes) and iommu_iotlb_sync() ->
// arm_smmu_tlb_inv_range_domain() (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c, 6.13+):
//   stage 1: CMD_TLBI_NH_VA with the domain's ASID, one per 4K granule (no range invalidation,
//            IDR3.RIL = 0), then CMD_SYNC;
//   stage 2: CMD_TLBI_S2_IPA with the VMID, then CMD_SYNC; a nest parent also CMD_TLBI_NH_ALL
//            with the VMID ("When the S2 domain changes all the nested S1 ASIDs have to be
//            flushed too") and CMD_SYNC.
// Expected values are worked by hand from those rules.

import { describe, expect, it } from 'vitest';
import { armVirt } from '../iommu/platform';
import { LabMachine } from '../lab/machine';
import { VfioHost } from '../vfio/vfio';
import { labIommufdHw } from './lab-hw';

const BDF = '0000:00:02.0';
const SID = 0x10;
const IOVA = 0x10_0000n;

function attached(nestParent: boolean) {
  const lab = new LabMachine();
  // Process memory from hostRamBase + 256 MiB = 0x8_0000_0000: the LabMachine's RAM.
  const h = new VfioHost({
    platform: armVirt({ smmuStage: 'nested' }), kernel: '7.2', devices: [{ bdf: BDF, group: 5 }],
    process: { hostRamBase: 0x7_f000_0000n }, iommufdHw: labIommufdHw(lab, { sids: { [BDF]: SID } }),
  });
  const ifd = h.open('/dev/iommu').ret as number;
  const cdev = h.open('/dev/vfio/devices/vfio0').ret as number;
  expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd }).errno).toBe(0);
  expect(h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 }).out).toEqual({ out_ioas_id: 2 });
  // Object 3: the automatic stage-1 domain at attach, or the NEST_PARENT HWPT attached by id.
  if (nestParent) expect(h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2 }).out).toEqual({ out_hwpt_id: 3 });
  expect(h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: nestParent ? 3 : 2 }).out).toEqual({ pt_id: 3 });
  const va = h.mmap(0x4000n).ret as bigint;
  const map = (uptr: bigint) => h.ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: 7, ioas_id: 2, user_va: uptr, length: 0x2000n, iova: IOVA });
  const unmap = () => h.ioctl(ifd, 'IOMMU_IOAS_UNMAP', { size: 24, ioas_id: 2, iova: IOVA, length: 0x2000n });
  const dma = () => lab.smmu.translate({ sid: SID, iova: IOVA + 0x1040n, access: 'read' });
  const cmdsSince = (from: number) => lab.trace.slice(from).flatMap((e) => (e.type === 'smmu.cmd' ? [e.name] : []));
  return { lab, h, va, map, unmap, dma, cmdsSince };
}

describe('IOMMU_IOAS_UNMAP on the lab SMMU (lab-hw.ts)', () => {
  it('auto stage-1 domain: CMD_TLBI_NH_VA (ASID 1) per page + CMD_SYNC, the next DMA faults, the IOVA maps again', () => {
    const { lab, va, map, unmap, dma, cmdsSince } = attached(false);
    expect(map(va).errno).toBe(0);
    const r = dma();
    // pin: the first mmap's pages from 0x8_0000_0000; IOVA + 0x1040 is its second page + 0x40.
    expect(r.ok && r.pa).toBe(0x8_0000_1040n);                       // the TLB now holds it
    const from = lab.trace.length;
    expect(unmap().out).toEqual({ length: 0x2000n });
    // 0x2000 / 4K = 2 granules; ASID 1: xa_alloc(XA_LIMIT(1, ..)) on an SMMU with no other CD.
    expect(cmdsSince(from)).toEqual(['CMD_TLBI_NH_VA', 'CMD_TLBI_NH_VA', 'CMD_SYNC']);
    const f = dma();
    expect(f.ok).toBe(false);
    expect(!f.ok && f.event?.name).toBe('F_TRANSLATION');
    // The same IOVA to other pages: the old leaves are gone, so the map succeeds and translates anew.
    expect(map(va + 0x2000n).errno).toBe(0);
    const again = dma();
    expect(again.ok && again.pa).toBe(0x8_0000_3040n);
  });

  it('nest parent (stage 2): CMD_TLBI_S2_IPA (VMID 1) per page + CMD_SYNC, then CMD_TLBI_NH_ALL (VMID 1) + CMD_SYNC', () => {
    const { lab, va, map, unmap, dma, cmdsSince } = attached(true);
    expect(map(va).errno).toBe(0);
    expect(dma().ok).toBe(true);
    const from = lab.trace.length;
    expect(unmap().errno).toBe(0);
    expect(cmdsSince(from)).toEqual(['CMD_TLBI_S2_IPA', 'CMD_TLBI_S2_IPA', 'CMD_SYNC', 'CMD_TLBI_NH_ALL', 'CMD_SYNC']);
    const f = dma();
    expect(f.ok).toBe(false);
    expect(!f.ok && f.event?.name).toBe('F_TRANSLATION');
    expect(!f.ok && f.event?.s2).toBe(true);
  });
});
