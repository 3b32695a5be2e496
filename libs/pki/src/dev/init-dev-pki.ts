import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { normalizeSerial, type CertificateAuthority } from '../ca/certificate-authority';
import { createIssuingCa, createRootCa } from '../ca/create-ca';
import { certificateFingerprint } from '../keys/fingerprint';
import { generateKeyPair, type KeyType } from '../keys/generate-key-pair';
import { loadPrivateKey, privateKeyToPem, publicKeyToPem } from '../keys/load-key';
import { writeAtomic } from '../lib/write-atomic';
import {
  REFERENCE_KAFKA_BROKERS,
  REFERENCE_KAFKA_CLIENTS,
  REFERENCE_OFFICERS,
  REFERENCE_SYSTEMS,
  devPkiPaths,
  type KeyFiles,
} from './dev-pki-paths';
import { PkiDirectory } from './pki-directory';

/** Options of {@link initDevPki}. */
export interface InitDevPkiOptions {
  readonly now?: Date;
  /** Systems to issue (default: the reference deployment's). */
  readonly systems?: readonly string[];
  readonly officers?: readonly string[];
  readonly kafkaClients?: readonly string[];
  /**
   * Kafka brokers of the production topology to issue server certificates and PEM keystores for (default kafka-1..3,
   * as docker-compose.yml names them). When not empty, the Kafka CLI tools' certificate and client.properties too.
   */
  readonly kafkaBrokers?: readonly string[];
}

/** What {@link initDevPki} did: the files it created (relative to the directory); empty on a second run. */
export interface InitDevPkiResult {
  readonly created: readonly string[];
  readonly pki: PkiDirectory;
}

const ORG = 'O=Kopir Intranet';

function loadOrCreateKey(files: KeyFiles, type: KeyType, created: string[], root: string): KeyObject {
  if (existsSync(files.key)) return loadPrivateKey(files.key);
  const { privateKey } = generateKeyPair(type);
  writeAtomic(files.key, privateKeyToPem(privateKey), 0o600);
  writeAtomic(files.publicKey, publicKeyToPem(privateKey), 0o644);
  created.push(files.key.slice(root.length + 1), files.publicKey.slice(root.length + 1));
  return privateKey;
}

/**
 * Creates a P-256 encryption key pair (ECDH-ES, RFC 7518 §4.6) at `files` unless its private key exists: what `pki
 * init` does for the reference systems and `pki issue --system` for any system. Its own key, never
 * the signing key's: one key, one purpose.
 *
 * @returns the files written (empty when the key existed).
 */
export function ensureEncryptionKey(files: KeyFiles): string[] {
  if (existsSync(files.key)) return [];
  const { privateKey } = generateKeyPair('P-256');
  writeAtomic(files.key, privateKeyToPem(privateKey), 0o600);
  writeAtomic(files.publicKey, publicKeyToPem(privateKey), 0o644);
  return [files.key, files.publicKey];
}

function recordCa(pki: PkiDirectory, ca: CertificateAuthority, kind: 'root-ca' | 'issuing-ca', file: string): void {
  const cert = ca.certificate;
  pki.record({
    serial: normalizeSerial(cert.serialNumber),
    kind,
    name: kind,
    subject: cert.subject.split('\n').join(', '),
    fingerprint: certificateFingerprint(cert),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    file,
  });
}

/**
 * Creates (or completes) a development PKI in `root` (certs/dev): root and issuing CA, CRLs, the gateway's TLS
 * certificate (DNS localhost, IP 127.0.0.1) and signing key, the audit service's TLS server certificate, the federation authority's ES256 key, the audit
 * checkpoint Ed25519 key, and for the reference deployment the systems psc/front-office, mju/population,
 * mia/vehicles and src/tax (each with its encryption key), officers `officer` and `auditor`, Kafka client certificates, and the Kafka brokers'
 * server certificates and PEM keystores for docker-compose.yml (kafka-1..3, plus the CLI tools' client.properties).
 *
 * Idempotent: whatever exists is kept, only what is missing is made, so a second run changes nothing (except
 * renewing the CRL when less than a week of it remains).
 */
export async function initDevPki(root: string, options: InitDevPkiOptions = {}): Promise<InitDevPkiResult> {
  const paths = devPkiPaths(root);
  const created: string[] = [];
  const rel = (path: string): string => path.slice(root.length + 1);
  let pki: PkiDirectory;
  if (existsSync(paths.issuingCa.cert) && existsSync(paths.index)) {
    pki = PkiDirectory.open(root);
  } else {
    const now = options.now;
    const rootCa = existsSync(paths.rootCa.cert)
      ? {
          certificate: new X509Certificate(readFileSync(paths.rootCa.cert)),
          privateKey: loadPrivateKey(paths.rootCa.key),
          chain: [],
        }
      : await createRootCa({ subject: `CN=Kopir Dev Root CA, ${ORG}`, now });
    if (!existsSync(paths.rootCa.cert)) {
      writeAtomic(paths.rootCa.key, privateKeyToPem(rootCa.privateKey), 0o600);
      writeAtomic(paths.rootCa.cert, rootCa.certificate.toString(), 0o644);
      created.push(rel(paths.rootCa.key), rel(paths.rootCa.cert));
    }
    const issuingCa = await createIssuingCa(rootCa, { subject: `CN=Kopir Dev Issuing CA, ${ORG}`, now });
    writeAtomic(paths.issuingCa.key, privateKeyToPem(issuingCa.privateKey), 0o600);
    writeAtomic(paths.issuingCa.cert, issuingCa.certificate.toString(), 0o644);
    created.push(rel(paths.issuingCa.key), rel(paths.issuingCa.cert));
    pki = PkiDirectory.create(root, rootCa, issuingCa);
    recordCa(pki, rootCa, 'root-ca', rel(paths.rootCa.cert));
    recordCa(pki, issuingCa, 'issuing-ca', rel(paths.issuingCa.cert));
  }
  if (!existsSync(paths.chain)) {
    writeAtomic(paths.chain, pki.chainPem(), 0o644);
    created.push(rel(paths.chain));
  }

  const issued = (files: readonly { certificate: X509Certificate }[], paths: readonly string[]): void => {
    if (files.length > 0) created.push(...paths.map(rel));
  };
  const gateway = await pki.issue(
    { kind: 'server', commonName: 'gateway', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
    'gateway',
    paths.gateway,
    { now: options.now },
  );
  issued(gateway ? [gateway] : [], [paths.gateway.cert, paths.gateway.key]);
  // The officer API listens on its own port (8444) with its own server certificate, so a leaked audit key cannot
  // impersonate the gateway and vice versa.
  const audit = await pki.issue(
    { kind: 'server', commonName: 'audit', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
    'audit',
    paths.auditTls,
    { now: options.now },
  );
  issued(audit ? [audit] : [], [paths.auditTls.cert, paths.auditTls.key]);
  loadOrCreateKey(paths.gateway.signing, 'P-256', created, root);
  loadOrCreateKey(paths.federationAuthority, 'P-256', created, root);
  loadOrCreateKey(paths.auditCheckpoint, 'Ed25519', created, root);

  for (const system of options.systems ?? REFERENCE_SYSTEMS) {
    const files = paths.system(system);
    const certs = await pki.issueSystem(system, { now: options.now });
    issued(certs, certs.length > 0 ? [files.tls.cert, files.tls.key, files.signing.cert, files.signing.key] : []);
    created.push(...ensureEncryptionKey(files.encryption).map(rel));
  }
  for (const officer of options.officers ?? REFERENCE_OFFICERS) {
    const files = paths.officer(officer);
    issued(await pki.issueOfficer(officer, { now: options.now }), [files.cert, files.key]);
  }
  for (const client of options.kafkaClients ?? REFERENCE_KAFKA_CLIENTS) {
    const files = paths.kafkaClient(client);
    issued(await pki.issueKafkaClient(client, { now: options.now }), [files.cert, files.key]);
  }
  const brokers = options.kafkaBrokers ?? REFERENCE_KAFKA_BROKERS;
  for (const broker of brokers) {
    created.push(...(await pki.issueKafkaBroker(broker, { now: options.now })).written.map(rel));
  }
  if (brokers.length > 0) created.push(...(await pki.issueKafkaTools({ now: options.now })).map(rel));
  if (pki.crlNeedsRenewal(options.now)) {
    await pki.writeCrl(options.now);
    created.push(rel(paths.crl), rel(paths.issuingCrl), rel(paths.rootCrl));
  }
  return { created, pki };
}

/** The public key of a key file pair (for callers that only verify). */
export function publicKeyOf(files: KeyFiles): KeyObject {
  return createPublicKey(readFileSync(files.publicKey));
}
