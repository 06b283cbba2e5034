// iommufd's objects (drivers/iommu/iommufd/iommufd_private.h) and their ids.
//
// main.c: ictx->objects is an xarray with XA_FLAGS_ALLOC1, and iommufd_object_alloc() takes
// xa_alloc(..., xa_limit_31b): the lowest free id from 1, so a destroyed object's id is reused.
// obj->users counts references: 1 while the object exists, +1 for each object that points at it
// (an HWPT at its IOAS, a vIOMMU at its parent HWPT, a nested HWPT, vDEVICE or vEVENTQ at its
// vIOMMU, an attached device at its HWPT) and +1 for a bound device's driver (iommufd_device_bind(),
// "The calling driver is a user until iommufd_device_unbind()"). IOMMU_DESTROY
// (iommufd_object_remove()) refuses with -EBUSY while users > 1.

import type { IommuDomain } from '../iommu/domain';
import type { IommuGroup, DeviceSpec } from '../iommu/group';
import type { HwPaging } from './hw';
import type { IoPagetable } from './ioas';

interface Obj { id: number; users: number }

export interface Ioas extends Obj { type: 'ioas'; iopt: IoPagetable }

export interface HwptPaging extends Obj {
  type: 'hwpt_paging';
  ioas: Ioas;
  hw: HwPaging;
  domain: IommuDomain;
  nestParent: boolean;
  /** Made by attaching a device to an IOAS (iommufd_device_auto_get_domain()); destroyed with
   *  its last device. */
  autoDomain: boolean;
  devices: Idev[];
}

export interface HwptNested extends Obj {
  type: 'hwpt_nested';
  viommu: Viommu;
  /** arm_smmu_nested_domain: the guest's STE words (EATS cleared) and enable_ats. */
  ste: [bigint, bigint];
  enableAts: boolean;
  devices: Idev[];
}

export type Hwpt = HwptPaging | HwptNested;

export interface Viommu extends Obj {
  type: 'viommu';
  viommuType: number;
  parent: HwptPaging;
  /** arm_vsmmu: vmid copied from the S2 parent (arm_vsmmu_init()). */
  vmid: number;
  /** viommu->vdevs: virt_id -> vDEVICE */
  vdevs: Map<bigint, Vdevice>;
  veventqs: Veventq[];
}

export interface Vdevice extends Obj { type: 'vdevice'; viommu: Viommu; idev: Idev; virtId: bigint }

export interface Vevent { flags: number; sequence: number; evt?: [bigint, bigint, bigint, bigint] }

export interface Veventq extends Obj {
  type: 'veventq';
  viommu: Viommu;
  veventqType: number;
  depth: number;
  fd: number;
  /** eventq->deliver; the lost-events header is an entry with flags LOST_EVENTS and no evt. */
  deliver: Vevent[];
  numEvents: number;
  sequence: number;
}

export interface Idev extends Obj {
  type: 'device';
  spec: DeviceSpec;
  group: IommuGroup;
  /** igroup->hwpt: what the device is attached to. */
  hwpt: Hwpt | null;
  /** arm_smmu_master->vmaster: the vSID events and invalidations use, while attached nested. */
  vmaster: { viommu: Viommu; vsid: number } | null;
  swMsiStart: bigint | null;
}

export type IommufdObject = Ioas | HwptPaging | HwptNested | Viommu | Vdevice | Veventq | Idev;
export type ObjType = IommufdObject['type'];

/** ictx->objects */
export class ObjectTable {
  private readonly objs = new Map<number, IommufdObject>();

  /** xa_alloc() with XA_FLAGS_ALLOC1: the lowest free id from 1. */
  nextId(): number {
    let id = 1;
    while (this.objs.has(id)) id++;
    return id;
  }

  add<T extends IommufdObject>(o: T): T {
    this.objs.set(o.id, o);
    return o;
  }

  /** iommufd_get_object(ictx, id, type): -ENOENT unless it exists and (type given) has it. */
  get<K extends ObjType>(id: number, ...types: K[]): Extract<IommufdObject, { type: K }> | undefined {
    const o = this.objs.get(id);
    if (o === undefined) return undefined;
    if (types.length > 0 && !types.includes(o.type as K)) return undefined;
    return o as Extract<IommufdObject, { type: K }>;
  }

  remove(id: number): void {
    this.objs.delete(id);
  }

  all(): IommufdObject[] {
    return [...this.objs.values()].sort((a, b) => a.id - b.id);
  }
}
