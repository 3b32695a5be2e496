import { request } from 'node:https';
import { KopirCallError, KopirClient } from '@kopir/client';
import { IIN, startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';
import { systemTls } from './system-tls';

jest.setTimeout(90_000);

/**
 * Issue 6: the gateway waits for a provider's answer for the service's own timeout (federation document,
 * `timeoutSeconds`), else for GATEWAY_PROVIDER_TIMEOUT (10 s by default). Here the gateway's default is 20 s and
 * person-by-iin sets 2 s; the provider never answers.
 */
describe('gateway: a timeout per service', () => {
  let bed: GatewayTestBed;
  let client: KopirClient;

  beforeAll(async () => {
    bed = await startGatewayTestBed(
      'service-timeout',
      () => Promise.resolve(undefined),
      { GATEWAY_PROVIDER_TIMEOUT: '20s' },
      {},
      { timeoutSeconds: { 'mju/population/person-by-iin': 2 } },
    );
    client = KopirClient.fromDevPki(bed.pki, 'psc/front-office', bed.gateway.url);
  });

  afterAll(async () => {
    client?.close();
    await bed?.close();
  });

  it("answers 504 provider_timeout after the service's own timeout, not the gateway's default", async () => {
    const started = Date.now();
    const error = await client
      .call('mju/population/person-by-iin', { iin: IIN }, { purpose: 'driving-licence-issue', subject: IIN })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(KopirCallError);
    expect(error).toMatchObject({ code: 'provider_timeout', httpStatus: 504 });
    expect(waited).toBeGreaterThanOrEqual(1900);
    // Far below the default's 20 s: the service's timeout applied (the margin is for a slow machine, not a race).
    expect(waited).toBeLessThan(12_000);
  });

  /** GET over mutual TLS as psc/front-office: status, content type and parsed body. */
  function get(path: string): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const { cert, key, ca } = systemTls(bed, 'psc/front-office');
      const req = request(new URL(path, bed.gateway.url), { cert, key, ca }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('tells the caller each timeout in its catalog', async () => {
    const { services } = await client.catalog();
    const timeouts = Object.fromEntries(services.map((e) => [e.id, e.timeoutSeconds]));
    expect(timeouts['mju/population/person-by-iin']).toBe(2);
    // The services that set none show the gateway's default.
    expect(timeouts['mia/vehicles/vehicles-by-owner']).toBe(20);
  });

  it("describes a service the caller may call in OpenAPI 3.1, with its purposes and timeout, and no other's", async () => {
    const { status, body } = await get('/r1/catalog/mju/population/person-by-iin');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const post = (body.paths as Record<string, { post: Record<string, unknown> }>)['/r1/mju/population/person-by-iin']
      ?.post as { parameters: { name: string; schema: { enum?: string[] } }[]; 'x-kopir-timeout-seconds': number };
    expect(post['x-kopir-timeout-seconds']).toBe(2);
    expect(post.parameters.find((p) => p.name === 'Kopir-Purpose')?.schema.enum).toContain('driving-licence-issue');

    // A service psc/front-office has no rule for is not described, and the answer does not say it exists.
    const other = await get('/r1/catalog/mju/population/address-history');
    expect(other.status).toBe(404);
    expect(other.type).toContain('application/problem+json');
    expect(other.body.code).toBe('service_unknown');
    const none = await get('/r1/catalog/mju/population/no-such-service');
    expect({ status: none.status, code: none.body.code }).toEqual({ status: 404, code: 'service_unknown' });
  });
});
