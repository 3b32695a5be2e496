import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset, makeIin, seedRegistries, type SyntheticDataset } from '@kopir/reference-registries';

const PEOPLE = 400;
const SEED = 7;

/**
 * Seeded reference registries in a temporary directory, with the same data set in memory to pick subjects from.
 * Seeding is synchronous so that a test file can give the directory to the contract kit at definition time.
 */
export function seededRegistries(): { dir: string; data: SyntheticDataset; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'kopir-adapter-'));
  const dir = join(root, 'registries');
  seedRegistries({ dir, people: PEOPLE, seed: SEED });
  return {
    dir,
    data: generateDataset({ people: PEOPLE, seed: SEED }),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A valid IIN (checksum right) that nobody in the data set has. */
export function unknownIin(data: SyntheticDataset): string {
  const known = new Set(data.people.map((p) => p.iin));
  for (let serial = 9000; ; serial++) {
    const iin = makeIin('1901-02-03', 'male', serial);
    if (iin !== undefined && !known.has(iin)) return iin;
  }
}

/** The same IIN with a wrong check digit. */
export function badChecksum(iin: string): string {
  const last = Number(iin.at(-1));
  return `${iin.slice(0, 11)}${(last + 1) % 10}`;
}

/** SQL injection attempts, each of which must be refused (or match nothing), never run. */
export const INJECTIONS = [
  "' OR '1'='1",
  "1' OR 1=1 --",
  "'; DROP TABLE people; --",
  '" OR ""="',
  "123ABC02' UNION SELECT * FROM people --",
  '000000000000 OR 1=1',
];
