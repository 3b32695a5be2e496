import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { KopirError } from '@kopir/contracts';
import { DATA_AS_OF, DEFAULT_SEED, generateDataset } from '../generator/generator';
import type { SyntheticDataset } from '../generator/records';
import { DATA_VERSION, SCHEMAS } from './schema';
import { REGISTRY_FILES, openReadOnlyDatabase, type RegistryName, type SqliteDatabase } from './sqlite';

export type SeedPhase = 'generate' | RegistryName;

/** Progress of a seed: `done` of `total` units (people generated, or rows written to one registry). */
export type SeedProgress = (phase: SeedPhase, done: number, total: number) => void;

export interface SeedOptions {
  readonly dir: string;
  readonly people: number;
  readonly seed?: number;
  /** Replace registries seeded with other options (or damaged ones). */
  readonly force?: boolean;
  readonly onProgress?: SeedProgress;
}

/** What a data directory holds, read from the population registry's meta table. */
export interface SeedInfo {
  readonly seed: number;
  readonly people: number;
  readonly asOf: string;
  readonly dataVersion: string;
}

export interface SeedResult {
  /** `unchanged`: the directory already held registries seeded with these options; nothing was written. */
  readonly outcome: 'seeded' | 'unchanged';
  readonly info: SeedInfo;
  readonly files: Readonly<Record<RegistryName, string>>;
  /** Rows per registry (seeded only). */
  readonly rows?: Readonly<Record<RegistryName, number>>;
}

const BATCH = 20_000;

/** The registries' files in `dir`. */
export function registryFiles(dir: string): Readonly<Record<RegistryName, string>> {
  return {
    population: join(dir, REGISTRY_FILES.population),
    vehicles: join(dir, REGISTRY_FILES.vehicles),
    tax: join(dir, REGISTRY_FILES.tax),
  };
}

/** The seed of the registries in `dir`, or undefined when any of the three is missing or unreadable. */
export function readSeedInfo(dir: string): SeedInfo | undefined {
  const files = registryFiles(dir);
  if (!Object.values(files).every((f) => existsSync(f))) return undefined;
  const infos: SeedInfo[] = [];
  for (const file of Object.values(files)) {
    let db: SqliteDatabase | undefined;
    try {
      db = openReadOnlyDatabase(file);
      const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
      const meta = new Map(rows.map((r) => [r.key, r.value]));
      infos.push({
        seed: Number(meta.get('seed')),
        people: Number(meta.get('people')),
        asOf: meta.get('asOf') ?? '',
        dataVersion: meta.get('dataVersion') ?? '',
      });
    } catch {
      return undefined;
    } finally {
      db?.close();
    }
  }
  const [first] = infos;
  // The three must come from one seed: a directory mixing seeds would break the registries' consistency.
  if (!first || !infos.every((i) => JSON.stringify(i) === JSON.stringify(first))) return undefined;
  return first;
}

/**
 * Seeds the three reference registries into `dir`: generates the dataset, writes each registry into a temporary
 * file with prepared statements in large transactions (journal off: a half-written temporary file is discarded
 * anyway), builds the indexes after the rows, then renames it into place, so readers never see a partial store.
 * Idempotent: registries already seeded with the same options are left alone; others are replaced only with `force`.
 */
export function seedRegistries(options: SeedOptions): SeedResult {
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new KopirError('request_invalid', 'seed must be an integer from 0 to 4294967295');
  }
  if (!Number.isSafeInteger(options.people) || options.people < 1 || options.people > 5_000_000) {
    throw new KopirError('request_invalid', 'people must be an integer from 1 to 5000000');
  }
  const files = registryFiles(options.dir);
  const wanted: SeedInfo = { seed, people: options.people, asOf: DATA_AS_OF, dataVersion: DATA_VERSION };
  const existing = readSeedInfo(options.dir);
  if (existing && JSON.stringify(existing) === JSON.stringify(wanted)) {
    return { outcome: 'unchanged', info: existing, files };
  }
  const present = Object.values(files).filter((f) => existsSync(f));
  if (present.length > 0 && !options.force) {
    const what = existing
      ? `registries seeded with seed ${existing.seed} and ${existing.people} people`
      : 'incomplete or unreadable registries';
    throw new KopirError(
      'request_invalid',
      `${options.dir} already holds ${what}; use --force (force: true) to replace them`,
    );
  }
  mkdirSync(options.dir, { recursive: true });
  const progress = options.onProgress ?? (() => undefined);
  const dataset = generateDataset({
    people: options.people,
    seed,
    onProgress: (done, total) => progress('generate', done, total),
  });
  const rows = {
    population: writeRegistry(
      files.population,
      'population',
      wanted,
      dataset.people.length + dataset.addresses.length + dataset.relations.length,
      progress,
      (db, tick) => insertPopulation(db, dataset, tick),
    ),
    vehicles: writeRegistry(
      files.vehicles,
      'vehicles',
      wanted,
      dataset.vehicles.length + dataset.licences.length,
      progress,
      (db, tick) => insertVehicles(db, dataset, tick),
    ),
    tax: writeRegistry(
      files.tax,
      'tax',
      wanted,
      dataset.taxpayers.length + dataset.taxDebts.length,
      progress,
      (db, tick) => insertTax(db, dataset, tick),
    ),
  };
  return { outcome: 'seeded', info: wanted, files, rows };
}

type Tick = (rows: number) => void;

function writeRegistry(
  file: string,
  name: RegistryName,
  info: SeedInfo,
  expected: number,
  progress: SeedProgress,
  insert: (db: SqliteDatabase, tick: Tick) => number,
): number {
  const temporary = `${file}.seeding-${process.pid}`;
  rmSync(temporary, { force: true });
  const db = new Database(temporary);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('page_size = 8192');
    const schema = SCHEMAS[name];
    for (const ddl of schema.tables) db.exec(ddl);
    const insertMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    for (const [key, value] of Object.entries(info)) insertMeta.run(key, String(value));
    let written = 0;
    progress(name, 0, expected);
    const count = insert(db, (n) => {
      written += n;
      progress(name, written, expected);
    });
    for (const ddl of schema.indexes) db.exec(ddl);
    db.exec('ANALYZE');
    db.close();
    renameSync(temporary, file);
    progress(name, count, count);
    return count;
  } catch (error) {
    if (db.open) db.close();
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Runs `rows` through `insert` in transactions of BATCH rows, reporting each batch. */
function bulk<T>(db: SqliteDatabase, rows: readonly T[], insert: (row: T) => void, tick: Tick): void {
  const batch = db.transaction((from: number) => {
    const to = Math.min(rows.length, from + BATCH);
    for (let i = from; i < to; i++) insert(rows[i] as T);
    return to - from;
  });
  for (let from = 0; from < rows.length; from += BATCH) tick(batch(from));
}

function insertPopulation(db: SqliteDatabase, d: SyntheticDataset, tick: Tick): number {
  const person = db.prepare(
    `INSERT INTO person (iin, last_name, first_name, patronymic, birth_date, sex, citizenship, birth_place, death_date)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const address = db.prepare(
    `INSERT INTO address (iin, region, city, street, building, apartment, registered_from, registered_to)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const relation = db.prepare('INSERT INTO relation (iin, related_iin, kind, since) VALUES (?, ?, ?, ?)');
  bulk(
    db,
    d.people,
    (p) =>
      person.run(
        p.iin,
        p.lastName,
        p.firstName,
        p.patronymic,
        p.birthDate,
        p.sex,
        p.citizenship,
        p.birthPlace,
        p.deathDate,
      ),
    tick,
  );
  bulk(
    db,
    d.addresses,
    (a) => address.run(a.iin, a.region, a.city, a.street, a.building, a.apartment, a.registeredFrom, a.registeredTo),
    tick,
  );
  bulk(db, d.relations, (r) => relation.run(r.iin, r.relatedIin, r.kind, r.since), tick);
  return d.people.length + d.addresses.length + d.relations.length;
}

function insertVehicles(db: SqliteDatabase, d: SyntheticDataset, tick: Tick): number {
  const vehicle = db.prepare(
    `INSERT INTO vehicle (vin, plate, make, model, year, colour, owner_iin, registered_on, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const licence = db.prepare(
    `INSERT INTO driving_licence (number, holder_iin, categories, issued_on, expires_on, status, status_reason)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  bulk(
    db,
    d.vehicles,
    (v) => vehicle.run(v.vin, v.plate, v.make, v.model, v.year, v.colour, v.ownerIin, v.registeredOn, v.status),
    tick,
  );
  bulk(
    db,
    d.licences,
    (l) =>
      licence.run(l.number, l.holderIin, l.categories.join(','), l.issuedOn, l.expiresOn, l.status, l.statusReason),
    tick,
  );
  return d.vehicles.length + d.licences.length;
}

function insertTax(db: SqliteDatabase, d: SyntheticDataset, tick: Tick): number {
  const taxpayer = db.prepare(
    `INSERT INTO taxpayer (iin, last_name, first_name, patronymic, status, category, tax_office, registered_on)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const debt = db.prepare(
    `INSERT INTO tax_debt (iin, kind, period, object_ref, principal_tiyn, penalty_tiyn, due_date)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  bulk(
    db,
    d.taxpayers,
    (t) =>
      taxpayer.run(t.iin, t.lastName, t.firstName, t.patronymic, t.status, t.category, t.taxOffice, t.registeredOn),
    tick,
  );
  bulk(
    db,
    d.taxDebts,
    (t) => debt.run(t.iin, t.kind, t.period, t.objectRef, t.principalTiyn, t.penaltyTiyn, t.dueDate),
    tick,
  );
  return d.taxpayers.length + d.taxDebts.length;
}
