#!/usr/bin/env node
// `npx iommu-lab ...`: load the TypeScript CLI through tsx (a dev dependency) and run it.
import { tsImport } from 'tsx/esm/api';

const { runMain } = await tsImport('../src/cli/main.ts', import.meta.url);
runMain(process.argv.slice(2));
