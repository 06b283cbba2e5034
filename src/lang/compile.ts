// Lowers a checked program to flat code with jumps, so that the interpreter's whole state is
// plain data (a program counter and environments per frame) that a session can snapshot and
// restore. Each statement becomes one "step" instruction; jumps and loop increments are
// silent. Procs compile to code of their own.

import type { Block, Expr, ForStmt, IfStmt, Name, Program, Span, Stmt } from './ast';

export type Instr =
  | { op: 'let'; name: string; expr: Expr; stmt: Stmt; head: Span }
  | { op: 'assign'; name: string; expr: Expr; stmt: Stmt; head: Span }
  | { op: 'expr'; expr: Expr; stmt: Stmt; head: Span }
  | { op: 'expect'; cond: Expr; message: Expr | null; stmt: Stmt; head: Span }
  /** `if`: evaluate cond, jump to `target` when false. A step. */
  | { op: 'if'; cond: Expr; target: number; stmt: Stmt; head: Span }
  /** Silent. */
  | { op: 'jump'; target: number }
  /** `for`: evaluate the range into `slot`, bind the variable, or jump to `exit`. A step. */
  | { op: 'forInit'; variable: string; from: Expr; to: Expr; by: Expr | null; slot: string; exit: number; stmt: Stmt; head: Span }
  /** The loop header again: advance the loop in `slot` and jump back to `body`, or fall
   *  through. A step, so that every iteration shows and no loop can spin unseen. */
  | { op: 'forNext'; variable: string; slot: string; body: number; stmt: Stmt; head: Span }
  | { op: 'return'; expr: Expr | null; stmt: Stmt; head: Span };

export interface Code {
  readonly name: string | null;
  readonly params: readonly string[];
  readonly instrs: readonly Instr[];
}

export interface Compiled {
  readonly main: Code;
  readonly procs: ReadonlyMap<string, Code>;
}

/** Whether an instruction is a step (a statement the user sees execute): all but jumps. */
export function isStep(i: Instr): i is Exclude<Instr, { op: 'jump' }> {
  return i.op !== 'jump';
}

export function compile(program: Program): Compiled {
  const procs = new Map<string, Code>();
  let loops = 0;

  function block(b: Block | Stmt[], out: Instr[]): void {
    for (const s of Array.isArray(b) ? b : b.body) stmt(s, out);
  }

  function stmt(s: Stmt, out: Instr[]): void {
    switch (s.kind) {
      case 'Let':
        out.push({ op: 'let', name: s.name.text, expr: s.value, stmt: s, head: s.span });
        return;
      case 'Assign':
        out.push({ op: 'assign', name: s.target.text, expr: s.value, stmt: s, head: s.span });
        return;
      case 'ExprStmt':
        out.push({ op: 'expr', expr: s.expr, stmt: s, head: s.span });
        return;
      case 'Expect':
        out.push({ op: 'expect', cond: s.cond, message: s.message, stmt: s, head: s.span });
        return;
      case 'Return':
        out.push({ op: 'return', expr: s.value, stmt: s, head: s.span });
        return;
      case 'If':
        ifStmt(s, out);
        return;
      case 'For':
        forStmt(s, out);
        return;
      case 'Proc':
        procs.set(s.name.text, { name: s.name.text, params: s.params.map((p: Name) => p.text), instrs: code(s.body) });
        return;
    }
  }

  function ifStmt(s: IfStmt, out: Instr[]): void {
    const test = { op: 'if' as const, cond: s.cond, target: -1, stmt: s as Stmt, head: { start: s.span.start, end: s.then.span.start } };
    out.push(test);
    block(s.then, out);
    if (s.else === null) {
      test.target = out.length;
      return;
    }
    const skip = { op: 'jump' as const, target: -1 };
    out.push(skip);
    test.target = out.length;
    if (s.else.kind === 'Block') block(s.else, out);
    else ifStmt(s.else, out);
    skip.target = out.length;
  }

  function forStmt(s: ForStmt, out: Instr[]): void {
    const slot = `#loop${loops++}`;
    const init = {
      op: 'forInit' as const, variable: s.variable.text, from: s.from, to: s.to, by: s.step, slot, exit: -1,
      stmt: s as Stmt, head: { start: s.span.start, end: s.body.span.start },
    };
    out.push(init);
    const body = out.length;
    block(s.body, out);
    out.push({ op: 'forNext', variable: s.variable.text, slot, body, stmt: s, head: init.head });
    init.exit = out.length;
  }

  function code(b: Block | Stmt[]): Instr[] {
    const out: Instr[] = [];
    block(b, out);
    return out;
  }

  const main: Code = { name: null, params: [], instrs: code(program.body) };
  return { main, procs };
}

/** A call of a user proc (rather than a builtin): `name(...)` with a declared proc's name. */
export function procCall(e: Expr, procs: ReadonlyMap<string, Code>): Extract<Expr, { kind: 'Call' }> | null {
  return e.kind === 'Call' && e.callee.kind === 'Ident' && procs.has(e.callee.name) ? e : null;
}
