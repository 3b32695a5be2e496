import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CERTIFICATE_KINDS,
  KEY_TYPES,
  PkiDirectory,
  ensureEncryptionKey,
  initDevPki,
  isCertificateKind,
  isKeyType,
  type CertificateRecord,
  type KeyType,
} from '@kopir/pki';
import { UsageError, table, type Output } from '../output';

/** Default PKI directory, relative to the working directory (the repository root under `npm run kopir`). */
export const DEFAULT_PKI_DIR = 'certs/dev';

interface DirOption {
  readonly dir: string;
}

interface IssueOptions extends DirOption {
  readonly system?: string;
  readonly officer?: string;
  readonly kafka?: string;
  readonly kafkaBroker?: string;
  readonly dns?: string;
  readonly keyType?: string;
}

function keyType(value: string | undefined): KeyType | undefined {
  if (value === undefined) return undefined;
  if (!isKeyType(value)) throw new UsageError(`unknown key type '${value}'; one of: ${KEY_TYPES.join(', ')}`);
  return value;
}

function printIssued(out: Output, issued: readonly { serial: string; certificate: { subject: string } }[]): void {
  for (const cert of issued) out.stdout(`issued ${cert.serial}  ${cert.certificate.subject.split('\n').join(', ')}\n`);
}

function listRows(records: readonly CertificateRecord[], now = Date.now()): string[][] {
  return [
    ['SERIAL', 'KIND', 'NAME', 'EXPIRES', 'STATE', 'SUBJECT'],
    ...records.map((r) => [
      r.serial,
      r.kind,
      r.name,
      r.notAfter.slice(0, 10),
      r.revokedAt ? `revoked ${r.revokedAt.slice(0, 10)}` : Date.parse(r.notAfter) <= now ? 'expired' : 'valid',
      r.subject,
    ]),
  ];
}

/** `kopir pki ...`: the development PKI (certs/dev by default). */
export function registerPkiCommands(program: Command, out: Output): void {
  const pki = program.command('pki').description('intranet PKI: CAs, certificates, revocation (certs/dev by default)');
  const dirOption = (command: Command): Command => command.option('--dir <path>', 'PKI directory', DEFAULT_PKI_DIR);

  dirOption(
    pki
      .command('init')
      .description(
        'create the development PKI (CAs, gateway, reference systems, officers, Kafka clients and brokers, keys); idempotent',
      ),
  ).action(async (options: DirOption) => {
    const dir = resolve(options.dir);
    const { created } = await initDevPki(dir);
    if (created.length === 0) out.stdout(`PKI in ${dir} is complete; nothing changed\n`);
    else out.stdout(`created in ${dir}:\n${created.map((f) => `  ${f}\n`).join('')}`);
  });

  dirOption(
    pki
      .command('issue')
      .description(
        "issue a system's TLS + signing certificates (and its encryption key), an officer's, a Kafka client's, or a Kafka broker's certificate",
      )
      .option('--system <agency/system>', 'a system, e.g. psc/front-office')
      .option('--officer <name>', 'a security officer or auditor, e.g. officer')
      .option('--kafka <name>', 'a Kafka client, e.g. gateway')
      .option('--kafka-broker <name>', 'a Kafka broker (server certificate and PEM keystore), e.g. kafka-4')
      .option('--dns <names>', 'with --kafka-broker: comma-separated DNS names (default: <name>,localhost)')
      .option('--key-type <type>', `key type: ${KEY_TYPES.join(', ')} (default P-256)`),
  ).action(async (options: IssueOptions) => {
    const chosen = [options.system, options.officer, options.kafka, options.kafkaBroker].filter((v) => v !== undefined);
    if (chosen.length !== 1) throw new UsageError('give exactly one of --system, --officer, --kafka, --kafka-broker');
    if (options.dns !== undefined && options.kafkaBroker === undefined) {
      throw new UsageError('--dns goes with --kafka-broker');
    }
    const directory = PkiDirectory.open(resolve(options.dir));
    const type = keyType(options.keyType);
    if (options.kafkaBroker !== undefined) {
      const dnsNames = options.dns?.split(',').map((name) => name.trim());
      const { issued, written } = await directory.issueKafkaBroker(options.kafkaBroker, { dnsNames, keyType: type });
      if (issued.length === 0)
        out.stdout('a valid certificate already exists; nothing changed (revoke it to replace)\n');
      printIssued(out, issued);
      if (written.includes(directory.paths.kafkaBroker(options.kafkaBroker).keystore)) {
        out.stdout(`keystore (ssl.keystore.type=PEM): ${directory.paths.kafkaBroker(options.kafkaBroker).keystore}\n`);
      }
      return;
    }
    const issued =
      options.system !== undefined
        ? await directory.issueSystem(options.system, { keyType: type })
        : options.officer !== undefined
          ? await directory.issueOfficer(options.officer, { keyType: type })
          : await directory.issueKafkaClient(options.kafka ?? '', { keyType: type });
    // A system's encryption key is not certified: created once, kept across certificate renewals (rotation:
    // docs/operators.md), published in the federation by `federation init` / `adapter register`.
    const keyFiles =
      options.system === undefined ? [] : ensureEncryptionKey(directory.paths.system(options.system).encryption);
    if (issued.length === 0 && keyFiles.length === 0) {
      out.stdout('a valid certificate already exists; nothing changed (revoke it to replace)\n');
    }
    printIssued(out, issued);
    for (const file of keyFiles.filter((f) => f.endsWith('.key.pem'))) out.stdout(`encryption key ${file}\n`);
  });

  dirOption(
    pki
      .command('revoke')
      .description(
        'revoke by serial, or by name: without --kind every certificate of the name (a system its TLS and signing ' +
          'certificates; gateway its TLS server and Kafka client certificates), with --kind only that kind; ' +
          'prints each certificate revoked and regenerates the CRL',
      )
      .argument('<serial|name>', 'hex serial (one with colons is always a serial), or a system id or name')
      .option('--kind <kind>', `only this kind of certificate: ${CERTIFICATE_KINDS.join(', ')} (see pki list)`)
      .option('--reason <reason>', 'keyCompromise, affiliationChanged, superseded or cessationOfOperation'),
  ).action(async (target: string, options: DirOption & { kind?: string; reason?: string }) => {
    const reasons = ['keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'] as const;
    const reason = reasons.find((r) => r === options.reason);
    if (options.reason !== undefined && reason === undefined) {
      throw new UsageError(`unknown reason '${options.reason}'; one of: ${reasons.join(', ')}`);
    }
    const kind = options.kind;
    if (kind !== undefined && !isCertificateKind(kind)) {
      throw new UsageError(`unknown kind '${kind}'; one of: ${CERTIFICATE_KINDS.join(', ')}`);
    }
    const directory = PkiDirectory.open(resolve(options.dir));
    const revoked = await directory.revoke(target, { ...(kind ? { kind } : {}), ...(reason ? { reason } : {}) });
    if (revoked.length === 0) {
      throw new Error(`no unrevoked ${kind === undefined ? '' : `${kind} `}certificate matches '${target}'`);
    }
    for (const r of revoked) out.stdout(`revoked ${r.serial}  ${r.kind}  ${r.name}\n`);
    out.stdout(`CRL updated: ${directory.paths.crl}\n`);
  });

  dirOption(
    pki
      .command('export-p12')
      .description("export a system's TLS key and certificate chain as a PKCS#12 keystore (.p12)")
      .requiredOption('--system <agency/system>', 'the system, e.g. psc/front-office')
      .option('--password <password>', 'keystore password (default: a random one, printed once)')
      .option('--out <file>', 'output file (default: <dir>/systems/<agency>/<system>/tls.p12)'),
  ).action((options: DirOption & { system: string; password?: string; out?: string }) => {
    if (options.password === '') throw new UsageError('--password must not be empty');
    const directory = PkiDirectory.open(resolve(options.dir));
    // A keystore is never written unprotected: without --password one is generated (144 random bits).
    const password = options.password ?? randomBytes(18).toString('base64url');
    const p12 = directory.exportSystemPkcs12(options.system, password);
    const file = resolve(options.out ?? join(directory.paths.system(options.system).dir, 'tls.p12'));
    writeFileSync(file, p12, { mode: 0o600 });
    out.stdout(`wrote ${file}\n`);
    if (options.password === undefined) out.stdout(`password: ${password}\n`);
  });

  dirOption(pki.command('list').description('list certificates: serial, kind, name, expiry, revocation')).action(
    (options: DirOption) => {
      const directory = PkiDirectory.open(resolve(options.dir));
      out.stdout(table(listRows(directory.list())));
    },
  );
}
