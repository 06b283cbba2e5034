// The software side of the ITS, as Linux's irq-gic-v3-its.c does it: table and queue setup
// (its_alloc_tables / its_setup_baser, its_probe_one) and command submission
// (its_allocate_entry, its_post_commands). Everything goes through MMIO and traced memory
// writes, so a lab program that uses these helpers leaves the same trace as one that spells
// the steps out.

import { ITS_CMD_BYTES, type ItsCmdWords } from './commands';
import type { Its } from './its';
import { cmdqBytes, GITS, GITS_CBASER_Physical_Address, GITS_CTLR_Enabled, cmdqOffset } from './regs';

/** Cacheability and shareability as Linux writes them (GITS_BASER_RaWaWb, GITS_CBASER_RaWaWb:
 *  InnerCache 0b111; GITS_*_InnerShareable: Shareability 0b01). This ITS only holds them. */
const RaWaWb = 7n << 59n;
const InnerShareable = 1n << 10n;
const VALID = 1n << 63n;

/** Page_Size encodings (GITS_BASER<n>.Page_Size). */
const PAGE_SIZE = { 0x1000: 0n, 0x4000: 1n, 0x10000: 2n } as const;
export type ItsPageSize = keyof typeof PAGE_SIZE;

export interface ItsSetup {
  /** Device Table, Collection Table and command queue addresses (page aligned). */
  deviceTable: number;
  collectionTable: number;
  cmdq: number;
  /** The tables' size in pages (GITS_BASER<n>.Size + 1) and their page size. Default: one 64 KB
   *  page each (8192 DTEs, 8192 CTEs), Linux's first choice of page size. */
  deviceTablePages?: number;
  collectionTablePages?: number;
  pageSize?: ItsPageSize;
  /** The command queue's size in 4 KB pages (GITS_CBASER.Size + 1). Default 16: Linux's
   *  ITS_CMD_QUEUE_SZ, 64 KB, 2048 commands. */
  cmdqPages?: number;
}

/** Program GITS_BASER0/1, GITS_CBASER and GITS_CWRITER, then set GITS_CTLR.Enabled (the order of
 *  its_probe_one). The ITS must be disabled. Memory never written reads as zero, so the tables
 *  start all invalid, as Linux's zeroed pages do. */
export function itsInit(its: Its, s: ItsSetup): void {
  const psz = s.pageSize ?? 0x10000;
  const baser = (addr: number, pages: number) => {
    if (addr % psz !== 0) throw new RangeError(`itsInit: table address 0x${addr.toString(16)} is not aligned to its ${psz}-byte pages`);
    if (pages < 1 || pages > 256) throw new RangeError('itsInit: 1 to 256 pages');
    const pa = BigInt(addr);
    // 64 KB pages put PA[51:48] in bits [15:12] (GITS_BASER_PHYS_52_to_48).
    const field = psz === 0x10000 ? (pa & 0xffff_ffff_0000n) | (((pa >> 48n) & 0xfn) << 12n) : pa;
    return VALID | RaWaWb | field | InnerShareable | (PAGE_SIZE[psz] << 8n) | BigInt(pages - 1);
  };
  its.mmioWrite(GITS.BASER, baser(s.deviceTable, s.deviceTablePages ?? 1), 8);
  its.mmioWrite(GITS.BASER + 8, baser(s.collectionTable, s.collectionTablePages ?? 1), 8);
  const qPages = s.cmdqPages ?? 16;
  if (s.cmdq % 0x1000 !== 0 || qPages < 1 || qPages > 256) throw new RangeError('itsInit: the command queue needs a 4 KB aligned address and 1 to 256 pages');
  its.mmioWrite(GITS.CBASER, VALID | RaWaWb | BigInt(s.cmdq) | InnerShareable | BigInt(qPages - 1), 8);
  its.mmioWrite(GITS.CWRITER, 0n, 8);
  its.mmioWrite(GITS.CTLR, GITS_CTLR_Enabled);
}

/** Write commands at GITS_CWRITER's offset and publish them with GITS_CWRITER, as
 *  its_allocate_entry and its_post_commands do: the queue is full when one more command would
 *  make CWRITER equal CREADR (its_queue_full). When it is full, what is written so far is
 *  published; if that frees nothing (the ITS disabled) this throws rather than wait forever. */
export function submitItsCommands(its: Its, cmds: readonly ItsCmdWords[], who = 'driver'): void {
  const cbaser = its.mmioRead(GITS.CBASER, 8);
  const q = GITS_CBASER_Physical_Address(cbaser);
  const bytes = cmdqBytes(cbaser);
  let wr = cmdqOffset(its.mmioRead(GITS.CWRITER, 8));
  const full = () => (wr + ITS_CMD_BYTES) % bytes === cmdqOffset(its.mmioRead(GITS.CREADR, 8));
  for (const c of cmds) {
    if (full()) {
      its.mmioWrite(GITS.CWRITER, BigInt(wr), 8);
      if (full()) throw new RangeError('submitItsCommands: the command queue is full and not being consumed');
    }
    c.forEach((w, k) => its.mem.write64(BigInt(q + wr + 8 * k), w, who));
    wr = (wr + ITS_CMD_BYTES) % bytes;
  }
  its.mmioWrite(GITS.CWRITER, BigInt(wr), 8);
}
