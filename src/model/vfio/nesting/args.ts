// The ioctl arguments as a program passes them: objects with the uapi field names, numbers or
// bigints, read as C reads the structs (u8/u32/u64 truncation). A missing nested struct is an
// unreadable user pointer (-EFAULT from copy_from_user).

import type { U64 } from '../type1';

const u64 = (v: U64 | undefined): bigint => BigInt.asUintN(64, BigInt(v ?? 0));
const u32 = (v: U64 | undefined): number => Number(BigInt.asUintN(32, BigInt(v ?? 0)));
const u8 = (v: U64 | undefined): number => Number(BigInt.asUintN(8, BigInt(v ?? 0)));

export interface SetPasidTableArg {
  argsz?: U64; flags?: U64;
  config?: {
    argsz?: U64; version?: U64; base_ptr?: U64; format?: U64; pasid_bits?: U64; config?: U64;
    vendor_data?: { smmuv3?: { version?: U64; s1fmt?: U64; s1dss?: U64 } };
  } | null;
}

/** struct iommu_pasid_table_config as the kernel holds it after copy_from_user(). */
export interface PasidTableConfig {
  argsz: number; version: number; base_ptr: bigint; format: number; pasid_bits: number; config: number;
  smmuv3: { version: number; s1fmt: number; s1dss: number };
}

/** The config read with `copied` bytes from the user (the rest stays 0, "= { 0 }"). */
export function readPasidTableConfig(c: NonNullable<SetPasidTableArg['config']>, copied: number): PasidTableConfig {
  const v = c.vendor_data?.smmuv3 ?? {};
  const tail = copied >= 32;        // vendor_data.smmuv3 lies in bytes 24..31
  return {
    argsz: u32(c.argsz), version: u32(c.version), base_ptr: u64(c.base_ptr), format: u32(c.format),
    pasid_bits: u8(c.pasid_bits), config: u8(c.config),
    smmuv3: tail ? { version: u32(v.version), s1fmt: u8(v.s1fmt), s1dss: u8(v.s1dss) } : { version: 0, s1fmt: 0, s1dss: 0 },
  };
}

export interface CacheInvalidateArg {
  argsz?: U64; flags?: U64;
  info?: {
    argsz?: U64; version?: U64; cache?: U64; granularity?: U64; padding?: U64[];
    granu?: {
      pasid_info?: { flags?: U64; archid?: U64; pasid?: U64 };
      addr_info?: { flags?: U64; archid?: U64; pasid?: U64; addr?: U64; granule_size?: U64; nb_granules?: U64 };
    };
  } | null;
}

/** struct iommu_cache_invalidate_info after copy_from_user(). */
export interface CacheInvalidateInfo {
  argsz: number; version: number; cache: number; granularity: number; padding: number[];
  pasid_info: { flags: number; archid: number; pasid: bigint };
  addr_info: { flags: number; archid: number; pasid: bigint; addr: bigint; granule_size: bigint; nb_granules: bigint };
}

export function readCacheInvalidateInfo(i: NonNullable<CacheInvalidateArg['info']>, copied: number): CacheInvalidateInfo {
  const p = i.granu?.pasid_info ?? {}, a = i.granu?.addr_info ?? {};
  const pad = Array.from({ length: 6 }, (_, k) => u8(i.padding?.[k]));
  // The union starts at byte 16; bytes past `copied` were never copied and read 0.
  const has = (end: number) => copied >= end;
  return {
    argsz: u32(i.argsz), version: u32(i.version), cache: u8(i.cache), granularity: u8(i.granularity), padding: pad,
    pasid_info: has(32) && i.granularity !== undefined && u8(i.granularity) === 1
      ? { flags: u32(p.flags), archid: u32(p.archid), pasid: u64(p.pasid) } : { flags: 0, archid: 0, pasid: 0n },
    addr_info: has(56) && u8(i.granularity) === 2
      ? { flags: u32(a.flags), archid: u32(a.archid), pasid: u64(a.pasid), addr: u64(a.addr), granule_size: u64(a.granule_size), nb_granules: u64(a.nb_granules) }
      : { flags: 0, archid: 0, pasid: 0n, addr: 0n, granule_size: 0n, nb_granules: 0n },
  };
}

export interface SetMsiBindingArg { argsz?: U64; flags?: U64; iova?: U64; gpa?: U64; size?: U64 }

export const argU32 = u32;
export const argU64 = u64;
