// The fault path of the seed design: event -> struct iommu_fault (arm_smmu_handle_evt with v15
// 12/12), the DMA_FAULT ring (vfio_pci_iommu_dev_fault_handler: CIRC_SPACE, head modulo size),
// and the VMM's tail write (vfio_pci_dma_fault_rw). Values by hand from the uapi (uapi.ts).

import { describe, expect, it } from 'vitest';
import { EVT, eventName, type EventRecord } from '../../smmuv3/events';
import { armSmmuHandleEvt, DmaFaultRegion, NestedFaultRouter, patch12Reason } from './fault';

const evt = (id: number, over: Partial<EventRecord> = {}): EventRecord => ({
  id, name: eventName(id), sid: 0x10, ssv: false, ssid: 0, rnw: true, pnu: false, ind: false, s2: false, cls: 'IN',
  input: 0x1000_0000n, recorded: true, ...over,
});

describe('arm_smmu_handle_evt (seed v15 12/12 on the IOPF base)', () => {
  it.each([
    [EVT.F_TRANSLATION, 5], [EVT.F_ADDR_SIZE, 8], [EVT.F_ACCESS, 7], [EVT.F_PERMISSION, 6],
  ])('event 0x%s becomes reason %i with ADDR_VALID (2)', (id, reason) => {
    expect(armSmmuHandleEvt(evt(id))).toEqual({ fault: { type: 1, reason, flags: 2, pasid: 0, perm: 1, addr: 0x1000_0000n, fetch_addr: 0n } });
  });

  it('perm: a write is WRITE (2); InD adds EXEC (4), PnU adds PRIV (8); an SSID sets PASID_VALID (1)', () => {
    const r = armSmmuHandleEvt(evt(EVT.F_PERMISSION, { rnw: false, ind: true, pnu: true, ssv: true, ssid: 3 }));
    expect(r).toMatchObject({ fault: { perm: 2 | 4 | 8, flags: 2 | 1, pasid: 3 } });
  });

  it('a stage-2 fault is not forwarded: -EFAULT ("Stage-2 is always pinned")', () => {
    expect(armSmmuHandleEvt(evt(EVT.F_TRANSLATION, { s2: true }))).toMatchObject({ errno: 14 });
  });

  it('configuration events stop at the base\'s first switch (-EOPNOTSUPP) although patch 12 has cases for them', () => {
    for (const id of [EVT.C_BAD_SUBSTREAMID, EVT.F_CD_FETCH, EVT.C_BAD_CD, EVT.F_WALK_EABT, EVT.C_BAD_STE]) {
      expect(armSmmuHandleEvt(evt(id))).toMatchObject({ errno: 95 });
    }
    // The patch's own table (primer §4.7): PASID_INVALID 3, PASID_FETCH 1 + FETCH_ADDR_VALID 4,
    // BAD_PASID_ENTRY 2, WALK_EABT 4 + ADDR|FETCH_ADDR 6.
    expect([EVT.C_BAD_SUBSTREAMID, EVT.F_CD_FETCH, EVT.C_BAD_CD, EVT.F_WALK_EABT].map(patch12Reason)).toEqual([
      { reason: 3, flags: 0 }, { reason: 1, flags: 4 }, { reason: 2, flags: 0 }, { reason: 4, flags: 6 },
    ]);
  });
});

describe('the DMA_FAULT ring', () => {
  const fault = armSmmuHandleEvt(evt(EVT.F_TRANSLATION)) as { fault: Parameters<DmaFaultRegion['push']>[0] };

  it('a ring of N holds N - 1 (CIRC_SPACE keeps one slot free); the next fault is dropped with -ENOSPC', () => {
    const r = new DmaFaultRegion(4);
    expect([0, 1, 2].map(() => r.push(fault.fault))).toEqual([0, 0, 0]);
    expect(r.head).toBe(3);
    expect(r.push(fault.fault)).toBe(-28);
    expect(r.head).toBe(3);
  });

  it('head wraps modulo nb_entries once the VMM has consumed', () => {
    const r = new DmaFaultRegion(4);
    for (let i = 0; i < 3; i++) r.push({ ...fault.fault, addr: BigInt(i) });
    expect(r.consume().map((x) => x.addr)).toEqual([0n, 1n, 2n]);
    expect(r.tail).toBe(3);
    r.push({ ...fault.fault, addr: 3n });
    r.push({ ...fault.fault, addr: 4n });
    expect(r.head).toBe(1);                                            // (3 + 2) mod 4
    expect(r.consume().map((x) => x.addr)).toEqual([3n, 4n]);
  });

  it('the tail write: 4 bytes at offset 0 only; a tail above nb_entries is -EINVAL', () => {
    const r = new DmaFaultRegion(4);
    expect(r.writeTail(4, 4, 1)?.errno).toBe(22);
    expect(r.writeTail(0, 8, 1)?.errno).toBe(22);
    expect(r.writeTail(0, 4, 5)?.errno).toBe(22);
    expect(r.writeTail(0, 4, 4)).toBeNull();                            // `new_tail > nb_entries`, as posted
  });

  it('a non-DMA_UNRECOV fault is refused with -ENOENT', () => {
    expect(new DmaFaultRegion().push({ ...fault.fault, type: 2 })).toBe(-2);
  });

  it('the router delivers to the registered StreamID; an unknown one gets -EINVAL (iommu_report_device_fault)', () => {
    const router = new NestedFaultRouter();
    router.register(0x10);
    expect(router.reportFault(0x10, evt(EVT.F_ACCESS))).toMatchObject({ delivered: true, signal: true, fault: { reason: 7 } });
    expect(router.reportFault(0x11, evt(EVT.F_ACCESS))).toMatchObject({ delivered: false, signal: false, errno: 22 });
  });
});
