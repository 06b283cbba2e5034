// Where in a JSON document a validation issue is, for the "error: <JSON path>: <why>" messages of
// machine images (formats/machine-image.md) and ioctl scripts (formats/ioctl-script.md): the path
// as `$.calls[3].arg`, the issue that comes first in the document, and a "did you mean" for a
// near-miss key.

export type Path = readonly PropertyKey[];
export interface Issue { path: Path; why: string }

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The path's position in the document: array indices and key order, for sorting issues. */
function position(root: unknown, path: Path): number[] {
  const pos: number[] = [];
  let node: unknown = root;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number') {
      pos.push(key);
      node = node[key];
    } else if (isObject(node)) {
      const keys = Object.keys(node);
      const i = keys.indexOf(String(key));
      pos.push(i < 0 ? keys.length : i);
      node = i < 0 ? undefined : node[String(key)];
    } else {
      pos.push(0);
      node = undefined;
    }
  }
  return pos;
}

function comparePositions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** The issue a reader meets first, reading the document top to bottom. */
export function firstInDocument(root: unknown, issues: Issue[]): Issue {
  let best = issues[0];
  let bestPos = position(root, best.path);
  for (const issue of issues.slice(1)) {
    const pos = position(root, issue.path);
    if (comparePositions(pos, bestPos) < 0) {
      best = issue;
      bestPos = pos;
    }
  }
  return best;
}

/** `$.memory[3].u64[1]`; keys that are not identifiers are quoted: `$["a b"]`. */
export function formatPath(path: Path): string {
  let s = '$';
  for (const key of path) {
    if (typeof key === 'number') s += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) s += `.${key}`;
    else s += `[${JSON.stringify(String(key))}]`;
  }
  return s;
}

/** ` (did you mean "memory"?)` for a near miss (case aside, at most 2 edits, or 4 in a long
 *  uapi name), else "". */
export function suggest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(k.toLowerCase(), key.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const close = best !== undefined && (bestDistance === 0 || (bestDistance <= 2 && key.length > 3) || (bestDistance <= 4 && key.length > 12));
  return close ? ` (did you mean ${JSON.stringify(best)}?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
