// The three container ioctls of the seed series (VFIO v12/v13, drivers/vfio/vfio_iommu_type1.c)
// and the IOMMU-core halves they call (IOMMU v15 01/12 and the 5.12 drivers/iommu/iommu.c):
//   vfio_iommu_type1_set_pasid_table  -> vfio_attach_pasid_table / vfio_detach_pasid_table
//                                        -> iommu_uapi_attach_pasid_table / iommu_detach_pasid_table
//   vfio_iommu_type1_cache_invalidate -> vfio_iommu_lookup_dev(vfio_cache_inv_fn)
//                                        -> iommu_uapi_cache_invalidate (iommu_check_cache_invl_data)
//   vfio_iommu_type1_set_msi_binding  -> vfio_bind_msi / vfio_unbind_msi -> iommu_(un)bind_guest_msi
// type1 dispatches them on the seed profile whatever the container type, as the series does: a
// container that is not VFIO_TYPE1_NESTING_IOMMU has no nested domain and the SMMU driver
// refuses (-EINVAL); with no domain at all the loops do nothing and return 0.

import type { IommuDomain } from '../../iommu/domain';
import type { DeviceSpec } from '../../iommu/group';
import type { IommuHw } from '../../iommu/hw';
import { ERRNO, kerr, type KErr } from '../errno';
import type { Outcome, VfioDomain } from '../type1';
import {
  argU32, argU64, readCacheInvalidateInfo, readPasidTableConfig, type CacheInvalidateArg, type SetMsiBindingArg,
  type SetPasidTableArg,
} from './args';
import { nestingHwOf, type NestingHw } from './hw';
import { armSmmuBindGuestMsi, armSmmuUnbindGuestMsi } from './msi';
import { armSmmuAttachPasidTable, armSmmuCacheInvalidate, armSmmuDetachPasidTable, hasNestingOps } from './smmu-domain';
import {
  END_ADDR_INFO, END_PASID_INFO, IOMMU_CACHE_INV_TYPE_DEV_IOTLB, IOMMU_CACHE_INV_TYPE_NR, IOMMU_CACHE_INV_TYPE_PASID,
  IOMMU_CACHE_INVALIDATE_INFO_VERSION_1, IOMMU_INV_ADDR_FLAGS_ARCHID, IOMMU_INV_ADDR_FLAGS_LEAF, IOMMU_INV_ADDR_FLAGS_PASID,
  IOMMU_INV_GRANU_ADDR, IOMMU_INV_GRANU_DOMAIN, IOMMU_INV_GRANU_NR, IOMMU_INV_GRANU_PASID, IOMMU_INV_PASID_FLAGS_ARCHID,
  IOMMU_INV_PASID_FLAGS_PASID, IOMMU_PASID_CONFIG_ABORT, IOMMU_PASID_CONFIG_TRANSLATE, IOMMU_PASID_FORMAT_SMMUV3,
  MINSZ_CACHE_INVALIDATE, MINSZ_CACHE_INVALIDATE_INFO, MINSZ_PASID_TABLE_CONFIG, MINSZ_SET_MSI_BINDING,
  MINSZ_SET_PASID_TABLE, PASID_TABLE_CFG_VERSION_1, SIZEOF_PASID_TABLE_CONFIG, VFIO_IOMMU_BIND_MSI,
  VFIO_IOMMU_CACHE_INVALIDATE, VFIO_IOMMU_SET_MSI_BINDING, VFIO_IOMMU_SET_PASID_TABLE, VFIO_IOMMU_UNBIND_MSI,
  VFIO_PASID_TABLE_FLAG_SET, VFIO_PASID_TABLE_FLAG_UNSET,
} from './uapi';

/** What the container gives the nesting ioctls: its domains (iommu->domain_list, with their
 *  groups) and the driver below. */
export interface NestingContainer {
  domains: readonly VfioDomain[];
  hw?: IommuHw;
}

const masters = (d: VfioDomain): DeviceSpec[] => d.groups.flatMap((g) => g.devices.map((x) => x.spec));
const done = (ret = 0): Outcome => ({ ok: true, ret, log: [] });
const fail = (e: KErr): Outcome => ({ ok: false, err: e, log: e.log ?? [] });
const efault = (where: string) => fail(kerr(ERRNO.EFAULT, `copy_from_user (${where})`, 'the argument pointer is not readable'));

/** The seed's container ioctls, or null for any other request (type1 answers -ENOTTY then). */
export function seedNestingIoctl(c: NestingContainer, cmd: number, arg: unknown): Outcome | null {
  switch (cmd) {
    case VFIO_IOMMU_SET_PASID_TABLE: return setPasidTable(c, arg as SetPasidTableArg | null | undefined);
    case VFIO_IOMMU_CACHE_INVALIDATE: return cacheInvalidate(c, arg as CacheInvalidateArg | null | undefined);
    case VFIO_IOMMU_SET_MSI_BINDING: return setMsiBinding(c, arg as SetMsiBindingArg | null | undefined);
    default: return null;
  }
}

// ---- VFIO_IOMMU_SET_PASID_TABLE ---------------------------------------------------------------

/** vfio_iommu_type1_set_pasid_table(): flags must be exactly SET or exactly UNSET. */
function setPasidTable(c: NestingContainer, arg: SetPasidTableArg | null | undefined): Outcome {
  const where = 'vfio_iommu_type1_set_pasid_table';
  if (arg == null) return efault(where);
  const argsz = argU32(arg.argsz), flags = argU32(arg.flags);
  if (argsz < MINSZ_SET_PASID_TABLE) return fail(kerr(ERRNO.EINVAL, where, `argsz ${argsz} is smaller than offsetofend(struct vfio_iommu_type1_set_pasid_table, flags) = 8`));
  const hw = nestingHwOf(c.hw);
  if (flags === VFIO_PASID_TABLE_FLAG_SET) return attachPasidTable(c, hw, arg.config);
  if (flags === VFIO_PASID_TABLE_FLAG_UNSET) {
    for (const d of c.domains) iommuDetachPasidTable(d, hw);          // vfio_detach_pasid_table()
    return done();
  }
  return fail(kerr(ERRNO.EINVAL, where, `flags 0x${flags.toString(16)}: exactly one of SET (1) and UNSET (2)`));
}

/** vfio_attach_pasid_table(): every domain, unwinding the ones done on an error. */
function attachPasidTable(c: NestingContainer, hw: NestingHw | null, cfg: SetPasidTableArg['config']): Outcome {
  for (let i = 0; i < c.domains.length; i++) {
    const e = iommuUapiAttachPasidTable(c.domains[i], hw, cfg);
    if (e !== null) {
      for (let j = i - 1; j >= 0; j--) iommuDetachPasidTable(c.domains[j], hw);   // list_for_each_entry_continue_reverse
      return fail(e);
    }
  }
  return done();
}

/** iommu_uapi_attach_pasid_table(): argsz and content checks of the generic layer, then the driver. */
function iommuUapiAttachPasidTable(d: VfioDomain, hw: NestingHw | null, cfg: SetPasidTableArg['config']): KErr | null {
  const where = 'iommu_uapi_attach_pasid_table';
  if (!hasNestingOps(d.domain)) return kerr(ERRNO.ENODEV, where, `${d.domain.ops} has no attach_pasid_table`);
  if (cfg == null) return kerr(ERRNO.EFAULT, `copy_from_user (${where})`, 'the config is not readable');
  const argsz = argU32(cfg.argsz);
  // "Fields before the variable size union are mandatory"
  if (argsz < MINSZ_PASID_TABLE_CONFIG) return kerr(ERRNO.EINVAL, where, `config.argsz ${argsz} is smaller than offsetof(struct iommu_pasid_table_config, vendor_data) = 24`);
  if (argU32(cfg.version) !== PASID_TABLE_CFG_VERSION_1) return kerr(ERRNO.EINVAL, where, `config.version ${argU32(cfg.version)} is not PASID_TABLE_CFG_VERSION_1`);
  if (argU32(cfg.format) === IOMMU_PASID_FORMAT_SMMUV3 && argsz < SIZEOF_PASID_TABLE_CONFIG) {
    return kerr(ERRNO.EINVAL, where, `config.argsz ${argsz} has no room for vendor_data.smmuv3 (needs 32)`);
  }
  const c = readPasidTableConfig(cfg, Math.min(argsz, SIZEOF_PASID_TABLE_CONFIG));
  // "Now the argsz is validated, check the content"
  if (c.config < IOMMU_PASID_CONFIG_TRANSLATE || c.config > IOMMU_PASID_CONFIG_ABORT) {
    return kerr(ERRNO.EINVAL, where, `config.config ${c.config} is not TRANSLATE (1), BYPASS (2) or ABORT (3)`);
  }
  return armSmmuAttachPasidTable(d.domain, c, masters(d), hw);
}

/** iommu_detach_pasid_table(): a no-op where the ops have no detach_pasid_table. */
function iommuDetachPasidTable(d: VfioDomain, hw: NestingHw | null): void {
  if (hasNestingOps(d.domain)) armSmmuDetachPasidTable(d.domain, masters(d), hw);
}

// ---- VFIO_IOMMU_CACHE_INVALIDATE --------------------------------------------------------------

/** vfio_iommu_type1_cache_invalidate(): flags must be 0; then every device of every domain
 *  (vfio_iommu_lookup_dev): a domain with two devices forwards the invalidation twice. */
function cacheInvalidate(c: NestingContainer, arg: CacheInvalidateArg | null | undefined): Outcome {
  const where = 'vfio_iommu_type1_cache_invalidate';
  if (arg == null) return efault(where);
  const argsz = argU32(arg.argsz), flags = argU32(arg.flags);
  if (argsz < MINSZ_CACHE_INVALIDATE || flags !== 0) {
    return fail(kerr(ERRNO.EINVAL, where, argsz < MINSZ_CACHE_INVALIDATE ? `argsz ${argsz} is smaller than 8` : `flags 0x${flags.toString(16)} must be 0`));
  }
  const hw = nestingHwOf(c.hw);
  let ret: KErr | null = null;
  // The inner break leaves only the group loop: a later domain's result overwrites ret.
  for (const d of c.domains) {
    for (const g of d.groups) {
      ret = null;
      for (const dev of g.devices) {                                  // iommu_group_for_each_dev()
        ret = iommuUapiCacheInvalidate(d.domain, dev.spec, hw, arg.info);
        if (ret !== null) break;
      }
      if (ret !== null) break;
    }
  }
  return ret === null ? done() : fail(ret);
}

/** iommu_uapi_cache_invalidate() and iommu_check_cache_invl_data() (drivers/iommu/iommu.c, 5.12). */
function iommuUapiCacheInvalidate(domain: IommuDomain, _dev: DeviceSpec, hw: NestingHw | null, info: CacheInvalidateArg['info']): KErr | null {
  const where = 'iommu_uapi_cache_invalidate';
  if (!hasNestingOps(domain)) return kerr(ERRNO.ENODEV, where, `${domain.ops} has no cache_invalidate`);
  if (info == null) return kerr(ERRNO.EFAULT, `copy_from_user (${where})`, 'the invalidation info is not readable');
  const argsz = argU32(info.argsz);
  const granu = Number(BigInt.asUintN(8, BigInt(info.granularity ?? 0)));
  if (argsz < MINSZ_CACHE_INVALIDATE_INFO) return kerr(ERRNO.EINVAL, where, `info.argsz ${argsz} is smaller than offsetof(struct iommu_cache_invalidate_info, granu) = 16`);
  if (granu === IOMMU_INV_GRANU_PASID && argsz < END_PASID_INFO) return kerr(ERRNO.EINVAL, where, `info.argsz ${argsz}: PASID granularity needs 32 (granu.pasid_info)`);
  if (granu === IOMMU_INV_GRANU_ADDR && argsz < END_ADDR_INFO) return kerr(ERRNO.EINVAL, where, `info.argsz ${argsz}: ADDR granularity needs 56 (granu.addr_info)`);
  const inv = readCacheInvalidateInfo(info, Math.min(argsz, END_ADDR_INFO));
  const check = 'iommu_check_cache_invl_data (iommu_uapi_cache_invalidate)';
  if (inv.version !== IOMMU_CACHE_INVALIDATE_INFO_VERSION_1) return kerr(ERRNO.EINVAL, check, `version ${inv.version} is not 1`);
  if (inv.cache & ~((1 << IOMMU_CACHE_INV_TYPE_NR) - 1)) return kerr(ERRNO.EINVAL, check, `unknown cache bits 0x${inv.cache.toString(16)}`);
  if (inv.granularity >= IOMMU_INV_GRANU_NR) return kerr(ERRNO.EINVAL, check, `granularity ${inv.granularity} >= IOMMU_INV_GRANU_NR`);
  if (inv.granularity === IOMMU_INV_GRANU_ADDR) {
    if (inv.cache & IOMMU_CACHE_INV_TYPE_PASID) return kerr(ERRNO.EINVAL, check, 'ADDR granularity with the PASID cache');
    if (inv.addr_info.flags & ~(IOMMU_INV_ADDR_FLAGS_PASID | IOMMU_INV_ADDR_FLAGS_ARCHID | IOMMU_INV_ADDR_FLAGS_LEAF)) {
      return kerr(ERRNO.EINVAL, check, `unknown addr_info flags 0x${inv.addr_info.flags.toString(16)}`);
    }
  } else if (inv.granularity === IOMMU_INV_GRANU_PASID) {
    if (inv.pasid_info.flags & ~(IOMMU_INV_PASID_FLAGS_PASID | IOMMU_INV_PASID_FLAGS_ARCHID)) {
      return kerr(ERRNO.EINVAL, check, `unknown pasid_info flags 0x${inv.pasid_info.flags.toString(16)}`);
    }
  } else if (inv.granularity === IOMMU_INV_GRANU_DOMAIN && inv.cache & IOMMU_CACHE_INV_TYPE_DEV_IOTLB) {
    return kerr(ERRNO.EINVAL, check, 'DOMAIN granularity with the device IOTLB');
  }
  if (inv.padding.some((b) => b !== 0)) return kerr(ERRNO.EINVAL, check, 'padding is not zero');
  return armSmmuCacheInvalidate(domain, inv, hw, domain.pgsizeBitmap);
}

// ---- VFIO_IOMMU_SET_MSI_BINDING ---------------------------------------------------------------

/** vfio_iommu_type1_set_msi_binding(): UNBIND always succeeds; BIND goes to every domain,
 *  unwinding on an error (vfio_bind_msi). */
function setMsiBinding(c: NestingContainer, arg: SetMsiBindingArg | null | undefined): Outcome {
  const where = 'vfio_iommu_type1_set_msi_binding';
  if (arg == null) return efault(where);
  const argsz = argU32(arg.argsz), flags = argU32(arg.flags);
  if (argsz < MINSZ_SET_MSI_BINDING) return fail(kerr(ERRNO.EINVAL, where, `argsz ${argsz} is smaller than offsetofend(struct vfio_iommu_type1_set_msi_binding, size) = 32`));
  const iova = argU64(arg.iova);
  if (flags === VFIO_IOMMU_UNBIND_MSI) {
    for (const d of c.domains) if (hasNestingOps(d.domain)) armSmmuUnbindGuestMsi(d.domain, iova);
    return done();
  }
  if (flags !== VFIO_IOMMU_BIND_MSI) return fail(kerr(ERRNO.EINVAL, where, `flags 0x${flags.toString(16)}: exactly one of BIND_MSI (1) and UNBIND_MSI (2)`));
  const gpa = argU64(arg.gpa), size = argU64(arg.size);
  for (let i = 0; i < c.domains.length; i++) {
    const d = c.domains[i].domain;
    // iommu_bind_guest_msi(): -ENODEV where the ops have no bind_guest_msi.
    const e = hasNestingOps(d) ? armSmmuBindGuestMsi(d, iova, gpa, size)
      : kerr(ERRNO.ENODEV, 'iommu_bind_guest_msi', `${d.ops} has no bind_guest_msi`);
    if (e !== null) {
      for (let j = i - 1; j >= 0; j--) if (hasNestingOps(c.domains[j].domain)) armSmmuUnbindGuestMsi(c.domains[j].domain, iova);
      return fail(e);
    }
  }
  return done();
}
