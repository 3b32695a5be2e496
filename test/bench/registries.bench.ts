/**
 * `npm run bench -- registries [--people N]`: queries per second of the reference registries on a freshly seeded
 * store (default 100,000 people), beside a raw prepared `SELECT 1` and a raw primary-key lookup on the same read-only
 * connection, measured in the same run. The gap is what validation (IIN checksum), the second lookup (current
 * address) and shaping the answer cost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ReferenceRegistries, openReadOnlyDatabase, registryFiles, seedRegistries } from '@kopir/reference-registries';
import { printTable, rate } from './measure';

export async function run(args: readonly string[]): Promise<void> {
  const at = args.indexOf('--people');
  const people = at >= 0 ? Number(args[at + 1]) : 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'kopir-bench-registries-'));
  try {
    const started = performance.now();
    seedRegistries({ dir, people, seed: 42 });
    const seedSeconds = (performance.now() - started) / 1000;
    process.stdout.write(`seeded ${people.toLocaleString('en-US')} people in ${seedSeconds.toFixed(1)} s\n\n`);

    const files = registryFiles(dir);
    const raw = openReadOnlyDatabase(files.population);
    const iins = raw.prepare('SELECT iin FROM person ORDER BY iin').pluck().all() as string[];
    const owners = openReadOnlyDatabase(files.vehicles);
    const ownerIins = owners
      .prepare('SELECT DISTINCT owner_iin FROM vehicle ORDER BY owner_iin')
      .pluck()
      .all() as string[];
    owners.close();
    // Walk the IINs in a scattered order so that the page cache is not a sequential scan.
    let i = 0;
    const nextIin = (): string => iins[(i = (i + 7919) % iins.length)] as string;
    let j = 0;
    const nextOwner = (): string => ownerIins[(j = (j + 7919) % ownerIins.length)] as string;

    const selectOne = raw.prepare('SELECT 1');
    const byPk = raw.prepare('SELECT * FROM person WHERE iin = ?');
    const registries = ReferenceRegistries.open(dir);
    try {
      const results = [
        await rate('baseline: prepared SELECT 1', () => selectOne.get()),
        await rate('baseline: prepared SELECT * FROM person WHERE iin = ?', () => byPk.get(nextIin())),
        await rate('mju/population/person-by-iin', () => registries.population.personByIin({ iin: nextIin() })),
        await rate('mju/population/family-relations', () => registries.population.familyRelations({ iin: nextIin() })),
        await rate('mia/vehicles/vehicles-by-owner', () => registries.vehicles.vehiclesByOwner({ iin: nextOwner() })),
        await rate('src/tax/tax-debts (adults)', () => {
          try {
            return registries.tax.taxDebts({ iin: nextIin() });
          } catch {
            return undefined; // children are not taxpayers: not_found is part of the workload
          }
        }),
      ];
      printTable(
        ['query', 'queries/s', 'µs/query'],
        results.map((r) => [r.name, r.opsPerSecond, 1e6 / r.opsPerSecond]),
      );
    } finally {
      registries.close();
      raw.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
