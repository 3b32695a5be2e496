import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { isSystemId, type SystemId } from '@kopir/contracts';
import { normalizeSerial, type CertificateAuthority, type IssuedCertificate } from '../ca/certificate-authority';
import { createCrl, type RevocationReason } from '../ca/create-crl';
import { issueCertificate } from '../ca/issue-certificate';
import type { CertificateKind, CertificateProfile } from '../ca/profiles';
import { KeyMaterialInvalidError, RevocationTargetAmbiguousError } from '../errors';
import { exportPkcs12 } from '../keys/export-pkcs12';
import { generateKeyPair, type KeyType } from '../keys/generate-key-pair';
import { loadPrivateKey, privateKeyToPem } from '../keys/load-key';
import { writeAtomic } from '../lib/write-atomic';
import {
  KAFKA_CONTAINER_CERTS,
  KAFKA_TOOLS_CLIENT,
  devPkiPaths,
  type CertificateFiles,
  type DevPkiPaths,
  type KafkaKeystoreFiles,
} from './dev-pki-paths';

/** One certificate in the registry (index.json) of a PKI directory. */
export interface CertificateRecord {
  readonly serial: string;
  readonly kind: CertificateKind | 'root-ca' | 'issuing-ca';
  /** System id, officer or Kafka client name, `gateway`, or the CA's role. */
  readonly name: string;
  readonly subject: string;
  readonly fingerprint: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** Path of the certificate file, relative to the PKI directory. */
  readonly file: string;
  readonly revokedAt?: string;
  readonly reason?: RevocationReason;
}

interface Registry {
  version: 1;
  /** Last CRL number issued by the issuing CA (RFC 5280 §5.2.3: monotonically increasing). */
  crlNumber: number;
  /** When the CRLs were last written (ISO 8601). */
  crlUpdatedAt?: string;
  /** When the CRLs last written stop being valid. */
  crlNextUpdate?: string;
  certificates: CertificateRecord[];
}

const DAY_MS = 86_400_000;
/** How long a dev CRL is valid; `pki init` renews it once less than {@link CRL_RENEW_MS} remains. */
const CRL_VALIDITY_MS = 30 * DAY_MS;
const CRL_RENEW_MS = 7 * DAY_MS;

/**
 * `client.properties` of the Kafka CLI tools (`--command-config`): mutual TLS with the kafka-tools keystore and the
 * intranet CA as a PEM truststore, at the paths where the broker containers see certs/dev (`mount`).
 */
export function kafkaClientProperties(paths: DevPkiPaths, mount = KAFKA_CONTAINER_CERTS): string {
  const inMount = (path: string): string => `${mount}/${relative(paths.root, path).split(sep).join('/')}`;
  return [
    '# Kafka CLI tools (kafka-topics.sh, kafka-broker-api-versions.sh, ...) against the TLS listeners, e.g.',
    `#   kafka-topics.sh --bootstrap-server localhost:9093 --command-config ${inMount(paths.kafkaToolsProperties)} --list`,
    `# Written by kopir pki init; the paths are where docker-compose.yml mounts certs/dev (${mount}).`,
    'security.protocol=SSL',
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${inMount(paths.kafkaTools.keystore)}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${inMount(paths.chain)}`,
    'ssl.enabled.protocols=TLSv1.3,TLSv1.2',
    '',
  ].join('\n');
}

/** `cafe` as `ca:fe`: the spelling of a serial that no name can have. */
function withColons(serial: string): string {
  return (serial.match(/^.(?=(..)*$)|../g) ?? [serial]).join(':');
}

function describe(subject: string): string {
  // Node prints one RDN a line, most significant last; show it as one comma-separated line.
  return subject.split('\n').join(', ');
}

/**
 * A PKI directory (certs/dev by default): the two CAs, the registry of what they issued, and the CRL. Every change
 * (issue, revoke) updates index.json and regenerates the CRL, which the gateway reloads.
 */
export class PkiDirectory {
  readonly paths: DevPkiPaths;
  private readonly registry: Registry;

  private constructor(
    root: string,
    readonly rootCa: CertificateAuthority,
    readonly issuingCa: CertificateAuthority,
    registry: Registry,
  ) {
    this.paths = devPkiPaths(root);
    this.registry = registry;
  }

  /** Opens a directory that `pki init` created. @throws KeyMaterialInvalidError when it holds no CA. */
  static open(root: string): PkiDirectory {
    const paths = devPkiPaths(root);
    if (!existsSync(paths.issuingCa.cert) || !existsSync(paths.index)) {
      throw new KeyMaterialInvalidError(`No PKI in ${root}: run \`kopir pki init\` first`);
    }
    const rootCa: CertificateAuthority = {
      certificate: new X509Certificate(readFileSync(paths.rootCa.cert)),
      privateKey: loadPrivateKey(paths.rootCa.key),
      chain: [],
    };
    const issuingCa: CertificateAuthority = {
      certificate: new X509Certificate(readFileSync(paths.issuingCa.cert)),
      privateKey: loadPrivateKey(paths.issuingCa.key),
      chain: [rootCa.certificate],
    };
    const registry = JSON.parse(readFileSync(paths.index, 'utf8')) as Registry;
    return new PkiDirectory(root, rootCa, issuingCa, registry);
  }

  /** @internal Used by initDevPki for a directory it has just given CAs. */
  static create(root: string, rootCa: CertificateAuthority, issuingCa: CertificateAuthority): PkiDirectory {
    const paths = devPkiPaths(root);
    const registry: Registry = existsSync(paths.index)
      ? (JSON.parse(readFileSync(paths.index, 'utf8')) as Registry)
      : { version: 1, crlNumber: 0, certificates: [] };
    return new PkiDirectory(root, rootCa, issuingCa, registry);
  }

  /** Every certificate in the registry, CAs first, in issue order. */
  list(): readonly CertificateRecord[] {
    return this.registry.certificates;
  }

  /** The valid, unrevoked certificate of `kind` for `name`, if any. */
  active(kind: CertificateRecord['kind'], name: string, now = new Date()): CertificateRecord | undefined {
    return this.registry.certificates.find(
      (c) => c.kind === kind && c.name === name && c.revokedAt === undefined && Date.parse(c.notAfter) > now.getTime(),
    );
  }

  /** Records a certificate (the CAs' own, at init). */
  record(entry: CertificateRecord): void {
    this.registry.certificates.push(entry);
    this.save();
  }

  /**
   * Issues a certificate and key for `profile` into `files` unless an unrevoked, unexpired one exists (then returns
   * undefined and changes nothing: `pki issue` is idempotent; revoke first to replace).
   */
  async issue(
    profile: CertificateProfile,
    name: string,
    files: CertificateFiles,
    options: { keyType?: KeyType; now?: Date } = {},
  ): Promise<IssuedCertificate | undefined> {
    if (this.active(profile.kind, name, options.now)) return undefined;
    const { privateKey } = generateKeyPair(options.keyType ?? 'P-256');
    const issued = await issueCertificate(this.issuingCa, createPublicKey(privateKey), profile, { now: options.now });
    writeAtomic(files.key, privateKeyToPem(privateKey), 0o600);
    // The certificate file holds the leaf then the issuing CA, so a TLS peer sends the chain it is checked with.
    writeAtomic(files.cert, `${issued.pem}${this.issuingCa.certificate.toString()}`, 0o644);
    this.record({
      serial: issued.serial,
      kind: profile.kind,
      name,
      subject: describe(issued.certificate.subject),
      fingerprint: issued.fingerprint,
      notBefore: new Date(issued.certificate.validFrom).toISOString(),
      notAfter: issued.notAfter.toISOString(),
      file: files.cert.slice(this.paths.root.length + 1),
    });
    return issued;
  }

  /** Issues a system's TLS client certificate and its signing certificate (both unless already present). */
  async issueSystem(system: string, options: { keyType?: KeyType; now?: Date } = {}): Promise<IssuedCertificate[]> {
    if (!isSystemId(system)) throw new KeyMaterialInvalidError(`Invalid system id ${JSON.stringify(system)}`);
    const id: SystemId = system;
    const files = this.paths.system(id);
    const issued = [
      await this.issue({ kind: 'system-tls', system: id }, id, files.tls, options),
      await this.issue({ kind: 'system-signing', system: id }, id, files.signing, options),
    ];
    return issued.filter((c): c is IssuedCertificate => c !== undefined);
  }

  /** Issues an officer's client certificate (SAN URI urn:kopir:officer:<name>). */
  async issueOfficer(name: string, options: { keyType?: KeyType; now?: Date } = {}): Promise<IssuedCertificate[]> {
    const issued = await this.issue({ kind: 'officer', officer: name }, name, this.paths.officer(name), options);
    return issued ? [issued] : [];
  }

  /** Issues a Kafka client certificate (SAN URI urn:kopir:kafka:<name>). */
  async issueKafkaClient(name: string, options: { keyType?: KeyType; now?: Date } = {}): Promise<IssuedCertificate[]> {
    const issued = await this.issue(
      { kind: 'kafka-client', client: name },
      name,
      this.paths.kafkaClient(name),
      options,
    );
    return issued ? [issued] : [];
  }

  /**
   * Issues a Kafka broker's certificate (serverAuth + clientAuth; SAN DNS `name` and `localhost` unless `dnsNames`
   * says otherwise) and writes its PEM keystore. Idempotent like {@link issue}; the keystore is (re)written whenever
   * it is missing or older than the certificate, so `pki init` completes an older PKI.
   *
   * @returns the certificate issued (empty when a valid one existed) and the files written.
   */
  async issueKafkaBroker(
    name: string,
    options: { dnsNames?: readonly string[]; keyType?: KeyType; now?: Date } = {},
  ): Promise<{ issued: IssuedCertificate[]; written: string[] }> {
    const files = this.paths.kafkaBroker(name);
    const issued = await this.issue(
      { kind: 'kafka-broker', broker: name, dnsNames: options.dnsNames ?? [name, 'localhost'] },
      name,
      files,
      options,
    );
    const written = issued ? [files.cert, files.key] : [];
    if (this.writeKeystore(files, issued !== undefined)) written.push(files.keystore);
    return { issued: issued ? [issued] : [], written };
  }

  /**
   * Issues the Kafka CLI tools' client certificate (`kafka-tools`), its PEM keystore and `client.properties` for the
   * tools in the broker containers (paths under `mount`, where docker-compose.yml mounts certs/dev). Idempotent.
   *
   * @returns the files written (empty when everything existed).
   */
  async issueKafkaTools(options: { mount?: string; keyType?: KeyType; now?: Date } = {}): Promise<string[]> {
    const files = this.paths.kafkaTools;
    const issued = await this.issueKafkaClient(KAFKA_TOOLS_CLIENT, options);
    const written = issued.length > 0 ? [files.cert, files.key] : [];
    if (this.writeKeystore(files, issued.length > 0)) written.push(files.keystore);
    if (!existsSync(this.paths.kafkaToolsProperties)) {
      writeAtomic(this.paths.kafkaToolsProperties, kafkaClientProperties(this.paths, options.mount), 0o644);
      written.push(this.paths.kafkaToolsProperties);
    }
    return written;
  }

  /** Writes `keystore.pem` (key, then leaf and issuing CA) when asked to or when it is missing. */
  private writeKeystore(files: KafkaKeystoreFiles, force: boolean): boolean {
    if (!force && existsSync(files.keystore)) return false;
    // Unencrypted PKCS#8: Kafka reads it without ssl.key.password since KAFKA-12703 (3.2); a password stored next to
    // the key would protect nothing. The file is 0600 like every key.
    writeAtomic(files.keystore, `${readFileSync(files.key, 'utf8')}${readFileSync(files.cert, 'utf8')}`, 0o600);
    return true;
  }

  /**
   * Revokes by serial (hex, any case, colons allowed) or by name, then regenerates the CRL. A name revokes every
   * unrevoked certificate of that name (a system id its TLS and signing certificates; `gateway` its TLS server and
   * its Kafka client certificate) unless `kind` narrows it to one kind. A target that reads as hex (`ada`, `cafe`)
   * is matched both ways, as names may be hex too; one with a colon is a serial only (no name holds a colon).
   *
   * @returns the revoked records (empty when nothing unrevoked matched).
   * @throws RevocationTargetAmbiguousError when the target is the serial of one certificate and the name of another.
   */
  async revoke(
    target: string,
    options: { kind?: CertificateKind; reason?: RevocationReason; now?: Date } = {},
  ): Promise<CertificateRecord[]> {
    const ofKind = (c: CertificateRecord): boolean => options.kind === undefined || c.kind === options.kind;
    const serial = /^[0-9a-fA-F:]+$/.test(target) ? normalizeSerial(target) : undefined;
    const bySerial = this.registry.certificates.filter((c) => serial !== undefined && c.serial === serial && ofKind(c));
    const byName = target.includes(':') ? [] : this.registry.certificates.filter((c) => c.name === target && ofKind(c));
    // Serials are unique: at most one certificate by serial; ambiguous when another one has the target as its name.
    const serialOf = bySerial[0];
    const nameOf = byName.find((n) => n !== serialOf);
    if (serialOf && nameOf) {
      throw new RevocationTargetAmbiguousError(
        `'${target}' is both the serial of ${serialOf.kind} '${serialOf.name}' and the name of ${nameOf.kind} ` +
          `'${nameOf.name}': give the serial with colons (${withColons(serialOf.serial)}) to revoke by serial, or ` +
          `the other certificate's serial or --kind to revoke by name`,
      );
    }
    const matched = new Set([...bySerial, ...byName]);
    const now = options.now ?? new Date();
    const revoked: CertificateRecord[] = [];
    this.registry.certificates = this.registry.certificates.map((c) => {
      if (!matched.has(c) || c.revokedAt !== undefined || c.kind === 'root-ca' || c.kind === 'issuing-ca') return c;
      const updated = { ...c, revokedAt: now.toISOString(), reason: options.reason ?? 'cessationOfOperation' };
      revoked.push(updated);
      return updated;
    });
    if (revoked.length > 0) {
      this.save();
      await this.writeCrl(now);
    }
    return revoked;
  }

  /**
   * Writes the CRLs: the issuing CA's (every revoked end-entity certificate) and the root's (no entry: the issuing
   * CA is not revoked). Node's TLS checks the whole chain against CRLs (X509_V_FLAG_CRL_CHECK_ALL), so both are needed.
   */
  async writeCrl(now = new Date(), validityMs = CRL_VALIDITY_MS): Promise<void> {
    this.registry.crlNumber += 1;
    const nextUpdate = new Date(now.getTime() + validityMs);
    this.registry.crlUpdatedAt = now.toISOString();
    this.registry.crlNextUpdate = nextUpdate.toISOString();
    this.save();
    const entries = this.registry.certificates
      .filter((c) => c.revokedAt !== undefined && c.kind !== 'root-ca' && c.kind !== 'issuing-ca')
      .map((c) => ({ serial: c.serial, revokedAt: new Date(c.revokedAt as string), reason: c.reason }));
    const issuing = await createCrl(this.issuingCa, entries, {
      crlNumber: this.registry.crlNumber,
      thisUpdate: now,
      nextUpdate,
    });
    const root = await createCrl(this.rootCa, [], { crlNumber: this.registry.crlNumber, thisUpdate: now, nextUpdate });
    writeAtomic(this.paths.issuingCrl, issuing, 0o644);
    writeAtomic(this.paths.rootCrl, root, 0o644);
    writeAtomic(this.paths.crl, `${issuing}${root}`, 0o644);
  }

  /** True when the CRL is missing or expires within a week. */
  crlNeedsRenewal(now = new Date()): boolean {
    if (!existsSync(this.paths.crl)) return true;
    // Registries written before crlNextUpdate was recorded had every CRL valid for CRL_VALIDITY_MS.
    const nextUpdate = this.registry.crlNextUpdate
      ? Date.parse(this.registry.crlNextUpdate)
      : Date.parse(this.registry.crlUpdatedAt ?? '') + CRL_VALIDITY_MS;
    return !(nextUpdate - CRL_RENEW_MS > now.getTime());
  }

  /**
   * A PKCS#12 keystore of a system's TLS client key and chain (leaf, issuing CA, root CA), for ministry software that
   * wants one. Only a valid, unrevoked certificate is exported: a keystore of a revoked one would only fail later.
   *
   * @throws KeyMaterialInvalidError for an invalid system id, a system without a valid TLS certificate, or an empty
   *   password.
   */
  exportSystemPkcs12(system: string, password: string, options: { now?: Date; iterations?: number } = {}): Buffer {
    if (!isSystemId(system)) throw new KeyMaterialInvalidError(`Invalid system id ${JSON.stringify(system)}`);
    if (!this.active('system-tls', system, options.now)) {
      throw new KeyMaterialInvalidError(`System ${system} has no valid TLS certificate: issue one first`);
    }
    const files = this.paths.system(system).tls;
    const pems = readFileSync(files.cert, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
    const certificates = (pems ?? []).map((pem) => new X509Certificate(pem));
    const root = this.rootCa.certificate;
    if (!certificates.some((c) => c.fingerprint256 === root.fingerprint256)) certificates.push(root);
    return exportPkcs12({
      privateKey: loadPrivateKey(files.key),
      certificates,
      password,
      friendlyName: system,
      iterations: options.iterations,
    });
  }

  /** The PEM of the issuing CA then the root CA. */
  chainPem(): string {
    return `${this.issuingCa.certificate.toString()}${this.rootCa.certificate.toString()}`;
  }

  /** The private key in a certificate files pair. */
  static loadKey(files: CertificateFiles): KeyObject {
    return loadPrivateKey(files.key);
  }

  private save(): void {
    writeAtomic(this.paths.index, `${JSON.stringify(this.registry, null, 2)}\n`, 0o644);
  }
}
