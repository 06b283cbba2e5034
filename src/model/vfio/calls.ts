// One system call (or device action) a program made on the host side, as the Lab keeps it for
// views and the trace: what was asked, with which arguments, and what the kernel answered. The
// lab builtins append one per call; the IOVA-space view shows the last MAP_DMA that bounced.

import type { SysResult } from './vfio';

export interface HostCallRecord {
  /** Index in the program's sequence of host calls, from 0. */
  i: number;
  /** "open", "ioctl", "mmap", "read", "dma", "irq", ... (formats/ioctl-script.md's op names). */
  op: string;
  /** The uapi name of an ioctl's request ("VFIO_IOMMU_MAP_DMA"). */
  request?: string;
  /** The arguments by uapi field name (numbers as bigint). */
  args: Record<string, unknown>;
  result: SysResult;
}
