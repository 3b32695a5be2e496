import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { KopirError, toKopirError } from '@kopir/contracts';
import {
  AuditLogError,
  buildAuditEvent,
  type AuditDecision,
  type AuditEventKind,
  type LedgerEntry,
  type LedgerQuery,
  type MinuteStatistics,
} from '@kopir/audit-log';
import type { LedgerService } from '../ledger/ledger.service';
import type { Caller } from './caller-resolver';
import { DEFAULT_REFUSAL_LIMITS, RefusalLimiter, type RefusalLimits } from './refusal-limiter';

/** The officer operations; each becomes the `service` of the audit record of the query (`audit:<operation>`). */
export type OfficerOperation =
  'search' | 'event' | 'receipt' | 'checkpoint' | 'consistency' | 'export' | 'statistics' | 'subject-accesses';

type Params = Readonly<Record<string, string | undefined>>;

const b64 = (hash: Buffer): string => hash.toString('base64');
const IIN = /^\d{12}$/;

/** A query parameter given once; a repeated one (`?a=1&a=2` arrives as an array) is refused. */
function single(params: Params, name: string): string | undefined {
  const raw: unknown = params[name];
  if (raw === undefined || typeof raw === 'string') return raw;
  throw new KopirError('request_invalid', `${name} may be given once`);
}

function integer(params: Params, name: string, min: number, fallback?: number): number | undefined {
  const raw = single(params, name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < min) {
    throw new KopirError('request_invalid', `${name} must be an integer of at least ${min}`);
  }
  return Number(raw);
}

/**
 * An AuditLogError as the caller sees it. A ledger whose index disagrees with its signed leaves (log_inconsistent) is
 * the service's fault, not the request's: internal_error, with the details (which event, which column) in the log
 * only. Anything else the ledger refuses is the request's (request_invalid, with its message).
 */
export function fromAuditLogError(error: AuditLogError): KopirError {
  return error.code === 'log_inconsistent'
    ? new KopirError('internal_error', 'Internal error', { cause: error })
    : new KopirError('request_invalid', error.message);
}

/** RFC 3339 §5.6 date-time, or a full-date (midnight UTC); seconds optional, as Date.parse allows. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function instant(params: Params, name: string): string | undefined {
  const raw = single(params, name);
  if (raw === undefined || raw === '') return undefined;
  const invalid = new KopirError('request_invalid', `${name} must be an RFC 3339 time, e.g. 2025-03-01T09:00:00Z`);
  const fields = RFC3339.exec(raw);
  const ms = Date.parse(raw);
  if (fields === null || Number.isNaN(ms)) throw invalid;
  // Date.parse rolls impossible fields over (2025-02-30 is 2025-03-02, T24:00 the next day): a search would then run
  // over another range than the one asked for. Refuse any time whose fields do not come back as given.
  const [year, month, day, hour = '00', minute = '00', second = '00'] = fields.slice(1, 7);
  const given = `${year}-${month}-${day}T${hour}:${minute}:${second}`;
  const normalised = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), +hour, +minute, +second));
  // (An offset out of range, +24:00 or +05:60, Date.parse already refuses with NaN.)
  if (given !== normalised.toISOString().slice(0, 19)) throw invalid;
  return new Date(ms).toISOString();
}

function word(params: Params, name: string): string | undefined {
  const raw = single(params, name);
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > 256 || /\p{Cc}/u.test(raw)) throw new KopirError('request_invalid', `${name} is malformed`);
  return raw;
}

/**
 * What the officer API does, in the domain's words; the controller only parses the caller and forwards. Every call,
 * allowed or denied, is appended to the ledger itself (kind `officer-query`) before its answer leaves.
 */
export class OfficerQueryService {
  private readonly refusals: RefusalLimiter;
  private readonly summaries: NodeJS.Timeout;
  private readonly logger = new Logger('audit');

  constructor(
    private readonly ledgerService: LedgerService,
    private readonly instance: string,
    options: {
      /** Refused calls recorded one by one per caller (RefusalLimiter); beyond them, 429 and a count. */
      readonly refusalLimits?: RefusalLimits;
      /** How often the counts of refusals not recorded one by one go to the ledger (default 10 s). */
      readonly refusalSummaryIntervalMs?: number;
    } = {},
  ) {
    this.refusals = new RefusalLimiter(options.refusalLimits ?? DEFAULT_REFUSAL_LIMITS);
    this.summaries = setInterval(() => {
      try {
        this.recordSuppressed();
      } catch (error) {
        this.logger.error(`could not record the refused calls counted: ${describe(error)}`);
      }
    }, options.refusalSummaryIntervalMs ?? 10_000);
    this.summaries.unref();
  }

  /** Records the refusals still counted, and stops; call before the ledger closes. Never throws (a failure is logged). */
  close(): void {
    clearInterval(this.summaries);
    try {
      this.recordSuppressed();
    } catch (error) {
      this.logger.error(`could not record the refused calls counted: ${describe(error)}`);
    }
  }

  private get ledger() {
    return this.ledgerService.ledger;
  }

  /** Authorises, runs and audits one officer operation. */
  run<T>(
    caller: Caller | KopirError,
    operation: OfficerOperation,
    details: { subject?: string | null; purpose?: string },
    action: () => T,
  ): T {
    const start = performance.now();
    const refusal = refusalOf(caller, operation);
    if (refusal !== undefined) {
      const admitted = this.refusals.admit(labelOf(caller));
      if (!admitted.admitted) {
        // Counted, not recorded one by one: recordSuppressed puts the count on the record. The detail keeps the reason
        // of the refusal (an expired CRL refuses every officer, and they should read that, not only "retry").
        throw Object.assign(
          new KopirError(
            'rate_limited',
            `Too many refused calls from this certificate; retry later. ${refusal.message}`,
          ),
          { retryAfterSeconds: admitted.retryAfterSeconds },
        );
      }
    }
    let status = 200;
    let error: KopirError | undefined;
    try {
      if (refusal !== undefined) throw refusal;
      return action();
    } catch (thrown) {
      error = thrown instanceof AuditLogError ? fromAuditLogError(thrown) : toKopirError(thrown);
      status = error.status;
      throw error;
    } finally {
      const denied = error !== undefined && (error.code === 'access_denied' || error.status === 401);
      this.record(caller, operation, details, {
        decision: denied ? 'deny' : 'allow',
        status,
        errorCode: error?.code ?? null,
        latencyMs: performance.now() - start,
      });
    }
  }

  private record(
    caller: Caller | KopirError,
    operation: OfficerOperation,
    details: { subject?: string | null; purpose?: string },
    outcome: { decision: AuditDecision; status: number; errorCode: string | null; latencyMs: number },
  ): void {
    const reason =
      outcome.errorCode ??
      (caller instanceof KopirError
        ? 'unidentified'
        : caller.kind === 'officer'
          ? `role:${caller.roles.join('+')}`
          : 'citizen-portal');
    this.append({
      client: labelOf(caller),
      service: `audit:${operation}`,
      purpose: details.purpose ?? 'audit',
      subject:
        details.subject !== undefined && details.subject !== null && IIN.test(details.subject) ? details.subject : null,
      reason,
      ...outcome,
    });
  }

  /**
   * One record per caller whose refused calls were answered 429 and not recorded one by one since the last time:
   * service `audit:refused-calls`, decision deny, status 429, and the count and time span in its reason. A failure is
   * left to the next round (the counts are lost then: the ledger is failing anyway, and says so in the log).
   */
  private recordSuppressed(): void {
    const counts = this.refusals.drain();
    if (counts.length === 0) return;
    try {
      // One append: all the counts in one transaction (and one fsync), or none of them.
      this.appendAll(
        counts.map((c) => ({
          client: c.caller,
          service: 'audit:refused-calls',
          purpose: 'audit',
          subject: null,
          reason: `rate_limited: ${c.count} refused calls from ${c.first} to ${c.last} not recorded one by one`,
          decision: 'deny' as const,
          status: 429,
          errorCode: 'rate_limited',
          latencyMs: 0,
        })),
      );
    } catch (error) {
      // Kept for the next round, not lost.
      this.refusals.putBack(counts);
      throw error;
    }
  }

  private append(record: OfficerRecord): void {
    this.appendAll([record]);
  }

  private appendAll(records: readonly OfficerRecord[]): void {
    const kind: AuditEventKind = 'officer-query';
    this.ledgerService.append(
      records.map((record) =>
        buildAuditEvent({
          eventId: `officer-${randomUUID()}`,
          requestId: null,
          time: new Date().toISOString(),
          kind,
          gateway: this.instance,
          client: record.client,
          service: record.service,
          purpose: record.purpose,
          subject: record.subject,
          decision: record.decision,
          reason: record.reason,
          status: record.status,
          errorCode: record.errorCode,
          latencyMs: Math.round(record.latencyMs * 1000) / 1000,
          requestHash: null,
          responseHash: null,
        }),
      ),
    );
  }

  search(params: Params): { entries: readonly LedgerEntry[]; next?: number } {
    const decision = word(params, 'decision');
    if (decision !== undefined && decision !== 'allow' && decision !== 'deny') {
      throw new KopirError('request_invalid', 'decision must be allow or deny');
    }
    const kind = word(params, 'kind');
    if (kind !== undefined && kind !== 'service-call' && kind !== 'officer-query') {
      throw new KopirError('request_invalid', 'kind must be service-call or officer-query');
    }
    const query: LedgerQuery = {
      subject: word(params, 'subject'),
      client: word(params, 'client'),
      service: word(params, 'service'),
      purpose: word(params, 'purpose'),
      requestId: word(params, 'requestId'),
      decision,
      kind,
      from: instant(params, 'from'),
      to: instant(params, 'to'),
      after: integer(params, 'after', 0),
      limit: integer(params, 'limit', 1, 100),
    };
    if (query.limit !== undefined && query.limit > 1000)
      throw new KopirError('request_invalid', 'limit is at most 1000');
    return this.ledger.search(query);
  }

  /** One event with its inclusion proof in the latest checkpoint (RFC 9162 §2.1.3). */
  event(indexText: string): Record<string, unknown> {
    const index = integer({ index: indexText }, 'index', 0) as number;
    const entry = this.ledger.event(index);
    if (entry === undefined) throw new KopirError('not_found', `No event ${index}`);
    return { ...entry, ...this.proofOf(index) };
  }

  /** The event behind an audit receipt (the gateway's `Kopir-Audit-Receipt`: the event id), with its proof. */
  receipt(eventId: string): Record<string, unknown> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/.test(eventId)) {
      throw new KopirError('request_invalid', 'An event id is 1-128 letters, digits and ._:@/-');
    }
    const entry = this.ledger.eventById(eventId);
    if (entry === undefined) throw new KopirError('not_found', 'No event with this id (yet)');
    return { ...entry, ...this.proofOf(entry.index) };
  }

  private proofOf(index: number): Record<string, unknown> {
    const checkpoint = this.ledgerService.checkpoint();
    const leafHash = this.ledger.node(0, index);
    if (index >= checkpoint.size) return { leafHash: b64(leafHash), inclusion: null, checkpoint: checkpoint.note };
    return {
      leafHash: b64(leafHash),
      inclusion: { treeSize: checkpoint.size, proof: this.ledger.inclusionProof(index, checkpoint.size).map(b64) },
      checkpoint: checkpoint.note,
    };
  }

  checkpoint(): Record<string, unknown> {
    const c = this.ledgerService.checkpoint();
    return { size: c.size, rootHash: b64(c.rootHash), note: c.note, signedAt: c.signedAt };
  }

  /** Consistency proof between two checkpoints (RFC 9162 §2.1.4); `to` defaults to the latest. */
  consistency(params: Params): Record<string, unknown> {
    const latest = this.ledgerService.checkpoint();
    const from = integer(params, 'from', 1) ?? 1;
    const to = integer(params, 'to', 1, latest.size) ?? latest.size;
    const first = this.ledger.checkpointAt(from);
    const second = this.ledger.checkpointAt(to);
    if (first === undefined || second === undefined) {
      throw new KopirError('not_found', 'Both sizes must be sizes of signed checkpoints');
    }
    if (from > to) throw new KopirError('request_invalid', 'from must not be larger than to');
    return { from: first.note, to: second.note, proof: this.ledger.consistencyProof(from, to).map(b64) };
  }

  exportLines(params: Params): Generator<string> {
    const from = integer(params, 'from', 0, 0) ?? 0;
    const to = integer(params, 'to', 0);
    const flag = single(params, 'inclusion');
    const inclusion = flag === undefined ? true : flag === 'true' || flag === '1';
    this.ledgerService.checkpoint();
    if (to !== undefined && this.ledger.checkpointAt(to) === undefined) {
      throw new KopirError('not_found', `No signed checkpoint of size ${to}: a range must end at one`);
    }
    return this.ledger.export(this.ledgerService.origin, { from, inclusion, ...(to === undefined ? {} : { to }) });
  }

  statistics(params: Params): MinuteStatistics[] {
    const to = instant(params, 'to') ?? new Date(Date.now() + 60_000).toISOString();
    const from = instant(params, 'from') ?? new Date(Date.parse(to) - 3_600_000).toISOString();
    return this.ledger.statistics(from, to);
  }

  /** The citizen view: who accessed this person's data, when, which service, for which purpose, with proofs. */
  subjectAccesses(iin: string, params: Params): Record<string, unknown> {
    if (!IIN.test(iin)) throw new KopirError('request_invalid', 'An IIN has 12 digits');
    const page = this.ledger.search({
      subject: iin,
      after: integer(params, 'after', 0),
      limit: integer(params, 'limit', 1, 100),
    });
    const checkpoint = this.ledgerService.checkpoint();
    // The whole event goes out: it is the leaf, so the citizen (or the portal) can recompute its hash and check
    // the proof offline. It holds no one else's data: only who asked, when, why, and hashes.
    const accesses = page.entries.map(({ index, event }) => ({
      index,
      event,
      leafHash: b64(this.ledger.node(0, index)),
      inclusion:
        index < checkpoint.size
          ? { treeSize: checkpoint.size, proof: this.ledger.inclusionProof(index, checkpoint.size).map(b64) }
          : null,
    }));
    return {
      subject: iin,
      checkpoint: checkpoint.note,
      accesses,
      ...(page.next === undefined ? {} : { next: page.next }),
    };
  }
}

/** Who a call's audit record names: the caller's label, or `unidentified` when no certificate identified anyone. */
function labelOf(caller: Caller | KopirError): string {
  return caller instanceof KopirError ? 'unidentified' : caller.label;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What an officer-query audit record says, before the ledger gives it an id and a time. */
interface OfficerRecord {
  readonly client: string;
  readonly service: string;
  readonly purpose: string;
  readonly subject: string | null;
  readonly reason: string;
  readonly decision: AuditDecision;
  readonly status: number;
  readonly errorCode: string | null;
  readonly latencyMs: number;
}

/**
 * The refusal a caller gets for an operation, before anything runs: no certificate identified anyone, the certificate
 * is not an officer's, or a citizen portal asks for more than the accesses to a subject. Undefined: it may run.
 */
function refusalOf(caller: Caller | KopirError, operation: OfficerOperation): KopirError | undefined {
  if (caller instanceof KopirError) return caller;
  if (caller.kind === 'refused') return caller.error;
  // Citizen portals see one thing only: the accesses to a subject's data.
  if (caller.kind === 'portal' && operation !== 'subject-accesses') {
    return new KopirError('access_denied', 'A citizen portal may only read the accesses to a subject');
  }
  return undefined;
}
