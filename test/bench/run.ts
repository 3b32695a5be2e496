/**
 * `npm run bench [-- <name> ...]`: runs the benchmarks in this folder (`<name>.bench.ts`), each of which prints a
 * table of its figures beside a baseline measured in the same run. Benchmarks are not tests: they assert nothing
 * about time, so a noisy machine cannot make CI flaky; their figures go into docs/performance.md.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Benchmark {
  /** Runs the benchmark and prints its table to stdout. */
  run(args: readonly string[]): Promise<void>;
}

async function main(argv: readonly string[]): Promise<number> {
  const available = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .map((f) => f.slice(0, -'.bench.js'.length))
    .sort();
  const [first, ...rest] = argv;
  const chosen = first === undefined ? available : [first];
  const unknown = chosen.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
    return 2;
  }
  process.stdout.write(`# Köpir benchmarks — node ${process.version}, ${new Date().toISOString()}\n`);
  for (const name of chosen) {
    process.stdout.write(`\n## ${name}\n`);
    const bench = (await import(join(__dirname, `${name}.bench.js`))) as Benchmark;
    await bench.run(rest);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
