import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MachineImage } from '../model/image/types';

// The engine (src/model/image/run.ts) is tested on its own; here it echoes what it was given,
// so these tests check the wiring: read, validate, run, print.
const runImage = vi.hoisted(() => vi.fn());
vi.mock('../model/image/run', () => ({ runImage }));

const { runTranslateFile } = await import('./translate');
const { main } = await import('./main');

const echo = (img: MachineImage) => img.transactions.map((t) => ({ sid: t.sid, iova: `0x${t.iova.toString(16)}`, ok: true }));

const dir = mkdtempSync(join(tmpdir(), 'iommu-lab-translate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (text: string) => {
  const path = join(dir, `image-${files++}.json`);
  writeFileSync(path, text);
  return path;
};

const valid = {
  format: 'iommu-lab/machine-image@1',
  memory: [{ addr: '0x80000000', u64: ['0x0000000080001003', '0x0'] }],
  smmu: { strtab_base: '0x80000000', strtab_log2size: 8, strtab_fmt: 'linear', oas: 48, cache: false },
  transactions: [{ sid: 16, iova: '0x1000', access: 'read' }, { sid: 17, ssid: 0, iova: 8192, access: 'write' }],
};

beforeEach(() => {
  runImage.mockReset();
  runImage.mockImplementation(echo);
});

describe('runTranslateFile', () => {
  it('prints one JSON object per transaction, in order, and exits 0', () => {
    const r = runTranslateFile(file(JSON.stringify(valid)));
    expect(r).toEqual({
      code: 0,
      stdout: '{"sid":16,"iova":"0x1000","ok":true}\n{"sid":17,"iova":"0x2000","ok":true}\n',
      stderr: '',
    });
    expect(runImage).toHaveBeenCalledTimes(1);
    const img = runImage.mock.calls[0][0] as MachineImage;
    expect(img.smmu.cache).toBe(false);
    expect(img.transactions[1]).toEqual({ sid: 17, ssid: 0, iova: 0x2000n, access: 'write', priv: false, instr: false });
  });

  it('prints nothing and exits 0 for an empty transaction list', () => {
    runImage.mockReturnValue([]);
    expect(runTranslateFile(file(JSON.stringify({ ...valid, transactions: [] })))).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  // [what, file contents, the stderr line]
  const bad: [string, string, string][] = [
    ['invalid JSON', '{"format": "iommu-lab/machine-image@1",', 'error: $: not valid JSON: '],
    ['a value out of range', JSON.stringify({ ...valid, smmu: { ...valid.smmu, oas: 52 } }), 'error: $.smmu.oas: must be one of 32, 36, 40, 42, 44, 48 (52-bit addresses are not modelled)'],
    ['a misaligned run', JSON.stringify({ ...valid, memory: [{ addr: '0x80000004', u64: [0] }] }), 'error: $.memory[0].addr: not 8-byte aligned'],
    ['overlapping runs', JSON.stringify({ ...valid, memory: [...valid.memory, { addr: '0x80000008', u64: [1] }] }), 'error: $.memory[1]: run 0x80000008..0x8000000f overlaps $.memory[0] (0x80000000..0x8000000f)'],
    ['an unknown field', JSON.stringify({ ...valid, transactions: [{ sid: 1, iova: 0, access: 'read', foo: 1 }] }), 'error: $.transactions[0].foo: unknown field "foo"'],
    ['a wrong type', JSON.stringify({ ...valid, memory: [{ addr: '0x0', u64: [true] }] }), 'error: $.memory[0].u64[0]: expected a hex string like "0x1000" or an integer below 2^53 (got true)'],
    ['an unsupported format', JSON.stringify({ ...valid, format: 'iommu-lab/machine-image@2' }), 'error: $.format: must be "iommu-lab/machine-image@1"'],
  ];
  it.each(bad)('rejects %s: exit 2, one line on stderr, nothing on stdout', (_what, text, line) => {
    const r = runTranslateFile(file(text));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(line)).toBe(true);
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(runImage).not.toHaveBeenCalled();
  });

  it('rejects a missing file at $', () => {
    const path = join(dir, 'no-such-image.json');
    expect(runTranslateFile(path)).toEqual({ code: 2, stdout: '', stderr: `error: $: cannot read ${path}: no such file\n` });
  });

  it('rejects a directory at $', () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    expect(runTranslateFile(path)).toEqual({ code: 2, stdout: '', stderr: `error: $: cannot read ${path}: is a directory\n` });
  });

  it('reports an engine failure in one line, exit 1, without a stack trace', () => {
    runImage.mockImplementation(() => { throw new Error('walker exploded'); });
    const r = runTranslateFile(file(JSON.stringify(valid)));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('internal error: walker exploded (set IOMMU_LAB_DEBUG=1 for a stack trace)\n');
  });
});

describe('main (the iommu-lab command)', () => {
  it('dispatches translate', () => {
    const r = main(['translate', file(JSON.stringify(valid))]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).sid)).toEqual([16, 17]);
  });

  it('passes translate errors through', () => {
    expect(main(['translate', file('nope')])).toMatchObject({ code: 2, stdout: '' });
  });

  it('prints help on stdout with exit 0', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = main(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: iommu-lab <command>');
      expect(r.stdout).toContain('translate IMAGE.json');
      expect(r.stderr).toBe('');
    }
    const r = main(['translate', '--help']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('Usage: iommu-lab translate IMAGE.json');
  });

  it('refuses bad usage with exit 2 and the usage on stderr', () => {
    const cases: [string[], string][] = [
      [[], 'error: no command given'],
      [['frobnicate'], 'error: unknown command "frobnicate"'],
      [['translate'], 'error: translate takes 1 argument (IMAGE.json), got 0'],
      [['translate', 'a.json', 'b.json'], 'error: translate takes 1 argument (IMAGE.json), got 2'],
      [['translate', '--verbose', 'a.json'], 'error: unknown option "--verbose"'],
      [['toString'], 'error: unknown command "toString"'],
    ];
    for (const [args, line] of cases) {
      const r = main(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith(`${line}\n`)).toBe(true);
      expect(r.stderr).toContain('Usage: iommu-lab');
    }
    expect(runImage).not.toHaveBeenCalled();
  });
});
