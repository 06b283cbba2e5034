// The registry as plain data for the editor's completion, hover and signature help: names,
// actors, arguments, results, docs and examples, with every type and default already written
// as text (the words docs.ts uses), and no `run`. The worker sends it to the app once
// (LabWorkerApi.builtinsMeta), so the app's main thread never loads the registry or the model.

import type { Actor, ArgSpec, Builtin } from '../registry-types';
import { formatType, formatValue, returnType, signature } from './docs';

export interface BuiltinArgMeta {
  name: string;
  /** The argument's type in words, as docs/language.md writes it ("number, 0..0xffff", "one of `read`, `write`"). */
  type: string;
  /** The kind of value it takes. */
  kind: 'int' | 'str' | 'bool' | 'word' | 'handle';
  /** `word`: the bare words it accepts (`r`, `rw`...); empty for other kinds. */
  words: string[];
  /** `handle`: what it must be a handle of (`device`, `pt`, `cd`, `vm`); null for other kinds. */
  handle: string | null;
  /** A call must give it. */
  required: boolean;
  /** Its default as a program would write it (`rw`, `8`, `4K`, `false`); null when it has none: it
   *  is required, or optional and left out means "none". */
  default: string | null;
  /** How the signature shows it: `ipa`, `perm: rw`, `pgsize?`. */
  label: string;
  doc: string;
}

export interface BuiltinMeta {
  /** Dotted name as written in programs: `guest.s1.map`. */
  name: string;
  actor: Actor;
  /** `name(arg, arg: default, arg?)`: each argument's `label`, joined by ", ". */
  signature: string;
  args: BuiltinArgMeta[];
  returns: {
    /** The registry's type name: `nothing`, `int`, `dma result`... */
    type: string;
    /** The same in words: "a number", "a dma result". */
    text: string;
    doc: string;
    /** Record fields, dotted for nested records (`walk.reads`), in the registry's order. */
    fields: { name: string; doc: string }[];
  };
  doc: string;
  example: string;
  /** A call can make the SMMU walk (step into it to see each read). */
  walks: boolean;
}

/** How a signature shows an argument: required, with its default, or `?` (optional, no default). */
export function argLabel(a: ArgSpec): string {
  if (a.default === undefined) return a.name;
  if (a.default === null) return `${a.name}?`;
  return `${a.name}: ${formatValue(a.default)}`;
}

function argMeta(a: ArgSpec): BuiltinArgMeta {
  const t = a.type;
  return {
    name: a.name,
    type: formatType(t),
    kind: t.t,
    words: t.t === 'word' ? [...t.words] : [],
    handle: t.t === 'handle' ? t.handle : null,
    required: a.default === undefined,
    default: a.default === undefined || a.default === null ? null : formatValue(a.default),
    label: argLabel(a),
    doc: a.doc,
  };
}

/** Every builtin as plain, structured-clone-able data, in the registry's order. */
export function buildBuiltinsMeta(builtins: readonly Builtin<unknown>[]): BuiltinMeta[] {
  return builtins.map((b) => ({
    name: b.name,
    actor: b.actor,
    signature: signature(b),
    args: b.args.map(argMeta),
    returns: {
      type: b.returns.type,
      text: returnType(b.returns.type),
      doc: b.returns.doc,
      fields: Object.entries(b.returns.fields ?? {}).map(([name, doc]) => ({ name, doc })),
    },
    doc: b.doc,
    example: b.example,
    walks: b.walks === true,
  }));
}
