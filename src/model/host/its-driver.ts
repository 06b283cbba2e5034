// The host's GICv3 ITS driver (drivers/irqchip/irq-gic-v3-its.c, Linux 6.12) for the ITS the host
// composition attaches to a LabMachine at VIRT_ITS_BASE (QEMU virt's, formats/ioctl-script.md).
//
//   its_probe_one() / its_alloc_tables()  the Device Table, Collection Table and command queue in
//                          host kernel memory (itsInit in src/model/its/driver.ts programs them):
//                          64 KB pages; the Device Table sized for the ITS's 16 DeviceID bits
//                          (65536 8-byte entries = 8 pages), one page of collections, a 64 KB queue
//   its_cpu_init_collection() MAPC collection 0 -> redistributor 0 (CPU 0: target = cpu << 16
//                          without GITS_TYPER.PTA), then INVALL; each command builder that returns
//                          a collection is followed by a SYNC (its_send_single_command())
//   its_pci_msi_prepare() / its_msi_prepare() / its_create_device()
//                          DeviceID = the RID (pci_msi_domain_get_msi_rid(): identity on virt);
//                          nvec rounded up to a power of two, at least 32 for DeviceID 0;
//                          nr_ites = max(2, nvec); an ITT of nr_ites * ITE size, 256-byte aligned
//                          (ITS_ITT_ALIGN); LPIs from its_lpi_alloc() (first fit in the free
//                          ranges, which start at 8192); MAPD with Size = ilog2(nr_ites) - 1
//   its_irq_domain_alloc() / its_irq_domain_activate()
//                          EventID = the vector's index in the device's LPI map; MAPTI DeviceID,
//                          EventID, LPI (lpi_base + EventID), collection 0 (its_select_cpu: CPU 0),
//                          then SYNC; request_irq() -> its_unmask_irq() -> INV, SYNC
//   its_irq_domain_free() / its_free_device()   DISCARD + SYNC per event, MAPD V = 0 (no SYNC)
// The doorbell the device is told to write is GITS_TRANSLATER's PA (its_irq_compose_msi_msg());
// iommu_dma_compose_msi_msg() may then swap it for an IOVA (msi-cookie.ts).

import { type ItsCmdSpec, encodeItsCmd } from '../its/commands';
import { itsInit, submitItsCommands } from '../its/driver';
import { Its } from '../its/its';
import { ITE_BYTES } from '../its/tables';
import { VIRT_ITS_BASE } from '../iommu/platform';
import type { LabMachine } from '../lab/machine';

export const LPI_BASE = 8192;
const ITS_ITT_ALIGN = 256;
const PAGE_64K = 0x10000;
const DT_PAGES = 8;

/** One device as its_create_device() made it, and its allocated vectors. */
export interface ItsDevice {
  deviceId: number;
  itt: number;
  nrItes: number;
  lpiBase: number;
  nrLpis: number;
  /** EventID -> LPI, for the vectors in use. */
  readonly events: Map<number, number>;
}

export class HostItsDriver {
  readonly its: Its;
  readonly devices = new Map<number, ItsDevice>();
  /** Free LPI ranges [base, base + span), sorted (lpi_range_list). */
  private free: { base: number; span: number }[] = [{ base: LPI_BASE, span: 65536 - LPI_BASE }];

  constructor(private readonly m: LabMachine) {
    this.its = new Its(m.mem, { base: Number(VIRT_ITS_BASE) });
    m.attachIts(this.its);
    const deviceTable = m.hostAlloc(DT_PAGES * PAGE_64K);
    const collectionTable = m.hostAlloc(PAGE_64K);
    const cmdq = m.hostAlloc(PAGE_64K);
    itsInit(this.its, { deviceTable, collectionTable, cmdq, deviceTablePages: DT_PAGES, collectionTablePages: 1, pageSize: PAGE_64K });
    this.send([{ op: 'MAPC', icid: 0, rdbase: 0, valid: true }, { op: 'SYNC', rdbase: 0 }, { op: 'INVALL', icid: 0 }, { op: 'SYNC', rdbase: 0 }]);
  }

  private send(cmds: ItsCmdSpec[]): void {
    submitItsCommands(this.its, cmds.map(encodeItsCmd), 'host');
  }

  /** its_msi_prepare(): the device's ITT and LPIs, MAPD. */
  prepare(deviceId: number, nvecWanted: number): ItsDevice {
    const existing = this.devices.get(deviceId);
    if (existing !== undefined) return existing;
    const nvec = Math.max(deviceId === 0 ? 32 : 1, 2 ** Math.ceil(Math.log2(Math.max(1, nvecWanted))));
    const nrItes = Math.max(2, nvec);
    const sz = Math.max(nrItes * ITE_BYTES, ITS_ITT_ALIGN);
    const itt = this.m.hostAlloc(2 ** Math.ceil(Math.log2(sz)));
    const lpiBase = this.allocLpis(nvec);
    const dev: ItsDevice = { deviceId, itt, nrItes, lpiBase, nrLpis: nvec, events: new Map() };
    this.devices.set(deviceId, dev);
    this.send([{ op: 'MAPD', deviceId, size: Math.log2(nrItes) - 1, itt, valid: true }]);
    return dev;
  }

  /** its_irq_domain_alloc() + activate() + unmask: the next free EventID, MAPTI, INV. */
  allocVector(dev: ItsDevice): { eventId: number; lpi: number } {
    let eventId = 0;
    while (dev.events.has(eventId)) eventId++;
    if (eventId >= dev.nrLpis) throw new RangeError(`DeviceID ${dev.deviceId} has no free EventID`);
    const lpi = dev.lpiBase + eventId;
    dev.events.set(eventId, lpi);
    this.send([
      { op: 'MAPTI', deviceId: dev.deviceId, eventId, intid: lpi, icid: 0 }, { op: 'SYNC', rdbase: 0 },
      { op: 'INV', deviceId: dev.deviceId, eventId }, { op: 'SYNC', rdbase: 0 },
    ]);
    return { eventId, lpi };
  }

  /** pci_free_irq_vectors(): DISCARD each event, then its_free_device(): MAPD V = 0, LPIs freed. */
  freeDevice(deviceId: number): void {
    const dev = this.devices.get(deviceId);
    if (dev === undefined) return;
    const cmds: ItsCmdSpec[] = [];
    for (const eventId of dev.events.keys()) cmds.push({ op: 'DISCARD', deviceId, eventId }, { op: 'SYNC', rdbase: 0 });
    cmds.push({ op: 'MAPD', deviceId, size: 0, itt: 0, valid: false });
    this.send(cmds);
    this.devices.delete(deviceId);
    this.free.push({ base: dev.lpiBase, span: dev.nrLpis });
    this.free.sort((a, b) => a.base - b.base);
  }

  /** alloc_lpi_range(): first fit. */
  private allocLpis(n: number): number {
    const r = this.free.find((x) => x.span >= n);
    if (r === undefined) throw new RangeError('no LPIs left');
    const base = r.base;
    r.base += n;
    r.span -= n;
    this.free = this.free.filter((x) => x.span > 0);
    return base;
  }
}
