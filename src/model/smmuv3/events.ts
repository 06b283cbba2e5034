// SMMUv3 event records (SMMUv3 spec §7.3; primer §2.10; Linux EVTQ_*).

/** Architectural event numbers (SMMUv3 §7.3, table of event types). */
export const EVT = {
  F_UUT: 0x01,
  C_BAD_STREAMID: 0x02,
  F_STE_FETCH: 0x03,
  C_BAD_STE: 0x04,
  F_BAD_ATS_TREQ: 0x05,
  F_STREAM_DISABLED: 0x06,
  F_TRANSL_FORBIDDEN: 0x07,
  C_BAD_SUBSTREAMID: 0x08,
  F_CD_FETCH: 0x09,
  C_BAD_CD: 0x0a,
  F_WALK_EABT: 0x0b,
  F_TRANSLATION: 0x10,
  F_ADDR_SIZE: 0x11,
  F_ACCESS: 0x12,
  F_PERMISSION: 0x13,
  F_TLB_CONFLICT: 0x20,
  F_CFG_CONFLICT: 0x21,
  E_PAGE_REQUEST: 0x24,
  F_VMS_FETCH: 0x25,
} as const;
export type EventName = keyof typeof EVT;

const NAMES = new Map<number, EventName>(Object.entries(EVT).map(([k, v]) => [v, k as EventName]));
export function eventName(id: number): string {
  return NAMES.get(id) ?? (id >= 0xe0 && id <= 0xef ? `IMPDEF_EVENT${id - 0xe0}` : `EVENT_0x${id.toString(16)}`);
}

/** CLASS (record bits [105:104], dw1[41:40]): what was being translated. */
export type EventClass = 'CD' | 'TT' | 'IN';
export const CLASS_CODE: Record<EventClass, number> = { CD: 0b00, TT: 0b01, IN: 0b10 };

/** The events for which S2, CLASS and the IPA field are defined (§7.3.12-16). */
export function isTranslationFault(id: number): boolean {
  return id === EVT.F_TRANSLATION || id === EVT.F_ADDR_SIZE || id === EVT.F_ACCESS ||
    id === EVT.F_PERMISSION || id === EVT.F_WALK_EABT;
}

export interface EventRecord {
  id: number;
  name: string;
  sid: number;
  /** SSV and SubstreamID: whether the transaction had a SubstreamID, and which. */
  ssv: boolean;
  ssid: number;
  rnw: boolean;
  pnu: boolean;
  ind: boolean;
  /** Translation-class faults: S2 (stage 2 faulted), CLASS, TTRnW. */
  s2?: boolean;
  cls?: EventClass;
  ttrnw?: boolean;
  /** InputAddr: the address the device presented. */
  input: bigint;
  /** Stage-2 translation faults: the faulting IPA. */
  ipa?: bigint;
  /** F_WALK_EABT, *_FETCH: the PA of the access that aborted. */
  fetchAddr?: bigint;
  /** False where CD.R or STE.S2R suppressed the record; the transaction still fails. */
  recorded: boolean;
  /** Configuration errors: which field made the STE or CD ILLEGAL, in words (not in the record). */
  why?: string;
}

/** The 32-byte record as four little-endian 64-bit words (Linux EVTQ_0_*, EVTQ_1_*, EVTQ_2_ADDR,
 *  EVTQ_3_IPA / FETCH_ADDR). dw0: ID[7:0], SSV[11], SSID[31:12], SID[63:32]. dw1: STAG[15:0],
 *  Stall[31], PnU[33], InD[34], RnW[35], S2[39], CLASS[41:40], TTRnW[44]. dw2: InputAddr.
 *  dw3: IPA[51:12] (translation faults) or FetchAddr[51:3]. */
export function encodeEvent(e: EventRecord): bigint[] {
  let dw0 = BigInt(e.id & 0xff) | (BigInt(e.sid >>> 0) << 32n);
  if (e.ssv) dw0 |= (1n << 11n) | (BigInt(e.ssid & 0xfffff) << 12n);
  let dw1 = 0n;
  if (e.pnu) dw1 |= 1n << 33n;
  if (e.ind) dw1 |= 1n << 34n;
  if (e.rnw) dw1 |= 1n << 35n;
  if (e.s2) dw1 |= 1n << 39n;
  if (e.cls !== undefined) dw1 |= BigInt(CLASS_CODE[e.cls]) << 40n;
  if (e.ttrnw) dw1 |= 1n << 44n;
  const dw2 = e.input;
  let dw3 = 0n;
  if (e.ipa !== undefined) dw3 = e.ipa & 0x000f_ffff_ffff_f000n;
  else if (e.fetchAddr !== undefined) dw3 = e.fetchAddr & 0x000f_ffff_ffff_fff8n;
  return [dw0, dw1, dw2, dw3];
}

/** The inverse of encodeEvent: a record read from the Event queue (four words). S2, CLASS and
 *  the IPA are read only for translation faults (§7.3.12-16), the IPA only when S2 = 1;
 *  FetchAddr only for the *_FETCH and F_WALK_EABT events. `recorded` is true: it was. */
export function decodeEvent(w: readonly bigint[]): EventRecord {
  const [dw0, dw1, dw2, dw3] = w;
  const id = Number(dw0 & 0xffn);
  const ssv = ((dw0 >> 11n) & 1n) === 1n;
  const e: EventRecord = {
    id, name: eventName(id), sid: Number(dw0 >> 32n), ssv, ssid: ssv ? Number((dw0 >> 12n) & 0xfffffn) : 0,
    pnu: ((dw1 >> 33n) & 1n) === 1n, ind: ((dw1 >> 34n) & 1n) === 1n, rnw: ((dw1 >> 35n) & 1n) === 1n,
    input: dw2, recorded: true,
  };
  if (isTranslationFault(id)) {
    e.s2 = ((dw1 >> 39n) & 1n) === 1n;
    const cls = Number((dw1 >> 40n) & 3n);
    e.cls = cls === CLASS_CODE.CD ? 'CD' : cls === CLASS_CODE.TT ? 'TT' : 'IN';
    if (((dw1 >> 44n) & 1n) === 1n) e.ttrnw = true;
    if (e.s2 && id !== EVT.F_WALK_EABT) e.ipa = dw3 & 0x000f_ffff_ffff_f000n;
  }
  if (id === EVT.F_STE_FETCH || id === EVT.F_CD_FETCH || id === EVT.F_VMS_FETCH || id === EVT.F_WALK_EABT) {
    e.fetchAddr = dw3 & 0x000f_ffff_ffff_fff8n;
  }
  return e;
}
