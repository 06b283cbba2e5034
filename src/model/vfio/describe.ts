// One line of text per host call, strace-like, shared by the timeline and the CLI:
//   ioctl(3, VFIO_IOMMU_MAP_DMA, {argsz 32, flags 0x3, vaddr 0x7eff_fff0_0000, iova 0x800_0000, size 0x1000})
//     = -1 EINVAL (vfio_iommu_iova_dma_valid (vfio_dma_do_map): [0x8000000, 0x8000fff] is not inside one ...)
// The kernel's log lines (pr_warn) follow, as dmesg would show them.

import { hexGrouped } from '../bits';
import type { HostCallRecord } from './calls';

function num(v: number | bigint): string {
  return BigInt(v) < 10n ? String(v) : hexGrouped(BigInt(v));
}

function argText(v: unknown): string {
  if (typeof v === 'bigint' || typeof v === 'number') return num(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k} ${argText(x)}`).join(', ')}}`;
  }
  return String(v);
}

export function describeHostCall(c: HostCallRecord): string {
  const args = Object.entries(c.args);
  let call: string;
  if (c.op === 'ioctl') {
    const { fd, arg } = c.args as { fd?: unknown; arg?: unknown };
    call = `ioctl(${argText(fd)}, ${c.request ?? '?'}${arg === undefined ? '' : `, ${argText(arg)}`})`;
  } else {
    call = `${c.op}(${args.map(([, v]) => argText(v)).join(', ')})`;
  }
  const r = c.result;
  const ret = typeof r.ret === 'bigint' || r.ret >= 0 ? num(r.ret) : String(r.ret);
  let text = r.errno === 0 ? `${call} = ${ret}` : `${call} = ${ret} ${r.errname ?? `errno ${r.errno}`} (${r.where ?? '?'}: ${r.why ?? ''})`;
  for (const l of r.log) text += `; kernel: ${l}`;
  return text;
}
