// iommu_dma_prepare_msi() for a VFIO domain with an MSI cookie (drivers/iommu/dma-iommu.c, 6.12;
// primer §5.2): the doorbell's page is mapped once per domain at the cookie's next IOVA - a bump
// pointer from the SW_MSI base (iommu_dma_alloc_iova(): "msi_iova += size" for an
// IOMMU_DMA_MSI_COOKIE), page-sized (cookie_msi_granule() is PAGE_SIZE), prot IOMMU_WRITE |
// IOMMU_NOEXEC | IOMMU_MMIO - and iommu_dma_compose_msi_msg() puts that IOVA plus the doorbell's
// offset in the message. A domain without a cookie leaves the physical doorbell in the message.
// (io-pgtable maps IOMMU_MMIO as Device memory; the model's page table writes Normal memory
// attributes for every leaf.)

import { iommuMap, type IommuDomain } from '../iommu/domain';
import { IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_WRITE } from '../iommu/resv';

const PAGE = 0x1000n;

interface Cookie { next: bigint; pages: Map<bigint, bigint> }
const cookies = new WeakMap<IommuDomain, Cookie>();

/** The address the device must write for doorbell `pa` behind `domain`, mapping the page if it
 *  is not yet; `mapped` says whether this call mapped it. */
export function prepareMsi(domain: IommuDomain | null, pa: bigint): { addr: bigint; mapped: boolean; iova: bigint | null } {
  if (domain === null || domain.msiCookie === null) return { addr: pa, mapped: false, iova: null };
  let c = cookies.get(domain);
  if (c === undefined) { c = { next: domain.msiCookie, pages: new Map() }; cookies.set(domain, c); }
  const page = pa & ~(PAGE - 1n);
  let iova = c.pages.get(page);
  let mapped = false;
  if (iova === undefined) {
    iova = c.next;
    c.next += PAGE;
    const e = iommuMap(domain, iova, page, PAGE, IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO);
    if (e !== 0) throw new RangeError(`iommu_map of the MSI page failed (errno ${e})`);
    c.pages.set(page, iova);
    mapped = true;
  }
  return { addr: iova + (pa & (PAGE - 1n)), mapped, iova };
}

