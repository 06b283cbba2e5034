/// <reference types="vitest/config" />
// Build, dev server and unit tests (Vitest reads its `test` block from this file).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // A static site opened from any path (a link, GitHub Pages, a file share): relative asset URLs.
  base: './',
  // 127.0.0.1, not "localhost": Node may resolve localhost to ::1 only, and the e2e test
  // asserts that the page talks to 127.0.0.1 and nothing else.
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  build: {
    target: 'es2022',
    sourcemap: true,
  },
  // The lab worker is a module worker (new Worker(url, { type: 'module' })): bundle it as one.
  worker: { format: 'es' },
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    // The host side loaded up front, as in the CLI (the app's worker loads it on demand).
    setupFiles: ['src/lang/builtins/host-runtime-eager.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.reports/unit.json' },
  },
});
