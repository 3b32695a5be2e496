import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compilePolicy } from '@kopir/access-policy';
import { FederationYaml, diffFederation, signFederation, type FederationDocument } from '@kopir/federation';
import { devPkiPaths, loadPublicKey, publicKeyToJwk, type PublicJwk } from '@kopir/pki';
import { developmentFederation } from '@kopir/reference-registries';
import {
  DEFAULT_FEDERATION_JWS,
  DEFAULT_FEDERATION_YAML,
  DEFAULT_PKI_DIR,
  authorityPublicKey,
  authoritySigningKey,
  fillFromPki,
  readAnyFederation,
  readFederationYaml,
  readSignedFederation,
  writeAtomic,
} from '../federation/federation-files';
import { UsageError, table, type Output } from '../output';

interface FileOptions {
  readonly file: string;
  readonly pki: string;
}

/** Writes the development federation (`federation init`); returns what it did, for `kopir up` and the command. */
export function initFederation(options: { file: string; pki: string; force?: boolean; now?: Date }): string[] {
  const file = resolve(options.file);
  if (existsSync(file) && options.force !== true) {
    throw new UsageError(`${file} exists; pass --force to replace it (its rules would be lost)`);
  }
  const pki = resolve(options.pki);
  // The registries require encrypted bodies, so the document is valid only with their and the gateway's keys.
  if (!existsSync(pki)) throw new UsageError(`no PKI in ${pki}: create it first with 'kopir pki init'`);
  const document = developmentFederation(options.now ?? new Date());
  const yaml = FederationYaml.fromDocument(document, file);
  const filled = fillFromPki(yaml, document, pki);
  yaml.toDocument();
  writeAtomic(file, yaml.toString());
  return [
    `wrote the development federation (version ${document.version}) to ${file}`,
    `filled from ${pki}: ${filled.length} fingerprints and keys`,
  ];
}

/**
 * Publishes the encryption keys of the PKI in the YAML document (`federation encryption-keys`): each system's current
 * public encryption key replaces the one the document lists, and the version is raised when any changed. The step of
 * a key rotation that makes the gateway encrypt to the new key once the document is signed (docs/operators.md); an
 * older document gets its first keys the same way, and loses the gateways' encryption keys it may still list
 * (obsolete: answers come back under a key derived from each request's key agreement).
 */
export function publishEncryptionKeys(options: { file: string; pki: string; now?: Date }): string[] {
  const file = resolve(options.file);
  const paths = devPkiPaths(resolve(options.pki));
  const yaml = readFederationYaml(file);
  const document = yaml.toDocument();
  const changed: string[] = [];
  const publish = (at: (string | number)[], owner: string, publicKey: string, current: PublicJwk | undefined) => {
    if (!existsSync(publicKey)) return;
    const jwk = publicKeyToJwk(loadPublicKey(publicKey));
    if (current?.kid === jwk.kid) return;
    yaml.setIn([...at, 'encryptionKey'], jwk);
    changed.push(`${owner}: encryption key ${jwk.kid} (was ${current?.kid ?? 'none'})`);
  };
  document.agencies.forEach((agency, a) =>
    agency.systems.forEach((system, s) =>
      publish(
        ['agencies', a, 'systems', s],
        system.id,
        paths.system(system.id).encryption.publicKey,
        system.encryptionKey,
      ),
    ),
  );
  (document.gateways ?? []).forEach((gateway, g) => {
    if (!('encryptionKey' in gateway)) return;
    yaml.deleteIn(['gateways', g, 'encryptionKey']);
    changed.push(`gateway ${gateway.id}: obsolete encryption key removed (gateways need none)`);
  });
  if (changed.length === 0) return [`${file}: every encryption key of the PKI is published; nothing changed`];
  yaml.bumpVersion(options.now ?? new Date());
  yaml.toDocument();
  writeAtomic(file, yaml.toString());
  return [...changed, `${file} is now version ${document.version + 1}; sign it: kopir federation sign`];
}

/**
 * Signs the YAML document into its canonical signed form (`federation sign`). Refuses a version that is not higher
 * than the signed file already there (unless it is the same document): services would refuse it as a rollback.
 */
export async function signFederationFile(options: {
  file: string;
  out: string;
  pki: string;
  key?: string;
}): Promise<string> {
  const document = readFederationYaml(resolve(options.file)).toDocument();
  const { key, kid } = authoritySigningKey(options.key, resolve(options.pki));
  const out = resolve(options.out);
  const jws = await signFederation(document, key, kid);
  if (existsSync(out)) {
    const previous = readFileSync(out, 'utf8').trim();
    if (previous === jws) return `${out} already holds version ${document.version}; nothing changed`;
    const old = previous.split('.')[1];
    const oldVersion = old === undefined ? undefined : versionOf(old);
    if (oldVersion !== undefined && oldVersion >= document.version && !sameContent(previous, jws)) {
      throw new UsageError(
        `${out} holds version ${oldVersion}; raise 'version' in ${options.file} above it (services refuse rollbacks)`,
      );
    }
  }
  writeAtomic(out, `${jws}\n`);
  return `signed version ${document.version} (authority key ${kid}) to ${out}; expires ${document.expiresAt}`;
}

function versionOf(encodedPayload: string): number | undefined {
  try {
    const value = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8')) as { version?: unknown };
    return typeof value.version === 'number' ? value.version : undefined;
  } catch {
    return undefined;
  }
}

function sameContent(a: string, b: string): boolean {
  return a.split('.')[1] === b.split('.')[1];
}

function summary(document: FederationDocument, now: number): string {
  const systems = document.agencies.flatMap((a) => a.systems);
  const inForce = document.rules.filter((r) => ruleState(r, now) === 'in force').length;
  return (
    `federation ${document.federation} version ${document.version}, issued ${document.issuedAt}, expires ${document.expiresAt}\n` +
    `${document.agencies.length} agencies, ${systems.length} systems, ${document.services.length} services, ` +
    `${document.rules.length} rules (${inForce} in force), ${document.officers.length} officers\n`
  );
}

/** A rule's state at `now`, in the words `rules list` prints. */
export function ruleState(
  rule: { validFrom?: string; validUntil?: string; revokedAt?: string },
  now: number,
): 'in force' | 'revoked' | 'expired' | 'not yet valid' {
  if (rule.revokedAt !== undefined && Date.parse(rule.revokedAt) <= now) return 'revoked';
  if (rule.validUntil !== undefined && Date.parse(rule.validUntil) <= now) return 'expired';
  if (rule.validFrom !== undefined && Date.parse(rule.validFrom) > now) return 'not yet valid';
  return 'in force';
}

/** `kopir federation ...`: the federation document (data/federation/federation.yaml and its signed form). */
export function registerFederationCommands(program: Command, out: Output): void {
  const federation = program
    .command('federation')
    .description('the federation document: agencies, systems, services, access rules, officers');
  const fileOptions = (command: Command): Command =>
    command
      .option('--file <path>', 'the YAML document', DEFAULT_FEDERATION_YAML)
      .option('--pki <dir>', 'PKI directory (authority key, certificates)', DEFAULT_PKI_DIR);

  fileOptions(
    federation
      .command('init')
      .description('write the development federation; fills keys and fingerprints from the PKI when it exists')
      .option('--force', 'replace an existing document'),
  ).action((options: FileOptions & { force?: boolean }) => {
    for (const note of initFederation(options)) out.stdout(`${note}\n`);
  });

  fileOptions(
    federation
      .command('encryption-keys')
      .description("publish each system's encryption key from the PKI (a rotation's new key); raises the version"),
  ).action((options: FileOptions) => {
    for (const note of publishEncryptionKeys(options)) out.stdout(`${note}\n`);
  });

  fileOptions(
    federation
      .command('validate')
      .description('check the YAML document (every problem with its line and field), or a signed one with --signed')
      .option('--signed <path>', 'check a signed document instead: signature, expiry, structure')
      .option('--authority <pem>', "the federation authority's public key (default: from --pki)"),
  ).action(async (options: FileOptions & { signed?: string; authority?: string }) => {
    const now = Date.now();
    let document: FederationDocument;
    if (options.signed !== undefined) {
      const signed = await readSignedFederation(
        resolve(options.signed),
        authorityPublicKey(options.authority, resolve(options.pki)),
      );
      document = signed.document;
      out.stdout(`${options.signed}: signature valid (authority key ${signed.kid})\n`);
    } else {
      document = readFederationYaml(resolve(options.file)).toDocument();
    }
    compilePolicy(document);
    out.stdout(`valid: ${summary(document, now)}`);
  });

  fileOptions(
    federation
      .command('sign')
      .description("sign the YAML document with the federation authority's key into the form services load")
      .option('--out <path>', 'the signed document', DEFAULT_FEDERATION_JWS)
      .option('--key <pem>', "the federation authority's private key (default: from --pki)"),
  ).action(async (options: FileOptions & { out: string; key?: string }) => {
    out.stdout(`${await signFederationFile(options)}\n`);
  });

  fileOptions(
    federation
      .command('show')
      .description('print agencies, systems, services and rules (the YAML, or a signed document with --signed)')
      .option('--signed <path>', 'show a signed document (verified first)')
      .option('--authority <pem>', "the federation authority's public key (default: from --pki)")
      .option('--json', 'print the document as JSON'),
  ).action(async (options: FileOptions & { signed?: string; authority?: string; json?: boolean }) => {
    const document =
      options.signed === undefined
        ? readFederationYaml(resolve(options.file)).toDocument()
        : (
            await readSignedFederation(
              resolve(options.signed),
              authorityPublicKey(options.authority, resolve(options.pki)),
            )
          ).document;
    if (options.json === true) {
      out.stdout(`${JSON.stringify(document, null, 2)}\n`);
      return;
    }
    const now = Date.now();
    out.stdout(summary(document, now));
    out.stdout('\nSYSTEMS\n');
    out.stdout(
      table([
        ['SYSTEM', 'NAME', 'TLS CERTIFICATE', 'SIGNING KEYS'],
        ...document.agencies.flatMap((a) =>
          a.systems.map((s) => [
            s.id,
            s.name,
            s.tlsCertificateSha256 === undefined ? '(none)' : `${s.tlsCertificateSha256.slice(0, 16)}…`,
            String(s.signingKeys?.length ?? 0),
          ]),
        ),
      ]),
    );
    out.stdout('\nSERVICES\n');
    out.stdout(
      table([
        ['SERVICE', 'VERSION', 'TOPIC', 'FIELDS (sensitive marked *)'],
        ...document.services.map((s) => [
          s.id,
          s.version,
          s.topic,
          s.fields.map((f) => `${f.name}${f.sensitivity === 'sensitive' ? '*' : ''}`).join(', '),
        ]),
      ]),
    );
    out.stdout('\nRULES\n');
    out.stdout(
      table([
        ['RULE', 'CLIENT', 'SERVICE', 'PURPOSES', 'STATE'],
        ...document.rules.map((r) => [
          r.id,
          r.client ?? `group ${r.clientGroup}`,
          r.service,
          r.purposes.map((p) => p.code).join(', '),
          ruleState(r, now),
        ]),
      ]),
    );
  });

  federation
    .command('diff')
    .description('what changed between two documents (YAML or signed); default: the signed document → the YAML')
    .argument('[before]', 'the older document', DEFAULT_FEDERATION_JWS)
    .argument('[after]', 'the newer document', DEFAULT_FEDERATION_YAML)
    .option('--pki <dir>', 'PKI directory (authority public key, for signed documents)', DEFAULT_PKI_DIR)
    .option('--authority <pem>', "the federation authority's public key (default: from --pki)")
    .action(async (before: string, after: string, options: { pki: string; authority?: string }) => {
      const authority = () => authorityPublicKey(options.authority, resolve(options.pki));
      const a = await readAnyFederation(resolve(before), authority);
      const b = await readAnyFederation(resolve(after), authority);
      const changes = diffFederation(a.document, b.document);
      if (changes.length === 0) {
        out.stdout(`no differences between ${before} and ${after}\n`);
        return;
      }
      out.stdout(`${before} (version ${a.document.version}) → ${after} (version ${b.document.version})\n`);
      const sign = { added: '+', removed: '-', changed: '~' } as const;
      for (const change of changes) {
        const members = change.members.length === 0 ? '' : `: ${change.members.join(', ')}`;
        out.stdout(`${sign[change.kind]} ${change.entity} ${change.id}${members}\n`);
      }
      if (b.document.version <= a.document.version) {
        out.stdout(`note: the version did not increase; services will refuse the new document as a rollback\n`);
      }
    });
}
