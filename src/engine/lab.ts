// A lab session: a lab program parsed, checked against the builtins registry and run on a
// LabMachine. The worker, the CLI, the lessons' tests and the bench all open sessions here.

import { BUILTINS } from '../lang/builtins';
import { check } from '../lang/checker';
import type { Diagnostic } from '../lang/diagnostics';
import type { Builtin } from '../lang/registry-types';
import { parse } from '../lang/parser';
import { LabMachine, type LabSnapshot } from '../model/lab/machine';
import { Session, type MachineAdapter, type SessionOptions } from './session';

/** Per machine, the page copies of its last snapshot: a page that has not changed since is shared
 *  with it instead of kept twice. Snapshot pages are never written (fromImage copies them), so
 *  sharing is safe; a session's snapshots then hold each version of a page once. */
const lastPages = new WeakMap<LabMachine, Map<number, Uint32Array>>();

function sharePages(m: LabMachine, s: LabSnapshot): LabSnapshot {
  const prev = lastPages.get(m);
  const now = new Map<number, Uint32Array>();
  for (const p of s.mem.pages) {
    const old = prev?.get(p.pa);
    if (old !== undefined && sameWords(old, p.words)) p.words = old;
    now.set(p.pa, p.words);
  }
  lastPages.set(m, now);
  return s;
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const labAdapter: MachineAdapter<LabMachine, LabSnapshot> = {
  create: () => new LabMachine(),
  snapshot: (m) => sharePages(m, m.snapshot()),
  restore: (s) => LabMachine.fromSnapshot(s),
  trace: (m) => m.trace,
  digest: (m) => m.digest(),
};

export type LabSession = Session<LabMachine, LabSnapshot>;

export interface OpenedLab {
  /** Syntax and checker diagnostics, in source order. */
  diagnostics: Diagnostic[];
  /** Null when any diagnostic is an error: a program with errors does not run. */
  session: LabSession | null;
}

/** Parse, check and (if there is no error) open a session on a fresh machine. */
export function openLab(source: string, opts: SessionOptions = {}): OpenedLab {
  const parsed = parse(source);
  const checked = check(parsed.program, BUILTINS as unknown as readonly Builtin[]);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics].sort((a, b) => a.span.start - b.span.start);
  const ok = !diagnostics.some((d) => d.severity === 'error');
  return { diagnostics, session: ok ? new Session(source, parsed.program, BUILTINS, labAdapter, opts) : null };
}
