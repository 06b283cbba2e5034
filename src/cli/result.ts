// What a CLI command produces, and the two failures every command reports the same way.

export interface CliResult { code: number; stdout: string; stderr: string }

/** Nothing on stdout, one line on stderr, exit `code`. */
export function fail(code: number, line: string): CliResult {
  return { code, stdout: '', stderr: `${line}\n` };
}

/** An engine failure: a bug in the model, reported in one line (exit 1; `run` uses 3, because its 1
 *  and 2 say what the program did). */
export function internal(e: unknown, code = 1): CliResult {
  const err = e instanceof Error ? e : new Error(String(e));
  const debug = process.env.IOMMU_LAB_DEBUG ? `\n${err.stack ?? ''}` : ' (set IOMMU_LAB_DEBUG=1 for a stack trace)';
  return fail(code, `internal error: ${err.message}${debug}`);
}
