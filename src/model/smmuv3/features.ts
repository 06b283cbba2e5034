// The modelled SMMU (../shared/formats/machine-image.md, "The modelled SMMU"): SMMUv3.1,
// both stages, AArch64 tables only (IAS = OAS), little-endian, 4K/16K/64K, no HTTU,
// STALL_MODEL = 0b01, TERM_MODEL = 1, 2-level CD tables, Hyp = 0, no ATS, SIDSIZE = 32,
// SSIDSIZE = 20, no TTST, no 52-bit addresses.

export const SIDSIZE = 32;
export const SSIDSIZE = 20;
/** The largest OAS the model supports (IDR5.OAS = 0b101). */
export const MAX_OAS = 48;
export type OasBits = 32 | 36 | 40 | 42 | 44 | 48;
