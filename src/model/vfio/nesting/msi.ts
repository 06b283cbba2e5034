// The NESTED_MSI cookie (seed v15 08/12 "dma-iommu: Implement NESTED_MSI cookie") and the SMMU
// glue (11/12 "iommu/smmuv3: Implement bind/unbind_guest_msi"): the VMM binds the guest's
// doorbell IOVA (gIOVA) to the guest's doorbell address (gDB, an IPA); when the host sets up an
// MSI for a device of the nested domain it maps gDB -> the physical doorbell page in stage 2 and
// programs the device with gIOVA (primer §4.5): gIOVA -S1 (guest)-> gDB -S2 (host)-> hDB.

import { iommuMap, iommuUnmap, type IommuDomain } from '../../iommu/domain';
import { IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_WRITE } from '../../iommu/resv';
import { ERRNO, kerr, type KErr } from '../errno';
import { PAGE_SIZE } from '../pin';
import { nestedState, type NestedMsiPage } from './smmu-domain';

/** cookie_msi_granule(): PAGE_SIZE for an MSI cookie (4 KiB host pages). */
export const MSI_COOKIE_GRANULE = PAGE_SIZE;
const U64 = (1n << 64n) - 1n;

/** The domain has a NESTED_MSI cookie: iommu_get_msi_cookie() found DOMAIN_ATTR_NESTING (type1
 *  asks for a cookie when the group has a SW_MSI region). */
export function hasNestedMsiCookie(domain: IommuDomain): boolean {
  return nestedState(domain) !== undefined && domain.msiCookie !== null;
}

/** arm_smmu_bind_guest_msi() -> iommu_dma_bind_guest_msi(). */
export function armSmmuBindGuestMsi(domain: IommuDomain, giova: bigint, gpa: bigint, size: bigint): KErr | null {
  const st = nestedState(domain);
  if (st === undefined) return kerr(ERRNO.EINVAL, 'arm_smmu_bind_guest_msi', 'the domain is not ARM_SMMU_DOMAIN_NESTED');
  const where = 'iommu_dma_bind_guest_msi';
  if (domain.msiCookie === null) return kerr(ERRNO.EINVAL, where, 'the domain has no MSI cookie (no SW_MSI region)');
  // "we currently do not support S1 granule larger than S2 one"
  if (size > MSI_COOKIE_GRANULE) {
    return kerr(ERRNO.EINVAL, where, `stage-1 granule 0x${size.toString(16)} is larger than the MSI granule 0x${MSI_COOKIE_GRANULE.toString(16)}`);
  }
  // giova & ~(size - 1) in 64 bits: size 0 makes the mask 0, so the binding lands at 0 -> 0.
  const mask = U64 & ~BigInt.asUintN(64, size - 1n);
  const iova = giova & mask, page = gpa & mask;
  if (st.msiPages.some((m) => m.iova === iova)) return null;            // "already registered"
  st.msiPages.unshift({ iova, gpa: page, s1Granule: size, phys: 0n });   // list_add()
  return null;
}

/** arm_smmu_unbind_guest_msi() -> iommu_dma_unbind_guest_msi(): drop the binding (and its
 *  stage-2 doorbell mapping if one was made). Silent when there is none. */
export function armSmmuUnbindGuestMsi(domain: IommuDomain, giova: bigint): void {
  const st = nestedState(domain);
  if (st === undefined || domain.msiCookie === null) return;
  const i = st.msiPages.findIndex((m) => m.iova === (giova & (U64 & ~BigInt.asUintN(64, m.s1Granule - 1n))));
  if (i < 0) return;
  const m = st.msiPages[i];
  if (m.phys !== 0n) unmapDoorbell(domain, m);
  st.msiPages.splice(i, 1);
}

function unmapDoorbell(domain: IommuDomain, m: NestedMsiPage): void {
  // WARN_ON(iommu_unmap(domain, msi->gpa, size) != size)
  iommuUnmap(domain, m.gpa, MSI_COOKIE_GRANULE);
}

/** What iommu_dma_prepare_msi() gets for a device in a nested domain. */
export type NestedMsiResult =
  | { ok: true; page: NestedMsiPage; /** iommu_dma_compose_msi_msg(): gIOVA + doorbell offset */ msiAddr: bigint; log: string[] }
  | { ok: false; err: KErr; log: string[] };

/** iommu_dma_get_msi_page() for a NESTED_MSI cookie -> iommu_dma_get_nested_msi_page(): reuse the
 *  binding already mapped to this doorbell page, else take the first unused one (newest first)
 *  and map gDB -> the doorbell page in the domain's stage 2 with WRITE | NOEXEC | MMIO. Failure
 *  is -ENOMEM from iommu_dma_prepare_msi() ("if (!msi_page) return -ENOMEM"). */
export function iommuDmaGetNestedMsiPage(domain: IommuDomain, doorbell: bigint): NestedMsiResult {
  const st = nestedState(domain);
  if (st === undefined || domain.msiCookie === null) {
    return { ok: false, err: kerr(ERRNO.EINVAL, 'iommu_dma_get_nested_msi_page', 'the domain has no NESTED_MSI cookie'), log: [] };
  }
  const phys = doorbell & ~(MSI_COOKIE_GRANULE - 1n);                   // msi_addr &= ~(size - 1)
  const offset = doorbell - phys;
  const found = st.msiPages.find((m) => m.phys === phys);
  if (found !== undefined) return { ok: true, page: found, msiAddr: found.iova + offset, log: [] };
  const free = st.msiPages.find((m) => m.phys === 0n);
  if (free === undefined) {
    const log = ['No usable S1 MSI mapping found'];
    return { ok: false, err: kerr(ERRNO.ENOMEM, 'iommu_dma_prepare_msi (iommu_dma_get_nested_msi_page)', 'no guest MSI binding (VFIO_IOMMU_SET_MSI_BINDING) is left to map the doorbell at', log), log };
  }
  const r = iommuMap(domain, free.gpa, phys, MSI_COOKIE_GRANULE, IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO);
  if (r !== 0) {
    const log = [`MSI S2 mapping 0x${free.gpa.toString(16)} -> 0x${phys.toString(16)} failed (-${r})`];
    return { ok: false, err: kerr(ERRNO.ENOMEM, 'iommu_dma_prepare_msi (iommu_dma_get_nested_msi_page)', 'the stage-2 doorbell mapping failed', log), log };
  }
  free.phys = phys;
  return { ok: true, page: free, msiAddr: free.iova + offset, log: [] };
}
