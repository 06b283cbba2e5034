// MSI of the edu device bound through iommufd (Linux 6.15+ software MSI, iommufd/sw-msi.ts): SET_IRQS on
// the cdev, the ITS doorbell page in the attached HWPT's domain at the SW_MSI base, and the MSI's path
// through both stages when the guest identity-maps the window (an IORT RMR) - or its stage-1 fault into
// the vEVENTQ when it does not. Every expected value is derived by hand from the rule its comment names.

import { describe, expect, it } from 'vitest';
import { PCI_MSI_ADDRESS_HI, PCI_MSI_ADDRESS_LO, PCI_MSI_DATA_64 } from '../devices/pci';
import type { ItsDoneEvent, TlbEvent } from '../trace';
import { HostSystem } from './system';
import { SwMsiState, swMsiIova } from '../iommufd/sw-msi';
import { ERRNO } from '../vfio/errno';

const BDF = '0000:00:02.0';
/** RID 2 << 3 = 0x10 (rid.ts): the pSID and the ITS DeviceID. */
const PSID = 0x10;
const VSID = 0x8;
/** MSI_IOVA_BASE (arm-smmu-v3.h): the IOMMU_RESV_SW_MSI region's start, so igroup->sw_msi_start. */
const SW_MSI = 0x800_0000;
/** GITS_TRANSLATER = ITS base 0x0808_0000 (QEMU virt) + 0x10040 (primer §5.1); its 4K page. */
const TRANSLATER = 0x0809_0040n;
const DOORBELL_PAGE = 0x0809_0000n;
/** struct vfio_irq_set flags: VFIO_IRQ_SET_DATA_EVENTFD (1 << 2) | VFIO_IRQ_SET_ACTION_TRIGGER (1 << 5). */
const EVENTFD_TRIGGER = 0x24;
/** VMSAv8-64 descriptor output address [47:12] (4K granule, 48-bit OA). */
const OA = 0xffff_ffff_f000n;

function host() {
  return new HostSystem({ platform: { machine: 'arm64-virt', smmu_stage: 'nested' }, kernel: '7.2', devices: [{ bdf: BDF, group: 2, model: 'edu' }] });
}

/** Bound, IOAS 2 with 2 MiB of guest RAM at IPA 0x4000_0000, nest parent 3, vIOMMU 4, vDEVICE 5
 *  (vSID 0x8), the guest's stage-1 table and CD (ASID 3), nested HWPT 6 attached; `rmr`: the guest
 *  identity-maps the SW_MSI window's first page (what its driver does for the IORT RMR). */
function nestedGuest(rmr: boolean) {
  const h = host();
  const lab = h.machine!;
  const va = BigInt(h.mmap(0x20_0000n).ret);
  const ifd = Number(h.open('/dev/iommu').ret);
  const cdev = Number(h.open('/dev/vfio/devices/vfio0').ret);
  expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd }).errno).toBe(0);
  expect(h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 }).errno).toBe(0);
  expect(h.ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: 0b111, ioas_id: 2, user_va: va, length: 0x20_0000n, iova: 0x4000_0000n }).errno).toBe(0);
  expect(h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 1, dev_id: 1, pt_id: 2, data_type: 0 }).errno).toBe(0);
  expect(h.ioctl(ifd, 'IOMMU_VIOMMU_ALLOC', { size: 24, flags: 0, type: 1, dev_id: 1, hwpt_id: 3 }).errno).toBe(0);
  expect(h.ioctl(ifd, 'IOMMU_VDEVICE_ALLOC', { size: 24, viommu_id: 4, dev_id: 1, virt_id: VSID }).errno).toBe(0);
  const vm = lab.vms[0];
  const pt = lab.newPt(vm, 12, 48);
  if (rmr) lab.s1Map(pt, SW_MSI, SW_MSI, 0x1000, { r: true, w: true });
  const cd = lab.writeCd(pt, 3, true, false);
  // Guest STE: V | Config S1 (0b101 << 1) | S1ContextPtr; word 1 S1CIR/S1COR WBRA, S1CSH ISH.
  const ste = [1n | (5n << 1n) | BigInt(cd.ipa), (1n << 2n) | (1n << 4n) | (3n << 6n)];
  expect(h.ioctl(ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 0, dev_id: 1, pt_id: 4, data_type: 2, data_len: 16, data: { ste } }).out).toEqual({ out_hwpt_id: 6 });
  expect(h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 6 }).errno).toBe(0);
  const efd = Number(h.eventfd().ret);
  return { h, lab, vm, pt, ifd, cdev, efd };
}

/** VFIO_DEVICE_SET_IRQS, MSI index 1, one eventfd: argsz = 20-byte header + one s32. */
function setIrqs(h: HostSystem, fd: number, efd: number) {
  return h.ioctl(fd, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: EVENTFD_TRIGGER, index: 1, start: 0, count: 1, data: [efd] });
}

function msiAddress(h: HostSystem): bigint {
  const f = h.functions.get(BDF)!;
  return BigInt(f.configRead(f.msiCap + PCI_MSI_ADDRESS_LO, 4)) | (BigInt(f.configRead(f.msiCap + PCI_MSI_ADDRESS_HI, 4)) << 32n);
}

describe('SET_IRQS on a cdev behind a nested HWPT (iommufd_sw_msi)', () => {
  it('maps GITS_TRANSLATER\'s page at the SW_MSI base in the nest parent\'s stage 2 and programs 0x800_0040', () => {
    const g = nestedGuest(true);
    expect(setIrqs(g.h, g.cdev, g.efd).errno).toBe(0);
    // iommufd_sw_msi_install(): iova = sw_msi_start + pgoff (0: the first page of this iommufd) * 4K.
    const leaf = g.lab.s2Lookup(g.vm, SW_MSI);
    expect(leaf).not.toBe(null);
    expect(leaf!.level).toBe(3);                                     // one PAGE_SIZE leaf
    expect(leaf!.desc & OA).toBe(DOORBELL_PAGE);
    // prot IOMMU_WRITE | IOMMU_READ: stage-2 S2AP [7:6] = 0b11.
    expect((leaf!.desc >> 6n) & 3n).toBe(3n);
    // msi_desc_set_iommu_msi_iova(desc, iova, PAGE_SHIFT): address = iova | (0x0809_0040 & 0xfff).
    expect(msiAddress(g.h)).toBe(0x800_0040n);
    // its_irq_domain_alloc(): the device's first EventID is 0 (its-driver.ts).
    const f = g.h.functions.get(BDF)!;
    expect(f.configRead(f.msiCap + PCI_MSI_DATA_64, 2)).toBe(0);
  });

  it('with the guest\'s identity map the MSI arrives through both stages: VMID 1, LPI 8192, eventfd 1', () => {
    const g = nestedGuest(true);
    setIrqs(g.h, g.cdev, g.efd);
    const from = g.lab.trace.length;
    const r = g.h.irq(BDF, 0);
    expect(r.delivered).toBe(true);
    const ev = g.lab.trace.slice(from);
    // The TLB lookup is tagged with the STE's S2VMID: the nest parent's VMID 1 (ida_alloc_range(.., 1, ..)),
    // which arm_vsmmu_init() copied to the vIOMMU; and the STE's word 2 [15:0] holds it.
    const tlb = ev.find((e): e is TlbEvent => e.type === 'smmu.tlb' && e.kind === 'S1S2');
    expect(tlb?.vmid).toBe(1);
    expect(g.lab.mem.load64(BigInt(g.lab.steAddr(PSID) + 16)) & 0xffffn).toBe(1n);
    // The SMMU's output is GITS_TRANSLATER itself: IOVA 0x800_0040 -S1 1:1-> IPA 0x800_0040 -S2-> 0x0809_0040.
    const done = ev.find((e) => e.type === 'smmu.done');
    expect(done).toMatchObject({ ok: true, pa: Number(TRANSLATER) });
    // The ITS: DeviceID = RID 0x10, EventID 0 -> the first LPI, 8192 (its_lpi_alloc() from 8192).
    const its = ev.find((e): e is ItsDoneEvent => e.type === 'its.done');
    expect(its).toMatchObject({ ok: true, deviceId: PSID, eventId: 0, intid: 8192 });
    // vfio_msihandler() -> eventfd_signal(): the count read(2) returns is 1.
    expect(g.h.readEventfd(g.efd).ret).toBe(1n);
  });

  it('without the identity map the write faults in stage 1 and the vEVENTQ gets F_TRANSLATION with the vSID', () => {
    const g = nestedGuest(false);
    // The host cannot see the guest's stage 1: SET_IRQS succeeds and maps stage 2 all the same.
    expect(setIrqs(g.h, g.cdev, g.efd).errno).toBe(0);
    expect(g.lab.s2Lookup(g.vm, SW_MSI)!.desc & OA).toBe(DOORBELL_PAGE);
    const q = g.h.ioctl(g.ifd, 'IOMMU_VEVENTQ_ALLOC', { size: 32, flags: 0, viommu_id: 4, type: 1, veventq_depth: 8 });
    const qfd = (q.out as { out_veventq_fd: number }).out_veventq_fd;
    const r = g.h.irq(BDF, 0);
    expect(r.delivered).toBe(false);
    // F_TRANSLATION (0x10), S2 = 0: the guest's table has no entry for IOVA 0x800_0040.
    expect(r.event).toMatchObject({ id: 0x10, s2: false, sid: PSID, input: 0x800_0040n });
    const rd = g.h.vfio.readFd(qfd, 4096);
    expect(rd.ret).toBe(40);                                         // header 8 + event 32 (primer §4.8 step 9)
    const rec = (rd.out as { records: { evt: bigint[] }[] }).records[0];
    expect(rec.evt[0] & 0xffn).toBe(0x10n);                          // event id [7:0]
    expect(rec.evt[0] >> 32n).toBe(BigInt(VSID));                   // StreamID [63:32]: the vSID
    expect(rec.evt[2]).toBe(0x800_0040n);                            // InputAddr
    expect(g.h.readEventfd(g.efd).ret).toBe(0n);                     // no interrupt, no signal
  });
});

describe('SET_IRQS on a cdev behind a paging HWPT', () => {
  function paging() {
    const h = host();
    const ifd = Number(h.open('/dev/iommu').ret);
    const cdev = Number(h.open('/dev/vfio/devices/vfio0').ret);
    h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd });
    h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 });
    return { h, ifd, cdev, efd: Number(h.eventfd().ret) };
  }

  it('an automatic stage-1 domain gets the doorbell at 0x800_0000 and the MSI needs no guest', () => {
    const p = paging();
    // Attaching to IOAS 2 makes an automatic paging HWPT, id 3 (iommufd_device_auto_get_domain()).
    expect(p.h.ioctl(p.cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 2 }).out).toEqual({ pt_id: 3 });
    expect(setIrqs(p.h, p.cdev, p.efd).errno).toBe(0);
    expect(msiAddress(p.h)).toBe(0x800_0040n);
    const r = p.h.irq(BDF, 0);
    expect(r.delivered).toBe(true);
    expect(p.h.readEventfd(p.efd).ret).toBe(1n);
  });

  it('a replace keeps the doorbell: iommufd_group_setup_msi() installs the group\'s maps in the new HWPT', () => {
    const p = paging();
    p.h.ioctl(p.cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 2 });                 // auto HWPT 3
    setIrqs(p.h, p.cdev, p.efd);
    // A second paging HWPT on the same IOAS, id 4; the device moves there with no new SET_IRQS.
    expect(p.h.ioctl(p.ifd, 'IOMMU_HWPT_ALLOC', { size: 48, flags: 0, dev_id: 1, pt_id: 2, data_type: 0 }).out).toEqual({ out_hwpt_id: 4 });
    expect(p.h.ioctl(p.cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 4 }).out).toEqual({ pt_id: 4 });
    expect(p.h.irq(BDF, 0).delivered).toBe(true);                     // the same 0x800_0040 still translates
    expect(p.h.readEventfd(p.efd).ret).toBe(1n);
  });

  it('a bound device attached to nothing is in the blocking domain: SET_IRQS fails with ENOSPC', () => {
    const p = paging();
    const r = setIrqs(p.h, p.cdev, p.efd);
    // iommu_dma_prepare_msi(): no cookie -> -EOPNOTSUPP; msi_domain_alloc_irqs() reports -ENOSPC.
    expect(r.ret).toBe(-1);
    expect(r.errname).toBe('ENOSPC');
  });
});

describe('iommufd_sw_msi_get_map(): one list per iommufd', () => {
  it('a page keeps its pgoff; a new page takes the next; ids stop at 64 with EOVERFLOW', () => {
    const s = new SwMsiState();
    const base = 0x800_0000n;
    const a = s.getMap(DOORBELL_PAGE, base);
    const again = s.getMap(DOORBELL_PAGE, base);
    const b = s.getMap(0x0a00_0000n, base);
    if ('errno' in a || 'errno' in b) throw new Error('unexpected');
    expect(again).toBe(a);
    expect([a.pgoff, a.id, swMsiIova(a)]).toEqual([0, 0, 0x800_0000n]);
    expect([b.pgoff, b.id, swMsiIova(b)]).toEqual([1, 1, 0x800_1000n]);  // max(pgoff) + 1, sw_msi_id++
    // Another sw_msi_start counts its pgoffs from 0 but shares the ids.
    const c = s.getMap(DOORBELL_PAGE, 0x1000_0000n);
    if ('errno' in c) throw new Error('unexpected');
    expect([c.pgoff, c.id]).toEqual([0, 2]);
    for (let i = 3; i < 64; i++) expect('errno' in s.getMap(BigInt(i) << 20n, base)).toBe(false);
    const over = s.getMap(0x7f00_0000n, base);
    expect('errno' in over && over.errno).toBe(ERRNO.EOVERFLOW);
  });
});
