// The SMMU-state view's geometry and markup, on models the real engine builds (lesson 3, after
// host.set_pasid_table; lesson 4's Event queue). Widths are derived by hand: at 800 px the bit
// area runs from WORD_LABEL_W = 26 to 798, 772 / 64 = 12.0625 px a bit.

import { readFileSync } from 'node:fs';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { openLab } from '../../engine/lab';
import { buildSmmuState, type QueueVM, type SmmuStateVM } from '../../worker/models/smmu';
import { EMPTY_ROW_H, FIELD_ROW_H, labelMode, layoutRing, layoutWords, ROW_GAP, RULER_H } from './layout';
import SmmuState from './SmmuState';

function modelAt(file: string, startsWith: string): SmmuStateVM {
  const s = openLab(readFileSync(new URL(`../../scenarios/${file}`, import.meta.url), 'utf8'), { wallBudgetMs: Infinity }).session!;
  s.run();
  const step = s.records.find((r) => s.source.slice(r.head.start, r.head.end).startsWith(startsWith))!.step;
  const p = { step, access: 0 };
  return buildSmmuState({ machine: s.machineAt(p), position: p, events: s.visibleEvents(p), record: s.records[step - 1] });
}

const attached = modelAt('03-stale-iotlb.lab', 'host.set_pasid_table');
const faulted = modelAt('04-s2-fault-on-s1-table.lab', 'let f = dev.dma');
const per = 772 / 64;

describe('layoutWords', () => {
  const L = layoutWords(attached.ste!, 800);
  const box = (name: string) => L.boxes.find((b) => b.field.name === name)!;

  it('puts bit 63 at the left and bit 0 at the right of the bit area', () => {
    expect(L.bitX(64)).toBe(26);
    expect(L.bitX(0)).toBe(798);
    expect(L.ticks).toHaveLength(65);
  });

  it('gives words with fields a tall row and the unused words 4-7 a thin one', () => {
    expect(L.rows.map((r) => r.h)).toEqual([FIELD_ROW_H, FIELD_ROW_H, FIELD_ROW_H, FIELD_ROW_H, EMPTY_ROW_H, EMPTY_ROW_H, EMPTY_ROW_H, EMPTY_ROW_H]);
    expect(L.rows[1].y).toBe(RULER_H + FIELD_ROW_H + ROW_GAP);
    expect(L.height).toBe(RULER_H + 4 * (FIELD_ROW_H + ROW_GAP) + 4 * (EMPTY_ROW_H + ROW_GAP));
  });

  it('places each field over its bits: S2VMID [15:0] of word 2, V [0], S1ContextPtr [55:6]', () => {
    const vmid = box('S2VMID');
    expect(vmid.x).toBeCloseTo(26 + 48 * per, 6);
    expect(vmid.w).toBeCloseTo(16 * per, 6);
    expect(vmid.y).toBe(L.rows[2].y);
    expect(box('V').w).toBeCloseTo(per, 6);
    expect(box('S1ContextPtr').w).toBeCloseTo(50 * per, 6);
    // Word 0's unnamed bits: [58:56] between S1CDMax and S1ContextPtr.
    expect(L.rows[0].gaps).toEqual([[L.bitX(59), L.bitX(56) - L.bitX(59)]]);
  });

  it('labels wide fields across with their value, narrow ones rotated', () => {
    expect(box('S1ContextPtr').mode).toBe('two-lines');
    expect(box('S2VMID').mode).toBe('two-lines');
    expect(box('Config').mode).toBe('name');          // "Config" fits 3 bits at 9.2 px; "0b111" does not
    expect(box('S2R').mode).toBe('rotated');
    expect(box('S2R').size).toBeLessThanOrEqual(10.5);
  });
});

describe('labelMode', () => {
  const f = { ...attached.ste!.fields[0], name: 'S1STALLD', value: '0' };
  it('shrinks a rotated name to the row, and gives up below the minimum size', () => {
    expect(labelMode(f, 12, 38)).toEqual({ mode: 'rotated', size: 34 / (8 * 0.6) });
    expect(labelMode(f, 12, 20).mode).toBe('none');
    expect(labelMode(f, 4, 38).mode).toBe('none');
  });
});

describe('layoutRing', () => {
  it('colours the pending record and points PROD one slot past CONS', () => {
    const q: QueueVM = faulted.evtq;
    const L = layoutRing(q, 30);
    expect(L.size).toBe(128);
    expect(L.slots.map((s) => [s.slot, s.cls])).toEqual([[0, 'current']]);
    expect(L.cons.angle).toBe(0);
    expect(L.prod.angle).toBeCloseTo((2 * Math.PI) / 128, 12);
    expect(L.base.startsWith('M')).toBe(true);
  });
});

describe('SmmuState markup', () => {
  it('draws the STE fields, the stale-free TLB and both queues', () => {
    const html = renderToStaticMarkup(createElement(SmmuState, { vm: faulted }));
    expect(html).toContain('StreamID <b>0x10</b>');
    expect(html).toContain('>S2VMID<');
    expect(html).toContain('>S1ContextPtr<');
    expect(html).toContain('Command queue');
    expect(html).toContain('Event queue');
    expect(html).toContain('F_TRANSLATION');
    expect(html).toContain('1 pending');
    expect(html).not.toContain('STALE');
  });

  it('says so when there is no model', () => {
    expect(renderToStaticMarkup(createElement(SmmuState, { vm: null }))).toContain('No program is running');
  });
});
