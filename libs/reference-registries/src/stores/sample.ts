import { registryFiles } from './seed';
import { openReadOnlyDatabase, type SqliteDatabase } from './sqlite';

/** A seeded person to try calls with, and why they are interesting. */
export interface SamplePerson {
  readonly iin: string;
  readonly name: string;
  readonly note: string;
}

interface NameRow {
  iin: string;
  lastName: string;
  firstName: string;
  patronymic: string | null;
}

/**
 * A few seeded people a new user can query at once: `count` living adults spread over the registry, then one who
 * owns a vehicle (with its plate), one with a driving licence that is not valid, one with tax debts and one with
 * a family. Read-only, and the same answer for the same seed.
 */
export function samplePeople(dir: string, count = 5): SamplePerson[] {
  const files = registryFiles(dir);
  const population = openReadOnlyDatabase(files.population);
  const vehicles = openReadOnlyDatabase(files.vehicles);
  const tax = openReadOnlyDatabase(files.tax);
  try {
    const asOf = (population.prepare("SELECT value FROM meta WHERE key = 'asOf'").pluck().get() as string) ?? '';
    const adultBorn = `${Number(asOf.slice(0, 4)) - 18}${asOf.slice(4)}`;
    const nameOf = population.prepare<[string], NameRow>(
      'SELECT iin, last_name AS lastName, first_name AS firstName, patronymic FROM person WHERE iin = ?',
    );
    const adults = population.prepare<[string], number>(
      'SELECT count(*) FROM person WHERE death_date IS NULL AND birth_date <= ?',
    );
    const adultAt = population.prepare<[string, number], NameRow>(
      `SELECT iin, last_name AS lastName, first_name AS firstName, patronymic FROM person
       WHERE death_date IS NULL AND birth_date <= ? ORDER BY iin LIMIT 1 OFFSET ?`,
    );
    const result: SamplePerson[] = [];
    const seen = new Set<string>();
    const add = (row: NameRow | undefined, note: string): void => {
      if (!row || seen.has(row.iin)) return;
      seen.add(row.iin);
      result.push({ iin: row.iin, name: fullName(row), note });
    };
    const total = adults.pluck().get(adultBorn) ?? 0;
    for (let i = 0; i < Math.min(count, total); i++) {
      add(adultAt.get(adultBorn, Math.floor((i * total) / count)), 'adult');
    }
    const owner = first(vehicles, 'SELECT owner_iin AS iin, plate FROM vehicle ORDER BY vin LIMIT 1');
    if (owner) add(nameOf.get(owner.iin), `owns the vehicle ${owner.plate}`);
    const licence = first(
      vehicles,
      "SELECT holder_iin AS iin, status FROM driving_licence WHERE status <> 'valid' ORDER BY number LIMIT 1",
    );
    if (licence) add(nameOf.get(licence.iin), `driving licence ${licence.status}`);
    const debtor = first(tax, 'SELECT iin, count(*) AS debts FROM tax_debt GROUP BY iin ORDER BY iin LIMIT 1');
    if (debtor) add(nameOf.get(debtor.iin), `has ${debtor.debts} tax debt(s)`);
    const family = first(
      population,
      "SELECT iin, count(*) AS children FROM relation WHERE kind = 'child' GROUP BY iin HAVING count(*) >= 2 ORDER BY iin LIMIT 1",
    );
    if (family) add(nameOf.get(family.iin), `has a spouse and ${family.children} children`);
    return result;
  } finally {
    population.close();
    vehicles.close();
    tax.close();
  }
}

function first(db: SqliteDatabase, sql: string): Record<string, string> & { iin: string } {
  return db.prepare(sql).get() as Record<string, string> & { iin: string };
}

function fullName(row: NameRow): string {
  return [row.lastName, row.firstName, row.patronymic].filter((p) => p !== null).join(' ');
}
