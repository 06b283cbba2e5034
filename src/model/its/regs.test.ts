// The ITS's registers: offsets (Linux arm-gic-v3.h GITS_*; QEMU arm_gicv3_its_common.h), the
// GITS_TYPER of this ITS (QEMU gicv3_arm_its_realize), reset values (QEMU gicv3_its_reset_hold;
// GIC-600 GITS_CTLR 0x80000000), which fields software can write (GITS_BASER<n>: Type and
// Entry_Size RO, QEMU GITS_BASER_RO_MASK; Indirect RAZ/WI with flat tables only), and the
// register pages' rules: GITS_CREADR "is cleared to 0 when a value is written to GITS_CBASER",
// 64-bit registers' halves "are accessible separately".

import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import type { ItsEvent, ItsRegEvent } from '../trace';
import { Its } from './its';
import {
  baserBase, baserTable, GITS, GITS_BASER_RESET, GITS_TYPER, GITS_TYPER_CIDbits, GITS_TYPER_CIL, GITS_TYPER_Devbits,
  GITS_TYPER_HCC, GITS_TYPER_ID_bits, GITS_TYPER_ITT_entry_size, GITS_TYPER_PTA, ITS_CONTROL_SIZE, VIRT_GIC_ITS,
} from './regs';

function its(): { its: Its; trace: ItsEvent[] } {
  const i = new Its(new PhysMem(), { redistributors: 2 });
  const trace: ItsEvent[] = [];
  i.trace = trace;
  return { its: i, trace };
}

const lastReg = (t: ItsEvent[]) => t.filter((e): e is ItsRegEvent => e.type === 'its.reg').at(-1);
const lastWrite = (t: ItsEvent[]) => t.filter((e): e is ItsRegEvent => e.type === 'its.reg' && e.write).at(-1);

describe('offsets', () => {
  it('GITS_TRANSLATER is at ITS_base + 0x10040: offset 0x40 in the translation frame above the 64 KB control frame', () => {
    expect(GITS.TRANSLATER).toBe(0x10040);
    expect(VIRT_GIC_ITS + GITS.TRANSLATER).toBe(0x0809_0040);     // QEMU virt: the doorbell the SMMU maps
  });

  it('the control frame: GITS_CTLR 0x0, IIDR 0x4, TYPER 0x8, CBASER 0x80, CWRITER 0x88, CREADR 0x90, BASER 0x100', () => {
    expect(GITS).toMatchObject({ CTLR: 0x0, IIDR: 0x4, TYPER: 0x8, CBASER: 0x80, CWRITER: 0x88, CREADR: 0x90, BASER: 0x100 });
  });
});

describe('ID registers', () => {
  it('GITS_TYPER: Physical, 12-byte ITEs, 16-bit EventIDs, DeviceIDs and ICIDs, PTA = 0, HCC = 0', () => {
    expect(GITS_TYPER).toBe(0x0000_001f_0001_efb1n);
    expect(GITS_TYPER_ITT_entry_size(GITS_TYPER)).toBe(11);
    expect(GITS_TYPER_ID_bits(GITS_TYPER)).toBe(15);
    expect(GITS_TYPER_Devbits(GITS_TYPER)).toBe(15);
    expect([GITS_TYPER_PTA(GITS_TYPER), GITS_TYPER_HCC(GITS_TYPER)]).toEqual([0, 0]);
    expect([GITS_TYPER_CIL(GITS_TYPER), GITS_TYPER_CIDbits(GITS_TYPER)]).toEqual([1, 15]);
    const { its: i } = its();
    expect(i.mmioRead(GITS.TYPER, 8)).toBe(0x0000_001f_0001_efb1n);
    expect(i.mmioRead(GITS.TYPER + 4)).toBe(0x1fn);                  // the upper half alone
  });

  it('GITS_IIDR 0x43B (Arm, r0p0); GITS_PIDR2.ArchRev = 3 (GICv3), PIDR0 = 0x94 (an ITS)', () => {
    const { its: i } = its();
    expect(i.mmioRead(GITS.IIDR)).toBe(0x43bn);
    expect((i.mmioRead(0xffe8) >> 4n) & 0xfn).toBe(3n);
    expect(i.mmioRead(0xffe0)).toBe(0x94n);
    expect(i.mmioRead(0xfffc)).toBe(0xb1n);
  });
});

describe('reset values', () => {
  it('GITS_CTLR reads 0x80000000: disabled, Quiescent', () => {
    expect(its().its.mmioRead(GITS.CTLR)).toBe(0x8000_0000n);
  });

  it('GITS_BASER0 is the Device Table, BASER1 the Collection Table, 8-byte entries, 64 KB pages; BASER2..7 RAZ', () => {
    expect(GITS_BASER_RESET[0]).toBe(0x0107_0000_0000_0200n);
    expect(GITS_BASER_RESET[1]).toBe(0x0407_0000_0000_0200n);
    const { its: i } = its();
    for (let n = 2; n < 8; n++) expect(i.mmioRead(GITS.BASER + 8 * n, 8)).toBe(0n);
  });
});

describe('GITS_BASER<n>', () => {
  it('keeps Type and Entry_Size, drops Indirect, holds the rest', () => {
    const { its: i, trace } = its();
    i.mmioWrite(GITS.BASER, 0xffff_ffff_ffff_ffffn, 8);
    // Valid, InnerCache 0b111, Type 0b001 (kept), OuterCache 0b111, Entry_Size 7 (kept),
    // Physical_Address[47:12], Shareability, Page_Size 0b11, Size 0xff; Indirect[62] = 0
    expect(i.mmioRead(GITS.BASER, 8)).toBe(0xb9e7_ffff_ffff_ffffn);
    expect(lastWrite(trace)?.note).toMatch(/Indirect is RAZ\/WI.*Page_Size 0b11 is reserved/);
  });

  it('ignores writes to unimplemented registers', () => {
    const { its: i, trace } = its();
    i.mmioWrite(GITS.BASER + 16, 0x8000_0000_0000_0000n, 8);
    expect(i.mmioRead(GITS.BASER + 16, 8)).toBe(0n);
    expect(trace.find((e) => e.type === 'its.reg' && e.write)).toMatchObject({ name: 'GITS_BASER2', note: /RAZ\/WI/ });
  });

  it('describes a flat table: base, entries capped at 2^(Devbits + 1)', () => {
    // 64 KB pages: Physical_Address[47:16] is PA[47:16], bits [15:12] are PA[51:48]
    expect(baserBase(0x8107_0000_4001_0200n)).toBe(0x4001_0000);
    expect(baserBase(0x8107_0000_0001_f200n)).toBe(0xf_0000_0001_0000);
    expect(baserBase(0x8107_0000_4000_3000n)).toBe(0x4000_3000);                   // 4 KB pages
    // 1 page of 64 KB / 8 bytes = 8192 DTEs; 256 pages would be 2M, capped at 65536
    expect(baserTable(0x8107_0000_4000_0200n, 16)).toEqual({ valid: true, base: 0x4000_0000, entryBytes: 8, entries: 8192 });
    expect(baserTable(0x8107_0000_4000_02ffn, 16).entries).toBe(65536);
    expect(baserTable(0x0107_0000_4000_0200n, 16)).toMatchObject({ valid: false, entries: 0 });
  });
});

describe('GITS_CBASER, GITS_CWRITER, GITS_CREADR', () => {
  it('a 32-bit write to either half of a 64-bit register keeps the other half', () => {
    const { its: i } = its();
    i.mmioWrite(GITS.CBASER, 0x4002_000f);
    i.mmioWrite(GITS.CBASER + 4, 0x8000_0000);
    expect(i.mmioRead(GITS.CBASER, 8)).toBe(0x8000_0000_4002_000fn);
  });

  it('writing GITS_CBASER clears GITS_CREADR; GITS_CREADR is read-only', () => {
    const { its: i, trace } = its();
    i.creadr = 0x40n;
    i.mmioWrite(GITS.CBASER, 0x8000_0000_4002_0000n, 8);
    expect(i.mmioRead(GITS.CREADR, 8)).toBe(0n);
    i.mmioWrite(GITS.CREADR, 0x20n, 8);
    expect(lastReg(trace)).toMatchObject({ name: 'GITS_CREADR', note: 'read-only: the write is ignored' });
    expect(i.mmioRead(GITS.CREADR, 8)).toBe(0n);
  });

  it('RES0 bits read 0: GITS_CWRITER keeps Offset[19:5] only (Retry is never stored)', () => {
    const { its: i, trace } = its();
    i.mmioWrite(GITS.CWRITER, 0xffff_ffff_ffff_ffffn, 8);
    expect(i.mmioRead(GITS.CWRITER, 8)).toBe(0xf_ffe0n);
    expect(lastWrite(trace)?.note).toMatch(/Retry = 1/);
  });

  it('GITS_CBASER and GITS_BASER<n> ignore writes while GITS_CTLR.Enabled = 1', () => {
    const { its: i, trace } = its();
    i.mmioWrite(GITS.CTLR, 1);
    expect(i.mmioRead(GITS.CTLR)).toBe(0x8000_0001n);
    i.mmioWrite(GITS.CBASER, 0x8000_0000_4002_0000n, 8);
    expect(i.mmioRead(GITS.CBASER, 8)).toBe(0n);
    expect(lastWrite(trace)?.note).toMatch(/UNPREDICTABLE; ignored/);
    i.mmioWrite(GITS.BASER, 0x8000_0000_4000_0000n, 8);
    expect(i.mmioRead(GITS.BASER, 8)).toBe(GITS_BASER_RESET[0]);
  });
});

describe('accesses that reach no register', () => {
  it('are RAZ/WI and say why', () => {
    const { its: i, trace } = its();
    expect(i.mmioRead(0x40)).toBe(0n);                                    // reserved in the control frame
    expect(lastReg(trace)).toMatchObject({ name: 'RES0', note: 'no register here: RAZ/WI' });
    expect(i.mmioRead(GITS.CTLR, 8)).toBe(0n);                            // 64 bits over a 32-bit register
    expect(lastReg(trace)?.note).toMatch(/64-bit access to a 32-bit register/);
    expect(i.mmioRead(GITS.CBASER + 2)).toBe(0n);                         // unaligned
    expect(lastReg(trace)?.name).toBe('illegal');
    i.mmioWrite(GITS.TYPER, 0n, 8);
    expect(lastReg(trace)?.note).toBe('read-only: the write is ignored');
  });

  it('GITS_TRANSLATER is write-only (reads 0); the CPU cannot write the translation frame without a DeviceID', () => {
    const { its: i, trace } = its();
    expect(i.mmioRead(GITS.TRANSLATER)).toBe(0n);
    expect(lastReg(trace)).toMatchObject({ name: 'GITS_TRANSLATER', write: false, note: 'write-only: reads as 0' });
    expect(() => i.mmioWrite(GITS.TRANSLATER, 5)).toThrow(/needs a DeviceID/);
  });
});

describe('snapshots', () => {
  it('restore what snapshot saw', () => {
    const { its: i } = its();
    i.mmioWrite(GITS.CBASER, 0x8000_0000_4002_0000n, 8);
    const s = structuredClone(i.snapshot());
    i.mmioWrite(GITS.CBASER, 0n, 8);
    i.mmioWrite(GITS.CTLR, 1);
    i.restore(s);
    expect(i.snapshot()).toEqual(s);
    expect(i.mmioRead(GITS.CTLR)).toBe(0x8000_0000n);
  });
});
