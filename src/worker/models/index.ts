// View-models: what each view draws, built in the worker from the machine at the position and
// the position's events (the UI never recomputes the model: DESIGN.md). Each view owns one
// module here and one field of ViewModels; buildModels calls them all.

import type { Position, StepRecord } from '../../engine/session';
import type { LabMachine } from '../../model/lab/machine';
import type { TraceEvent } from '../../model/trace';
import { buildPageTables, type PageTablesVM } from './tables';
import { buildWalkGrid, type WalkGridVM } from './walk';
import { buildSmmuState, type SmmuStateVM } from './smmu';
import { buildIovaSpace, type IovaSpaceVM } from './iova';
import { buildMsiJourney, type MsiJourneyVM, type MsiSlice } from './msi';
import { buildKernelBadge, type KernelBadgeVM } from './kernel';

export interface ModelInput {
  /** The machine at the position (after the step; before it when inside a walk). Read only. */
  machine: LabMachine;
  position: Position;
  /** The position's visible events (all of the step's at access 0). */
  events: readonly TraceEvent[];
  /** The position's step, if any (step 0 is the booted machine). */
  record: StepRecord | undefined;
  /** The last MSI the program raised up to the position: its step's events (view.ts finds it).
   *  Absent: the MSI-journey view looks at the position's own events only. */
  lastMsi?: MsiSlice | null;
}

/** One field per view; a view whose model does not apply at this position gets null. */
export interface ViewModels {
  tables: PageTablesVM | null;
  walk: WalkGridVM | null;
  smmu: SmmuStateVM | null;
  /** null: the program has no VFIO host. */
  iova: IovaSpaceVM | null;
  /** null: no MSI raised yet. */
  msi: MsiJourneyVM | null;
  /** The kernel the program's host side runs (its profile), null without a host. */
  kernel: KernelBadgeVM | null;
}

export function buildModels(input: ModelInput): ViewModels {
  return {
    tables: buildPageTables(input),
    walk: buildWalkGrid(input),
    smmu: buildSmmuState(input),
    iova: buildIovaSpace(input),
    msi: buildMsiJourney(input),
    kernel: buildKernelBadge(input),
  };
}
