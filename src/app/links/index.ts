// Share links and autosave (docs/links.md). Pure modules, no React: the app shell calls
// encodeState/decodeState for the URL fragment and saveWork/loadWork for local storage.

export {
  CURRENT_VERSION, DEFAULT_VIEWS, VIEW_IDS, MAX_PROGRAM_CHARS, MAX_VIEWS, LESSON_ID_PATTERN,
  LinkStateSchema, validateState, canonical,
  type LinkState, type Position, type ViewId, type Validated,
} from './state';
export {
  encodeState, decodeState, LinkError, MAX_LINK_BYTES, MAX_PAYLOAD_BYTES, DEFAULT_COMPRESSOR,
  type DecodeResult, type EncodeOptions, type DecodeOptions,
} from './codec';
export { COMPRESSORS, type Compressor } from './compress';
export type { LessonSource } from './payload';
export {
  saveWork, loadWork, hasWork, keepWorkAside, WORK_KEY, CORRUPT_WORK_KEY, ASIDE_WORK_KEY,
  type WorkStorage, type Saved,
} from './autosave';
