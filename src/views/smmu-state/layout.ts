// The SMMU-state view's geometry: pure functions from the worker's model (src/worker/models/smmu.ts)
// to positioned boxes, in pixels of the width the view is given. No DOM; tested in Node
// (layout.test.ts); SmmuState.tsx draws it.
//
// Scales, declared:
// - word rows: x = bitX(b), linear, bit 63 at the left of the bit area and bit 0 at its right
//   (a field [hi:lo] spans bitX(hi + 1)..bitX(lo)); y: one band per word, FIELD_ROW_H for a
//   word that holds fields, EMPTY_ROW_H for one that holds none here.
// - rings: slot i of a 2^QS-slot queue is the arc from angle 2*pi*i/size to 2*pi*(i+1)/size,
//   clockwise from the top; PROD and CONS point at the boundary before their slot.

import { arc } from 'd3-shape';
import type { FieldVM, QueueVM, StructVM } from '../../worker/models/smmu';

// ---- the word rows ----------------------------------------------------------------------------

export const WORD_LABEL_W = 26;
export const RULER_H = 16;
export const FIELD_ROW_H = 38;
export const EMPTY_ROW_H = 12;
export const ROW_GAP = 2;
/** Font sizes (px) and the advance of a monospace character, for fitting labels. */
export const FONT = { name: 10.5, value: 11.5, min: 7, across: 9, ruler: 9 } as const;
export const MONO_ADVANCE = 0.6;

export type LabelMode = 'two-lines' | 'name' | 'rotated' | 'none';

export interface FieldBox {
  field: FieldVM;
  x: number;
  y: number;
  w: number;
  h: number;
  mode: LabelMode;
  /** The name's font size (shrunk, down to FONT.min, to fit the box). */
  size: number;
}

export interface WordRow {
  word: number;
  hex: string;
  used: boolean;
  y: number;
  h: number;
  /** Runs of bits no field of this SMMU covers (drawn hatched): [x, w]. */
  gaps: [number, number][];
}

export interface WordsLayout {
  width: number;
  height: number;
  bitX: (bit: number) => number;
  ticks: { bit: number; x: number; major: boolean }[];
  rows: WordRow[];
  boxes: FieldBox[];
}

/** The largest font (up to `max`) at which `chars` monospace characters fit `room` px. */
const fitSize = (chars: number, room: number, max: number) => Math.min(max, room / (chars * MONO_ADVANCE));

/** How a field's name (and value) fit a box w x h: across, with the value below when both fit;
 *  across alone; rotated (reading upwards) in a narrow box; or not at all (the hover says it). */
export function labelMode(f: FieldVM, w: number, h: number): { mode: LabelMode; size: number } {
  const across = fitSize(f.name.length, w - 3, FONT.name);
  const up = w >= 7 ? fitSize(f.name.length, h - 4, FONT.name) : 0;
  const valueFits = f.value.length * FONT.value * MONO_ADVANCE + 3 <= w;
  // Across when it reads nearly as large as rotated would; else whichever is larger.
  if (across >= FONT.min && (across >= FONT.across || across >= up)) {
    return { mode: valueFits && h >= 26 ? 'two-lines' : 'name', size: across };
  }
  if (up >= FONT.min) return { mode: 'rotated', size: up };
  return { mode: 'none', size: 0 };
}

export function layoutWords(s: StructVM, width: number): WordsLayout {
  const x0 = WORD_LABEL_W, x1 = width - 2;
  const per = (x1 - x0) / 64;
  const bitX = (bit: number) => x0 + (64 - bit) * per;
  const ticks: WordsLayout['ticks'] = [];
  for (let b = 64; b >= 0; b--) ticks.push({ bit: b, x: bitX(b), major: b % 8 === 0 });
  const rows: WordRow[] = [];
  const boxes: FieldBox[] = [];
  let y = RULER_H;
  for (const w of s.words) {
    const h = w.used ? FIELD_ROW_H : EMPTY_ROW_H;
    const mine = s.fields.filter((f) => f.word === w.index).sort((a, b) => b.hi - a.hi);
    for (const f of mine) {
      const bx = bitX(f.hi + 1), bw = bitX(f.lo) - bx;
      const { mode, size } = labelMode(f, bw, h);
      boxes.push({ field: f, x: bx, y, w: bw, h, mode, size });
    }
    rows.push({ word: w.index, hex: w.hex, used: w.used, y, h, gaps: gapsOf(mine, bitX) });
    y += h + ROW_GAP;
  }
  return { width, height: y, bitX, ticks, rows, boxes };
}

/** The bit runs between fields, from bit 63 down. */
function gapsOf(fields: FieldVM[], bitX: (b: number) => number): [number, number][] {
  const out: [number, number][] = [];
  let top = 63;
  for (const f of fields) {
    if (f.hi < top) out.push([bitX(top + 1), bitX(f.hi + 1) - bitX(top + 1)]);
    top = f.lo - 1;
  }
  if (top >= 0) out.push([bitX(top + 1), bitX(0) - bitX(top + 1)]);
  return out;
}

// ---- the rings ----------------------------------------------------------------------------------

export type SlotClass = 'pending' | 'consumed' | 'current' | 'error';

export interface RingLayout {
  size: number;
  r: number;
  /** The whole ring, one path. */
  base: string;
  /** Slots worth a colour (the rest are the base ring). */
  slots: { slot: number; cls: SlotClass; d: string }[];
  prod: Pointer;
  cons: Pointer;
}

export interface Pointer {
  /** The boundary's angle (radians, clockwise from the top). */
  angle: number;
  /** A triangle pointing at the ring, outside (PROD) or inside (CONS). */
  d: string;
  /** Where its label goes. */
  lx: number;
  ly: number;
}

export const RING_WIDTH = 12;

export function layoutRing(q: QueueVM, r: number): RingLayout {
  const size = q.size;
  const inner = r - RING_WIDTH;
  const slotArc = arc<{ s: number; e: number }>()
    .innerRadius(inner).outerRadius(r).startAngle((d) => d.s).endAngle((d) => d.e);
  const angle = (slot: number) => (2 * Math.PI * slot) / size;
  const base = slotArc({ s: 0, e: 2 * Math.PI }) ?? '';
  const cls = new Map<number, SlotClass>();
  for (let k = 0; k < q.pending; k++) cls.set((q.cons.index + k) % size, 'pending');
  for (const e of q.entries) if (e.state === 'consumed') cls.set(e.slot, 'consumed');
  for (const s of q.touched) cls.set(s, 'current');
  for (const e of q.entries) if (e.state === 'error') cls.set(e.slot, 'error');
  // Tiny slots (256 in a ring) get at least a visible sliver.
  const minArc = Math.max(0, 0.035 - (2 * Math.PI) / size) / 2;
  const slots = [...cls].sort((a, b) => a[0] - b[0]).map(([slot, c]) => ({
    slot, cls: c, d: slotArc({ s: angle(slot) - minArc, e: angle(slot + 1) + minArc }) ?? '',
  }));
  return { size, r, base, slots, prod: pointer(angle(q.prod.index), r, true), cons: pointer(angle(q.cons.index), inner, false) };
}

function pointer(a: number, radius: number, outside: boolean): Pointer {
  // Unit vectors: angle 0 is up (-y), clockwise.
  const ux = Math.sin(a), uy = -Math.cos(a);
  const tx = Math.cos(a), ty = Math.sin(a);
  const tip = outside ? radius + 1 : radius - 1;
  const back = outside ? radius + 9 : radius - 9;
  const px = (d: number, t: number) => `${(ux * d + tx * t).toFixed(2)},${(uy * d + ty * t).toFixed(2)}`;
  const d = `M${px(tip, 0)}L${px(back, -4.5)}L${px(back, 4.5)}Z`;
  const l = outside ? radius + 16 : radius - 16;
  return { angle: a, d, lx: ux * l, ly: uy * l };
}
