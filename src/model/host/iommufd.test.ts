// iommufd through the host composition: the edu device behind a nested HWPT does DMA through both
// stages, sees a stale TLB entry until the guest's TLBI goes through IOMMU_HWPT_INVALIDATE, and
// its guest stage-1 faults reach the vEVENTQ by themselves; iommufd's and type1's ASIDs and VMIDs
// never collide. Expected values are derived by hand from the rules named in each comment.

import { describe, expect, it } from 'vitest';
import { encodeCmd } from '../smmuv3/commands';
import { hostIommufdHw } from './iommufd';
import { HostSystem } from './system';

const BDF = '0000:00:02.0';
/** RID of 00:02.0 = 2 << 3 = 0x10: the pSID (rid.ts). */
const PSID = 0x10;
const VSID = 0x8;
const GUEST_RAM = 0x4000_0000n;
const RAM = 0x20_0000n;

function host(smmuStage: 's1' | 's2' | 'nested' = 'nested', devices = [{ bdf: BDF, group: 2, model: 'edu' }]) {
  return new HostSystem({ platform: { machine: 'arm64-virt', smmu_stage: smmuStage }, kernel: '7.2', devices });
}

/** The VMM's calls for a guest with the edu device behind a vSMMU, ids as xa_alloc gives them
 *  (from 1 in order): device 1, IOAS 2, nest parent 3, vIOMMU 4, vDEVICE 5, nested HWPT 6. */
function nestedGuest() {
  const h = host();
  const lab = h.machine!;
  const va = BigInt(h.mmap(RAM).ret);
  const ifd = Number(h.open('/dev/iommu').ret);
  const cdev = Number(h.open('/dev/vfio/devices/vfio0').ret);
  expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd }).out).toEqual({ out_devid: 1 });
  expect(h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 }).out).toEqual({ out_ioas_id: 2 });
  expect(h.ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: 0b111, ioas_id: 2, user_va: va, length: RAM, iova: GUEST_RAM }).errno).toBe(0);
  expect(h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2, data_type: 0 }).out).toEqual({ out_hwpt_id: 3 });
  expect(h.ioctl(ifd, 'IOMMU_VIOMMU_ALLOC', { size: 24, flags: 0, type: 1, dev_id: 1, hwpt_id: 3 }).out).toEqual({ out_viommu_id: 4 });
  expect(h.ioctl(ifd, 'IOMMU_VDEVICE_ALLOC', { size: 24, viommu_id: 4, dev_id: 1, virt_id: VSID }).out).toEqual({ out_vdevice_id: 5 });
  // The guest: VA 0x1000 -> IPA 0x4000_5000 in its own stage-1 table, CD with ASID 3, in its RAM.
  const vm = lab.vms[0];
  const pt = lab.newPt(vm, 12, 48);
  lab.s1Map(pt, 0x1000, 0x4000_5000, 0x1000, { r: true, w: true });
  const cd = lab.writeCd(pt, 3, true, false);
  // Guest STE: V | Config S1 (0b101 << 1) | S1ContextPtr; word 1 S1CIR/S1COR WBRA, S1CSH ISH.
  const ste = [1n | (5n << 1n) | BigInt(cd.ipa), (1n << 2n) | (1n << 4n) | (3n << 6n)];
  expect(h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 0, dev_id: 1, pt_id: 4, data_type: 2, data_len: 16, data: { ste } }).out).toEqual({ out_hwpt_id: 6 });
  expect(h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 6 }).errno).toBe(0);
  return { h, lab, va, ifd, cdev, vm, pt, cd };
}

describe('HostSystem on Linux 7.2: the edu device behind iommufd', () => {
  it('the edu device DMAs through both stages to the hand-computed PA and reads what the process wrote', () => {
    const g = nestedGuest();
    // The process's first mmap is at hostRamBase + 256 MiB = 0x8_0000_0000 + 0x1000_0000 (pin.ts):
    // IOAS_MAP puts IPA 0x4000_0000 on it, so IPA 0x4000_5234 is PA 0x8_1000_5234 and the bytes
    // sit at va + 0x5234.
    expect(g.h.poke(g.va + 0x5234n, new Uint8Array([0xca, 0xfe, 0xf0, 0x0d])).errno).toBe(0);
    const r = g.h.dma(BDF, 'read', 0x1234n, 4);
    expect(r.ok).toBe(true);
    expect(r.pa).toBe(0x8_1000_5234n);
    expect([...r.data!]).toEqual([0xca, 0xfe, 0xf0, 0x0d]);
  });

  it('the STE at pSID 0x10 is nested (Config 0b111) with the nest parent\'s VMID 1', () => {
    const g = nestedGuest();
    const ste = g.lab.steAddr(PSID);
    const w0 = g.lab.mem.load64(BigInt(ste)), w2 = g.lab.mem.load64(BigInt(ste + 16));
    expect((w0 >> 1n) & 7n).toBe(7n);                  // STE.Config [3:1]
    expect(w2 & 0xffffn).toBe(1n);                     // S2VMID [15:0]: ida_alloc_range(.., 1, ..)
  });

  it('a guest remap is stale until IOMMU_HWPT_INVALIDATE passes the guest TLBI_NH_VA with the vIOMMU\'s VMID', () => {
    const g = nestedGuest();
    expect(g.h.dma(BDF, 'read', 0x1000n, 4).pa).toBe(0x8_1000_5000n);   // the S1+S2 entry is cached
    // The guest moves VA 0x1000 to IPA 0x4000_6000 in its own table, no TLBI yet.
    g.lab.s1Unmap(g.pt, 0x1000, 0x1000);
    g.lab.s1Map(g.pt, 0x1000, 0x4000_6000, 0x1000, { r: true, w: true });
    expect(g.h.dma(BDF, 'read', 0x1000n, 4).pa).toBe(0x8_1000_5000n);   // stale: the TLB still says 0x5000
    const cmd = encodeCmd({ op: 'CMD_TLBI_NH_VA', vmid: 0, asid: 3, addr: 0x1000, leaf: 1 });
    const inv = g.h.ioctl(g.ifd, 'IOMMU_HWPT_INVALIDATE', { size: 32, hwpt_id: 4, data_type: 1, entry_len: 16, entries: [cmd] });
    expect(inv.out).toEqual({ entry_num: 1 });
    // The issued command: two slots before PROD (the CMD_SYNC is the last). Opcode 0x12 at [7:0],
    // VMID [47:32] = 1 (arm_vsmmu_convert_user_cmd() overwrote the guest's 0), ASID [63:48] = 3.
    const prod = g.lab.regs.cmdq.prod & 0xff;
    const w0 = g.lab.mem.load64(BigInt(g.lab.cmdqBase + 16 * ((prod - 2 + 256) % 256)));
    expect(w0 & 0xffn).toBe(0x12n);
    expect((w0 >> 32n) & 0xffffn).toBe(1n);
    expect(w0 >> 48n).toBe(3n);
    expect(g.h.dma(BDF, 'read', 0x1000n, 4).pa).toBe(0x8_1000_6000n);   // walked again
  });

  it('a guest stage-1 fault of the edu device lands in the vEVENTQ with the vSID, without an explicit drain', () => {
    const g = nestedGuest();
    const q = g.h.ioctl(g.ifd, 'IOMMU_VEVENTQ_ALLOC', { size: 32, flags: 0, viommu_id: 4, type: 1, veventq_depth: 8 });
    const qfd = (q.out as { out_veventq_fd: number }).out_veventq_fd;
    const r = g.h.dma(BDF, 'write', 0x9000n, 4, new Uint8Array(4));     // VA 0x9000: no stage-1 entry
    expect(r.ok).toBe(false);
    expect(r.event?.id).toBe(0x10);                                     // F_TRANSLATION
    const rd = g.h.vfio.readFd(qfd, 4096);
    expect(rd.ret).toBe(40);                                            // 8-byte header + 32-byte event
    const rec = (rd.out as { records: { evt: bigint[] }[] }).records[0];
    expect(rec.evt[0] >> 32n).toBe(BigInt(VSID));                       // StreamID [63:32] = vSID, not 0x10
    expect(rec.evt[2]).toBe(0x9000n);                                   // InputAddr
  });

  it('a stage-2 fault stays the host\'s: nothing reaches the vEVENTQ', () => {
    const g = nestedGuest();
    const q = g.h.ioctl(g.ifd, 'IOMMU_VEVENTQ_ALLOC', { size: 32, flags: 0, viommu_id: 4, type: 1, veventq_depth: 8 });
    const qfd = (q.out as { out_veventq_fd: number }).out_veventq_fd;
    // The guest maps VA 0x2000 to IPA 0x5000_0000, which no IOAS_MAP covers: stage 2 faults.
    g.lab.s1Map(g.pt, 0x2000, 0x5000_0000, 0x1000, { r: true, w: true });
    const r = g.h.dma(BDF, 'read', 0x2000n, 4);
    expect(r.ok).toBe(false);
    expect(r.event?.s2).toBe(true);
    // forwardableEvent(): S2 = 1 is not forwarded (arm_smmu_handle_event() keeps it).
    expect(g.h.vfio.readFd(qfd, 4096).ret).toBe(0);
  });
});

describe('one SMMU, one ID space: iommufd beside type1', () => {
  const TWO = [{ bdf: BDF, group: 2, model: 'edu' }, { bdf: '0000:00:03.0', group: 3, model: 'edu' }];

  it('type1 takes ASID 1 first; iommufd\'s automatic stage-1 domain then gets ASID 2', () => {
    const h = host('nested', TWO);
    const c = Number(h.open('/dev/vfio/vfio').ret);
    const g = Number(h.open('/dev/vfio/2').ret);
    h.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c });
    expect(h.ioctl(c, 'VFIO_SET_IOMMU', 3).errno).toBe(0);
    expect(h.smmuDriver!.asidInUse(1)).toBe(true);                  // xa_alloc from 1
    const ifd = Number(h.open('/dev/iommu').ret);
    const cdev = Number(h.open('/dev/vfio/devices/vfio1').ret);   // 00:03.0, the second device
    h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd });
    h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 });
    expect(h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 2 }).errno).toBe(0);
    // 00:03.0's RID is 3 << 3 = 0x18; its STE is S1 (0b101) and its CD's ASID [63:48] is 2.
    const m = h.machine!;
    const w0 = m.mem.load64(BigInt(m.steAddr(0x18)));
    expect((w0 >> 1n) & 7n).toBe(5n);
    const cd = m.mem.load64(w0 & ((1n << 52n) - 1n) & ~0x3fn);     // S1ContextPtr [51:6]
    expect(cd >> 48n).toBe(2n);
  });

  it('iommufd first: its stage-1 domain has ASID 1, so type1\'s domain gets ASID 2', () => {
    const h = host('nested', TWO);
    const ifd = Number(h.open('/dev/iommu').ret);
    const cdev = Number(h.open('/dev/vfio/devices/vfio1').ret);
    h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd });
    h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 });
    h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 2 });
    const c = Number(h.open('/dev/vfio/vfio').ret);
    const g = Number(h.open('/dev/vfio/2').ret);
    h.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c });
    expect(h.ioctl(c, 'VFIO_SET_IOMMU', 3).errno).toBe(0);
    expect(h.smmuDriver!.asidInUse(1)).toBe(false);
    expect(h.smmuDriver!.asidInUse(2)).toBe(true);
  });

  it('a VMID type1\'s stage-2 domain holds is skipped by iommufd\'s nest parent', () => {
    // Stage-2-only SMMU: type1's domain is stage 2 with VMID 1 (ida_alloc_range from 1).
    const h = host('s2');
    const c = Number(h.open('/dev/vfio/vfio').ret);
    const g = Number(h.open('/dev/vfio/2').ret);
    h.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c });
    expect(h.ioctl(c, 'VFIO_SET_IOMMU', 3).errno).toBe(0);
    expect(h.smmuDriver!.vmidInUse(1)).toBe(true);
    // The same SMMU driver's ID space seen from an IommufdHw that may nest: the next VMID is 2.
    const hw = hostIommufdHw(h.machine!, [], h.smmuDriver!, true);
    expect(hw.allocPaging('s2').vmid).toBe(2);
  });

  it('without both SMMU stages a nest parent is EOPNOTSUPP', () => {
    const h = host('s1');
    const ifd = Number(h.open('/dev/iommu').ret);
    const cdev = Number(h.open('/dev/vfio/devices/vfio0').ret);
    h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd });
    h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 });
    // arm_smmu_domain_alloc_paging_flags(): NEST_PARENT needs ARM_SMMU_FEAT_NESTING.
    expect(h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2, data_type: 0 }).errname).toBe('EOPNOTSUPP');
  });
});
