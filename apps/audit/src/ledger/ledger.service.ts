import {
  SqliteLedger,
  type AppendResult,
  type AuditEvent,
  type NoteSigner,
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

  constructor(private readonly options: LedgerServiceOptions) {
    this.ledger = SqliteLedger.open(options.database);
    this.origin = options.origin;
  }

  start(): void {
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
    return latest;
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
