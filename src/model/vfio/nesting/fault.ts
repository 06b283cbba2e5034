// Fault reporting in the seed design (primer §4.7): the host SMMU driver turns a stage-1 event
// into a struct iommu_fault (arm_smmu_handle_evt() with v15 12/12 "report additional recoverable
// faults", on Jean-Philippe Brucker's IOPF v14 base), iommu_report_device_fault() hands it to
// vfio-pci's handler (vfio_pci_iommu_dev_fault_handler(), VFIO v13), which appends it to the
// DMA_FAULT region's ring and signals the DMA_FAULT eventfd; the VMM reads the ring from `tail`
// to `head` and writes `tail` back (vfio_pci_dma_fault_rw()).

import { ERRNO, kerr, type KErr } from '../errno';
import { EVT, type EventRecord } from '../../smmuv3/events';
import {
  DMA_FAULT_RING_LENGTH, DMA_FAULT_RING_OFFSET, IOMMU_FAULT_DMA_UNRECOV, IOMMU_FAULT_PERM_EXEC, IOMMU_FAULT_PERM_PRIV,
  IOMMU_FAULT_PERM_READ, IOMMU_FAULT_PERM_WRITE, IOMMU_FAULT_REASON, IOMMU_FAULT_UNRECOV_ADDR_VALID,
  IOMMU_FAULT_UNRECOV_FETCH_ADDR_VALID, IOMMU_FAULT_UNRECOV_PASID_VALID, SIZEOF_IOMMU_FAULT,
} from './uapi';

/** struct iommu_fault with its struct iommu_fault_unrecoverable (type DMA_UNRECOV). */
export interface IommuFault {
  type: number;
  reason: number;
  flags: number;
  pasid: number;
  perm: number;
  addr: bigint;
  fetch_addr: bigint;
}

/** What arm_smmu_handle_evt() did with an event: a fault to report, or why not (its return). */
export type HandleEvt = { fault: IommuFault } | { errno: number; why: string };

/** arm_smmu_handle_evt(): the IOPF base accepts only the four translation faults ("default:
 *  return -EOPNOTSUPP") before patch 12's conversion runs, so the patch's cases for
 *  C_BAD_SUBSTREAMID, F_CD_FETCH, C_BAD_CD and F_WALK_EABT are never reached as posted; stage-2
 *  faults are the host's ("Stage-2 is always pinned at the moment": -EFAULT); a stalled event
 *  would become a PAGE_REQ (this SMMU cannot stall). fetch_addr is never filled in, even where
 *  FETCH_ADDR_VALID is set. */
export function armSmmuHandleEvt(e: EventRecord): HandleEvt {
  switch (e.id) {
    case EVT.F_TRANSLATION: case EVT.F_ADDR_SIZE: case EVT.F_ACCESS: case EVT.F_PERMISSION:
      break;
    default:
      return { errno: ERRNO.EOPNOTSUPP, why: `${e.name} is not one of the four translation faults arm_smmu_handle_evt() reports` };
  }
  if (e.s2) return { errno: ERRNO.EFAULT, why: 'a stage-2 fault: the host owns stage 2 and does not forward it ("Stage-2 is always pinned")' };
  let perm = e.rnw ? IOMMU_FAULT_PERM_READ : IOMMU_FAULT_PERM_WRITE;
  if (e.ind) perm |= IOMMU_FAULT_PERM_EXEC;
  if (e.pnu) perm |= IOMMU_FAULT_PERM_PRIV;
  const conv = patch12Reason(e.id);
  const fault: IommuFault = {
    type: IOMMU_FAULT_DMA_UNRECOV, reason: conv.reason, flags: conv.flags, pasid: 0, perm, addr: e.input, fetch_addr: 0n,
  };
  if (e.ssv) {
    fault.flags |= IOMMU_FAULT_UNRECOV_PASID_VALID;
    fault.pasid = e.ssid;
  }
  return { fault };
}

/** v15 12/12's switch: event number -> reason and flags. */
export function patch12Reason(id: number): { reason: number; flags: number } {
  const R = IOMMU_FAULT_REASON, ADDR = IOMMU_FAULT_UNRECOV_ADDR_VALID, FETCH = IOMMU_FAULT_UNRECOV_FETCH_ADDR_VALID;
  switch (id) {
    case EVT.F_TRANSLATION: return { reason: R.PTE_FETCH, flags: ADDR };
    case EVT.F_ADDR_SIZE: return { reason: R.OOR_ADDRESS, flags: ADDR };
    case EVT.F_ACCESS: return { reason: R.ACCESS, flags: ADDR };
    case EVT.F_PERMISSION: return { reason: R.PERMISSION, flags: ADDR };
    case EVT.C_BAD_SUBSTREAMID: return { reason: R.PASID_INVALID, flags: 0 };
    case EVT.F_CD_FETCH: return { reason: R.PASID_FETCH, flags: FETCH };
    case EVT.C_BAD_CD: return { reason: R.BAD_PASID_ENTRY, flags: 0 };
    case EVT.F_WALK_EABT: return { reason: R.WALK_EABT, flags: ADDR | FETCH };
    default: return { reason: R.UNKNOWN, flags: 0 };
  }
}

/** The DMA_FAULT region of one vfio-pci device: struct vfio_region_dma_fault at offset 0, the
 *  ring of struct iommu_fault from `offset` (vfio_pci_dma_fault_init()). */
export class DmaFaultRegion {
  /** Written by the user (the VMM, consumer). */
  tail = 0;
  /** Written by the kernel (producer). */
  head = 0;
  readonly entrySize = SIZEOF_IOMMU_FAULT;
  readonly nbEntries: number;
  readonly offset = DMA_FAULT_RING_OFFSET;
  private readonly ring: (IommuFault | null)[];

  constructor(nbEntries = DMA_FAULT_RING_LENGTH) {
    this.nbEntries = nbEntries;
    this.ring = new Array<IommuFault | null>(nbEntries).fill(null);
  }

  /** The header as pread() at offset 0 returns it. */
  header(): { tail: number; entry_size: number; nb_entries: number; offset: number; head: number } {
    return { tail: this.tail, entry_size: this.entrySize, nb_entries: this.nbEntries, offset: this.offset, head: this.head };
  }

  /** vfio_pci_iommu_dev_fault_handler(): -ENOENT for a non-DMA_UNRECOV fault, -ENOSPC when
   *  CIRC_SPACE(head, tail, size) < 1 (one slot stays free: a full ring holds size - 1), else the
   *  fault goes in at head and head advances modulo size. Returns 0 or the negative errno. */
  push(f: IommuFault): number {
    if (f.type !== IOMMU_FAULT_DMA_UNRECOV) return -ERRNO.ENOENT;
    const space = (this.tail - (this.head + 1)) & (this.nbEntries - 1);   // CIRC_SPACE, size a power of 2
    if (space < 1) return -ERRNO.ENOSPC;
    this.ring[this.head] = { ...f };
    this.head = (this.head + 1) % this.nbEntries;
    return 0;
  }

  /** The entry at ring index i (what the mmapped ring shows). */
  entry(i: number): IommuFault | null {
    return this.ring[i] ?? null;
  }

  /** vfio_pci_dma_fault_rw() write: only a 4-byte write of `tail` at offset 0; a tail above
   *  nb_entries is -EINVAL (the check is `new_tail > nb_entries`, as posted). */
  writeTail(pos: number, count: number, value: number): KErr | null {
    const where = 'vfio_pci_dma_fault_rw';
    if (pos !== 0 || count !== 4) return kerr(ERRNO.EINVAL, where, 'only the 4-byte tail at offset 0 is writable');
    if (value > this.nbEntries) return kerr(ERRNO.EINVAL, where, `tail ${value} is above nb_entries ${this.nbEntries}`);
    this.tail = value;
    return null;
  }

  /** pread() of the region (vfio_pci_dma_fault_rw(), read side: a copy out of the fault pages):
   *  struct vfio_region_dma_fault at 0 (tail, entry_size, nb_entries, offset, head: u32 each),
   *  the ring from `offset`, entry i at offset + 64 i as struct iommu_fault lays it out (type u32
   *  @0, padding @4, then iommu_fault_unrecoverable: reason @8, flags @12, pasid @16, perm @20,
   *  addr u64 @24, fetch_addr u64 @32; the rest of the 56-byte union is 0). Little-endian. */
  readBytes(pos: number, count: number): Uint8Array | KErr {
    const size = this.offset + this.nbEntries * this.entrySize;
    if (pos < 0 || pos + count > size) return kerr(ERRNO.EINVAL, 'vfio_pci_dma_fault_rw', `bytes 0x${pos.toString(16)}..+${count} are outside the region (0x${size.toString(16)} bytes)`);
    const out = new Uint8Array(count);
    const put = (buf: Uint8Array, at: number, v: bigint, n: number) => { for (let k = 0; k < n; k++) buf[at + k] = Number((v >> BigInt(8 * k)) & 0xffn); };
    const hdr = new Uint8Array(20);
    [this.tail, this.entrySize, this.nbEntries, this.offset, this.head].forEach((v, k) => put(hdr, 4 * k, BigInt(v), 4));
    for (let b = 0; b < count; b++) {
      const a = pos + b;
      if (a < hdr.length) { out[b] = hdr[a]; continue; }
      if (a < this.offset) continue;
      const i = Math.floor((a - this.offset) / this.entrySize), o = (a - this.offset) % this.entrySize;
      const f = this.ring[i];
      if (f === null || o >= 40) continue;
      const e = new Uint8Array(40);
      put(e, 0, BigInt(f.type), 4); put(e, 8, BigInt(f.reason), 4); put(e, 12, BigInt(f.flags), 4);
      put(e, 16, BigInt(f.pasid), 4); put(e, 20, BigInt(f.perm), 4); put(e, 24, f.addr, 8); put(e, 32, f.fetch_addr, 8);
      out[b] = e[o];
    }
    return out;
  }

  /** What a VMM does on the eventfd: read the entries from tail to head, then write tail = head. */
  consume(): IommuFault[] {
    const out: IommuFault[] = [];
    for (let i = this.tail; i !== this.head; i = (i + 1) % this.nbEntries) out.push({ ...(this.ring[i] as IommuFault) });
    this.writeTail(0, 4, this.head);
    return out;
  }
}

/** The outcome of one event for the nesting host: where it went and whether to signal. */
export interface FaultReport {
  /** The fault reached the device's ring. */
  delivered: boolean;
  /** The DMA_FAULT eventfd should fire (a fault was appended). */
  signal: boolean;
  fault?: IommuFault;
  /** Why nothing was delivered (the kernel function's return). */
  errno?: number;
  why?: string;
}

/** Devices that registered a fault handler (vfio_pci_dma_fault_init(): iommu_register_device_
 *  fault_handler()), by StreamID, and the path of one event through them. */
export class NestedFaultRouter {
  private readonly regions = new Map<number, DmaFaultRegion>();

  register(sid: number, region = new DmaFaultRegion()): DmaFaultRegion {
    this.regions.set(sid, region);
    return region;
  }

  /** iommu_unregister_device_fault_handler() (vfio_pci_disable() of the series). */
  unregister(sid: number): void {
    this.regions.delete(sid);
  }

  region(sid: number): DmaFaultRegion | undefined {
    return this.regions.get(sid);
  }

  /** arm_smmu_handle_evt() -> iommu_report_device_fault() -> vfio_pci_iommu_dev_fault_handler(). */
  reportFault(sid: number, evt: EventRecord): FaultReport {
    const h = armSmmuHandleEvt(evt);
    if ('errno' in h) return { delivered: false, signal: false, errno: h.errno, why: h.why };
    const r = this.regions.get(sid);
    // arm_smmu_find_master() found no handler: iommu_report_device_fault() returns -EINVAL.
    if (r === undefined) return { delivered: false, signal: false, fault: h.fault, errno: ERRNO.EINVAL, why: `no fault handler registered for StreamID 0x${sid.toString(16)}` };
    const ret = r.push(h.fault);
    if (ret !== 0) return { delivered: false, signal: false, fault: h.fault, errno: -ret, why: ret === -ERRNO.ENOSPC ? 'the fault ring is full: the fault is dropped' : 'not an unrecoverable fault' };
    return { delivered: true, signal: true, fault: h.fault };
  }
}
