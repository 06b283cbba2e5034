// One line of text for each of the host composition's device-side trace events (docs/trace.md
// "model/host"), shared by the CLI's readable trace and the timeline.

import type { HostDevEvent } from '../trace';
import { hexGrouped } from '../bits';


export function describeHostDevEvent(e: HostDevEvent): string {
  switch (e.type) {
    case 'dev.dma':
      return `${e.bdf} (RID ${hexGrouped(e.sid)}) DMA ${e.write ? 'write' : 'read'} of ${e.len} bytes at ${hexGrouped(e.iova)}`;
    case 'dev.msi':
      return `${e.bdf} (RID ${hexGrouped(e.sid)}) MSI: writes ${hexGrouped(e.data)} to ${hexGrouped(e.addr)}`;
    case 'msi.signal':
      return `eventfd ${e.fd} signalled, count ${e.count}`;
    case 'ir.msi':
      return `interrupt remapping: MSI ${hexGrouped(e.data)} at ${hexGrouped(e.addr)} ${e.ok ? 'delivered' : `dropped${e.why ? `: ${e.why}` : ''}`}`;
  }
}
