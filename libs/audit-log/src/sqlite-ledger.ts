import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AuditLogError } from './audit-log-error';
import { canonicalEvent, type AuditDecision, type AuditEvent, type AuditEventKind } from './audit-event';
import { signCheckpoint, type NoteSigner } from './checkpoint';
import { Frontier } from './compact-tree';
import { consistencyProof, hashLeafText, inclusionProof, rootAt, type NodeSource } from './merkle';
import { exportLines, type ExportSource } from './export-format';

/**
 * What an officer may search by; every filter is an indexed column (docs/officers.md "Searching"). The columns are
 * copies of the leaf's fields that nothing signs: each returned row's leaf is checked against the filter again, and
 * `indexMismatch` (run by `kopir audit verify --database`) checks every row's columns against its leaf.
 */
export interface LedgerQuery {
  readonly subject?: string;
  readonly client?: string;
  readonly service?: string;
  readonly purpose?: string;
  /** The caller's Kopir-Request-Id (events of version 2; ids are each system's own, so combine with `client`). */
  readonly requestId?: string;
  readonly decision?: AuditDecision;
  readonly kind?: AuditEventKind;
  /** RFC 3339 instants: from ≤ time < to. */
  readonly from?: string;
  readonly to?: string;
  /** Cursor: only events with a larger leaf index (the `next` of the previous page). */
  readonly after?: number;
  /** Page size, 1 to 1000 (default 100). */
  readonly limit?: number;
}

export interface LedgerEntry {
  readonly index: number;
  readonly event: AuditEvent;
}

export interface LedgerPage {
  readonly entries: readonly LedgerEntry[];
  /** Pass as `after` for the next page; absent on the last page. */
  readonly next?: number;
}

export interface MinuteStatistics {
  /** The minute, `2025-03-01T09:30`. */
  readonly minute: string;
  readonly client: string;
  readonly service: string;
  readonly calls: number;
  readonly denials: number;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly rootHash: Buffer;
  readonly note: string;
  readonly signedAt: string;
}

export interface AppendResult {
  /** Events written now. */
  readonly appended: number;
  /** Events already in the ledger (same event id), skipped: a redelivery. */
  readonly duplicates: number;
  readonly size: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  leaf_index INTEGER PRIMARY KEY,
  event_id   TEXT NOT NULL UNIQUE,
  time       TEXT NOT NULL,
  kind       TEXT NOT NULL,
  client     TEXT NOT NULL,
  service    TEXT NOT NULL,
  purpose    TEXT NOT NULL,
  subject    TEXT,
  decision   TEXT NOT NULL,
  leaf       TEXT NOT NULL,
  leaf_hash  BLOB NOT NULL,
  request_id TEXT
);
CREATE INDEX IF NOT EXISTS events_subject  ON events(subject, leaf_index) WHERE subject IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_client   ON events(client, leaf_index);
CREATE INDEX IF NOT EXISTS events_service  ON events(service, leaf_index);
CREATE INDEX IF NOT EXISTS events_purpose  ON events(purpose, leaf_index);
CREATE INDEX IF NOT EXISTS events_decision ON events(decision, leaf_index);
CREATE INDEX IF NOT EXISTS events_time     ON events(time);
CREATE TABLE IF NOT EXISTS nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  size      INTEGER PRIMARY KEY,
  root      BLOB NOT NULL,
  note      TEXT NOT NULL,
  signed_at TEXT NOT NULL
);
`;

interface EventRow {
  leaf_index: number;
  leaf: string;
}

/**
 * The searchable columns and the leaf field each copies (`request_id` only from version 2 leaves: a version 1 leaf
 * has no requestId, and the migration fills the column from version 2 leaves only).
 */
const INDEXED_COLUMNS = [
  ['event_id', '$.eventId'],
  ['time', '$.time'],
  ['kind', '$.kind'],
  ['client', '$.client'],
  ['service', '$.service'],
  ['purpose', '$.purpose'],
  ['subject', '$.subject'],
  ['decision', '$.decision'],
  ['request_id', '$.requestId'],
] as const;

/**
 * The first row whose columns are not its leaf's fields (SQLite's JSON1 reads the leaf; IS NOT is null-safe). A file
 * of an earlier release opened read-only may lack `request_id`: only the columns it has are checked.
 */
function indexMismatchSql(columns: readonly (typeof INDEXED_COLUMNS)[number][]): string {
  return `SELECT leaf_index, leaf, ${columns.map(([column]) => column).join(', ')} FROM events
  WHERE ${columns
    .map(([column, path]) =>
      column === 'request_id'
        ? `request_id IS NOT (CASE WHEN json_extract(leaf, '$.v') >= 2 AND json_type(leaf, '${path}') = 'text'
                                   THEN json_extract(leaf, '${path}') END)`
        : `${column} IS NOT json_extract(leaf, '${path}')`,
    )
    .join(' OR ')}
  ORDER BY leaf_index LIMIT 1`;
}

/** A row whose searchable column says something its (hashed, signed) leaf does not. */
export interface IndexMismatch {
  readonly index: number;
  readonly column: string;
  /** The column's value, and the leaf's. */
  readonly stored: unknown;
  readonly leaf: unknown;
}

interface CheckpointRow {
  size: number;
  root: Buffer;
  note: string;
  signed_at: string;
}

/**
 * The durable ledger: one SQLite file in WAL mode with `synchronous=FULL`, so a batch appended in one transaction is
 * on disk (one fsync for thousands of events) when `append` returns. Leaves, the tree's complete nodes and the signed
 * checkpoints live side by side, so roots and proofs cost O(log n) look-ups and a restart resumes from the stored
 * frontier. Idempotent by event id: a redelivered event is skipped, never appended twice.
 */
export class SqliteLedger implements NodeSource, ExportSource {
  private readonly db: Database.Database;
  private frontier: Frontier;
  private readonly statements;
  /** The writing statements; undefined when opened read-only. */
  private readonly writes;

  private constructor(path: string, readonly: boolean) {
    if (readonly) {
      // The operator's check must not change what it checks: no WAL switch, no schema, no migration, no new file.
      this.db = new Database(path, { readonly: true, fileMustExist: true });
    } else {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      // FULL: the WAL is fsynced at every commit, so an acknowledged append survives a power loss, not just a crash.
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
      this.migrate();
    }
    this.writes = readonly
      ? undefined
      : {
          insertEvent: this.db.prepare(
            `INSERT INTO events (leaf_index, event_id, time, kind, client, service, purpose, subject, decision, leaf,
                                 leaf_hash, request_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING`,
          ),
          insertNode: this.db.prepare('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)'),
          insertCheckpoint: this.db.prepare(
            'INSERT INTO checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?)',
          ),
        };
    const columns = this.eventColumns();
    this.statements = {
      leafHash: this.db.prepare<[number], { leaf_hash: Buffer }>('SELECT leaf_hash FROM events WHERE leaf_index = ?'),
      node: this.db.prepare<[number, number], { hash: Buffer }>('SELECT hash FROM nodes WHERE level = ? AND idx = ?'),
      size: this.db.prepare<[], { n: number | null }>('SELECT MAX(leaf_index) + 1 AS n FROM events'),
      event: this.db.prepare<[number], EventRow>('SELECT leaf_index, leaf FROM events WHERE leaf_index = ?'),
      eventById: this.db.prepare<[string], EventRow>('SELECT leaf_index, leaf FROM events WHERE event_id = ?'),
      leaves: this.db.prepare<[number, number], { leaf_index: number; leaf: string; leaf_hash: Buffer }>(
        'SELECT leaf_index, leaf, leaf_hash FROM events WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index',
      ),
      latestCheckpoint: this.db.prepare<[], CheckpointRow>('SELECT * FROM checkpoints ORDER BY size DESC LIMIT 1'),
      checkpointAt: this.db.prepare<[number], CheckpointRow>('SELECT * FROM checkpoints WHERE size = ?'),
      checkpointsBetween: this.db.prepare<[number, number], CheckpointRow>(
        'SELECT * FROM checkpoints WHERE size >= ? AND size <= ? ORDER BY size',
      ),
      indexMismatch: this.db.prepare<[], Record<string, unknown> & EventRow>(
        indexMismatchSql(INDEXED_COLUMNS.filter(([column]) => columns.has(column))),
      ),
    };
    const size = this.statements.size.get()?.n ?? 0;
    this.frontier = new Frontier(
      size,
      Frontier.shape(size).map((n) => ({ ...n, hash: this.node(n.level, n.index) })),
    );
  }

  /**
   * Brings a ledger file of an earlier release up to this one's schema, in place and without touching a leaf: the
   * `request_id` column (audit events of version 2 record the caller's request id) is added when missing and filled
   * from the leaves that carry one, then indexed.
   */
  private migrate(): void {
    if (!this.eventColumns().has('request_id')) {
      this.db.transaction(() => {
        this.db.exec('ALTER TABLE events ADD COLUMN request_id TEXT');
        this.db.exec(
          `UPDATE events SET request_id = json_extract(leaf, '$.requestId')
           WHERE json_extract(leaf, '$.v') >= 2 AND json_type(leaf, '$.requestId') = 'text'`,
        );
      })();
    }
    this.db.exec(
      'CREATE INDEX IF NOT EXISTS events_request_id ON events(request_id, leaf_index) WHERE request_id IS NOT NULL',
    );
  }

  /** The columns the events table has (an earlier release's file may lack some). */
  private eventColumns(): Set<string> {
    return new Set(
      this.db
        .prepare<[], { name: string }>('PRAGMA table_info(events)')
        .all()
        .map((c) => c.name),
    );
  }

  /** Opens (creating if needed) the ledger at `path`. */
  static open(path: string): SqliteLedger {
    return new SqliteLedger(path, false);
  }

  /**
   * Opens an existing ledger file without changing it (`kopir audit verify --database`, `audit checkpoint
   * --database`): read-only, no journal-mode switch, no schema or migration, so a file of an earlier release is
   * checked as it is. Appending or signing throws.
   */
  static openReadOnly(path: string): SqliteLedger {
    return new SqliteLedger(path, true);
  }

  private get writer(): NonNullable<SqliteLedger['writes']> {
    if (this.writes === undefined) throw new Error('the ledger was opened read-only');
    return this.writes;
  }

  close(): void {
    this.db.close();
  }

  /** Number of events in the ledger. */
  get size(): number {
    return this.frontier.size;
  }

  /** Root hash of the whole ledger now (RFC 9162 §2.1.1). */
  root(): Buffer {
    return this.frontier.root();
  }

  /**
   * Appends events durably in one transaction: when this returns, they are on disk. Events whose id is already in
   * the ledger are skipped (counted as duplicates), so a redelivered Kafka batch appends nothing twice.
   */
  append(events: readonly AuditEvent[]): AppendResult {
    const before = this.frontier;
    const frontier = new Frontier(before.size, before.subtrees);
    let appended = 0;
    const write = this.db.transaction(() => {
      for (const event of events) {
        const leaf = canonicalEvent(event);
        const leafHash = hashLeafText(leaf);
        const index = frontier.size;
        const info = this.writer.insertEvent.run(
          index,
          event.eventId,
          event.time,
          event.kind,
          event.client,
          event.service,
          event.purpose,
          event.subject,
          event.decision,
          leaf,
          leafHash,
          event.requestId ?? null,
        );
        if (info.changes === 0) continue;
        for (const node of frontier.append(leafHash)) {
          if (node.level > 0) this.writer.insertNode.run(node.level, node.index, node.hash);
        }
        appended += 1;
      }
    });
    write.immediate();
    this.frontier = frontier;
    return { appended, duplicates: events.length - appended, size: frontier.size };
  }

  /** Hash of a complete subtree: level 0 is a leaf hash (NodeSource). */
  node(level: number, index: number): Buffer {
    const row = level === 0 ? this.statements.leafHash.get(index) : this.statements.node.get(level, index);
    const hash = row === undefined ? undefined : 'leaf_hash' in row ? row.leaf_hash : row.hash;
    if (hash === undefined) throw new AuditLogError('log_inconsistent', `the ledger has no node ${level}/${index}`);
    return hash;
  }

  /** The root of the first `size` events. */
  rootAt(size: number): Buffer {
    this.checkSize(size);
    return size === this.size ? this.root() : rootAt(this, size);
  }

  inclusionProof(index: number, size: number = this.size): Buffer[] {
    this.checkSize(size);
    return inclusionProof(this, index, size);
  }

  consistencyProof(size1: number, size2: number = this.size): Buffer[] {
    this.checkSize(size2);
    return consistencyProof(this, size1, size2);
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new AuditLogError('proof_invalid', `tree size ${size} is beyond the ledger (${this.size} events)`);
    }
  }

  /**
   * Signs a checkpoint of the current tree when it grew since the last one (or when there is none yet) and stores
   * it; returns the latest checkpoint either way. A log never signs two different roots for one size.
   */
  signCheckpoint(origin: string, signer: NoteSigner, now: Date = new Date()): StoredCheckpoint {
    const latest = this.latestCheckpoint();
    if (latest !== undefined && latest.size === this.size) return latest;
    const rootHash = this.root();
    const note = signCheckpoint({ origin, size: this.size, rootHash, extensions: [] }, signer);
    const signedAt = now.toISOString();
    this.writer.insertCheckpoint.run(this.size, rootHash, note, signedAt);
    return { size: this.size, rootHash, note, signedAt };
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    return toCheckpoint(this.statements.latestCheckpoint.get());
  }

  checkpointAt(size: number): StoredCheckpoint | undefined {
    return toCheckpoint(this.statements.checkpointAt.get(size));
  }

  checkpoints(from: number, to: number): { size: number; note: string }[] {
    return this.statements.checkpointsBetween.all(from, to).map((row) => ({ size: row.size, note: row.note }));
  }

  /**
   * Leaves [from, to), read a page at a time: better-sqlite3 allows no other statement on a connection while an
   * iterator is open, and an export may stream for minutes while appends go on.
   */
  *leaves(from: number, to: number): Generator<{ index: number; leaf: string; leafHash: Buffer }> {
    const PAGE = 4096;
    for (let start = from; start < to; start += PAGE) {
      for (const row of this.statements.leaves.all(start, Math.min(to, start + PAGE))) {
        yield { index: row.leaf_index, leaf: row.leaf, leafHash: row.leaf_hash };
      }
    }
  }

  event(index: number): LedgerEntry | undefined {
    return toEntry(this.statements.event.get(index));
  }

  eventById(eventId: string): LedgerEntry | undefined {
    return toEntry(this.statements.eventById.get(eventId));
  }

  /** Events matching every given filter, by increasing index, one page at a time. */
  search(query: LedgerQuery): LedgerPage {
    const limit = query.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
      throw new AuditLogError('event_invalid', 'limit must be from 1 to 1000');
    }
    const where: string[] = [];
    const params: (string | number)[] = [];
    // Column names come from this fixed list, never from the caller: only values are bound parameters.
    for (const [name, column] of EQUALITY_FILTERS) {
      const value = query[name];
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    if (query.from !== undefined) {
      where.push('time >= ?');
      params.push(query.from);
    }
    if (query.to !== undefined) {
      where.push('time < ?');
      params.push(query.to);
    }
    if (query.after !== undefined) {
      where.push('leaf_index > ?');
      params.push(query.after);
    }
    const sql = `SELECT leaf_index, leaf FROM events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY leaf_index LIMIT ?`;
    const rows = this.db.prepare<(string | number)[], EventRow>(sql).all(...params, limit + 1);
    const entries = rows.slice(0, limit).map((row) => toEntry(row) as LedgerEntry);
    // The columns matched, but only the leaf is hashed into the tree: a row whose column was edited to match (an
    // access moved into another citizen's view, a denial turned into an allow) must not be answered as if it did.
    for (const { index, event } of entries) {
      const wrong = mismatchedFilter(event, query);
      if (wrong !== undefined) {
        throw new AuditLogError(
          'log_inconsistent',
          `the ledger's index was altered: event ${index} matched ${wrong} in its column but not in its signed leaf; ` +
            'run kopir audit verify --database',
          index,
        );
      }
    }
    const last = entries[entries.length - 1];
    return rows.length > limit && last !== undefined ? { entries, next: last.index } : { entries };
  }

  /**
   * The first row whose searchable columns (subject, client, service, purpose, decision, kind, time, event id,
   * request id) differ from its leaf, or undefined when all agree. Searches, the citizen view and statistics read
   * those columns, and nothing signs them: an edited `subject` hides an access from the citizen while every leaf
   * and proof still verifies. Only this full pass shows that nothing was left out of an answer.
   */
  indexMismatch(): IndexMismatch | undefined {
    const row = this.statements.indexMismatch.get();
    if (row === undefined) return undefined;
    const leaf = JSON.parse(row.leaf) as Record<string, unknown>;
    for (const [column, path] of INDEXED_COLUMNS) {
      if (!(column in row)) continue;
      const field = path.slice(2);
      const expected = column === 'request_id' && leaf.v === 1 ? null : (leaf[field] ?? null);
      if (row[column] !== expected) return { index: row.leaf_index, column, stored: row[column], leaf: expected };
    }
    // SQLite and JSON.parse disagreed on a field (a type, e.g. a number against text): report the row anyway.
    return { index: row.leaf_index, column: 'leaf', stored: undefined, leaf: undefined };
  }

  /** Calls and denials per minute, calling system and service, from ≤ time < to (service calls only). */
  statistics(from: string, to: string): MinuteStatistics[] {
    return this.db
      .prepare<[string, string], MinuteStatistics>(
        `SELECT substr(time, 1, 16) AS minute, client, service, COUNT(*) AS calls,
                SUM(decision = 'deny') AS denials
           FROM events WHERE time >= ? AND time < ? AND kind = 'service-call'
          GROUP BY minute, client, service ORDER BY minute, client, service`,
      )
      .all(from, to);
  }

  /**
   * The NDJSON export of [from, to), see export-format.ts. `to` must be the size of a signed checkpoint (default: the
   * latest), so that everything exported is covered by a signature.
   */
  export(origin: string, options: { from?: number; to?: number; inclusion?: boolean } = {}): Generator<string> {
    const head = options.to === undefined ? this.latestCheckpoint() : this.checkpointAt(options.to);
    if (head === undefined) {
      throw new AuditLogError('checkpoint_invalid', `no signed checkpoint of size ${options.to ?? '(latest)'}`);
    }
    return exportLines(this, {
      origin,
      from: options.from ?? 0,
      checkpoint: head.note,
      inclusion: options.inclusion ?? false,
    });
  }
}

/**
 * The equality filters of a search: the query member, which is also the leaf's field, and the column that copies it.
 * search() filters on the column; mismatchedFilter() checks the leaf of each row found against the same list.
 */
const EQUALITY_FILTERS = [
  ['subject', 'subject'],
  ['client', 'client'],
  ['service', 'service'],
  ['purpose', 'purpose'],
  ['requestId', 'request_id'],
  ['decision', 'decision'],
  ['kind', 'kind'],
] as const satisfies readonly (readonly [keyof LedgerQuery & keyof AuditEvent, string])[];

/** The first filter of `query` the event (its leaf) does not meet, or undefined when it meets all. */
function mismatchedFilter(event: AuditEvent, query: LedgerQuery): string | undefined {
  for (const [name] of EQUALITY_FILTERS) {
    const wanted = query[name];
    if (wanted !== undefined && wanted !== event[name]) return name;
  }
  if (query.from !== undefined && !(event.time >= query.from)) return 'from';
  if (query.to !== undefined && !(event.time < query.to)) return 'to';
  return undefined;
}

function toEntry(row: EventRow | undefined): LedgerEntry | undefined {
  return row === undefined ? undefined : { index: row.leaf_index, event: JSON.parse(row.leaf) as AuditEvent };
}

function toCheckpoint(row: CheckpointRow | undefined): StoredCheckpoint | undefined {
  if (row === undefined) return undefined;
  return { size: row.size, rootHash: row.root, note: row.note, signedAt: row.signed_at };
}
