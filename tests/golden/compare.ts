// Comparison rule of the golden harness (translate.test.ts): an expected output line against the
// line the engine printed. Kept apart from the harness so that it can be tested on its own.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: unknown): v is { [k: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? 'undefined (absent)' : JSON.stringify(v));

/** The first place where `actual` does not honour `expected`, as "path: expected X, got Y". */
export function firstDifference(expected: unknown, actual: unknown, path: string): string | null {
  if (isObject(expected)) {
    if (!isObject(actual)) return `${path}: expected an object ${show(expected)}, got ${show(actual)}`;
    for (const key of Object.keys(expected)) {
      const sub = `${path}.${key}`;
      if (!(key in actual)) return `${sub}: missing (expected ${show(expected[key])})`;
      const d = key === 'accesses'
        ? compareAccesses(expected[key], actual[key], sub)
        : firstDifference(expected[key], actual[key], sub);
      if (d) return d;
    }
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${show(actual)}`;
    if (actual.length !== expected.length) {
      return `${path}: expected ${expected.length} elements, got ${actual.length}: ${show(actual)}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(expected, actual) ? null : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

/** `accesses`: same length and order; each element compared on what, level and addr only. */
function compareAccesses(expected: unknown, actual: unknown, path: string): string | null {
  if (!Array.isArray(expected)) return firstDifference(expected, actual, path);
  if (!Array.isArray(actual)) return `${path}: expected an array, got ${show(actual)}`;
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i], a = actual[i] as unknown;
    if (!isObject(e) || !isObject(a)) return `${path}[${i}]: expected ${show(e)}, got ${show(a)}`;
    for (const k of ['what', 'level', 'addr'] as const) {
      if (!Object.is(e[k], a[k])) {
        return `${path}[${i}].${k}: expected ${show(e[k])}, got ${show(a[k])} ` +
          `(expected access ${show(e)}, actual ${show(a)})`;
      }
    }
  }
  if (actual.length !== expected.length) {
    const extra = actual.length > expected.length
      ? `first extra actual access ${show(actual[n])}`
      : `first missing expected access ${show(expected[n])}`;
    return `${path}: expected ${expected.length} accesses, got ${actual.length}; ${extra}`;
  }
  return null;
}

/** `ssid` appears only when the transaction had a SubstreamID: absent expected means absent. */
export function ssidRule(expected: unknown, actual: unknown): string | null {
  if (isObject(expected) && !('ssid' in expected) && isObject(actual) && 'ssid' in actual) {
    return `$.ssid: expected absent (the transaction has no SubstreamID), got ${show(actual.ssid)}`;
  }
  return null;
}
