/** Where the CLI writes; tests pass their own to capture it. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const stdio: Output = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The command line itself is wrong (unknown value, missing option): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A positive number (or integer) given on the command line; undefined when the option was not given. */
export function positiveNumber(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${name} must be a positive ${integer ? 'integer' : 'number'}, not '${value}'`);
  }
  return n;
}

/** A plain text table with aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** An Output that keeps what is written (tests, and callers that run a command to use its text). */
export function captureOutput(): Output & { out: string; err: string } {
  const sink = {
    out: '',
    err: '',
    stdout: (text: string) => void (sink.out += text),
    stderr: (text: string) => void (sink.err += text),
  };
  return sink;
}
