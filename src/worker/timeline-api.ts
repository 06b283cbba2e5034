// The timeline's types and groups, shared by the worker (timeline.ts builds the rows) and the
// view (src/views/timeline/): plain data and constants only, so the view's chunk carries none of
// the worker's code.

import type { TraceEvent } from '../model/trace';

/** What a timeline can be filtered by: groups of trace event types (docs/trace.md). */
export const TIMELINE_GROUPS = ['step', 'dma', 'walk', 'tlb', 'config', 'commands', 'events', 'registers', 'memory', 'expect'] as const;
export type TimelineGroup = (typeof TIMELINE_GROUPS)[number];

/** Each group's chip label and what it holds. */
export const TIMELINE_GROUP_INFO: Record<TimelineGroup, { label: string; about: string }> = {
  step: { label: 'steps', about: 'each executed statement (and the boot), and runtime errors' },
  dma: { label: 'transactions', about: 'smmu.txn and smmu.done: a DMA arriving and its result or fault' },
  walk: { label: 'walk reads', about: 'smmu.fetch of S1 and S2 descriptors' },
  tlb: { label: 'TLB', about: 'smmu.tlb lookups (hit or miss) and TLB invalidations' },
  config: { label: 'config', about: 'configuration-cache lookups, STE/CD/L1STD/L1CD fetches, CFGI invalidations' },
  commands: { label: 'commands', about: 'smmu.cmd: each command the SMMU takes from the Command queue; host.call: each system call to the host kernel' },
  events: { label: 'events', about: 'smmu.evtq: event records offered to the Event queue' },
  registers: { label: 'registers', about: 'smmu.reg: MMIO reads and writes' },
  memory: { label: 'memory', about: 'mem.read and mem.write by software (runs by one writer folded)' },
  expect: { label: 'expects', about: 'the result of each expect' },
};

export type TimelineKind = TraceEvent['type'] | 'step' | 'expect' | 'error';

export interface TimelineRow {
  /** The row's position in the filtered list. */
  index: number;
  /** 0: the boot. */
  step: number;
  /** The statement's source line (0 for the boot). */
  line: number;
  kind: TimelineKind;
  group: TimelineGroup;
  /** One line: "S2 L1 read for the gL2 descriptor's IPA 0x4000_3400 (PA 0x1000_5008): 0x1010_2003 table". */
  text: string;
  /** Who owns what the row is about (shared/VIEWS.md): the guest (stage 1, a nested CD, its
   *  memory), the host (stage 2, the STE, its memory), the hardware (caches, queues, registers);
   *  null for statement and expect rows. */
  owner: 'guest' | 'host' | 'hw' | null;
  /** MARK_FAULT | MARK_TLB_MISS | MARK_EXPECT_FAILED | MARK_ERROR (api.ts). A step row carries
   *  its whole step's flags. */
  flags: number;
  /** Events the row stands for: 1, or the length of a folded run. */
  count: number;
}

export interface TimelinePage {
  /** Rows in the filtered list. */
  total: number;
  /** The first row's index (the request's start, clamped). */
  start: number;
  rows: TimelineRow[];
  /** Steps executed so far (the list covers them all). */
  executed: number;
  /** The first row (in this filter) of the position's step or later, -1 if none. */
  current: number;
}

/** At most this many rows a page. */
export const TIMELINE_PAGE_LIMIT = 1000;
