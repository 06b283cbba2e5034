// The `iommu-lab` command: `npm run -s lab -- <command> ...` or `npx iommu-lab <command> ...`.
//
// Each subcommand is one row of COMMANDS; `run` (lab programs) and `ioctl` (ioctl scripts) join
// the table later. Exit status: 0 success, 2 bad input or usage, 1 internal error.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { runTranslateFile, TRANSLATE_USAGE, type CliResult } from './translate';

interface Command {
  args: string;          // how the arguments are written in the usage line
  summary: string;       // one line for the command list
  usage: string;         // the command's own --help text
  arity: number;         // number of positional arguments
  run(args: string[]): CliResult;
}

const COMMANDS: Record<string, Command> = {
  translate: {
    args: 'IMAGE.json',
    summary: 'run a machine image\'s transactions through the SMMUv3 model, one JSON line each',
    usage: TRANSLATE_USAGE,
    arity: 1,
    run: ([path]) => runTranslateFile(path),
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
    'Exit status: 0 success, 2 bad input or usage, 1 internal error.',
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
  // A lone "-" is an argument (stdin); anything else starting with "-" is an unknown option.
  const option = rest.find((a) => a.startsWith('-') && a !== '-');
  if (option !== undefined) return usageError(`unknown option ${JSON.stringify(option)}`, command.usage);
  if (rest.length !== command.arity) {
    return usageError(`${name} takes ${command.arity} argument${command.arity === 1 ? '' : 's'} (${command.args}), got ${rest.length}`, command.usage);
  }
  return command.run(rest);
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
