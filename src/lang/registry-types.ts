// The shape of a builtin: one registry (src/lang/builtins/) feeds the interpreter, the checker,
// the editor's completion, hover and signature help, and docs/language.md (as Excalidraw's
// actions feed its menus). A builtin is data plus one `run` function over the lab machine.

import type { HandleType, Value } from './values';

export type Actor = 'guest' | 'host' | 'dev' | 'smmu' | 'mem' | 'vfio' | 'process' | 'sysfs' | 'iommufd' | 'edu';

export type ArgType =
  /** An integer; `min`/`max` inclusive; `align`: must be a multiple of it. */
  | { readonly t: 'int'; readonly min?: bigint; readonly max?: bigint; readonly align?: bigint }
  | { readonly t: 'str' }
  | { readonly t: 'bool' }
  /** One of a closed set of bare words (`read`, `write`; `rw`, `r`...). */
  | { readonly t: 'word'; readonly words: readonly string[] }
  | { readonly t: 'handle'; readonly handle: HandleType };

export interface ArgSpec {
  readonly name: string;
  readonly type: ArgType;
  /** Absent: the argument is required. */
  readonly default?: Value;
  readonly doc: string;
}

/** What a builtin returns, for hover and the docs: a type name and its fields. */
export interface ReturnSpec {
  readonly type: string;
  readonly doc: string;
  /** Record fields (dotted for nested records: `walk.reads`) and what each holds. */
  readonly fields?: Readonly<Record<string, string>>;
}

/** Context a builtin's `run` gets from the interpreter. */
export interface CallContext {
  /** Throw this to stop the program at the call with a message (a runtime error). */
  fail(message: string): never;
}

export interface Builtin<M = unknown> {
  /** Dotted name as written in programs: `guest.s1.map`. */
  readonly name: string;
  readonly actor: Actor;
  readonly args: readonly ArgSpec[];
  readonly returns: ReturnSpec;
  /** One paragraph: what it does, in the kernel's and the Arm ARM's words. */
  readonly doc: string;
  /** A line of lab program using it. */
  readonly example: string;
  /** Whether a call can make the SMMU walk (the session then exposes each read as a sub-step). */
  readonly walks?: boolean;
  /** Run against the machine with arguments already checked and defaulted, by name. */
  run(machine: M, args: Readonly<Record<string, Value>>, ctx: CallContext): Value;
}
