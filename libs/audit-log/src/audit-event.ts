import { createHash } from 'node:crypto';
import { AuditLogError } from './audit-log-error';
import { canonicalJson, isWellFormed } from './canonical-json';
import { hashLeafText } from './merkle';

/**
 * Format version of new leaves; a new version adds a new value, old leaves keep verifying. Version 2 added
 * `requestId`: in version 1 the gateway used the caller's request id as the event id, and as ids are the caller's
 * choice, a second event with an id already in the ledger was dropped as a redelivery (see `eventId`).
 */
export const AUDIT_EVENT_VERSION = 2;

/** The versions a ledger holds and reads. */
export type AuditEventVersion = 1 | typeof AUDIT_EVENT_VERSION;

/** `service-call`: a system called a registry through the gateway. `officer-query`: an officer read the ledger. */
export type AuditEventKind = 'service-call' | 'officer-query';
export type AuditDecision = 'allow' | 'deny';
/**
 * What a service's audit records keep (as X-Road's message log modes): `metadata` (the default) keeps no citizen
 * data, only who, what, when, why and the SHA-256 of what was asked and answered; `full` also keeps the bodies, for
 * services whose regulation demands it.
 */
export type AuditBodyMode = 'metadata' | 'full';

/**
 * One audit event: a leaf of the ledger's Merkle tree. Its canonical JSON (RFC 8785) is the leaf data, so every
 * field below is covered by the signed checkpoints.
 */
export interface AuditEvent {
  readonly v: AuditEventVersion;
  /**
   * Unique per event, chosen by whoever records it and by nobody else: the gateway draws a random UUID per event.
   * Appending the same id twice keeps the first, so a redelivered Kafka message is recorded once; an id a caller
   * could choose would let one event hide another.
   */
  readonly eventId: string;
  /**
   * Version 2: the caller's Kopir-Request-Id as it sent it (null when it sent none or a malformed one). Ids are the
   * caller system's own, so two systems' events may carry the same one. Absent from version 1 events.
   */
  readonly requestId?: string | null;
  /** When the gateway decided, RFC 3339 UTC with milliseconds: 2025-03-01T09:30:00.123Z. */
  readonly time: string;
  readonly kind: AuditEventKind;
  /** The gateway instance that decided (or `audit` for officer queries). */
  readonly gateway: string;
  /** The calling system (`psc/front-office`) or officer (`officer:<certificate subject>`). */
  readonly client: string;
  /** The service called (`mju/population/person-by-iin`) or the officer operation (`audit:search`). */
  readonly service: string;
  /** The legal purpose code the caller declared. */
  readonly purpose: string;
  /** Whom the data is about (an IIN), when anyone. */
  readonly subject: string | null;
  readonly decision: AuditDecision;
  /** Why: the rule that allowed the call, or the error code that denied it. */
  readonly reason: string;
  /** The HTTP status answered to the caller. */
  readonly status: number;
  /** The stable error code answered, when the call failed. */
  readonly errorCode: string | null;
  readonly latencyMs: number;
  /** Hex SHA-256 of the signed request envelope, when there was one. */
  readonly requestHash: string | null;
  /** Hex SHA-256 of the answer, when there was one. */
  readonly responseHash: string | null;
  /** Request and answer bodies, only for services configured `full`. */
  readonly body?: { readonly request?: unknown; readonly response?: unknown };
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HEX256 = /^[0-9a-f]{64}$/;
const TEXT = /^\P{Cc}{1,256}$/u;
const KEYS = new Set([
  'v',
  'eventId',
  'requestId',
  'time',
  'kind',
  'gateway',
  'client',
  'service',
  'purpose',
  'subject',
  'decision',
  'reason',
  'status',
  'errorCode',
  'latencyMs',
  'requestHash',
  'responseHash',
  'body',
]);

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether a TIME-shaped text names a real instant (no 30 February, no hour 24): arithmetic, no Date per event. */
function isCalendarInstant(time: string): boolean {
  const year = Number(time.slice(0, 4));
  const month = Number(time.slice(5, 7));
  const day = Number(time.slice(8, 10));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0);
  return (
    day >= 1 &&
    day <= days &&
    Number(time.slice(11, 13)) < 24 &&
    Number(time.slice(14, 16)) < 60 &&
    Number(time.slice(17, 19)) < 60
  );
}

function fail(message: string): never {
  throw new AuditLogError('event_invalid', `audit event: ${message}`);
}

function text(record: Record<string, unknown>, key: string, pattern: RegExp = TEXT): string {
  const value = record[key];
  if (typeof value !== 'string' || !pattern.test(value)) fail(`${key} must be a string matching ${pattern}`);
  // Refused here so that canonicalEvent's fast path never meets a lone surrogate (RFC 8785 §3.2.2.2).
  if (!isWellFormed(value)) fail(`${key} holds a lone UTF-16 surrogate`);
  return value;
}

function nullable(record: Record<string, unknown>, key: string, pattern: RegExp = TEXT): string | null {
  return record[key] === null ? null : text(record, key, pattern);
}

/**
 * Checks an untrusted value (a Kafka message, a line of an export) and returns it as an AuditEvent, refusing unknown
 * members so nothing unchecked reaches the ledger. Throws AuditLogError `event_invalid`.
 */
export function parseAuditEvent(value: unknown): AuditEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('must be a JSON object');
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!KEYS.has(key))
      fail(
        `unknown member(s) ${Object.keys(record)
          .filter((k) => !KEYS.has(k))
          .join(', ')}`,
      );
  }
  const v = record.v;
  if (v !== 1 && v !== AUDIT_EVENT_VERSION) fail(`v must be 1 or ${AUDIT_EVENT_VERSION}`);
  // Each version has exactly its members: a version 1 leaf cannot gain a requestId, nor a version 2 leaf lose it.
  if (v === 1 && 'requestId' in record) fail('requestId is not a member of version 1 events');
  if (v === AUDIT_EVENT_VERSION && !('requestId' in record)) fail('requestId is missing (null when there was none)');
  const time = text(record, 'time', TIME);
  if (!isCalendarInstant(time)) fail('time is not a valid instant');
  const kind = record.kind;
  if (kind !== 'service-call' && kind !== 'officer-query') fail('kind must be service-call or officer-query');
  const decision = record.decision;
  if (decision !== 'allow' && decision !== 'deny') fail('decision must be allow or deny');
  const status = record.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    fail('status must be an HTTP status code');
  }
  const latencyMs = record.latencyMs;
  if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0) {
    fail('latencyMs must be a non-negative number');
  }
  const event: AuditEvent = {
    v,
    eventId: text(record, 'eventId', ID),
    ...(v === 1 ? {} : { requestId: nullable(record, 'requestId', ID) }),
    time,
    kind,
    gateway: text(record, 'gateway'),
    client: text(record, 'client'),
    service: text(record, 'service'),
    purpose: text(record, 'purpose'),
    subject: nullable(record, 'subject'),
    decision,
    reason: text(record, 'reason'),
    status,
    errorCode: nullable(record, 'errorCode'),
    latencyMs,
    requestHash: nullable(record, 'requestHash', HEX256),
    responseHash: nullable(record, 'responseHash', HEX256),
  };
  if (record.body === undefined) return event;
  const body = record.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('body must be an object');
  const bodyKeys = Object.keys(body).filter((key) => key !== 'request' && key !== 'response');
  if (bodyKeys.length > 0) fail(`unknown body member(s) ${bodyKeys.join(', ')}`);
  // Canonicalising now refuses bodies with no canonical form before they reach the ledger.
  canonicalJson(body);
  return { ...event, body };
}

/** What a transport knows about a decided request; `buildAuditEvent` turns it into an event. */
export type AuditEventInput = Omit<AuditEvent, 'v' | 'body' | 'requestId'> & {
  readonly requestId: string | null;
  readonly requestBody?: unknown;
  readonly responseBody?: unknown;
};

/**
 * Builds the event a gateway publishes. Bodies are kept only when the service's mode is `full`; in the default
 * `metadata` mode they are dropped here, so citizen data never reaches Kafka or the ledger by accident.
 */
export function buildAuditEvent(input: AuditEventInput, mode: AuditBodyMode = 'metadata'): AuditEvent {
  const { requestBody, responseBody, ...fields } = input;
  const body =
    mode === 'full' && (requestBody !== undefined || responseBody !== undefined)
      ? {
          ...(requestBody === undefined ? {} : { request: requestBody }),
          ...(responseBody === undefined ? {} : { response: responseBody }),
        }
      : undefined;
  return parseAuditEvent({ v: AUDIT_EVENT_VERSION, ...fields, ...(body === undefined ? {} : { body }) });
}

// The members of an event are known, so their RFC 8785 order is computed once rather than per leaf.
const SORTED_KEYS = [...KEYS].sort().map((key) => [key, `${JSON.stringify(key)}:`] as const);

/** The canonical JSON (RFC 8785) text of an event, exactly `canonicalJson(event)`. */
export function canonicalEvent(event: AuditEvent): string {
  if (event.body === undefined) {
    // Fast path for the default metadata mode: every member is a string, number or null and the literal below lists
    // them in RFC 8785 order, so JSON.stringify writes the canonical form in one native call. (Strings were checked
    // well-formed by parseAuditEvent; the spec checks this path against canonicalJson.)
    return JSON.stringify({
      client: event.client,
      decision: event.decision,
      errorCode: event.errorCode,
      eventId: event.eventId,
      gateway: event.gateway,
      kind: event.kind,
      latencyMs: event.latencyMs,
      purpose: event.purpose,
      reason: event.reason,
      requestHash: event.requestHash,
      // Undefined in version 1 events, and then left out as canonicalJson leaves it out.
      requestId: event.requestId,
      responseHash: event.responseHash,
      service: event.service,
      status: event.status,
      subject: event.subject,
      time: event.time,
      v: event.v,
    });
  }
  const record = event as unknown as Record<string, unknown>;
  const members: string[] = [];
  for (const [key, prefix] of SORTED_KEYS) {
    const value = record[key];
    if (value !== undefined) members.push(prefix + canonicalJson(value));
  }
  return `{${members.join(',')}}`;
}

/** The leaf data of an event: its canonical JSON (RFC 8785) in UTF-8. */
export function encodeLeaf(event: AuditEvent): Buffer {
  return Buffer.from(canonicalEvent(event), 'utf8');
}

/** The Merkle leaf hash of an event, SHA-256(0x00 || canonical JSON) (RFC 9162 §2.1.1). */
export function eventLeafHash(event: AuditEvent): Buffer {
  return hashLeafText(canonicalEvent(event));
}

/** Hex SHA-256, for the requestHash and responseHash members. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
