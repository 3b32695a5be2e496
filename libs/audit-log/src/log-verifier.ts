import { StringDecoder } from 'node:string_decoder';
import { AuditLogError } from './audit-log-error';
import { eventLeafHash, parseAuditEvent } from './audit-event';
import { openCheckpoint, type Checkpoint, type NoteVerifier } from './checkpoint';
import { Frontier } from './compact-tree';
import { HASH_SIZE, verifyConsistency, verifyInclusion } from './merkle';
import { EXPORT_FORMAT, type ExportCheckpoint, type ExportEvent, type ExportHeader } from './export-format';

export interface VerifyOptions {
  /** The log's trusted checkpoint keys (never taken from the export itself). */
  readonly verifiers: readonly NoteVerifier[];
  /**
   * A checkpoint verified earlier (a signed note): the log must still contain it. This is what catches a log rolled
   * back to an older tree, or forked after it.
   */
  readonly trusted?: string;
  /** Consistency proof from the trusted checkpoint to the export's, needed only when it lies before the range. */
  readonly trustedConsistency?: readonly Buffer[];
  /** Called every so often with the number of events checked. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly from: number;
  readonly to: number;
  readonly events: number;
  readonly checkpoints: number;
  readonly inclusionProofs: number;
  /** The export's checkpoint, once verified (save its note to detect a rollback next time). */
  readonly checkpoint?: Checkpoint;
  readonly note?: string;
  readonly code?: string;
  readonly problem?: string;
  /** The first leaf index found wrong; for a root mismatch, the first index of the range the damage lies in. */
  readonly firstBadIndex?: number;
}

const fromB64 = (value: unknown, what: string): Buffer => {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (bytes.length !== HASH_SIZE || bytes.toString('base64') !== value) {
    throw new AuditLogError('export_invalid', `${what} is not a base64 SHA-256 hash`);
  }
  return bytes;
};

const hashes = (value: unknown, what: string): Buffer[] => {
  if (!Array.isArray(value)) throw new AuditLogError('export_invalid', `${what} must be an array of hashes`);
  return value.map((v) => fromB64(v, what));
};

/** An event line with its leaf hash recomputed; what {@link LogVerifier.hashedEvent} takes. */
export interface HashedEvent {
  /** The index the line claims. */
  readonly index: unknown;
  readonly leafHash?: Buffer;
  /** Why the event is not a valid audit event. */
  readonly error?: string;
  /** The line's stored leaf hash differs from the recomputed one. */
  readonly storedMismatch?: boolean;
  readonly inclusion?: unknown;
}

/**
 * The order-independent part of checking an event line: validate the event and recompute its leaf hash from its
 * canonical JSON. Pure, so worker threads can run it on many lines at once.
 */
export function hashEventLine(line: ExportEvent): HashedEvent {
  const base = { index: line.index, ...(line.inclusion === undefined ? {} : { inclusion: line.inclusion }) };
  let leafHash: Buffer;
  try {
    leafHash = eventLeafHash(parseAuditEvent(line.event));
  } catch (error) {
    return { ...base, error: error instanceof Error ? error.message : String(error) };
  }
  // Comparing base64 texts: one encoding per event instead of a decode and a check.
  const storedMismatch = line.leafHash !== undefined && leafHash.toString('base64') !== line.leafHash;
  return { ...base, leafHash, storedMismatch };
}

/**
 * Verifies an export line by line, in constant memory: recomputes every leaf hash from the event's canonical JSON,
 * rebuilds the tree from the header's frontier, checks every checkpoint's signature against the trusted keys and
 * its root against the rebuilt tree, every consistency and inclusion proof, and that the log still contains the
 * trusted checkpoint. The first failure throws an AuditLogError carrying the first bad index it can name.
 */
export class LogVerifier {
  private header: ExportHeader | undefined;
  private head: Checkpoint | undefined;
  private frontier: Frontier | undefined;
  private trusted: Checkpoint | undefined;
  private trustedChecked = false;
  private previous: Checkpoint | undefined;
  private events = 0;
  private checkpoints = 0;
  private inclusionProofs = 0;
  /** Size of the last checkpoint whose root matched: damage found later lies at or after it. */
  private lastGood = 0;

  constructor(private readonly options: VerifyOptions) {
    if (options.verifiers.length === 0) throw new AuditLogError('checkpoint_invalid', 'no trusted checkpoint key');
    if (options.trusted !== undefined) this.trusted = openCheckpoint(options.trusted, options.verifiers);
  }

  /** Checks one NDJSON line. */
  line(text: string): void {
    if (text.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new AuditLogError('export_invalid', 'a line is not JSON', this.frontier?.size);
    }
    const type = (value as { type?: unknown } | null)?.type;
    if (this.header === undefined) {
      if (type !== 'header') throw new AuditLogError('export_invalid', 'the export does not start with a header');
      this.onHeader(value as ExportHeader);
    } else if (type === 'event') this.onEvent(value as ExportEvent);
    else if (type === 'checkpoint') this.onCheckpoint(value as ExportCheckpoint);
    else throw new AuditLogError('export_invalid', `unexpected line type ${JSON.stringify(type)}`, this.frontier?.size);
  }

  /** Ends the export: every event up to the checkpoint must have come, and the last checkpoint line must be it. */
  finish(): VerifyReport {
    const header = this.header;
    const frontier = this.frontier;
    if (header === undefined || frontier === undefined || this.head === undefined) {
      throw new AuditLogError('export_invalid', 'the export is empty');
    }
    if (frontier.size !== header.to) {
      throw new AuditLogError(
        'export_invalid',
        `the export ends at ${frontier.size}, before ${header.to}`,
        frontier.size,
      );
    }
    this.checkRoot(this.head, 'the export checkpoint');
    this.options.onProgress?.(this.events, header.to - header.from);
    if (this.trusted !== undefined && !this.trustedChecked) {
      throw new AuditLogError('log_inconsistent', 'the trusted checkpoint could not be checked against this export');
    }
    return {
      ok: true,
      from: header.from,
      to: header.to,
      events: this.events,
      checkpoints: this.checkpoints,
      inclusionProofs: this.inclusionProofs,
      checkpoint: this.head,
      note: header.checkpoint,
    };
  }

  private onHeader(header: ExportHeader): void {
    if (header.format !== EXPORT_FORMAT)
      throw new AuditLogError('export_invalid', `not a ${String(EXPORT_FORMAT)} export`);
    const head = openCheckpoint(header.checkpoint, this.options.verifiers);
    const { from, to } = header;
    if (!Number.isSafeInteger(from) || from < 0 || head.size !== to || from > to) {
      throw new AuditLogError('export_invalid', 'the header range does not match its checkpoint');
    }
    const shape = Frontier.shape(from);
    const frontier = hashes(header.frontier, 'frontier');
    if (frontier.length !== shape.length) throw new AuditLogError('export_invalid', 'the frontier has the wrong shape');
    this.header = header;
    this.head = head;
    this.frontier = new Frontier(
      from,
      shape.map((s, i) => ({ ...s, hash: frontier[i] as Buffer })),
    );
    this.lastGood = from;
    const trusted = this.trusted;
    if (trusted === undefined) return;
    if (trusted.size > to) {
      throw new AuditLogError(
        'log_inconsistent',
        `the log was rolled back: it holds ${to} events, but a checkpoint of ${trusted.size} was verified before`,
        to,
      );
    }
    if (trusted.size === 0) {
      // Every log extends the empty tree.
      this.trustedChecked = true;
    } else if (trusted.size < from) {
      const proof = this.options.trustedConsistency;
      if (proof === undefined) return;
      this.wrapProof(() => verifyConsistency(trusted.size, to, trusted.rootHash, head.rootHash, proof), trusted.size);
      this.trustedChecked = true;
    } else if (trusted.size === from) {
      this.checkTrusted(trusted);
    }
  }

  private onEvent(line: ExportEvent): void {
    this.hashedEvent(hashEventLine(line));
  }

  /**
   * Takes an event line whose leaf hash was already computed by {@link hashEventLine} (possibly on a worker
   * thread): everything that depends on order happens here, in index order.
   */
  hashedEvent(hashed: HashedEvent): void {
    const frontier = this.frontier;
    const header = this.header;
    if (frontier === undefined || header === undefined) {
      throw new AuditLogError('export_invalid', 'the export does not start with a header');
    }
    const expected = frontier.size;
    if (hashed.index !== expected) {
      const found = hashed.index;
      const what = typeof found === 'number' && found > expected ? 'missing' : 'duplicated or out of order';
      throw new AuditLogError(
        'log_inconsistent',
        `event ${expected} is ${what} (found index ${String(found)})`,
        expected,
      );
    }
    if (expected >= header.to) {
      throw new AuditLogError('export_invalid', 'more events than the checkpoint covers', expected);
    }
    const leafHash = hashed.leafHash;
    if (hashed.error !== undefined || leafHash === undefined) {
      throw new AuditLogError('event_invalid', `event ${expected}: ${hashed.error ?? 'no leaf hash'}`, expected);
    }
    if (hashed.storedMismatch === true) {
      throw new AuditLogError('log_inconsistent', `event ${expected} does not match its stored leaf hash`, expected);
    }
    if (hashed.inclusion !== undefined) {
      const head = this.head as Checkpoint;
      const proof = hashes(hashed.inclusion, 'inclusion proof');
      this.wrapProof(() => verifyInclusion(leafHash, expected, head.size, proof, head.rootHash), expected);
      this.inclusionProofs += 1;
    }
    frontier.append(leafHash);
    this.events += 1;
    const trusted = this.trusted;
    if (trusted !== undefined && trusted.size === frontier.size) this.checkTrusted(trusted);
    if (this.events % 65536 === 0) this.options.onProgress?.(this.events, header.to - header.from);
  }

  private onCheckpoint(line: ExportCheckpoint): void {
    const frontier = this.frontier as Frontier;
    const checkpoint = openCheckpoint(line.note, this.options.verifiers);
    if (checkpoint.origin !== (this.head as Checkpoint).origin) {
      throw new AuditLogError(
        'checkpoint_invalid',
        `a checkpoint of another log (${checkpoint.origin})`,
        frontier.size,
      );
    }
    if (checkpoint.size !== frontier.size) {
      throw new AuditLogError('export_invalid', `checkpoint of size ${checkpoint.size} at index ${frontier.size}`);
    }
    const previous = this.previous;
    if (previous !== undefined && previous.size > 0) {
      const proof = hashes(line.consistency, 'consistency proof');
      this.wrapProof(
        () => verifyConsistency(previous.size, checkpoint.size, previous.rootHash, checkpoint.rootHash, proof),
        previous.size,
      );
    }
    this.checkRoot(checkpoint, `checkpoint ${checkpoint.size}`);
    this.previous = checkpoint;
    this.checkpoints += 1;
  }

  private checkTrusted(trusted: Checkpoint): void {
    if (!(this.frontier as Frontier).root().equals(trusted.rootHash)) {
      throw new AuditLogError(
        'log_inconsistent',
        `the log no longer contains the trusted checkpoint of size ${trusted.size}: it was rewritten or forked`,
        this.lastGood,
      );
    }
    this.trustedChecked = true;
  }

  private checkRoot(checkpoint: Checkpoint, what: string): void {
    const frontier = this.frontier as Frontier;
    if (!frontier.root().equals(checkpoint.rootHash)) {
      throw new AuditLogError(
        'log_inconsistent',
        `${what} does not match the events: the log was altered between index ${this.lastGood} and ${checkpoint.size}`,
        this.lastGood,
      );
    }
    this.lastGood = checkpoint.size;
  }

  private wrapProof(check: () => void, index: number): void {
    try {
      check();
    } catch (error) {
      if (error instanceof AuditLogError)
        throw new AuditLogError(error.code, `at index ${index}: ${error.message}`, index);
      throw error;
    }
  }
}

/** Verifies a whole export held in memory; never throws for a bad log, it reports. */
export function verifyExport(lines: Iterable<string>, options: VerifyOptions): VerifyReport {
  const verifier = new LogVerifier(options);
  try {
    for (const line of lines) verifier.line(line);
    return verifier.finish();
  } catch (error) {
    return failureReport(error);
  }
}

/**
 * Verifies an export streamed as chunks of NDJSON text (a file's read stream, an HTTP body). Lines are split here
 * rather than by node:readline, which costs a third of the verification of a large log.
 */
export async function verifyExportStream(
  chunks: AsyncIterable<string | Buffer>,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const verifier = new LogVerifier(options);
  try {
    let rest = '';
    // A Buffer chunk may end inside a UTF-8 sequence: the decoder carries it over.
    const decoder = new StringDecoder('utf8');
    for await (const chunk of chunks) {
      const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        verifier.line(text.slice(start, end));
        start = end + 1;
      }
      rest = text.slice(start);
    }
    verifier.line(rest + decoder.end());
    return verifier.finish();
  } catch (error) {
    return failureReport(error);
  }
}

/** The report of a verification that stopped on an AuditLogError; any other error is rethrown. */
export function failureReport(error: unknown): VerifyReport {
  if (!(error instanceof AuditLogError)) throw error;
  return {
    ok: false,
    from: 0,
    to: 0,
    events: 0,
    checkpoints: 0,
    inclusionProofs: 0,
    code: error.code,
    problem: error.message,
    ...(error.index === undefined ? {} : { firstBadIndex: error.index }),
  };
}
