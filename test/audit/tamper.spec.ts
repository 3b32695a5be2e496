/**
 * Tamper tests: the ledger database is edited directly, as an intruder with write access to the file would, and
 * `kopir audit verify` must fail with exit code 1 and name where: an altered, deleted, inserted or reordered
 * record, a forged checkpoint, and a log rolled back (or forked) behind a checkpoint verified before.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  SqliteLedger,
  ed25519Signer,
  ed25519Verifier,
  eventLeafHash,
  parseAuditEvent,
  signCheckpoint,
  verifierKey,
  type AuditEvent,
} from '@kopir/audit-log';
import { runCli } from '../../apps/cli/src/cli';
import { LedgerService } from '../../apps/audit/src/ledger/ledger.service';
import { sampleEvent } from './audit-fixture';

const ORIGIN = 'kopir.test/audit';
const keys = generateKeyPairSync('ed25519');
const signer = ed25519Signer(ORIGIN, keys.privateKey);
const vkey = verifierKey(ORIGIN, keys.publicKey);

async function verify(database: string, ...extra: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = { out: '', err: '', stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  const code = await runCli(['audit', 'verify', '--database', database, '--key', vkey, '--no-progress', ...extra], io);
  return { code, out: io.out, err: io.err };
}

/** 200 events, a checkpoint every 20 (as the service signs about once a second). */
function buildLedger(path: string, count = 200): void {
  const ledger = SqliteLedger.open(path);
  for (let i = 0; i < count; i += 20) {
    ledger.append(Array.from({ length: 20 }, (_, j) => sampleEvent(i + j)));
    ledger.signCheckpoint(ORIGIN, signer);
  }
  ledger.close();
}

function withDb(path: string, edit: (db: Database.Database) => void): void {
  const db = new Database(path);
  try {
    edit(db);
  } finally {
    db.close();
  }
}

const leafOf = (db: Database.Database, index: number): AuditEvent =>
  JSON.parse(
    (db.prepare('SELECT leaf FROM events WHERE leaf_index = ?').get(index) as { leaf: string }).leaf,
  ) as AuditEvent;

describe('kopir audit verify against a tampered ledger database', () => {
  let dir: string;
  let db: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-tamper-'));
    db = join(dir, 'ledger.db');
    buildLedger(db);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the untouched ledger', async () => {
    const result = await verify(db);
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toContain('ok:');
    expect(result.out).toContain('200 events, 10 checkpoints');
  });

  it("verifies and reads the checkpoint of a ledger file without changing it, an older release's too", async () => {
    const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
    const checkpoint = async (database: string): Promise<number> =>
      runCli(['audit', 'checkpoint', '--database', database, '--key', vkey], {
        stdout: () => undefined,
        stderr: () => undefined,
      });
    // This release's file (WAL mode, closed cleanly), and one as an earlier release wrote it: rollback journal, no
    // request_id column. Opening it for writing would switch it to WAL and migrate it.
    const old = join(dir, 'old.db');
    buildLedger(old, 40);
    withDb(old, (d) => {
      d.pragma('journal_mode = DELETE');
      d.exec('DROP INDEX events_request_id; ALTER TABLE events DROP COLUMN request_id;');
    });
    for (const file of [db, old]) {
      const before = sha256(file);
      const result = await verify(file);
      expect(result).toMatchObject({ code: 0 });
      expect(await checkpoint(file)).toBe(0);
      expect(sha256(file)).toBe(before);
    }
    // (A reader of a WAL-mode file leaves SQLite's empty -wal and -shm beside it, as the sqlite3 shell does; the
    // older file stays in rollback-journal mode, so it gets none.)
    expect(existsSync(`${old}-wal`)).toBe(false);
    withDb(old, (d) => {
      expect(d.pragma('journal_mode', { simple: true })).toBe('delete');
      expect((d.prepare('PRAGMA table_info(events)').all() as { name: string }[]).map((c) => c.name)).not.toContain(
        'request_id',
      );
    });
  });

  it('names the altered record when only its content was changed', async () => {
    withDb(db, (d) =>
      d
        .prepare("UPDATE events SET leaf = replace(leaf, 'driving-licence-issue', 'curiosity') WHERE leaf_index = 57")
        .run(),
    );
    const result = await verify(db);
    expect(result.code).toBe(1);
    expect(result.err).toContain('at index 57');
  });

  it('fails a ledger whose searchable columns alone were edited (leaves, hashes and checkpoints untouched)', async () => {
    // Hiding an access from the citizen: only the subject column, which searches and the citizen view read, changes.
    const hidden = sampleEvent(57).subject as string;
    withDb(db, (d) => d.prepare("UPDATE events SET subject = '000000000000' WHERE leaf_index = 57").run());
    const ledger = SqliteLedger.open(db);
    try {
      expect(ledger.search({ subject: hidden }).entries).toEqual([]);
    } finally {
      ledger.close();
    }
    const result = await verify(db);
    expect(result.code).toBe(1);
    expect(result.err).toContain('at index 57');
    expect(result.err).toContain('subject');
    expect(result.err).toContain('log_inconsistent');
    // Every other column is checked as well: a denial turned into an allow, a request id, a time.
    for (const [column, value] of [
      ['decision', 'allow'],
      ['request_id', 'someone-else'],
      ['time', '2020-01-01T00:00:00.000Z'],
      ['event_id', 'moved'],
    ] as const) {
      withDb(db, (d) => {
        d.prepare('UPDATE events SET subject = json_extract(leaf, ?) WHERE leaf_index = 57').run('$.subject');
        d.prepare(`UPDATE events SET ${column} = ? WHERE leaf_index = 30`).run(value);
      });
      const again = await verify(db);
      expect(again.code).toBe(1);
      expect(again.err).toContain('at index 30');
      expect(again.err).toContain(column);
      withDb(db, (d) =>
        d
          .prepare(`UPDATE events SET ${column} = json_extract(leaf, ?) WHERE leaf_index = 30`)
          .run(column === 'request_id' ? '$.requestId' : column === 'event_id' ? '$.eventId' : `$.${column}`),
      );
    }
    expect(await verify(db)).toMatchObject({ code: 0 });
  });

  it("refuses to answer a search whose row matched only in an edited column, not in the event's signed leaf", () => {
    // Moving one citizen's access into another's view: the column says 59, the signed leaf says 58.
    const other = sampleEvent(59).subject as string;
    withDb(db, (d) => d.prepare('UPDATE events SET subject = ? WHERE leaf_index = 58').run(other));
    const ledger = SqliteLedger.open(db);
    try {
      expect(() => ledger.search({ subject: other })).toThrow(
        expect.objectContaining({ code: 'log_inconsistent', index: 58 }),
      );
      // A search the edit does not touch still answers.
      expect(ledger.search({ subject: sampleEvent(60).subject as string }).entries.map((e) => e.index)).toEqual([60]);
    } finally {
      ledger.close();
    }
  });

  it('fails an altered record whose leaf hash was recomputed too, within the checkpoint range that covers it', async () => {
    withDb(db, (d) => {
      const event = parseAuditEvent({ ...leafOf(d, 57), purpose: 'curiosity' });
      d.prepare('UPDATE events SET leaf = ?, leaf_hash = ? WHERE leaf_index = 57').run(
        JSON.stringify(event),
        eventLeafHash(event),
      );
    });
    const result = await verify(db);
    expect(result.code).toBe(1);
    expect(result.err).toContain('at index 40');
    expect(result.err).toContain('between index 40 and 60');
  });

  it('names a deleted record', async () => {
    withDb(db, (d) => d.prepare('DELETE FROM events WHERE leaf_index = 57').run());
    const result = await verify(db);
    expect(result.code).toBe(1);
    expect(result.err).toContain('at index 57');
    expect(result.err).toContain('missing');
  });

  it('fails a record inserted in the middle (later records renumbered)', async () => {
    withDb(db, (d) => {
      d.prepare('UPDATE events SET leaf_index = -leaf_index - 1 WHERE leaf_index >= 57').run();
      d.prepare('UPDATE events SET leaf_index = -leaf_index WHERE leaf_index < 0').run();
      const fake = parseAuditEvent({ ...sampleEvent(10_000), eventId: 'forged-1' });
      d.prepare(
        `INSERT INTO events (leaf_index, event_id, time, kind, client, service, purpose, subject, decision, leaf, leaf_hash)
         VALUES (57, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        fake.eventId,
        fake.time,
        fake.kind,
        fake.client,
        fake.service,
        fake.purpose,
        fake.subject,
        fake.decision,
        JSON.stringify(fake),
        eventLeafHash(fake),
      );
    });
    const result = await verify(db);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/at index (40|57)/);
  });

  it('fails two records swapped with their hashes (reordered)', async () => {
    withDb(db, (d) => {
      const rows = d.prepare('SELECT * FROM events WHERE leaf_index IN (57, 58) ORDER BY leaf_index').all() as Record<
        string,
        unknown
      >[];
      const [a, b] = rows as [Record<string, unknown>, Record<string, unknown>];
      d.prepare('DELETE FROM events WHERE leaf_index IN (57, 58)').run();
      const insert = d.prepare(
        `INSERT INTO events (leaf_index, event_id, time, kind, client, service, purpose, subject, decision, leaf, leaf_hash)
         VALUES (@leaf_index, @event_id, @time, @kind, @client, @service, @purpose, @subject, @decision, @leaf, @leaf_hash)`,
      );
      insert.run({ ...a, leaf_index: 58 });
      insert.run({ ...b, leaf_index: 57 });
    });
    const result = await verify(db);
    expect(result.code).toBe(1);
    expect(result.err).toContain('at index 40');
  });

  it('refuses a forged checkpoint (an edited size, and one signed by another key)', async () => {
    withDb(db, (d) => {
      const note = (d.prepare('SELECT note FROM checkpoints WHERE size = 200').get() as { note: string }).note;
      d.prepare('UPDATE checkpoints SET note = ? WHERE size = 200').run(note.replace('\n200\n', '\n199\n'));
    });
    expect((await verify(db)).err).toContain('signature_invalid');
    withDb(db, (d) => {
      const other = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
      const note = signCheckpoint({ origin: ORIGIN, size: 200, rootHash: Buffer.alloc(32, 1), extensions: [] }, other);
      d.prepare('UPDATE checkpoints SET note = ? WHERE size = 200').run(note);
    });
    const result = await verify(db);
    expect(result.code).toBe(1);
    expect(result.err).toContain('signature_invalid');
  });

  it('detects a log rolled back behind the witnessed checkpoint, and one forked after it', async () => {
    const witness = join(dir, 'witness.txt');
    expect((await verify(db, '--witness', witness)).code).toBe(0);
    expect(readFileSync(witness, 'utf8')).toContain(`${ORIGIN}\n200\n`);
    const saved = readFileSync(witness, 'utf8');
    withDb(db, (d) => {
      d.prepare('DELETE FROM events WHERE leaf_index >= 100').run();
      d.prepare('DELETE FROM nodes WHERE (idx + 1) * (1 << level) > 100').run();
      d.prepare('DELETE FROM checkpoints WHERE size > 100').run();
    });
    const rolledBack = await verify(db, '--witness', witness);
    expect(rolledBack.code).toBe(1);
    expect(rolledBack.err).toContain('rolled back');
    // The intruder (holding the signing key) then appends other events and signs: a fork of the witnessed tree.
    const ledger = SqliteLedger.open(db);
    ledger.append(Array.from({ length: 120 }, (_, i) => sampleEvent(5000 + i)));
    ledger.signCheckpoint(ORIGIN, signer);
    ledger.close();
    writeFileSync(witness, saved);
    const forked = await verify(db, '--witness', witness);
    expect(forked.code).toBe(1);
    expect(forked.err).toContain('no longer contains the trusted checkpoint');
  });

  it('keeps the audit service from starting on a rolled-back database (its own witness file)', () => {
    const witnessFile = join(dir, 'witness', 'last-checkpoint.txt');
    const service = (): LedgerService =>
      new LedgerService({
        database: db,
        origin: ORIGIN,
        signer,
        checkpointIntervalMs: 1000,
        logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
        witnessFile,
        verifier: ed25519Verifier(ORIGIN, keys.publicKey),
      });
    const first = service();
    first.start();
    first.append([sampleEvent(200)]);
    first.close();
    expect(readFileSync(witnessFile, 'utf8')).toContain(`${ORIGIN}\n201\n`);
    // A restart on the same database is fine.
    const second = service();
    second.start();
    second.close();
    // The database restored from an older state: refused, and nothing is signed.
    withDb(db, (d) => {
      d.prepare('DELETE FROM events WHERE leaf_index >= 150').run();
      d.prepare('DELETE FROM nodes WHERE (idx + 1) * (1 << level) > 150').run();
      d.prepare('DELETE FROM checkpoints WHERE size > 150').run();
    });
    expect(() => service().start()).toThrow(expect.objectContaining({ code: 'log_inconsistent' }));
    withDb(db, (d) => expect(d.prepare('SELECT MAX(size) AS s FROM checkpoints').get()).toEqual({ s: 140 }));
  });
});
