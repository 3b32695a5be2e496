/** mju/population through the adapter SDK: the contract kit, then its queries as a consumer sees them. */
import { AdapterTestBed, adapterContractSuite } from '@kopir/adapter-sdk';
import { ADDRESS_HISTORY_FIELDS, FAMILY_RELATIONS_FIELDS, PERSON_FIELDS } from '@kopir/reference-registries';
import { populationAdapter } from '../../apps/adapters/population/src/population.adapter';
import { INJECTIONS, badChecksum, seededRegistries, unknownIin } from './registry-fixture';

const registries = seededRegistries();
afterAll(() => registries.remove());
const person = registries.data.people[3]!;
const definition = (): ReturnType<typeof populationAdapter> => populationAdapter({ dataDir: registries.dir });

adapterContractSuite({
  definition,
  samples: [
    { service: 'person-by-iin', body: { iin: person.iin }, fields: PERSON_FIELDS },
    { service: 'address-history', body: { iin: person.iin }, fields: ADDRESS_HISTORY_FIELDS },
    { service: 'family-relations', body: { iin: person.iin }, fields: FAMILY_RELATIONS_FIELDS },
  ],
  invalidBodies: [
    { service: 'person-by-iin', body: {} },
    { service: 'person-by-iin', body: { iin: 900101300012 } },
    { service: 'person-by-iin', body: { iin: person.iin, extra: 'x' } },
    { service: 'address-history', body: { iin: '12345' } },
    { service: 'family-relations', body: [] },
  ],
});

describe('mju/population queries through the SDK', () => {
  let bed: AdapterTestBed;
  beforeAll(async () => {
    bed = await AdapterTestBed.start(definition(), { services: definition().services ?? [] });
  });
  afterAll(() => bed.close());

  it('answers a person with exactly the granted fields', async () => {
    const answer = await bed.call('person-by-iin', { iin: person.iin }, { fields: ['iin', 'lastName', 'birthDate'] });
    expect(answer).toMatchObject({
      status: 'ok',
      body: { iin: person.iin, lastName: person.lastName, birthDate: person.birthDate },
    });
    expect(Object.keys(answer.body as object).sort()).toEqual(['birthDate', 'iin', 'lastName']);
  });

  it('refuses an IIN with a wrong check digit as request_invalid, without repeating it', async () => {
    for (const service of ['person-by-iin', 'address-history', 'family-relations']) {
      const answer = await bed.call(service, { iin: badChecksum(person.iin) });
      expect(answer.status).toBe('request_invalid');
      expect(JSON.stringify(answer.body)).toMatch(/check/i);
      expect(JSON.stringify(answer.body)).not.toContain(badChecksum(person.iin));
    }
  });

  it('answers not_found for a valid IIN of nobody in the registry', async () => {
    for (const service of ['person-by-iin', 'address-history', 'family-relations']) {
      const answer = await bed.call(service, { iin: unknownIin(registries.data) });
      expect(answer).toMatchObject({ status: 'not_found', body: { code: 'not_found', status: 404 } });
    }
  });

  it('refuses SQL injection attempts in the IIN as request_invalid and stays intact', async () => {
    for (const attempt of INJECTIONS) {
      const answer = await bed.call('person-by-iin', { iin: attempt });
      expect(answer.status).toBe('request_invalid');
    }
    expect((await bed.call('person-by-iin', { iin: person.iin })).status).toBe('ok');
  });

  it('masks inside the answer: address history without addresses is only the IIN', async () => {
    const answer = await bed.call('address-history', { iin: person.iin }, { fields: ['iin'] });
    expect(answer.body).toEqual({ iin: person.iin });
  });
});
