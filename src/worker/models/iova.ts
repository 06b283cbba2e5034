// The IOVA-space view's model (shared/VIEWS.md "IOVA space"): one VFIO container's IOVA space as
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
  IOMMU_WRITE, RESV_TYPE_NAMES, type ResvRegion, type ResvType,
} from '../../model/iommu/resv';
import type { IommuGroup } from '../../model/iommu/group';
import type { HostCallRecord } from '../../model/vfio/calls';
import type { Container, VfioHost } from '../../model/vfio/vfio';
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
  errname: string;
  errno: number;
  /** The kernel function that chose the errno ("vfio_iommu_iova_dma_valid (vfio_dma_do_map)"). */
  where: string;
  why: string;
  vaddr: string;
  /** Whether it is the program's latest MAP_DMA (no MAP_DMA since). */
  latest: boolean;
}

export interface IovaSpaceVM {
  /** "container 0: group 2" or "no container yet: group 2". */
  title: string;
  /** The platform and the kernel profile, as their labels say. */
  platform: string;
  kernel: string;
  /** The container shown; null before the program opens one (the groups are still shown). */
  container: { id: number; groups: number[]; backend: string | null; of: number } | null;
  axis: IovaAxis;
  /** The aperture (domain->geometry), and whether it is a domain's or the platform's (no domain yet). */
  aperture: IovaSpan & { source: 'domain' | 'platform' };
  groups: GroupResvVM[];
  /** type1's iova_list, what GET_INFO's VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE reports; null with no backend. */
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

export function buildIovaView(host: VfioHost, calls: readonly HostCallRecord[]): IovaSpaceVM {
  const containers = host.liveContainers();
  // The container the program's last MAP_DMA went to, else the first with a backend.
  const lastMap = lastMapCall(calls);
  const mapFd = lastMap === null ? undefined : fdOf(lastMap);
  const byFd = mapFd === undefined ? undefined : host.containerOf(mapFd);
  const container = byFd !== undefined && containers.includes(byFd) ? byFd : pickContainer(containers);
  const groups: IommuGroup[] = container !== null
    ? container.groups.map((g) => g.iommuGroup).sort((a, b) => a.id - b.id)
    : [...host.vfioGroups.values()].map((g) => g.iommuGroup).sort((a, b) => a.id - b.id);
  const driver = container?.driver ?? null;
  const domain = driver?.domains[0]?.domain ?? null;
  const aperture = domain !== null ? domain.aperture : host.platform.aperture;
  const bounceCall = lastBounce(calls);

  // Every boundary of everything drawn: [start, end + 1).
  const cuts = new Set<bigint>();
  const add = (start: bigint, endExcl: bigint) => { cuts.add(start); cuts.add(endExcl > U64_END ? U64_END : endExcl); };
  add(aperture.start, aperture.end + 1n);
  const resv = groups.map((g) => ({ g, regions: g.resvRegions(), lines: g.reservedRegionsText().split('\n') }));
  for (const { regions } of resv) for (const r of regions) add(r.start, r.start + r.length);
  for (const r of driver?.iovaList ?? []) add(r.start, r.end + 1n);
  for (const d of driver?.dmas ?? []) if (d.size > 0n) add(d.iova, d.iova + d.size);
  let bounceRange: { start: bigint; endExcl: bigint } | null = null;
  const bounceArg = bounceCall === null ? {} : structOf(bounceCall);
  if (bounceCall !== null) {
    const iova = u64(bounceArg.iova), size = u64(bounceArg.size);
    bounceRange = { start: iova, endExcl: iova + (size === 0n ? 1n : size) };
    add(bounceRange.start, bounceRange.endExcl);
  }
  const bounds = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(bounds.map((b, i) => [b, i]));
  const at = (v: bigint) => index.get(v > U64_END ? U64_END : v)!;
  const span = (start: bigint, endExcl: bigint): IovaSpan => ({
    from: at(start), to: at(endExcl), start: hexGrouped(start), end: hexGrouped(endExcl - 1n), size: hexGrouped(endExcl - start),
  });

  const notes: string[] = [];
  if (container === null) notes.push('No container yet: open /dev/vfio/vfio, VFIO_GROUP_SET_CONTAINER and VFIO_SET_IOMMU make one; the usable ranges come with its IOMMU backend.');
  else if (driver === null) notes.push('The container has no IOMMU backend yet (VFIO_SET_IOMMU): no usable ranges, no mappings.');
  else if (driver.iovaList.length === 0) notes.push('iova_list is empty: GET_INFO reports no IOVA-range capability and MAP_DMA accepts any IOVA (vfio_iommu_iova_dma_valid).');
  if (containers.length > 1) notes.push(`${containers.length} containers are open; the view shows container ${container!.id}.`);

  const groupIds = groups.map((g) => g.id);
  const groupsText = groupIds.length === 0 ? 'no group' : `group${groupIds.length > 1 ? 's' : ''} ${groupIds.join(', ')}`;
  return {
    title: container !== null ? `container ${container.id}: ${groupsText}` : `no container yet: ${groupsText}`,
    platform: host.platform.label,
    kernel: host.profile.label,
    container: container === null ? null : {
      id: container.id, groups: groupIds, of: containers.length,
      backend: driver === null ? null : driver.nesting ? 'VFIO_TYPE1_NESTING_IOMMU' : driver.v2 ? 'VFIO_TYPE1v2_IOMMU' : 'VFIO_TYPE1_IOMMU',
    },
    axis: {
      bounds: bounds.map(hexGrouped),
      log2: bounds.slice(1).map((b, i) => log2Floor(b - bounds[i])),
    },
    aperture: { ...span(aperture.start, aperture.end + 1n), source: domain !== null ? 'domain' : 'platform' },
    groups: resv.map(({ g, regions, lines }) => ({
      group: g.id,
      path: `/sys/kernel/iommu_groups/${g.id}/reserved_regions`,
      regions: regions.map((r, i) => ({
        ...span(r.start, r.start + r.length), kind: RESV_KIND[r.type], typeName: RESV_TYPE_NAMES[r.type], sysfs: lines[i], prot: protText(r),
      })),
    })),
    usable: driver === null ? null : driver.iovaList.map((r) => span(r.start, r.end + 1n)),
    mappings: (driver?.dmas ?? []).filter((d) => d.size > 0n).map((d) => ({
      ...span(d.iova, d.iova + d.size),
      vaddr: hexGrouped(d.vaddr),
      hpa: d.chunks.length > 0 ? hexGrouped(d.chunks[0].paddr) : null,
      chunks: d.chunks.length,
      prot: `${d.prot & IOMMU_READ ? 'r' : ''}${d.prot & IOMMU_WRITE ? 'w' : ''}`,
    })),
    bounce: bounceCall === null || bounceRange === null ? null : {
      ...span(bounceRange.start, bounceRange.endExcl),
      call: bounceCall.i,
      errname: bounceCall.result.errname ?? `errno ${bounceCall.result.errno}`,
      errno: bounceCall.result.errno,
      where: bounceCall.result.where ?? '',
      why: bounceCall.result.why ?? '',
      vaddr: hexGrouped(u64(bounceArg.vaddr)),
      latest: lastMap === bounceCall,
    },
    notes,
  };
}

/** The first live container with an IOMMU backend, else the first live one. */
function pickContainer(cs: readonly Container[]): Container | null {
  return cs.find((c) => c.driver !== null) ?? cs[0] ?? null;
}

const isMap = (c: HostCallRecord) => c.op === 'ioctl' && c.request === 'VFIO_IOMMU_MAP_DMA';

/** The program's last VFIO_IOMMU_MAP_DMA that returned an errno. */
function lastBounce(calls: readonly HostCallRecord[]): HostCallRecord | null {
  for (let i = calls.length - 1; i >= 0; i--) if (isMap(calls[i]) && calls[i].result.errno !== 0) return calls[i];
  return null;
}

function lastMapCall(calls: readonly HostCallRecord[]): HostCallRecord | null {
  for (let i = calls.length - 1; i >= 0; i--) if (isMap(calls[i])) return calls[i];
  return null;
}

/** The ioctl's argument struct: the lab records {fd, arg: {...}}; a record may also hold the
 *  struct's fields at the top level. */
function structOf(c: HostCallRecord): Record<string, unknown> {
  const a = c.args.arg;
  return typeof a === 'object' && a !== null ? (a as Record<string, unknown>) : c.args;
}

/** The fd an ioctl was made on, when the record says. */
function fdOf(c: HostCallRecord): number | undefined {
  const fd = c.args.fd;
  return typeof fd === 'number' ? fd : typeof fd === 'bigint' ? Number(fd) : undefined;
}

/** A u64 field as C reads it (numbers and bigints; anything else is 0). */
function u64(v: unknown): bigint {
  if (typeof v === 'bigint') return BigInt.asUintN(64, v);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt.asUintN(64, BigInt(v));
  return 0n;
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
