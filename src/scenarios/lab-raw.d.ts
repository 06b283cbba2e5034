// Lesson programs are imported as text with Vite's `?raw` suffix (src/scenarios/index.ts). Vite's
// client types already declare `*?raw`; this names the .lab case so the type is explicit wherever
// the file is read (tsc, vitest, vite build).
declare module '*.lab?raw' {
  const source: string;
  export default source;
}
