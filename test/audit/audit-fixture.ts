import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { request } from 'node:https';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { buildAuditEvent, type AuditEvent } from '@kopir/audit-log';
import { AUDIT_EVENT_TYP } from '@kopir/contracts';
import { signJson } from '@kopir/envelope';
import { developmentFederation } from '@kopir/reference-registries';
import type { AuditServiceOptions } from '../../apps/audit/src/start-audit';
import { certificateFingerprint, devPkiPaths, initDevPki, type CertificateFiles, type DevPkiPaths } from '@kopir/pki';

/** The systems of the audit tests: a ministry system and a citizen portal. */
export const PORTAL = 'egov/citizen-portal';

/** A development PKI in `dir`, plus the audit service's TLS server certificate (127.0.0.1, localhost). */
export async function auditPki(dir: string): Promise<{ paths: DevPkiPaths; server: CertificateFiles }> {
  const { pki } = await initDevPki(dir, { systems: ['psc/front-office', PORTAL], kafkaClients: [] });
  const paths = devPkiPaths(dir);
  const server = {
    dir: join(dir, 'audit'),
    cert: join(dir, 'audit', 'tls.pem'),
    key: join(dir, 'audit', 'tls.key.pem'),
  };
  await pki.issue(
    { kind: 'server', commonName: 'audit', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
    'audit',
    server,
  );
  return { paths, server };
}

/** Logs nothing. */
export const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Options of an audit service for these tests, in `dir` with the test PKI: officer API on a free port, checkpoints
 * every 200 ms, the development federation's officers, no Kafka unless `overrides` give one.
 */
export function auditServiceOptions(
  dir: string,
  pki: Awaited<ReturnType<typeof auditPki>>,
  overrides: Partial<AuditServiceOptions> = {},
): AuditServiceOptions {
  // The federation registers the portal's certificate (tlsCertificateSha256), as it does every system's.
  const portalFingerprint = certificateFingerprint(readFileSync(pki.paths.system(PORTAL).tls.cert));
  return {
    host: '127.0.0.1',
    port: 0,
    database: join(dir, 'audit', 'ledger.db'),
    origin: 'kopir.test/audit',
    checkpointKey: pki.paths.auditCheckpoint.key,
    checkpointIntervalMs: 200,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.paths.chain, crl: pki.paths.crl },
    citizenPortals: [PORTAL],
    officers: () => developmentFederation().officers,
    systemByTlsFingerprint: (sha256) =>
      sha256 === portalFingerprint ? { id: PORTAL, name: 'Citizen portal', tlsCertificateSha256: sha256 } : undefined,
    groupId: 'kopir-audit-test',
    logger: quiet,
    ...overrides,
  };
}

/** The test's gateway signing key (P-256, as the development gateway's), and its kid. */
export const GATEWAY_KID = 'test-gateway';
export const gatewayKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** The consumer's key lookup in these tests: the test gateway's public key, and nobody else's. */
export function gatewayKeyOf(publicKey: KeyObject = gatewayKeys.publicKey): (kid: string) => KeyObject | undefined {
  return (kid) => (kid === GATEWAY_KID ? publicKey : undefined);
}

/**
 * Events as a gateway puts them on `kopir.audit`: one message, signed (kopir-audit+jws over {"events":[...],"v":1}),
 * by the test gateway unless told.
 */
export function signedBatch(events: readonly AuditEvent[], key: KeyObject = gatewayKeys.privateKey): Promise<string> {
  return signJson({ events, v: 1 }, key, { kid: GATEWAY_KID, typ: AUDIT_EVENT_TYP });
}

/** One event as its own signed message. */
export function signedEvent(event: AuditEvent, key?: KeyObject): Promise<string> {
  return signedBatch([event], key);
}

/** The test gateway's public key as PEM, for a consumer in another process. */
export function gatewayPublicKeyPem(): string {
  return createPublicKey(gatewayKeys.privateKey).export({ format: 'pem', type: 'spki' }).toString();
}

/** A service-call event as the gateway publishes it. */
export function sampleEvent(i: number, subject = `90010130${String(i % 1000).padStart(4, '0')}`): AuditEvent {
  return buildAuditEvent({
    eventId: `req-${i}`,
    requestId: `req-${i}`,
    time: new Date(Date.UTC(2025, 2, 1, 9, 0, 0) + i * 1000).toISOString(),
    kind: 'service-call',
    gateway: 'gw-1',
    client: i % 4 === 0 ? 'mia/police' : 'psc/front-office',
    service: 'mju/population/person-by-iin',
    purpose: 'driving-licence-issue',
    subject,
    decision: i % 10 === 0 ? 'deny' : 'allow',
    reason: i % 10 === 0 ? 'access_denied' : 'rule:psc-front-office.person-by-iin',
    status: i % 10 === 0 ? 403 : 200,
    errorCode: i % 10 === 0 ? 'access_denied' : null,
    latencyMs: 5 + (i % 20),
    requestHash: null,
    responseHash: null,
  });
}

export interface HttpsAnswer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
  readonly retryAfter?: string;
}

/** GET over mutual TLS with a client certificate of the test PKI (verification of the server stays on). */
export function get(
  port: number,
  path: string,
  client: CertificateFiles | undefined,
  ca: string,
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        ca: readFileSync(ca),
        ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
        servername: 'localhost',
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
            ...(typeof res.headers['retry-after'] === 'string' ? { retryAfter: res.headers['retry-after'] } : {}),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
