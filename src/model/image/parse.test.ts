import { describe, expect, it } from 'vitest';
import { formatPath } from '../json-path';
import { ImageError, parseMachineImage } from './parse';

// The example image of machine-image.md.
const example = () => ({
  format: 'iommu-lab/machine-image@1',
  memory: [{ addr: '0x80000000', u64: ['0x0000000080001003', '0x0'] }] as unknown[],
  smmu: { strtab_base: '0x80000000', strtab_log2size: 8, strtab_fmt: 'linear', oas: 48, cache: false } as Record<string, unknown>,
  transactions: [{ sid: 16, iova: '0x1000', access: 'read' }] as unknown[],
});
type Example = ReturnType<typeof example> & Record<string, unknown>;

/** The example image, changed by `edit`, as JSON text. */
const image = (edit: (img: Example) => void = () => {}) => {
  const img = example() as Example;
  edit(img);
  return JSON.stringify(img);
};

function errorOf(text: string): ImageError {
  try {
    parseMachineImage(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    return e as ImageError;
  }
  throw new Error('expected an ImageError');
}

describe('valid images', () => {
  it('reads the example of the format document', () => {
    expect(parseMachineImage(image())).toEqual({
      memory: [{ addr: 0x80000000n, words: [0x80001003n, 0n] }],
      smmu: { strtabBase: 0x80000000n, strtabLog2Size: 8, strtabFmt: 'linear', strtabSplit: 0, oas: 48, cache: false },
      transactions: [{ sid: 16, iova: 0x1000n, access: 'read', priv: false, instr: false }],
    });
  });

  it('accepts hex (any case), decimal strings and JSON integers alike', () => {
    const forms = ['0x1000', '0X1000', '0x00001000', '4096', 4096, '0004096'];
    for (const iova of forms) {
      const img = parseMachineImage(image((i) => { i.transactions = [{ sid: 1, iova, access: 'read' }]; }));
      expect(img.transactions[0].iova).toBe(0x1000n);
    }
    const img = parseMachineImage(image((i) => {
      i.memory = [{ addr: '0XABCDEF08', u64: ['0xFfFfFfFfFfFfFfFf', '18446744073709551615', 9007199254740991, 0] }];
      i.smmu = { strtab_base: 4096, strtab_log2size: '0x20', strtab_fmt: '2lvl', strtab_split: '10', oas: '0x30' };
      i.transactions = [{ sid: '0xffffffff', ssid: '0xfffff', iova: '0xffffffffffffffff', access: 'write' }];
    }));
    expect(img.memory[0]).toEqual({ addr: 0xabcdef08n, words: [2n ** 64n - 1n, 2n ** 64n - 1n, 2n ** 53n - 1n, 0n] });
    expect(img.smmu).toEqual({ strtabBase: 0x1000n, strtabLog2Size: 32, strtabFmt: '2lvl', strtabSplit: 10, oas: 48, cache: true });
    expect(img.transactions[0]).toEqual({ sid: 2 ** 32 - 1, ssid: 2 ** 20 - 1, iova: 2n ** 64n - 1n, access: 'write', priv: false, instr: false });
  });

  it('fills the defaults: cache true, priv and instr false, no ssid, strtab_split 0 for linear', () => {
    const img = parseMachineImage(image((i) => { delete i.smmu.cache; }));
    expect(img.smmu.cache).toBe(true);
    expect(img.smmu.strtabSplit).toBe(0);
    expect(img.transactions[0].priv).toBe(false);
    expect(img.transactions[0].instr).toBe(false);
    expect('ssid' in img.transactions[0]).toBe(false);
  });

  it('keeps ssid 0 apart from no ssid, and reads priv, instr and cache', () => {
    const img = parseMachineImage(image((i) => {
      i.smmu.cache = true;
      i.transactions = [{ sid: 0, ssid: 0, iova: 0, access: 'write', priv: true, instr: true }, { sid: 0, ssid: '0x0', iova: 0, access: 'read', priv: false, instr: false }];
    }));
    expect(img.smmu.cache).toBe(true);
    expect(img.transactions).toEqual([
      { sid: 0, ssid: 0, iova: 0n, access: 'write', priv: true, instr: true },
      { sid: 0, ssid: 0, iova: 0n, access: 'read', priv: false, instr: false },
    ]);
  });

  it('accepts empty memory and an empty transaction list', () => {
    const img = parseMachineImage(image((i) => { i.memory = []; i.transactions = []; }));
    expect(img.memory).toEqual([]);
    expect(img.transactions).toEqual([]);
  });

  it('accepts linear strtab_split 0..31 (ignored), 2lvl split 6, 8, 10 and every OAS but 52', () => {
    for (const split of [0, 7, 31]) expect(parseMachineImage(image((i) => { i.smmu.strtab_split = split; })).smmu.strtabSplit).toBe(split);
    for (const split of [6, 8, 10]) {
      expect(parseMachineImage(image((i) => { i.smmu.strtab_fmt = '2lvl'; i.smmu.strtab_split = split; })).smmu.strtabSplit).toBe(split);
    }
    for (const oas of [32, 36, 40, 42, 44, 48]) expect(parseMachineImage(image((i) => { i.smmu.oas = oas; })).smmu.oas).toBe(oas);
    for (const log2 of [0, 32]) expect(parseMachineImage(image((i) => { i.smmu.strtab_log2size = log2; })).smmu.strtabLog2Size).toBe(log2);
  });

  it('accepts adjacent runs, runs in any order, and a run ending at 2^64-1', () => {
    const img = parseMachineImage(image((i) => {
      i.memory = [
        { addr: '0x1008', u64: [1] },
        { addr: '0x1000', u64: [2] },
        { addr: '0x1010', u64: [3, 4] },
        { addr: '0xfffffffffffffff0', u64: [5, 6] },
      ];
    }));
    expect(img.memory.map((r) => r.addr)).toEqual([0x1008n, 0x1000n, 0x1010n, 0xfffffffffffffff0n]);
  });

  it('keeps odd values inside memory: they are events, not input errors', () => {
    const img = parseMachineImage(image((i) => { i.memory = [{ addr: 0, u64: ['0xffffffffffffffff', '0xdeadbeefdeadbeef'] }]; }));
    expect(img.memory[0].words).toEqual([0xffffffffffffffffn, 0xdeadbeefdeadbeefn]);
  });

  it('ignores a leading byte-order mark', () => {
    expect(parseMachineImage(`\uFEFF${image()}`).smmu.oas).toBe(48);
  });
});

// [what, image text, JSON path, a fragment of the reason]
const malformed: [string, string, string, string][] = [
  // the file as a whole
  ['not JSON', '{"format": ', '$', 'not valid JSON'],
  ['empty file', '', '$', 'not valid JSON'],
  ['JSON but an array', '[]', '$', 'expected an object (got an array)'],
  ['JSON but a number', '42', '$', 'expected an object (got 42)'],
  ['JSON null', 'null', '$', 'expected an object (got null)'],
  // format
  ['wrong format version', image((i) => { i.format = 'iommu-lab/machine-image@2'; }), '$.format', 'must be "iommu-lab/machine-image@1" (got "iommu-lab/machine-image@2")'],
  ['missing format', image((i) => { delete (i as Partial<Example>).format; }), '$.format', 'missing'],
  // unknown fields, at every level
  ['unknown top-level field', image((i) => { i.foo = 1; }), '$.foo', 'unknown field "foo"'],
  ['misspelt top-level field', image((i) => { i.memroy = []; }), '$.memroy', 'unknown field "memroy" (did you mean "memory"?)'],
  ['unknown field in a run', image((i) => { i.memory = [{ addr: 0, u64: [0], size: 8 }]; }), '$.memory[0].size', 'unknown field "size"'],
  ['unknown field in smmu', image((i) => { i.smmu.ias = 48; }), '$.smmu.ias', 'unknown field "ias"'],
  ['unknown field in a transaction', image((i) => { i.transactions = [{ sid: 1, iova: 0, access: 'read', pasid: 3 }]; }), '$.transactions[0].pasid', 'unknown field "pasid" '],
  ['"__proto__" as a field', image().replace(/}$/, ',"__proto__":{"oas":48}}'), '$.__proto__', 'unknown field "__proto__"'],
  ['field name that is not an identifier', image((i) => { i['a b'] = 1; }), '$["a b"]', 'unknown field "a b"'],
  // missing fields
  ['missing memory', image((i) => { delete (i as Partial<Example>).memory; }), '$.memory', 'missing'],
  ['missing smmu', image((i) => { delete (i as Partial<Example>).smmu; }), '$.smmu', 'missing'],
  ['missing transactions', image((i) => { delete (i as Partial<Example>).transactions; }), '$.transactions', 'missing'],
  ['missing run addr', image((i) => { i.memory = [{ u64: [0] }]; }), '$.memory[0].addr', 'missing'],
  ['missing run words', image((i) => { i.memory = [{ addr: 0 }]; }), '$.memory[0].u64', 'missing'],
  ['missing strtab_base', image((i) => { delete i.smmu.strtab_base; }), '$.smmu.strtab_base', 'missing'],
  ['missing strtab_log2size', image((i) => { delete i.smmu.strtab_log2size; }), '$.smmu.strtab_log2size', 'missing'],
  ['missing strtab_fmt', image((i) => { delete i.smmu.strtab_fmt; }), '$.smmu.strtab_fmt', 'missing'],
  ['missing oas', image((i) => { delete i.smmu.oas; }), '$.smmu.oas', 'missing'],
  ['missing sid', image((i) => { i.transactions = [{ iova: 0, access: 'read' }]; }), '$.transactions[0].sid', 'missing'],
  ['missing iova', image((i) => { i.transactions = [{ sid: 0, access: 'read' }]; }), '$.transactions[0].iova', 'missing'],
  ['missing access', image((i) => { i.transactions = [{ sid: 0, iova: 0 }]; }), '$.transactions[0].access', 'missing'],
  // wrong types
  ['memory not an array', image((i) => { i.memory = {} as unknown as unknown[]; }), '$.memory', 'expected an array (got an object)'],
  ['a run not an object', image((i) => { i.memory = [[0, 1]]; }), '$.memory[0]', 'expected an object (got an array)'],
  ['u64 not an array', image((i) => { i.memory = [{ addr: 0, u64: '0x0' }]; }), '$.memory[0].u64', 'expected an array (got "0x0")'],
  ['smmu not an object', image((i) => { (i as Record<string, unknown>).smmu = 'linear'; }), '$.smmu', 'expected an object (got "linear")'],
  ['transactions not an array', image((i) => { (i as Record<string, unknown>).transactions = null; }), '$.transactions', 'expected an array (got null)'],
  ['a word that is a boolean', image((i) => { i.memory = [{ addr: 0, u64: [0, true] }]; }), '$.memory[0].u64[1]', 'expected a hex string like "0x1000" or an integer below 2^53 (got true)'],
  ['a word that is null', image((i) => { i.memory = [{ addr: 0, u64: [null] }]; }), '$.memory[0].u64[0]', 'expected a hex string like "0x1000" or an integer below 2^53 (got null)'],
  ['cache as a string', image((i) => { i.smmu.cache = 'true'; }), '$.smmu.cache', 'expected true or false (got "true")'],
  ['priv as a number', image((i) => { i.transactions = [{ sid: 0, iova: 0, access: 'read', priv: 1 }]; }), '$.transactions[0].priv', 'expected true or false (got 1)'],
  ['instr as null', image((i) => { i.transactions = [{ sid: 0, iova: 0, access: 'read', instr: null }]; }), '$.transactions[0].instr', 'expected true or false (got null)'],
  ['strtab_fmt unknown', image((i) => { i.smmu.strtab_fmt = 'linear2'; }), '$.smmu.strtab_fmt', 'must be "linear" or "2lvl" (got "linear2")'],
  ['access unknown', image((i) => { i.transactions = [{ sid: 0, iova: 0, access: 'rw' }]; }), '$.transactions[0].access', 'must be "read" or "write" (got "rw")'],
  // number forms
  ['non-integer number', image((i) => { i.transactions = [{ sid: 1.5, iova: 0, access: 'read' }]; }), '$.transactions[0].sid', 'not an integer (got 1.5)'],
  ['negative number', image((i) => { i.memory = [{ addr: -8, u64: [0] }]; }), '$.memory[0].addr', 'negative (got -8)'],
  ['unsafe JSON integer (2^53)', image((i) => { i.memory = [{ addr: 0, u64: [2 ** 53] }]; }), '$.memory[0].u64[0]', 'JSON integers must be below 2^53'],
  ['huge JSON integer', '{"format":"iommu-lab/machine-image@1","memory":[{"addr":0,"u64":[18446744073709551615]}],"smmu":{"strtab_base":0,"strtab_log2size":0,"strtab_fmt":"linear","oas":48},"transactions":[]}', '$.memory[0].u64[0]', 'below 2^53'],
  ['hex with "_"', image((i) => { i.memory = [{ addr: 0, u64: ['0x8000_0000'] }]; }), '$.memory[0].u64[0]', 'no "_" separators'],
  ['negative string', image((i) => { i.transactions = [{ sid: '-1', iova: 0, access: 'read' }]; }), '$.transactions[0].sid', 'no negative numbers'],
  ['bare "0x"', image((i) => { i.smmu.strtab_base = '0x'; }), '$.smmu.strtab_base', 'expected a hex string like "0x1000"'],
  ['hex with bad digit', image((i) => { i.smmu.strtab_base = '0x80g0'; }), '$.smmu.strtab_base', '(got "0x80g0")'],
  ['number with spaces', image((i) => { i.smmu.strtab_base = ' 0x10'; }), '$.smmu.strtab_base', '(got " 0x10")'],
  ['empty string', image((i) => { i.smmu.strtab_log2size = ''; }), '$.smmu.strtab_log2size', '(got "")'],
  ['exponent string', image((i) => { i.smmu.strtab_log2size = '1e3'; }), '$.smmu.strtab_log2size', '(got "1e3")'],
  // ranges
  ['word above 2^64-1', image((i) => { i.memory = [{ addr: 0, u64: ['0x10000000000000000'] }]; }), '$.memory[0].u64[0]', 'out of range 0..2^64-1'],
  ['decimal word above 2^64-1', image((i) => { i.memory = [{ addr: 0, u64: ['18446744073709551616'] }]; }), '$.memory[0].u64[0]', 'out of range 0..2^64-1'],
  ['addr above 2^64-1', image((i) => { i.memory = [{ addr: '0x1fffffffffffffff8', u64: [0] }]; }), '$.memory[0].addr', 'out of range 0..2^64-1'],
  ['strtab_base above 2^64-1', image((i) => { i.smmu.strtab_base = '0x10000000000000000'; }), '$.smmu.strtab_base', 'out of range 0..2^64-1'],
  ['iova above 2^64-1', image((i) => { i.transactions = [{ sid: 0, iova: '0x10000000000000000', access: 'read' }]; }), '$.transactions[0].iova', 'out of range 0..2^64-1'],
  ['strtab_log2size 33', image((i) => { i.smmu.strtab_log2size = 33; }), '$.smmu.strtab_log2size', 'out of range 0..32 (got 33)'],
  ['linear strtab_split 32', image((i) => { i.smmu.strtab_split = 32; }), '$.smmu.strtab_split', 'out of range 0..31 (got 32)'],
  ['2lvl without strtab_split', image((i) => { i.smmu.strtab_fmt = '2lvl'; }), '$.smmu.strtab_split', 'missing'],
  ['2lvl strtab_split 7', image((i) => { i.smmu.strtab_fmt = '2lvl'; i.smmu.strtab_split = 7; }), '$.smmu.strtab_split', 'must be 6, 8 or 10'],
  ['2lvl strtab_split 12', image((i) => { i.smmu.strtab_fmt = '2lvl'; i.smmu.strtab_split = '12'; }), '$.smmu.strtab_split', 'must be 6, 8 or 10'],
  ['2lvl strtab_split 40', image((i) => { i.smmu.strtab_fmt = '2lvl'; i.smmu.strtab_split = 40; }), '$.smmu.strtab_split', 'must be 6, 8 or 10'],
  ['oas 52', image((i) => { i.smmu.oas = 52; }), '$.smmu.oas', 'must be one of 32, 36, 40, 42, 44, 48 (52-bit addresses are not modelled)'],
  ['oas 50', image((i) => { i.smmu.oas = '50'; }), '$.smmu.oas', 'must be one of 32, 36, 40, 42, 44, 48'],
  ['oas as a word', image((i) => { i.smmu.oas = 'forty-eight'; }), '$.smmu.oas', 'expected a hex string'],
  ['sid 2^32', image((i) => { i.transactions = [{ sid: 2 ** 32, iova: 0, access: 'read' }]; }), '$.transactions[0].sid', 'out of range 0..2^32-1'],
  ['ssid 2^20', image((i) => { i.transactions = [{ sid: 0, ssid: '0x100000', iova: 0, access: 'read' }]; }), '$.transactions[0].ssid', 'out of range 0..2^20-1'],
  // memory runs
  ['misaligned run', image((i) => { i.memory = [{ addr: '0x80000004', u64: [0] }]; }), '$.memory[0].addr', 'not 8-byte aligned'],
  ['misaligned run with bad words too', image((i) => { i.memory = [{ addr: 1, u64: [] }]; }), '$.memory[0].addr', 'not 8-byte aligned (got 0x1)'],
  ['empty run', image((i) => { i.memory = [{ addr: 0, u64: [] }]; }), '$.memory[0].u64', 'empty run'],
  ['run wrapping past 2^64', image((i) => { i.memory = [{ addr: '0xfffffffffffffff8', u64: [0, 0] }]; }), '$.memory[0]', 'past the top of the 64-bit address space'],
  ['overlapping runs', image((i) => { i.memory = [{ addr: '0x80000000', u64: Array(512).fill(0) }, { addr: '0x80000800', u64: [1] }]; }),
    '$.memory[1]', 'overlaps $.memory[0] (0x80000000..0x80000fff)'],
  ['identical runs', image((i) => { i.memory = [{ addr: 0, u64: [1] }, { addr: 0, u64: [1] }]; }), '$.memory[1]', 'run 0x0..0x7 overlaps $.memory[0] (0x0..0x7)'],
  ['a run covering an earlier one', image((i) => {
    i.memory = [{ addr: '0x100', u64: [0] }, { addr: '0x0', u64: [0] }, { addr: '0x200', u64: [0] }, { addr: '0xf8', u64: [0, 0, 0] }];
  }), '$.memory[3]', 'overlaps $.memory[0] (0x100..0x107)'],
  ['a run reaching into the next', image((i) => { i.memory = [{ addr: '0x1008', u64: [0] }, { addr: '0x1000', u64: [0, 0] }]; }), '$.memory[1]', 'overlaps $.memory[0] (0x1008..0x100f)'],
];

describe('malformed images', () => {
  it.each(malformed)('%s', (_what, text, path, why) => {
    const e = errorOf(text);
    expect(e.path).toBe(path);
    expect(e.why).toContain(why);
    expect(e.message).toBe(`${path}: ${e.why}`);
  });

  it('says "missing" and nothing else for an absent field', () => {
    expect(errorOf(image((i) => { delete i.smmu.oas; })).why).toBe('missing');
  });
});

describe('the first error in document order', () => {
  it('reports the earlier field, whatever order the schema lists them in', () => {
    const text = '{"transactions":[{"sid":-1,"iova":0,"access":"read"}],"format":"x","memory":[],"smmu":{"oas":52}}';
    expect(errorOf(text).path).toBe('$.transactions[0].sid');
  });

  it('reports the lowest index in an array and the earliest key in an object', () => {
    const e = errorOf(image((i) => { i.memory = [{ u64: [0, 'x', 'y'], addr: 3 }]; }));
    expect([e.path, e.why]).toEqual(['$.memory[0].u64[1]', 'expected a hex string like "0x1000" or an integer below 2^53 (got "x")']);
  });

  it('puts a missing field where its object closes, after the fields present', () => {
    expect(errorOf('{"format":"iommu-lab/machine-image@1","memory":[],"transactions":[],"extra":1}').path).toBe('$.extra');
    expect(errorOf('{"format":"iommu-lab/machine-image@1","transactions":[]}').path).toBe('$.memory');
  });

  it('orders an overlap among the other errors by where its run sits', () => {
    const runs = [{ addr: 0, u64: [0] }, { addr: 0, u64: [0] }, { addr: 16, u64: ['bad'] }];
    expect(errorOf(image((i) => { i.memory = runs; })).path).toBe('$.memory[1]');
    const later = [{ addr: 16, u64: ['bad'] }, { addr: 0, u64: [0] }, { addr: 0, u64: [0] }];
    expect(errorOf(image((i) => { i.memory = later; })).path).toBe('$.memory[0].u64[0]');
  });

  it('checks 2lvl split rules in place: before a later oas error, after an earlier one', () => {
    expect(errorOf(image((i) => { i.smmu = { strtab_fmt: '2lvl', strtab_split: 7, oas: 52, strtab_base: 0, strtab_log2size: 8 }; })).path).toBe('$.smmu.strtab_split');
    expect(errorOf(image((i) => { i.smmu = { oas: 52, strtab_fmt: '2lvl', strtab_split: 7, strtab_base: 0, strtab_log2size: 8 }; })).path).toBe('$.smmu.oas');
  });

  it('finds the first overlap among many runs quickly', () => {
    const runs = Array.from({ length: 20000 }, (_, k) => ({ addr: `0x${(k * 64).toString(16)}`, u64: [k] }));
    runs.push({ addr: '0x7f8', u64: [0, 0] });
    const e = errorOf(image((i) => { i.memory = runs; }));
    expect([e.path, e.why]).toEqual(['$.memory[20000]', 'run 0x7f8..0x807 overlaps $.memory[32] (0x800..0x807)']);
  });
});

describe('formatPath', () => {
  it('writes dotted keys, indices and quoted odd keys', () => {
    expect(formatPath([])).toBe('$');
    expect(formatPath(['memory', 3, 'u64', 1])).toBe('$.memory[3].u64[1]');
    expect(formatPath(['a-b', 0])).toBe('$["a-b"][0]');
  });
});
