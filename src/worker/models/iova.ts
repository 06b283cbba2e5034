// The IOVA-space view's model (shared/VIEWS.md "IOVA space"): one VFIO container's IOVA space (or
// one iommufd IOAS's: iova-ioas.ts gathers it, the same lanes with iommufd's names) as
// lanes over one axis: the domain's aperture, each group's reserved regions (typed, with the line
// /sys/kernel/iommu_groups/N/reserved_regions prints for it), the usable ranges VFIO_IOMMU_GET_INFO
// reports (type1's iova_list), the live MAP_DMA mappings (iova, size, vaddr -> HPA), and the last
// MAP_DMA the kernel refused, drawn where it tried to land with its errno and the function that
// chose it. Pure: reads the host (never changes it) and the program's host calls.
//
// The axis is piecewise: every start and end of everything drawn is a boundary, and each segment
// between two boundaries gets a width that grows with log2 of its length (layout.ts in the view),
// so a 1 MiB window at 0x800_0000 and the rest of a 48-bit aperture both read. The model does
// the bigint work; the view gets boundary indices and hex strings (no bigint crosses to the UI).

import { hexGrouped } from '../../model/bits';
import {
  IOMMU_READ, IOMMU_RESV_DIRECT, IOMMU_RESV_DIRECT_RELAXABLE, IOMMU_RESV_MSI, IOMMU_RESV_RESERVED, IOMMU_RESV_SW_MSI,
  IOMMU_WRITE, RESV_TYPE_NAMES, resvRegionLine, type ResvRegion, type ResvType,
} from '../../model/iommu/resv';
import type { IommuGroup } from '../../model/iommu/group';
import type { HostCallRecord } from '../../model/vfio/calls';
import { errname } from '../../model/vfio/errno';
import type { Container, VfioHost } from '../../model/vfio/vfio';
import { fdOf, groupsText, lastCall, structOf, u64 } from './iova-calls';
import { ioasSource } from './iova-ioas';
import type { ModelInput } from './index';

// ---- the model ------------------------------------------------------------------------------

/** The five enum iommu_resv_type values as the view styles them (one style each). */
export type ResvKind = 'direct' | 'direct-relaxable' | 'reserved' | 'msi' | 'sw-msi';

/** Indexed by enum iommu_resv_type (include/linux/iommu.h, resv.ts). */
const RESV_KIND: Record<ResvType, ResvKind> = {
  [IOMMU_RESV_DIRECT]: 'direct',
  [IOMMU_RESV_DIRECT_RELAXABLE]: 'direct-relaxable',
  [IOMMU_RESV_RESERVED]: 'reserved',
  [IOMMU_RESV_MSI]: 'msi',
  [IOMMU_RESV_SW_MSI]: 'sw-msi',
};

/** What each type means for VFIO, for the legend and hovers (primer vfio-qemu-spapr.md §5.1;
 *  vfio_iommu_resv_exclude() cuts every type but DIRECT_RELAXABLE out of the usable list). */
export const RESV_KIND_INFO: Record<ResvKind, { label: string; about: string }> = {
  'direct': { label: 'direct', about: 'must stay identity-mapped (an RMRR, an IORT RMR): never usable for MAP_DMA' },
  'direct-relaxable': { label: 'direct-relaxable', about: 'advertised 1:1 but may be dropped on assignment: stays usable' },
  'reserved': { label: 'reserved', about: 'never map, never give to a device' },
  'msi': { label: 'msi (hardware)', about: 'a hardware MSI window the IOMMU does not translate (x86 0xfee0_0000)' },
  'sw-msi': { label: 'sw msi', about: 'the IOVA window where the kernel maps MSI doorbells (the MSI cookie); sysfs prints it as "msi" too' },
};

/** A span of the axis: boundaries [from, to) (indices into IovaAxis.bounds), and its inclusive
 *  start and end and its size as the view prints them. */
export interface IovaSpan {
  from: number;
  to: number;
  start: string;
  /** Inclusive, as the kernel prints ranges. */
  end: string;
  size: string;
}

export interface IovaAxis {
  /** Every boundary, ascending, hex ("0x810_0000"); the last may be 0x1_0000_0000_0000_0000. */
  bounds: string[];
  /** Per segment (bounds.length - 1 of them): log2 of its length in bytes, rounded down. */
  log2: number[];
}

export interface ResvRegionVM extends IovaSpan {
  kind: ResvKind;
  /** IOMMU_RESV_SW_MSI */
  typeName: string;
  /** The region's line of reserved_regions, exactly as the kernel prints it, without the \n. */
  sysfs: string;
  /** IOMMU_* prot bits in words: "write noexec mmio". */
  prot: string;
}

export interface GroupResvVM {
  group: number;
  /** /sys/kernel/iommu_groups/2/reserved_regions */
  path: string;
  regions: ResvRegionVM[];
}

export interface MappingVM extends IovaSpan {
  vaddr: string;
  /** The HPA the first page maps to; null while no domain has it mapped. */
  hpa: string | null;
  /** More than one physically contiguous run: how many. */
  chunks: number;
  /** "rw", "r", "w" */
  prot: string;
}

export interface BounceVM extends IovaSpan {
  /** The host call's index in the program's sequence. */
  call: number;
  /** "MAP_DMA" (VFIO type1) or "IOAS_MAP" (iommufd). */
  request: string;
  /** Whether the call named its IOVA (MAP_DMA always; IOAS_MAP with IOMMU_IOAS_MAP_FIXED_IOVA),
   *  so the view can draw where it tried to land; otherwise the span is empty (from = to = 0). */
  placed: boolean;
  errname: string;
  errno: number;
  /** The kernel function that chose the errno ("vfio_iommu_iova_dma_valid (vfio_dma_do_map)"). */
  where: string;
  why: string;
  vaddr: string;
  /** Whether it is the program's latest map call of its kind (none since). */
  latest: boolean;
}

/** An iommufd IOAS (src/model/iommufd/): what the view shows instead of a container. */
export interface IoasVM {
  id: number;
  /** How many IOASes the program's iommufds hold. */
  of: number;
  /** The HWPTs over it, in words: "HWPT 3 (nest parent, stage 2)", a nested one with its vIOMMU. */
  hwpts: string[];
  /** The same, short, for the view's header line: "HWPT 3 nest parent (S2), HWPT 6 nested". */
  summary: string;
  /** out_iova_alignment of IOMMU_IOAS_IOVA_RANGES. */
  alignment: string;
}

export interface IovaSpaceVM {
  /** Which uAPI the space is seen through: a VFIO type1 container or an iommufd IOAS. */
  api: 'type1' | 'iommufd';
  /** "container 0: group 2", "no container yet: group 2" or "IOAS 2 (iommufd): group 2". */
  title: string;
  /** The platform and the kernel profile, as their labels say. */
  platform: string;
  kernel: string;
  /** The container shown; null before the program opens one (the groups are still shown). */
  container: { id: number; groups: number[]; backend: string | null; of: number } | null;
  /** The IOAS shown (api 'iommufd'), else null. */
  ioas: IoasVM | null;
  axis: IovaAxis;
  /** The aperture (domain->geometry; an IOAS's with several domains: their intersection), and
   *  whether it is a domain's, the platform's (type1, no domain yet), or none (an IOAS with no
   *  domain yet: all of u64, as IOMMU_IOAS_IOVA_RANGES says). */
  aperture: IovaSpan & { source: 'domain' | 'platform' | 'none' };
  groups: GroupResvVM[];
  /** type1's iova_list, what GET_INFO's VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE reports, or the
   *  IOAS's allowed ranges, what IOMMU_IOAS_IOVA_RANGES reports; null with no backend. */
  usable: IovaSpan[] | null;
  mappings: MappingVM[];
  bounce: BounceVM | null;
  /** What the lanes cannot say (no backend yet, an empty iova_list). */
  notes: string[];
}

// ---- building it ----------------------------------------------------------------------------

/** The view model from the machine (ModelInput): null when the program has no VFIO host (the
 *  lab machine makes `vfio` at the program's first host-side call). */
export function buildIovaSpace(input: ModelInput): IovaSpaceVM | null {
  const host = input.machine.vfio ?? null;
  if (host === null) return null;
  return buildIovaView(host, input.machine.hostCalls ?? []);
}

const U64_END = 1n << 64n;

/** What one space holds, in bigints, before the axis is cut: a container's or an IOAS's. */
export interface SpaceSource {
  api: 'type1' | 'iommufd';
  title: string;
  container: IovaSpaceVM['container'];
  ioas: IoasVM | null;
  /** Inclusive end. */
  aperture: { start: bigint; end: bigint; source: 'domain' | 'platform' | 'none' };
  groups: IommuGroup[];
  /** Inclusive ends; null: no backend. */
  usable: { start: bigint; end: bigint }[] | null;
  mappings: { iova: bigint; size: bigint; vaddr: bigint; hpa: bigint | null; chunks: number; prot: number }[];
  bounce: { call: HostCallRecord; request: string; iova: bigint; size: bigint; vaddr: bigint; placed: boolean; latest: boolean } | null;
  notes: string[];
}

const MAP_DMA = 'VFIO_IOMMU_MAP_DMA';
const IOAS_MAP = 'IOMMU_IOAS_MAP';

/** The space the program's last map call went to: its last MAP_DMA's container or its last
 *  IOAS_MAP's IOAS, whichever came later; with neither, a container with an IOMMU backend, else
 *  an IOAS, else the (first) container, else none yet. */
export function buildIovaView(host: VfioHost, calls: readonly HostCallRecord[]): IovaSpaceVM {
  const last = lastCall(calls, (c) => c.request === MAP_DMA || c.request === IOAS_MAP);
  const containers = host.liveContainers();
  const byMap = last?.request === MAP_DMA ? containerOf(host, last, containers) : null;
  const ioas = ioasSource(host, calls, last?.request === IOAS_MAP ? last : null);
  let src: SpaceSource;
  if (byMap !== null) src = type1Source(host, calls, byMap, containers);
  else if (last?.request === IOAS_MAP && ioas !== null) src = ioas;
  else {
    const withBackend = containers.find((c) => c.driver !== null) ?? null;
    src = withBackend !== null || ioas === null ? type1Source(host, calls, withBackend ?? containers[0] ?? null, containers) : ioas;
  }
  return assemble(host, src);
}

function containerOf(host: VfioHost, call: HostCallRecord, live: readonly Container[]): Container | null {
  const fd = fdOf(call);
  const c = fd === undefined ? undefined : host.containerOf(fd);
  return c !== undefined && live.includes(c) ? c : null;
}

function type1Source(host: VfioHost, calls: readonly HostCallRecord[], container: Container | null, containers: readonly Container[]): SpaceSource {
  const groups: IommuGroup[] = container !== null
    ? container.groups.map((g) => g.iommuGroup).sort((a, b) => a.id - b.id)
    : [...host.vfioGroups.values()].map((g) => g.iommuGroup).sort((a, b) => a.id - b.id);
  const driver = container?.driver ?? null;
  const domain = driver?.domains[0]?.domain ?? null;
  const aperture = domain !== null ? domain.aperture : host.platform.aperture;
  const bounceCall = lastCall(calls, (c) => c.request === MAP_DMA && c.result.errno !== 0);
  const bounceArg = bounceCall === null ? {} : structOf(bounceCall);

  const notes: string[] = [];
  if (container === null) notes.push('No container yet: open /dev/vfio/vfio, VFIO_GROUP_SET_CONTAINER and VFIO_SET_IOMMU make one; the usable ranges come with its IOMMU backend.');
  else if (driver === null) notes.push('The container has no IOMMU backend yet (VFIO_SET_IOMMU): no usable ranges, no mappings.');
  else if (driver.iovaList.length === 0) notes.push('iova_list is empty: GET_INFO reports no IOVA-range capability and MAP_DMA accepts any IOVA (vfio_iommu_iova_dma_valid).');
  if (containers.length > 1) notes.push(`${containers.length} containers are open; the view shows container ${container!.id}.`);

  const groupIds = groups.map((g) => g.id);
  return {
    api: 'type1',
    title: `${container !== null ? `container ${container.id}` : 'no container yet'}: ${groupsText(groupIds)}`,
    container: container === null ? null : {
      id: container.id, groups: groupIds, of: containers.length,
      backend: driver === null ? null : driver.nesting ? 'VFIO_TYPE1_NESTING_IOMMU' : driver.v2 ? 'VFIO_TYPE1v2_IOMMU' : 'VFIO_TYPE1_IOMMU',
    },
    ioas: null,
    aperture: { start: aperture.start, end: aperture.end, source: domain !== null ? 'domain' : 'platform' },
    groups,
    usable: driver === null ? null : driver.iovaList.map((r) => ({ start: r.start, end: r.end })),
    mappings: (driver?.dmas ?? []).filter((d) => d.size > 0n).map((d) => ({
      iova: d.iova, size: d.size, vaddr: d.vaddr, hpa: d.chunks.length > 0 ? d.chunks[0].paddr : null, chunks: d.chunks.length, prot: d.prot,
    })),
    bounce: bounceCall === null ? null : {
      call: bounceCall, request: 'MAP_DMA', iova: u64(bounceArg.iova), size: u64(bounceArg.size), vaddr: u64(bounceArg.vaddr), placed: true,
      latest: lastCall(calls, (c) => c.request === MAP_DMA) === bounceCall,
    },
    notes,
  };
}

/** Cut the axis at every boundary of everything drawn and turn bigints into the view's strings. */
function assemble(host: VfioHost, s: SpaceSource): IovaSpaceVM {
  const cuts = new Set<bigint>();
  const add = (start: bigint, endExcl: bigint) => { cuts.add(start); cuts.add(endExcl > U64_END ? U64_END : endExcl); };
  add(s.aperture.start, s.aperture.end + 1n);
  const resv = s.groups.map((g) => ({ g, regions: g.resvRegions() }));
  for (const { regions } of resv) for (const r of regions) add(r.start, r.start + r.length);
  for (const r of s.usable ?? []) add(r.start, r.end + 1n);
  for (const m of s.mappings) add(m.iova, m.iova + m.size);
  const b = s.bounce;
  const bounceEnd = b === null ? 0n : b.iova + (b.size === 0n ? 1n : b.size);
  if (b !== null && b.placed) add(b.iova, bounceEnd);
  const bounds = [...cuts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const index = new Map(bounds.map((v, i) => [v, i]));
  const at = (v: bigint) => index.get(v > U64_END ? U64_END : v)!;
  const text = (start: bigint, endExcl: bigint) => ({ start: hexGrouped(start), end: hexGrouped(endExcl - 1n), size: hexGrouped(endExcl - start) });
  const span = (start: bigint, endExcl: bigint): IovaSpan => ({ from: at(start), to: at(endExcl), ...text(start, endExcl) });

  return {
    api: s.api,
    title: s.title,
    platform: host.platform.label,
    kernel: host.profile.label,
    container: s.container,
    ioas: s.ioas,
    axis: {
      bounds: bounds.map(hexGrouped),
      log2: bounds.slice(1).map((v, i) => log2Floor(v - bounds[i])),
    },
    aperture: { ...span(s.aperture.start, s.aperture.end + 1n), source: s.aperture.source },
    groups: resv.map(({ g, regions }) => ({
      group: g.id,
      path: `/sys/kernel/iommu_groups/${g.id}/reserved_regions`,
      regions: regions.map((r) => ({
        // The region's line of the sysfs file, without its newline.
        ...span(r.start, r.start + r.length), kind: RESV_KIND[r.type], typeName: RESV_TYPE_NAMES[r.type], sysfs: resvRegionLine(r).trimEnd(), prot: protText(r),
      })),
    })),
    usable: s.usable === null ? null : s.usable.map((r) => span(r.start, r.end + 1n)),
    mappings: s.mappings.map((m) => ({
      ...span(m.iova, m.iova + m.size),
      vaddr: hexGrouped(m.vaddr),
      hpa: m.hpa === null ? null : hexGrouped(m.hpa),
      chunks: m.chunks,
      prot: `${m.prot & IOMMU_READ ? 'r' : ''}${m.prot & IOMMU_WRITE ? 'w' : ''}`,
    })),
    bounce: b === null ? null : {
      ...(b.placed ? span(b.iova, bounceEnd) : { from: 0, to: 0, ...text(b.iova, bounceEnd) }),
      call: b.call.i,
      request: b.request,
      placed: b.placed,
      errname: b.call.result.errname ?? errname(b.call.result.errno),
      errno: b.call.result.errno,
      where: b.call.result.where ?? '',
      why: b.call.result.why ?? '',
      vaddr: hexGrouped(b.vaddr),
      latest: b.latest,
    },
    notes: s.notes,
  };
}

function log2Floor(v: bigint): number {
  return v <= 0n ? 0 : v.toString(2).length - 1;
}

/** IOMMU_* prot bits (include/linux/iommu.h, resv.ts) in words. */
function protText(r: ResvRegion): string {
  const names = ['read', 'write', 'cache', 'noexec', 'mmio', 'priv'];
  const out = names.filter((_, i) => (r.prot >> i) & 1);
  return out.length === 0 ? 'none' : out.join(' ');
}
