import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { FederationYaml, verifyFederation, type FederationDocument, type SignedFederation } from '@kopir/federation';
import {
  certificateFingerprint,
  devPkiPaths,
  keyThumbprint,
  loadPrivateKey,
  loadPublicKey,
  publicKeyToJwk,
} from '@kopir/pki';
import { UsageError } from '../output';

/** Default paths, relative to the working directory (the repository root under `npm run kopir`). data/ is git-ignored. */
export const DEFAULT_FEDERATION_YAML = 'data/federation/federation.yaml';
export const DEFAULT_FEDERATION_JWS = 'data/federation/federation.jws';
export const DEFAULT_PKI_DIR = 'certs/dev';

/** Writes a file by temp file + rename, so a watching service never reads half of it. */
export function writeAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o644 });
  renameSync(temp, path);
}

function readText(path: string, what: string): string {
  if (!existsSync(path))
    throw new UsageError(`${what} ${path} does not exist (create it with 'kopir federation init')`);
  return readFileSync(path, 'utf8');
}

/** The YAML document, parsed (syntax errors name their line). */
export function readFederationYaml(path: string): FederationYaml {
  return FederationYaml.parse(readText(path, 'federation file'), path);
}

/** The federation authority's signing key and its kid (RFC 7638 thumbprint), from the PKI directory or a file. */
export function authoritySigningKey(keyFile: string | undefined, pkiDir: string): { key: KeyObject; kid: string } {
  const path = keyFile ?? devPkiPaths(pkiDir).federationAuthority.key;
  if (!existsSync(path)) {
    throw new UsageError(`federation authority key ${path} does not exist (create it with 'kopir pki init')`);
  }
  const key = loadPrivateKey(path);
  return { key, kid: keyThumbprint(key) };
}

export function authorityPublicKey(keyFile: string | undefined, pkiDir: string): KeyObject {
  const path = keyFile ?? devPkiPaths(pkiDir).federationAuthority.publicKey;
  if (!existsSync(path)) {
    throw new UsageError(`federation authority public key ${path} does not exist (create it with 'kopir pki init')`);
  }
  return loadPublicKey(path);
}

/** Verifies a signed document as a service would (now, no version floor). */
export async function readSignedFederation(path: string, authority: KeyObject): Promise<SignedFederation> {
  return verifyFederation(readText(path, 'signed federation document'), authority, { now: Date.now() });
}

/**
 * A document from either form: a signed file (verified with the authority key) or YAML. Chosen by content, so
 * `federation diff a.yaml b.jws` works.
 */
export async function readAnyFederation(
  path: string,
  authority: () => KeyObject,
): Promise<{ document: FederationDocument; signed: boolean }> {
  const text = readText(path, 'federation document');
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\s*$/.test(text)) {
    return { document: (await verifyFederation(text, authority(), { now: Date.now() })).document, signed: true };
  }
  return { document: FederationYaml.parse(text, path).toDocument(), signed: false };
}

/**
 * Fills in what the PKI issued: each system's TLS certificate fingerprint, signing key and encryption key, the
 * gateway's signing key, each officer's certificate fingerprint. Returns what it filled, for the command's output.
 */
export function fillFromPki(yaml: FederationYaml, document: FederationDocument, pkiDir: string): string[] {
  const paths = devPkiPaths(pkiDir);
  const filled: string[] = [];
  document.agencies.forEach((agency, a) =>
    agency.systems.forEach((system, s) => {
      const files = paths.system(system.id);
      if (existsSync(files.tls.cert)) {
        yaml.setIn(
          ['agencies', a, 'systems', s, 'tlsCertificateSha256'],
          certificateFingerprint(readFileSync(files.tls.cert)),
        );
        filled.push(`${system.id}: TLS certificate fingerprint`);
      }
      if (existsSync(files.signing.cert)) {
        yaml.setIn(['agencies', a, 'systems', s, 'signingKeys'], [publicKeyToJwk(loadPublicKey(files.signing.cert))]);
        filled.push(`${system.id}: signing key`);
      }
      if (existsSync(files.encryption.publicKey)) {
        yaml.setIn(
          ['agencies', a, 'systems', s, 'encryptionKey'],
          publicKeyToJwk(loadPublicKey(files.encryption.publicKey)),
        );
        filled.push(`${system.id}: encryption key`);
      }
    }),
  );
  (document.gateways ?? []).forEach((gateway, g) => {
    // One gateway key in the development PKI; a deployment with several gateways lists each one's key.
    if (gateway.id === 'gateway' && existsSync(paths.gateway.signing.publicKey)) {
      yaml.setIn(['gateways', g, 'signingKeys'], [publicKeyToJwk(loadPublicKey(paths.gateway.signing.publicKey))]);
      filled.push(`gateway ${gateway.id}: signing key`);
    }
  });
  document.officers.forEach((officer, i) => {
    const files = paths.officer(officer.id);
    if (existsSync(files.cert)) {
      yaml.setIn(['officers', i, 'certificateSha256'], certificateFingerprint(readFileSync(files.cert)));
      filled.push(`officer ${officer.id}: certificate fingerprint`);
    }
  });
  return filled;
}
