// The register file: ID values for this SMMU (§6.3.1-6.3.8, derived field by field in
// regs.ts), reset state, CR0/CR0ACK, GBPA and SMMUEN = 0 (§6.3.9.6, §6.3.14, §3.4), the stream
// table registers (§6.3.24-25), guarded registers, access sizes (§6.2) and the trace.

import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import type { RegEvent, Trace } from '../trace';
import { CR0_CMDQEN, CR0_EVENTQEN, CR0_SMMUEN, GBPA_ABORT, GBPA_UPDATE, PAGE1, REG, SmmuRegisters, strtabFromRegs } from './regs';
import { Smmu } from './smmu';

function setup(oas = 48, initial?: 'reset' | 'enabled') {
  const smmu = new Smmu(new PhysMem(), { oas, cache: true });
  smmu.strtab = { base: 0x1000_0000, log2size: 8, fmt: 'linear', split: 8 };
  const trace: Trace = [];
  smmu.trace = trace;
  const regs = new SmmuRegisters(smmu, { initial });
  return { smmu, regs, trace, read: (off: number) => Number(regs.mmioRead(off)) };
}

describe('ID registers', () => {
  it('IDR0 = 0x0D4C301B: S1P, S2P, TTF = AArch64, COHACC, ASID16, MSI, VMID16, CD2L, TTENDIAN = LE, STALL_MODEL = 0b01, TERM_MODEL, ST_LEVEL = 2-level', () => {
    expect(setup().read(REG.IDR0)).toBe(0x0d4c_301b);
  });
  it('IDR1 = 0x06730520: SIDSIZE 32, SSIDSIZE 20, EVENTQS = CMDQS = 19, ATTR_PERMS_OVR', () => {
    expect(setup().read(REG.IDR1)).toBe(0x0673_0520);
  });
  it('IDR3 = HAD only (RIL = 0); AIDR = SMMUv3.1; IDR2, IDR4, IIDR = 0', () => {
    const { read } = setup();
    expect([read(REG.IDR3), read(REG.AIDR), read(REG.IDR2), read(REG.IDR4), read(REG.IIDR)]).toEqual([0x4, 0x1, 0, 0, 0]);
  });
  it.each([[32, 0x70], [40, 0x72], [44, 0x74], [48, 0x75]])('IDR5 with OAS %i = %s: the three granules and the OAS code', (oas, v) => {
    expect(setup(oas).read(REG.IDR5)).toBe(v);
  });
  it('ID registers are read-only', () => {
    const { regs, read, trace } = setup();
    regs.mmioWrite(REG.IDR0, 0);
    expect(read(REG.IDR0)).toBe(0x0d4c_301b);
    expect((trace.at(-2) as RegEvent).note).toMatch(/read-only/);
  });
});

describe('reset state and CR0', () => {
  it('reset: CR0 = CR0ACK = 0, so SMMUEN = 0; GBPA = 0x1000 (bypass); CR2.RECINVSID = 1', () => {
    const { smmu, read } = setup();
    expect([read(REG.CR0), read(REG.CR0ACK), read(REG.GBPA), read(REG.CR2)]).toEqual([0, 0, 0x1000, 0x2]);
    expect(smmu.smmuEn).toBe(false);
    expect(smmu.strtab).toEqual({ base: 0, log2size: 0, fmt: 'linear', split: 6 });
  });
  it("'enabled': SMMUEN = 1 and STRTAB_* describing the Smmu's stream table", () => {
    const { smmu, regs, read } = setup(48, 'enabled');
    expect([read(REG.CR0), read(REG.CR0ACK)]).toEqual([1, 1]);
    expect(smmu.smmuEn).toBe(true);
    expect(regs.mmioRead(REG.STRTAB_BASE, 8)).toBe(0x1000_0000n);
    expect(read(REG.STRTAB_BASE_CFG)).toBe(8 | (8 << 6));
    expect(smmu.strtab.base).toBe(0x1000_0000);
  });
  it('CR0ACK follows CR0 at once; RES0 bits are not stored', () => {
    const { regs, read, smmu } = setup();
    regs.mmioWrite(REG.CR0, 0xffff_ffff);
    expect([read(REG.CR0), read(REG.CR0ACK)]).toEqual([0xd, 0xd]);   // SMMUEN, EVENTQEN, CMDQEN
    expect(smmu.smmuEn).toBe(true);
    regs.mmioWrite(REG.CR0, CR0_CMDQEN);
    expect([read(REG.CR0ACK), smmu.smmuEn]).toEqual([CR0_CMDQEN, false]);
  });
  it('CR2 is read-only while SMMUEN = 1 (§6.3.12)', () => {
    const { regs, read } = setup();
    regs.mmioWrite(REG.CR0, CR0_SMMUEN);
    regs.mmioWrite(REG.CR2, 0);
    expect(read(REG.CR2)).toBe(0x2);
  });
  it('IRQ_CTRLACK follows IRQ_CTRL (no interrupts are delivered)', () => {
    const { regs, read } = setup();
    regs.mmioWrite(REG.IRQ_CTRL, 0xff);
    expect([read(REG.IRQ_CTRL), read(REG.IRQ_CTRLACK)]).toEqual([0x5, 0x5]);
  });
});

describe('SMMUEN = 0: global bypass (§6.3.9.6, §3.4)', () => {
  const t = (smmu: Smmu, iova: bigint) => smmu.translate({ sid: 0x1234, iova, access: 'write' });
  it('GBPA.ABORT = 0: the input address is the output PA, with no configuration read', () => {
    const { smmu, trace } = setup();
    expect(t(smmu, 0x1234_5678n)).toEqual({ ok: true, pa: 0x1234_5678n });
    expect(trace.some((e) => e.type === 'smmu.fetch')).toBe(false);
  });
  it('an input address beyond the OAS aborts, with no event', () => {
    expect(t(setup(40).smmu, 1n << 40n)).toEqual({ ok: false, event: null });
  });
  it('GBPA is written only together with Update = 1 (§6.3.14.1), and then ABORT aborts everything', () => {
    const { smmu, regs, read } = setup();
    regs.mmioWrite(REG.GBPA, GBPA_ABORT);
    expect(read(REG.GBPA)).toBe(0x1000);
    expect(t(smmu, 0x1000n).ok).toBe(true);
    regs.mmioWrite(REG.GBPA, GBPA_UPDATE | GBPA_ABORT);
    expect(read(REG.GBPA)).toBe(GBPA_ABORT);          // Update has completed: reads 0
    expect(t(smmu, 0x1000n)).toEqual({ ok: false, event: null });
  });
  it('SMMUEN = 1: transactions go through the stream table again', () => {
    const { smmu, regs } = setup();
    regs.mmioWrite(REG.CR0, CR0_SMMUEN);
    expect(t(smmu, 0x1000n)).toMatchObject({ ok: false, event: { name: 'C_BAD_STREAMID' } });   // LOG2SIZE = 0
  });
});

describe('stream table registers (§6.3.24-25)', () => {
  it('a 64-bit STRTAB_BASE write and STRTAB_BASE_CFG set the SMMU\'s stream table', () => {
    const { smmu, regs } = setup();
    regs.mmioWrite(REG.STRTAB_BASE, 0x4000_0000_1000_0000n, 8);   // RA[62] | ADDR
    regs.mmioWrite(REG.STRTAB_BASE_CFG, (1 << 16) | (8 << 6) | 16);
    expect(regs.mmioRead(REG.STRTAB_BASE, 8)).toBe(0x4000_0000_1000_0000n);
    expect(smmu.strtab).toEqual({ base: 0x1000_0000, log2size: 16, fmt: '2lvl', split: 8 });
  });
  it('two 32-bit halves write one 64-bit register', () => {
    const { smmu, regs } = setup();
    regs.mmioWrite(REG.STRTAB_BASE + 4, 0x8);
    regs.mmioWrite(REG.STRTAB_BASE, 0x2000_0000);
    expect(regs.mmioRead(REG.STRTAB_BASE, 8)).toBe(0x8_2000_0000n);
    expect(Number(regs.mmioRead(REG.STRTAB_BASE + 4))).toBe(0x8);
    expect(smmu.strtab.base).toBe(0x8_2000_0000);
  });
  it('address bits above the OAS are not stored', () => {
    const { regs } = setup(40);
    regs.mmioWrite(REG.STRTAB_BASE, 0x00ff_ff80_0000_0040n, 8);
    expect(regs.mmioRead(REG.STRTAB_BASE, 8)).toBe(0x0000_0080_0000_0040n);   // ADDR[39:6]
  });
  it('the base is aligned to the table (linear: ADDR[LOG2SIZE+5:0]; 2-level: ADDR[MAX(5, LOG2SIZE-SPLIT+2):0])', () => {
    expect(strtabFromRegs(0x1000_7fc0n, 8).base).toBe(0x1000_4000);                      // 256 STEs = 16 KB
    expect(strtabFromRegs(0x1000_0fc0n, (1 << 16) | (6 << 6) | 16).base).toBe(0x1000_0000);   // 1024 L1STDs = 8 KB
    expect(strtabFromRegs(0x1000_0fc0n, (1 << 16) | (10 << 6) | 8).base).toBe(0x1000_0fc0);   // one L1STD: 64 B
  });
  it('reserved FMT behaves as linear, reserved SPLIT as 6; LOG2SIZE is capped at SIDSIZE', () => {
    expect(strtabFromRegs(0n, (3 << 16) | (7 << 6) | 40)).toEqual({ base: 0, log2size: 32, fmt: 'linear', split: 6 });
  });
  it('writes are ignored while SMMUEN = 1 (guarded; the SMMUv3.2 behaviour)', () => {
    const { smmu, regs, trace } = setup(48, 'enabled');
    regs.mmioWrite(REG.STRTAB_BASE, 0x5000_0000n, 8);
    expect(smmu.strtab.base).toBe(0x1000_0000);
    expect((trace.at(-1) as RegEvent).note).toMatch(/guarded/);
  });
});

describe('Event queue registers', () => {
  it('EVENTQ_PROD/CONS live in Page 1; the Page-0 offsets 0xA8/0xAC are RAZ/WI', () => {
    const { regs, read } = setup();
    regs.mmioWrite(REG.EVENTQ_BASE, 0x3000_0000n | 3n, 8);
    regs.mmioWrite(PAGE1 + 0xa8, 0x8000_0005);
    regs.mmioWrite(PAGE1 + 0xac, 0x8000_0003);
    expect([read(PAGE1 + 0xa8), read(PAGE1 + 0xac)]).toEqual([0x8000_0005, 0x8000_0003]);
    regs.mmioWrite(0xac, 7);
    expect([read(0xa8), read(0xac), read(REG.EVENTQ_CONS)]).toEqual([0, 0, 0x8000_0003]);
  });
  it('PROD bits above the wrap flag read as zero; PROD is guarded by EVENTQEN, CONS is not', () => {
    const { regs, read } = setup();
    regs.mmioWrite(REG.EVENTQ_BASE, 0x3000_0000n | 2n, 8);
    regs.mmioWrite(REG.EVENTQ_PROD, 0xf_fff5);
    expect(read(REG.EVENTQ_PROD)).toBe(0x5);
    regs.mmioWrite(REG.CR0, CR0_EVENTQEN);
    regs.mmioWrite(REG.EVENTQ_PROD, 0);
    regs.mmioWrite(REG.EVENTQ_CONS, 0x5);
    expect([read(REG.EVENTQ_PROD), read(REG.EVENTQ_CONS)]).toEqual([0x5, 0x5]);
  });
});

describe('MMIO accesses (§6.2)', () => {
  it('every access is one smmu.reg event; reads too', () => {
    const { regs, trace } = setup();
    trace.length = 0;
    regs.mmioWrite(REG.CR0, CR0_CMDQEN);
    regs.mmioRead(REG.CR0ACK);
    expect(trace).toEqual([
      { type: 'smmu.reg', name: 'CR0', offset: 0x20, write: true, value: 8n },
      { type: 'smmu.reg', name: 'CR0ACK', offset: 0x24, write: false, value: 8n },
    ]);
  });
  it('illegal accesses are RAZ/WI: unaligned, 64-bit over a 32-bit register, odd sizes', () => {
    const { regs, read, trace } = setup();
    expect(regs.mmioRead(REG.CR0 + 2)).toBe(0n);
    regs.mmioWrite(REG.CR0, 0xdn, 8);
    expect(read(REG.CR0)).toBe(0);
    expect((trace.at(-2) as RegEvent).note).toMatch(/64-bit access to a 32-bit register/);
    expect(regs.mmioRead(REG.CR0, 2 as 4)).toBe(0n);
  });
  it('undefined offsets are RES0', () => {
    const { regs } = setup();
    regs.mmioWrite(0x200, 1);
    expect(regs.mmioRead(0x200)).toBe(0n);
    expect(regs.mmioRead(PAGE1 + 0x20)).toBe(0n);   // Page 1 does not alias Page 0
  });
});
