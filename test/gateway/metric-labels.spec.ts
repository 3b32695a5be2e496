import { KopirCallError, KopirClient } from '@kopir/client';
import { IIN, startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';

jest.setTimeout(90_000);

/**
 * Every label value of a Prometheus metric is a time series the gateway keeps until it stops. The service in the
 * path is the caller's choice, so calls to services the federation does not define are counted under
 * `service="unknown"`: a caller cannot grow the gateway's memory and /metrics by inventing service names (a review
 * found 3,000 made-up paths adding 3,000 series and 110 MB). Services that exist keep their own label.
 */
describe('gateway: metric labels are bounded by the federation, not by what callers send', () => {
  let bed: GatewayTestBed;
  let client: KopirClient;

  beforeAll(async () => {
    bed = await startGatewayTestBed('metric-labels');
    client = KopirClient.fromDevPki(bed.pki, 'psc/front-office', bed.gateway.url);
  });

  afterAll(async () => {
    client?.close();
    await bed?.close();
  });

  /** The `service` label values of a metric family on /metrics. */
  async function services(metric: string): Promise<string[]> {
    const text = await (await fetch(`${bed.gateway.opsUrl}/metrics`)).text();
    const values = [...text.matchAll(new RegExp(`^${metric}\\{[^}]*service="([^"]*)"`, 'gm'))].map((m) => m[1]);
    return [...new Set(values)].sort() as string[];
  }

  it('counts made-up services as unknown, and a defined one under its id', async () => {
    await client.call('mju/population/person-by-iin', { iin: IIN }, { purpose: 'driving-licence-issue', subject: IIN });
    for (let i = 0; i < 40; i += 1) {
      const refused = await client
        .call(`made${i}/up/service`, { iin: IIN }, { purpose: 'driving-licence-issue', subject: IIN })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(KopirCallError);
      expect((refused as KopirCallError).code).toBe('service_unknown');
    }
    expect(await services('kopir_gateway_requests_total')).toEqual(['mju/population/person-by-iin', 'unknown']);
    expect(await services('kopir_gateway_request_duration_seconds_count')).toEqual([
      'mju/population/person-by-iin',
      'unknown',
    ]);
  });
});
