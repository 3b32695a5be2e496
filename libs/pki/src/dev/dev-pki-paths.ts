import { join } from 'node:path';
import { parseSystemId } from '@kopir/contracts';
import { KeyMaterialInvalidError } from '../errors';
import { isPrincipalName } from '../ca/profiles';

/** A certificate with its private key, as two PEM files. */
export interface CertificateFiles {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
}

/** A system's TLS client certificate and its separate signing certificate (X-Road keeps the two apart). */
export interface SystemFiles {
  readonly dir: string;
  readonly tls: CertificateFiles;
  readonly signing: CertificateFiles;
  /**
   * Its P-256 encryption key (ECDH-ES, not certified: its public JWK is published in the federation document), to
   * which the gateway encrypts request bodies. A third key, so that no key both signs and decrypts.
   */
  readonly encryption: KeyFiles;
  /**
   * Where a rotation keeps the encryption key it replaced (`encryption.previous.key.pem`) until nothing encrypted to
   * it can still arrive; adapters load it beside the current key while it exists (docs/operators.md).
   */
  readonly previousEncryption: KeyFiles;
}

/**
 * A Kafka participant's files: its certificate and key, plus `keystore.pem` (the PKCS#8 key then the certificate
 * chain in one file), what Kafka's `ssl.keystore.type=PEM` with `ssl.keystore.location` reads (KIP-651).
 */
export interface KafkaKeystoreFiles extends CertificateFiles {
  readonly keystore: string;
}

/** A key pair as PEM files, for keys the CA does not certify. */
export interface KeyFiles {
  readonly key: string;
  readonly publicKey: string;
}

/** Every file of a PKI directory (certs/dev by default); see certs/README.md. */
export interface DevPkiPaths {
  readonly root: string;
  /** Registry of issued certificates: serial, kind, name, validity, revocation. */
  readonly index: string;
  readonly rootCa: CertificateFiles;
  readonly issuingCa: CertificateFiles;
  /** Trust bundle: issuing CA then root CA. Give this to TLS as `ca`. */
  readonly chain: string;
  /** Both CRLs (issuing CA's, then root's). Give TLS `crl: splitCrls(readFileSync(crl, 'utf8'))`. */
  readonly crl: string;
  readonly issuingCrl: string;
  readonly rootCrl: string;
  /**
   * The gateway's TLS server certificate (serverAuth; DNS localhost, IP 127.0.0.1) and its envelope signing key. No
   * encryption key: answers to encrypted requests come back under a key derived from each request's key agreement.
   */
  readonly gateway: CertificateFiles & { readonly signing: KeyFiles };
  /** The federation authority's ES256 key: signs the federation document. Not issued by the CA. */
  readonly federationAuthority: KeyFiles;
  /** The audit service's Ed25519 key for C2SP signed-note checkpoints. Not issued by the CA. */
  readonly auditCheckpoint: KeyFiles;
  /**
   * The audit service's TLS server certificate for the officer API (serverAuth; DNS localhost, IP 127.0.0.1), at the
   * paths auditConfigSpec defaults to (AUDIT_TLS_CERT, AUDIT_TLS_KEY).
   */
  readonly auditTls: CertificateFiles;
  system(id: string): SystemFiles;
  officer(name: string): CertificateFiles;
  kafkaClient(name: string): CertificateFiles;
  /** A Kafka broker's server certificate, key and PEM keystore (kafka-brokers/<name>/). */
  kafkaBroker(name: string): KafkaKeystoreFiles;
  /** The client certificate and PEM keystore of the Kafka CLI tools (kafka/kafka-tools/). */
  readonly kafkaTools: KafkaKeystoreFiles;
  /** `client.properties` for the Kafka CLI tools in the broker containers (kafka-brokers/client.properties). */
  readonly kafkaToolsProperties: string;
}

function pair(dir: string, name: string): CertificateFiles {
  return { dir, cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key.pem`) };
}

function keystore(dir: string): KafkaKeystoreFiles {
  return { ...pair(dir, 'tls'), keystore: join(dir, 'keystore.pem') };
}

function keys(dir: string, name: string): KeyFiles {
  return { key: join(dir, `${name}.key.pem`), publicKey: join(dir, `${name}.pub.pem`) };
}

/**
 * The file layout of a PKI directory. Pure path arithmetic: nothing is read or created. Names are checked with
 * the identifier grammar before they become paths, so no name can climb out of `root`.
 */
export function devPkiPaths(root: string): DevPkiPaths {
  const ca = join(root, 'ca');
  const gateway = join(root, 'gateway');
  return {
    root,
    index: join(root, 'index.json'),
    rootCa: pair(ca, 'root-ca'),
    issuingCa: pair(ca, 'issuing-ca'),
    chain: join(ca, 'chain.pem'),
    crl: join(ca, 'crl.pem'),
    issuingCrl: join(ca, 'issuing-ca.crl.pem'),
    rootCrl: join(ca, 'root-ca.crl.pem'),
    gateway: { ...pair(gateway, 'tls'), signing: keys(gateway, 'signing') },
    federationAuthority: keys(join(root, 'federation'), 'authority'),
    auditCheckpoint: keys(join(root, 'audit'), 'checkpoint'),
    auditTls: pair(join(root, 'audit'), 'tls'),
    system(id: string): SystemFiles {
      const { agency, system } = parseSystemId(id);
      const dir = join(root, 'systems', agency, system);
      return {
        dir,
        tls: pair(dir, 'tls'),
        signing: pair(dir, 'signing'),
        encryption: keys(dir, 'encryption'),
        previousEncryption: keys(dir, 'encryption.previous'),
      };
    },
    officer(name: string): CertificateFiles {
      if (!isPrincipalName(name)) throw new KeyMaterialInvalidError(`Invalid officer name ${JSON.stringify(name)}`);
      return pair(join(root, 'officers', name), 'tls');
    },
    kafkaClient(name: string): CertificateFiles {
      if (!isPrincipalName(name))
        throw new KeyMaterialInvalidError(`Invalid Kafka client name ${JSON.stringify(name)}`);
      return pair(join(root, 'kafka', name), 'tls');
    },
    kafkaBroker(name: string): KafkaKeystoreFiles {
      if (!isPrincipalName(name))
        throw new KeyMaterialInvalidError(`Invalid Kafka broker name ${JSON.stringify(name)}`);
      return keystore(join(root, 'kafka-brokers', name));
    },
    kafkaTools: keystore(join(root, 'kafka', KAFKA_TOOLS_CLIENT)),
    kafkaToolsProperties: join(root, 'kafka-brokers', 'client.properties'),
  };
}

/** The systems of the reference deployment, which `pki init` issues. */
export const REFERENCE_SYSTEMS = ['psc/front-office', 'mju/population', 'mia/vehicles', 'src/tax'] as const;
/** The officers of the reference deployment: a security officer and an auditor. */
export const REFERENCE_OFFICERS = ['officer', 'auditor'] as const;
/** The Kafka clients of the reference deployment (one per service that talks to Kafka). */
export const REFERENCE_KAFKA_CLIENTS = ['gateway', 'audit', 'adapter-mju', 'adapter-mia', 'adapter-src'] as const;
/** The brokers of the reference production topology (docker-compose.yml): host names kafka-1..3. */
export const REFERENCE_KAFKA_BROKERS = ['kafka-1', 'kafka-2', 'kafka-3'] as const;
/** The Kafka client name of the operators' CLI tools (kafka-topics.sh, kafka-broker-api-versions.sh, ...). */
export const KAFKA_TOOLS_CLIENT = 'kafka-tools';
/** Where docker-compose.yml mounts the broker's certificates inside the apache/kafka containers. */
export const KAFKA_CONTAINER_CERTS = '/etc/kafka/certs';
