// The host side of the seed nesting uapi (Linux 5.12 + Eric Auger's series, VFIO v13 / IOMMU v15,
// never merged) in the host composition, on an SMMU with both stages (smmu_stage "nested"):
//   - each vfio-pci device gets the series' DMA_FAULT region (index 9), its response region
//     (index 10) and the DMA_FAULT IRQ (index 5) when its fd is first opened
//     (vfio_pci_enable() -> vfio_pci_dma_fault_init(): iommu_register_device_fault_handler());
//   - the host's event-queue thread hands each record to arm_smmu_handle_evt(), which reports a
//     guest stage-1 fault through iommu_report_device_fault() to vfio_pci_iommu_dev_fault_handler():
//     into the ring, then eventfd_signal() of the DMA_FAULT trigger (nesting/fault.ts);
//   - MSI set-up for a device of a nested domain takes the NESTED_MSI cookie path
//     (iommu_dma_prepare_msi() -> iommu_dma_get_nested_msi_page(), nesting/msi.ts): the doorbell
//     is mapped at a guest-bound gDB in stage 2 and the device is programmed with the gIOVA.
// Without a binding iommu_dma_prepare_msi() returns -ENOMEM from its_irq_domain_alloc() (5.12
// calls it there, after its_alloc_device_irq()); __irq_domain_alloc_irqs() fails, and
// msi_domain_alloc_irqs() (kernel/irq/msi.c) replaces any failure by -ENOSPC, which
// pci_msi_domain_handle_error() passes on for a single MSI (it returns 1 only for multi-MSI and
// __pci_enable_msi_range() then retries with one vector, which fails the same way). So
// pci_alloc_irq_vectors() -> vfio_msi_enable() -> VFIO_DEVICE_SET_IRQS fails with -ENOSPC, after
// the ITS's MAPD of its_msi_prepare() (the ITS device is left in place, as its_irq_domain_alloc()
// returns without freeing it).

import type { IommuDomain } from '../iommu/domain';
import type { LabMachine } from '../lab/machine';
import type { VfioPciCore, VfioPciExtras } from '../vfio/device';
import { ERRNO, kerr, type KErr } from '../vfio/errno';
import { NestedFaultRouter, type FaultReport } from '../vfio/nesting/fault';
import { hasNestedMsiCookie, iommuDmaGetNestedMsiPage } from '../vfio/nesting/msi';
import { dmaFaultIrqInfo, dmaFaultRegionInfo, dmaFaultResponseRegionInfo } from '../vfio/nesting/regions';
import { NotModelled } from '../vfio/type1';
import { bdfToRid } from './rid';

/** One event the host's event-queue thread handled: its StreamID and what became of it. */
export interface SeedFaultReport extends FaultReport { sid: number; bdf: string | null }

export class SeedNestingHost {
  readonly router = new NestedFaultRouter();
  /** Every event the thread handled, oldest first (tests, views). */
  readonly reports: SeedFaultReport[] = [];
  private readonly bdfOf = new Map<number, string>();

  constructor(private readonly m: LabMachine, private readonly pci: () => VfioPciCore) {}

  readonly extras: VfioPciExtras = {
    open: (bdf) => {
      this.bdfOf.set(bdfToRid(bdf), bdf);
      this.router.register(bdfToRid(bdf));
    },
    release: (bdf) => this.router.unregister(bdfToRid(bdf)),
    regions: (bdf) => {
      const sid = bdfToRid(bdf);
      const fault = dmaFaultRegionInfo(), resp = dmaFaultResponseRegionInfo();
      return [
        {
          flags: fault.flags, size: BigInt(fault.size), caps: fault.caps,
          rw: (off, size, value) => {
            const r = this.router.region(sid);
            if (r === undefined) return kerr(ERRNO.EINVAL, 'vfio_pci_dma_fault_rw', 'the fault region is not set up');
            if (value !== undefined) return r.writeTail(off, size, Number(value & 0xffff_ffffn)) ?? { value };
            const b = r.readBytes(off, size);
            if (!(b instanceof Uint8Array)) return b;
            let v = 0n;
            for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
            return { value: v };
          },
        },
        {
          flags: resp.flags, size: BigInt(resp.size), caps: resp.caps,
          rw: () => { throw new NotModelled('the DMA fault response region (page responses; this SMMU cannot stall)'); },
        },
      ];
    },
    irqs: () => {
      const i = dmaFaultIrqInfo();
      return [{ flags: i.flags, count: i.count, caps: i.caps }];
    },
  };

  /** The host's event-queue thread (arm_smmu_evtq_thread() -> arm_smmu_handle_evt()): the host
   *  drains after every faulting access, so a pass holds the one record LabMachine.lastEvent
   *  decodes. Returns how many faults reached a ring. */
  evtqThread(): number {
    const { count } = this.m.drainEvents('host');
    const e = this.m.lastEvent;
    if (count === 0 || e === null) return 0;
    const rep = this.router.reportFault(e.sid, e);
    const bdf = this.bdfOf.get(e.sid) ?? null;
    this.reports.push({ ...rep, sid: e.sid, bdf });
    if (rep.signal && bdf !== null) this.pci().triggerExt(bdf, 0);
    return rep.delivered ? 1 : 0;
  }

  /** iommu_dma_prepare_msi() for a domain with a NESTED_MSI cookie: the address to program, or
   *  the errno SET_IRQS returns (see the header). null: not a nested domain, the usual cookie. */
  prepareMsi(domain: IommuDomain | null, doorbell: bigint): { addr: bigint } | KErr | null {
    if (domain === null || !hasNestedMsiCookie(domain)) return null;
    const r = iommuDmaGetNestedMsiPage(domain, doorbell);
    if (r.ok) return { addr: r.msiAddr };
    return kerr(ERRNO.ENOSPC, 'msi_domain_alloc_irqs (its_irq_domain_alloc -> iommu_dma_prepare_msi: -ENOMEM)',
      `${r.err.why}; __irq_domain_alloc_irqs() failed, and msi_domain_alloc_irqs() returns -ENOSPC for any failure`, r.log);
  }
}
