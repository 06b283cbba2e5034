// A validated machine image (../shared/formats/machine-image.md), numbers already parsed.
export type Oas = 32 | 36 | 40 | 42 | 44 | 48;
export interface MemoryRun { addr: bigint; words: bigint[] }
export interface ImageSmmu {
  strtabBase: bigint;
  strtabLog2Size: number;          // STRTAB_BASE_CFG.LOG2SIZE, 0..32
  strtabFmt: 'linear' | '2lvl';
  strtabSplit: number;             // meaningful for 2lvl only (6, 8 or 10)
  oas: Oas;
  cache: boolean;                  // default true
}
export interface ImageTransaction {
  sid: number;                     // 0..2^32-1
  ssid?: number;                   // absent: no SubstreamID
  iova: bigint;                    // 0..2^64-1
  access: 'read' | 'write';
  priv: boolean;                   // default false
  instr: boolean;                  // default false
}
export interface MachineImage { memory: MemoryRun[]; smmu: ImageSmmu; transactions: ImageTransaction[] }
