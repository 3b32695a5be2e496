import { KopirClient } from '@kopir/client';
import { PkiDirectory } from '@kopir/pki';
import { IIN, startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';

jest.setTimeout(90_000);

/**
 * A CRL past its nextUpdate stops all traffic: OpenSSL's CRL check refuses every client certificate ("CRL has
 * expired") although no certificate is wrong. The gateway must say so where operators look: /health/ready names the
 * CRL, and /metrics carries its expiry time so that an alert can fire before. A fresh CRL brings traffic back without
 * a restart.
 */
describe('gateway: a CRL that expires while the gateway runs', () => {
  let bed: GatewayTestBed;

  beforeAll(async () => {
    bed = await startGatewayTestBed('crl-expiry');
  });

  afterAll(async () => {
    await bed?.close();
  });

  /** A new client each time: a new TLS handshake, where the CRL is checked. */
  async function call(): Promise<unknown> {
    const client = KopirClient.fromDevPki(bed.pki, 'psc/front-office', bed.gateway.url);
    try {
      return await client.call(
        'mju/population/person-by-iin',
        { iin: IIN },
        { purpose: 'driving-licence-issue', subject: IIN },
      );
    } finally {
      client.close();
    }
  }

  async function ready(): Promise<{ status: number; crl: string | undefined }> {
    const response = await fetch(`${bed.gateway.opsUrl}/health/ready`);
    const body = (await response.json()) as { checks: Record<string, string> };
    return { status: response.status, crl: body.checks.crl };
  }

  async function crlExpiryMetric(): Promise<number | undefined> {
    const text = await (await fetch(`${bed.gateway.opsUrl}/metrics`)).text();
    const line = /^kopir_gateway_crl_next_update_timestamp_seconds (\S+)$/m.exec(text);
    return line ? Number(line[1]) : undefined;
  }

  async function until(what: string, condition: () => Promise<boolean>, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('is named by the readiness probe once expired, refuses handshakes, and a fresh CRL restores service', async () => {
    expect(await ready()).toEqual({ status: 200, crl: 'ok' });
    await expect(call()).resolves.toMatchObject({ body: { iin: IIN } });

    // A CRL valid for a few seconds more, as one that nobody renewed would be on its last day.
    const ca = PkiDirectory.open(bed.pki);
    const written = Date.now();
    await ca.writeCrl(new Date(written), 6_000);
    const expiresAt = Math.floor(written / 1000) + 6;
    await until('the gateway to load the short-lived CRL', async () => {
      const metric = await crlExpiryMetric();
      return metric !== undefined && Math.abs(metric - expiresAt) <= 1;
    });
    expect(await ready()).toEqual({ status: 200, crl: 'ok' });

    await new Promise((r) => setTimeout(r, Math.max(0, written + 6_500 - Date.now())));
    const expired = await ready();
    expect(expired.status).toBe(503);
    expect(expired.crl).toMatch(/expired at .*every client handshake is refused/);
    // What the probe warns of: the TLS layer now refuses a valid, unrevoked client certificate.
    await expect(call()).rejects.toMatchObject({ code: 'provider_unavailable' });

    await ca.writeCrl();
    await until('the gateway to load the fresh CRL', async () => (await ready()).status === 200);
    expect((await ready()).crl).toBe('ok');
    await expect(call()).resolves.toMatchObject({ body: { iin: IIN } });
  });
});
