// One line of text per ITS trace event, shared by the timeline and the CLI (the SMMU's events
// have their own wording in each; the ITS's are new enough to share one).

import type { ItsEvent } from '../trace';

const h = (v: number | bigint): string => '0x' + v.toString(16);

export function describeItsEvent(e: ItsEvent): string {
  switch (e.type) {
    case 'its.reg':
      return `ITS ${e.write ? 'write' : 'read'} ${e.name} ${e.write ? '<-' : '->'} ${h(e.value)}${e.note ? ` (${e.note})` : ''}`;
    case 'its.cmd':
      return `ITS command ${e.name} at CBASER+${h(e.offset)}${e.error ? `: ${e.error}` : ''}${e.note ? `; ${e.note}` : ''}`;
    case 'its.table':
      return `ITS ${e.write ? 'wrote' : 'read'} ${e.entry.table} at ${h(e.addr)}${e.entry.valid ? '' : ' (invalid)'}`;
    case 'its.msi':
      return `MSI to GITS_TRANSLATER ${h(e.addr)}: DeviceID ${h(e.deviceId)}, EventID ${e.eventId}`;
    case 'its.lpi':
      return `LPI ${e.intid} ${e.op === 'set' ? 'pending' : e.op === 'clear' ? 'cleared' : `moved from ${e.from}`} at redistributor ${e.target} (${e.by})`;
    case 'its.done':
      return e.ok
        ? `ITS: DeviceID ${h(e.deviceId)} EventID ${e.eventId} -> LPI ${e.intid}, collection ${e.icid}, redistributor ${e.target}`
        : `ITS dropped DeviceID ${h(e.deviceId)} EventID ${e.eventId}: ${e.drop?.reason ?? 'dropped'}${e.drop ? ` (${e.drop.why})` : ''}`;
  }
}
