import { KopirCallError, KopirClient } from '@kopir/client';
import { IIN, startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';

jest.setTimeout(90_000);

/**
 * The audit log's subject must be the person the registry is asked about. For a service that names that member of
 * its body (`subjectField`, `iin` for person-by-iin), the gateway refuses a request whose Kopir-Subject differs,
 * before anything reaches the provider; the provider here answers whatever it is sent, so only the gateway stands in
 * the way.
 */
describe('gateway: the declared subject is the person asked about', () => {
  let bed: GatewayTestBed;
  let client: KopirClient;
  let provided = 0;

  beforeAll(async () => {
    bed = await startGatewayTestBed('subject', (envelope, jws, b) => {
      provided++;
      return b.answer(jws, envelope, { iin: IIN, firstName: 'Aigerim' });
    });
    client = KopirClient.fromDevPki(bed.pki, 'psc/front-office', bed.gateway.url);
  });

  afterAll(async () => {
    client?.close();
    await bed?.close();
  });

  const call = (subject: string) =>
    client.call('mju/population/person-by-iin', { iin: IIN }, { purpose: 'driving-licence-issue', subject });

  it('answers when Kopir-Subject is the body’s iin, and refuses another person before the provider sees it', async () => {
    await expect(call(IIN)).resolves.toMatchObject({ body: { iin: IIN } });
    expect(provided).toBe(1);
    const refused = await call('850505400456').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(KopirCallError);
    expect(refused).toMatchObject({ code: 'request_invalid', httpStatus: 400 });
    // Audited like every refusal (it has a receipt), and nothing went to the provider.
    expect((refused as KopirCallError).auditReceipt).toMatch(/^[0-9a-f-]{36}$/);
    expect(provided).toBe(1);
  });
});
