// Every lesson's program (imported as text with Vite's `?raw`), joined to its entry in the
// catalog. The app fetches this as a chunk of its own (catalog.ts loadLessons); Node code gets it
// through index.ts.

import stage1Walk from './01-stage1-walk.lab?raw';
import nestedWalk from './02-nested-walk.lab?raw';
import staleIotlb from './03-stale-iotlb.lab?raw';
import s2FaultOnS1Table from './04-s2-fault-on-s1-table.lab?raw';
import exerciseStaleRing from './05-exercise-stale-ring.lab?raw';
import msiWindowEinval from './06-msi-window-einval.lab?raw';
import resvConflict from './07-resv-conflict.lab?raw';
import memlockEnomem from './08-memlock-enomem.lab?raw';
import iommufdNested from './13-iommufd-nested.lab?raw';
import msiJourney from './09-msi-journey.lab?raw';
import guestOwnsCdTable from './10-guest-owns-cd-table.lab?raw';
import nestedMsiBinding from './11-nested-msi-binding.lab?raw';
import guestFaultRegion from './12-guest-fault-dma-fault-region.lab?raw';
import x86MsiWindow from './14-x86-msi-window.lab?raw';
import { LESSON_INFO, type Lesson } from './catalog';

const SOURCES: Readonly<Record<string, string>> = {
  '01-stage1-walk.lab': stage1Walk,
  '02-nested-walk.lab': nestedWalk,
  '03-stale-iotlb.lab': staleIotlb,
  '04-s2-fault-on-s1-table.lab': s2FaultOnS1Table,
  '05-exercise-stale-ring.lab': exerciseStaleRing,
  '06-msi-window-einval.lab': msiWindowEinval,
  '07-resv-conflict.lab': resvConflict,
  '08-memlock-enomem.lab': memlockEnomem,
  '13-iommufd-nested.lab': iommufdNested,
  '09-msi-journey.lab': msiJourney,
  '10-guest-owns-cd-table.lab': guestOwnsCdTable,
  '11-nested-msi-binding.lab': nestedMsiBinding,
  '12-guest-fault-dma-fault-region.lab': guestFaultRegion,
  '14-x86-msi-window.lab': x86MsiWindow,
};

export const LESSONS: readonly Lesson[] = LESSON_INFO.map((l) => {
  const source = SOURCES[l.file];
  if (source === undefined) throw new Error(`lesson ${l.id}: no program ${l.file}`);
  return { ...l, source };
});
