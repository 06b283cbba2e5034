// DESIGN.md's lab program, parsed, checked and run by the interpreter over a LabMachine: the
// registry, the checker and the machine agree end to end.

import { DESIGN_PROGRAM } from '../corpus';
import { describe, expect, it } from 'vitest';
import { LabMachine } from '../../model/lab/machine';
import { check } from '../checker';
import { compile } from '../compile';
import { Interpreter, type StepOutcome } from '../interp';
import { parse } from '../parser';
import { BUILTINS } from './index';

function run(src: string): { outcomes: StepOutcome[]; machine: LabMachine } {
  const { program, diagnostics } = parse(src);
  expect(diagnostics).toEqual([]);
  expect(check(program, BUILTINS).diagnostics.map((d) => d.message)).toEqual([]);
  const machine = new LabMachine();
  const interp = new Interpreter(compile(program), BUILTINS, machine);
  const outcomes: StepOutcome[] = [];
  for (let out = interp.step(); out !== null; out = interp.step()) outcomes.push(out);
  return { outcomes, machine };
}

const DESIGN = `
${DESIGN_PROGRAM}`;

describe('lab programs over the LabMachine', () => {
  it('DESIGN.md\'s program runs and its expectations hold', () => {
    const { outcomes } = run(DESIGN);
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    const expects = outcomes.filter((o) => o.expect).map((o) => o.expect?.ok);
    expect(expects).toEqual([true, true, true]);
  });

  it('the raw layer from docs/language.md: clear V in the STE, invalidate, see C_BAD_STE', () => {
    const { outcomes } = run(`${DESIGN}
let ste = smmu.ste_addr(0x10)
mem.write64(ste, mem.read64(ste) & ~0x1)
smmu.cmd(CMD_CFGI_STE, sid: 0x10)
smmu.cmd(CMD_SYNC)
let r2 = dev.dma(nic, read, iova: 0x1000_0040, len: 64)
expect r2.event.name == "C_BAD_STE"
expect smmu.events() == 1
expect smmu.last_event().name == "C_BAD_STE"
`);
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect(outcomes.filter((o) => o.expect).every((o) => o.expect?.ok)).toBe(true);
  });

  it('a runtime error stops the program at its statement with the model\'s message', () => {
    const { outcomes } = run('mem.write64(0x9_0000_0000, 1)\nexpect false');
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0].error?.message).toBe('0x9_0000_0000 is outside RAM (RAM is 0x8_0000_0000..0x8_ffff_ffff; host kernel memory is 0x10000000..0x1fffffff)');
  });
});
