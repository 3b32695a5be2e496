import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { loadConfig, registriesConfigSpec } from '@kopir/config';
import { readSeedInfo, samplePeople, seedRegistries, type SeedPhase } from '@kopir/reference-registries';
import { UsageError, stdio, table, type Output } from '../output';

const PHASE_LABEL: Readonly<Record<SeedPhase, string>> = {
  generate: 'generating people',
  population: 'mju/population',
  vehicles: 'mia/vehicles',
  tax: 'src/tax',
};

function positiveInt(name: string, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 0 || value > max) {
      throw new UsageError(`${name} must be an integer from 0 to ${max}`);
    }
    return value;
  };
}

/**
 * Progress on stderr: a redrawn bar when stderr is a terminal, otherwise one plain line per phase and every 25%
 * (CI logs and pipes get no carriage returns).
 */
export function progressReporter(out: Output, tty: boolean): (phase: SeedPhase, done: number, total: number) => void {
  let current: SeedPhase | undefined;
  let finished: SeedPhase | undefined;
  let lastQuarter = -1;
  return (phase, done, total) => {
    if (phase === finished) return;
    if (phase !== current) {
      current = phase;
      lastQuarter = -1;
    }
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    const complete = done >= total;
    if (complete) finished = phase;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      const percent = String(Math.round(fraction * 100)).padStart(3);
      // \r redraws the line; ESC [K clears what a longer previous line left behind.
      out.stderr(
        `\r${PHASE_LABEL[phase].padEnd(18)} [${bar}] ${percent}% ${done}/${total}\u001b[K${complete ? '\n' : ''}`,
      );
      return;
    }
    const quarter = Math.floor(fraction * 4);
    if (quarter > lastQuarter) {
      lastQuarter = quarter;
      out.stderr(`${PHASE_LABEL[phase]}: ${done}/${total} (${quarter * 25}%)\n`);
    }
  };
}

export function registerDataCommands(program: Command, out: Output): void {
  const data = program.command('data').description('synthetic data of the reference registries (mju, mia, src)');

  data
    .command('seed')
    .description('generate the population, vehicle and tax registries from a seed (same seed, same data)')
    .option('--people <n>', 'people in the population registry', positiveInt('--people', 5_000_000))
    .option('--seed <n>', 'seed of the generator', positiveInt('--seed', 0xffffffff))
    .option('--dir <path>', 'where the SQLite files go (default REGISTRIES_DATA_DIR, data/registries)')
    .option('--force', 'replace registries seeded with other options')
    .action((options: { people?: number; seed?: number; dir?: string; force?: boolean }) => {
      const config = loadConfig('registries', registriesConfigSpec);
      const dir = options.dir ?? config.dataDir;
      const people = options.people ?? config.people;
      if (people < 1) throw new UsageError('--people must be at least 1');
      const seed = options.seed ?? config.seed;
      const onProgress = progressReporter(out, out === stdio && process.stderr.isTTY === true);
      const started = performance.now();
      const result = seedRegistries({ dir, people, seed, force: options.force === true, onProgress });
      if (result.outcome === 'unchanged') {
        out.stdout(`${dir} already holds these registries (seed ${seed}, ${people} people): nothing to do\n`);
        return;
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      out.stdout(`seeded ${people} people (seed ${seed}) into ${dir} in ${seconds} s\n`);
      out.stdout(
        table(
          Object.entries(result.files).map(([name, file]) => [
            `  ${name}`,
            file,
            `${result.rows?.[name as keyof typeof result.files] ?? 0} rows`,
          ]),
        ),
      );
      out.stdout('try: npm run kopir -- data sample\n');
    });

  data
    .command('sample')
    .description('print a few seeded people (IIN and name) to try calls with')
    .option('--count <n>', 'how many ordinary adults to list', positiveInt('--count', 1000), 5)
    .option('--dir <path>', 'the registries directory (default REGISTRIES_DATA_DIR, data/registries)')
    .action((options: { count: number; dir?: string }) => {
      const dir = options.dir ?? loadConfig('registries', registriesConfigSpec).dataDir;
      const info = readSeedInfo(dir);
      if (!info) throw new Error(`no seeded registries in ${dir}; run: npm run kopir -- data seed`);
      out.stdout(`# ${info.people} people, seed ${info.seed}, data as of ${info.asOf}\n`);
      const rows = samplePeople(dir, options.count).map((p) => [p.iin, p.name, p.note]);
      out.stdout(table([['IIN', 'NAME', 'NOTE'], ...rows]));
    });
}
