import { KopirCallError, KopirClient } from '@kopir/client';
import { histogramByLabel as histogram } from '../bench/measure';
import { IIN, startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';

jest.setTimeout(90_000);

/**
 * An operator asks "where did the time go" of a slow gateway: /metrics splits each successful request's time in the
 * relay into checks, provider, answer and audit. Here the provider takes 400 ms to answer, so the provider phase must
 * carry that time and the other phases must not; refused requests add to no phase.
 */
describe('gateway: time per relay phase on /metrics', () => {
  const providerDelayMs = 400;
  let bed: GatewayTestBed;
  let client: KopirClient;

  beforeAll(async () => {
    bed = await startGatewayTestBed('phases', async (envelope, jws, b) => {
      await new Promise((resolve) => setTimeout(resolve, providerDelayMs));
      return b.answer(jws, envelope, { iin: IIN, firstName: 'Aigerim' });
    });
    client = KopirClient.fromDevPki(bed.pki, 'psc/front-office', bed.gateway.url);
  });

  afterAll(async () => {
    client?.close();
    await bed?.close();
  });

  const call = (purpose: string) =>
    client.call('mju/population/person-by-iin', { iin: IIN }, { purpose, subject: IIN });

  it('puts a slow provider in the provider phase, and the rest of the time in the other three', async () => {
    await call('driving-licence-issue');
    await call('driving-licence-issue');
    // A refusal (purpose not allowed) is counted in the request metrics but in no phase.
    await expect(call('marketing')).rejects.toBeInstanceOf(KopirCallError);

    const text = await (await fetch(`${bed.gateway.opsUrl}/metrics`)).text();
    const phases = histogram(text, 'kopir_gateway_phase_duration_seconds', 'phase');
    expect([...phases.keys()].sort()).toEqual(['answer', 'audit', 'checks', 'provider']);
    for (const [, { count }] of phases) expect(count).toBe(2);

    const provider = phases.get('provider')!;
    expect(provider.sum / provider.count).toBeGreaterThanOrEqual(providerDelayMs / 1000);
    for (const phase of ['checks', 'answer', 'audit']) {
      // Each well below the provider's delay: the clock laps at the right places.
      expect(phases.get(phase)!.sum / 2).toBeLessThan(providerDelayMs / 1000 / 2);
    }

    // The phases add up to no more than the request's whole time at the gateway.
    const total = histogram(text, 'kopir_gateway_request_duration_seconds', 'outcome').get('ok')!;
    expect(total.count).toBe(2);
    const phaseSum = [...phases.values()].reduce((s, p) => s + p.sum, 0);
    expect(phaseSum).toBeLessThanOrEqual(total.sum + 1e-6);
    expect(phaseSum).toBeGreaterThan(total.sum * 0.5);
  });
});
