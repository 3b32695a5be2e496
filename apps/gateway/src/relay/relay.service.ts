import { createHash, randomUUID, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { withinFieldMask, type DenyDecision } from '@kopir/access-policy';
import type { AuditEventInput } from '@kopir/audit-log';
import { ERROR_CODES, HEADERS, KopirError, isErrorCode, parseServiceId, toKopirError } from '@kopir/contracts';
import { ReplayGuard, detachAnswer, signEnvelope, verifyAnswer, verifyRequest, type Answer } from '@kopir/envelope';
import { assertSubjectBound } from '@kopir/federation';
import { MESSAGE_HEADERS, type RequestReplyClient } from '@kopir/messaging';
import type { AuditPublisher } from '../audit/audit-publisher';
import { providerTimeoutMs, type FederationView } from '../federation/federation-state';
import type { GatewayMetrics } from '../ops/gateway.metrics';
import type { TrustStore } from '@kopir/pki';
import { answerOf, envelopeBodyFor } from './encrypted-bodies';

/** What the HTTP layer hands over: nothing parsed yet but the route. */
export interface RelayRequest {
  readonly socket: TLSSocket;
  readonly path: string;
  readonly serviceId: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface RelayAnswer {
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

export interface RelayOptions {
  readonly instanceId: string;
  readonly signingKey: KeyObject;
  readonly signingKid: string;
  readonly providerTimeoutMs: number;
  readonly maxAgeSeconds: number;
  readonly clockSkewSeconds: number;
}

const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const PURPOSE = /^[a-z][a-z0-9-]{1,63}$/;
const SUBJECT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Codes a provider may answer that the caller sees as they are; anything else is provider_error. */
const PASSED_THROUGH = new Set(['request_invalid', 'not_found', 'access_denied', 'rate_limited', 'payload_too_large']);

/** Who and what a request is about, learned step by step; the audit record of any outcome is built from it. */
interface Facts {
  /** The audit event's id: drawn here, never the caller's request id (which the caller chooses). */
  eventId: string;
  /** The caller's Kopir-Request-Id when well-formed, for the audit record. */
  requestId: string | null;
  client: string;
  service: string;
  purpose: string;
  subject: string | null;
  requestHash: string | null;
  responseHash: string | null;
  /** The rule that allowed the call, once the access decision allowed it. */
  rule: string | null;
  /** Why the access decision refused the call (no_rule, quota_exceeded, …), when it did. */
  denied: string | null;
}

type Phase = 'checks' | 'provider' | 'answer' | 'audit';

/** The relay's steps as they complete, timed for kopir_gateway_phase_duration_seconds. */
class PhaseClock {
  private last: number;
  readonly laps: [Phase, number][] = [];

  constructor(started: number) {
    this.last = started;
  }

  lap(phase: Phase): void {
    const now = performance.now();
    this.laps.push([phase, now - this.last]);
    this.last = now;
  }
}

/**
 * The request path of DESIGN.md steps 2-5, in the order that spends the least on a caller who is not allowed:
 * identity → signature, freshness → service → access decision (field mask, quota) → replay → body schema → signed
 * envelope to the provider's topic → the provider's signed answer → audit acknowledged → answer. Every outcome,
 * allowed or not, is audited; an answer is never released without its audit record.
 */
export class RelayService {
  private readonly replay: ReplayGuard;

  constructor(
    private readonly options: RelayOptions,
    private readonly trust: TrustStore,
    private readonly federation: () => FederationView,
    private readonly bus: RequestReplyClient,
    private readonly audit: AuditPublisher,
    private readonly metrics: GatewayMetrics,
  ) {
    this.replay = new ReplayGuard({ maxAgeSeconds: options.maxAgeSeconds, clockSkewSeconds: options.clockSkewSeconds });
  }

  async relay(request: RelayRequest): Promise<RelayAnswer> {
    const started = performance.now();
    const said = requestHeaders(request.headers);
    const facts = factsOf(request.serviceId, said);
    const clock = new PhaseClock(started);
    try {
      const answer = await this.run(request, facts, clock, said);
      const event = await this.audit.publish(this.event(facts, 'allow', 200, null, started));
      clock.lap('audit');
      for (const [phase, ms] of clock.laps) this.metrics.phases.observe({ phase }, ms / 1000);
      this.count(facts, 'ok', started);
      return { ...answer, headers: { ...answer.headers, [HEADERS.auditReceipt]: event.eventId } };
    } catch (thrown) {
      const error = toKopirError(thrown, 'gateway');
      // Marked, so that the HTTP layer does not audit it a second time (see refusedBeforeRelay).
      Object.assign(error, { [RELAYED]: true });
      if (error.code !== 'audit_unavailable') {
        await this.auditRefusal(facts, error, started);
      } else {
        this.recordWithheld(facts, started);
      }
      this.count(facts, error.code, started);
      throw error;
    }
  }

  /**
   * The system calling on this connection: its verified TLS client certificate (chain, CRL, expiry) must name a system
   * and be the certificate the federation pins for it (`tlsCertificateSha256`). Another certificate the CA issued for
   * the same name (superseded, or issued by whoever holds the CA key) identifies nobody: the federation, not the CA,
   * says who may read which registry. Every route that answers a system (relay, catalog, OpenAPI) asks here.
   */
  caller(socket: TLSSocket, view: FederationView = this.federation()): string {
    const identity = this.trust.identify(socket);
    if (identity.kind !== 'system') {
      throw new KopirError('client_certificate_invalid', 'The certificate does not identify a system');
    }
    const system = view.index.systemByTlsFingerprint(identity.fingerprint);
    if (system?.id !== identity.system) {
      throw new KopirError('client_certificate_invalid', 'The certificate is not registered for this system');
    }
    return system.id;
  }

  /**
   * Audits a refusal the HTTP layer made before the relay ran (a body over the limit, a body that is not JSON), so
   * that every refused call to a service is on the record, as DESIGN.md step 2 says. Who called comes from the TLS
   * certificate; nothing else is checked. Returns the refusal's audit receipt, or undefined when the audit log did
   * not acknowledge it (the refusal stands either way).
   */
  async refusedBeforeRelay(request: Omit<RelayRequest, 'body'>, error: KopirError): Promise<string | undefined> {
    const started = performance.now();
    const facts = factsOf(request.serviceId, requestHeaders(request.headers));
    try {
      facts.client = this.caller(request.socket);
    } catch {
      // No valid, registered certificate on this connection: recorded as unidentified.
    }
    await this.auditRefusal(facts, error, started);
    this.count(facts, error.code, started);
    return (error as { auditReceipt?: string }).auditReceipt;
  }

  /**
   * The allow record was not acknowledged in time, so the answer is withheld (503 audit_unavailable); but that record
   * stays queued in the producer, which retries, and may reach the ledger later saying "allow, 200". So a second
   * record follows it, under an id of its own and the same request id: "deny, 503, audit_unavailable". An officer
   * who finds both for one request reads: the provider answered, the caller got nothing. Not awaited: the caller's
   * 503 does not wait on the log that is failing.
   */
  private recordWithheld(facts: Facts, started: number): void {
    const withheld = { ...facts, eventId: randomUUID() };
    // A failure here is already counted: the request itself is counted as audit_unavailable.
    this.audit.publish(this.event(withheld, 'deny', 503, 'audit_unavailable', started)).catch(() => undefined);
  }

  /** Publishes the deny record of a refusal; its receipt goes on the error (Kopir-Audit-Receipt of the answer). */
  private async auditRefusal(facts: Facts, error: KopirError, started: number): Promise<void> {
    try {
      const event = await this.audit.publish(this.event(facts, 'deny', error.status, error.code, started));
      Object.assign(error, { auditReceipt: event.eventId });
    } catch {
      // The refusal stands either way; the missing record shows as a gap in the metrics and the logs.
      this.metrics.requests.inc({ client: facts.client, service: this.serviceLabel(facts), code: 'audit_unavailable' });
    }
  }

  private async run(request: RelayRequest, facts: Facts, clock: PhaseClock, h: RequestHeaders): Promise<RelayAnswer> {
    // 1. Who is calling: the verified TLS client certificate, registered for this system in the federation.
    const view = this.federation();
    const client = this.caller(request.socket, view);
    facts.client = client;

    // 2. What was asked, signed by the system's signing key; fresh and not replayed. The path is signed as sent and
    // the service is read from it decoded: only one spelling is accepted, so the envelope's service id always
    // rebuilds the signed path (a third party re-checking the consumer's signature from the envelope gets the same).
    if (request.path !== `/r1/${request.serviceId}`) {
      throw new KopirError('request_invalid', 'The path must be /r1/<agency>/<system>/<service>, with nothing encoded');
    }
    if (h.requestId === undefined || !REQUEST_ID.test(h.requestId)) {
      throw new KopirError('request_invalid', `${HEADERS.requestId} must be 1-128 letters, digits or . _ : -`);
    }
    if (h.purpose === undefined || !PURPOSE.test(h.purpose)) {
      throw new KopirError(
        'request_invalid',
        `${HEADERS.purpose} must be a purpose code such as driving-licence-issue`,
      );
    }
    if (h.subject === undefined || !SUBJECT.test(h.subject)) {
      throw new KopirError(
        'request_invalid',
        `${HEADERS.subject} must name the person the data is about (e.g. an IIN)`,
      );
    }
    const signature = h.header(HEADERS.signature);
    if (signature === undefined) throw new KopirError('signature_invalid', `${HEADERS.signature} is missing`);
    const verified = await verifyRequest(
      signature,
      {
        method: 'POST',
        path: request.path,
        purpose: h.purpose,
        subject: h.subject,
        requestId: h.requestId,
        body: request.body,
      },
      (kid) => view.index.signingKey(client, kid),
      { maxAgeSeconds: this.options.maxAgeSeconds, clockSkewSeconds: this.options.clockSkewSeconds },
    );

    // 3. Which service, and may this system call it for this purpose, and see which fields.
    const service = view.index.service(request.serviceId);
    if (!service) throw new KopirError('service_unknown', `No service ${request.serviceId} in the federation`);
    const requested = parseFields(h.header('kopir-fields'));
    const decision = view.policy.decide(client, service.id, h.purpose, requested, Date.now());
    if (!decision.allowed) throw denial(decision, facts);
    // Replay after the access decision: the guard's memory is bounded (fail closed when full), so only requests a
    // rule allows, within its quota, may take a place in it; a system with no rule cannot fill it for everyone.
    this.replay.check(client, h.requestId, verified.issuedAt);
    facts.rule = decision.rule.id;

    // 4. The body: JSON, and valid against the service's request schema.
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      throw new KopirError('request_invalid', 'The request body is not JSON');
    }
    const validate = view.validators.get(service.id)?.request;
    if (validate && !validate(body)) {
      const first = validate.errors?.[0];
      throw new KopirError(
        'request_invalid',
        `The request body does not match the service's schema: ${first?.instancePath || '(body)'} ${first?.message ?? ''}`.trim(),
      );
    }

    // The subject the audit log records is the person the registry is asked about, when the body names one.
    assertSubjectBound(service, h.subject, body);

    // 5. The signed envelope to the provider (its body encrypted when the federation says so), and its signed answer,
    // awaited for the service's own timeout when the federation sets one.
    const timeoutMs = providerTimeoutMs(service, this.options.providerTimeoutMs);
    const provider = parseServiceId(service.id).provider;
    const sent = await envelopeBodyFor(view.index, service.id, provider, h.requestId, body);
    const envelope = await signEnvelope(
      {
        requestId: h.requestId,
        client,
        service: service.id,
        purpose: h.purpose,
        subject: h.subject,
        fields: decision.fields,
        ...sent.envelope,
        consumerSignature: signature,
      },
      this.options.signingKey,
      { kid: this.options.signingKid, ttlSeconds: Math.ceil(timeoutMs / 1000) + 5 },
    );
    facts.requestHash = hex(envelope);
    clock.lap('checks');
    this.metrics.inFlight.inc();
    let reply;
    try {
      reply = await this.bus.request({
        topic: service.topic,
        key: h.requestId,
        value: envelope,
        headers: { [MESSAGE_HEADERS.requestId]: h.requestId },
        timeoutMs,
      });
    } finally {
      this.metrics.inFlight.dec();
    }
    clock.lap('provider');
    const raw = reply.value.toString('utf8');
    // The record names the signed answer JWS whether or not it crossed Kafka encrypted; what was received when it
    // does not decrypt.
    let answerJws = raw;
    try {
      answerJws = await answerOf(raw, sent);
    } finally {
      facts.responseHash = hex(answerJws);
    }
    let answer: Answer;
    try {
      answer = await verifyAnswer(answerJws, envelope, (kid) => view.index.signingKey(provider, kid), {
        requestId: h.requestId,
        maxAgeSeconds: this.options.maxAgeSeconds,
        clockSkewSeconds: this.options.clockSkewSeconds,
      });
    } catch (cause) {
      throw new KopirError('provider_error', 'The provider answer failed verification', { cause });
    }
    if (answer.status !== 'ok') throw providerRefusal(answer);
    if (!withinFieldMask(answer.body, decision.fields)) {
      // A provider that returns more than the rule allows is faulty: nothing of its answer reaches the caller.
      throw new KopirError('provider_error', 'The provider answer holds fields the access rule does not allow');
    }
    const detached = detachAnswer(answerJws, answer);
    clock.lap('answer');
    return {
      body: answer.body ?? null,
      headers: {
        [HEADERS.requestId]: h.requestId,
        [HEADERS.responseSignature]: detached.signature,
        'kopir-envelope-digest': detached.envelopeDigest,
        'kopir-answer-issued-at': String(detached.issuedAt),
      },
    };
  }

  private event(
    facts: Facts,
    decision: 'allow' | 'deny',
    status: number,
    errorCode: string | null,
    started: number,
  ): AuditEventInput {
    return {
      eventId: facts.eventId,
      requestId: facts.requestId,
      time: new Date().toISOString(),
      kind: 'service-call',
      gateway: this.options.instanceId,
      client: facts.client,
      service: facts.service,
      purpose: facts.purpose,
      subject: facts.subject,
      decision,
      // Why: the rule that allowed the call; for a refusal, the access decision's reason or else the error code.
      reason: decision === 'allow' ? `rule:${facts.rule ?? '?'}` : (facts.denied ?? errorCode ?? 'refused'),
      status,
      errorCode,
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
      requestHash: facts.requestHash,
      responseHash: facts.responseHash,
    };
  }

  private count(facts: Facts, code: string, started: number): void {
    const service = this.serviceLabel(facts);
    this.metrics.requests.inc({ client: facts.client, service, code });
    this.metrics.latency.observe(
      { service, outcome: code === 'ok' ? 'ok' : 'error' },
      (performance.now() - started) / 1000,
    );
  }

  /**
   * The service as a metric label: its id when the federation in force defines it, else `unknown`. The path is the
   * caller's choice, and every label value is a time series the gateway keeps for good: naming made-up services would
   * let anyone able to connect grow the gateway's memory (and /metrics) without bound. The audit record keeps the
   * path as asked. Clients are bounded already (a pinned system, or `unidentified`).
   */
  private serviceLabel(facts: Facts): string {
    try {
      return this.federation().index.service(facts.service) === undefined ? 'unknown' : facts.service;
    } catch {
      return 'unknown';
    }
  }
}

/** Set on every error the relay audited (or tried to): the HTTP layer audits only the refusals without it. */
export const RELAYED = Symbol('kopir.relay.audited');

/** The Köpir headers of a request as sent (a header given twice counts as absent). */
interface RequestHeaders {
  readonly requestId: string | undefined;
  readonly purpose: string | undefined;
  readonly subject: string | undefined;
  header(name: string): string | undefined;
}

function requestHeaders(headers: RelayRequest['headers']): RequestHeaders {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    requestId: header(HEADERS.requestId),
    purpose: header(HEADERS.purpose),
    subject: header(HEADERS.subject),
    header,
  };
}

/** What the request says about itself, before anything is verified: the start of its audit record. */
function factsOf(serviceId: string, { requestId, purpose, subject }: RequestHeaders): Facts {
  return {
    eventId: randomUUID(),
    requestId: requestId !== undefined && REQUEST_ID.test(requestId) ? requestId : null,
    client: 'unidentified',
    service: /^[a-z0-9/-]{1,100}$/.test(serviceId) ? serviceId : 'invalid',
    purpose: purpose !== undefined && PURPOSE.test(purpose) ? purpose : 'none',
    subject: subject !== undefined && SUBJECT.test(subject) ? subject : null,
    requestHash: null,
    responseHash: null,
    rule: null,
    denied: null,
  };
}

/** A caller's refusal, with Retry-After for quotas; the reason code goes to the audit record. */
function denial(decision: DenyDecision, facts: Facts): KopirError {
  facts.denied = decision.reason;
  switch (decision.reason) {
    case 'quota_exceeded':
      return Object.assign(new KopirError('rate_limited', decision.explanation), {
        retryAfterSeconds: decision.retryAfterSeconds ?? 1,
      });
    case 'client_unknown':
      return new KopirError('client_certificate_invalid', decision.explanation);
    case 'service_unknown':
      return new KopirError('service_unknown', decision.explanation);
    case 'no_rule':
    case 'rule_expired':
    case 'rule_revoked':
    case 'purpose_not_allowed':
    case 'field_not_allowed':
      return new KopirError('access_denied', decision.explanation);
  }
}

function providerRefusal(answer: Answer): KopirError {
  const problem = (answer.body ?? {}) as { detail?: unknown };
  const detail = typeof problem.detail === 'string' ? problem.detail.slice(0, 500) : 'The provider refused the request';
  if (isErrorCode(answer.status) && PASSED_THROUGH.has(answer.status)) return new KopirError(answer.status, detail);
  return new KopirError('provider_error', `The provider could not answer (${ERROR_CODES.provider_error.title})`);
}

/** Kopir-Fields: an optional comma-separated list of the response fields the caller needs. */
function parseFields(value: string | undefined): readonly string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const fields = value.split(',').map((f) => f.trim());
  if (fields.length > 64 || !fields.every((f) => FIELD.test(f))) {
    throw new KopirError('request_invalid', 'Kopir-Fields must be a comma-separated list of field names');
  }
  return fields;
}

function hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
