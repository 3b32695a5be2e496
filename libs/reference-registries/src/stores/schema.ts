import type { RegistryName } from './sqlite';

/** Bumped when a schema or the generator changes, so that a re-seed is needed. */
export const DATA_VERSION = '1';

/** Tables first (bulk inserts go faster without secondary indexes), then one index per query. */
export interface RegistrySchema {
  readonly tables: readonly string[];
  readonly indexes: readonly string[];
}

const META = 'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID';

export const SCHEMAS: Readonly<Record<RegistryName, RegistrySchema>> = {
  population: {
    tables: [
      META,
      `CREATE TABLE person (
        iin TEXT PRIMARY KEY,
        last_name TEXT NOT NULL,
        first_name TEXT NOT NULL,
        patronymic TEXT,
        birth_date TEXT NOT NULL,
        sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
        citizenship TEXT NOT NULL,
        birth_place TEXT NOT NULL,
        death_date TEXT
      ) WITHOUT ROWID`,
      `CREATE TABLE address (
        id INTEGER PRIMARY KEY,
        iin TEXT NOT NULL,
        region TEXT NOT NULL,
        city TEXT NOT NULL,
        street TEXT NOT NULL,
        building TEXT NOT NULL,
        apartment TEXT,
        registered_from TEXT NOT NULL,
        registered_to TEXT
      )`,
      `CREATE TABLE relation (
        iin TEXT NOT NULL,
        related_iin TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('spouse', 'parent', 'child')),
        since TEXT,
        PRIMARY KEY (iin, kind, related_iin)
      ) WITHOUT ROWID`,
    ],
    // person-by-iin and family-relations use the primary keys; address-history and the current address this one.
    indexes: ['CREATE INDEX address_by_iin ON address (iin, registered_from)'],
  },
  vehicles: {
    tables: [
      META,
      `CREATE TABLE vehicle (
        vin TEXT PRIMARY KEY,
        plate TEXT NOT NULL,
        make TEXT NOT NULL,
        model TEXT NOT NULL,
        year INTEGER NOT NULL,
        colour TEXT NOT NULL,
        owner_iin TEXT NOT NULL,
        registered_on TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('registered', 'wanted', 'impounded'))
      ) WITHOUT ROWID`,
      `CREATE TABLE driving_licence (
        number TEXT PRIMARY KEY,
        holder_iin TEXT NOT NULL,
        categories TEXT NOT NULL,
        issued_on TEXT NOT NULL,
        expires_on TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('valid', 'suspended', 'revoked')),
        status_reason TEXT
      ) WITHOUT ROWID`,
    ],
    indexes: [
      'CREATE UNIQUE INDEX vehicle_by_plate ON vehicle (plate)',
      'CREATE INDEX vehicle_by_owner ON vehicle (owner_iin)',
      'CREATE INDEX licence_by_holder ON driving_licence (holder_iin, issued_on)',
    ],
  },
  tax: {
    tables: [
      META,
      `CREATE TABLE taxpayer (
        iin TEXT PRIMARY KEY,
        last_name TEXT NOT NULL,
        first_name TEXT NOT NULL,
        patronymic TEXT,
        status TEXT NOT NULL CHECK (status IN ('registered', 'deregistered')),
        category TEXT NOT NULL,
        tax_office TEXT NOT NULL,
        registered_on TEXT NOT NULL
      ) WITHOUT ROWID`,
      `CREATE TABLE tax_debt (
        id INTEGER PRIMARY KEY,
        iin TEXT NOT NULL,
        kind TEXT NOT NULL,
        period INTEGER NOT NULL,
        object_ref TEXT,
        principal_tiyn INTEGER NOT NULL CHECK (principal_tiyn >= 0),
        penalty_tiyn INTEGER NOT NULL CHECK (penalty_tiyn >= 0),
        due_date TEXT NOT NULL
      )`,
    ],
    indexes: ['CREATE INDEX tax_debt_by_iin ON tax_debt (iin, period)'],
  },
};
