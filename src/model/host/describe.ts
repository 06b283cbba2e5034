// One line of text for each of the host composition's device-side trace events (docs/trace.md
// "model/host"), shared by the CLI's readable trace and the timeline.

import type { HostDevEvent } from '../trace';

const hx = (v: bigint | number) => '0x' + v.toString(16);

export function describeHostDevEvent(e: HostDevEvent): string {
  switch (e.type) {
    case 'dev.dma':
      return `${e.bdf} (RID ${hx(e.sid)}) DMA ${e.write ? 'write' : 'read'} of ${e.len} bytes at ${hx(e.iova)}`;
    case 'dev.msi':
      return `${e.bdf} (RID ${hx(e.sid)}) MSI: writes ${hx(e.data)} to ${hx(e.addr)}`;
    case 'msi.signal':
      return `eventfd ${e.fd} signalled, count ${e.count}`;
    case 'ir.msi':
      return `interrupt remapping: MSI ${hx(e.data)} at ${hx(e.addr)} ${e.ok ? 'delivered' : `dropped${e.why ? `: ${e.why}` : ''}`}`;
  }
}
