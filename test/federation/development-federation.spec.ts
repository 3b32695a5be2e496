/**
 * The development federation says what the reference registries really answer. For every seeded person, every
 * reference service's real answer (the query the adapter runs) validates against the response schema the
 * federation publishes, its top-level keys are fields the service declares, and every declared field is answered;
 * what each development rule grants exists in its service, and the masked answer a consumer receives still
 * validates. The adapters declare the very same definitions. If a query, a schema or a rule changes alone, this
 * fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFieldMask } from '@kopir/access-policy';
import { KopirError } from '@kopir/contracts';
import { serviceValidators, type ServiceDefinition } from '@kopir/federation';
import {
  DATA_AS_OF,
  ReferenceRegistries,
  developmentFederation,
  generateDataset,
  seedRegistries,
} from '@kopir/reference-registries';
import { populationAdapter } from '../../apps/adapters/population/src/population.adapter';
import { taxAdapter } from '../../apps/adapters/tax/src/tax.adapter';
import { vehiclesAdapter } from '../../apps/adapters/vehicles/src/vehicles.adapter';

const PEOPLE = 600;
const SEED = 19;

const document = developmentFederation(new Date());
const validators = serviceValidators(document);
const services = new Map(document.services.map((s) => [s.id, s]));

interface Seen {
  /** Top-level keys ever answered. */
  readonly keys: Set<string>;
  /** Array fields that were non-empty at least once (their item schemas were exercised). */
  readonly filledArrays: Set<string>;
  /** Fields that were not null at least once (the non-null branch of nullable schemas was exercised). */
  readonly nonNull: Set<string>;
  answers: number;
}

let root: string;
let registries: ReferenceRegistries;
const answers = new Map<string, unknown[]>();
const seen = new Map<string, Seen>();

function record(serviceId: string, answer: unknown): void {
  const list = answers.get(serviceId) ?? [];
  list.push(answer);
  answers.set(serviceId, list);
  const s = seen.get(serviceId) ?? { keys: new Set(), filledArrays: new Set(), nonNull: new Set(), answers: 0 };
  s.answers += 1;
  for (const [key, value] of Object.entries(answer as Record<string, unknown>)) {
    s.keys.add(key);
    if (Array.isArray(value) && value.length > 0) s.filledArrays.add(key);
    if (value !== null) s.nonNull.add(key);
  }
  seen.set(serviceId, s);
}

/** Runs a query; a subject the registry does not know (not_found) is no answer. */
function ask(serviceId: string, body: unknown): void {
  try {
    record(serviceId, registries.query(serviceId, body));
  } catch (error) {
    if (error instanceof KopirError && error.code === 'not_found') return;
    throw error;
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kopir-dev-federation-'));
  seedRegistries({ dir: root, people: PEOPLE, seed: SEED });
  registries = ReferenceRegistries.open(root, { today: () => DATA_AS_OF });
  // Subjects are the seeded people's IINs; vehicles are then asked for by the plates and VINs the registry answered.
  for (const person of generateDataset({ people: PEOPLE, seed: SEED }).people) {
    for (const id of services.keys()) {
      if (id !== 'mia/vehicles/vehicle-by-plate') ask(id, { iin: person.iin });
    }
  }
  for (const owned of answers.get('mia/vehicles/vehicles-by-owner') ?? []) {
    for (const vehicle of (owned as { vehicles: { plate: string; vin: string }[] }).vehicles) {
      ask('mia/vehicles/vehicle-by-plate', { plate: vehicle.plate });
      ask('mia/vehicles/vehicle-by-plate', { vin: vehicle.vin });
    }
  }
});

afterAll(() => {
  registries?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const ids = [...services.keys()];

describe('the development federation against the reference registries’ real answers', () => {
  it('asked every service many times', () => {
    for (const id of ids) expect(seen.get(id)?.answers ?? 0).toBeGreaterThan(50);
  });

  it.each(ids)('%s: every answer validates against the published response schema', (id) => {
    const validate = validators.get(id)?.response;
    if (validate === undefined) throw new Error(`no validator for ${id}`);
    const failures: string[] = [];
    for (const answer of answers.get(id) ?? []) {
      if (!validate(answer)) {
        const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
        failures.push(`${JSON.stringify(answer)}: ${errors.join('; ')}`);
      }
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });

  it.each(ids)('%s: answers only declared fields, and every declared field is answered', (id) => {
    const declared = (services.get(id) as ServiceDefinition).fields.map((f) => f.name);
    const s = seen.get(id);
    expect([...(s?.keys ?? [])].filter((k) => !declared.includes(k))).toEqual([]);
    expect(declared.filter((f) => !s?.keys.has(f))).toEqual([]);
  });

  it.each(ids)('%s: the data exercised every array and nullable field’s non-empty form', (id) => {
    const s = seen.get(id) as Seen;
    const schema = (services.get(id) as ServiceDefinition).response as { properties: Record<string, unknown> };
    for (const [name, property] of Object.entries(schema.properties)) {
      if ((property as { type?: unknown }).type === 'array')
        expect({ name, filled: s.filledArrays.has(name) }).toEqual({ name, filled: true });
      expect({ name, nonNull: s.nonNull.has(name) }).toEqual({ name, nonNull: true });
    }
  });

  it('rejects what the stores never answer: the schemas are exact, not merely permissive', () => {
    const person = (answers.get('mju/population/person-by-iin') ?? [])[0] as Record<string, unknown>;
    const validate = validators.get('mju/population/person-by-iin')?.response;
    expect(validate?.(person)).toBe(true);
    expect(validate?.({ ...person, middleName: 'x' })).toBe(false);
    expect(validate?.({ ...person, sex: 'M' })).toBe(false);
    expect(validate?.({ ...person, address: 'Astana, Abai avenue 1' })).toBe(false);
    expect(validate?.({ ...person, birthDate: '01.02.1990' })).toBe(false);
    const debts = (answers.get('src/tax/tax-debts') ?? []).find((a) => (a as { debts: unknown[] }).debts.length > 0);
    const validateDebts = validators.get('src/tax/tax-debts')?.response;
    const withDebt = debts as { debts: Record<string, unknown>[] };
    expect(validateDebts?.({ ...withDebt, debts: [{ ...withDebt.debts[0], principal: 1250.4 }] })).toBe(false);
    expect(validateDebts?.({ ...withDebt, debts: [{ ...withDebt.debts[0], note: 'x' }] })).toBe(false);
  });

  it('grants in every development rule only fields its service returns, and the masked answers still validate', () => {
    for (const rule of document.rules) {
      const service = services.get(rule.service);
      expect(service).toBeDefined();
      const declared = (service as ServiceDefinition).fields.map((f) => f.name);
      expect({ rule: rule.id, unknown: rule.fields.filter((f) => !declared.includes(f)) }).toEqual({
        rule: rule.id,
        unknown: [],
      });
      const validate = validators.get(rule.service)?.response;
      for (const answer of (answers.get(rule.service) ?? []).slice(0, 20)) {
        const masked = applyFieldMask(answer, rule.fields) as Record<string, unknown>;
        expect(Object.keys(masked).sort()).toEqual([...rule.fields].sort());
        expect(validate?.(masked)).toBe(true);
      }
    }
  });

  it('is what the adapters declare, definition for definition', () => {
    const declared = [
      populationAdapter({ dataDir: root }),
      vehiclesAdapter({ dataDir: root }),
      taxAdapter({ dataDir: root }),
    ].flatMap((a) => a.services ?? []);
    expect(declared).toEqual(document.services);
  });
});
