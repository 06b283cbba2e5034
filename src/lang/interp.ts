// The interpreter: runs compiled lab programs one step (one statement) at a time against a
// machine, calling builtins from the registry. Its whole state is plain data (InterpState),
// so a session can snapshot it beside the machine and replay deterministically.
//
// Semantics (docs/language.md, "Running"): integers are unsigned 64-bit and wrap as C's
// uint64_t; `/` and `%` by zero, shifts by 64 or more, and type mismatches are runtime errors
// that stop the program at their statement. A failed `expect` is reported and the program
// goes on, so one run shows every failing check.

import type { Arg, AssignStmt, Call, Expr, Span } from './ast';
import { dottedName, printExpr } from './ast';
import { compile, isStep, procCall, type Code, type Compiled, type Instr } from './compile';
import type { ArgSpec, ArgType, Builtin } from './registry-types';
import { equal, isHandle, isRecord, isWord, show, typeName, word, type Value } from './values';
import type { Program } from './ast';

const U64 = (1n << 64n) - 1n;
/** Proc frames one program may have at once (stepped into or run inside an expression). */
const MAX_DEPTH = 200;

/** Whether `name` is a variable of `env`. Own properties only: an environment is a plain
 *  object, and `constructor` or `toString` must not resolve to Object.prototype's. */
function hasVar(env: Record<string, Value>, name: string): boolean {
  return Object.hasOwn(env, name);
}

/** Bind `name` in `env`; `__proto__` as an ordinary variable, not the object's prototype. */
function setVar(env: Record<string, Value>, name: string, v: Value): void {
  if (name === '__proto__') Object.defineProperty(env, name, { value: v, writable: true, enumerable: true, configurable: true });
  else env[name] = v;
}

export interface Frame {
  /** null for the program's top level. */
  proc: string | null;
  pc: number;
  env: Record<string, Value>;
  /** Where the caller wants the result: a variable name, or null to drop it. */
  assignTo: string | null;
}

export interface InterpState {
  frames: Frame[];
  done: boolean;
}

export interface RuntimeError {
  message: string;
  span: Span;
}

/** What one step did. */
export interface StepOutcome {
  /** The statement's span, and the part to highlight (an `if`'s or `for`'s header). */
  span: Span;
  head: Span;
  kind: Instr['op'];
  /** The value a `let`, assignment or expression statement produced. */
  value?: Value;
  /** A builtin this step called that can make the SMMU walk. */
  walked: boolean;
  expect?: { ok: boolean; message: string };
  error?: RuntimeError;
}

/** Thrown inside evaluation; caught at the step boundary. */
export class LabRuntimeError extends Error {
  constructor(message: string, readonly span: Span) {
    super(message);
  }
}

export interface InterpOptions {
  /** Instructions a single step may execute inside procs called from expressions. */
  nestedBudget?: number;
}

export class Interpreter<M> {
  readonly compiled: Compiled;
  state: InterpState;
  private readonly builtins: ReadonlyMap<string, Builtin<M>>;
  private walkedThisStep = false;
  private nestedLeft = 0;
  /** The outermost proc call of this step running inside an expression (for budget errors). */
  private atomicOuter: Call | null = null;
  /** Failed expects inside procs run inside an expression during this step. */
  private nestedExpects: string[] = [];
  private readonly nestedBudget: number;

  constructor(program: Program | Compiled, registry: readonly Builtin<M>[], public machine: M, opts: InterpOptions = {}) {
    this.compiled = 'main' in program ? program : compile(program);
    this.builtins = new Map(registry.map((b) => [b.name, b]));
    this.state = { frames: [{ proc: null, pc: 0, env: {}, assignTo: null }], done: false };
    this.nestedBudget = opts.nestedBudget ?? 1_000_000;
  }

  private code(f: Frame): Code {
    return f.proc === null ? this.compiled.main : (this.compiled.procs.get(f.proc) as Code);
  }

  /** The statement the next step will execute, after any silent jumps; null when done. */
  peek(): Instr | null {
    this.settle();
    if (this.state.done) return null;
    const f = this.top();
    return this.code(f).instrs[f.pc];
  }

  private top(): Frame {
    return this.state.frames[this.state.frames.length - 1];
  }

  /** Run silent instructions and implicit returns until a step instruction is next. */
  private settle(): void {
    const st = this.state;
    while (!st.done) {
      const f = this.top();
      const code = this.code(f);
      if (f.pc >= code.instrs.length) {
        if (st.frames.length === 1) { st.done = true; return; }
        this.popFrame(null);
        continue;
      }
      const i = code.instrs[f.pc];
      if (isStep(i)) return;
      this.silent(i, f);
    }
  }

  private silent(i: Instr, f: Frame): void {
    if (i.op === 'jump') f.pc = i.target;
  }

  private popFrame(value: Value): void {
    const done = this.state.frames.pop() as Frame;
    const caller = this.top();
    if (done.assignTo !== null) setVar(caller.env, done.assignTo, value);
  }

  /** Execute one step. Returns null when the program has finished. */
  step(): StepOutcome | null {
    this.settle();
    if (this.state.done) return null;
    const f = this.top();
    const i = this.code(f).instrs[f.pc] as Exclude<Instr, { op: 'jump' }>;
    const out: StepOutcome = { span: i.stmt.span, head: i.head, kind: i.op, walked: false };
    this.walkedThisStep = false;
    this.nestedLeft = this.nestedBudget;
    this.atomicOuter = null;
    this.nestedExpects = [];
    try {
      this.exec(i, f, out);
    } catch (e) {
      out.error = e instanceof LabRuntimeError
        ? { message: e.message, span: e.span }
        : { message: `internal error: ${(e as Error).message}`, span: i.head };
      this.state.done = true;
    }
    out.walked = this.walkedThisStep;
    if (this.nestedExpects.length > 0) {
      // An expect inside a proc run within this step failed: report it on this step.
      const own = out.expect && !out.expect.ok ? [out.expect.message] : [];
      out.expect = { ok: false, message: [...this.nestedExpects, ...own].join('; ') };
    }
    return out;
  }

  private exec(i: Exclude<Instr, { op: 'jump' }>, f: Frame, out: StepOutcome): void {
    switch (i.op) {
      case 'let':
      case 'assign': {
        if (i.op === 'assign' && !hasVar(f.env, i.name)) {
          throw new LabRuntimeError(`unknown name '${i.name}' (make it with 'let ${i.name} = ...' first)`, (i.stmt as AssignStmt).target.span);
        }
        const pc = procCall(i.expr, this.compiled.procs);
        if (pc !== null) return this.enterProc(pc, f, i.name);
        const v = this.eval(i.expr, f);
        setVar(f.env, i.name, v);
        out.value = v;
        f.pc++;
        return;
      }
      case 'expr':
        { const pc = procCall(i.expr, this.compiled.procs); if (pc !== null) return this.enterProc(pc, f, null); }
        out.value = this.eval(i.expr, f);
        f.pc++;
        return;
      case 'expect': {
        // Each side of a comparison is evaluated once: the message shows the values compared
        // (evaluating again would repeat a builtin's effects and could show other values).
        const c = i.cond;
        let ok: boolean;
        let detail = '';
        if (c.kind === 'Binary' && c.op !== 'and' && c.op !== 'or') {
          const a = this.eval(c.left, f);
          const b = this.eval(c.right, f);
          ok = this.truth(this.binaryOn(c, a, b), c, 'expect');
          detail = ` (${printExpr(c.left)} is ${show(a)}, ${printExpr(c.right)} is ${show(b)})`;
        } else {
          ok = this.truth(this.eval(c, f), c, 'expect');
        }
        out.expect = { ok, message: ok ? `ok: ${printExpr(c)}` : this.expectMessage(c, detail, i.message, f) };
        f.pc++;
        return;
      }
      case 'if':
        f.pc = this.truth(this.eval(i.cond, f), i.cond, 'if') ? f.pc + 1 : i.target;
        return;
      case 'forInit': {
        const from = this.int(this.eval(i.from, f), i.from, 'the start of a range');
        const to = this.int(this.eval(i.to, f), i.to, 'the end of a range');
        const by = i.by === null ? 1n : this.int(this.eval(i.by, f), i.by, 'a step');
        if (by === 0n) throw new LabRuntimeError('a loop step of 0 would never end', (i.by as Expr).span);
        if (from < to) {
          f.env[i.slot] = { kind: 'record', type: 'loop', fields: { next: from, to, by } };
          setVar(f.env, i.variable, from);
          f.pc++;
        } else {
          f.pc = i.exit;
        }
        return;
      }
      case 'forNext': {
        const loop = f.env[i.slot] as { kind: 'record'; type: string; fields: { next: bigint; to: bigint; by: bigint } };
        const next = loop.fields.next + loop.fields.by;
        if (next < loop.fields.to && next <= U64) {
          f.env[i.slot] = { kind: 'record', type: 'loop', fields: { ...loop.fields, next } };
          setVar(f.env, i.variable, next);
          out.value = next;
          f.pc = i.body;
        } else {
          f.pc++;
        }
        return;
      }
      case 'return': {
        const v = i.expr === null ? null : this.eval(i.expr, f);
        out.value = v;
        this.popFrame(v);
        return;
      }
    }
  }

  /** A proc called on its own line or as `let x = f(...)`: a new frame, stepped into. */
  private enterProc(call: Call, f: Frame, assignTo: string | null): void {
    const name = (call.callee as { name: string }).name;
    const code = this.compiled.procs.get(name) as Code;
    if (this.state.frames.length > MAX_DEPTH) throw this.tooDeep(name, call);
    const env = this.procEnv(code, call, f);
    f.pc++;
    this.state.frames.push({ proc: name, pc: 0, env, assignTo });
  }

  private procEnv(code: Code, call: Call, f: Frame): Record<string, Value> {
    if (call.args.length !== code.params.length || call.args.some((a) => a.name !== null)) {
      throw new LabRuntimeError(`${code.name} takes ${code.params.length} argument(s) by position: (${code.params.join(', ')})`, call.span);
    }
    const env: Record<string, Value> = {};
    code.params.forEach((p, k) => { setVar(env, p, this.eval(call.args[k].value, f)); });
    return env;
  }

  private tooDeep(name: string, call: Call): LabRuntimeError {
    return new LabRuntimeError(`procs call each other too deeply (more than ${MAX_DEPTH} levels): does ${name} call itself without end?`, call.span);
  }

  /** A proc called inside an expression runs to completion within the current step. */
  private callProcAtomic(call: Call, f: Frame): Value {
    const name = (call.callee as { name: string }).name;
    const code = this.compiled.procs.get(name) as Code;
    const st = this.state;
    const depth = st.frames.length;
    if (depth > MAX_DEPTH) throw this.tooDeep(name, call);
    st.frames.push({ proc: name, pc: 0, env: this.procEnv(code, call, f), assignTo: '#result' });
    const holder = f.env;
    const outermost = this.atomicOuter === null;
    if (outermost) this.atomicOuter = call;
    try {
      while (st.frames.length > depth) {
        const fr = this.top();
        const c = this.code(fr);
        if (fr.pc >= c.instrs.length) { this.popFrame(null); continue; }
        const i = c.instrs[fr.pc];
        if (!isStep(i)) { this.silent(i, fr); continue; }
        // The budget counts statements (steps) of every proc run inside this step's
        // expressions; the error names the outermost call, the one on the step's line.
        if (--this.nestedLeft < 0) {
          const o = this.atomicOuter as Call;
          const on = (o.callee as { name: string }).name;
          throw new LabRuntimeError(
            `the call to ${on} ran for more than ${this.nestedBudget} statements within one step (an endless loop?); ` +
            `a proc called inside an expression runs to its end at once: call it on its own line or as 'let x = ${on}(...)' to step through it`,
            o.span);
        }
        const sub: StepOutcome = { span: call.span, head: call.span, kind: i.op, walked: false };
        this.exec(i, fr, sub);
        if (sub.expect && !sub.expect.ok) this.nestedExpects.push(`${sub.expect.message} (in ${fr.proc})`);
      }
    } catch (e) {
      st.frames.length = depth;   // unwind this call's frames
      throw e;
    } finally {
      if (outermost) this.atomicOuter = null;
    }
    const v = holder['#result'] ?? null;
    delete holder['#result'];
    return v;
  }

  // ---- expressions --------------------------------------------------------------------------

  eval(e: Expr, f: Frame): Value {
    switch (e.kind) {
      case 'Int': return e.value;
      case 'Str': return e.value;
      case 'Bool': return e.value;
      case 'Paren': return this.eval(e.expr, f);
      case 'Missing': throw new LabRuntimeError('this expression is missing', e.span);
      case 'Ident': {
        if (hasVar(f.env, e.name)) return f.env[e.name];
        throw new LabRuntimeError(`unknown name '${e.name}'`, e.span);
      }
      case 'Member': {
        const obj = this.eval(e.object, f);
        if (!isRecord(obj)) throw new LabRuntimeError(`${printExpr(e.object)} is ${typeName(obj)}, which has no fields`, e.span);
        if (!Object.hasOwn(obj.fields, e.name.text)) {
          throw new LabRuntimeError(`${printExpr(e.object)} (${typeName(obj)}) has no field '${e.name.text}'; it has ${Object.keys(obj.fields).join(', ')}`, e.name.span);
        }
        return obj.fields[e.name.text];
      }
      case 'Call': return this.call(e, f);
      case 'Unary': {
        const v = this.eval(e.operand, f);
        if (e.op === 'not') return !this.truth(v, e.operand, 'not');
        const n = this.int(v, e.operand, `the operand of '${e.op}'`);
        return e.op === '-' ? (-n) & U64 : ~n & U64;
      }
      case 'Binary': return this.binary(e, f);
    }
  }

  private binary(e: Extract<Expr, { kind: 'Binary' }>, f: Frame): Value {
    if (e.op === 'and' || e.op === 'or') {
      const l = this.truth(this.eval(e.left, f), e.left, e.op);
      if (e.op === 'and' ? !l : l) return l;
      return this.truth(this.eval(e.right, f), e.right, e.op);
    }
    return this.binaryOn(e, this.eval(e.left, f), this.eval(e.right, f));
  }

  /** A binary operator other than `and`/`or` applied to its evaluated operands. */
  private binaryOn(e: Extract<Expr, { kind: 'Binary' }>, a: Value, b: Value): Value {
    if (e.op === '==') return equal(a, b);
    if (e.op === '!=') return !equal(a, b);
    const x = this.int(a, e.left, `the left side of '${e.op}'`);
    const y = this.int(b, e.right, `the right side of '${e.op}'`);
    switch (e.op) {
      case '+': return (x + y) & U64;
      case '-': return (x - y) & U64;
      case '*': return (x * y) & U64;
      case '/':
      case '%':
        if (y === 0n) throw new LabRuntimeError(`division by zero (${printExpr(e.right)} is 0)`, e.opSpan);
        return e.op === '/' ? x / y : x % y;
      case '<<':
      case '>>':
        if (y >= 64n) throw new LabRuntimeError(`a shift by ${y} is 64 or more: the result would not fit`, e.opSpan);
        return e.op === '<<' ? (x << y) & U64 : x >> y;
      case '&': return x & y;
      case '|': return x | y;
      case '^': return x ^ y;
      case '<': return x < y;
      case '<=': return x <= y;
      case '>': return x > y;
      case '>=': return x >= y;
      case 'and':
      case 'or':
        throw new LabRuntimeError(`internal: '${e.op}' without short-circuit`, e.opSpan);
    }
  }

  private int(v: Value, at: Expr, what: string): bigint {
    if (typeof v !== 'bigint') throw new LabRuntimeError(`${what} must be a number, but ${printExpr(at)} is ${typeName(v)}`, at.span);
    return v;
  }

  private truth(v: Value, at: Expr, what: string): boolean {
    if (typeof v !== 'boolean') {
      const hint = typeof v === 'bigint' ? ` (write ${printExpr(at)} != 0)` : '';
      throw new LabRuntimeError(`${what} needs true or false, but ${printExpr(at)} is ${typeName(v)}${hint}`, at.span);
    }
    return v;
  }

  private expectMessage(cond: Expr, detail: string, message: Expr | null, f: Frame): string {
    let user = '';
    if (message !== null) {
      const m = this.eval(message, f);
      user = `: ${typeof m === 'string' ? m : show(m)}`;
    }
    return `expect failed: ${printExpr(cond)}${detail}${user}`;
  }

  // ---- calls --------------------------------------------------------------------------------

  private call(e: Call, f: Frame): Value {
    if (procCall(e, this.compiled.procs) !== null) return this.callProcAtomic(e, f);
    const name = dottedName(e.callee);
    const b = name === null ? undefined : this.builtins.get(name);
    if (b === undefined) throw new LabRuntimeError(`unknown builtin '${name ?? printExpr(e.callee)}'`, e.callee.span);
    const args = this.bindArgs(b, e.args, e, f);
    if (b.walks) this.walkedThisStep = true;
    const fail = (message: string): never => { throw new LabRuntimeError(message, e.span); };
    try {
      return b.run(this.machine, args, { fail });
    } catch (err) {
      if (err instanceof LabRuntimeError) throw err;
      throw new LabRuntimeError(`${b.name}: ${(err as Error).message}`, e.span);
    }
  }

  /** Match arguments to the builtin's parameters, fill defaults and check types. Every
   *  mismatch is found before any argument is evaluated; arguments are then evaluated in
   *  source order (left to right, as written). */
  private bindArgs(b: Builtin<M>, args: readonly Arg[], call: Call, f: Frame): Record<string, Value> {
    const given = new Map<string, Arg>();
    const bound: [ArgSpec, Arg][] = [];
    let pos = 0;
    for (const a of args) {
      const spec = a.name === null ? b.args[pos++] : b.args.find((s) => s.name === a.name?.text);
      if (spec === undefined) {
        const n = b.args.length;
        throw new LabRuntimeError(a.name === null
          ? `${b.name} takes ${n === 0 ? 'no arguments' : `at most ${n} argument${n === 1 ? '' : 's'}`}`
          : `${b.name} has no argument '${a.name.text}'`, a.span);
      }
      if (given.has(spec.name)) throw new LabRuntimeError(`${b.name}: the argument '${spec.name}' is given twice (by position and by name)`, a.span);
      given.set(spec.name, a);
      bound.push([spec, a]);
    }
    for (const spec of b.args) {
      if (!given.has(spec.name) && spec.default === undefined) throw new LabRuntimeError(`${b.name} needs the argument '${spec.name}'`, call.span);
    }
    const values = new Map<string, Value>();
    for (const [spec, a] of bound) values.set(spec.name, this.argValue(spec, a.value, f));
    const out: Record<string, Value> = {};
    for (const spec of b.args) setVar(out, spec.name, values.has(spec.name) ? values.get(spec.name) as Value : spec.default as Value);
    return out;
  }

  private argValue(spec: ArgSpec, e: Expr, f: Frame): Value {
    const t = spec.type;
    // A bare word is the word itself where the argument takes words (and no variable shadows it).
    if (t.t === 'word' && e.kind === 'Ident' && !hasVar(f.env, e.name)) return this.checkArg(spec, word(e.name), e);
    return this.checkArg(spec, this.eval(e, f), e);
  }

  private checkArg(spec: ArgSpec, v: Value, e: Expr): Value {
    const why = argTypeError(spec.type, v);
    if (why !== null) throw new LabRuntimeError(`${spec.name}: ${why}`, e.span);
    return v;
  }
}

/** Why `v` does not fit `t`, or null. Shared with the checker for constant arguments. */
export function argTypeError(t: ArgType, v: Value): string | null {
  switch (t.t) {
    case 'int':
      if (typeof v !== 'bigint') return `expected a number, got ${typeName(v)}`;
      if (t.min !== undefined && v < t.min) return `${show(v)} is below the smallest allowed value ${show(t.min)}`;
      if (t.max !== undefined && v > t.max) return `${show(v)} is above the largest allowed value ${show(t.max)}`;
      if (t.align !== undefined && v % t.align !== 0n) return `${show(v)} must be a multiple of ${show(t.align)}`;
      return null;
    case 'str':
      return typeof v === 'string' ? null : `expected a string, got ${typeName(v)}`;
    case 'bool':
      return typeof v === 'boolean' ? null : `expected true or false, got ${typeName(v)}`;
    case 'word':
      if (!isWord(v)) return `expected one of ${t.words.join(', ')}, got ${typeName(v)}`;
      return t.words.includes(v.word) ? null : `'${v.word}' is not one of ${t.words.join(', ')}`;
    case 'handle':
      return isHandle(v, t.handle) ? null : `expected a ${t.handle === 'pt' ? 'page table' : t.handle === 'cd' ? 'context descriptor' : t.handle}, got ${typeName(v)}`;
  }
}
