// The MSI-journey model on hand-built trace slices. The facts the expectations rest on:
//  - QEMU virt: the ITS at 0x0808_0000, GITS_TRANSLATER at ITS base + 0x10040 = 0x809_0040
//    (primer smmuv3-nested-msi.md §5.1; platform.ts VIRT_ITS_BASE);
//  - the MSI cookie's window starts at MSI_IOVA_BASE 0x800_0000 (§5.2); under iommufd nesting the
//    guest identity-maps it in stage 1 (an RMR), so the stage-1 output IPA equals the IOVA (§5.3);
//  - the ITS chain DeviceID -> DTE -> ITT -> ITE (INTID, ICID) -> CTE -> Redistributor (§5.1);
//    LPIs start at INTID 8192;
//  - an event with S2 = 1 is stage 2's (SMMUv3 §7.3.12-16): F_TRANSLATION is event 0x10;
//  - x86: 0xfee0_0000-0xfeef_ffff is not DMA-remapped (§5.4); in the compatibility format the
//    vector is data[7:0] and the destination ID address[19:12] (Intel SDM vol. 3).

import { describe, expect, it } from 'vitest';
import type { SteConfig } from '../../model/smmuv3/ste';
import type { TraceEvent } from '../../model/trace';
import type { ModelInput } from './index';
import { buildMsiFromEvents, buildMsiJourney, type MsiTraceEvent } from './msi';
import type { StepRecord } from '../../engine/session';
import { lastMsiSlice, SessionViewCache, type ViewableSession } from '../view';
import { openLab } from '../../engine/lab';
import { findLesson } from '../../scenarios/index';

const SID = 0x10;
const DOORBELL_IOVA = 0x800_0040n;           // MSI_IOVA_BASE + 0x40
const TRANSLATER = 0x808_0000 + 0x10040;     // 0x809_0040

const nestedSte = { s1: true, s2: true, vmid: 1 } as SteConfig;
const s1OnlySte = { s1: true, s2: false, vmid: 0 } as SteConfig;

function s1Fetch(level: number): MsiTraceEvent { return { type: 'smmu.fetch', what: 'S1', addr: 0x4000_0000 + level * 0x1000, lo: 3, hi: 0, level }; }
function s2Fetch(level: number, purpose: 'CD' | 'TT' | 'IN', ipa: number): MsiTraceEvent {
  return { type: 'smmu.fetch', what: 'S2', addr: 0x1000_0000 + level * 0x1000, lo: 3, hi: 0, level, purpose, ipa };
}

const head: MsiTraceEvent[] = [
  { type: 'dev.msi', bdf: '0000:00:02.0', sid: SID, addr: DOORBELL_IOVA, data: 5 },
  { type: 'smmu.txn', sid: SID, iova: DOORBELL_IOVA, rnw: false, pnu: false, ind: false },
  { type: 'smmu.tlb', hit: false, kind: 'S1S2', vmid: 1, asid: 3, addr: Number(DOORBELL_IOVA) },
  s2Fetch(3, 'TT', 0x4000_0000), s1Fetch(0), s1Fetch(1), s1Fetch(2), s1Fetch(3),
];
const walkDone: MsiTraceEvent[] = [
  s2Fetch(3, 'IN', Number(DOORBELL_IOVA)),
  { type: 'smmu.done', ok: true, pa: TRANSLATER, reads: 6, walkReads: 6 },
];
const itsOk: MsiTraceEvent[] = [
  { type: 'its.msi', addr: TRANSLATER, deviceId: SID, eventId: 5, size: 4 },
  { type: 'its.table', write: false, addr: 0x4100_0000, raw: 0n, entry: { table: 'DTE', deviceId: SID, valid: true, size: 4, ittAddr: 0x4200_0000 } },
  { type: 'its.table', write: false, addr: 0x4200_0050, raw: 0n, entry: { table: 'ITE', deviceId: SID, eventId: 5, valid: true, physical: true, intid: 8192, icid: 0 } },
  { type: 'its.table', write: false, addr: 0x4300_0000, raw: 0n, entry: { table: 'CTE', icid: 0, valid: true, rdbase: 0 } },
  { type: 'its.lpi', op: 'set', intid: 8192, target: 0, was: false, by: 'GITS_TRANSLATER' },
  { type: 'its.done', deviceId: SID, eventId: 5, ok: true, intid: 8192, icid: 0, target: 0 },
];

const slice = (events: MsiTraceEvent[], step = 7) => ({ step, events: events as TraceEvent[], current: true });

describe('an MSI in nested mode, bound: device -> stage 1 -> stage 2 -> ITS -> LPI -> eventfd', () => {
  const vm = buildMsiFromEvents(slice([...head, ...walkDone, ...itsOk, { type: 'msi.signal', fd: 9, count: 1 }]), () => nestedSte)!;

  it('goes through every hop and is delivered', () => {
    expect(vm.arch).toBe('arm');
    expect(vm.hops.map((h) => h.id)).toEqual(['device', 's1', 's2', 'its', 'lpi', 'target']);
    expect(vm.hops.map((h) => h.state)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
    expect(vm.outcome).toBe('delivered');
    expect(vm).toMatchObject({ step: 7, current: true, bdf: '0000:00:02.0', sid: '0x10', addr: '0x8000040', data: '0x5' });
  });

  it('colours stage 1 as the guest\'s and stage 2 as the host\'s', () => {
    expect(vm.hops[1].owner).toBe('guest');
    expect(vm.hops[2].owner).toBe('host');
  });

  it('hands on the IPA from stage 1 and GITS_TRANSLATER\'s PA from stage 2', () => {
    expect(vm.hops[1].out).toBe('IPA 0x8000040');
    expect(vm.hops[2].out).toBe('PA 0x8090040');
    expect(vm.hops[1].lookup).toContain('4 stage-1 descriptors read (levels 0-3)');
    expect(vm.hops[1].lookup).toContain('TLB miss (VMID 1, ASID 3)');
  });

  it('shows the ITS\'s DeviceID/EventID lookups, the LPI and the eventfd', () => {
    const its = vm.hops[3];
    expect(its.lookup).toContain('DeviceID 0x10 (from the StreamID), EventID 0x5 (the data)');
    expect(its.lookup).toContain('ITE: INTID 8192, collection 0');
    expect(its.out).toBe('LPI INTID 8192, collection 0');
    expect(vm.hops[4].out).toBe('pending at Redistributor 0');
    expect(vm.hops[5]).toMatchObject({ title: 'eventfd', out: 'signalled, count 1', owner: 'host' });
  });
});

describe('where it stops', () => {
  it('without the binding: stage 2 faults on the doorbell IPA, in red with F_TRANSLATION 0x10', () => {
    const fault: MsiTraceEvent = {
      type: 'smmu.done', ok: false, reads: 6, walkReads: 6,
      event: { id: 0x10, name: 'F_TRANSLATION', sid: SID, ssv: false, ssid: 0, rnw: false, pnu: false, ind: false, s2: true, cls: 'IN', input: DOORBELL_IOVA, ipa: DOORBELL_IOVA, recorded: true },
    };
    const vm = buildMsiFromEvents(slice([...head, s2Fetch(3, 'IN', Number(DOORBELL_IOVA)), fault]), () => nestedSte)!;
    expect(vm.hops.map((h) => h.state)).toEqual(['done', 'done', 'fault', 'unreached', 'unreached', 'unreached']);
    expect(vm.hops[2].fault).toMatchObject({ name: 'F_TRANSLATION', code: '0x10' });
    expect(vm.hops[2].fault!.text).toContain('CLASS IN');
    expect(vm.hops[2].fault!.text).toContain('IPA 0x8000040');
    expect(vm.outcome).toBe('faulted');
  });

  it('a stage-1 fault (S2 = 0) stops at stage 1', () => {
    const fault: MsiTraceEvent = {
      type: 'smmu.done', ok: false, reads: 4, walkReads: 4,
      event: { id: 0x10, name: 'F_TRANSLATION', sid: SID, ssv: false, ssid: 0, rnw: false, pnu: false, ind: false, s2: false, cls: 'IN', input: DOORBELL_IOVA, recorded: true },
    };
    const vm = buildMsiFromEvents(slice([...head, fault]), () => nestedSte)!;
    expect(vm.hops.map((h) => h.state)).toEqual(['done', 'fault', 'unreached', 'unreached', 'unreached', 'unreached']);
  });

  it('the ITS drops it (no MAPD for the DeviceID): UNMAPPED_DEVICE, nothing pending', () => {
    const drop: MsiTraceEvent[] = [
      itsOk[0], { ...(itsOk[1] as object), entry: { table: 'DTE', deviceId: SID, valid: false, size: 0, ittAddr: 0 } } as MsiTraceEvent,
      { type: 'its.done', deviceId: SID, eventId: 5, ok: false, drop: { reason: 'UNMAPPED_DEVICE', why: 'the DTE of DeviceID 0x10 is not valid' } },
    ];
    const vm = buildMsiFromEvents(slice([...head, ...walkDone, ...drop]), () => nestedSte)!;
    expect(vm.hops.map((h) => h.state)).toEqual(['done', 'done', 'done', 'fault', 'unreached', 'unreached']);
    expect(vm.hops[3].fault).toMatchObject({ name: 'UNMAPPED_DEVICE', text: 'the DTE of DeviceID 0x10 is not valid' });
    expect(vm.hops[3].lookup).toContain('DTE of DeviceID 0x10: not valid');
    expect(vm.outcome).toBe('dropped');
  });

  it('a write translated to a PA that is not GITS_TRANSLATER is lost at the ITS hop', () => {
    const vm = buildMsiFromEvents(slice([...head, s2Fetch(3, 'IN', Number(DOORBELL_IOVA)), { type: 'smmu.done', ok: true, pa: 0x8_0000_0040, reads: 6, walkReads: 6 }]), () => nestedSte)!;
    expect(vm.hops[3]).toMatchObject({ state: 'fault', fault: { name: 'not the ITS' } });
    expect(vm.outcome).toBe('lost');
  });

  it('mid-walk (stepping into the translation): stage 1 under way, the rest to come', () => {
    const vm = buildMsiFromEvents(slice(head.slice(0, 5)), () => nestedSte)!;
    expect(vm.outcome).toBe('in-flight');
    expect(vm.hops.map((h) => h.state)).toEqual(['done', 'active', 'pending', 'pending', 'pending', 'pending']);
  });

  it('a host stage-1 domain (VFIO type1 on an SMMU stage 1): one stage, host-owned, IOVA -> PA', () => {
    const events: MsiTraceEvent[] = [
      head[0], head[1], { type: 'smmu.tlb', hit: true, kind: 'S1S2', vmid: 0, asid: 1, addr: Number(DOORBELL_IOVA) },
      { type: 'smmu.done', ok: true, pa: TRANSLATER, reads: 0, walkReads: 0 }, ...itsOk,
    ];
    const vm = buildMsiFromEvents(slice(events), () => s1OnlySte)!;
    expect(vm.hops.map((h) => h.id)).toEqual(['device', 's1', 'its', 'lpi', 'target']);
    expect(vm.hops[1]).toMatchObject({ owner: 'host', out: 'PA 0x8090040' });
    expect(vm.hops[1].lookup).toContain('TLB hit (VMID 0, ASID 1): no walk');
    // No eventfd: the LPI stays pending at its Redistributor.
    expect(vm.hops[4]).toMatchObject({ title: 'Redistributor 0', out: 'LPI 8192 pending', owner: 'hw' });
  });
});

describe('x86: the interrupt window is not translated', () => {
  it('device -> DMA remapping (bypassed) -> interrupt remapping -> vector', () => {
    const vm = buildMsiFromEvents(slice([
      { type: 'dev.msi', bdf: '0000:00:02.0', sid: SID, addr: 0xfee0_1000n, data: 0x41 },
      { type: 'ir.msi', addr: 0xfee0_1000n, data: 0x41, ok: true },
      { type: 'msi.signal', fd: 9, count: 2 },
    ]))!;
    expect(vm.arch).toBe('x86');
    expect(vm.hops.map((h) => [h.id, h.state])).toEqual([['device', 'done'], ['dmar', 'bypass'], ['ir', 'done'], ['vector', 'done']]);
    // 0xfee01000: bit 4 = 0, compatibility format; address[19:12] = 0x01; data[7:0] = 0x41.
    expect(vm.hops[2].lookup).toEqual(['compatibility format (address bit 4 = 0)', 'destination ID 0x1, vector 0x41']);
    expect(vm.hops[3].out).toBe('eventfd signalled, count 2');
    // x86 names the requester by its RID (the VT-d source-id), not by an SMMU StreamID.
    expect(vm.hops[0].lookup.slice(0, 2)).toEqual([`RID 0x${SID.toString(16)} (the requester ID, bus:device.function)`, 'MSI address 0xfee01000']);
  });

  it('blocked by interrupt remapping: stops there in red with why', () => {
    const vm = buildMsiFromEvents(slice([
      { type: 'dev.msi', bdf: '0000:00:02.0', sid: SID, addr: 0xfee0_0010n, data: 0 },
      { type: 'ir.msi', addr: 0xfee0_0010n, data: 0, ok: false, why: 'IRTE 0 is not present' },
    ]))!;
    expect(vm.hops[2]).toMatchObject({ state: 'fault', fault: { text: 'IRTE 0 is not present' } });
    // 0xfee00010: bit 4 = 1, remappable; handle = address[19:5] = 0.
    expect(vm.hops[2].lookup[0]).toBe('remappable format (address bit 4 = 1)');
    expect(vm.hops[3].state).toBe('unreached');
    expect(vm.outcome).toBe('dropped');
  });
});

describe('buildMsiJourney', () => {
  const machine = { smmu: { cfgCache: new Map([[SID, { ste: nestedSte, cds: new Map() }]]), oas: 48 } };
  it('is null before any MSI', () => {
    const input = { machine, position: { step: 3, access: 0 }, events: [], record: undefined } as unknown as ModelInput;
    expect(buildMsiJourney(input)).toBeNull();
  });
  it('uses the slice view.ts found (an earlier step), and the cached STE', () => {
    const input = {
      machine, position: { step: 9, access: 0 }, events: [], record: undefined,
      lastMsi: { step: 4, events: [...head, ...walkDone, ...itsOk], current: false },
    } as unknown as ModelInput;
    const vm = buildMsiJourney(input)!;
    expect(vm).toMatchObject({ step: 4, current: false, outcome: 'delivered' });
    expect(vm.hops.map((h) => h.id)).toEqual(['device', 's1', 's2', 'its', 'lpi', 'target']);
  });
});

describe('lastMsiSlice (view.ts): which step\'s MSI the view shows', () => {
  const rec = (step: number, events: MsiTraceEvent[]) => ({ step, events: events as TraceEvent[] }) as unknown as StepRecord;
  const msiEv = head[0];
  const records = [rec(1, []), rec(2, [msiEv]), rec(3, []), rec(4, [msiEv]), rec(5, [])];
  const session = { records } as unknown as ViewableSession;
  const cache = new SessionViewCache('');
  cache.update(records);

  it('indexes the steps that raised an MSI once', () => {
    expect(cache.msiSteps).toEqual([2, 4]);
  });
  it('takes the position\'s own MSI first, else the latest earlier one, else none', () => {
    expect(lastMsiSlice(session, cache, 4, [msiEv as TraceEvent])).toMatchObject({ step: 4, current: true });
    expect(lastMsiSlice(session, cache, 5, [])).toMatchObject({ step: 4, current: false });
    expect(lastMsiSlice(session, cache, 4, [])).toMatchObject({ step: 2, current: false });
    expect(lastMsiSlice(session, cache, 2, [])).toBeNull();
  });
});

describe('lesson 13: iommufd\'s MSI on the real trace (the guest\'s RMR identity map, iommufd_sw_msi in stage 2)', () => {
  /** The journey of the lesson's last MSI (its edu.irq step), from the engine's own records. */
  function journey(source: string) {
    const { session } = openLab(source);
    const s = session!;
    s.run();
    const step = [...s.records].reverse().find((r) => r.events.some((e) => e.type === 'dev.msi'))!.step;
    const position = { step, access: 0 };
    const input = { machine: s.machineAt(position), position, events: s.visibleEvents(position), record: s.record(step) } as ModelInput;
    return buildMsiJourney(input)!;
  }
  const lesson = findLesson('iommufd-nested')!.source;

  it('shows both stages: the guest\'s stage 1 hands on IPA 0x800_0040 (the identity map), stage 2 (VMID 1) the doorbell', () => {
    const vm = journey(lesson);
    expect(vm.outcome).toBe('delivered');
    expect(vm.hops.map((h) => h.id)).toEqual(['device', 's1', 's2', 'its', 'lpi', 'target']);
    const [dev, s1, s2, its, lpi, target] = vm.hops;
    expect(dev.lookup).toContain('MSI address IOVA 0x8000040');      // sw_msi_start 0x800_0000 + 0x40
    expect(s1).toMatchObject({ owner: 'guest', state: 'done', out: 'IPA 0x8000040' });
    expect(s2).toMatchObject({ owner: 'host', state: 'done', out: 'PA 0x8090040' });   // GITS_TRANSLATER
    expect(s2.lookup[0]).toBe('STE: VMID 1');                         // the nest parent's VMID
    expect(its.lookup).toContain('DeviceID 0x10 (from the StreamID), EventID 0x0 (the data)');
    expect(lpi.lookup[0]).toBe('INTID 8192 (an LPI: INTIDs from 8192)');
    expect(target).toMatchObject({ title: 'eventfd', out: 'signalled, count 1' });
  });

  it('without the identity map it stops at the guest\'s stage 1 with F_TRANSLATION 0x10', () => {
    const noRmr = lesson.replace('guest.s1.map(pt, va: 0x800_0000, ipa: 0x800_0000, size: 1M, perm: rw)', '');
    expect(noRmr).not.toBe(lesson);
    const vm = journey(noRmr);
    expect(vm.outcome).toBe('faulted');
    const s1 = vm.hops.find((h) => h.id === 's1')!;
    expect(s1).toMatchObject({ state: 'fault', owner: 'guest' });
    expect(s1.fault).toMatchObject({ name: 'F_TRANSLATION', code: '0x10' });
    expect(vm.hops.find((h) => h.id === 's2')!.state).toBe('unreached');
  });
});
