import { KopirClient } from '@kopir/client';
import { ensureTopics } from '@kopir/messaging';
import { IIN, startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';

jest.setTimeout(90_000);

/**
 * Issue 6 asks /metrics for Kafka lag. The gateway reports how far behind each provider system's adapters
 * (kopir.req.<agency>), the audit service (kopir.audit) and its own reply consumer are. In this bed mju/population is
 * served by a test adapter in a group of its own, so the group the SDK's adapters would use, kopir-adapter-mju-population,
 * never reads: its lag is every request sent, which is what an operator sees when a registry's adapters are down.
 */
describe('gateway: Kafka consumer lag on /metrics', () => {
  let bed: GatewayTestBed;
  let client: KopirClient;

  beforeAll(async () => {
    // The audit service's group renamed (AUDIT_CONSUMER_GROUP), as an operator may: the gateway follows the name.
    bed = await startGatewayTestBed('kafka-lag', undefined, { AUDIT_CONSUMER_GROUP: 'kopir-audit-blue' });
    client = KopirClient.fromDevPki(bed.pki, 'psc/front-office', bed.gateway.url);
  });

  afterAll(async () => {
    client?.close();
    await bed?.close();
  });

  async function scrape(): Promise<{ lag: Map<string, number>; up: number | undefined }> {
    const text = await (await fetch(`${bed.gateway.opsUrl}/metrics`)).text();
    const lag = new Map<string, number>();
    for (const [, labels, value] of text.matchAll(/^kopir_gateway_kafka_lag_messages\{([^}]*)\} (\S+)$/gm)) {
      const group = /group="([^"]*)"/.exec(labels ?? '')?.[1] ?? '';
      const topic = /topic="([^"]*)"/.exec(labels ?? '')?.[1] ?? '';
      const key = `${group} ${topic}`;
      lag.set(key, (lag.get(key) ?? 0) + Number(value));
    }
    const up = /^kopir_gateway_kafka_lag_up (\S+)$/m.exec(text)?.[1];
    return { lag, up: up === undefined ? undefined : Number(up) };
  }

  async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value, replacer)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('shows a provider group that does not read falling behind by every request, and consumers that keep up at zero', async () => {
    const calls = 7;
    for (let i = 0; i < calls; i++) {
      await client.call(
        'mju/population/person-by-iin',
        { iin: IIN },
        { purpose: 'driving-licence-issue', subject: IIN },
      );
    }
    const { lag, up } = await until(
      'the lag of the idle adapter group and of the gateway and audit consumers',
      scrape,
      ({ lag: l }) =>
        l.get('kopir-adapter-mju-population kopir.req.mju') === calls &&
        l.get('kopir-gateway-gw-kafka-lag kopir.reply.gw-kafka-lag') === 0,
    );
    expect(up).toBe(1);
    // No audit service runs in this bed: every audit event the gateway wrote is waiting for it.
    expect(lag.get('kopir-audit-blue kopir.audit')).toBe(calls);
    expect(lag.has('kopir-audit kopir.audit')).toBe(false);
    // Provider systems whose agency's topic does not exist yet are left out, not reported as keeping up.
    expect(lag.has('kopir-adapter-mia-vehicles kopir.req.mia')).toBe(false);
  });

  it("lists every provider system of the federation once its agency's topic exists", async () => {
    await ensureTopics(bed.kafka, [
      { topic: 'kopir.req.mia', numPartitions: 2 },
      { topic: 'kopir.req.src', numPartitions: 1 },
    ]);
    const { lag } = await until(
      'the vehicle and tax registries',
      scrape,
      ({ lag: l }) => l.has('kopir-adapter-mia-vehicles kopir.req.mia') && l.has('kopir-adapter-src-tax kopir.req.src'),
    );
    expect(lag.get('kopir-adapter-mia-vehicles kopir.req.mia')).toBe(0);
    expect(lag.get('kopir-adapter-src-tax kopir.req.src')).toBe(0);
  });

  it('says the measurement failed, with no stale figures, while the broker is down', async () => {
    await bed.stopBroker();
    try {
      const { lag, up } = await until('kopir_gateway_kafka_lag_up 0', scrape, (s) => s.up === 0);
      expect(lag.size).toBe(0);
      expect(up).toBe(0);
    } finally {
      await bed.restartBroker();
    }
    await until('kopir_gateway_kafka_lag_up 1 once the broker is back', scrape, (s) => s.up === 1);
  });
});

function replacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}
