// How each VFIO request takes its argument (iommufd's: iommufd-structs.ts), so a script's `arg` can be checked before it runs:
// by value (an int), a pointer to a struct (its fields by uapi name), a pointer to an int fd, a
// string (the device name), or nothing. include/uapi/linux/vfio.h: each request's comment says
// what it takes; the struct field names are those of the structs named here.

import { IOMMUFD_IOCTLS, iommufdIoctl, iommufdRequestCode, iommufdRequestDef, profileHas } from '../../model/iommufd/uapi';
import { requestCode, vfioIoctl, VFIO_IOCTLS } from '../../model/vfio/ioctl';
import type { KernelProfile } from '../../model/vfio/profile';
import { IOMMUFD_STRUCTS } from './iommufd-structs';

export type ArgKind =
  | { kind: 'none' }
  | { kind: 'value' }
  | { kind: 'string'; what: string }
  | {
    kind: 'struct'; struct: string; fields: readonly string[]; lists?: readonly string[]; objects?: Record<string, readonly string[]>;
    /** The argument as the model takes it, from the script's fields (iommufd-structs.ts: driver
     *  data given inline instead of through a user pointer). */
    toModel?: (arg: Record<string, unknown>) => Record<string, unknown>;
  };

const STRUCTS: Record<string, ArgKind> = {
  // _IO(VFIO_TYPE, VFIO_BASE + 0): no argument; returns VFIO_API_VERSION.
  VFIO_GET_API_VERSION: { kind: 'none' },
  // "Check whether an extension is supported": the extension id by value.
  VFIO_CHECK_EXTENSION: { kind: 'value' },
  // "Set the iommu to the given type": the type by value.
  VFIO_SET_IOMMU: { kind: 'value' },
  VFIO_GROUP_GET_STATUS: { kind: 'struct', struct: 'vfio_group_status', fields: ['argsz', 'flags'] },
  // "(int)": a pointer to the container fd.
  VFIO_GROUP_SET_CONTAINER: { kind: 'struct', struct: 'int (the container fd)', fields: ['fd'] },
  VFIO_GROUP_UNSET_CONTAINER: { kind: 'none' },
  // "(char *)": the device name.
  VFIO_GROUP_GET_DEVICE_FD: { kind: 'string', what: 'the device name, e.g. "0000:00:02.0"' },
  VFIO_DEVICE_GET_INFO: { kind: 'struct', struct: 'vfio_device_info', fields: ['argsz', 'flags', 'num_regions', 'num_irqs', 'cap_offset', 'pad'] },
  VFIO_DEVICE_GET_REGION_INFO: { kind: 'struct', struct: 'vfio_region_info', fields: ['argsz', 'flags', 'index', 'cap_offset', 'size', 'offset'] },
  VFIO_DEVICE_GET_IRQ_INFO: { kind: 'struct', struct: 'vfio_irq_info', fields: ['argsz', 'flags', 'index', 'count'] },
  // data[] holds the eventfds (VFIO_IRQ_SET_DATA_EVENTFD) or bools (DATA_BOOL).
  VFIO_DEVICE_SET_IRQS: { kind: 'struct', struct: 'vfio_irq_set', fields: ['argsz', 'flags', 'index', 'start', 'count', 'data'], lists: ['data'] },
  VFIO_DEVICE_RESET: { kind: 'none' },
  VFIO_IOMMU_GET_INFO: { kind: 'struct', struct: 'vfio_iommu_type1_info', fields: ['argsz', 'flags', 'iova_pgsizes', 'cap_offset', 'pad'] },
  VFIO_IOMMU_MAP_DMA: { kind: 'struct', struct: 'vfio_iommu_type1_dma_map', fields: ['argsz', 'flags', 'vaddr', 'iova', 'size'] },
  // data[] holds a struct vfio_bitmap with GET_DIRTY_BITMAP: given here as `bitmap`.
  VFIO_IOMMU_UNMAP_DMA: {
    kind: 'struct', struct: 'vfio_iommu_type1_dma_unmap', fields: ['argsz', 'flags', 'iova', 'size', 'bitmap'],
    objects: { bitmap: ['pgsize', 'size', 'data'] },
  },
  VFIO_IOMMU_DIRTY_PAGES: { kind: 'struct', struct: 'vfio_iommu_type1_dirty_bitmap', fields: ['argsz', 'flags'] },
};

/** How `name` takes its argument (VFIO's here, iommufd's in iommufd-structs.ts); undefined for a
 *  request neither table describes (any argument is then passed as written). */
export function argKind(name: string | undefined): ArgKind | undefined {
  if (name === undefined) return undefined;
  if (Object.hasOwn(STRUCTS, name)) return STRUCTS[name];
  return Object.hasOwn(IOMMUFD_STRUCTS, name) ? IOMMUFD_STRUCTS[name] : undefined;
}

/** The 2021 seed series' container requests (VFIO v13, never merged; src/model/vfio/nesting/uapi.ts):
 *  only a profile with `seedNesting` has them in its headers. */
const SEED_IOCTLS: readonly { n: number; name: string }[] = [
  { n: 18, name: 'VFIO_IOMMU_SET_PASID_TABLE' },
  { n: 19, name: 'VFIO_IOMMU_CACHE_INVALIDATE' },
  { n: 20, name: 'VFIO_IOMMU_SET_MSI_BINDING' },
];

/** Every uapi request name the Lab knows: VFIO's (include/uapi/linux/vfio.h, ioctl.ts),
 *  iommufd's (include/uapi/linux/iommufd.h, iommufd/uapi.ts) and the seed series'. */
export function knownRequestNames(): string[] {
  return [...VFIO_IOCTLS.map((d) => d.name), ...IOMMUFD_IOCTLS.map((d) => d.name), ...SEED_IOCTLS.map((d) => d.name)];
}

/** The ioctl number of a uapi name, or undefined. */
export function codeOf(name: string): number | undefined {
  const seed = SEED_IOCTLS.find((d) => d.name === name);
  return requestCode(name) ?? iommufdRequestCode(name) ?? (seed === undefined ? undefined : vfioIoctl(seed.n));
}

/** The seed series' name of a container request number, on a profile that has the series. */
export function seedName(profile: KernelProfile, fdKind: string | undefined, code: number): string | undefined {
  if (!profile.seedNesting || fdKind !== 'container') return undefined;
  return SEED_IOCTLS.find((d) => vfioIoctl(d.n) === code)?.name;
}

/** Why `name` is not in this profile's headers (an iommufd request added later, or the seed
 *  series' on a kernel without it), or null. */
export function missingFrom(profile: KernelProfile, name: string): string | null {
  const seed = SEED_IOCTLS.find((d) => d.name === name);
  if (seed !== undefined && !profile.seedNesting) {
    return `${name} is not in Linux ${profile.id}'s uapi headers (the 2021 nesting series, never merged: kernel "5.12-nested"): give it by number (0x${vfioIoctl(seed.n).toString(16)}) to see what ${profile.id} does with it`;
  }
  const code = iommufdRequestCode(name);
  const def = code === undefined ? undefined : iommufdRequestDef(code);
  if (def === undefined || profileHas(profile, def)) return null;
  return `${name} is not in Linux ${profile.id}'s uapi headers (it came in ${def.since}): give it by number (0x${iommufdIoctl(def.n).toString(16)}) to see what ${profile.id} does with it`;
}

/** The iommufd name of a request number, if the profile's headers have it. */
export function iommufdName(profile: KernelProfile, code: number): string | undefined {
  const def = iommufdRequestDef(code);
  return def !== undefined && profileHas(profile, def) ? def.name : undefined;
}
