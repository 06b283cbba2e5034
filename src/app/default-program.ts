// The program a fresh editor holds: DESIGN.md's, as it runs on the real builtins (src/lang/corpus.ts).
// links/measure.ts sizes links with it.
export { DESIGN_PROGRAM as DEFAULT_PROGRAM } from '../lang/corpus';
