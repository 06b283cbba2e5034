// The software side of the queues, as a driver does it (SMMUv3 §3.21.2 "To issue commands";
// §7.4's advice on overflow; Linux arm_smmu_cmdq_issue_cmdlist and arm_smmu_evtq_thread in
// spirit): everything goes through MMIO and traced memory accesses, so a lab program that uses
// these helpers leaves the same trace as one that spells the steps out.

import type { CmdWords } from './commands';
import { baseAddr, baseLog2Size, CMDQ_ENT_BYTES, CMDQS, EVENTQS, EVTQ_ENT_BYTES, qEmpty, qFull, qIndex, qMask, qNext } from './queues';
import { REG, type SmmuRegisters } from './regs';

/** Write commands into the Command queue and publish them with CMDQ_PROD. When the queue is
 *  full, PROD is published so the SMMU consumes; if it still has no space (CMDQEN = 0, or a
 *  command error is active) this throws rather than wait forever. */
export function submitCommands(regs: SmmuRegisters, cmds: readonly CmdWords[], who = 'driver'): void {
  const base = regs.mmioRead(REG.CMDQ_BASE, 8);
  const qs = baseLog2Size(base, CMDQS);
  const q = baseAddr(base, qs, CMDQ_ENT_BYTES);
  let prod = qMask(Number(regs.mmioRead(REG.CMDQ_PROD)), qs);
  for (const c of cmds) {
    if (qFull(prod, cons(regs, qs), qs)) {
      regs.mmioWrite(REG.CMDQ_PROD, prod);
      if (qFull(prod, cons(regs, qs), qs)) throw new RangeError('submitCommands: the Command queue is full and not being consumed');
    }
    const slot = BigInt(q + CMDQ_ENT_BYTES * qIndex(prod, qs));
    regs.smmu.mem.write64(slot, c[0], who);
    regs.smmu.mem.write64(slot + 8n, c[1], who);
    prod = qNext(prod, qs);
  }
  regs.mmioWrite(REG.CMDQ_PROD, prod);
}

function cons(regs: SmmuRegisters, qs: number): number {
  return qMask(Number(regs.mmioRead(REG.CMDQ_CONS)), qs);
}

/** Read every event record between EVENTQ_CONS and EVENTQ_PROD (four words each), move CONS
 *  past them and acknowledge any overflow by copying OVFLG into OVACKFLG (§7.4). */
export function drainEvents(regs: SmmuRegisters, who = 'driver'): { records: bigint[][]; overflowed: boolean } {
  const base = regs.mmioRead(REG.EVENTQ_BASE, 8);
  const qs = baseLog2Size(base, EVENTQS);
  const q = baseAddr(base, qs, EVTQ_ENT_BYTES);
  const prodReg = Number(regs.mmioRead(REG.EVENTQ_PROD));
  const consReg = Number(regs.mmioRead(REG.EVENTQ_CONS));
  const ovflg = prodReg >>> 31, ovackflg = consReg >>> 31;
  const records: bigint[][] = [];
  let rd = qMask(consReg, qs);
  while (!qEmpty(prodReg, rd, qs)) {
    const slot = q + EVTQ_ENT_BYTES * qIndex(rd, qs);
    records.push([0, 1, 2, 3].map((k) => regs.smmu.mem.read64(BigInt(slot + 8 * k), who)));
    rd = qNext(rd, qs);
  }
  regs.mmioWrite(REG.EVENTQ_CONS, ((ovflg << 31) | rd) >>> 0);
  return { records, overflowed: ovflg !== ovackflg };
}
