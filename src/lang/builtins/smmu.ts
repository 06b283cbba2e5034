// The raw layer under the kernel's words: commands, registers and event records, as a driver
// handles them (SMMUv3 §4, §6, §7).

import type { LabMachine } from '../../model/lab/machine';
import { CMD, CMD_LAYOUT, type CmdFieldName, type CmdName, type CmdSpec, encodeCmd } from '../../model/smmuv3/commands';
import { CR0_CMDQEN, GERROR_CMDQ_ERR, REG } from '../../model/smmuv3/regs';
import type { CmdEvent } from '../../model/trace';
import type { Builtin, CallContext } from '../registry-types';
import { record, type RecordValue } from '../values';
import { type Args, bigArg, EVENT_FIELDS, eventValue, guard, numArg, U64_MAX, wordArg } from './common';

/** Every opcode name of commands.ts' CMD table, and CMD_CFGI_ALL (CMD_CFGI_STE_RANGE, Range = 31). */
export const CMD_WORDS: readonly string[] = [...Object.keys(CMD), 'CMD_CFGI_ALL'];
export const REG_WORDS: readonly string[] = Object.keys(REG);
/** The 64-bit registers (§6.2: accessed as one 64-bit word). */
const REG64 = new Set(['STRTAB_BASE', 'CMDQ_BASE', 'EVENTQ_BASE', 'GERROR_IRQ_CFG0', 'EVENTQ_IRQ_CFG0']);

/** smmu.cmd's optional fields and the command fields they fill. */
const FIELD_OF: Record<string, CmdFieldName> = {
  sid: 'StreamID', ssid: 'SubstreamID', vmid: 'VMID', asid: 'ASID', addr: 'Address', leaf: 'Leaf', range: 'Range',
  cs: 'CS', msi_addr: 'MSIAddress', msi_data: 'MSIData',
};

const CMD_RESULT_FIELDS = {
  consumed: 'how many commands the SMMU consumed when PROD moved (0 if the queue is stopped)',
  error: 'CERROR_ILL and why, if the SMMU stopped on a command; nothing otherwise',
};

/** One command into the Command queue, PROD published; what the SMMU did with it. */
function submit(m: LabMachine, spec: CmdSpec, ctx: CallContext): RecordValue {
  const start = m.trace.length;
  guard(ctx, () => m.issueRaw(encodeCmd(spec)));
  let consumed = 0;
  let error: string | null = null;
  for (let i = start; i < m.trace.length; i++) {
    const e = m.trace[i];
    if (e.type !== 'smmu.cmd') continue;
    if ((e as CmdEvent).error !== undefined) error = (e as CmdEvent).error as string;
    else consumed++;
  }
  if (consumed === 0 && error === null) {
    if (((m.regs.gerror ^ m.regs.gerrorn) & GERROR_CMDQ_ERR) !== 0) {
      error = 'not consumed: the Command queue is stopped on an earlier error (SMMU_GERROR.CMDQ_ERR is active, ' +
        `CMDQ_CONS.ERR = ${m.regs.cmdq.err}); fix or skip that command, then acknowledge by writing GERRORN`;
    } else if ((m.regs.cr0 & CR0_CMDQEN) === 0) {
      error = 'not consumed: the Command queue is disabled (SMMU_CR0.CMDQEN = 0)';
    }
  }
  return record('cmd result', { consumed: BigInt(consumed), error });
}

export function cmdSpec(op: string, args: Args, ctx: CallContext): CmdSpec {
  const name = (op === 'CMD_CFGI_ALL' ? 'CMD_CFGI_STE_RANGE' : op) as CmdName;
  const layout = CMD_LAYOUT[name] ?? [];
  const spec: CmdSpec = { op: op as CmdSpec['op'] };
  for (const [arg, f] of Object.entries(FIELD_OF)) {
    const v = args[arg];
    if (v === null || v === undefined) continue;
    const field = arg === 'addr' && layout.includes('IPA') ? 'IPA' : f;
    if (!layout.includes(field) || (op === 'CMD_CFGI_ALL' && arg === 'range')) {
      const has = layout.filter((x) => x !== 'SSec' && x !== 'SSV');
      ctx.fail(`${op} has no ${field} field (${has.length > 0 ? `its fields: ${has.join(', ')}` : 'it has no fields'})`);
    }
    switch (arg) {
      case 'sid': spec.sid = numArg(args, arg, ctx); break;
      case 'ssid': spec.ssid = numArg(args, arg, ctx); if (layout.includes('SSV')) spec.ssv = 1; break;
      case 'vmid': spec.vmid = numArg(args, arg, ctx); break;
      case 'asid': spec.asid = numArg(args, arg, ctx); break;
      case 'addr': spec.addr = bigArg(args, arg, ctx); break;
      case 'leaf': spec.leaf = args[arg] === true ? 1 : 0; break;
      case 'range': spec.range = numArg(args, arg, ctx); break;
      case 'cs': spec.cs = numArg(args, arg, ctx); break;
      case 'msi_addr': spec.msiAddr = bigArg(args, arg, ctx); break;
      case 'msi_data': spec.msiData = numArg(args, arg, ctx); break;
    }
  }
  if (spec.msiAddr !== undefined && spec.msiAddr >= 1n << 52n) ctx.fail('msi_addr must be below 2^52 (MSIAddress[51:2])');
  if (spec.addr !== undefined && field(layout) === 'IPA' && spec.addr >= 1n << 52n) ctx.fail('addr (an IPA) must be below 2^52');
  return spec;
}

function field(layout: readonly CmdFieldName[]): CmdFieldName | null {
  return layout.includes('IPA') ? 'IPA' : layout.includes('Address') ? 'Address' : null;
}

const opt = (type: Builtin['args'][number]['type'], doc: string) => ({ type, default: null, doc });

export const SMMU_BUILTINS: readonly Builtin<LabMachine>[] = [
  {
    name: 'smmu.cmd',
    actor: 'smmu',
    args: [
      { name: 'op', type: { t: 'word', words: CMD_WORDS }, doc: 'the command, by its SMMUv3 name (CMD_TLBI_NH_VA)' },
      { name: 'sid', ...opt({ t: 'int', min: 0n, max: 0xffff_ffffn }, 'StreamID (CFGI, PREFETCH)') },
      { name: 'ssid', ...opt({ t: 'int', min: 0n, max: 0xf_ffffn }, 'SubstreamID (CMD_CFGI_CD; sets SSV on a prefetch)') },
      { name: 'vmid', ...opt({ t: 'int', min: 0n, max: 0xffffn }, 'VMID (TLBI)') },
      { name: 'asid', ...opt({ t: 'int', min: 0n, max: 0xffffn }, 'ASID (TLBI_NH_ASID, TLBI_NH_VA)') },
      { name: 'addr', ...opt({ t: 'int', min: 0n, max: U64_MAX }, 'Address: the VA (TLBI_NH_VA/VAA) or IPA (TLBI_S2_IPA); bits [11:0] are dropped') },
      { name: 'leaf', ...opt({ t: 'bool' }, 'Leaf (CFGI_STE, CFGI_CD, TLBI by address)') },
      { name: 'range', ...opt({ t: 'int', min: 0n, max: 31n }, 'Range (CMD_CFGI_STE_RANGE): 2^(range+1) StreamIDs') },
      { name: 'cs', ...opt({ t: 'int', min: 0n, max: 3n }, 'CMD_SYNC CS: 0 SIG_NONE, 1 SIG_IRQ, 2 SIG_SEV, 3 reserved') },
      { name: 'msi_addr', ...opt({ t: 'int', min: 0n, max: U64_MAX }, 'CMD_SYNC MSIAddress (with cs: 1)') },
      { name: 'msi_data', ...opt({ t: 'int', min: 0n, max: 0xffff_ffffn }, 'CMD_SYNC MSIData (with cs: 1)') },
    ],
    returns: { type: 'cmd result', doc: 'what the SMMU did', fields: CMD_RESULT_FIELDS },
    doc: 'Put one command in the Command queue and move CMDQ_PROD past it, as a driver does (SMMUv3 §3.21.2, ' +
      'Linux arm_smmu_cmdq_issue_cmdlist): the 16 bytes are written at PROD, then the register; the SMMU ' +
      'consumes in order. A command this SMMU cannot take (an EL2 TLBI with Hyp = 0, a reserved opcode, ' +
      'CMD_SYNC with CS = 3) stops the queue with CMDQ_CONS.ERR = CERROR_ILL and SMMU_GERROR.CMDQ_ERR ' +
      '(§7.1); nothing after it runs until software acknowledges in GERRORN. Invalidations take effect as they ' +
      'are consumed here; CMD_SYNC is what makes that a promise (§4.7.3).',
    example: 'smmu.cmd(CMD_TLBI_NH_VA, vmid: 1, asid: 7, addr: 0x1000_0000)',
    run(m, args, ctx) {
      return submit(m, cmdSpec(wordArg(args, 'op', ctx), args, ctx), ctx);
    },
  },
  {
    name: 'smmu.sync',
    actor: 'smmu',
    args: [],
    returns: { type: 'cmd result', doc: 'what the SMMU did', fields: CMD_RESULT_FIELDS },
    doc: 'CMD_SYNC with CS = SIG_NONE: the completion barrier (§4.7.3). Software knows every command before ' +
      'it has completed once CMDQ_CONS has moved past it (arm_smmu_cmdq_poll_until_sync).',
    example: 'smmu.sync()',
    run(m, _args, ctx) {
      return submit(m, { op: 'CMD_SYNC' }, ctx);
    },
  },
  {
    name: 'smmu.read',
    actor: 'smmu',
    args: [{ name: 'reg', type: { t: 'word', words: REG_WORDS }, doc: 'the register, by its SMMU_ name without the prefix (CR0, GERROR, CMDQ_CONS)' }],
    returns: { type: 'int', doc: 'its value (32 bits, or 64 for STRTAB_BASE, CMDQ_BASE, EVENTQ_BASE, *_IRQ_CFG0)' },
    doc: 'Read an SMMU register through MMIO (SMMUv3 §6.3). EVENTQ_PROD and EVENTQ_CONS are in Page 1 (offset ' +
      '0x10000 up), as Linux reads them; 64-bit registers are read whole.',
    example: 'let cons = smmu.read(CMDQ_CONS)',
    run(m, args, ctx) {
      const reg = wordArg<keyof typeof REG>(args, 'reg', ctx);
      return m.regs.mmioRead(REG[reg], REG64.has(reg) ? 8 : 4);
    },
  },
  {
    name: 'smmu.write',
    actor: 'smmu',
    args: [
      { name: 'reg', type: { t: 'word', words: REG_WORDS }, doc: 'the register (CR0, GERRORN, CMDQ_PROD...)' },
      { name: 'value', type: { t: 'int', min: 0n, max: U64_MAX }, doc: 'the value (32 bits, or 64 for the 64-bit registers)' },
    ],
    returns: { type: 'nothing', doc: '' },
    doc: 'Write an SMMU register through MMIO (§6.3), with the register\'s own rules: ID registers are read-only, ' +
      'STRTAB_* and CR2 ignore writes while SMMUEN = 1, a queue\'s BASE while that queue is enabled, GBPA ' +
      'without Update; CR0 takes effect at once (CR0ACK follows). The trace says when a write is ignored.',
    example: 'smmu.write(GERRORN, smmu.read(GERROR))',
    run(m, args, ctx) {
      const reg = wordArg<keyof typeof REG>(args, 'reg', ctx);
      const v = bigArg(args, 'value', ctx);
      const wide = REG64.has(reg);
      if (!wide && v > 0xffff_ffffn) ctx.fail(`${reg} is a 32-bit register; 0x${v.toString(16)} does not fit`);
      m.regs.mmioWrite(REG[reg], v, wide ? 8 : 4);
      return null;
    },
  },
  {
    name: 'smmu.events',
    actor: 'smmu',
    args: [],
    returns: { type: 'int', doc: 'how many event records were read' },
    doc: 'Drain the Event queue as the driver\'s arm_smmu_evtq_thread does: read EVENTQ_PROD, read each 32-byte ' +
      'record from EVENTQ_CONS up to it, then write EVENTQ_CONS past them (acknowledging an overflow by copying ' +
      'OVFLG into OVACKFLG, §7.4). The last record is kept for smmu.last_event.',
    example: 'let n = smmu.events()',
    run(m) {
      return BigInt(m.drainEvents('sw').count);
    },
  },
  {
    name: 'smmu.last_event',
    actor: 'smmu',
    args: [],
    returns: { type: 'event or nothing', doc: 'the last record smmu.events read, decoded; nothing if none yet', fields: EVENT_FIELDS },
    doc: 'The last event record smmu.events read from the Event queue, decoded from its four words (SMMUv3 ' +
      '§7.3: the event number, StreamID, S2, CLASS, InputAddr and, for stage-2 faults, the IPA), with the same ' +
      'fields as dev.dma\'s event.',
    example: 'let e = smmu.last_event()',
    run(m) {
      return m.lastEvent === null ? null : eventValue(m.lastEvent);
    },
  },
  {
    name: 'smmu.ste_addr',
    actor: 'smmu',
    args: [{ name: 'sid', type: { t: 'int', min: 0n, max: 0xffffn }, doc: 'a StreamID' }],
    returns: { type: 'int', doc: 'the PA of its STE' },
    doc: 'Where StreamID sid\'s STE is: STRTAB_BASE + 64 * sid in the host\'s linear stream table (SMMUv3 §3.3.1); ' +
      'eight 64-bit words for mem.read64 and mem.write64.',
    example: 'let ste = smmu.ste_addr(0x10)',
    run(m, args, ctx) {
      return BigInt(m.steAddr(numArg(args, 'sid', ctx)));
    },
  },
];

