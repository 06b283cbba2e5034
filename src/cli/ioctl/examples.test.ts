import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runIoctlFile } from './run';

// tests/ioctl/*.json: each example with a NAME.expected.ndjson beside it must print exactly that
// (derived by hand: tests/ioctl/README.md says from which rule each line comes).

const dir = fileURLToPath(new URL('../../../tests/ioctl/', import.meta.url));
const examples = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('tests/ioctl examples', () => {
  it('there are examples, and every one has its expected output', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
    const without = examples.filter((f) => !existsSync(`${dir}${f.replace(/\.json$/, '.expected.ndjson')}`));
    expect(without).toEqual([]);
  });

  it.each(examples.filter((f) => existsSync(`${dir}${f.replace(/\.json$/, '.expected.ndjson')}`)))('%s prints its expected lines', (f) => {
    const r = runIoctlFile(`${dir}${f}`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(`${dir}${f.replace(/\.json$/, '.expected.ndjson')}`, 'utf8'));
  });
});
