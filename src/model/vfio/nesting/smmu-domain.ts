// An ARM_SMMU_DOMAIN_NESTED domain as the seed series' arm-smmu-v3 driver keeps it (IOMMU v15):
// the guest's stage-1 config (s1_cfg.set, s1_cfg.cdcfg.cdtab_dma), the abort flag, and the
// driver entry points the IOMMU core calls:
//   arm_smmu_attach_pasid_table / arm_smmu_detach_pasid_table   (v15 05/12)
//   arm_smmu_cache_invalidate with __arm_smmu_tlb_inv_context / arm_smmu_tlb_inv_range_domain
//     taking the guest's ASID ("ext_asid")                      (v15 06/12 and 07/12)
//   arm_smmu_bind_guest_msi / arm_smmu_unbind_guest_msi        (v15 11/12)
// The nested state lives beside the IommuDomain (a WeakMap), set when type1 allocates a domain
// with DOMAIN_ATTR_NESTING on the seed profile (markNested).

import type { IommuDomain } from '../../iommu/domain';
import type { DeviceSpec } from '../../iommu/group';
import type { CmdSpec } from '../../smmuv3/commands';
import { ERRNO, kerr, type KErr } from '../errno';
import { issueBatched, type NestingHw } from './hw';
import type { NestedSteCfg } from './ste';
import {
  IOMMU_CACHE_INV_TYPE_DEV_IOTLB, IOMMU_CACHE_INV_TYPE_IOTLB, IOMMU_CACHE_INV_TYPE_PASID,
  IOMMU_CACHE_INVALIDATE_INFO_VERSION_1, IOMMU_INV_ADDR_FLAGS_ARCHID, IOMMU_INV_ADDR_FLAGS_LEAF,
  IOMMU_INV_ADDR_FLAGS_PASID, IOMMU_INV_GRANU_ADDR, IOMMU_INV_GRANU_DOMAIN, IOMMU_INV_GRANU_PASID,
  IOMMU_INV_PASID_FLAGS_ARCHID, IOMMU_PASID_CONFIG_ABORT, IOMMU_PASID_CONFIG_BYPASS, IOMMU_PASID_CONFIG_TRANSLATE,
  IOMMU_PASID_FORMAT_SMMUV3, PASID_TABLE_CFG_VERSION_1, PASID_TABLE_SMMUV3_CFG_VERSION_1,
} from './uapi';
import type { CacheInvalidateInfo, PasidTableConfig } from './args';

/** One iommu_dma_msi_page of a NESTED_MSI cookie (dma-iommu.c, v15 08/12). */
export interface NestedMsiPage {
  /** The guest's doorbell IOVA (gIOVA), aligned to s1Granule. */
  iova: bigint;
  /** The guest's doorbell address (gDB), an IPA: the stage-2 input for the physical doorbell. */
  gpa: bigint;
  s1Granule: bigint;
  /** The physical doorbell page mapped at gpa in stage 2; 0 while unused. */
  phys: bigint;
}

export class ArmSmmuNestedDomain {
  /** s1_cfg.set: a guest stage-1 config (CD table) is installed. */
  s1Set = false;
  /** s1_cfg.cdcfg.cdtab_dma: the guest's CD table, an IPA. */
  cdtab = 0n;
  abort = false;
  /** cookie->msi_page_list of the NESTED_MSI cookie, newest first (list_add). */
  readonly msiPages: NestedMsiPage[] = [];

  /** What arm_smmu_write_strtab_ent() makes of this domain (ste.ts). */
  steCfg(): NestedSteCfg {
    if (this.abort) return { kind: 'abort' };
    return this.s1Set ? { kind: 'nested', cdtab: this.cdtab } : { kind: 's2' };
  }
}

const NESTED = new WeakMap<IommuDomain, ArmSmmuNestedDomain>();

/** arm_smmu_domain_set_attr(DOMAIN_ATTR_NESTING): smmu_domain->stage = ARM_SMMU_DOMAIN_NESTED. */
export function markNested(domain: IommuDomain): ArmSmmuNestedDomain {
  const st = new ArmSmmuNestedDomain();
  NESTED.set(domain, st);
  return st;
}

/** The nested state, or undefined for any other domain (smmu_domain->stage != NESTED). */
export function nestedState(domain: IommuDomain): ArmSmmuNestedDomain | undefined {
  return NESTED.get(domain);
}

/** The domain's ops have the seed's callbacks (only arm_smmu_ops gains them in the series). */
export const hasNestingOps = (domain: IommuDomain): boolean => domain.ops === 'arm_smmu_ops';

function installAll(domain: IommuDomain, st: ArmSmmuNestedDomain, masters: readonly DeviceSpec[], hw: NestingHw | null): void {
  for (const dev of masters) hw?.installSte(domain, dev, st.steCfg());   // arm_smmu_install_ste_for_dev()
}

/** arm_smmu_attach_pasid_table(): the checks in the patch's order, each -EINVAL. */
export function armSmmuAttachPasidTable(
  domain: IommuDomain, cfg: PasidTableConfig, masters: readonly DeviceSpec[], hw: NestingHw | null,
): KErr | null {
  const where = 'arm_smmu_attach_pasid_table';
  if (cfg.format !== IOMMU_PASID_FORMAT_SMMUV3) return kerr(ERRNO.EINVAL, where, `format ${cfg.format} is not IOMMU_PASID_FORMAT_SMMUV3 (1)`);
  if (cfg.version !== PASID_TABLE_CFG_VERSION_1 || cfg.smmuv3.version !== PASID_TABLE_SMMUV3_CFG_VERSION_1) {
    return kerr(ERRNO.EINVAL, where, 'version and vendor_data.smmuv3.version must both be 1');
  }
  const st = nestedState(domain);
  // "if (!smmu) goto out": type1's domains always have a device attached, so smmu is set.
  if (st === undefined) return kerr(ERRNO.EINVAL, where, 'the domain is not ARM_SMMU_DOMAIN_NESTED (the container was not set with VFIO_TYPE1_NESTING_IOMMU)');
  switch (cfg.config) {
    case IOMMU_PASID_CONFIG_ABORT:
      st.s1Set = false;
      st.abort = true;
      break;
    case IOMMU_PASID_CONFIG_BYPASS:
      st.s1Set = false;
      st.abort = false;
      break;
    case IOMMU_PASID_CONFIG_TRANSLATE:
      // "we do not support S1 <-> S1 transitions"
      if (st.s1Set) return kerr(ERRNO.EINVAL, where, 'a stage-1 config is already set: no S1 -> S1 transition (UNSET or BYPASS first)');
      // "we currently support a single CD so s1fmt and s1dss fields are also ignored"
      if (cfg.pasid_bits !== 0) return kerr(ERRNO.EINVAL, where, `pasid_bits ${cfg.pasid_bits}: v15 supports a single CD only (pasid_bits 0)`);
      st.cdtab = cfg.base_ptr;
      st.s1Set = true;
      st.abort = false;
      break;
    default:
      return kerr(ERRNO.EINVAL, where, `config ${cfg.config} is not TRANSLATE, BYPASS or ABORT`);
  }
  installAll(domain, st, masters, hw);
  return null;
}

/** arm_smmu_detach_pasid_table(): back to stage 2 only; nothing for a non-nested domain. */
export function armSmmuDetachPasidTable(domain: IommuDomain, masters: readonly DeviceSpec[], hw: NestingHw | null): void {
  const st = nestedState(domain);
  if (st === undefined) return;
  st.s1Set = false;
  st.abort = false;
  installAll(domain, st, masters, hw);
}

const ffs = (v: bigint) => (v & -v).toString(2).length - 1;

/** arm_smmu_cache_invalidate(): the commands of primer §4.4, each request ending in CMD_SYNC. */
export function armSmmuCacheInvalidate(
  domain: IommuDomain, inv: CacheInvalidateInfo, hw: NestingHw | null, pgsizeBitmap: bigint,
): KErr | null {
  const where = 'arm_smmu_cache_invalidate';
  const st = nestedState(domain);
  if (st === undefined) return kerr(ERRNO.EINVAL, where, 'the domain is not ARM_SMMU_DOMAIN_NESTED');
  if (inv.version !== IOMMU_CACHE_INVALIDATE_INFO_VERSION_1) return kerr(ERRNO.EINVAL, where, 'version is not 1');
  if (inv.cache & (IOMMU_CACHE_INV_TYPE_PASID | IOMMU_CACHE_INV_TYPE_DEV_IOTLB)) {
    return kerr(ERRNO.ENOENT, where, 'PASID-cache and device-IOTLB (ATC) invalidation are not forwarded in v15');
  }
  if (!(inv.cache & IOMMU_CACHE_INV_TYPE_IOTLB)) return kerr(ERRNO.EINVAL, where, 'cache has no IOMMU_CACHE_INV_TYPE_IOTLB');
  const vmid = hw?.s2Cfg(domain).vmid ?? 0;
  const issue = (cmds: CmdSpec[]) => { if (hw !== null) issueBatched(hw, cmds); };
  switch (inv.granularity) {
    case IOMMU_INV_GRANU_PASID: {
      const p = inv.pasid_info;
      // The patch tests IOMMU_INV_ADDR_FLAGS_PASID here: the same bit (0) as ..._PASID_FLAGS_PASID.
      if (p.flags & IOMMU_INV_ADDR_FLAGS_PASID) return kerr(ERRNO.ENOENT, where, 'PASID-tagged invalidation is not supported (single CD)');
      if (!(p.flags & IOMMU_INV_PASID_FLAGS_ARCHID)) return kerr(ERRNO.EINVAL, where, 'PASID granularity needs IOMMU_INV_PASID_FLAGS_ARCHID (the guest ASID)');
      // __arm_smmu_tlb_inv_context(smmu_domain, archid): "guest stage 1 invalidation".
      issue([{ op: 'CMD_TLBI_NH_ASID', asid: p.archid & 0xffff, vmid }]);
      return null;
    }
    case IOMMU_INV_GRANU_ADDR: {
      const a = inv.addr_info;
      if (a.flags & IOMMU_INV_ADDR_FLAGS_PASID) return kerr(ERRNO.ENOENT, where, 'PASID-tagged invalidation is not supported (single CD)');
      if (!(a.flags & IOMMU_INV_ADDR_FLAGS_ARCHID)) break;           // no ASID: global invalidation
      let granule = a.granule_size;
      // size_t size = nb_granules * granule_size (64-bit, wraps as C does).
      let size = BigInt.asUintN(64, a.nb_granules * a.granule_size);
      // ASSUMPTION: granule_size 0 (__ffs(0) is undefined in C) is refused like a non-power of two.
      if (granule === 0n || (granule & ~(1n << BigInt(ffs(granule)))) !== 0n) {
        return kerr(ERRNO.EINVAL, where, `granule_size 0x${granule.toString(16)} is not a power of two`);
      }
      // "When RIL is not supported, make sure the granule size that is passed is supported":
      // this SMMU has IDR3.RIL = 0. The patch shifts size by tg too (a byte count becomes tiny).
      if (!(granule & pgsizeBitmap)) {
        const tg = ffs(pgsizeBitmap);
        granule = 1n << BigInt(tg);
        size >>= BigInt(tg);
      }
      if (size === 0n) return null;                                   // __arm_smmu_tlb_inv_range: if (!size) return
      const leaf = (a.flags & IOMMU_INV_ADDR_FLAGS_LEAF) !== 0 ? 1 : 0;
      const count = (size + granule - 1n) / granule;
      if (count > 65536n) throw new RangeError(`CACHE_INVALIDATE of ${count} granules: the model issues at most 65536 commands`);
      const cmds: CmdSpec[] = [];
      // v15 06/12: "Always send CMDQ_OP_TLBI_NH_VA" with the guest ASID under the host VMID.
      for (let va = a.addr, end = BigInt.asUintN(64, a.addr + size); va < end; va += granule) {
        cmds.push({ op: 'CMD_TLBI_NH_VA', asid: a.archid & 0xffff, vmid, addr: va, leaf });
      }
      issue(cmds);
      return null;
    }
    case IOMMU_INV_GRANU_DOMAIN:
      break;
    default:
      return kerr(ERRNO.EINVAL, where, `granularity ${inv.granularity}`);
  }
  // "Global S1 invalidation": CMDQ_OP_TLBI_NSNH_ALL (the VMID it fills in has no field in that
  // command, arm_smmu_cmdq_build_cmd), then CMD_SYNC: every VM's non-secure entries go.
  issue([{ op: 'CMD_TLBI_NSNH_ALL' }]);
  return null;
}
