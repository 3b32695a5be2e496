import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import type { Command } from 'commander';
import {
  SqliteLedger,
  ed25519Verifier,
  openCheckpoint,
  parseVerifierKey,
  verifyExport,
  verifyExportParallel,
  type NoteVerifier,
  type VerifyReport,
} from '@kopir/audit-log';
import { auditConfigSpec, loadConfig } from '@kopir/config';
import { devPkiPaths, loadPublicKey } from '@kopir/pki';
import { UsageError, table, type Output } from '../output';

interface ConnectionOptions {
  url: string;
  pki: string;
  officer: string;
}

interface VerifyOptions extends ConnectionOptions {
  file?: string;
  database?: string;
  key?: string;
  origin: string;
  witness?: string;
  progress: boolean;
}

export function defaults(): { url: string; origin: string } {
  const config = loadConfig('audit', auditConfigSpec);
  return { url: `https://127.0.0.1:${config.port}`, origin: config.origin };
}

/** The trusted checkpoint key: a verifier key text, a public key PEM, or by default the dev PKI's. */
function verifierOf(options: VerifyOptions): NoteVerifier {
  const key = options.key ?? devPkiPaths(options.pki).auditCheckpoint.publicKey;
  if (/^[^+\s]+\+[0-9a-f]{8}\+\S+$/.test(key)) return parseVerifierKey(key);
  if (!existsSync(key)) throw new UsageError(`no checkpoint key at ${key} (give --key <verifier key or PEM file>)`);
  return ed25519Verifier(options.origin, loadPublicKey(readFileSync(key, 'utf8')));
}

/** GET over mutual TLS with the officer's certificate; the server must chain to the intranet CA. */
function officerGet(options: ConnectionOptions, path: string): Promise<IncomingMessage> {
  const paths = devPkiPaths(options.pki);
  const officer = paths.officer(options.officer);
  const url = new URL(path, options.url);
  if (url.protocol !== 'https:') throw new UsageError('the officer API is HTTPS only');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        ca: readFileSync(paths.chain),
        cert: readFileSync(officer.cert),
        key: readFileSync(officer.key),
        servername: url.hostname === '127.0.0.1' ? 'localhost' : url.hostname,
        minVersion: 'TLSv1.3',
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

export async function officerJson(options: ConnectionOptions, path: string): Promise<unknown> {
  const response = await officerGet(options, path);
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  if ((response.statusCode ?? 500) >= 400) {
    const problem = body as { detail?: string; code?: string };
    throw new Error(`${problem.detail ?? 'the officer API refused'} [${problem.code ?? response.statusCode}]`);
  }
  return body;
}

function progressBar(out: Output, enabled: boolean): (done: number, total: number) => void {
  if (!enabled) return () => undefined;
  return (done, total) => {
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * 30);
    out.stderr(
      `\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
        `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} events`,
    );
  };
}

export async function verify(options: VerifyOptions, out: Output): Promise<void> {
  const verifier = verifierOf(options);
  const trusted =
    options.witness !== undefined && existsSync(options.witness) ? readFileSync(options.witness, 'utf8') : undefined;
  const onProgress = progressBar(out, options.progress);
  const settings = { verifiers: [verifier], ...(trusted === undefined ? {} : { trusted }), onProgress };
  let report: VerifyReport;
  let source: string;
  if (options.file !== undefined) {
    source = options.file;
    report = await verifyExportParallel(createReadStream(options.file, { highWaterMark: 1 << 20 }), settings);
  } else if (options.database !== undefined) {
    source = options.database;
    if (!existsSync(options.database)) throw new UsageError(`no ledger at ${options.database}`);
    // Read-only: checking the file must not change it (no WAL switch, no migration of an older release's file).
    const ledger = SqliteLedger.openReadOnly(options.database);
    try {
      report = verifyExport(ledger.export(options.origin, { inclusion: false }), settings);
      // The leaves verify; the columns searches and the citizen view read are copies nothing signs: check them too,
      // or an edited subject hides an access from the citizen while the log verifies.
      const mismatch = report.ok ? ledger.indexMismatch() : undefined;
      if (mismatch !== undefined) {
        report = {
          ...report,
          ok: false,
          code: 'log_inconsistent',
          firstBadIndex: mismatch.index,
          problem:
            `the index column ${mismatch.column} (${JSON.stringify(mismatch.stored)}) is not the signed leaf's ` +
            `(${JSON.stringify(mismatch.leaf)}): searches and the citizen view would answer wrongly`,
        };
      }
    } finally {
      ledger.close();
    }
  } else {
    source = options.url;
    const response = await officerGet(options, '/v1/export?inclusion=false');
    if ((response.statusCode ?? 500) >= 400) {
      response.resume();
      throw new Error(`the officer API refused the export (HTTP ${response.statusCode})`);
    }
    report = await verifyExportParallel(response, settings);
  }
  if (options.progress) out.stderr('\n');
  if (!report.ok) {
    const at = report.firstBadIndex === undefined ? '' : ` at index ${report.firstBadIndex}`;
    throw new Error(`audit log verification FAILED${at}: ${report.problem ?? 'unknown problem'} (${report.code})`);
  }
  const root = report.checkpoint?.rootHash.toString('base64') ?? '';
  out.stdout(
    `ok: ${source}: ${report.events.toLocaleString('en-US')} events, ${report.checkpoints} checkpoints` +
      `${report.inclusionProofs > 0 ? `, ${report.inclusionProofs} inclusion proofs` : ''} verified; ` +
      `tree size ${report.to}, root ${root}${trusted === undefined ? '' : '; consistent with the witnessed checkpoint'}\n`,
  );
  if (options.witness !== undefined && report.note !== undefined) writeFileSync(options.witness, report.note);
}

export function registerAuditCommands(program: Command, out: Output): void {
  const audit = program.command('audit').description('the audit ledger: verify it, search it, show its checkpoint');
  // Defaults come from the audit service's configuration, read when a command runs, never while the CLI is being
  // built: a bad AUDIT_* variable must not break `kopir --help` or `kopir config check`, the command that reports it.
  audit.hook('preAction', (_audit, command) => {
    const options = command.opts<{ url?: string; origin?: string }>();
    if (options.url !== undefined && options.origin !== undefined) return;
    const { url, origin } = defaults();
    if (options.url === undefined) command.setOptionValue('url', url);
    if (options.origin === undefined) command.setOptionValue('origin', origin);
  });
  const connection = (command: Command): Command =>
    command
      .option('--url <url>', 'the officer API (default: https://127.0.0.1:<AUDIT_PORT>)')
      .option('--pki <dir>', 'PKI directory with the CA chain and officer certificates', 'certs/dev')
      .option('--officer <name>', 'officer certificate to connect with', 'officer');

  connection(
    audit
      .command('verify')
      .description(
        'recompute the Merkle tree, check every checkpoint signature, inclusion and consistency proof; ' +
          'from the running service (default), an export file or a ledger database; exit 1 and the first bad index on failure',
      )
      .option('--file <export.ndjson>', 'verify an NDJSON export (GET /v1/export) offline')
      .option('--database <ledger.db>', "verify a ledger database file directly (the operator's check)")
      .option('--key <key>', 'checkpoint key: a verifier key (name+id+base64) or a public key PEM file')
      .option('--origin <origin>', "the log's origin, its checkpoint key name (default: AUDIT_ORIGIN)")
      .option(
        '--witness <file>',
        'a checkpoint verified before: the log must still contain it (catches rollbacks); updated on success',
      )
      .option('--no-progress', 'no progress bar'),
  ).action((options: VerifyOptions) => verify(options, out));

  connection(
    audit
      .command('search')
      .description('search the ledger through the officer API (the search is itself audited)')
      .option('--subject <iin>', 'whom the data is about')
      .option('--client <system>', 'calling system, e.g. psc/front-office')
      .option('--service <service>', 'service, e.g. mju/population/person-by-iin')
      .option('--purpose <code>', 'declared purpose code')
      .option('--request-id <id>', "the caller's Kopir-Request-Id (each system's own: combine with --client)")
      .option('--decision <allow|deny>', 'allowed or denied calls')
      .option('--from <time>', 'from this RFC 3339 time')
      .option('--to <time>', 'until (excluding) this RFC 3339 time')
      .option('--after <index>', 'continue after this index (the previous page’s `next`)')
      .option('--limit <n>', 'events per page (1-1000)', '50')
      .option('--json', 'print the raw JSON answer'),
  ).action(async (options: ConnectionOptions & Record<string, string | boolean | undefined>) => {
    const params = new URLSearchParams();
    for (const name of [
      'subject',
      'client',
      'service',
      'purpose',
      'requestId',
      'decision',
      'from',
      'to',
      'after',
      'limit',
    ]) {
      const value = options[name];
      if (typeof value === 'string') params.set(name, value);
    }
    const page = (await officerJson(options, `/v1/events?${params.toString()}`)) as {
      entries: { index: number; event: Record<string, string | number | null> }[];
      next?: number;
    };
    if (options.json === true) {
      out.stdout(`${JSON.stringify(page, null, 2)}\n`);
      return;
    }
    const rows = page.entries.map(({ index, event }) =>
      [index, event.time, event.client, event.service, event.purpose, event.subject ?? '-', event.decision].map(String),
    );
    out.stdout(table([['index', 'time', 'client', 'service', 'purpose', 'subject', 'decision'], ...rows]));
    if (page.next !== undefined) out.stdout(`more: --after ${page.next}\n`);
  });

  connection(
    audit
      .command('checkpoint')
      .description("print the ledger's latest signed checkpoint (C2SP signed note) and check its signature")
      .option('--database <ledger.db>', 'read it from a ledger database instead of the officer API')
      .option('--key <key>', 'checkpoint key: a verifier key or a public key PEM file')
      .option('--origin <origin>', "the log's origin, its checkpoint key name (default: AUDIT_ORIGIN)"),
  ).action(async (options: VerifyOptions) => {
    let note: string;
    if (options.database !== undefined) {
      if (!existsSync(options.database)) throw new UsageError(`no ledger at ${options.database}`);
      const ledger = SqliteLedger.openReadOnly(options.database);
      try {
        const latest = ledger.latestCheckpoint();
        if (latest === undefined) throw new Error('the ledger has no checkpoint yet');
        note = latest.note;
      } finally {
        ledger.close();
      }
    } else {
      note = ((await officerJson(options, '/v1/checkpoints/latest')) as { note: string }).note;
    }
    const checkpoint = openCheckpoint(note, [verifierOf(options)]);
    out.stdout(note);
    out.stdout(`\nsignature ok: tree size ${checkpoint.size}\n`);
  });
}
