// `iommu-lab translate IMAGE.json`: run a machine image's transactions through the SMMUv3 model
// and print one JSON object per transaction (NDJSON). See shared/formats/machine-image.md.
//
// Exit 0 with the results on stdout; exit 2 with `error: <JSON path>: <why>` on stderr and
// nothing on stdout when the image cannot be read or is malformed; exit 1 if the engine itself
// fails (a bug, never the image's fault). No stack traces unless IOMMU_LAB_DEBUG is set.

import { readError } from './read-error';
import { readFileSync } from 'node:fs';
import { ImageError, parseMachineImage } from '../model/image/parse';
import { runImage } from '../model/image/run';
import { type CliResult, fail, internal } from './result';

export type { CliResult } from './result';

export const TRANSLATE_USAGE = `Usage: iommu-lab translate IMAGE.json

Runs every transaction of a machine image (iommu-lab/machine-image@1) through the SMMUv3 model
and prints one JSON object per transaction, in order. IMAGE.json may be "-" for stdin.
A malformed image prints "error: <JSON path>: <why>" on stderr and exits 2.
`;

/** Read, validate and run the image at `path` ("-": stdin). Never throws. */
export function runTranslateFile(path: string): CliResult {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    return fail(2, `error: $: cannot read ${path}: ${readError(e)}`);
  }
  return runTranslateText(text);
}

/** The same for an image already in memory. */
export function runTranslateText(text: string): CliResult {
  let image;
  try {
    image = parseMachineImage(text);
  } catch (e) {
    if (e instanceof ImageError) return fail(2, `error: ${e.message}`);
    return internal(e);
  }
  try {
    const stdout = runImage(image).map((result: Record<string, unknown>) => `${JSON.stringify(result)}\n`).join('');
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    return internal(e);
  }
}
