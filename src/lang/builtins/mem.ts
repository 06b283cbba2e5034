// Raw memory: a program's own 64-bit reads and writes of physical memory.

import type { LabMachine } from '../../model/lab/machine';
import type { Builtin } from '../registry-types';
import { bigArg, guard, U64_MAX } from './common';

const ADDR = { t: 'int', min: 0n, max: (1n << 52n) - 8n, align: 8n } as const;

export const MEM_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'mem.read64',
    actor: 'mem',
    args: [{ name: 'addr', type: ADDR, doc: 'a PA, 8-byte aligned, in host RAM or host kernel memory' }],
    returns: { type: 'int', doc: 'the little-endian 64-bit word there (0 where nothing was written)' },
    doc: 'Read one 64-bit word of physical memory, as the host kernel can: an STE, a CD, a descriptor, a queue ' +
      'entry. RAM is PA 0x8_0000_0000..0x8_ffff_ffff and host kernel memory (stream table, queues, stage-2 ' +
      'tables) 0x1000_0000..0x1fff_ffff; anything else is an error.',
    example: 'let w = mem.read64(0x8_0010_0040)',
    run(m, args, ctx) {
      return guard(ctx, () => m.swRead64(bigArg(args, 'addr', ctx)));
    },
  },
  {
    name: 'mem.write64',
    actor: 'mem',
    args: [
      { name: 'addr', type: ADDR, doc: 'a PA, 8-byte aligned, in host RAM or host kernel memory' },
      { name: 'value', type: { t: 'int', min: 0n, max: U64_MAX }, doc: 'the 64-bit word' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'Write one 64-bit word of physical memory: flip a bit of an STE, a CD or a descriptor and see the event ' +
      'the SMMU raises. The SMMU does not notice a change to a structure it has cached until the matching ' +
      'CMD_CFGI_* or TLBI (SMMUv3 §3.21): that is the point of the lesson.',
    example: 'mem.write64(ste, mem.read64(ste) & ~0x1)',
    run(m, args, ctx) {
      guard(ctx, () => m.swWrite64(bigArg(args, 'addr', ctx), bigArg(args, 'value', ctx)));
      return null;
    },
  },
];
