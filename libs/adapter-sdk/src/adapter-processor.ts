import type { KeyObject } from 'node:crypto';
import { KopirError, isKopirError, parseSystemId, problemDetails, type ErrorCode } from '@kopir/contracts';
import {
  ReplayGuard,
  encryptAnswer,
  envelopeBody,
  signAnswer,
  verifySignedEnvelope,
  type AnswerKey,
  type DecryptionKey,
  type Envelope,
  type EnvelopeBody,
} from '@kopir/envelope';
import {
  FederationIndex,
  assertSubjectBound,
  serviceValidators,
  type FederationDocument,
  type ServiceValidators,
} from '@kopir/federation';
import { keyThumbprint, keysByKid } from '@kopir/pki';
import type { AdapterHandler, AdapterLogger, AdapterRequest } from './adapter-request';
import { maskAnswer } from './mask-answer';
import { describeViolations, schemaViolations } from './schema-violations';

/** Where the processor finds the federation document in force (a FederationLoader fits). */
export interface FederationSource {
  readonly current: { readonly document: FederationDocument };
  /** Throws when the document in force has expired (FederationLoader does): then every request is refused. */
  assertInForce?(now?: number): unknown;
}

export interface AdapterProcessorOptions {
  /** This adapter's system, `<agency>/<system>`. */
  readonly system: string;
  /** The system's answer signing key (its public half is in the federation document). */
  readonly signingKey: KeyObject;
  /** Default: the RFC 7638 thumbprint of the key, as the federation lists it. */
  readonly kid?: string;
  /**
   * The system's encryption private keys (P-256; the current one, whose public key the federation publishes, and
   * during a rotation the previous one), chosen by the JWE's kid. Absent: encrypted request bodies are refused.
   */
  readonly encryptionKeys?: readonly KeyObject[];
  readonly federation: FederationSource;
  readonly handlers: readonly AdapterHandler[];
  readonly logger?: AdapterLogger;
  /** Clock (ms), for tests. */
  readonly now?: () => number;
  /** Freshness of envelopes (default 300 s, skew 30 s); envelopes also carry their own `exp`. */
  readonly maxAgeSeconds?: number;
  readonly clockSkewSeconds?: number;
  /** Most request ids remembered by the replay guard (default 1,000,000). */
  readonly replayCapacity?: number;
}

/** The outcome of one message: the signed answer to send back, or none when the message is for another system. */
export interface ProcessedRequest {
  /** The answer JWS, or (when the request body came encrypted) a JWE of it under that request's answer key. */
  readonly answer: string;
  readonly requestId: string;
  /** `ok` or the stable error code answered. */
  readonly status: string;
}

// Codes a provider may answer as they are; anything else (internal_error, config_invalid, an unexpected throw)
// becomes provider_error with a generic detail, so no stack, path or SQL reaches another agency.
const ANSWERABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'signature_invalid',
  'request_expired',
  'replay_detected',
  'service_unknown',
  'request_invalid',
  'payload_too_large',
  'not_found',
  'access_denied',
  'rate_limited',
  'provider_unavailable',
  'provider_timeout',
  'maintenance',
  'provider_error',
]);

interface Compiled {
  readonly document: FederationDocument;
  readonly index: FederationIndex;
  readonly validators: ReadonlyMap<string, ServiceValidators>;
}

const SERVICE_MEMBER = '"service":"';

const noLog: AdapterLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The SDK's request path without transport (DESIGN.md "One request, end to end", step 4): verify the gateway's
 * envelope, refuse replays, check the service, decrypt the body when it came encrypted, check the body, run the
 * handler, check its full answer against the service's published answer schema, mask the answer to the rule's
 * fields, and sign the answer bound to the envelope (then encrypt it under the request's answer key when the body
 * came encrypted). Every outcome, success or refusal, is a signed answer.
 */
export class AdapterProcessor {
  readonly system: string;
  private readonly agency: string;
  private readonly kid: string;
  private readonly handlers: ReadonlyMap<string, AdapterHandler['handle']>;
  private readonly replay: ReplayGuard;
  private readonly logger: AdapterLogger;
  private readonly now: () => number;
  private readonly decryptionKey: DecryptionKey | undefined;
  private compiled: Compiled | undefined;

  constructor(private readonly options: AdapterProcessorOptions) {
    this.agency = parseSystemId(options.system).agency;
    this.system = options.system;
    this.kid = options.kid ?? keyThumbprint(options.signingKey);
    const handlers = new Map<string, AdapterHandler['handle']>();
    for (const h of options.handlers) {
      if (handlers.has(h.service)) throw new KopirError('config_invalid', `two handlers for ${h.service}`);
      handlers.set(h.service, h.handle);
    }
    this.handlers = handlers;
    this.logger = options.logger ?? noLog;
    this.now = options.now ?? Date.now;
    const keys = options.encryptionKeys ?? [];
    this.decryptionKey = keys.length === 0 ? undefined : keysByKid(keys);
    this.replay = new ReplayGuard({
      ...(options.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: options.maxAgeSeconds }),
      ...(options.clockSkewSeconds === undefined ? {} : { clockSkewSeconds: options.clockSkewSeconds }),
      ...(options.replayCapacity === undefined ? {} : { maxEntries: options.replayCapacity }),
      now: this.now,
    });
  }

  /** The short names of the services this adapter answers. */
  get services(): readonly string[] {
    return [...this.handlers.keys()];
  }

  /** The key id answers are signed under. */
  get signingKid(): string {
    return this.kid;
  }

  /**
   * Handles one request message. `fallbackRequestId` (the Kafka key) names the request in refusals of envelopes
   * that cannot be trusted to name it themselves. Returns undefined for a message addressed to another system of the
   * agency (they share the agency's request topic; that system's adapter answers it).
   */
  async process(envelopeJws: string, fallbackRequestId = ''): Promise<ProcessedRequest | undefined> {
    if (!this.addressedHere(envelopeJws)) return undefined;
    let requestId = fallbackRequestId;
    // Set once an encrypted request body decrypts: the answer, refusals included, then goes back encrypted under it.
    // A refusal before that (an envelope or body that does not check out) goes in clear: it holds no registry data.
    let replyTo: AnswerKey | undefined;
    try {
      const envelope = await this.verify(envelopeJws);
      requestId = envelope.requestId;
      const request = await this.body(envelope);
      replyTo = request.answerKey;
      // Masking only removes members, so an answer valid in full stays valid once masked (run checks it in full).
      const body = maskAnswer(await this.run(envelope, request.body), envelope.fields);
      const answer = await this.sign(envelopeJws, { requestId, status: 'ok', body });
      return { answer: await seal(answer, replyTo), requestId, status: 'ok' };
    } catch (error) {
      const problem = this.problem(error, requestId);
      const answer = await this.sign(envelopeJws, { requestId, status: problem.code, body: problem });
      return { answer: await seal(answer, replyTo), requestId, status: problem.code };
    }
  }

  private async verify(envelopeJws: string): Promise<Envelope> {
    const nowMs = this.now();
    try {
      this.options.federation.assertInForce?.(nowMs);
    } catch {
      // Rules and keys nobody re-signed are not trusted; the gateway may retry once the authority re-signs.
      throw new KopirError('provider_unavailable', 'The federation document in force has expired', { retriable: true });
    }
    const { index } = this.federation();
    const { envelope } = await verifySignedEnvelope(envelopeJws, (kid) => index.gatewayKey(kid), {
      now: new Date(nowMs),
      ...(this.options.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: this.options.maxAgeSeconds }),
      ...(this.options.clockSkewSeconds === undefined ? {} : { clockSkewSeconds: this.options.clockSkewSeconds }),
    });
    // After the signature: forged messages cannot fill the replay guard (ReplayGuard's contract).
    this.replay.check(envelope.client, envelope.requestId, new Date(envelope.iat * 1000));
    return envelope;
  }

  private async run(envelope: Envelope, body: unknown): Promise<unknown> {
    const { index, validators } = this.federation();
    const prefix = `${this.system}/`;
    const name = envelope.service.startsWith(prefix) ? envelope.service.slice(prefix.length) : undefined;
    const handle = name === undefined ? undefined : this.handlers.get(name);
    const definition = index.service(envelope.service);
    const compiled = validators.get(envelope.service);
    if (name === undefined || handle === undefined || definition === undefined || compiled === undefined) {
      throw new KopirError('service_unknown', 'This registry does not provide the requested service');
    }
    const validate = compiled.request;
    if (!validate(body)) {
      // Paths and schema keywords only: the values may be citizen data.
      const where = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
      throw new KopirError(
        'request_invalid',
        `The request body does not match the service's schema: ${where.join('; ')}`,
      );
    }
    assertSubjectBound(definition, envelope.subject, body);
    const request: AdapterRequest = {
      requestId: envelope.requestId,
      service: envelope.service,
      client: envelope.client,
      purpose: envelope.purpose,
      subject: envelope.subject,
      fields: envelope.fields,
      body,
    };
    const answer = await handle(request);
    // The schema consumers were promised (the federation's `response`): an answer outside it is never sent.
    if (!compiled.response(answer)) {
      const where = describeViolations(schemaViolations(definition.response, compiled.response.errors ?? []));
      this.logger.error(
        `${this.system}: request ${envelope.requestId}: the answer of ${envelope.service} does not match its ` +
          `published schema and was not sent (answered provider_error): ${where}`,
      );
      throw new KopirError('provider_error', `The registry's answer did not match its published schema: ${where}`);
    }
    return answer;
  }

  /**
   * The request body: in clear, or decrypted with this system's key (bound to the envelope's request id, so a JWE
   * moved from another request is refused) with the answer key of the request. A service the federation marks
   * encrypted takes no body in clear.
   */
  private async body(envelope: Envelope): Promise<EnvelopeBody> {
    if (envelope.bodyJwe === undefined) {
      if (this.federation().index.encryptsBodies(envelope.service)) {
        throw new KopirError('request_invalid', 'This service accepts only encrypted request bodies');
      }
      return { body: envelope.body };
    }
    if (this.decryptionKey === undefined) {
      throw new KopirError('request_invalid', 'This registry holds no key to decrypt request bodies');
    }
    return envelopeBody(envelope, this.decryptionKey);
  }

  private problem(error: unknown, requestId: string): ReturnType<typeof problemDetails> {
    if (isKopirError(error) && ANSWERABLE.has(error.code)) {
      return problemDetails(error, requestId === '' ? {} : { requestId });
    }
    const what = isKopirError(error) ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
    this.logger.error(`${this.system}: request ${requestId || '(unnamed)'} failed: ${what}`);
    const generic = new KopirError('provider_error', 'The registry could not answer this request.');
    return problemDetails(generic, requestId === '' ? {} : { requestId });
  }

  private sign(
    envelopeJws: string,
    answer: { readonly requestId: string; readonly status: string; readonly body?: unknown },
  ): Promise<string> {
    return signAnswer(envelopeJws, answer, this.options.signingKey, { kid: this.kid, now: new Date(this.now()) });
  }

  /** Rebuilt when the loader swaps the document (one reference compare per request). */
  private federation(): Compiled {
    const document = this.options.federation.current.document;
    if (this.compiled?.document !== document) {
      this.compiled = { document, index: new FederationIndex(document), validators: serviceValidators(document) };
    }
    return this.compiled;
  }

  /**
   * Looks, without trusting it, at the envelope's `service` to skip messages of other systems of the agency. A
   * message that cannot be read, or names this system or no system, goes through full verification and is answered.
   *
   * No JSON.parse: verification parses the payload anyway, and this runs for every message of the agency. The
   * payload is canonical JSON (RFC 8785, members sorted), so the envelope's own `"service":"` is the last one in
   * the text: only `subject` and `v` follow it, and inside a string a quote is always escaped. A payload that is not
   * canonical fails verification whatever this answers.
   */
  private addressedHere(envelopeJws: string): boolean {
    const first = envelopeJws.indexOf('.');
    const second = envelopeJws.indexOf('.', first + 1);
    if (first < 0 || second < 0) return true;
    const text = Buffer.from(envelopeJws.slice(first + 1, second), 'base64url').toString('utf8');
    const at = text.lastIndexOf(SERVICE_MEMBER);
    if (at < 0) return true;
    const start = at + SERVICE_MEMBER.length;
    const end = text.indexOf('"', start);
    if (end < 0) return true;
    const service = text.slice(start, end);
    const slash = service.indexOf('/');
    if (slash < 0 || service.includes('\\')) return true;
    const agency = service.slice(0, slash);
    const next = service.indexOf('/', slash + 1);
    const system = next < 0 ? service : service.slice(0, next);
    return agency !== this.agency || system === this.system;
  }
}

/** The answer as it goes back: the JWS itself, or a JWE of it under the answer key of an encrypted request. */
function seal(answerJws: string, answerKey: AnswerKey | undefined): Promise<string> | string {
  return answerKey === undefined ? answerJws : encryptAnswer(answerJws, answerKey);
}
