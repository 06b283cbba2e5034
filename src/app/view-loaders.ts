// Which component draws each view, loaded on demand (one chunk per view, d3 with them). Each
// loader's module is a small adapter in view-panels/ that takes the view's slice from the store
// and hands it to the view's own component (src/views/<name>/). A view missing here shows
// ViewHost's "not built yet" placeholder.

import type { ComponentType } from 'react';
import type { ViewId } from './views';

type Loader = () => Promise<{ default: ComponentType }>;

export const VIEW_LOADERS: Partial<Record<ViewId, Loader>> = {
  walk: () => import('./view-panels/WalkGridPanel'),
  tables: () => import('./view-panels/PageTablesPanel'),
  smmu: () => import('./view-panels/SmmuStatePanel'),
  timeline: () => import('./view-panels/TimelinePanel'),
  iova: () => import('./view-panels/IovaSpacePanel'),
  msi: () => import('./view-panels/MsiJourneyPanel'),
};
