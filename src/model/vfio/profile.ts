// Kernel profiles: which kernel's uapi, order of checks and errnos the host model follows.
//
// 6.12 (an LTS release) is the default (issue 5). 7.2 stands for "a current kernel": it differs from
// 6.12 where these fields say, and nowhere else in what is modelled. The differences and their
// sources:
//  - VFIO_TYPE1_NESTING_IOMMU (6) was retired in 6.13 by "vfio: Remove VFIO_TYPE1_NESTING_IOMMU"
//    (Jason Gunthorpe, commit 35890f85573c): the uapi name became
//    __VFIO_RESERVED_TYPE1_NESTING_IOMMU, vfio_iommu_type1_check_extension() answers 0 for it, and
//    the enable_nesting domain op and iommu_enable_nesting() are gone.
//  - MAP_DMA / UNMAP_DMA overflow checks: "vfio/type1: sanitize for overflow using
//    check_*_overflow" (Alex Mastro, 2025; the v5 posting of 2025-10-27 is what is modelled).
//    vfio_dma_do_map() then checks size 0 (-EINVAL) and iova+size-1 / vaddr+size-1 overflow
//    (-EOVERFLOW) first, before the READ/WRITE/VADDR flag check and before the alignment check;
//    vfio_dma_do_unmap() returns -EOVERFLOW for a wrapping range after the alignment checks.
//    ASSUMPTION: the merged form equals that v5 posting (its later revisions agree on these
//    checks; the merge itself was not read).
// '5.12-nested' is the kernel the seed series (Eric Auger, IOMMU v15 / VFIO v13, April 2021) was
// posted against, with the series applied: it never merged. VFIO_TYPE1_NESTING_IOMMU then set
// DOMAIN_ATTR_NESTING on a domain from iommu_domain_alloc(bus) before its first attach, so the SMMU
// finalised it as ARM_SMMU_DOMAIN_NESTED (src/model/vfio/nesting/, docs/nesting-2021-vs-iommufd.md).
// The type1 order of checks is otherwise 6.12's (a simplification: 5.12's differs in details
// the nesting lessons do not reach).

import { VFIO_TYPE1_NESTING_IOMMU } from './ioctl';

export type KernelId = '6.12' | '7.2' | '5.12-nested';

export interface KernelProfile {
  id: KernelId;
  /** One line for the UI and the docs. */
  label: string;
  /** A few words for the status line: which kernel the host side is. */
  badge: string;
  /** VFIO_TYPE1_NESTING_IOMMU exists: CHECK_EXTENSION(6) = 1 and SET_IOMMU(6) sets iommu->nesting. */
  type1Nesting: boolean;
  /** MAP_DMA/UNMAP_DMA overflow handling: 'wrap-einval' (6.12: `iova + size - 1 < iova` ->
   *  -EINVAL, after the alignment check) or 'check-add-overflow' (later: -EOVERFLOW, checked first). */
  dmaOverflow: 'wrap-einval' | 'check-add-overflow';
  /** The seed series is applied: SET_IOMMU(VFIO_TYPE1_NESTING_IOMMU) gives an
   *  ARM_SMMU_DOMAIN_NESTED domain (DOMAIN_ATTR_NESTING before attach), and type1 answers
   *  VFIO_IOMMU_SET_PASID_TABLE (+18), CACHE_INVALIDATE (+19) and SET_MSI_BINDING (+20). */
  seedNesting?: boolean;
}

export const KERNEL_PROFILES: Readonly<Record<KernelId, KernelProfile>> = {
  '6.12': {
    id: '6.12',
    badge: 'Linux 6.12 (LTS)',
    label: 'Linux 6.12 (LTS): VFIO type1 with VFIO_TYPE1_NESTING_IOMMU, wrap checks return EINVAL',
    type1Nesting: true,
    dmaOverflow: 'wrap-einval',
  },
  '7.2': {
    id: '7.2',
    badge: 'Linux 7.2',
    label: 'Linux 7.2: type1 nesting retired (extension 6 answers 0), wrapping MAP_DMA returns EOVERFLOW',
    type1Nesting: false,
    dmaOverflow: 'check-add-overflow',
  },
  '5.12-nested': {
    id: '5.12-nested',
    badge: 'Linux 5.12 + 2021 series, never merged',
    label: "Linux 5.12 + Eric Auger's nesting series (VFIO v13 / IOMMU v15, 2021) — never merged",
    type1Nesting: true,
    dmaOverflow: 'wrap-einval',
    seedNesting: true,
  },
};

export const DEFAULT_KERNEL: KernelId = '6.12';

/** The profile for a kernel id, or null for a kernel the Lab does not model. */
export function kernelProfile(id: string = DEFAULT_KERNEL): KernelProfile | null {
  return Object.hasOwn(KERNEL_PROFILES, id) ? KERNEL_PROFILES[id as KernelId] : null;
}

/** The uapi name of an extension id in this profile's headers (include/uapi/linux/vfio.h). */
export function extensionName(profile: KernelProfile, ext: number): string | undefined {
  if (ext === VFIO_TYPE1_NESTING_IOMMU) {
    return profile.type1Nesting ? 'VFIO_TYPE1_NESTING_IOMMU' : '__VFIO_RESERVED_TYPE1_NESTING_IOMMU';
  }
  return EXTENSION_NAMES[ext];
}

const EXTENSION_NAMES: Record<number, string> = {
  1: 'VFIO_TYPE1_IOMMU',
  2: 'VFIO_SPAPR_TCE_IOMMU',
  3: 'VFIO_TYPE1v2_IOMMU',
  4: 'VFIO_DMA_CC_IOMMU',
  5: 'VFIO_EEH',
  7: 'VFIO_SPAPR_TCE_v2_IOMMU',
  8: 'VFIO_NOIOMMU_IOMMU',
  9: 'VFIO_UNMAP_ALL',
  10: 'VFIO_UPDATE_VADDR',
};
