import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createKafkaFromSettings, silentLogger } from '@kopir/messaging';
import { devPkiPaths, initDevPki, splitCrls } from '@kopir/pki';

jest.setTimeout(60_000);

describe('createKafkaFromSettings', () => {
  const root = mkdtempSync(join(tmpdir(), 'kopir-kafka-tls-'));
  const paths = devPkiPaths(root);
  beforeAll(async () => {
    await initDevPki(root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a partial TLS configuration with config_invalid, naming the three keys', () => {
    expect(() =>
      createKafkaFromSettings(
        { brokers: ['127.0.0.1:1'], clientId: 'kopir', tlsCa: paths.chain, tlsCert: undefined, tlsKey: undefined },
        'gateway',
        silentLogger,
      ),
    ).toThrow(/KAFKA_TLS_CA, KAFKA_TLS_CERT and KAFKA_TLS_KEY/);
  });

  it('refuses a key file given as the certificate', () => {
    const client = paths.kafkaClient('gateway');
    expect(() =>
      createKafkaFromSettings(
        { brokers: ['127.0.0.1:1'], clientId: 'kopir', tlsCa: paths.chain, tlsCert: client.key, tlsKey: client.key },
        'gateway',
        silentLogger,
      ),
    ).toThrow(/does not hold a PEM certificate/);
  });

  it("connects with the service's Kafka client certificate to a broker that requires one, verifying the broker", async () => {
    const client = paths.kafkaClient('gateway');
    const seen: { authorized: boolean; subject: string }[] = [];
    const server = createServer(
      {
        cert: readFileSync(paths.gateway.cert),
        key: readFileSync(paths.gateway.key),
        ca: readFileSync(paths.chain),
        crl: splitCrls(readFileSync(paths.crl, 'utf8')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket: TLSSocket) => {
        seen.push({ authorized: socket.authorized, subject: String(socket.getPeerCertificate().subject.CN) });
        socket.destroy();
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const kafka = createKafkaFromSettings(
      {
        brokers: [`localhost:${port}`],
        clientId: 'kopir',
        tlsCa: paths.chain,
        tlsCert: client.cert,
        tlsKey: client.key,
      },
      'gateway',
      silentLogger,
    );
    const admin = kafka.admin({ retry: { retries: 0 } });
    // The fake broker hangs up after the handshake, so the Kafka request fails; the handshake is what is tested.
    await expect(admin.connect()).rejects.toThrow();
    server.close();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toEqual({ authorized: true, subject: expect.stringContaining('gateway') });
  });
});
