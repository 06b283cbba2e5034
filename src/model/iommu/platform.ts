// Platform presets: what the host's IOMMU driver reports for a device and builds for VFIO.
//
// arm64-virt: QEMU's virt board with an SMMUv3 (formats/ioctl-script.md: SMMUv3 at 0x09050000 with a
//   44-bit OAS, GICv3 ITS frame at 0x08080000 so GITS_TRANSLATER is 0x08090040).
//   drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c:
//     arm_smmu_get_resv_regions()   IOMMU_RESV_SW_MSI at MSI_IOVA_BASE 0x8000000, MSI_IOVA_LENGTH
//                                   0x100000 (arm-smmu-v3.h), prot IOMMU_WRITE | IOMMU_NOEXEC |
//                                   IOMMU_MMIO; then iommu_dma_get_resv_regions() adds firmware
//                                   regions, here IORT RMRs (drivers/acpi/arm64/iort.c) and
//                                   device-tree reserved IOVA ranges.
//     arm_smmu_domain_finalise()    stage 1: aperture_end = 2^min(48 (52 with VAX), VA_BITS) - 1;
//                                   stage 2: 2^smmu->ias - 1 (ias = oas = 44 here: IDR0.TTF AArch64
//                                   only). pgsize_bitmap: the SMMU's sizes restricted by
//                                   arm_lpae_restrict_pgsizes() to the CPU's granule: 4K | 2M | 1G.
//     arm_smmu_domain_alloc_paging(dev) finalises the domain at once when given a device, which
//                                   iommu_paging_domain_alloc(dev) (VFIO type1 since 6.11) does.
//     arm_smmu_enable_nesting()     -EPERM once the domain is finalised.
//   GICv3 ITS domains carry IRQ_DOMAIN_FLAG_ISOLATED_MSI (drivers/irqchip/irq-gic-v3-its.c), so
//   msi_device_has_isolated_msi() is true and type1 needs no allow_unsafe_interrupts.
//
// x86-vtd: Intel VT-d, 48-bit address width. drivers/iommu/intel/iommu.c:
//     intel_iommu_get_resv_regions() every RMRR naming the device, as IOMMU_RESV_DIRECT or, when
//                                   device_rmrr_is_relaxable() (USB or graphics class), as
//                                   IOMMU_RESV_DIRECT_RELAXABLE, prot DMA_PTE_READ | DMA_PTE_WRITE;
//                                   [0, 16 MiB) DIRECT_RELAXABLE for an ISA bridge
//                                   (CONFIG_INTEL_IOMMU_FLOPPY_WA); always
//                                   [IOAPIC_RANGE_START 0xfee00000, IOAPIC_RANGE_END 0xfeefffff] as
//                                   IOMMU_RESV_MSI with prot 0.
//     paging_domain_alloc()         pgsize_bitmap = SZ_4K | domain_super_pgsize_bitmap() (2M with
//                                   superpage level 1, 2M | 1G with level 2); aperture_end =
//                                   __DOMAIN_MAX_ADDR(gaw) for second-stage translation,
//                                   __DOMAIN_MAX_ADDR(gaw - 1) for first-stage.
//     no enable_nesting op          iommu_enable_nesting() returns -EINVAL.
//   x86: the VT-d interrupt-remapping irq domain carries IRQ_DOMAIN_FLAG_ISOLATED_MSI
//   (intel_setup_irq_remapping()), which msi_device_has_isolated_msi() finds on the device's
//   MSI domain chain.
//
// ASSUMPTIONS (not read in this session's sources, stated in docs/host-side.md):
//  - default domain types: arm64 "DMA" (CONFIG_IOMMU_DEFAULT_DMA_STRICT), x86 "DMA-FQ"
//    (CONFIG_IOMMU_DEFAULT_DMA_LAZY is the x86 default);
//  - a 4K-page host kernel with VA_BITS = 48 on arm64, and QEMU's SMMUv3 without VAX;
//  - VT-d: second-stage (legacy mode, QEMU intel-iommu x-scalable-mode=off), superpage level 2,
//    no snoop control (QEMU's snoop-control=off), so VFIO_DMA_CC_IOMMU answers 0;
//  - IORT RMR prot IOMMU_READ | IOMMU_WRITE; an RMR with "remapping permitted" is DIRECT_RELAXABLE;
//  - RMRRs name the devices themselves (bridges in an RMRR's scope are not modelled);
//  - where the model puts process memory: pages from hostRamBase + 256 MiB upwards.

import { ERRNO, kerr, type KErr } from '../vfio/errno';
import {
  IOMMU_DOMAIN_DMA, IOMMU_DOMAIN_DMA_FQ, IOMMU_DOMAIN_UNMANAGED, ListPageTable, type DomainType, type IommuDomain,
  type IoPageTable,
} from './domain';
import type { DeviceSpec } from './group';
import {
  IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_READ, IOMMU_RESV_DIRECT, IOMMU_RESV_DIRECT_RELAXABLE, IOMMU_RESV_MSI,
  IOMMU_RESV_RESERVED, IOMMU_RESV_SW_MSI, IOMMU_WRITE, type ResvRegion,
} from './resv';
import type { IovaRange } from './usable';

export type Machine = 'arm64-virt' | 'x86-vtd';

/** MSI_IOVA_BASE / MSI_IOVA_LENGTH (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h). */
export const MSI_IOVA_BASE = 0x8000000n;
export const MSI_IOVA_LENGTH = 0x100000n;
/** IOAPIC_RANGE_START / IOAPIC_RANGE_END (drivers/iommu/intel/iommu.h). */
export const IOAPIC_RANGE_START = 0xfee00000n;
export const IOAPIC_RANGE_END = 0xfeefffffn;
/** QEMU virt (formats/ioctl-script.md). */
export const VIRT_SMMU_BASE = 0x09050000n;
export const VIRT_ITS_BASE = 0x08080000n;
export const VIRT_GITS_TRANSLATER = VIRT_ITS_BASE + 0x10040n;
export const VIRT_SMMU_OAS = 44;

const SZ_4K = 0x1000n, SZ_2M = 0x200000n, SZ_1G = 0x40000000n;

/** An ACPI IORT RMR node's range and the devices (by BDF) its ID mappings name. */
export interface IortRmr {
  base: bigint;
  length: bigint;
  /** ACPI_IORT_RMR_REMAP_PERMITTED: the OS may drop the 1:1 mapping. */
  remapPermitted: boolean;
  devices: string[];
}

export interface ArmVirtOptions {
  /** The SMMU's stages as the ioctl script names them: "s1" (stage 1 only), "s2" (stage 2 only),
   *  "nested" (both; the kernel's own domains use stage 1). Default "s1". */
  smmuStage?: 's1' | 's2' | 'nested';
  /** MSIs through a GICv3 ITS (isolated). False: no MSI isolation (as with GICv2m). Default true. */
  its?: boolean;
  rmrs?: IortRmr[];
  /** Firmware IOVA ranges a device must never use, reported as IOMMU_RESV_RESERVED (device-tree
   *  reserved-memory regions with iommu-addresses, of_iommu_get_resv_regions(); ASSUMPTION: such a
   *  range without a 1:1 physical mapping is RESERVED). */
  reserved?: { base: bigint; length: bigint; devices: string[] }[];
  /** The kernel's VA_BITS. Default 48. */
  vaBits?: number;
}

/** A DMAR RMRR: [base, end] inclusive, and the devices in its scope. */
export interface Rmrr {
  base: bigint;
  end: bigint;
  devices: string[];
}

export interface X86VtdOptions {
  /** Guest address width. Default 48. */
  gaw?: number;
  rmrrs?: Rmrr[];
  /** Interrupt remapping enabled. Default true. */
  interruptRemapping?: boolean;
  /** Second-stage (legacy) or first-stage (scalable mode with FLTS) paging domains. */
  translation?: 'second-stage' | 'first-stage';
  /** Superpage capability: 0 (4K), 1 (+2M), 2 (+2M, 1G). Default 2. */
  superpage?: 0 | 1 | 2;
  /** ECAP.SC (snoop control): enforce_cache_coherency() succeeds. Default false. */
  snoopControl?: boolean;
  /** CONFIG_INTEL_IOMMU_FLOPPY_WA. Default true. */
  floppyWa?: boolean;
}

export interface Platform {
  machine: Machine;
  label: string;
  iommu: 'SMMUv3' | 'VT-d';
  /** The iommu_ops a domain comes from: type1 only shares a domain between equal ops. */
  ops: string;
  /** The input size of the paging domains VFIO gets, in bits; aperture = [0, 2^bits - 1]. */
  domainInputBits: number;
  aperture: IovaRange;
  pgsizeBitmap: bigint;
  /** The SMMU stage VFIO's domains translate with (Arm). */
  stage?: 's1' | 's2';
  defaultDomainType: DomainType;
  /** Where the model's process memory lives in host physical memory. */
  hostRamBase: bigint;
  /** The IOMMU driver's get_resv_regions() for a device, in its list order. */
  getResvRegions(dev: DeviceSpec): ResvRegion[];
  /** msi_device_has_isolated_msi() */
  hasIsolatedMsi(dev: DeviceSpec): boolean;
  /** iommu_paging_domain_alloc(dev) for VFIO type1, then iommu_enable_nesting() when `nesting`.
   *  With `domainAttr` (the seed profile, 5.12): iommu_domain_alloc(bus), then
   *  iommu_domain_set_attr(DOMAIN_ATTR_NESTING) before the first attach finalises it. */
  allocUnmanagedDomain(opts: { nesting: boolean; domainAttr?: boolean; pageTable?: (info: PageTableInfo) => IoPageTable }): IommuDomain | KErr;
}

/** What a page-table factory needs to know to build the domain's tables. */
export interface PageTableInfo {
  stage: 's1' | 's2' | 'vtd';
  inputBits: number;
  pgsizeBitmap: bigint;
}

export function armVirt(opts: ArmVirtOptions = {}): Platform {
  const smmuStage = opts.smmuStage ?? 's1';
  const stage: 's1' | 's2' = smmuStage === 's2' ? 's2' : 's1';
  const vaBits = opts.vaBits ?? 48;
  const inputBits = stage === 's1' ? Math.min(48, vaBits) : VIRT_SMMU_OAS;
  const aperture = { start: 0n, end: (1n << BigInt(inputBits)) - 1n };
  const pgsizeBitmap = SZ_4K | SZ_2M | SZ_1G;
  const its = opts.its ?? true;
  const rmrs = opts.rmrs ?? [];
  const reserved = opts.reserved ?? [];
  return {
    machine: 'arm64-virt',
    label: `Arm virt, SMMUv3 (${smmuStage === 'nested' ? 'stage 1 and 2' : smmuStage === 's2' ? 'stage 2 only' : 'stage 1 only'})`,
    iommu: 'SMMUv3',
    ops: 'arm_smmu_ops',
    domainInputBits: inputBits,
    aperture,
    pgsizeBitmap,
    stage,
    defaultDomainType: IOMMU_DOMAIN_DMA,
    hostRamBase: 0x4000_0000n,
    getResvRegions(dev) {
      // arm_smmu_get_resv_regions(): the software MSI window first, then iommu_dma_get_resv_regions().
      const out: ResvRegion[] = [
        { start: MSI_IOVA_BASE, length: MSI_IOVA_LENGTH, prot: IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO, type: IOMMU_RESV_SW_MSI },
      ];
      for (const r of rmrs) {
        if (!r.devices.includes(dev.bdf)) continue;
        out.push({
          start: r.base, length: r.length, prot: IOMMU_READ | IOMMU_WRITE,
          type: r.remapPermitted ? IOMMU_RESV_DIRECT_RELAXABLE : IOMMU_RESV_DIRECT,
        });
      }
      for (const r of reserved) {
        if (r.devices.includes(dev.bdf)) out.push({ start: r.base, length: r.length, prot: 0, type: IOMMU_RESV_RESERVED });
      }
      return out;
    },
    hasIsolatedMsi: () => its,
    allocUnmanagedDomain({ nesting, domainAttr, pageTable }) {
      if (nesting && domainAttr) {
        // 5.12 + the seed series: arm_smmu_domain_set_attr(DOMAIN_ATTR_NESTING) succeeds on an
        // unfinalised domain (stage = ARM_SMMU_DOMAIN_NESTED); at attach, arm_smmu_domain_finalise()
        // refuses an SMMU without both stages (v15 04/12, dev_info "does not implement two stages")
        // and otherwise finalises stage 2 only (the guest owns stage 1): ias = smmu->ias.
        if (smmuStage !== 'nested') {
          return kerr(ERRNO.EINVAL, 'arm_smmu_domain_finalise (arm_smmu_attach_dev, vfio_iommu_type1_attach_group)',
            `the SMMU implements ${smmuStage === 's1' ? 'stage 1' : 'stage 2'} only: a nested domain needs both`,
            ['arm-smmu-v3 9050000.smmuv3: does not implement two stages']);
        }
        const s2Bits = VIRT_SMMU_OAS;
        return {
          type: IOMMU_DOMAIN_UNMANAGED, ops: 'arm_smmu_ops', pgsizeBitmap, aperture: { start: 0n, end: (1n << BigInt(s2Bits)) - 1n },
          stage: 's2', enforceCacheCoherency: false, msiCookie: null,
          pt: pageTable?.({ stage: 's2', inputBits: s2Bits, pgsizeBitmap }) ?? new ListPageTable(),
        };
      }
      // arm_smmu_domain_alloc_paging(dev) -> arm_smmu_domain_finalise(): smmu_domain->smmu is set.
      if (nesting) {
        return kerr(ERRNO.EPERM, 'arm_smmu_enable_nesting (iommu_enable_nesting, vfio_iommu_type1_attach_group)',
          'the SMMU domain was finalised when iommu_paging_domain_alloc(dev) allocated it, and enable_nesting refuses a finalised domain');
      }
      return {
        type: IOMMU_DOMAIN_UNMANAGED, ops: 'arm_smmu_ops', pgsizeBitmap, aperture: { ...aperture }, stage,
        enforceCacheCoherency: false, msiCookie: null,
        pt: pageTable?.({ stage, inputBits, pgsizeBitmap }) ?? new ListPageTable(),
      };
    },
  };
}

const PCI_CLASS_SERIAL_USB = 0x0c03;
const PCI_BASE_CLASS_DISPLAY = 0x03;
const PCI_CLASS_BRIDGE_ISA = 0x0601;

export function x86Vtd(opts: X86VtdOptions = {}): Platform {
  const gaw = opts.gaw ?? 48;
  const firstStage = opts.translation === 'first-stage';
  const inputBits = firstStage ? gaw - 1 : gaw;
  const aperture = { start: 0n, end: (1n << BigInt(inputBits)) - 1n };
  const superpage = opts.superpage ?? 2;
  const pgsizeBitmap = SZ_4K | (superpage >= 1 ? SZ_2M : 0n) | (superpage >= 2 ? SZ_1G : 0n);
  const ir = opts.interruptRemapping ?? true;
  const rmrrs = opts.rmrrs ?? [];
  const floppyWa = opts.floppyWa ?? true;
  const snoopControl = opts.snoopControl ?? false;
  return {
    machine: 'x86-vtd',
    label: `x86, Intel VT-d (${gaw}-bit, ${firstStage ? 'first-stage' : 'second-stage'})`,
    iommu: 'VT-d',
    ops: 'intel_iommu_ops',
    domainInputBits: inputBits,
    aperture,
    pgsizeBitmap,
    defaultDomainType: IOMMU_DOMAIN_DMA_FQ,
    hostRamBase: 0x1_0000_0000n,
    getResvRegions(dev) {
      const cls = dev.classCode ?? 0x00ff00;
      const out: ResvRegion[] = [];
      // device_rmrr_is_relaxable(): IS_USB_DEVICE || IS_GFX_DEVICE.
      const relaxable = cls >> 8 === PCI_CLASS_SERIAL_USB || cls >> 16 === PCI_BASE_CLASS_DISPLAY;
      for (const r of rmrrs) {
        if (!r.devices.includes(dev.bdf)) continue;
        out.push({
          start: r.base, length: r.end - r.base + 1n, prot: IOMMU_READ | IOMMU_WRITE,
          type: relaxable ? IOMMU_RESV_DIRECT_RELAXABLE : IOMMU_RESV_DIRECT,
        });
      }
      if (floppyWa && cls >> 8 === PCI_CLASS_BRIDGE_ISA) {
        out.push({ start: 0n, length: 1n << 24n, prot: IOMMU_READ | IOMMU_WRITE, type: IOMMU_RESV_DIRECT_RELAXABLE });
      }
      out.push({ start: IOAPIC_RANGE_START, length: IOAPIC_RANGE_END - IOAPIC_RANGE_START + 1n, prot: 0, type: IOMMU_RESV_MSI });
      return out;
    },
    hasIsolatedMsi: () => ir,
    allocUnmanagedDomain({ nesting, domainAttr, pageTable }) {
      if (nesting && domainAttr) {
        // 5.12: intel_iommu_domain_set_attr(DOMAIN_ATTR_NESTING) is -ENODEV without
        // nested_mode_support() (QEMU's intel-iommu reports no nested translation).
        return kerr(ERRNO.ENODEV, 'intel_iommu_domain_set_attr (iommu_domain_set_attr, vfio_iommu_type1_attach_group)',
          'this VT-d does not support nested translation (nested_mode_support() is false)');
      }
      if (nesting) {
        return kerr(ERRNO.EINVAL, 'iommu_enable_nesting (vfio_iommu_type1_attach_group)',
          'the VT-d domain ops have no enable_nesting');
      }
      return {
        type: IOMMU_DOMAIN_UNMANAGED, ops: 'intel_iommu_ops', pgsizeBitmap, aperture: { ...aperture },
        enforceCacheCoherency: snoopControl, msiCookie: null,
        pt: pageTable?.({ stage: 'vtd', inputBits, pgsizeBitmap }) ?? new ListPageTable(),
      };
    },
  };
}

