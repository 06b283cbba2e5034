// `npm run docs`: rewrite docs/language.md's "Builtins" section (between <!-- builtins:begin -->
// and <!-- builtins:end -->) from the registry. Prints whether the page changed.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderBuiltinsDoc, spliceBuiltinsDoc } from './docs';
import { BUILTINS } from './index';

const page = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/language.md');
const before = readFileSync(page, 'utf8');
const after = spliceBuiltinsDoc(before, renderBuiltinsDoc(BUILTINS));
if (after === before) {
  process.stdout.write('docs/language.md: the Builtins section is up to date\n');
} else {
  writeFileSync(page, after);
  process.stdout.write(`docs/language.md: the Builtins section rewritten from ${BUILTINS.length} builtins\n`);
}
