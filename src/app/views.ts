// The views the app can open, in the order it lays out their tabs. Ids are the link format's
// (src/app/links/state.ts VIEW_IDS), so a shared link names the same views. Which React
// component draws each one is ViewHost's business (a lazy chunk per view).

export const APP_VIEW_IDS = ['walk', 'tables', 'smmu', 'timeline', 'iova', 'msi'] as const;
export type ViewId = (typeof APP_VIEW_IDS)[number];

export interface ViewSpec {
  id: ViewId;
  /** The tab's label. */
  title: string;
  /** What it shows, for the tab's tooltip and the help overlay. */
  about: string;
}

export const VIEW_SPECS: readonly ViewSpec[] = [
  { id: 'walk', title: 'Walk grid', about: 'The two-stage walk: each read of the current translation, stage 2 down, stage 1 across' },
  { id: 'tables', title: 'Page tables', about: 'The guest\'s stage-1 tables (IPAs) beside the host\'s stage-2 tables (PAs), the walk\'s path through both' },
  { id: 'smmu', title: 'SMMU state', about: 'STE and CD words with their fields, the TLB, the command and event queues' },
  { id: 'timeline', title: 'Timeline', about: 'Every executed step and its events, with faults, misses and failed expects' },
  { id: 'iova', title: 'IOVA space', about: 'A VFIO container\'s or an iommufd IOAS\'s IOVA space: aperture, reserved regions with their sysfs lines, usable ranges, mappings, a refused map' },
  { id: 'msi', title: 'MSI journey', about: 'The last MSI: device, stage 1, stage 2, ITS (DeviceID, EventID), LPI, target; where it stopped' },
];

/** The views a first visit opens (links/state.ts DEFAULT_VIEWS): the host-side views open from
 *  the "+ view" menu or their keys (5, 6), or with a lesson that names them. */
export const DEFAULT_OPEN_VIEWS: readonly ViewId[] = ['walk', 'tables', 'smmu', 'timeline'];

export function isViewId(id: unknown): id is ViewId {
  return typeof id === 'string' && (APP_VIEW_IDS as readonly string[]).includes(id);
}

export function viewSpec(id: ViewId): ViewSpec {
  return VIEW_SPECS.find((v) => v.id === id) as ViewSpec;
}
