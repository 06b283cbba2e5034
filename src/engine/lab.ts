// A lab session: a lab program parsed, checked against the builtins registry and run on a
// LabMachine. The worker, the CLI, the lessons' tests and the bench all open sessions here.

import { BUILTINS, isHostSide } from '../lang/builtins';
import { check } from '../lang/checker';
import type { Program } from '../lang/ast';
import type { Diagnostic } from '../lang/diagnostics';
import type { Builtin } from '../lang/registry-types';
import { parse } from '../lang/parser';
import { LabMachine, type LabSnapshot } from '../model/lab/machine';
import { Session, type MachineAdapter, type SessionOptions } from './session';

export const labAdapter: MachineAdapter<LabMachine, LabSnapshot> = {
  create: () => new LabMachine(),
  snapshot: (m) => m.snapshot(),                 // pages are shared copy-on-write (PhysMem)
  restore: (s) => LabMachine.fromSnapshot(s),
  trace: (m) => m.trace,
  digest: (m) => m.digest(),
  canSnapshot: (m) => m.canSnapshot(),             // false once the program's VFIO host exists
};

export type LabSession = Session<LabMachine, LabSnapshot>;

export interface OpenedLab {
  /** Syntax and checker diagnostics, in source order. */
  diagnostics: Diagnostic[];
  /** Null when any diagnostic is an error: a program with errors does not run. */
  session: LabSession | null;
}

/** A program parsed and checked, not yet opened. */
export interface CheckedLab {
  source: string;
  program: Program;
  /** Syntax and checker diagnostics, in source order. */
  diagnostics: Diagnostic[];
  /** False when any diagnostic is an error. */
  ok: boolean;
  /** Whether the program calls a host-side builtin anywhere (lang/builtins isHostSide), so the host
   *  side must be loaded before it runs (lang/builtins/host-runtime.ts). */
  hostSide: boolean;
}

/** Parse and check. */
export function checkLab(source: string): CheckedLab {
  const parsed = parse(source);
  const checked = check(parsed.program, BUILTINS as unknown as readonly Builtin[]);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics].sort((a, b) => a.span.start - b.span.start);
  const ok = !diagnostics.some((d) => d.severity === 'error');
  let hostSide = false;
  for (const t of checked.info.calls.values()) {
    if (t.kind === 'builtin' && isHostSide(t.builtin as Builtin<LabMachine>)) hostSide = true;
  }
  return { source, program: parsed.program, diagnostics, ok, hostSide };
}

/** Open a session on a fresh machine for a checked program without errors (else session null). */
export function openChecked(c: CheckedLab, opts: SessionOptions = {}): OpenedLab {
  return { diagnostics: c.diagnostics, session: c.ok ? new Session(c.source, c.program, BUILTINS, labAdapter, opts) : null };
}

/** Parse, check and (if there is no error) open a session on a fresh machine. */
export function openLab(source: string, opts: SessionOptions = {}): OpenedLab {
  return openChecked(checkLab(source), opts);
}
