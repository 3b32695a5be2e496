import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** The registry files in a data directory, one SQLite database per registry (each owned by its agency). */
export const REGISTRY_FILES = {
  population: 'mju-population.sqlite',
  vehicles: 'mia-vehicles.sqlite',
  tax: 'src-tax.sqlite',
} as const;

export type RegistryName = keyof typeof REGISTRY_FILES;

/**
 * Opens a registry for its query handlers: read-only (SQLITE_OPEN_READONLY, so no statement on this connection can
 * change the file, whatever it is) and only if the file exists (a missing store is an operator error, not an empty
 * registry to be created silently).
 */
export function openReadOnlyDatabase(file: string): SqliteDatabase {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  // Keep queries from waiting on a writer forever (seeding replaces files by rename, so this is rare).
  db.pragma('busy_timeout = 2000');
  return db;
}

/** A handler must never hold a writable connection: repositories refuse one. */
export function requireReadOnly(db: SqliteDatabase, registry: string): SqliteDatabase {
  if (!db.readonly) throw new TypeError(`the ${registry} repository needs a read-only connection`);
  return db;
}
