// Property (fast-check): after any sequence of MAPD (map, remap, unmap) and MAPTI commands, MSIs
// deliver exactly the mapped LPIs to exactly the mapped targets, and every other MSI is dropped
// for the first reason the lookup chain meets.
//
// The oracle is a plain map DeviceID -> {Size, EventID -> (INTID, ICID)} kept by the rules of the
// commands (GICv3 spec, MAPD: Size is the number of EventID bits - 1, V = 0 unmaps; MAPTI: the
// EventID must be below 2^(Size+1), the INTID an LPI (8192 .. 65535 here), the device mapped;
// QEMU process_mapd / process_mapti). Each MAPD with V = 1 gets a fresh, zeroed ITT, as Linux's
// its_create_device allocates one, so a remapped device starts with no events. Collections 0-3
// are mapped to Redistributors 0-3; collection 4 is never mapped.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import type { ItsCmdEvent, ItsEvent } from '../trace';
import { encodeItsCmd, type ItsCmdSpec } from './commands';
import { itsInit, submitItsCommands } from './driver';
import { Its, type ItsTranslation } from './its';
import { GITS, VIRT_GIC_ITS } from './regs';
import { intidIsLpi, ITE_BYTES, ITT_ALIGN } from './tables';

const DT = 0x4000_0000, CT = 0x4001_0000, CMDQ = 0x4002_0000, ITT_POOL = 0x4100_0000;
const TRANSLATER = VIRT_GIC_ITS + GITS.TRANSLATER;
const DT_ENTRIES = 8192;        // one 64 KB page of 8-byte DTEs
const TARGETS = 4;

type Op =
  | { op: 'MAPD'; deviceId: number; size: number; valid: boolean }
  | { op: 'MAPTI'; deviceId: number; eventId: number; intid: number; icid: number };

const deviceId = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 7 }) }, { weight: 1, arbitrary: fc.constant(DT_ENTRIES) });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ op: fc.constant('MAPD' as const), deviceId, size: fc.integer({ min: 0, max: 5 }), valid: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('MAPTI' as const), deviceId, eventId: fc.integer({ min: 0, max: 70 }),
      intid: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 8192, max: 8192 + 300 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 8191 }) }),
      icid: fc.integer({ min: 0, max: TARGETS }),
    }),
  },
);
const writeArb = fc.record({ deviceId, eventId: fc.integer({ min: 0, max: 70 }) });

interface Device { size: number; events: Map<number, { intid: number; icid: number }> }

/** What the oracle expects of one MSI. */
function expected(devices: Map<number, Device>, d: number, e: number): ItsTranslation | { ok: false; reason: string } {
  if (d >= DT_ENTRIES) return { ok: false, reason: 'DEVICE_OOR' };
  const dev = devices.get(d);
  if (dev === undefined) return { ok: false, reason: 'UNMAPPED_DEVICE' };
  if (e >= 2 ** (dev.size + 1)) return { ok: false, reason: 'ID_OOR' };
  const ev = dev.events.get(e);
  if (ev === undefined) return { ok: false, reason: 'UNMAPPED_INTERRUPT' };
  if (ev.icid >= TARGETS) return { ok: false, reason: 'UNMAPPED_COLLECTION' };
  return { ok: true, intid: ev.intid, icid: ev.icid, target: ev.icid };
}

describe('MAPD + MAPTI, then MSIs', () => {
  it('deliver exactly the mapped LPIs to the mapped targets; everything else is dropped for the right reason', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.array(writeArb, { maxLength: 40 }), (ops, writes) => {
      const its = new Its(new PhysMem(), { redistributors: TARGETS });
      itsInit(its, { deviceTable: DT, collectionTable: CT, cmdq: CMDQ });
      submitItsCommands(its, [0, 1, 2, 3].map((c) => encodeItsCmd({ op: 'MAPC', icid: c, rdbase: c, valid: true })));
      const trace: ItsEvent[] = [];
      its.trace = trace;

      // the commands, and the oracle's view of them
      const devices = new Map<number, Device>();
      let nextItt = ITT_POOL;
      const specs: ItsCmdSpec[] = [];
      const shouldFail: boolean[] = [];
      for (const o of ops) {
        if (o.op === 'MAPD') {
          const bytes = 2 ** (o.size + 1) * ITE_BYTES;
          specs.push({ op: 'MAPD', deviceId: o.deviceId, size: o.size, itt: nextItt, valid: o.valid });
          nextItt += Math.ceil(bytes / ITT_ALIGN) * ITT_ALIGN;
          shouldFail.push(o.deviceId >= DT_ENTRIES);
          if (o.deviceId < DT_ENTRIES) {
            if (o.valid) devices.set(o.deviceId, { size: o.size, events: new Map() });
            else devices.delete(o.deviceId);
          }
        } else {
          specs.push({ op: 'MAPTI', deviceId: o.deviceId, eventId: o.eventId, intid: o.intid, icid: o.icid });
          const dev = devices.get(o.deviceId);
          const ok = dev !== undefined && o.eventId < 2 ** (dev.size + 1) && intidIsLpi(o.intid);
          shouldFail.push(!ok);
          if (ok) dev.events.set(o.eventId, { intid: o.intid, icid: o.icid });
        }
      }
      submitItsCommands(its, specs.map(encodeItsCmd));
      const cmdEvents = trace.filter((e): e is ItsCmdEvent => e.type === 'its.cmd');
      expect(cmdEvents.map((e) => e.error !== undefined)).toEqual(shouldFail);

      // every mapped event, each mapped device's last EventID and the one past its ITT, then the
      // random writes
      const all = [...devices].flatMap(([d, dev]) => [
        ...dev.events.keys(), 2 ** (dev.size + 1) - 1, 2 ** (dev.size + 1),
      ].map((e) => ({ deviceId: d, eventId: e })));
      const pending: Set<number>[] = Array.from({ length: TARGETS }, () => new Set());
      for (const w of [...all, ...writes]) {
        const want = expected(devices, w.deviceId, w.eventId);
        const got = its.write(TRANSLATER, w.eventId, w.deviceId);
        if (want.ok) {
          expect(got).toEqual(want);
          pending[want.target].add(want.intid);
        } else {
          expect(got).toMatchObject({ ok: false, drop: { reason: 'reason' in want ? want.reason : '' } });
        }
      }
      for (let t = 0; t < TARGETS; t++) expect(its.pendingLpis(t)).toEqual([...pending[t]].sort((a, b) => a - b));
    }), { numRuns: 300 });
  });
});
