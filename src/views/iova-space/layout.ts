// The IOVA-space view's geometry: a piecewise axis (each segment between two boundaries of the
// model's axis gets a minimum width plus a share that grows with log2 of its length, so a 4 KiB
// attempt, a 1 MiB MSI window and 2^48 of usable space all read), the tick labels placed on two
// rows without overlapping, and the lanes' rows. Pure arithmetic on the model's numbers.

import type { IovaAxis, IovaSpaceVM } from '../../worker/models/iova';

/** Text sizes in px (projector: never below 12). */
export const FONT = { tick: 12, lane: 13, bar: 12 } as const;
/** Width of one character of the monospace font at FONT.tick (DejaVu Sans Mono: 0.602 em). */
export const CHAR_W = 0.61 * FONT.tick;
export const LABEL_W = 150;
export const TICK_ROW_H = 16;
export const LANE_H = 30;
export const LANE_GAP = 6;
/** A segment is never narrower than this (px). */
export const MIN_SEG = 22;
const LABEL_GAP = 10;

/** How much of the width a segment of 2^log2 bytes earns beyond MIN_SEG: 4 KiB (2^12) earns 4,
 *  1 MiB 12, 2^47 39: the longest is about ten times the shortest, not 2^35 times. */
export function segWeight(log2: number): number {
  return Math.max(1, log2 - 8);
}

export interface Tick {
  /** Index into axis.bounds. */
  i: number;
  x: number;
  label: string;
  /** 0 or 1: the row it is drawn on; null: no room (its value is in the lists and hovers). */
  row: 0 | 1 | null;
}

export interface AxisLayout {
  /** x of each boundary, from LABEL_W to width - right margin. */
  x: number[];
  ticks: Tick[];
}

/** Lay the boundaries out over [LABEL_W, width - 8]. */
export function layoutAxis(axis: IovaAxis, width: number): AxisLayout {
  const left = LABEL_W, right = Math.max(LABEL_W + 40, width - 8);
  const n = axis.log2.length;
  const avail = right - left;
  const x: number[] = [left];
  if (n > 0) {
    const min = Math.min(MIN_SEG, avail / n);
    const weights = axis.log2.map(segWeight);
    const sum = weights.reduce((a, b) => a + b, 0);
    let at = left;
    for (let i = 0; i < n; i++) {
      at += min + ((avail - n * min) * weights[i]) / sum;
      x.push(i === n - 1 ? right : at);
    }
  }
  return { x, ticks: placeTicks(axis.bounds, x, width) };
}

/** Tick labels centred on their boundary (clamped inside the view), each on the first of two rows
 *  where it does not overlap the previous label of that row; otherwise left out. */
export function placeTicks(bounds: readonly string[], x: readonly number[], width: number): Tick[] {
  const rowEnd = [-Infinity, -Infinity];
  return bounds.map((label, i) => {
    const w = label.length * CHAR_W;
    const cx = Math.min(Math.max(x[i], LABEL_W - 4 + w / 2), width - w / 2 - 2);
    const start = cx - w / 2;
    let row: 0 | 1 | null = null;
    for (const r of [0, 1] as const) {
      if (start >= rowEnd[r] + LABEL_GAP) { row = r; rowEnd[r] = cx + w / 2; break; }
    }
    return { i, x: cx, label, row };
  });
}

export type LaneKind = 'aperture' | 'resv' | 'usable' | 'maps' | 'bounce';

export interface Lane {
  kind: LaneKind;
  /** "group 2", "aperture", ... */
  label: string;
  /** The group, for resv lanes. */
  group?: number;
  y: number;
}

/** The lanes top to bottom, under the two tick rows. */
export function layoutLanes(vm: IovaSpaceVM): { lanes: Lane[]; height: number } {
  const lanes: Lane[] = [];
  let y = 2 * TICK_ROW_H + 8;
  const push = (kind: LaneKind, label: string, group?: number) => {
    lanes.push({ kind, label, group, y });
    y += LANE_H + LANE_GAP;
  };
  const fd = vm.api === 'iommufd';
  push('aperture', vm.aperture.source === 'domain' ? 'aperture' : vm.aperture.source === 'platform' ? 'aperture (platform)' : 'no domain: all u64');
  for (const g of vm.groups) push('resv', `group ${g.group} reserved`, g.group);
  if (vm.usable !== null) push('usable', fd ? 'allowed IOVAs' : 'usable (GET_INFO)');
  push('maps', fd ? 'IOAS_MAP mappings' : 'MAP_DMA mappings');
  // An IOAS_MAP without FIXED_IOVA named no IOVA: the text below tells it, no lane draws it.
  if (vm.bounce !== null && vm.bounce.placed) push('bounce', `refused ${vm.bounce.request}`);
  return { lanes, height: y };
}

/** A span's box: from boundary `from` to boundary `to`, at least 3 px wide (a 4 KiB attempt in
 *  a wide view still shows). */
export function spanBox(L: AxisLayout, s: { from: number; to: number }): { x: number; w: number } {
  const x0 = L.x[s.from], x1 = L.x[s.to];
  return { x: x0, w: Math.max(3, x1 - x0) };
}

/** Whether `text` fits inside a box `w` px wide at FONT.bar. */
export function fits(text: string, w: number): boolean {
  return text.length * 0.61 * FONT.bar + 8 <= w;
}
