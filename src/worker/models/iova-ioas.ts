// The IOVA-space model's iommufd source: one IOAS (drivers/iommu/iommufd/io_pagetable.c, the
// model's src/model/iommufd/ioas.ts) as the same lanes a type1 container gets:
//   aperture   the attached domains' geometry; an IOAS reserves everything outside each domain's
//              aperture (iopt_table_add_domain()), so with several domains it is their intersection
//   reserved   the regions of the groups of the devices attached to the IOAS's HWPTs (directly, or
//              nested on a vIOMMU over its nest parent), which iopt_table_enforce_group_resv_regions()
//              reserved at attach
//   allowed    the holes of the reserved tree, what IOMMU_IOAS_IOVA_RANGES reports
//   mappings   the areas IOMMU_IOAS_MAP made: iova, length, user_va -> PA once pinned
//   refused    the program's last IOAS_MAP that returned an errno, with the kernel function
// Pure: reads the host, never changes it.

import { IOMMU_IOAS_MAP_FIXED_IOVA } from '../../model/iommufd/uapi';
import type { IommufdCtx } from '../../model/iommufd/iommufd';
import type { Idev, Ioas } from '../../model/iommufd/objects';
import type { IommuGroup } from '../../model/iommu/group';
import type { HostCallRecord } from '../../model/vfio/calls';
import type { VfioHost } from '../../model/vfio/vfio';
import { fdOf, groupsText, lastCall, structOf, u64 } from './iova-calls';
import type { SpaceSource } from './iova';

const IOAS_MAP = 'IOMMU_IOAS_MAP';
/** ULONG_MAX on a 64-bit kernel: an IOAS with no domain allows [0, ULONG_MAX] (iopt_init_table()). */
const ULONG_MAX = (1n << 64n) - 1n;

/** The IOAS `mapCall` (an IOMMU_IOAS_MAP record) went to, else the first IOAS with a domain, else
 *  the first IOAS, of the program's open iommufds; null when there is none. */
export function ioasSource(host: VfioHost, calls: readonly HostCallRecord[], mapCall: HostCallRecord | null): SpaceSource | null {
  const ctxs = host.iommufd.contexts();
  const all = ctxs.flatMap((ctx) => ctx.objects.all().flatMap((o) => (o.type === 'ioas' ? [{ ctx, ioas: o }] : [])));
  if (all.length === 0) return null;
  let pick = all.find((x) => x.ioas.iopt.domains.length > 0) ?? all[0];
  if (mapCall !== null) {
    const fd = fdOf(mapCall);
    const ctx = fd === undefined ? undefined : host.iommufd.ctxOf(fd);
    const id = Number(u64(structOf(mapCall).ioas_id));
    pick = all.find((x) => x.ctx === ctx && x.ioas.id === id) ?? pick;
  }
  return fromIoas(host, calls, pick.ctx, pick.ioas, all.length);
}

function fromIoas(host: VfioHost, calls: readonly HostCallRecord[], ctx: IommufdCtx, ioas: Ioas, of: number): SpaceSource {
  const iopt = ioas.iopt;
  const objs = ctx.objects.all();
  // Devices whose HWPT maps this IOAS: a paging HWPT on it, or a nested one over its nest parent.
  const attached = objs.filter((o): o is Idev => o.type === 'device' && o.hwpt !== null
    && (o.hwpt.type === 'hwpt_paging' ? o.hwpt.ioas : o.hwpt.viommu.parent.ioas) === ioas);
  const groups = [...new Set<IommuGroup>(attached.map((d) => d.group))].sort((a, b) => a.id - b.id);
  const hwpts: string[] = [];
  const short: string[] = [];
  for (const o of objs) {
    if (o.type === 'hwpt_paging' && o.ioas === ioas) {
      const kind = o.nestParent ? 'nest parent' : o.autoDomain ? 'automatic' : 'paging';
      const stage = o.domain.stage === 's2' ? 2 : 1;
      hwpts.push(`HWPT ${o.id} (${kind}, stage ${stage})`);
      short.push(`HWPT ${o.id} ${kind} (S${stage})`);
    } else if (o.type === 'hwpt_nested' && o.viommu.parent.ioas === ioas) {
      hwpts.push(`HWPT ${o.id} (nested on vIOMMU ${o.viommu.id}: the guest's stage 1 over HWPT ${o.viommu.parent.id})`);
      short.push(`HWPT ${o.id} nested`);
    }
  }

  // The aperture every domain allows (iopt_table_add_domain() reserves outside each one's).
  let start = 0n, end = ULONG_MAX;
  for (const d of iopt.domains) {
    if (d.aperture.start > start) start = d.aperture.start;
    if (d.aperture.end < end) end = d.aperture.end;
  }

  const isMap = (c: HostCallRecord) => c.request === IOAS_MAP;
  const bounceCall = lastCall(calls, (c) => isMap(c) && c.result.errno !== 0);
  const arg = bounceCall === null ? {} : structOf(bounceCall);

  const notes: string[] = [];
  if (iopt.domains.length === 0) {
    notes.push('No HWPT on this IOAS yet: nothing is pinned or in a page table; IOMMU_HWPT_ALLOC or attaching a device adds a domain, and with it its aperture.');
  }
  if (attached.length === 0) {
    notes.push('No device is attached to this IOAS: its group\'s reserved regions are reserved at attach (iopt_table_enforce_group_resv_regions), so every IOVA is still allowed there.');
  }
  if (of > 1) notes.push(`${of} IOASes exist; the view shows IOAS ${ioas.id}, where the last IOAS_MAP went.`);
  const containers = host.liveContainers();
  if (containers.length > 0) notes.push(`The program also has VFIO container ${containers[0].id}: the view follows the last map call (MAP_DMA or IOAS_MAP).`);

  return {
    api: 'iommufd',
    title: `IOAS ${ioas.id} (iommufd): ${groupsText(groups.map((g) => g.id))}`,
    container: null,
    ioas: { id: ioas.id, of, hwpts, summary: short.length === 0 ? 'no HWPT yet' : short.join(', '), alignment: `0x${iopt.iovaAlignment.toString(16)}` },
    aperture: { start, end, source: iopt.domains.length > 0 ? 'domain' : 'none' },
    groups,
    usable: iopt.allowedRanges().map((r) => ({ start: r.start, end: r.last })),
    mappings: iopt.areas.map((a) => ({
      iova: a.iova, size: a.last - a.iova + 1n, vaddr: a.uptr, hpa: a.paddr, chunks: a.paddr === null ? 0 : 1, prot: a.prot,
    })),
    bounce: bounceCall === null ? null : {
      call: bounceCall, request: 'IOAS_MAP', iova: u64(arg.iova), size: u64(arg.length), vaddr: u64(arg.user_va),
      // Without FIXED_IOVA the kernel chose the IOVA (iopt_alloc_iova()): there is no place to draw.
      placed: (Number(u64(arg.flags)) & IOMMU_IOAS_MAP_FIXED_IOVA) !== 0,
      latest: lastCall(calls, isMap) === bounceCall,
    },
    notes,
  };
}
