// The same guest on iommufd: guest RAM in an IOAS, a nest-parent (stage-2) HWPT, a vIOMMU, a
// vDEVICE (vSID 0x8 for pSID 0x10), a nested HWPT holding the guest's STE whose S1ContextPtr is a
// CD table in guest RAM, attach, DMA, guest invalidations and a stage-1 fault out of the vEVENTQ.
// Every expected value is worked out by hand from the rules named next to it.

import { describe, expect, it } from 'vitest';
import { armVirt } from '../iommu/platform';
import { LabMachine } from '../lab/machine';
import { encodeCmd } from '../smmuv3/commands';
import { VfioHost } from '../vfio/vfio';
import { labIommufdHw } from './lab-hw';

const BDF = '0000:00:02.0';
const PSID = 0x10, VSID = 0x8;
const GUEST_IPA = 0x4000_0000n;          // guest RAM base (IPA), 2 MiB
const RAM = 0x20_0000n;

function setup(kernel: '6.12' | '7.2' = '7.2') {
  const lab = new LabMachine();
  const hw = labIommufdHw(lab, { sids: { [BDF]: PSID } });
  // Process memory from hostRamBase + 256 MiB (vfio/pin.ts): 0x8_0000_0000, the LabMachine's RAM.
  const host = new VfioHost({
    platform: armVirt({ smmuStage: 'nested' }), kernel, devices: [{ bdf: BDF, group: 5 }],
    process: { hostRamBase: 0x7_f000_0000n }, iommufdHw: hw,
  });
  return { lab, hw, host };
}

function build() {
  const s = setup();
  const { lab, host } = s;
  const va = host.mmap(RAM).ret as bigint;
  const ifd = host.open('/dev/iommu').ret as number;
  const cdev = host.open('/dev/vfio/devices/vfio0').ret as number;
  const bind = host.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd });
  const ioas = host.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 });
  const map = host.ioctl(ifd, 'IOMMU_IOAS_MAP', {
    size: 40, flags: 0b111 /* FIXED_IOVA | WRITEABLE | READABLE */, ioas_id: 2, user_va: va, length: RAM, iova: GUEST_IPA,
  });
  const s2 = host.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1 /* NEST_PARENT */, dev_id: 1, pt_id: 2, data_type: 0 });
  const viommu = host.ioctl(ifd, 'IOMMU_VIOMMU_ALLOC', { size: 24, flags: 0, type: 1, dev_id: 1, hwpt_id: 3 });
  const vdev = host.ioctl(ifd, 'IOMMU_VDEVICE_ALLOC', { size: 24, viommu_id: 4, dev_id: 1, virt_id: VSID });
  // The guest: its stage-1 table and CD in its RAM (LabMachine guest helpers), VA 0x1000 -> IPA 0x4000_5000.
  const vm = lab.vms[0];
  const pt = lab.newPt(vm, 12, 48);
  lab.s1Map(pt, 0x1000, 0x4000_5000, 0x1000, { r: true, w: true });
  const cd = lab.writeCd(pt, 3, true, false);
  // The guest STE: V, Config = S1 (0b101 << 1), S1ContextPtr = the CD's IPA, S1Fmt/S1CDMax 0;
  // word 1: S1CIR = S1COR = WBRA (0b01), S1CSH = ISH (0b11).
  const vste0 = 1n | (5n << 1n) | BigInt(cd.ipa);
  const vste1 = (1n << 2n) | (1n << 4n) | (3n << 6n);
  const nested = host.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 0, dev_id: 1, pt_id: 4, data_type: 2, data_len: 16, data: { ste: [vste0, vste1] } });
  const attach = host.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 6 });
  return { ...s, va, ifd, cdev, bind, ioas, map, s2, viommu, vdev, nested, attach, vm, pt, cd, vste0, vste1 };
}

describe('the same guest on iommufd (Linux 7.2 profile, arm64-virt with both SMMU stages)', () => {
  it('allocates objects 1..6 in order: device, IOAS, S2 HWPT, vIOMMU, vDEVICE, nested HWPT', () => {
    const b = build();
    // xa_alloc() with XA_FLAGS_ALLOC1: ids from 1 in allocation order.
    expect(b.bind.out).toEqual({ out_devid: 1 });
    expect(b.ioas.out).toEqual({ out_ioas_id: 2 });
    expect(b.map.errno).toBe(0);
    expect(b.s2.out).toEqual({ out_hwpt_id: 3 });
    expect(b.viommu.out).toEqual({ out_viommu_id: 4 });
    expect(b.vdev.out).toEqual({ out_vdevice_id: 5 });
    expect(b.nested.out).toEqual({ out_hwpt_id: 6 });
    expect(b.attach.out).toEqual({ pt_id: 6 });
  });

  it('the vIOMMU takes the parent\'s VMID: the first VMID the SMMU allocates is 1', () => {
    // arm_smmu_domain_finalise_s2(): ida_alloc_range(&smmu->vmid_map, 1, ...); arm_vsmmu_init() copies it.
    const b = build();
    expect(b.vm.vmid).toBe(1);
  });

  it('writes the physical STE as arm_smmu_make_nested_cd_table_ste() builds it', () => {
    const b = build();
    const ste = b.lab.steAddr(PSID);
    const w = [0, 1, 2, 3].map((i) => b.lab.mem.load64(BigInt(ste + 8 * i)));
    // Word 0: V | CFG_NESTED (0b111 << 1 = 0xe) | the guest's word 0 without CFG.
    expect(w[0]).toBe(1n | 0xen | BigInt(b.cd.ipa));
    // Word 1: SHCFG incoming (1 << 44) | the guest's S1CIR/S1COR/S1CSH | MEV (STE bit 83 = dw1 bit 19).
    expect(w[1]).toBe((1n << 44n) | b.vste1 | (1n << 19n));
    // Word 2: S2VMID [15:0] = 1; word 3: S2TTB = the VM's stage-2 root.
    expect(w[2] & 0xffffn).toBe(1n);
    expect(w[3]).toBe(BigInt(b.vm.s2Root));
  });

  it('a DMA through the nested STE reaches the hand-computed PA', () => {
    const b = build();
    const dev = b.lab.devices.find((d) => d.sid === PSID)!;
    // IOVA 0x1234 -> stage 1 (4K page at VA 0x1000 -> IPA 0x4000_5000) -> IPA 0x4000_5234 ->
    // stage 2 (IOAS_MAP of IPA 0x4000_0000 at user_va backed by PA 0x8_0000_0000, a 2 MiB block)
    // -> PA 0x8_0000_5234.
    const r = b.lab.dma(dev, 'read', 0x1234n);
    expect(r.ok).toBe(true);
    expect(r.pa).toBe(0x8_0000_5234n);
  });

  it('rewrites a guest TLBI_NH_VA (VMID 0) and a guest NSNH_ALL, and issues them with a CMD_SYNC', () => {
    const b = build();
    const entries = [
      encodeCmd({ op: 'CMD_TLBI_NH_VA', vmid: 0, asid: 3, addr: 0x1000, leaf: 1 }),
      encodeCmd({ op: 'CMD_TLBI_NSNH_ALL' }),
    ];
    const r = b.host.ioctl(b.ifd, 'IOMMU_HWPT_INVALIDATE', { size: 32, hwpt_id: 4, data_type: 1, entry_len: 16, entries });
    expect(r.errno).toBe(0);
    expect(r.out).toEqual({ entry_num: 2 });
    // Read the last three commands back from the Command queue (256 entries of 16 bytes).
    const prod = b.lab.regs.cmdq.prod & 0xff;
    const slot = (k: number) => b.lab.cmdqBase + 16 * ((prod - k + 256) % 256);
    const dw0 = (k: number) => b.lab.mem.load64(BigInt(slot(k)));
    const dw1 = (k: number) => b.lab.mem.load64(BigInt(slot(k) + 8));
    // NH_VA: opcode 0x12 in [7:0], VMID [47:32] now 1, ASID [63:48] still 3, Address [63:12] 0x1000 | Leaf.
    expect(dw0(3) & 0xffn).toBe(0x12n);
    expect((dw0(3) >> 32n) & 0xffffn).toBe(1n);
    expect(dw0(3) >> 48n).toBe(3n);
    expect(dw1(3)).toBe(0x1000n | 1n);
    // NSNH_ALL (0x30) became NH_ALL (0x10) with VMID 1 and a zero second word.
    expect(dw0(2)).toBe(0x10n | (1n << 32n));
    expect(dw1(2)).toBe(0n);
    // Then CMD_SYNC (0x46).
    expect(dw0(1) & 0xffn).toBe(0x46n);
  });

  it('a guest stage-1 fault comes out of the vEVENTQ with the vSID in the StreamID field', () => {
    const b = build();
    const q = b.host.ioctl(b.ifd, 'IOMMU_VEVENTQ_ALLOC', { size: 32, flags: 0, viommu_id: 4, type: 1, veventq_depth: 4 });
    expect(q.errno).toBe(0);
    expect((q.out as { out_veventq_id: number }).out_veventq_id).toBe(7);
    const qfd = (q.out as { out_veventq_fd: number }).out_veventq_fd;
    const dev = b.lab.devices.find((d) => d.sid === PSID)!;
    const r = b.lab.dma(dev, 'write', 0x9000n);              // VA 0x9000 is not mapped at stage 1
    expect(r.ok).toBe(false);
    expect(b.host.iommufd.evtqThread()).toBe(1);
    const rd = b.host.readFd(qfd, 4096);
    // One record: an 8-byte header and the 32-byte event.
    expect(rd.ret).toBe(40);
    const rec = (rd.out as { records: { flags: number; sequence: number; evt: bigint[] }[] }).records;
    expect(rec).toHaveLength(1);
    expect(rec[0].flags).toBe(0);
    expect(rec[0].sequence).toBe(0);
    // evt[0]: EventID [7:0] = F_TRANSLATION (0x10), StreamID [63:32] = vSID 0x8 (not pSID 0x10).
    expect(rec[0].evt[0] & 0xffn).toBe(0x10n);
    expect(rec[0].evt[0] >> 32n).toBe(BigInt(VSID));
    // evt[1] bit 39 (S2) clear: a stage-1 fault; evt[2]: InputAddr = the IOVA.
    expect((rec[0].evt[1] >> 39n) & 1n).toBe(0n);
    expect(rec[0].evt[2]).toBe(0x9000n);
  });

  it('past its depth a vEVENTQ queues one LOST_EVENTS header, with the next sequence', () => {
    const b = build();
    const q = b.host.ioctl(b.ifd, 'IOMMU_VEVENTQ_ALLOC', { size: 32, flags: 0, viommu_id: 4, type: 1, veventq_depth: 1 });
    const qfd = (q.out as { out_veventq_fd: number }).out_veventq_fd;
    const dev = b.lab.devices.find((d) => d.sid === PSID)!;
    b.lab.dma(dev, 'write', 0x9000n);
    b.lab.dma(dev, 'write', 0xa000n);
    b.lab.dma(dev, 'write', 0xb000n);
    b.host.iommufd.evtqThread();
    const rd = b.host.readFd(qfd, 4096);
    // iommufd_viommu_report_event(): depth 1 holds one event (seq 0); the second finds num_events
    // == depth and queues lost_events_header (seq 1); the third moves that header to the tail
    // with seq 2. Read: 40 + 8 bytes.
    expect(rd.ret).toBe(48);
    const rec = (rd.out as { records: { flags: number; sequence: number; evt?: bigint[] }[] }).records;
    expect(rec.map((x) => [x.flags, x.sequence, x.evt === undefined])).toEqual([[0, 0, false], [1, 2, true]]);
  });

  it('IOMMU_VIOMMU_ALLOC is -ENOTTY in the 6.12 profile (its uapi stops at 0x8e)', () => {
    const { host } = setup('6.12');
    const ifd = host.open('/dev/iommu').ret as number;
    const r = host.ioctl(ifd, 0x3b90, { size: 24, flags: 0, type: 1, dev_id: 1, hwpt_id: 3 });
    expect(r.errname).toBe('ENOTTY');
    expect(host.ioctl(ifd, 0x3b91, { size: 24 }).errname).toBe('ENOTTY');
    expect(host.ioctl(ifd, 0x3b93, { size: 32 }).errname).toBe('ENOTTY');
    // IOAS_ALLOC (0x3b81) is there in 6.12.
    expect(host.ioctl(ifd, 0x3b81, { size: 12, flags: 0 }).out).toEqual({ out_ioas_id: 1 });
  });
});
