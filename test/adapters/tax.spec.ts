/** src/tax through the adapter SDK: the contract kit, then its queries as a consumer sees them. */
import { AdapterTestBed, adapterContractSuite } from '@kopir/adapter-sdk';
import { TAXPAYER_FIELDS, TAX_DEBTS_FIELDS } from '@kopir/reference-registries';
import { taxAdapter } from '../../apps/adapters/tax/src/tax.adapter';
import { INJECTIONS, badChecksum, seededRegistries, unknownIin } from './registry-fixture';

const registries = seededRegistries();
afterAll(() => registries.remove());
const debtor = registries.data.taxDebts[0]!.iin;
const definition = (): ReturnType<typeof taxAdapter> => taxAdapter({ dataDir: registries.dir });

adapterContractSuite({
  definition,
  samples: [
    { service: 'taxpayer-status', body: { iin: debtor }, fields: TAXPAYER_FIELDS },
    { service: 'tax-debts', body: { iin: debtor }, fields: TAX_DEBTS_FIELDS },
  ],
  invalidBodies: [
    { service: 'taxpayer-status', body: { iin: '' } },
    { service: 'tax-debts', body: { taxpayer: debtor } },
    { service: 'tax-debts', body: 'iin' },
  ],
});

describe('src/tax queries through the SDK', () => {
  let bed: AdapterTestBed;
  beforeAll(async () => {
    bed = await AdapterTestBed.start(definition(), { services: definition().services ?? [] });
  });
  afterAll(() => bed.close());

  it('answers whether a taxpayer owes tax, and masks the debts away when only the status is granted', async () => {
    const status = await bed.call('taxpayer-status', { iin: debtor }, { fields: ['iin', 'hasDebt'] });
    expect(status.body).toEqual({ iin: debtor, hasDebt: true });
    const debts = await bed.call('tax-debts', { iin: debtor }, { fields: ['iin', 'totalDebt'] });
    expect(Object.keys(debts.body as object).sort()).toEqual(['iin', 'totalDebt']);
  });

  it('refuses an IIN with a wrong check digit and answers not_found for someone not registered', async () => {
    for (const service of ['taxpayer-status', 'tax-debts']) {
      expect((await bed.call(service, { iin: badChecksum(debtor) })).status).toBe('request_invalid');
      expect((await bed.call(service, { iin: unknownIin(registries.data) })).status).toBe('not_found');
    }
  });

  it('refuses SQL injection attempts in the IIN as request_invalid', async () => {
    for (const attempt of INJECTIONS) {
      for (const service of ['taxpayer-status', 'tax-debts']) {
        expect((await bed.call(service, { iin: attempt })).status).toBe('request_invalid');
      }
    }
  });
});
