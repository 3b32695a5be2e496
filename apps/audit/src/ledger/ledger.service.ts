import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AuditLogError,
  SqliteLedger,
  openCheckpoint,
  type AppendResult,
  type AuditEvent,
  type NoteSigner,
  type NoteVerifier,
  type StoredCheckpoint,
} from '@kopir/audit-log';

export interface LedgerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LedgerServiceOptions {
  readonly database: string;
  /** The log's origin, also its checkpoint key name (c2sp.org/tlog-checkpoint). */
  readonly origin: string;
  readonly signer: NoteSigner;
  /** A checkpoint is signed at least this often while events arrive. */
  readonly checkpointIntervalMs: number;
  readonly logger: LedgerLogger;
  /**
   * Where the last signed checkpoint is also written, outside the database. At start the ledger must still contain
   * it: a database restored from an old backup, or cut back by an intruder, is refused rather than re-grown into a
   * fork (a log must never sign two inconsistent checkpoints, c2sp.org/tlog-checkpoint §"Signatures").
   */
  readonly witnessFile?: string;
  /** Verifies the witness file's signature (the signer's public half). */
  readonly verifier?: NoteVerifier;
}

/**
 * The audit service's ledger: durable appends, and a signed checkpoint at least every `checkpointIntervalMs` while
 * the tree grows (a timer, plus a check after each append, so a busy event loop cannot starve the signer).
 */
export class LedgerService {
  readonly ledger: SqliteLedger;
  readonly origin: string;
  private timer: NodeJS.Timeout | undefined;
  private lastSignedAt = 0;
  private witnessedSize: number | undefined;

  constructor(private readonly options: LedgerServiceOptions) {
    this.ledger = SqliteLedger.open(options.database);
    this.origin = options.origin;
  }

  start(): void {
    try {
      this.checkWitness();
    } catch (error) {
      this.ledger.close();
      throw error;
    }
    this.checkpoint();
    this.timer = setInterval(() => this.safeCheckpoint(), this.options.checkpointIntervalMs);
    this.timer.unref();
  }

  /** Appends durably (on disk when this returns); redelivered event ids are skipped. */
  append(events: readonly AuditEvent[]): AppendResult {
    const result = this.ledger.append(events);
    if (Date.now() - this.lastSignedAt >= this.options.checkpointIntervalMs) this.checkpoint();
    return result;
  }

  /** Signs a checkpoint if the tree grew since the last one; returns the latest. */
  checkpoint(): StoredCheckpoint {
    const latest = this.ledger.signCheckpoint(this.origin, this.options.signer);
    this.lastSignedAt = Date.now();
    if (this.options.witnessFile !== undefined && latest.size !== this.witnessedSize) {
      // Write-then-rename: a crash leaves the old witness or the new one, never half of one.
      const temporary = `${this.options.witnessFile}.tmp`;
      writeFileSync(temporary, latest.note);
      renameSync(temporary, this.options.witnessFile);
      this.witnessedSize = latest.size;
    }
    return latest;
  }

  private checkWitness(): void {
    const file = this.options.witnessFile;
    if (file === undefined) return;
    mkdirSync(dirname(file), { recursive: true });
    let note: string;
    try {
      note = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    const verifier = this.options.verifier;
    if (verifier === undefined) throw new AuditLogError('checkpoint_invalid', 'a witness file needs a verifier');
    const witnessed = openCheckpoint(note, [verifier]);
    const size = this.ledger.size;
    if (size < witnessed.size || !this.ledger.rootAt(witnessed.size).equals(witnessed.rootHash)) {
      throw new AuditLogError(
        'log_inconsistent',
        `the ledger (${size} events) does not contain the last checkpoint this service signed (${witnessed.size} ` +
          `events, ${file}): it was rolled back or rewritten; refusing to sign a fork`,
      );
    }
    this.witnessedSize = witnessed.size;
  }

  private safeCheckpoint(): void {
    try {
      this.checkpoint();
    } catch (error) {
      this.options.logger.error(`checkpoint failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Signs a last checkpoint and closes the database. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.checkpoint();
    } finally {
      this.ledger.close();
    }
  }
}
