// The calling process (the VMM): its memory, which MAP_DMA pins, its locked_vm, and CAP_IPC_LOCK.
// Memory is src/model/vfio/pin.ts's Process: anonymous mappings backed by contiguous host pages,
// which here lie in the Lab's RAM (vfio-host.ts), so poke and peek are memory writes and reads.

import type { LabMachine } from '../../model/lab/machine';
import { ERRNO, errname } from '../../model/vfio/errno';
import type { Builtin, CallContext } from '../registry-types';
import { BOOL, bigArg, boolArg, numArg, wordArg } from './common';
import { ensureHost, ensureHostSystem, leBytes, leValue, sysCall, sysReturns, sysValue } from './vfio-host';

/** The user address space the model hands out: below 2^47 (mmap goes down from 0x7f00_0000_0000). */
const ADDR = { t: 'int', min: 0n, max: (1n << 47n) - 1n } as const;

/** A poke or peek the model refused (EFAULT: no mapping, or not readable/writable there) stops the
 *  program, as SIGSEGV would stop the process. */
function segv(r: { errno: number; why?: string }, ctx: CallContext): void {
  if (r.errno !== 0) ctx.fail(`${r.why ?? 'a bad address'} (a real process would take SIGSEGV): map it with process.mmap first`);
}

export const PROC_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'process.mmap',
    actor: 'process',
    args: [
      { name: 'length', type: { t: 'int', min: 1n, max: 1n << 40n }, doc: 'bytes, rounded up to 4K pages' },
      { name: 'prot', type: { t: 'word', words: ['r', 'w', 'rw', 'none'] }, default: { kind: 'word', word: 'rw' }, doc: 'PROT_READ (r), PROT_WRITE (w), both (rw) or PROT_NONE (none)' },
    ],
    returns: { type: 'int', doc: 'the address of the new mapping' },
    doc: 'mmap(2) of anonymous private memory, as QEMU allocates guest RAM: the model backs it at once by ' +
      'physically contiguous host pages (the pages pinned by VFIO_IOMMU_MAP_DMA), from RAM 0x8_1000_0000 up, and ' +
      'hands out addresses downward from 0x7f00_0000_0000. Nothing is charged to locked_vm until a MAP_DMA pins it.',
    example: 'let buf = process.mmap(2M)',
    run(m, args, ctx) {
      const length = bigArg(args, 'length', ctx);
      const prot = wordArg<'r' | 'w' | 'rw' | 'none'>(args, 'prot', ctx);
      const r = sysCall(m, ctx, 'mmap', undefined, { length, prot },
        (h) => h.mmap(length, { read: prot.includes('r'), write: prot.includes('w') }));
      return BigInt(r.ret);
    },
  },
  {
    name: 'process.poke',
    actor: 'process',
    args: [
      { name: 'addr', type: ADDR, doc: 'a process address inside a writable mapping' },
      { name: 'value', type: { t: 'int', min: 0n, max: (1n << 64n) - 1n }, doc: 'the value, stored little-endian' },
      { name: 'size', type: { t: 'int', min: 1n, max: 8n }, default: 8n, doc: 'bytes to store, 1 to 8' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'The process stores to its own memory (what the ioctl script\'s poke does): the bytes land in the host ' +
      'page behind the address, where a device\'s DMA through a MAP_DMA mapping of it will find them. An address ' +
      'outside a writable mapping stops the program, as SIGSEGV would stop the process.',
    example: 'process.poke(buf, 0x1122_3344_5566_7788)',
    run(m, args, ctx) {
      const addr = bigArg(args, 'addr', ctx), size = numArg(args, 'size', ctx), value = bigArg(args, 'value', ctx);
      const host = ensureHostSystem(m, ctx);
      segv(sysCall(m, ctx, 'poke', undefined, { addr, value, size }, () => host.poke(addr, leBytes(value, size))), ctx);
      return null;
    },
  },
  {
    name: 'process.peek',
    actor: 'process',
    args: [
      { name: 'addr', type: ADDR, doc: 'a process address inside a readable mapping' },
      { name: 'size', type: { t: 'int', min: 1n, max: 8n }, default: 8n, doc: 'bytes to load, 1 to 8' },
    ],
    returns: { type: 'int', doc: 'the bytes, little-endian (0 where nothing was written)' },
    doc: 'The process loads from its own memory (the ioctl script\'s peek): what it poked, or what a device wrote ' +
      'there by DMA. An address outside a readable mapping stops the program, as SIGSEGV would.',
    example: 'let v = process.peek(buf, size: 4)',
    run(m, args, ctx) {
      const addr = bigArg(args, 'addr', ctx), size = numArg(args, 'size', ctx);
      const host = ensureHostSystem(m, ctx);
      const r = sysCall(m, ctx, 'peek', undefined, { addr, size }, () => host.peek(addr, size));
      segv(r, ctx);
      return leValue((r as { data?: Uint8Array }).data ?? new Uint8Array());
    },
  },
  {
    name: 'process.locked_vm',
    actor: 'process',
    args: [],
    returns: { type: 'int', doc: 'mm->locked_vm, in 4K pages' },
    doc: 'The process\'s mm->locked_vm: the pages VFIO type1 has charged for pinning (vfio_lock_acct), which ' +
      '/proc/self/status shows as VmLck (in kB: pages times 4). MAP_DMA adds the pages it pins, UNMAP_DMA and a ' +
      'failed MAP_DMA give them back; RLIMIT_MEMLOCK bounds it unless the process holds CAP_IPC_LOCK.',
    example: 'let before = process.locked_vm()',
    run(m, _args, ctx) {
      return ensureHost(m, ctx).process.lockedVm;
    },
  },
  {
    name: 'process.capset',
    actor: 'process',
    args: [{ name: 'ipc_lock', type: BOOL, doc: 'true: raise CAP_IPC_LOCK in the effective set; false: drop it' }],
    returns: sysReturns('sys result', '0, or EPERM'),
    doc: 'capset(2) on CAP_IPC_LOCK alone. Dropping it always works; raising it works only if the permitted set ' +
      'holds it (host.process(cap_ipc_lock: true)): cap_capset() in security/commoncap.c refuses an effective set ' +
      'that is not a subset of the permitted one with EPERM. VFIO_IOMMU_MAP_DMA reads capable(CAP_IPC_LOCK) when ' +
      'it maps (dma->lock_cap), so this decides whether RLIMIT_MEMLOCK applies to the next mappings.',
    example: 'process.capset(ipc_lock: false)',
    run(m, args, ctx) {
      const want = boolArg(args, 'ipc_lock', ctx);
      const permitted = m.hostSpec.process.capIpcLock === true;
      const r = sysCall(m, ctx, 'capset', undefined, { ipc_lock: want }, (h) => {
        if (want && !permitted) {
          return {
            ret: -1, errno: ERRNO.EPERM, errname: errname(ERRNO.EPERM), where: 'cap_capset (security/commoncap.c)',
            why: 'CAP_IPC_LOCK is not in the permitted set (host.process(cap_ipc_lock: false)), so it cannot become effective', log: [],
          };
        }
        h.process.capIpcLock = want;
        return { ret: 0, errno: 0, log: [] };
      });
      return sysValue('sys result', r);
    },
  },
];
