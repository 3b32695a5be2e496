/**
 * The reference registries on real SQLite files in a temporary directory: every query, IIN checksum failures,
 * unknown people, SQL-injection attempts in every string field, read-only handler connections, and idempotent
 * seeding. Expected answers come from the generator with the same seed (the stores must hold exactly that data).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { KopirError } from '@kopir/contracts';
import {
  DATA_AS_OF,
  PERSON_FIELDS,
  PopulationRepository,
  REFERENCE_SERVICES,
  ReferenceRegistries,
  TaxRepository,
  VehicleRepository,
  formatTenge,
  generateDataset,
  makeIin,
  openReadOnlyDatabase,
  readSeedInfo,
  registryFiles,
  samplePeople,
  seedRegistries,
  type SyntheticDataset,
} from '@kopir/reference-registries';

const PEOPLE = 3000;
const SEED = 11;
let dir: string;
let data: SyntheticDataset;
let registries: ReferenceRegistries;

function thrown(fn: () => unknown): KopirError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KopirError) return error;
    throw error;
  }
  throw new Error('expected a KopirError');
}

const fileHash = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kopir-registries-'));
  data = generateDataset({ people: PEOPLE, seed: SEED });
  seedRegistries({ dir, people: PEOPLE, seed: SEED });
  registries = ReferenceRegistries.open(dir, { today: () => DATA_AS_OF });
});

afterAll(() => {
  registries?.close();
  rmSync(dir, { recursive: true, force: true });
});

const IIN_SERVICES = Object.keys(REFERENCE_SERVICES).filter((id) => id !== 'mia/vehicles/vehicle-by-plate');

describe('mju/population', () => {
  it('person-by-iin answers exactly the declared fields, with the current address', () => {
    const p = data.people.find((x) => x.deathDate === null && x.patronymic !== null)!;
    const answer = registries.population.personByIin({ iin: p.iin });
    expect(Object.keys(answer).sort()).toEqual([...PERSON_FIELDS].sort());
    const current = data.addresses.filter((a) => a.iin === p.iin && a.registeredTo === null);
    expect(current).toHaveLength(1);
    const { iin: _iin, ...address } = current[0]!;
    expect(answer).toEqual({ ...p, address, deceased: false });
  });

  it('person-by-iin marks the dead, with their last address', () => {
    const p = data.people.find((x) => x.deathDate !== null)!;
    const answer = registries.population.personByIin({ iin: p.iin });
    expect(answer.deceased).toBe(true);
    expect(answer.deathDate).toBe(p.deathDate);
    expect(answer.address?.registeredTo).toBe(p.deathDate);
  });

  it('address-history lists every registration, oldest first', () => {
    const p = data.people.find((x) => data.addresses.filter((a) => a.iin === x.iin).length >= 3)!;
    const expected = data.addresses.filter((a) => a.iin === p.iin).map(({ iin: _i, ...rest }) => rest);
    expect(registries.population.addressHistory({ iin: p.iin })).toEqual({ iin: p.iin, addresses: expected });
  });

  it('family-relations names the spouse, parents and children, consistently from both sides', () => {
    const parent = data.relations.find((r) => r.kind === 'child')!;
    const answer = registries.population.familyRelations({ iin: parent.iin });
    const expected = data.relations.filter((r) => r.iin === parent.iin);
    expect(answer.relations.map((r) => `${r.kind}:${r.iin}`).sort()).toEqual(
      expected.map((r) => `${r.kind}:${r.relatedIin}`).sort(),
    );
    const child = answer.relations.find((r) => r.kind === 'child')!;
    const back = registries.population.familyRelations({ iin: child.iin });
    expect(back.relations).toContainEqual(expect.objectContaining({ kind: 'parent', iin: parent.iin }));
    expect(answer.relations[0]?.kind).toBe('spouse');
  });
});

describe('mia/vehicles', () => {
  it('vehicles-by-owner lists the owner’s vehicles, and an empty list for someone who owns none', () => {
    const owner = data.vehicles[0]!.ownerIin;
    const expected = data.vehicles.filter((v) => v.ownerIin === owner);
    const answer = registries.vehicles.vehiclesByOwner({ iin: owner });
    expect(answer.ownerIin).toBe(owner);
    expect(answer.vehicles.map((v) => v.vin).sort()).toEqual(expected.map((v) => v.vin).sort());
    expect(answer.vehicles[0]).toEqual(expected.find((v) => v.vin === answer.vehicles[0]!.vin));
    const nonOwner = data.people.find((p) => !data.vehicles.some((v) => v.ownerIin === p.iin))!;
    expect(registries.vehicles.vehiclesByOwner({ iin: nonOwner.iin }).vehicles).toEqual([]);
  });

  it('vehicle-by-plate finds a vehicle by plate (any case, spaces) or by VIN (any case)', () => {
    const v = data.vehicles[5]!;
    expect(registries.vehicles.vehicleByPlateOrVin({ plate: v.plate })).toEqual(v);
    const spaced = `${v.plate.slice(0, 3)} ${v.plate.slice(3, 6).toLowerCase()} ${v.plate.slice(6)}`;
    expect(registries.vehicles.vehicleByPlateOrVin({ plate: spaced })).toEqual(v);
    expect(registries.vehicles.vehicleByPlateOrVin({ vin: v.vin.toLowerCase() })).toEqual(v);
  });

  it('vehicle-by-plate: unknown plate or VIN is not_found; neither, both or malformed is request_invalid', () => {
    expect(thrown(() => registries.vehicles.vehicleByPlateOrVin({ plate: '000ZZZ99' })).code).toBe('not_found');
    expect(thrown(() => registries.vehicles.vehicleByPlateOrVin({ vin: '1M8GDM9AXKP042788' })).code).toBe('not_found');
    for (const input of [{}, { plate: '123ABC02', vin: '1M8GDM9AXKP042788' }, { plate: 123 }, { vin: 'SHORT' }]) {
      expect(thrown(() => registries.vehicles.vehicleByPlateOrVin(input)).code).toBe('request_invalid');
    }
  });

  it('driving-licence-status: valid, suspended or revoked, and whether it may be used on a given day', () => {
    const valid = data.licences.find((l) => l.status === 'valid')!;
    const answer = registries.vehicles.drivingLicenceStatus({ iin: valid.holderIin });
    expect(answer).toEqual({
      iin: valid.holderIin,
      licenceNumber: valid.number,
      categories: valid.categories,
      issuedOn: valid.issuedOn,
      expiresOn: valid.expiresOn,
      status: 'valid',
      statusReason: null,
      validToday: true,
    });
    const suspended = data.licences.find((l) => l.status !== 'valid')!;
    expect(registries.vehicles.drivingLicenceStatus({ iin: suspended.holderIin }).validToday).toBe(false);
    // The same valid licence, asked about the day after it expires.
    const later = ReferenceRegistries.open(dir, { today: () => '2099-01-01' });
    try {
      expect(later.vehicles.drivingLicenceStatus({ iin: valid.holderIin }).validToday).toBe(false);
    } finally {
      later.close();
    }
    const noLicence = data.people.find((p) => !data.licences.some((l) => l.holderIin === p.iin))!;
    expect(thrown(() => registries.vehicles.drivingLicenceStatus({ iin: noLicence.iin })).code).toBe('not_found');
  });
});

describe('src/tax', () => {
  it('taxpayer-status and tax-debts agree with the debts, in tenge with two decimals', () => {
    const debtor = data.taxDebts[0]!.iin;
    const debts = data.taxDebts.filter((d) => d.iin === debtor);
    const total = formatTenge(debts.reduce((s, d) => s + d.principalTiyn + d.penaltyTiyn, 0));
    const status = registries.tax.taxpayerStatus({ iin: debtor });
    expect(status).toMatchObject({ iin: debtor, status: 'registered', hasDebt: true, totalDebt: total });
    const answer = registries.tax.taxDebts({ iin: debtor });
    expect(answer).toMatchObject({ iin: debtor, currency: 'KZT', totalDebt: total });
    expect(answer.debts).toHaveLength(debts.length);
    expect(answer.debts[0]?.principal).toMatch(/^\d+\.\d{2}$/);
  });

  it('a taxpayer without debts owes 0.00; a child is not a taxpayer', () => {
    const clean = data.taxpayers.find((t) => !data.taxDebts.some((d) => d.iin === t.iin))!;
    expect(registries.tax.taxpayerStatus({ iin: clean.iin })).toMatchObject({ hasDebt: false, totalDebt: '0.00' });
    expect(registries.tax.taxDebts({ iin: clean.iin }).debts).toEqual([]);
    const child = data.people.find((p) => !data.taxpayers.some((t) => t.iin === p.iin))!;
    expect(thrown(() => registries.tax.taxpayerStatus({ iin: child.iin })).code).toBe('not_found');
    expect(thrown(() => registries.tax.taxDebts({ iin: child.iin })).code).toBe('not_found');
  });
});

describe('every IIN service', () => {
  const known = new Set<string>();
  const unknownIin = (): string => {
    for (const p of data.people) known.add(p.iin);
    for (let serial = 9999; serial > 0; serial--) {
      const iin = makeIin('1990-05-05', 'male', serial);
      if (iin && !known.has(iin)) return iin;
    }
    throw new Error('no unknown IIN');
  };

  it.each(IIN_SERVICES)('%s: an unknown person is not_found (vehicles-by-owner: no vehicles)', (id) => {
    const iin = unknownIin();
    if (id === 'mia/vehicles/vehicles-by-owner') {
      expect(registries.query(id, { iin })).toEqual({ ownerIin: iin, vehicles: [] });
    } else {
      const error = thrown(() => registries.query(id, { iin }));
      expect(error.code).toBe('not_found');
      expect(error.message).not.toContain(iin);
    }
  });

  it.each(IIN_SERVICES)('%s: a wrong check digit, date or length is request_invalid', (id) => {
    const iin = data.people[0]!.iin;
    const wrongCheck = `${iin.slice(0, 11)}${(Number(iin[11]) + 1) % 10}`;
    for (const bad of [wrongCheck, '991399300000', iin.slice(0, 11), `${iin}0`, Number(iin), null]) {
      const error = thrown(() => registries.query(id, { iin: bad }));
      expect(error.code).toBe('request_invalid');
      expect(error.message).toMatch(/^iin: IIN /);
    }
    expect(thrown(() => registries.query(id, 'not an object')).code).toBe('request_invalid');
    expect(thrown(() => registries.query(id, [iin])).code).toBe('request_invalid');
  });

  it('an unknown service id is service_unknown', () => {
    expect(thrown(() => registries.query('mju/population/everything', {})).code).toBe('service_unknown');
  });
});

describe('SQL injection', () => {
  const someIin = (): string => data.people[0]!.iin;
  const someVehicle = () => data.vehicles[0]!;
  const payloads = (base: string): string[] => [
    "' OR 1=1 --",
    `${base}' OR '1'='1`,
    `${base}' --`,
    `${base}'; DROP TABLE person; --`,
    `${base}; DELETE FROM vehicle`,
    `" OR ""="`,
    "') UNION SELECT vin, plate, make, model, year, colour, owner_iin, registered_on, status FROM vehicle --",
    '%',
    '_',
    '*',
    `${base}\u0000`,
    `${base.slice(0, -1)}%`,
  ];

  function counts(): string {
    const out: string[] = [];
    for (const [name, file] of Object.entries(registryFiles(dir))) {
      const db = openReadOnlyDatabase(file);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      for (const t of tables as string[]) {
        // Table names come from sqlite_master of our own file, not from a caller.
        out.push(`${name}.${t}=${String(db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get())}`);
      }
      db.close();
    }
    return out.join(' ');
  }

  it('the queries refuse every payload in iin, plate and vin as request_invalid', () => {
    const before = counts();
    for (const id of IIN_SERVICES) {
      for (const iin of payloads(someIin())) {
        expect(thrown(() => registries.query(id, { iin })).code).toBe('request_invalid');
      }
    }
    for (const plate of payloads(someVehicle().plate)) {
      expect(thrown(() => registries.vehicles.vehicleByPlateOrVin({ plate })).code).toBe('request_invalid');
    }
    for (const vin of payloads(someVehicle().vin)) {
      expect(thrown(() => registries.vehicles.vehicleByPlateOrVin({ vin })).code).toBe('request_invalid');
    }
    expect(counts()).toBe(before);
  });

  it('the repositories bind every payload as a value: nothing matches, nothing changes', () => {
    const files = registryFiles(dir);
    const population = PopulationRepository.open(files.population);
    const vehicles = VehicleRepository.open(files.vehicles);
    const tax = TaxRepository.open(files.tax);
    const before = counts();
    try {
      for (const value of [...payloads(someIin()), ...payloads(someVehicle().plate), ...payloads(someVehicle().vin)]) {
        expect(population.findPerson(value)).toBeUndefined();
        expect(population.findLastAddress(value)).toBeUndefined();
        expect(population.listAddresses(value)).toEqual([]);
        expect(population.listRelations(value)).toEqual([]);
        expect(vehicles.listByOwner(value)).toEqual([]);
        expect(vehicles.findByPlate(value)).toBeUndefined();
        expect(vehicles.findByVin(value)).toBeUndefined();
        expect(vehicles.findLicence(value)).toBeUndefined();
        expect(tax.findTaxpayer(value)).toBeUndefined();
        expect(tax.listDebts(value)).toEqual([]);
      }
    } finally {
      population.close();
      vehicles.close();
      tax.close();
    }
    expect(counts()).toBe(before);
  });
});

describe('read-only connections', () => {
  it('a handler connection cannot write, and repositories refuse a writable one', () => {
    const files = registryFiles(dir);
    const hashes = Object.values(files).map(fileHash);
    const db = openReadOnlyDatabase(files.population);
    try {
      expect(db.readonly).toBe(true);
      for (const sql of [
        "INSERT INTO person VALUES ('000000000000', 'x', 'x', NULL, '2000-01-01', 'male', 'KZ', 'x', NULL)",
        "UPDATE person SET last_name = 'x'",
        'DELETE FROM address',
        'DROP TABLE relation',
        'CREATE TABLE evil (x)',
      ]) {
        expect(() => db.prepare(sql).run()).toThrow(expect.objectContaining({ code: 'SQLITE_READONLY' }));
      }
      const repository = new PopulationRepository(db);
      expect(repository.readonly).toBe(true);
    } finally {
      db.close();
    }
    const writable = new Database(files.population);
    try {
      expect(() => new PopulationRepository(writable)).toThrow(TypeError);
      expect(() => new VehicleRepository(writable)).toThrow(TypeError);
      expect(() => new TaxRepository(writable)).toThrow(TypeError);
    } finally {
      writable.close();
    }
    // Every query above ran, and no registry file changed by a byte.
    expect(Object.values(files).map(fileHash)).toEqual(hashes);
  });

  it('a missing store is not created: opening it fails with provider_unavailable', () => {
    const empty = mkdtempSync(join(tmpdir(), 'kopir-registries-empty-'));
    try {
      expect(() => openReadOnlyDatabase(join(empty, 'nothing.sqlite'))).toThrow();
      expect(thrown(() => ReferenceRegistries.open(empty)).code).toBe('provider_unavailable');
      expect(readSeedInfo(empty)).toBeUndefined();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('seeding', () => {
  it('holds exactly the generated rows, and is idempotent for the same options', () => {
    expect(readSeedInfo(dir)).toMatchObject({ seed: SEED, people: PEOPLE, asOf: DATA_AS_OF });
    const files = registryFiles(dir);
    const db = openReadOnlyDatabase(files.population);
    expect(db.prepare('SELECT count(*) FROM person').pluck().get()).toBe(data.people.length);
    expect(db.prepare('SELECT count(*) FROM relation').pluck().get()).toBe(data.relations.length);
    db.close();
    const hashes = Object.values(files).map(fileHash);
    expect(seedRegistries({ dir, people: PEOPLE, seed: SEED }).outcome).toBe('unchanged');
    expect(Object.values(files).map(fileHash)).toEqual(hashes);
  });

  it('refuses to overwrite registries seeded otherwise unless forced; the same seed gives the same answers', () => {
    const other = mkdtempSync(join(tmpdir(), 'kopir-registries-other-'));
    try {
      seedRegistries({ dir: other, people: 200, seed: 1 });
      const before = Object.values(registryFiles(other)).map(fileHash);
      const error = thrown(() => seedRegistries({ dir: other, people: PEOPLE, seed: SEED }));
      expect(error.code).toBe('request_invalid');
      expect(error.message).toContain('seed 1 and 200 people');
      expect(Object.values(registryFiles(other)).map(fileHash)).toEqual(before);

      const phases = new Set<string>();
      const result = seedRegistries({
        dir: other,
        people: PEOPLE,
        seed: SEED,
        force: true,
        onProgress: (phase) => phases.add(phase),
      });
      expect(result.outcome).toBe('seeded');
      expect([...phases].sort()).toEqual(['generate', 'population', 'tax', 'vehicles']);
      const again = ReferenceRegistries.open(other, { today: () => DATA_AS_OF });
      try {
        for (const p of data.people.slice(0, 50)) {
          for (const id of IIN_SERVICES) {
            const answer = (r: ReferenceRegistries): unknown => {
              try {
                return r.query(id, { iin: p.iin });
              } catch (e) {
                return (e as KopirError).code;
              }
            };
            expect(answer(again)).toEqual(answer(registries));
          }
        }
      } finally {
        again.close();
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('samples people a new user can query at once', () => {
    const sample = samplePeople(dir, 3);
    expect(sample.filter((s) => s.note === 'adult')).toHaveLength(3);
    expect(sample.some((s) => s.note.startsWith('owns the vehicle'))).toBe(true);
    expect(sample.some((s) => s.note.includes('tax debt'))).toBe(true);
    for (const s of sample) {
      const person = registries.population.personByIin({ iin: s.iin });
      expect(s.name.startsWith(`${person.lastName} ${person.firstName}`)).toBe(true);
    }
  });
});
