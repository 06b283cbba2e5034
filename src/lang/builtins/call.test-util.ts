// Calling builtins directly, as the interpreter does: arguments by name, defaults filled, types
// checked with the interpreter's own rule, ctx.fail as a thrown LabFail.

import { argTypeError } from '../interp';
import type { LabMachine } from '../../model/lab/machine';
import { type Value, word } from '../values';
import { findBuiltin } from './index';

export class LabFail extends Error {}

export type Arg = Value | string | number;

/** A plain JS argument as a program value: numbers become bigint; a string stays a string
 *  unless the parameter takes words, then it is that word. */
function toValue(v: Arg, isWord: boolean): Value {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string' && isWord) return word(v);
  return v;
}

export function call(m: LabMachine, name: string, args: Record<string, Arg> = {}): Value {
  const b = findBuiltin(name);
  if (b === undefined) throw new Error(`no builtin ${name}`);
  const out: Record<string, Value> = {};
  for (const k of Object.keys(args)) if (!b.args.some((a) => a.name === k)) throw new Error(`${name} has no argument ${k}`);
  for (const spec of b.args) {
    if (spec.name in args) {
      const v = toValue(args[spec.name], spec.type.t === 'word');
      const why = argTypeError(spec.type, v);
      if (why !== null) throw new Error(`${name}: ${spec.name}: ${why}`);
      out[spec.name] = v;
    } else if (spec.default !== undefined) {
      out[spec.name] = spec.default;
    } else {
      throw new Error(`${name} needs ${spec.name}`);
    }
  }
  return b.run(m, out, { fail: (message) => { throw new LabFail(message); } });
}

/** The message a failing call stops the program with. */
export function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof LabFail) return e.message;
    throw e;
  }
  throw new Error('expected the call to fail');
}

/** A record's field, by dotted path. */
export function field(v: Value, path: string): Value {
  let cur: Value = v;
  for (const k of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || cur.kind !== 'record' || !(k in cur.fields)) throw new Error(`no field ${path}`);
    cur = cur.fields[k];
  }
  return cur;
}
