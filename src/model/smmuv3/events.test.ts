// Event record layout (SMMUv3 §7.3, /work/specs/smmu/smmu-7.3.md; primer §2.10; docs/spec-notes.md §5):
// dw0 = EventID[7:0], SSV[11], SubstreamID[31:12], StreamID[63:32];
// dw1 = STAG[15:0], Stall[31], PnU[33], InD[34], RnW[35], S2[39], CLASS[41:40], TTRnW[44];
// dw2 = InputAddr[63:0]; dw3 = IPA[51:12] (translation faults) or FetchAddr[51:3].
// Event numbers from the §7.3.x section tables.

import { describe, expect, it } from 'vitest';
import { CLASS_CODE, encodeEvent, EVT, eventName, isTranslationFault, type EventRecord } from './events';

const base: EventRecord = {
  id: 0x10, name: 'F_TRANSLATION', sid: 0, ssv: false, ssid: 0, rnw: false, pnu: false, ind: false,
  input: 0n, recorded: true,
};

describe('event numbers (SMMU §7.3.2-7.3.21)', () => {
  it('match the section tables', () => {
    expect(EVT).toEqual({
      F_UUT: 0x01, C_BAD_STREAMID: 0x02, F_STE_FETCH: 0x03, C_BAD_STE: 0x04, F_BAD_ATS_TREQ: 0x05,
      F_STREAM_DISABLED: 0x06, F_TRANSL_FORBIDDEN: 0x07, C_BAD_SUBSTREAMID: 0x08, F_CD_FETCH: 0x09, C_BAD_CD: 0x0a,
      F_WALK_EABT: 0x0b, F_TRANSLATION: 0x10, F_ADDR_SIZE: 0x11, F_ACCESS: 0x12, F_PERMISSION: 0x13,
      F_TLB_CONFLICT: 0x20, F_CFG_CONFLICT: 0x21, E_PAGE_REQUEST: 0x24, F_VMS_FETCH: 0x25,
    });
    expect(eventName(0x13)).toBe('F_PERMISSION');
    expect(eventName(0xe3)).toBe('IMPDEF_EVENT3');          // §7.3.21: 0xE0-0xEF
    expect(isTranslationFault(0x10) && isTranslationFault(0x13) && isTranslationFault(0x0b)).toBe(true);
    expect(isTranslationFault(0x04)).toBe(false);
  });
  it('CLASS codes (§7.3 common fields): 0b00 CD, 0b01 TT, 0b10 IN', () => {
    expect(CLASS_CODE).toEqual({ CD: 0, TT: 1, IN: 2 });
  });
});

describe('encodeEvent: the four words, bit by bit', () => {
  it('a stage-2 F_PERMISSION during a stage-1 walk: every field set', () => {
    const e: EventRecord = {
      ...base, id: 0x13, name: 'F_PERMISSION', sid: 0x1234_5678, ssv: true, ssid: 0xabcde, rnw: true, pnu: true, ind: true,
      s2: true, cls: 'TT', ttrnw: true, input: 0xffff_8000_1234_5678n, ipa: 0x8_1234_5fffn,
    };
    const [dw0, dw1, dw2, dw3] = encodeEvent(e);
    // dw0: 0x13 | SSV 0x800 | 0xABCDE << 12 = 0xABCD_E000 | SID << 32 -> 0x1234_5678_ABCD_E813
    expect(dw0).toBe(0x1234_5678_abcd_e813n);
    // dw1: PnU 2^33 + InD 2^34 + RnW 2^35 (bits [35:32] = 0xE), S2 2^39 ([39:36] = 0x8), CLASS 01 << 40 and
    // TTRnW 2^44 ([43:40] = 0x1, [47:44] = 0x1) -> 0x0000_118E_0000_0000
    expect(dw1).toBe(0x0000_118e_0000_0000n);
    expect(dw2).toBe(0xffff_8000_1234_5678n);               // InputAddr as presented, all 64 bits (§7.3)
    expect(dw3).toBe(0x8_1234_5000n);                       // IPA[51:12]: the low 12 bits are not recorded
  });

  it('each field alone lands on its own bit', () => {
    const one = (f: Partial<EventRecord>) => encodeEvent({ ...base, id: 0, ...f });
    expect(one({ id: 0xff })[0]).toBe(0xffn);
    expect(one({ ssv: true, ssid: 0 })[0]).toBe(1n << 11n);
    expect(one({ ssv: true, ssid: 0xfffff })[0]).toBe(0xffff_f800n);
    expect(one({ sid: 0xffff_ffff })[0]).toBe(0xffff_ffff_0000_0000n);
    expect(one({ pnu: true })[1]).toBe(1n << 33n);
    expect(one({ ind: true })[1]).toBe(1n << 34n);
    expect(one({ rnw: true })[1]).toBe(1n << 35n);
    expect(one({ s2: true })[1]).toBe(1n << 39n);
    expect(one({ cls: 'CD' })[1]).toBe(0n);
    expect(one({ cls: 'TT' })[1]).toBe(1n << 40n);
    expect(one({ cls: 'IN' })[1]).toBe(2n << 40n);
    expect(one({ ttrnw: true })[1]).toBe(1n << 44n);
    expect(one({ input: 0x1234n })[2]).toBe(0x1234n);
  });

  it('SSV = 0: the SubstreamID field is not written (§7.3: UNKNOWN when SSV = 0)', () => {
    expect(encodeEvent({ ...base, id: 0, ssv: false, ssid: 0x55 })[0]).toBe(0n);
  });

  it('FetchAddr (F_WALK_EABT, *_FETCH) keeps bits [51:3]', () => {
    const [, , , dw3] = encodeEvent({ ...base, id: 0x0b, fetchAddr: 0xfff8_1234_5678_9abfn });
    expect(dw3).toBe(0x0008_1234_5678_9ab8n);
  });

  it('IPA above bit 51 is cut (v3.1: IPA[51:12])', () => {
    expect(encodeEvent({ ...base, ipa: 0xfff0_0000_0000_1000n })[3]).toBe(0x1000n);
    expect(encodeEvent({ ...base, ipa: 0x000f_ffff_ffff_ffffn })[3]).toBe(0x000f_ffff_ffff_f000n);
  });
});
