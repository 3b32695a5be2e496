/** __AGENCY__/__SYSTEM__: the adapter contract every adapter passes, then the sample service's own behaviour. */
import { AdapterTestBed, adapterContractSuite } from '@kopir/adapter-sdk';
import { __CAMEL__Adapter } from '../src/__SYSTEM__.adapter';

jest.setTimeout(60_000);

adapterContractSuite({
  definition: __CAMEL__Adapter,
  samples: [{ service: '__SERVICE__', body: { iin: '900101300012' }, fields: ['iin', 'status', 'registeredOn', 'clinic'] }],
  invalidBodies: [
    { service: '__SERVICE__', body: {} },
    { service: '__SERVICE__', body: { iin: '12345' } },
    { service: '__SERVICE__', body: { iin: "' OR '1'='1" } },
    { service: '__SERVICE__', body: { iin: '900101300012', extra: true } },
  ],
});

describe('__AGENCY__/__SYSTEM__/__SERVICE__', () => {
  let bed: AdapterTestBed;
  beforeAll(async () => {
    bed = await AdapterTestBed.start(__CAMEL__Adapter());
  });
  afterAll(() => bed.close());

  it('answers the granted fields of a known record', async () => {
    const answer = await bed.call('__SERVICE__', { iin: '900101300012' }, { fields: ['iin', 'status'] });
    expect(answer).toMatchObject({ status: 'ok', body: { iin: '900101300012', status: 'registered' } });
    expect(Object.keys(answer.body as object).sort()).toEqual(['iin', 'status']);
  });

  it('answers not_found for an unknown IIN, without repeating it', async () => {
    const answer = await bed.call('__SERVICE__', { iin: '010101500011' });
    expect(answer.status).toBe('not_found');
    expect(JSON.stringify(answer.body)).not.toContain('010101500011');
  });
});
