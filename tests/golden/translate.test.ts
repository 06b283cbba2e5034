// Golden machine images: `iommu-lab translate` output checked against expectations derived by
// hand from the SMMUv3 and Arm ARM rules (see README.md in this folder for each derivation).
//
// For every images/NAME.json there must be an images/NAME.expected.ndjson. The image is run
// through runTranslateFile() and its stdout (NDJSON, one line per transaction) is compared with
// the expected file line by line:
//   - same number of lines, exit code 0;
//   - every field an expected object has must be present and equal in the actual object
//     (objects are compared field by field, recursively, so the actual output may carry EXTRA
//     fields, which the machine-image format allows: attributes, TLB hit/miss, raw event words);
//   - `accesses` arrays must match exactly in length and order, each element on what/level/addr
//     (`level` absent in one must be absent in the other);
//   - other arrays must match exactly in length, element by element with the same rule;
//   - `ssid` is not an optional extra: the format prints it only when the transaction had one,
//     so an expected line without `ssid` requires the actual line to have none.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTranslateFile } from '../../src/cli/translate';
import { firstDifference, ssidRule, type Json } from './compare';

const IMAGES = join(dirname(fileURLToPath(import.meta.url)), 'images');
const names = readdirSync(IMAGES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

function parseLines(text: string, what: string): Json[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as Json;
      } catch (e) {
        throw new Error(`${what} line ${i + 1} is not JSON: ${l}`);
      }
    });
}

describe('golden machine images (iommu-lab translate)', () => {
  it('has images', () => {
    expect(names.length).toBeGreaterThan(0);
  });

  for (const name of names) {
    it(name, async () => {
      const imagePath = join(IMAGES, `${name}.json`);
      const expectedPath = join(IMAGES, `${name}.expected.ndjson`);
      if (!existsSync(expectedPath)) throw new Error(`images/${name}.expected.ndjson is missing`);
      const expected = parseLines(readFileSync(expectedPath, 'utf8'), `${name}.expected.ndjson`);

      const { code, stdout, stderr } = await runTranslateFile(imagePath);
      const context = stderr ? `\nstderr: ${stderr}` : '';
      if (code !== 0) throw new Error(`${name}: exit code ${code}, expected 0${context}`);
      const actual = parseLines(stdout, 'stdout');

      const n = Math.min(expected.length, actual.length);
      for (let i = 0; i < n; i++) {
        const d = firstDifference(expected[i], actual[i], '$') ?? ssidRule(expected[i], actual[i]);
        if (d) {
          throw new Error(
            `${name}: transaction ${i}: ${d}\n  expected: ${JSON.stringify(expected[i])}\n` +
              `  actual:   ${JSON.stringify(actual[i])}${context}`,
          );
        }
      }
      if (actual.length !== expected.length) {
        throw new Error(
          `${name}: expected ${expected.length} output lines, got ${actual.length}` +
            (actual.length > n ? `; first extra line: ${JSON.stringify(actual[n])}` : '') + context,
        );
      }
    });
  }
});
