// Runtime values of lab programs: plain data (structured-clone-able), so that a session can
// snapshot its interpreter state and send values to the app through the worker.

import { hexGrouped } from '../model/bits';

/** A model object a builtin handed out: a device, a page table, a CD, a VM. `id` indexes the
 *  machine's own table of them; `label` is what a view or message shows. */
export interface HandleValue {
  readonly kind: 'handle';
  readonly type: HandleType;
  readonly id: number;
  readonly label: string;
}
export type HandleType = 'device' | 'pt' | 'cd' | 'vm';

/** A record: a builtin's result (`r.pa`, `r.walk.reads`, `r.event.name`). */
export interface RecordValue {
  readonly kind: 'record';
  /** The record's type name, for messages and hover ("dma result"). */
  readonly type: string;
  readonly fields: { readonly [name: string]: Value };
}

/** An enum-like bare word accepted by a builtin argument (`rw`, `read`, `CMD_TLBI_NH_VA`). */
export interface WordValue {
  readonly kind: 'word';
  readonly word: string;
}

/** `null` is "nothing" (what a builtin with no result returns; a missing event). Integers are
 *  bigint, 0 ..= 2^64 - 1 (arithmetic wraps as C's uint64_t). */
export type Value = bigint | string | boolean | null | HandleValue | RecordValue | WordValue;

export function record(type: string, fields: Record<string, Value>): RecordValue {
  return { kind: 'record', type, fields };
}

export function word(w: string): WordValue {
  return { kind: 'word', word: w };
}

export function isRecord(v: Value): v is RecordValue {
  return typeof v === 'object' && v !== null && v.kind === 'record';
}
export function isHandle(v: Value, type?: HandleType): v is HandleValue {
  return typeof v === 'object' && v !== null && v.kind === 'handle' && (type === undefined || v.type === type);
}
export function isWord(v: Value): v is WordValue {
  return typeof v === 'object' && v !== null && v.kind === 'word';
}

/** The type of a value in a student's words. */
export function typeName(v: Value): string {
  if (v === null) return 'nothing';
  if (typeof v === 'bigint') return 'a number';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  if (v.kind === 'handle') return `a ${v.type === 'pt' ? 'page table' : v.type === 'cd' ? 'context descriptor' : v.type}`;
  if (v.kind === 'record') return `a ${v.type}`;
  return `the word ${v.word}`;
}

/** A value as a student reads it: numbers in hex above 9 (with the decimal beside up to 0xffff),
 *  grouped by 4 digits past 8. */
export function show(v: Value): string {
  if (v === null) return 'nothing';
  // Up to 0xffff a number is as likely a count (30 reads) as an address: show both.
  if (typeof v === 'bigint') return v <= 9n ? v.toString() : v <= 0xffffn ? `${hexGrouped(v)} (${v})` : hexGrouped(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (v.kind === 'handle') return v.label;
  if (v.kind === 'word') return v.word;
  return `{ ${Object.entries(v.fields).map(([k, x]) => `${k}: ${show(x)}`).join(', ')} }`;
}


/** Structural equality (what `==` means). */
export function equal(a: Value, b: Value): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'word') return a.word === (b as WordValue).word;
  if (a.kind === 'handle') return a.type === (b as HandleValue).type && a.id === (b as HandleValue).id;
  const bf = (b as RecordValue).fields;
  const ak = Object.keys(a.fields);
  return ak.length === Object.keys(bf).length && ak.every((k) => k in bf && equal(a.fields[k], bf[k]));
}
