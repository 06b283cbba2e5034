// One output line of `iommu-lab ioctl` (formats/ioctl-script.md, "Output line"): `i`, `op`,
// `request` for an ioctl, `ret`, `errno`, `errname` when errno != 0, then what the call produced
// (`out`, `text`, `ok`, `data`, `pa`, `event`, `delivered`, `value`). Hex strings (lower case,
// "0x", no padding) for addresses and sizes, integers for everything else, as in machine-image
// output; byte strings as hex digits, two a byte, first byte first.

import { hex } from '../../model/bits';
import { eventFields } from '../../model/image/run';
import type { EventRecord } from '../../model/smmuv3/events';
import { errname } from '../../model/vfio/errno';
import type { OpResult } from './backend';
import type { Op } from './schema';


/** Field names (in `out`, its capabilities and in events) whose values are addresses or sizes.
 *  The rest (argsz, flags, cap_offset, id, version, next, nr_iovas, avail, index, count,
 *  num_regions, num_irqs, object ids, num_iovas, entry_num) are integers. */
const HEX_FIELDS = new Set([
  // VFIO (include/uapi/linux/vfio.h)
  'size', 'iova', 'vaddr', 'start', 'end', 'offset', 'iova_pgsizes', 'pgsize_bitmap', 'max_dirty_bitmap_size', 'pgsize',
  // iommufd (include/uapi/linux/iommufd.h): IOAS ranges are [start, last], lengths in bytes
  'last', 'length', 'out_iova_alignment', 'user_va',
  // events and device actions
  'addr', 'pa', 'ipa', 'input', 'value',
]);

/** A value of `out` or `event` as JSON: hex for the HEX_FIELDS, integers otherwise (hex only if an
 *  integer would not survive JSON, past 2^53). */
function jsonValue(key: string | undefined, v: unknown): unknown {
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
    if (key !== undefined && HEX_FIELDS.has(key)) return hex(v < 0 ? BigInt.asUintN(64, BigInt(v)) : v);
    return typeof v === 'number' || (v >= -(2n ** 53n) && v < 2n ** 53n) ? Number(v) : hex(v);
  }
  if (v instanceof Uint8Array) return bytesHex(v);
  if (Array.isArray(v)) return v.map((x) => jsonValue(key, x));
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, jsonValue(k, x)]));
  }
  return v;
}

export const bytesHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** The output object for call `i`. `request` is the uapi name (or the number, for a request the
 *  headers do not name). */
export function formatResult(i: number, op: Op, request: string | number | undefined, r: OpResult): Record<string, unknown> {
  const line: Record<string, unknown> = { i, op };
  if (op === 'ioctl') line.request = request;
  // mmap returns an address; everything else an integer (-1 on failure).
  line.ret = op === 'mmap' && r.errno === 0 ? hex(r.ret) : Number(r.ret);
  line.errno = r.errno;
  if (r.errno !== 0) line.errname = r.errname ?? errname(r.errno);
  if (r.out !== undefined) line.out = jsonValue(undefined, r.out);
  if (r.text !== undefined) line.text = r.text;
  if (r.ok !== undefined) line.ok = r.ok;
  if (r.data !== undefined) line.data = bytesHex(r.data);
  if (r.pa !== undefined) line.pa = hex(r.pa);
  if (r.event !== undefined) line.event = r.event === null ? null : eventJson(r.event);
  if (r.delivered !== undefined) line.delivered = r.delivered;
  if (r.value !== undefined) line.value = hex(r.value);
  return line;
}

/** The SMMU event record as machine-image output shows it (eventFields), with the record's
 *  StreamID (`sid`: which device), `recorded` false where CD.R or STE.S2R suppressed the record,
 *  and `why` of a configuration error. */
export function eventJson(e: EventRecord): Record<string, unknown> {
  const { id, name, ...rest } = eventFields(e);
  const o: Record<string, unknown> = { id, name, sid: e.sid, ...rest };
  if (!e.recorded) o.recorded = false;
  if (e.why !== undefined) o.why = e.why;
  return o;
}
