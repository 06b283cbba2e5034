// The `iommu-lab` command: `npm run -s lab -- <command> ...` or `npx iommu-lab <command> ...`.
//
// Each subcommand is one row of COMMANDS. Exit status: 0 success, 2 bad input or usage;
// translate: 1 internal error; run: 1 an expect failed, 2 also a program error, 3 internal error;
// ioctl: 1 not modelled or internal error. docs/cli.md describes the commands.

import '../lang/builtins/host-runtime-eager';   // the host side loaded up front: openLab stays synchronous
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { runTranslateFile, TRANSLATE_USAGE, type CliResult } from './translate';
import { MAX_STEPS, runLabFile, RUN_USAGE } from './run';
import { IOCTL_USAGE, runIoctlFile } from './ioctl/run';

/** An option a command accepts: a flag, or one that takes a value (`--steps N`, `--steps=N`).
 *  `check` returns why a value is wrong, or null. */
interface OptionSpec {
  value?: string;
  check?(v: string): string | null;
}

/** The options given: flags as true, values as written. */
type Options = Record<string, string | true>;

interface Command {
  args: string;          // how the arguments are written in the usage line
  summary: string;       // one line for the command list
  usage: string;         // the command's own --help text
  arity: number;         // number of positional arguments
  options?: Record<string, OptionSpec>;   // by name, with the leading "--"
  run(args: string[], options: Options): CliResult;
}

const wholeNumber = (min: number, max: number) => (v: string): string | null =>
  /^[0-9]+$/.test(v) && Number(v) >= min && Number(v) <= max ? null : `must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`;

const COMMANDS: Record<string, Command> = {
  translate: {
    args: 'IMAGE.json',
    summary: 'run a machine image\'s transactions through the SMMUv3 model, one JSON line each',
    usage: TRANSLATE_USAGE,
    arity: 1,
    run: ([path]) => runTranslateFile(path),
  },
  run: {
    args: 'FILE.lab',
    summary: 'run a lab program and print its trace (--json: NDJSON); exit 1 if an expect fails',
    usage: RUN_USAGE,
    arity: 1,
    options: { '--json': {}, '--boot': {}, '--steps': { value: 'N', check: wholeNumber(1, MAX_STEPS) } },
    run: ([path], o) => runLabFile(path, {
      json: o['--json'] === true, boot: o['--boot'] === true,
      steps: typeof o['--steps'] === 'string' ? Number(o['--steps']) : undefined,
    }),
  },
  ioctl: {
    args: 'SCRIPT.json',
    summary: 'replay an ioctl script\'s calls against the host model (VFIO, SMMUv3, ITS, edu), one JSON line each',
    usage: IOCTL_USAGE,
    arity: 1,
    options: { '--why': {} },
    run: ([path], o) => runIoctlFile(path, { why: o['--why'] === true }),
  },
};

export function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => [`${name} ${c.args}`, c.summary]);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    'Usage: iommu-lab <command> [arguments]',
    '',
    'Commands:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    '',
    'Options:',
    '  -h, --help  show this help, or a command\'s help after its name',
    '',
    'Exit status: 0 success; 1 an expect failed (run), internal error (translate, ioctl)',
    'or not modelled yet (ioctl); 2 bad input, bad usage or a program error; 3 internal error (run).',
    'Details: docs/cli.md.',
    '',
  ].join('\n');
}

const ok = (stdout: string): CliResult => ({ code: 0, stdout, stderr: '' });
const usageError = (why: string, help: string): CliResult => ({ code: 2, stdout: '', stderr: `error: ${why}\n\n${help}` });
const isHelp = (a: string) => a === '-h' || a === '--help';

/** Run the CLI on its arguments (process.argv.slice(2)) without touching the process. */
export function main(argv: readonly string[]): CliResult {
  const [name, ...rest] = argv;
  if (name === undefined) return usageError('no command given', usage());
  if (isHelp(name) || name === 'help') return ok(usage());
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) return usageError(`unknown command ${JSON.stringify(name)}`, usage());
  if (rest.some(isHelp)) return ok(command.usage);
  const specs = command.options ?? {};
  const options: Options = {};
  const args: string[] = [];
  for (let k = 0; k < rest.length; k++) {
    const a = rest[k];
    // "--" ends the options; a lone "-" is an argument (stdin).
    if (a === '--') { args.push(...rest.slice(k + 1)); break; }
    if (!a.startsWith('-') || a === '-') { args.push(a); continue; }
    const eq = a.indexOf('=');
    const flag = eq < 0 ? a : a.slice(0, eq);
    const spec = Object.hasOwn(specs, flag) ? specs[flag] : undefined;
    if (spec === undefined) return usageError(`unknown option ${JSON.stringify(flag)}`, command.usage);
    if (Object.hasOwn(options, flag)) return usageError(`${flag} is given twice`, command.usage);
    if (spec.value === undefined) {
      if (eq >= 0) return usageError(`${flag} takes no value`, command.usage);
      options[flag] = true;
      continue;
    }
    let v: string;
    if (eq >= 0) v = a.slice(eq + 1);
    else if (k + 1 < rest.length) v = rest[++k];
    else return usageError(`${flag} needs a value (${flag} ${spec.value})`, command.usage);
    const why = spec.check?.(v) ?? null;
    if (why !== null) return usageError(`${flag} ${why}`, command.usage);
    options[flag] = v;
  }
  if (args.length !== command.arity) {
    return usageError(`${name} takes ${command.arity} argument${command.arity === 1 ? '' : 's'} (${command.args}), got ${args.length}`, command.usage);
  }
  return command.run(args, options);
}

/** Print a result and set the exit status (not process.exit: let stdout drain). */
export function runMain(argv: readonly string[]): void {
  // A reader that stops early (`| head`) is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const result = main(argv);
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.code;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) runMain(process.argv.slice(2));
