// Snapshots of the SMMU's own state (sessions go back in time by restoring a snapshot and
// replaying): the stream table it uses, its enables and the two caches, as plain,
// structured-clone-able data. Kept outside smmu.ts: only public fields are read and written.
// The registers and queue pointers have their own (SmmuRegisters.snapshot); memory has
// PhysMem.exportImage.

import type { StrtabCfg } from './config';
import type { Smmu } from './smmu';
import type { TlbEntry } from './tlb';

type CfgEntry = Smmu['cfgCache'] extends Map<number, infer V> ? V : never;
type SteCfg = CfgEntry['ste'];
type CdCfg = CfgEntry['cds'] extends Map<number, infer V> ? V : never;

export interface SmmuState {
  strtab: StrtabCfg;
  smmuEn: boolean;
  gbpaAbort: boolean;
  cacheEnabled: boolean;
  tlbEnabled: boolean;
  /** TLB entries in insertion order within each tag (copies). */
  tlb: TlbEntry[];
  /** The configuration cache: per StreamID the decoded STE and the CDs fetched through it. */
  cfg: { sid: number; ste: SteCfg; cds: [number, CdCfg][] }[];
}

export function snapshotSmmu(smmu: Smmu): SmmuState {
  return structuredClone({
    strtab: smmu.strtab,
    smmuEn: smmu.smmuEn,
    gbpaAbort: smmu.gbpaAbort,
    cacheEnabled: smmu.cacheEnabled,
    tlbEnabled: smmu.tlbEnabled,
    tlb: smmu.tlb.entries(),
    cfg: [...smmu.cfgCache].map(([sid, c]) => ({ sid, ste: c.ste, cds: [...c.cds] })),
  });
}

/** Make `smmu` hold the state `s` describes (its TLB and configuration cache are replaced). */
export function restoreSmmu(smmu: Smmu, s: SmmuState): void {
  const c = structuredClone(s);
  smmu.strtab = c.strtab;
  smmu.smmuEn = c.smmuEn;
  smmu.gbpaAbort = c.gbpaAbort;
  smmu.cacheEnabled = c.cacheEnabled;
  smmu.tlbEnabled = c.tlbEnabled;
  smmu.tlb.clear();
  for (const e of c.tlb) smmu.tlb.insert(e);
  smmu.cfgCache.clear();
  for (const { sid, ste, cds } of c.cfg) smmu.cfgCache.set(sid, { ste, cds: new Map(cds) });
}
