// The device: a DMA transaction arriving at the SMMU.

import type { LabMachine } from '../../model/lab/machine';
import type { Builtin } from '../registry-types';
import { record } from '../values';
import { BOOL, boolArg, deviceArg, EVENT_FIELDS, eventValue, handle, optNum, U64_MAX, wordArg, bigArg } from './common';

const eventFields = Object.fromEntries(Object.entries(EVENT_FIELDS).map(([k, v]) => [`event.${k}`, v]));

export const DEV_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'dev.dma',
    actor: 'dev',
    args: [
      { name: 'dev', type: handle('device'), doc: 'the device making the access' },
      { name: 'access', type: { t: 'word', words: ['read', 'write'] }, doc: 'read or write (the transaction\'s RnW)' },
      { name: 'iova', type: { t: 'int', min: 0n, max: U64_MAX }, doc: 'the address the device puts on the bus' },
      { name: 'len', type: { t: 'int', min: 1n, max: 0xffff_ffffn }, default: 8n, doc: 'bytes, for show: one translation, of iova, per call' },
      { name: 'ssid', type: { t: 'int', min: 0n, max: 0xf_ffffn }, default: null, doc: 'a SubstreamID (PASID); default: none' },
      { name: 'priv', type: BOOL, default: false, doc: 'PnU: a privileged access' },
      { name: 'instr', type: BOOL, default: false, doc: 'InD: an instruction fetch (reads only)' },
    ],
    returns: {
      type: 'dma result',
      doc: 'what the SMMU did with the transaction',
      fields: {
        ok: 'whether it was translated (false: aborted)',
        pa: 'the output PA, or nothing',
        event: 'the event it raised, or nothing (also nothing for a silent abort: STE.Config = abort)',
        ...eventFields,
        walk: 'what the translation cost',
        'walk.reads': 'every SMMU memory read: STE, CD and descriptors (30 for a cold 4x4 nested walk)',
        'walk.walk_reads': 'the 2D walk\'s descriptor reads, stage 1 and stage 2 (24 for 4x4, (n+1)(m+1)-1)',
        'walk.tlb': '"hit" or "miss": the TLB lookup for the IOVA; "none" if there was none',
      },
    },
    doc: 'The device issues one DMA transaction: StreamID from the device, the IOVA, RnW, and optionally a ' +
      'SubstreamID, PnU and InD. The SMMU translates it as SMMUv3 §3 describes: STE from the stream table, ' +
      'then (stage 1 on) the CD, the TLB, and the walk, where in nested mode every stage-1 table address and ' +
      'the output are IPAs that stage 2 translates first, so a cold 4-level-by-4-level walk reads ' +
      '(4+1)(4+1)-1 = 24 descriptors (domain primer §1.6). A fault aborts the transaction and, unless CD.R or ' +
      'STE.S2R say not to, writes an event record to the Event queue. Step into it to see each read. The data ' +
      'itself is not moved: len is shown, not used.',
    example: 'let r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)',
    walks: true,
    run(m, args, ctx) {
      const dev = deviceArg(m, args, 'dev', ctx);
      const out = m.dma(dev, wordArg<'read' | 'write'>(args, 'access', ctx), bigArg(args, 'iova', ctx), {
        ssid: optNum(args, 'ssid', ctx), priv: boolArg(args, 'priv', ctx), instr: boolArg(args, 'instr', ctx),
      });
      return record('dma result', {
        ok: out.ok,
        pa: out.pa,
        event: out.event === null ? null : eventValue(out.event),
        walk: record('walk', { reads: BigInt(out.reads), walk_reads: BigInt(out.walkReads), tlb: out.tlb }),
      });
    },
  },
];
