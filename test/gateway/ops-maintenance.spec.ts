import { GatewayMetrics } from '../../apps/gateway/src/ops/gateway.metrics';
import { OpsServer } from '@kopir/ops';

/**
 * The ops port's maintenance switch answers operators' tools, not web pages: a browser sends Origin (and
 * Sec-Fetch-Site) with every POST, even after a DNS rebinding made the page "same-origin", so a page visited on the
 * gateway host cannot put the gateway in maintenance.
 */
describe('gateway ops port: the maintenance switch', () => {
  const maintenance = {
    enabled: false,
    set(enabled: boolean) {
      this.enabled = enabled;
    },
  };
  const ops = new OpsServer(new GatewayMetrics().registry, [], maintenance);
  let base: string;

  beforeAll(async () => {
    const address = await ops.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${address.port}`;
  });

  afterAll(() => ops.close());

  it('is switched by a plain POST (curl), and refused with an Origin or Sec-Fetch-Site header', async () => {
    const page = await fetch(`${base}/maintenance/on`, {
      method: 'POST',
      headers: { origin: 'http://intranet.example' },
    });
    expect(page.status).toBe(403);
    expect(maintenance.enabled).toBe(false);
    const fetched = await fetch(`${base}/maintenance/on`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(fetched.status).toBe(403);
    expect(maintenance.enabled).toBe(false);

    const tool = await fetch(`${base}/maintenance/on`, { method: 'POST' });
    expect(tool.status).toBe(200);
    expect(await tool.json()).toEqual({ maintenance: true });
    expect(maintenance.enabled).toBe(true);
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    expect((await fetch(`${base}/maintenance/off`, { method: 'POST' })).status).toBe(200);
    expect(maintenance.enabled).toBe(false);
  });
});
