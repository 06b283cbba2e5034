// `iommu-lab run FILE.lab`: run a lab program on a fresh LabMachine and print its trace, readable
// (one block per executed statement) or as NDJSON (--json). docs/cli.md describes both formats.
//
// Exit 0 when the program ran to its end and every expect held; 1 when an expect failed (each
// named on stderr as FILE:LINE:COL: expect failed: ...); 2 on a program error: syntax or checker
// errors (all of them on stderr, nothing on stdout, nothing runs), a runtime error or the step
// limit (FILE:LINE:COL: message on stderr; the trace up to there still on stdout), or a file that
// cannot be read; 3 if the CLI itself fails (a bug, never the program's fault).
//
// The output is deterministic: the session's wall-clock budget is off, only the step budget
// (--steps) stops an endless program.

import { readError } from './read-error';
import { describeItsEvent } from '../model/its/describe';
import { describeHostCall } from '../model/vfio/describe';
import { describeHostDevEvent } from '../model/host/describe';
import { readFileSync } from 'node:fs';
import { formatDiagnostic, LineMap } from '../lang/diagnostics';
import { show, type Value } from '../lang/values';
import { openLab, type LabSession } from '../engine/lab';
import type { StepRecord } from '../engine/session';
import { fetchValue, type FetchEvent, type TraceEvent } from '../model/trace';
import type { EventRecord } from '../model/smmuv3/events';
import { type CliResult, fail, internal } from './result';

export const DEFAULT_STEPS = 1_000_000;
export const MAX_STEPS = 100_000_000;

export interface RunOptions {
  /** NDJSON on stdout instead of the readable trace. */
  json?: boolean;
  /** Show the boot events (step 0) in full in the readable trace. */
  boot?: boolean;
  /** The step budget (default DEFAULT_STEPS). */
  steps?: number;
}

export const RUN_USAGE = `Usage: iommu-lab run [--json] [--boot] [--steps N] FILE.lab

Runs a lab program (docs/language.md) on a fresh machine and prints what happened, one block per
executed statement: "LINE  statement", then indented lines for its effects (SMMU reads with
stage, level, purpose, PA and value; TLB and config-cache lookups; the transaction's result or
event; commands; event-queue records; memory writes, runs of them summarised; expects). The
boot of the machine (step 0) is one summary line. FILE.lab may be "-" for stdin.
Details: docs/cli.md.

Options:
  --json      print NDJSON on stdout and nothing else: one object per trace event (with
              integer "step" and "line", 0 for boot, and "access", the 1-based SMMU read of its
              step, on smmu.fetch), one {"type":"step"} per step, one {"type":"expect"} per
              expect, one {"type":"error"} for a runtime error; 64-bit values and addresses
              are hex strings "0x..."
  --boot      show the boot events in full instead of one summary line
  --steps N   stop after N statements (default 1000000, at most 100000000); a longer program
              stops with a runtime error naming the line it reached

Exit status:
  0  the program ran to its end and every expect held
  1  an expect failed; each failure on stderr as FILE.lab:LINE:COL: expect failed: ...
  2  a program error, on stderr:
       syntax and checker errors, all of them, one a line: FILE.lab:LINE:COL: message [LABxxxx]
         (nothing runs, stdout stays empty);
       a runtime error or the step limit: FILE.lab:LINE:COL: message (the program stops there;
         the trace up to it is still printed on stdout);
       FILE.lab missing or unreadable: error: cannot read FILE.lab: why
  3  internal error (a bug in the lab, not in the program)
Checker warnings go to stderr too (FILE.lab:LINE:COL: warning: ...) and do not stop the program.
`;

/** Read the program at `path` ("-": stdin) and run it. Never throws. */
export function runLabFile(path: string, opts: RunOptions = {}): CliResult {
  let source: string;
  try {
    source = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    return fail(2, `error: cannot read ${path}: ${readError(e)}`);
  }
  return runLabText(source, path === '-' ? '<stdin>' : path, opts);
}

/** Run a program already in memory; `file` is the name messages give it. Never throws. */
export function runLabText(source: string, file: string, opts: RunOptions = {}): CliResult {
  try {
    return runChecked(source, file, opts);
  } catch (e) {
    return internal(e, 3);
  }
}

function runChecked(source: string, file: string, opts: RunOptions): CliResult {
  const { diagnostics, session } = openLab(source, { stepBudget: opts.steps ?? DEFAULT_STEPS, wallBudgetMs: Infinity });
  const map = new LineMap(source);
  const notes = diagnostics.map((d) => `${formatDiagnostic(d, map, file)}\n`).join('');
  if (session === null) return { code: 2, stdout: '', stderr: notes };

  session.run();
  const stop = stopInfo(session, opts.steps ?? DEFAULT_STEPS);
  const failed = session.failedExpects();
  const stdout = opts.json ? jsonTrace(session, stop) : readableTrace(session, stop, opts, map, file);
  let stderr = notes;
  for (const r of failed) stderr += `${file}:${r.line}:${r.col}: ${expectFailure(r)}\n`;
  if (stop) stderr += `${file}:${stop.line}:${stop.col}: ${stop.message}\n`;
  return { code: stop ? 2 : failed.length > 0 ? 1 : 0, stdout, stderr };
}

// ---- why the program stopped early --------------------------------------------------------

interface Stop {
  reason: 'error' | 'budget';
  /** The step that failed (a runtime error), or the one that would have run next (budget). */
  step: number;
  line: number;
  col: number;
  message: string;
}

function stopInfo(s: LabSession, steps: number): Stop | null {
  if (s.error === null || (s.stopReason !== 'error' && s.stopReason !== 'budget')) return null;
  const { line, col } = s.lineCol(s.error.span.start);
  if (s.stopReason === 'error') return { reason: 'error', step: s.executed, line, col, message: s.error.message };
  return {
    reason: 'budget', step: s.executed + 1, line, col,
    message: `the program ran for more than ${steps} steps and was stopped here, at line ${line} (an endless loop? --steps N allows more)`,
  };
}

function expectFailure(r: StepRecord): string {
  const m = r.expect?.message ?? '';
  return m.startsWith('expect failed') ? m : `expect failed: ${m}`;
}

// ---- NDJSON ------------------------------------------------------------------------------

/** Number fields shown as hex strings (addresses, and the halves of a fetched word); every
 *  bigint is a hex string anyway. */
const HEX_FIELDS = new Set(['addr', 'pa', 'ipa', 'lo', 'hi', 'offset', 'data']);

function jsonReplacer(key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  if (typeof v === 'number' && HEX_FIELDS.has(key) && Number.isInteger(v) && v >= 0) return `0x${v.toString(16)}`;
  return v;
}

const line = (o: object) => `${JSON.stringify(o, jsonReplacer)}\n`;

/** A lab value as JSON: numbers as hex strings, records as plain objects of their fields, a
 *  handle as {"handle": type, "label": ...}, a word as {"word": ...}. */
export function jsonValue(v: Value): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  if (v.kind === 'handle') return { handle: v.type, label: v.label };
  if (v.kind === 'word') return { word: v.word };
  return Object.fromEntries(Object.entries(v.fields).map(([k, x]) => [k, jsonValue(x)]));
}

function eventLines(events: readonly TraceEvent[], step: number, lineNo: number): string {
  let out = '';
  let access = 0;
  for (const e of events) {
    const { type, ...fields } = e;
    out += e.type === 'smmu.fetch'
      ? line({ type, step, line: lineNo, access: ++access, ...fields, value: fetchValue(e) })
      : line({ type, step, line: lineNo, ...fields });
  }
  return out;
}

function jsonTrace(s: LabSession, stop: Stop | null): string {
  const parts: string[] = [eventLines(s.bootEvents, 0, 0)];
  for (const r of s.records) {
    const step: Record<string, unknown> = { type: 'step', step: r.step, line: r.line, col: r.col, kind: r.kind, text: statementText(s, r) };
    if (r.value !== undefined) step.value = jsonValue(r.value);
    let out = line(step) + eventLines(r.events, r.step, r.line);
    if (r.expect) out += line({ type: 'expect', step: r.step, line: r.line, col: r.col, ok: r.expect.ok, message: r.expect.message });
    parts.push(out);
  }
  if (stop) parts.push(line({ type: 'error', step: stop.step, line: stop.line, col: stop.col, reason: stop.reason, message: stop.message }));
  return parts.join('');
}

// ---- the readable trace --------------------------------------------------------------------

/** Hex, grouped by 4 digits past 4 digits: 0x8_0010_0040, 0x1000_0400, 0xfff. */
export function hex(v: number | bigint): string {
  const s = v.toString(16);
  if (s.length <= 4) return `0x${s}`;
  const parts: string[] = [];
  for (let i = s.length; i > 0; i -= 4) parts.unshift(s.slice(Math.max(0, i - 4), i));
  return `0x${parts.join('_')}`;
}

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** The statement's source text (the header of an if or for), on one line. */
function statementText(s: LabSession, r: StepRecord): string {
  return s.source.slice(r.head.start, r.head.end).replace(/\s*(\r\n|\r|\n)\s*/g, ' ').trim();
}

function readableTrace(s: LabSession, stop: Stop | null, opts: RunOptions, map: LineMap, file: string): string {
  const width = String(map.lineCol(s.source.length).line).length;
  const pad = ' '.repeat(width + 4);
  const out: string[] = [];
  const body = (lines: string[]) => { for (const l of lines) out.push(pad + l); };

  if (opts.boot) {
    out.push(`${'0'.padStart(width)}  (boot: the host kernel probes and enables the SMMU)`);
    body(describeEvents(s.bootEvents));
  } else {
    out.push(`${'0'.padStart(width)}  (boot: ${bootSummary(s.bootEvents)}; --boot shows them)`);
  }

  for (const r of s.records) {
    const text = statementText(s, r);
    out.push(`${String(r.line).padStart(width)}  ${text}`);
    body(describeEvents(r.events));
    const v = valueLine(r, text);
    if (v !== null) body([v]);
    if (r.expect) body([r.expect.ok ? `expect ${r.expect.message}` : `expect FAILED: ${expectFailure(r).replace(/^expect failed: /, '')}`]);
    if (r.error) body([`error: ${r.error.message}`]);
  }

  if (stop?.reason === 'budget') out.push(`${String(stop.line).padStart(width)}  ${s.source.slice(s.error!.span.start, s.error!.span.end).replace(/\s+/g, ' ').trim()}`, `${pad}stopped: ${stop.message}`);

  const failed = s.failedExpects();
  const expects = s.records.filter((r) => r.expect).length;
  const held = failed.length === 0 ? (expects === 0 ? 'no expects' : `${plural(expects, 'expect')}, all hold`) : `${plural(expects, 'expect')}, ${count(failed.length)} FAILED`;
  const steps = plural(s.executed, 'step');
  if (stop === null) out.push(`end: ${steps}; ${held}`);
  else if (stop.reason === 'error') out.push(`stopped by a runtime error at ${file}:${stop.line}:${stop.col} after ${steps}; ${held}`);
  else out.push(`stopped by the step limit at ${file}:${stop.line}:${stop.col} after ${steps}; ${held}`);
  return out.map((l) => `${l}\n`).join('');
}

/** `nic = 0000:01:00.0` for a let or an assignment, `= value` for a call that returns one. */
function valueLine(r: StepRecord, text: string): string | null {
  if (r.value === undefined) return null;
  const v = show(r.value);
  switch (r.kind) {
    case 'let': return `${/^let\s+([A-Za-z_]\w*)/.exec(text)?.[1] ?? ''} = ${v}`;
    case 'assign': return `${/^([A-Za-z_]\w*)/.exec(text)?.[1] ?? ''} = ${v}`;
    case 'forNext': return `${/^for\s+([A-Za-z_]\w*)/.exec(text)?.[1] ?? ''} = ${v}`;
    case 'return': return `return ${v}`;
    default: return r.value === null ? null : `= ${v}`;
  }
}

function bootSummary(events: readonly TraceEvent[]): string {
  let regs = 0, cmds = 0, writes = 0;
  for (const e of events) {
    if (e.type === 'smmu.reg') regs++;
    else if (e.type === 'smmu.cmd') cmds++;
    else if (e.type === 'mem.write') writes++;
  }
  return `${plural(events.length, 'event')}: ${plural(regs, 'register access', 'register accesses')}, ${plural(cmds, 'command')}, ${plural(writes, 'memory write')}`;
}

/** Runs of memory accesses by one writer longer than this become one summary line. */
const RUN_LIMIT = 8;

/** One line per event, runs of mem.write (mem.read) by the same `who` and of register reads
 *  summarised, SMMU reads aligned in columns. */
export function describeEvents(events: readonly TraceEvent[]): string[] {
  const fetchCols = fetchColumns(events);
  const out: string[] = [];
  let access = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.type === 'mem.write' || e.type === 'mem.read') {
      let j = i;
      while (j + 1 < events.length && events[j + 1].type === e.type && (events[j + 1] as typeof e).who === e.who) j++;
      const run = events.slice(i, j + 1) as (typeof e)[];
      const verb = e.type === 'mem.write' ? 'wrote' : 'read';
      if (run.length <= RUN_LIMIT) {
        for (const w of run) out.push(`${w.who} ${verb} ${hex(w.pa)} ${e.type === 'mem.write' ? '<-' : '->'} ${hex(w.value)}`);
      } else {
        out.push(`${e.who} ${verb} ${plural(run.length, 'word')} (first ${hex(run[0].pa)}, last ${hex(run[run.length - 1].pa)})`);
      }
      i = j;
      continue;
    }
    if (e.type === 'smmu.reg' && !e.write) {
      let j = i;
      while (j + 1 < events.length && events[j + 1].type === 'smmu.reg' && !(events[j + 1] as typeof e).write) j++;
      const run = events.slice(i, j + 1) as (typeof e)[];
      out.push(`MMIO read ${run.map((r) => `${r.name} ${hex(r.value)}`).join(', ')}`);
      i = j;
      continue;
    }
    if (e.type === 'smmu.fetch') {
      access++;
      const [desc, where] = fetchText(e);
      out.push(`read ${String(access).padStart(fetchCols.n)}  ${desc.padEnd(fetchCols.desc)}  ${where.padEnd(fetchCols.pa)}  = ${hex(fetchValue(e))}`);
      continue;
    }
    out.push(describeEvent(e));
  }
  return out;
}

function fetchColumns(events: readonly TraceEvent[]): { n: number; desc: number; pa: number } {
  let n = 0, desc = 0, pa = 0;
  for (const e of events) {
    if (e.type !== 'smmu.fetch') continue;
    n++;
    const [d, w] = fetchText(e);
    desc = Math.max(desc, d.length);
    pa = Math.max(pa, w.length);
  }
  return { n: String(n).length, desc, pa };
}

/** What an SMMU read fetched and why, and the PA it read. */
function fetchText(e: FetchEvent): [string, string] {
  let d: string = e.what;
  if (e.level !== undefined) d += ` L${e.level}`;
  if (e.what === 'S2' && e.purpose !== undefined) {
    d += ` for ${e.purpose}`;
    if (e.purpose === 'TT' && e.s1Level !== undefined) d += ` (S1 L${e.s1Level})`;
    if (e.ipa !== undefined) d += ` ipa ${hex(e.ipa)}`;
  } else if (e.ipa !== undefined) {
    d += ` at ipa ${hex(e.ipa)}`;
  }
  return [d, `pa ${hex(e.addr)}`];
}

function describeEvent(e: Exclude<TraceEvent, FetchEvent>): string {
  switch (e.type) {
    case 'mem.read':
    case 'mem.write':
      return `${e.who} ${e.type === 'mem.write' ? 'wrote' : 'read'} ${hex(e.pa)}`;
    case 'smmu.txn': {
      const flags = [e.rnw ? 'read' : 'write'];
      if (e.pnu) flags.push('privileged');
      if (e.ind) flags.push('instruction');
      return `transaction: sid ${hex(e.sid)}${e.ssid === undefined ? '' : ` ssid ${e.ssid}`}, ${flags.join(', ')}, iova ${hex(e.iova)}`;
    }
    case 'smmu.cfg':
      return `config cache ${e.hit ? 'hit' : 'miss'}: ${e.what} of sid ${hex(e.sid)}${e.ssid === undefined ? '' : ` ssid ${e.ssid}`}`;
    case 'smmu.tlb':
      return `TLB ${e.hit ? 'hit' : 'miss'}: ${e.kind} ${e.kind === 'S2' ? 'ipa' : 'iova'} ${hex(e.addr)} (vmid ${e.vmid}${e.asid >= 0 ? `, asid ${e.asid}` : ''})`;
    case 'smmu.done': {
      const reads = `${plural(e.reads, 'read')}, ${count(e.walkReads)} of them the walk`;
      if (e.ok) return `result: pa ${hex(e.pa ?? 0)} (${reads})`;
      if (!e.event) return `result: aborted without an event (${reads})`;
      return `result: ${eventText(e.event)} (${reads})`;
    }
    case 'smmu.cmd': {
      let s = `command ${e.index}: ${e.name} (${hex(e.dw0)}, ${hex(e.dw1)})`;
      if (e.error) s += ` ${e.error}`;
      if (e.note) s += `; ${e.note}`;
      if (e.msi) s += `; MSI ${hex(e.msi.data)} to ${hex(e.msi.addr)}`;
      return s;
    }
    case 'smmu.inv':
      return `${e.by} removed ${plural(e.removed, 'entry', 'entries')} from the ${e.cache === 'tlb' ? 'TLB' : 'config cache'}`;
    case 'smmu.evtq':
      return e.written
        ? `event queue: ${e.record.name} written at slot ${e.index}${e.addr === undefined ? '' : ` (${hex(e.addr)})`}`
        : `event queue: ${e.record.name} not written: ${e.why ?? 'dropped'}`;
    case 'smmu.reg':
      return `MMIO ${e.write ? 'write' : 'read'} ${e.name} ${hex(e.value)}${e.note ? ` (${e.note})` : ''}`;
    case 'its.reg': case 'its.cmd': case 'its.table': case 'its.msi': case 'its.lpi': case 'its.done':
      return describeItsEvent(e);
    case 'host.call': return describeHostCall(e.record);
    case 'dev.dma': case 'dev.msi': case 'msi.signal': case 'ir.msi': return describeHostDevEvent(e);
  }
}

/** An event record: name, stage, class, input, ipa. */
export function eventText(r: EventRecord): string {
  const parts = [r.name];
  if (r.s2 !== undefined) parts.push(`stage ${r.s2 ? 2 : 1}`);
  if (r.cls !== undefined) parts.push(`class ${r.cls}`);
  parts.push(`input ${hex(r.input)}`);
  if (r.ipa !== undefined) parts.push(`ipa ${hex(r.ipa)}`);
  if (r.fetchAddr !== undefined) parts.push(`fetch address ${hex(r.fetchAddr)}`);
  const why = r.why;
  if (why) parts.push(why);
  if (!r.recorded) parts.push('record suppressed');
  return parts.join(', ');
}

