import { DESIGN_PROGRAM } from '../lang/corpus';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLabFile } from './run';
import { main } from './main';
import type { CliResult } from './translate';

// The real engine end to end: openLab, the builtins and the LabMachine, on temporary files.

const dir = mkdtempSync(join(tmpdir(), 'iommu-lab-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (text: string) => {
  const path = join(dir, `prog-${files++}.lab`);
  writeFileSync(path, text);
  return path;
};

// DESIGN.md's program (src/lang/builtins/program.test.ts): the DMA is step 7, on line 10.
const DESIGN = DESIGN_PROGRAM;
const DMA_LINE = 10;
const DMA_STEP = 7;

const TRACE_TYPES = new Set(['mem.read', 'mem.write', 'smmu.txn', 'smmu.fetch', 'smmu.tlb', 'smmu.cfg', 'smmu.done',
  'smmu.cmd', 'smmu.inv', 'smmu.evtq', 'smmu.reg']);

type Obj = Record<string, unknown> & { type: string; step: number; line: number };

/** Every line of stdout parsed; fails the test on a line that is not a JSON object with an
 *  integer step and line. */
function ndjson(stdout: string): Obj[] {
  expect(stdout.endsWith('\n')).toBe(true);
  // Checked by hand, not with expect(): the good program prints 262,821 lines.
  return stdout.slice(0, -1).split('\n').map((l) => {
    const o = JSON.parse(l) as Obj;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error(`not an object: ${l}`);
    if (!Number.isInteger(o.step) || !Number.isInteger(o.line)) throw new Error(`step/line not integers: ${l}`);
    if (!TRACE_TYPES.has(o.type) && !['step', 'expect', 'error'].includes(o.type)) throw new Error(`unknown type: ${l}`);
    return o;
  });
}

/** The indented lines of the block of the (first) step on `line`. */
function block(stdout: string, line: number): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\s*${line}  `).test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && /^\s{4,}/.test(lines[i]) && !/^\s*\d+  /.test(lines[i]); i++) out.push(lines[i].trim());
  return out;
}

describe('run: a good program (DESIGN.md)', () => {
  let path: string;
  let text: CliResult;
  let json: CliResult;
  let objs: Obj[];
  beforeAll(() => {
    path = file(DESIGN);
    text = runLabFile(path);
    json = runLabFile(path, { json: true });
    objs = ndjson(json.stdout);
  });

  it('exits 0 with nothing on stderr', () => {
    expect([text.code, text.stderr]).toEqual([0, '']);
    expect([json.code, json.stderr]).toEqual([0, '']);
  });

  it('prints one block per step: LINE  statement, then what happened', () => {
    const lines = text.stdout.split('\n');
    expect(lines).toContain(`${DMA_LINE}  let r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)`);
    expect(lines).toContain(' 2  let nic = host.assign("0000:01:00.0", sid: 0x10)');
    expect(lines).toContain('13  expect r.walk.reads == 30');
    // Statements, not comments; the last line sums up.
    expect(text.stdout).not.toContain('vfio-pci');
    expect(lines.at(-2)).toBe('end: 10 steps; 3 expects, all hold');
    expect(lines.at(-1)).toBe('');
  });

  it('shows the DMA\'s 30 SMMU reads in order, with what, level, purpose, PA and value, then the result', () => {
    const dma = block(text.stdout, DMA_LINE);
    const reads = dma.filter((l) => /^read\s+\d+  /.test(l));
    expect(reads).toHaveLength(30);
    expect(reads.map((l) => Number(/^read\s+(\d+)/.exec(l)?.[1]))).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
    expect(reads[0]).toMatch(/^read  1  STE\s+pa 0x1000_0400\s+= 0x7fff_b00f$/);
    expect(reads[1]).toMatch(/^read  2  S2 L0 for CD ipa 0x7fff_b000\s+pa 0x1040_2000\s+= 0x1040_3003$/);
    expect(reads[5]).toMatch(/^read  6  CD at ipa 0x7fff_b000\s+pa 0x8_3fff_b000\s+= 0x7_e205_c000_3510$/);
    expect(reads[6]).toMatch(/^read  7  S2 L0 for TT \(S1 L0\) ipa 0x7fff_f000\s+pa 0x1040_2000/);
    expect(reads[10]).toMatch(/^read 11  S1 L0 at ipa 0x7fff_f000\s+pa 0x8_3fff_f000\s+= 0x7fff_e003$/);
    expect(reads[29]).toMatch(/^read 30  S2 L3 for IN ipa 0x4010_0040\s+pa 0x1040_5800\s+= 0x40_0008_0010_07ff$/);
    // The reads' columns line up.
    expect(new Set(reads.map((l) => l.indexOf(' pa 0x'))).size).toBe(1);
    expect(dma[0]).toBe('transaction: sid 0x10, read, iova 0x1000_0040');
    expect(dma).toContain('config cache miss: STE of sid 0x10');
    expect(dma).toContain('TLB miss: S1S2 iova 0x1000_0040 (vmid 1, asid 7)');
    expect(dma).toContain('TLB miss: S2 ipa 0x4010_0040 (vmid 1)');
    expect(dma).toContain('result: pa 0x8_0010_0040 (30 reads, 24 of them the walk)');
    expect(dma.at(-1)).toMatch(/^r = \{ ok: true, pa: 0x8_0010_0040, /);
  });

  it('says expect ok for each expect', () => {
    expect(block(text.stdout, 11)).toEqual(['expect ok: r.pa == 0x8_0010_0040']);
    expect(text.stdout.match(/expect ok: /g)).toHaveLength(3);
    expect(text.stdout).not.toContain('FAILED');
  });

  it('summarises runs of memory writes and the boot', () => {
    expect(block(text.stdout, 3)).toEqual(['host wrote 262,658 words (first 0x1040_2000, last 0x1060_4ff8)']);
    expect(block(text.stdout, 2)).toContain('host wrote 0x1000_0400 <- 0x1');
    expect(block(text.stdout, 2)).toContain('command 4: CMD_CFGI_STE (0x10_0000_0003, 0x1)');
    const first = text.stdout.split('\n')[0];
    expect(first).toMatch(/^ 0  \(boot: 55 events: .*; --boot shows them\)$/);
    expect(text.stdout.split('\n').length).toBeLessThan(200);
  });

  it('--json: NDJSON only, every object with integer step and line', () => {
    const boot = objs.filter((o) => o.step === 0);
    expect(boot.length).toBe(55);
    expect(boot.every((o) => o.line === 0 && TRACE_TYPES.has(o.type))).toBe(true);
    expect(objs.filter((o) => o.type === 'mem.write' && o.step === 2)).toHaveLength(262_658);
    const steps = objs.filter((o) => o.type === 'step');
    expect(steps.map((o) => o.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(steps.map((o) => o.line)).toEqual([2, 3, 5, 6, 7, 8, 10, 11, 12, 13]);
    expect(steps[DMA_STEP - 1]).toMatchObject({ kind: 'let', col: 1, value: { ok: true, pa: '0x800100040', event: null, walk: { reads: '0x1e', walk_reads: '0x18', tlb: 'miss' } } });
    expect(steps[0].value).toEqual({ handle: 'device', label: '0000:01:00.0 (StreamID 0x10)' });
    // Every object of a step comes after its step object and before the next.
    let current = 0;
    const strays = objs.filter((o) => {
      if (o.type === 'step') current = o.step;
      return o.step !== current;
    });
    expect(strays).toEqual([]);
  });

  it('--json: the DMA\'s smmu.fetch events carry access 1..30, addresses and values as hex strings', () => {
    const fetches = objs.filter((o) => o.type === 'smmu.fetch');
    expect(fetches.every((o) => o.step === DMA_STEP && o.line === DMA_LINE)).toBe(true);
    expect(fetches.map((o) => o.access)).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
    expect(objs.filter((o) => 'access' in o && o.type !== 'smmu.fetch')).toEqual([]);
    expect(fetches[0]).toMatchObject({ what: 'STE', addr: '0x10000400', value: '0x7fffb00f' });
    expect((fetches[0].words as string[])[0]).toBe('0x7fffb00f');
    expect(fetches[29]).toMatchObject({ what: 'S2', level: 3, purpose: 'IN', ipa: '0x40100040', addr: '0x10405800', value: '0x400008001007ff' });
    expect(objs.find((o) => o.type === 'smmu.txn')).toMatchObject({ step: DMA_STEP, sid: 16, iova: '0x10000040', rnw: true });
    expect(objs.find((o) => o.type === 'smmu.done')).toMatchObject({ step: DMA_STEP, ok: true, pa: '0x800100040', reads: 30, walkReads: 24 });
    expect(objs.find((o) => o.type === 'smmu.reg')).toMatchObject({ step: 0, name: 'IDR0', offset: '0x0', write: false });
  });

  it('--json: one expect object per expect', () => {
    const expects = objs.filter((o) => o.type === 'expect');
    expect(expects).toEqual([
      { type: 'expect', step: 8, line: 11, col: 1, ok: true, message: 'ok: r.pa == 0x8_0010_0040' },
      { type: 'expect', step: 9, line: 12, col: 1, ok: true, message: 'ok: r.walk.walk_reads == 24' },
      { type: 'expect', step: 10, line: 13, col: 1, ok: true, message: 'ok: r.walk.reads == 30' },
    ]);
  });
});

describe('run: a fault', () => {
  it('shows the event: name, stage, class, input, ipa, and the Event queue record', () => {
    const path = file(`let nic = host.assign("0000:01:00.0", sid: 0x10)
host.s2.map(ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 2M, perm: rw, pgsize: 4K)
let pt = guest.s1.new(granule: 4K, va_bits: 48)
guest.s1.map(pt, va: 0x1000_0000, ipa: 0x5000_0000, size: 4K, perm: rw)
let cd = guest.cd(asid: 7, ttb0: pt)
host.set_pasid_table(nic, cd_table: cd)
let r = dev.dma(nic, write, iova: 0x1000_0040, len: 64)
expect r.event.stage == 2
`);
    const r = runLabFile(path);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const dma = block(r.stdout, 7);
    expect(dma[0]).toBe('transaction: sid 0x10, write, iova 0x1000_0040');
    expect(dma).toContain('result: F_TRANSLATION, stage 2, class IN, input 0x1000_0040, ipa 0x5000_0040 (29 reads, 23 of them the walk)');
    expect(dma).toContain('event queue: F_TRANSLATION written at slot 0 (0x1040_1000)');
  });
});

describe('run: a failing expect', () => {
  // 2M of guest RAM rather than 1G: the same walk, without 262,144 stage-2 descriptors to print.
  const src = DESIGN.replace('size: 1G', 'size: 2M').replace('expect r.walk.reads == 30', 'expect r.walk.reads == 24, "a walk is 24 reads"');
  const failure = 'expect failed: r.walk.reads == 24 (r.walk.reads is 0x1e (30), 24 is 0x18 (24)): a walk is 24 reads';

  it('exits 1 and names it on stderr with file:line:col', () => {
    const path = file(src);
    const r = runLabFile(path);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${path}:13:1: ${failure}\n`);
    expect(block(r.stdout, 13)).toEqual([`expect FAILED: ${failure.replace('expect failed: ', '')}`]);
    expect(r.stdout.split('\n').at(-2)).toBe('end: 10 steps; 3 expects, 1 FAILED');
  });

  it('--json: exit 1, the expect object says ok false; stderr names it', () => {
    const path = file(src);
    const r = runLabFile(path, { json: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${path}:13:1: ${failure}\n`);
    const expects = ndjson(r.stdout).filter((o) => o.type === 'expect');
    expect(expects.map((o) => o.ok)).toEqual([true, true, false]);
    expect(expects[2]).toMatchObject({ step: 10, line: 13, message: failure });
  });

  it('names every failure, in order', () => {
    const path = file('let a = 1\nexpect a == 2\nexpect a == 1\n  expect a == 3\n');
    const r = runLabFile(path);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${path}:2:1: expect failed: a == 2 (a is 1, 2 is 2)\n${path}:4:3: expect failed: a == 3 (a is 1, 3 is 3)\n`);
  });
});

describe('run: program errors exit 2', () => {
  it('syntax and checker errors: all of them on stderr as FILE:LINE:COL: message [LABxxxx], nothing on stdout', () => {
    const path = file('let a = 1\nlet b = (a +\n  2\nmem.write64(0x1, 1, 2)\nlet x = 0x1__0\n');
    for (const json of [false, true]) {
      const r = runLabFile(path, { json });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(3);
      for (const l of lines) expect(l).toMatch(new RegExp(`^${path.replace(/[.\\]/g, '\\$&')}:\\d+:\\d+: .+ \\[LAB\\d{4}\\]$`));
      expect(lines).toContain(`${path}:5:9: '_' in 0x1__0 must stand between two digits [LAB1007]`);
      expect(lines.some((l) => l.startsWith(`${path}:4:`) && l.includes('too many arguments'))).toBe(true);
    }
  });

  it('an unknown builtin', () => {
    const path = file('dev.dmaa(1)\n');
    const r = runLabFile(path);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^${path}:1:1: unknown builtin 'dev.dmaa'.* \\[LAB3001\\]\\n$`));
  });

  const RUNTIME = 'let a = 1\nmem.write64(0x9_0000_0000, 1)\nexpect false\n';
  const OUTSIDE = '0x9_0000_0000 is outside RAM (RAM is 0x8_0000_0000..0x8_ffff_ffff; host kernel memory is 0x10000000..0x1fffffff)';

  it('a runtime error: FILE:LINE:COL: message on stderr, the trace up to it on stdout', () => {
    const path = file(RUNTIME);
    const r = runLabFile(path);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${path}:2:1: ${OUTSIDE}\n`);
    expect(r.stdout).toContain('1  let a = 1\n');
    expect(block(r.stdout, 2)).toEqual([`error: ${OUTSIDE}`]);
    expect(r.stdout).not.toContain('expect false');
    expect(r.stdout.split('\n').at(-2)).toBe(`stopped by a runtime error at ${path}:2:1 after 2 steps; no expects`);
  });

  it('--json: the trace up to it, then an error object', () => {
    const path = file(RUNTIME);
    const r = runLabFile(path, { json: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${path}:2:1: ${OUTSIDE}\n`);
    const objs = ndjson(r.stdout);
    expect(objs.filter((o) => o.type === 'step').map((o) => o.line)).toEqual([1, 2]);
    expect(objs.at(-1)).toEqual({ type: 'error', step: 2, line: 2, col: 1, reason: 'error', message: OUTSIDE });
    expect(objs.filter((o) => o.type === 'error')).toHaveLength(1);
  });

  it('an endless loop with --steps: stopped, and the message names the line', () => {
    const path = file('let n = 0\nfor i in 0..1_000_000_000 {\n  n = n + i\n}\nexpect n == 0\n');
    const r = runLabFile(path, { steps: 50 });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${path}:3:3: the program ran for more than 50 steps and was stopped here, at line 3 (an endless loop? --steps N allows more)\n`);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => /^[1-9]  /.test(l))).toHaveLength(51);   // 50 steps, then the one not run
    expect(lines.at(-4)).toBe('3  n = n + i');
    expect(lines.at(-3)).toMatch(/^\s+stopped: the program ran for more than 50 steps/);
    expect(lines.at(-2)).toBe(`stopped by the step limit at ${path}:3:3 after 50 steps; no expects`);

    const j = runLabFile(path, { steps: 50, json: true });
    expect(j.code).toBe(2);
    const objs = ndjson(j.stdout);
    expect(objs.filter((o) => o.type === 'step')).toHaveLength(50);
    expect(objs.at(-1)).toMatchObject({ type: 'error', step: 51, line: 3, col: 3, reason: 'budget' });
  });

  it('a missing or unreadable file: exit 2, one line, nothing on stdout', () => {
    const missing = join(dir, 'no-such.lab');
    expect(runLabFile(missing)).toEqual({ code: 2, stdout: '', stderr: `error: cannot read ${missing}: no such file\n` });
    const d = join(dir, 'a-directory.lab');
    mkdirSync(d);
    expect(runLabFile(d, { json: true })).toEqual({ code: 2, stdout: '', stderr: `error: cannot read ${d}: is a directory\n` });
  });
});

describe('run: details', () => {
  it('warnings go to stderr and the program runs', () => {
    const path = file('let a = 1\na + 1\nexpect a == 1\n');
    const r = runLabFile(path);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^${path}:2:1: warning: .* \\[LAB3028\\]\\n$`));
    expect(r.stdout).toContain('expect ok: a == 1');
  });

  it('--boot shows the boot events in full', () => {
    const path = file('let a = 1\n');
    const plain = runLabFile(path).stdout;
    const boot = runLabFile(path, { boot: true }).stdout;
    expect(plain).not.toContain('MMIO write CR0');
    expect(boot.split('\n')[0]).toBe('0  (boot: the host kernel probes and enables the SMMU)');
    expect(boot).toContain('MMIO write CR0 0x8');
    expect(boot).toContain('command 0: CMD_CFGI_ALL (0x4, 0x1f)');
    expect(boot.length).toBeGreaterThan(plain.length);
  });

  it('an empty program runs: boot only', () => {
    const r = runLabFile(file(''));
    expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^0  \(boot: .*\)\nend: 0 steps; no expects\n$/), stderr: '' });
  });

  it('is deterministic: the same program gives the same output', () => {
    const path = file('let nic = host.assign("0000:01:00.0", sid: 0x10)\nexpect true\n');
    expect(runLabFile(path)).toEqual(runLabFile(path));
    expect(runLabFile(path, { json: true })).toEqual(runLabFile(path, { json: true }));
  });
});

describe('main: the run command', () => {
  it('dispatches run with its options, before or after the file', () => {
    const path = file('let a = 1\nexpect a == 1\n');
    expect(main(['run', path])).toMatchObject({ code: 0, stderr: '' });
    const j = main(['run', path, '--json']);
    expect(j.code).toBe(0);
    expect(ndjson(j.stdout).filter((o) => o.type === 'expect')).toHaveLength(1);
    expect(main(['run', '--boot', path]).stdout).toContain('MMIO write CR0');
    const loop = file('for i in 0..1_000_000 {\n  let x = i\n}\n');
    expect(main(['run', '--steps', '10', loop]).code).toBe(2);
    expect(main(['run', `--steps=10`, loop]).stderr).toContain('more than 10 steps');
    expect(main(['run', '--', path])).toMatchObject({ code: 0 });
  });

  it('lists run in the help, and has its own', () => {
    expect(main(['--help']).stdout).toContain('run FILE.lab');
    const r = main(['run', '--help']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('Usage: iommu-lab run [--json] [--boot] [--steps N] FILE.lab');
    expect(r.stdout).toContain('--steps N');
  });

  it('refuses bad usage with exit 2 and the usage on stderr', () => {
    const cases: [string[], string][] = [
      [['run'], 'error: run takes 1 argument (FILE.lab), got 0'],
      [['run', 'a.lab', 'b.lab'], 'error: run takes 1 argument (FILE.lab), got 2'],
      [['run', '--verbose', 'a.lab'], 'error: unknown option "--verbose"'],
      [['run', '--steps', 'many', 'a.lab'], 'error: --steps must be a whole number from 1 to 100000000, not "many"'],
      [['run', '--steps=0', 'a.lab'], 'error: --steps must be a whole number from 1 to 100000000, not "0"'],
      [['run', 'a.lab', '--steps'], 'error: --steps needs a value (--steps N)'],
      [['run', '--json', '--json', 'a.lab'], 'error: --json is given twice'],
      [['run', '--json=yes', 'a.lab'], 'error: --json takes no value'],
      [['translate', '--json', 'a.json'], 'error: unknown option "--json"'],
    ];
    for (const [args, line] of cases) {
      const r = main(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith(`${line}\n`)).toBe(true);
      expect(r.stderr).toContain('Usage: iommu-lab');
    }
  });
});
