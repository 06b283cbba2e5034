// iommufd's software MSI (Linux 6.15+, drivers/iommu/iommufd/driver.c and device.c): how a device
// bound through iommufd gets its ITS doorbell mapped, with no MSI cookie and no per-binding ioctl.
//
//   iommu_dma_prepare_msi()      (drivers/iommu/iommu.c) under the group mutex, by the group
//                                domain's cookie_type: IOMMU_COOKIE_IOMMUFD -> iommufd_sw_msi();
//                                a domain with no cookie (the blocking domain) -> -EOPNOTSUPP
//   iommufd_sw_msi()             no attach handle or no IOMMU_RESV_SW_MSI: the message is left
//                                alone; else the paging HWPT behind the domain
//                                (find_hwpt_paging(): a nested HWPT's parent), the map for the
//                                doorbell's page, installed, set in igroup->required_sw_msi, and
//                                msi_desc_set_iommu_msi_iova(desc, iova, PAGE_SHIFT): the message
//                                address becomes iova + the doorbell's offset in its page
//   iommufd_sw_msi_get_map()     one list per iommufd (ictx->sw_msi_list), fd-global: a page
//                                already listed for this sw_msi_start keeps its pgoff; a new one
//                                takes max(pgoff) + 1 and the next id; ids stop at 64 (the bits of
//                                struct iommufd_sw_msi_maps) with -EOVERFLOW
//   iommufd_sw_msi_install()     iova = sw_msi_start + pgoff * PAGE_SIZE; iommu_map(iova -> page,
//                                PAGE_SIZE, IOMMU_WRITE | IOMMU_READ | IOMMU_MMIO) unless the HWPT's
//                                present_sw_msi has the id already
//   iommufd_group_setup_msi()    (device.c) when a group's first device attaches or replaces:
//                                every map the group requires, with its sw_msi_start, installed in
//                                the new paging HWPT - so a changed domain keeps the same IOVAs
//
// So every domain of one iommufd sees a doorbell at the same IOVA, 0x8000000 + pgoff * 4K on
// arm-smmu-v3 (MSI_IOVA_BASE), and for a nested HWPT that IOVA is an IPA of the nest parent's
// stage 2: the guest must map it 1:1 in its stage 1 (an IORT RMR, primer §5.3).
// ASSUMPTION: a bound device that is attached to nothing sits in the blocking domain
// (iommu_device_claim_dma_owner()), whose cookie_type is IOMMU_COOKIE_NONE.

import type { IommuGroup } from '../iommu/group';
import { iommuMap } from '../iommu/domain';
import { IOMMU_MMIO, IOMMU_READ, IOMMU_WRITE } from '../iommu/resv';
import { ERRNO, kerr, type KErr } from '../vfio/errno';
import type { HwptPaging, Idev } from './objects';

/** PAGE_SIZE of the arm64 host (4K pages). */
const PAGE = 0x1000n;
/** BITS_PER_BYTE * sizeof_field(struct iommufd_sw_msi_maps, bitmap): DECLARE_BITMAP(bitmap, 64). */
const SW_MSI_MAX_IDS = 64;
/** iommufd_sw_msi_install()'s prot. */
export const SW_MSI_PROT = IOMMU_WRITE | IOMMU_READ | IOMMU_MMIO;

/** struct iommufd_sw_msi_map */
export interface SwMsiMap { swMsiStart: bigint; msiAddr: bigint; pgoff: number; id: number }

/** What iommufd_sw_msi() decided: the message address, and the map it used (null: unchanged). */
export interface SwMsiResult { addr: bigint; map: SwMsiMap | null }

/** One iommufd's software-MSI state: ictx->sw_msi_list and sw_msi_id, and the bitmaps kept in
 *  the HWPTs (present_sw_msi) and groups (required_sw_msi). */
export class SwMsiState {
  readonly list: SwMsiMap[] = [];
  private nextId = 0;
  private readonly present = new WeakMap<HwptPaging, Set<number>>();
  private readonly required = new WeakMap<IommuGroup, Set<number>>();

  /** iommufd_sw_msi_get_map() */
  getMap(msiAddr: bigint, swMsiStart: bigint): SwMsiMap | KErr {
    let maxPgoff = 0;
    for (const cur of this.list) {
      if (cur.swMsiStart !== swMsiStart) continue;
      maxPgoff = Math.max(maxPgoff, cur.pgoff + 1);
      if (cur.msiAddr === msiAddr) return cur;
    }
    if (this.nextId >= SW_MSI_MAX_IDS) return kerr(ERRNO.EOVERFLOW, 'iommufd_sw_msi_get_map', `all ${SW_MSI_MAX_IDS} sw_msi ids of this iommufd are taken`);
    const map = { swMsiStart, msiAddr, pgoff: maxPgoff, id: this.nextId++ };
    this.list.push(map);
    return map;
  }

  /** iommufd_sw_msi_install(): map the page in the HWPT once. */
  install(hwpt: HwptPaging, map: SwMsiMap): KErr | null {
    let bits = this.present.get(hwpt);
    if (bits === undefined) { bits = new Set(); this.present.set(hwpt, bits); }
    if (bits.has(map.id)) return null;
    const e = iommuMap(hwpt.domain, swMsiIova(map), map.msiAddr, PAGE, SW_MSI_PROT);
    if (e !== 0) return kerr(e, 'iommu_map (iommufd_sw_msi_install)', `the doorbell page 0x${map.msiAddr.toString(16)} could not be mapped in HWPT ${hwpt.id}`);
    bits.add(map.id);
    return null;
  }

  /** iommufd_group_setup_msi(): the group's required maps into the HWPT it now attaches to. */
  setupGroup(group: IommuGroup, swMsiStart: bigint | null, hwpt: HwptPaging): KErr | null {
    if (swMsiStart === null) return null;
    const need = this.required.get(group);
    for (const cur of this.list) {
      if (cur.swMsiStart !== swMsiStart || need?.has(cur.id) !== true) continue;
      const e = this.install(hwpt, cur);
      if (e !== null) return e;
    }
    return null;
  }

  /** __set_bit(msi_map->id, igroup->required_sw_msi.bitmap) */
  require(group: IommuGroup, map: SwMsiMap): void {
    let bits = this.required.get(group);
    if (bits === undefined) { bits = new Set(); this.required.set(group, bits); }
    bits.add(map.id);
  }
}

/** sw_msi_start + pgoff * PAGE_SIZE */
export function swMsiIova(map: SwMsiMap): bigint {
  return map.swMsiStart + BigInt(map.pgoff) * PAGE;
}

/** find_hwpt_paging(): the paging HWPT itself, or a nested HWPT's parent (its vIOMMU's). */
export function findHwptPaging(idev: Idev): HwptPaging | null {
  const h = idev.hwpt;
  if (h === null) return null;
  return h.type === 'hwpt_paging' ? h : h.viommu.parent;
}

/** iommu_dma_prepare_msi() -> iommufd_sw_msi() for a device bound to this iommufd, doorbell
 *  `msiAddr` (the exact byte address, GITS_TRANSLATER). */
export function iommufdSwMsi(s: SwMsiState, idev: Idev, msiAddr: bigint): SwMsiResult | KErr {
  const hwpt = findHwptPaging(idev);
  if (hwpt === null) {
    return kerr(ERRNO.EOPNOTSUPP, 'iommu_dma_prepare_msi', `device ${idev.id} is attached to no HWPT: its group is in the blocking domain, which has no MSI cookie`);
  }
  if (idev.swMsiStart === null) return { addr: msiAddr, map: null };     // no IOMMU_RESV_SW_MSI
  const map = s.getMap(msiAddr & ~(PAGE - 1n), idev.swMsiStart);
  if ('errno' in map) return map;
  const e = s.install(hwpt, map);
  if (e !== null) return e;
  s.require(idev.group, map);
  return { addr: swMsiIova(map) + (msiAddr & (PAGE - 1n)), map };
}
