import { randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';
import { urlToHttpOptions } from 'node:url';
import { ERROR_CODES, HEADERS, KopirError, isErrorCode, parseServiceId } from '@kopir/contracts';
import { signRequest, verifyDetachedAnswer, type Answer } from '@kopir/envelope';
import { devPkiPaths, jwkToPublicKey, keyThumbprint, loadPrivateKey, type PublicJwk } from '@kopir/pki';

export interface KopirClientOptions {
  /** https://gateway:8443 */
  readonly gateway: string;
  /** The system's TLS client certificate and key (PEM), and the intranet CA chain (PEM). */
  readonly tlsCert: string | Buffer;
  readonly tlsKey: string | Buffer;
  readonly ca: string | Buffer;
  /** The system's request signing key; `signingKid` defaults to its RFC 7638 thumbprint (as the federation lists it). */
  readonly signingKey: KeyObject;
  readonly signingKid?: string;
  /** Per-call timeout (ms), default 30 s. */
  readonly timeoutMs?: number;
  /**
   * Most keep-alive TLS connections to the gateway at once (default 16); further calls wait for a free one. Without a
   * bound, a burst opens a connection per waiting call, and the extra handshakes (ECDSA, chain and CRL checks on both
   * sides) slow every call further: a load spike then feeds itself.
   */
  readonly maxConnections?: number;
}

export interface CallOptions {
  readonly purpose: string;
  readonly subject: string;
  readonly requestId?: string;
  /** Only these response fields (Kopir-Fields). */
  readonly fields?: readonly string[];
}

export interface CallResult<T> {
  readonly body: T;
  readonly requestId: string;
  /** The audit record's id: an officer resolves it to the ledger entry and its inclusion proof. */
  readonly auditReceipt: string;
  /** The provider's signature over this body, as received (detached JWS). */
  readonly responseSignature: string;
  /** The provider's answer as verified: who signed (kid), when, bound to which envelope. */
  readonly answer: Answer & { readonly kid: string };
}

/** A refusal from the gateway or the provider, with the stable code of docs/api.md. */
export class KopirCallError extends KopirError {
  constructor(
    code: ConstructorParameters<typeof KopirError>[0],
    message: string,
    readonly httpStatus: number,
    readonly requestId: string,
    readonly retryAfterSeconds?: number,
    /** The audit record of this refusal (refusals are audited too), when the gateway wrote one. */
    readonly auditReceipt?: string,
  ) {
    super(code, message);
  }
}

/**
 * The client's connection pool, without the work node:https repeats although its result cannot change. The TLS
 * options of this agent are the ones it was constructed with (an agent's own options override a request's), so:
 * - the pool name depends on the address alone. node:https appends every TLS option to it, three times a request
 *   (queueing it, freeing the socket, keeping it alive), turning the Buffers of the certificate, key and CA chain into
 *   text each time, a fresh 5 kB key to hash for each lookup: about 10 µs of CPU a call. Here it is computed once per
 *   address, the same string node:https would build;
 * - every connection has the same TLS context. tls.connect makes one from the options for each new connection,
 *   parsing the key, the certificate and the CA chain again (1.4 ms of CPU each); here the first connection makes it
 *   from the same options, as tls.connect would, and the others share it.
 */
class GatewayAgent extends Agent {
  private readonly names = new Map<string, string>();
  private secureContext: SecureContext | undefined;

  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    this.secureContext ??= createSecureContext(options);
    // tls.connect uses a given secureContext as is (node:tls: `options.secureContext || createSecureContext(options)`).
    return super.createConnection({ ...options, secureContext: this.secureContext } as RequestOptions, callback);
  }

  override getName(options: RequestOptions = {}): string {
    const address = HttpAgent.prototype.getName.call(this, options);
    let name = this.names.get(address);
    if (name === undefined) {
      name = super.getName(options);
      this.names.set(address, name);
    }
    return name;
  }
}

/** What names the gateway in a request's options: protocol, host, port and user info, as node:https reads a URL. */
type Origin = Pick<RequestOptions, 'protocol' | 'hostname' | 'port' | 'auth'>;

function originOf(gateway: string): Origin {
  const { protocol, hostname, port, auth } = urlToHttpOptions(new URL(gateway));
  return { protocol, hostname, port, auth };
}

type Response = { status: number; headers: IncomingHttpHeaders; body: Buffer };

/** A response header as one string (node:http gives repeated headers joined, set-cookie as an array). */
function header(response: Response, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * What a ministry system calls the gateway with: mutual TLS (verification always on), the Kopir-Signature over every
 * request, and verification of the provider's signature over every answer, against the provider keys the gateway's
 * catalog lists. `client.call('mju/population/person-by-iin', { iin }, { purpose, subject })`.
 */
export class KopirClient {
  private readonly agent: Agent;
  private readonly kid: string;
  private providerKeys: Map<string, KeyObject> | undefined;
  /** The gateway's protocol, host and port as request options, parsed from `options.gateway` on first use. */
  private origin: Origin | undefined;

  constructor(private readonly options: KopirClientOptions) {
    this.agent = new GatewayAgent({
      keepAlive: true,
      maxSockets: options.maxConnections ?? 16,
      cert: options.tlsCert,
      key: options.tlsKey,
      ca: options.ca,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    this.kid = options.signingKid ?? keyThumbprint(options.signingKey);
  }

  /** A client for one system of a development PKI (`kopir pki init`), e.g. `psc/front-office`. */
  static fromDevPki(root: string, system: string, gateway: string, timeoutMs?: number): KopirClient {
    const paths = devPkiPaths(root);
    const files = paths.system(system);
    return new KopirClient({
      gateway,
      tlsCert: readFileSync(files.tls.cert),
      tlsKey: readFileSync(files.tls.key),
      ca: readFileSync(paths.chain),
      signingKey: loadPrivateKey(readFileSync(files.signing.key, 'utf8')),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  }

  async call<T = unknown>(service: string, body: unknown, options: CallOptions): Promise<CallResult<T>> {
    const provider = parseServiceId(service).provider;
    const requestId = options.requestId ?? randomUUID();
    const path = `/r1/${service}`;
    const bytes = Buffer.from(JSON.stringify(body));
    const signature = await signRequest(
      { method: 'POST', path, purpose: options.purpose, subject: options.subject, requestId, body: bytes },
      this.options.signingKey,
      { kid: this.kid },
    );
    const response = await this.send('POST', path, bytes, {
      'content-type': 'application/json',
      [HEADERS.purpose]: options.purpose,
      [HEADERS.subject]: options.subject,
      [HEADERS.requestId]: requestId,
      [HEADERS.signature]: signature,
      ...(options.fields ? { 'kopir-fields': options.fields.join(',') } : {}),
    });
    if (response.status !== 200) throw problem(response, requestId);
    const parsed = JSON.parse(response.body.toString('utf8')) as T;
    const detached = {
      signature: header(response, HEADERS.responseSignature) ?? '',
      envelopeDigest: header(response, 'kopir-envelope-digest') ?? '',
      issuedAt: Number(header(response, 'kopir-answer-issued-at')),
    };
    const kid = JSON.parse(Buffer.from(detached.signature.split('.')[0] ?? '', 'base64url').toString() || '{}') as {
      kid?: string;
    };
    let keys = this.providerKeys ?? (await this.keys());
    if (kid.kid !== undefined && !keys.has(`${provider}#${kid.kid}`)) {
      // A kid we have not seen: the provider may have rotated its key since the catalog was read. Read it again
      // (once per such answer); a kid the federation does not list still fails verification below.
      this.providerKeys = undefined;
      keys = await this.keys();
    }
    const answer = await verifyDetachedAnswer(detached, { requestId, body: parsed }, (k) =>
      k === kid.kid ? keys.get(`${provider}#${k}`) : undefined,
    );
    return {
      body: parsed,
      requestId,
      auditReceipt: header(response, HEADERS.auditReceipt) ?? '',
      responseSignature: detached.signature,
      // Not `{ ...answer, kid }`: V8 (Node 20) gives an object spread followed by more members a new hidden class on
      // every call (about 1 µs a member); Object.assign makes the same object, members in the same order.
      answer: Object.assign({}, answer, { kid: kid.kid ?? '' }),
    };
  }

  /** The services this system may call, with purposes, fields, schemas and provider keys. */
  async catalog(): Promise<{ services: { id: string; providerKeys: PublicJwk[]; timeoutSeconds: number }[] }> {
    const response = await this.send('GET', '/r1/catalog');
    if (response.status !== 200) throw problem(response, '');
    return JSON.parse(response.body.toString('utf8')) as {
      services: { id: string; providerKeys: PublicJwk[]; timeoutSeconds: number }[];
    };
  }

  close(): void {
    this.agent.destroy();
  }

  private async keys(): Promise<Map<string, KeyObject>> {
    if (this.providerKeys) return this.providerKeys;
    const keys = new Map<string, KeyObject>();
    for (const service of (await this.catalog()).services) {
      const provider = service.id.split('/').slice(0, 2).join('/');
      for (const jwk of service.providerKeys) keys.set(`${provider}#${jwk.kid}`, jwkToPublicKey(jwk));
    }
    this.providerKeys = keys;
    return keys;
  }

  private send(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Response> {
    return new Promise((resolve, reject) => {
      // `path` is absolute and made of identifier characters only, so it replaces the gateway URL's own path as
      // `new URL(path, gateway)` would: parsing the gateway URL once is enough.
      const origin = (this.origin ??= originOf(this.options.gateway));
      // One literal, not a spread of the origin followed by more members (a new hidden class per request in V8);
      // an absent port or user info is undefined, which node:https reads as absent.
      const requestOptions: RequestOptions = {
        protocol: origin.protocol,
        hostname: origin.hostname,
        port: origin.port,
        auth: origin.auth,
        path,
        method,
        agent: this.agent,
        headers,
        timeout: this.options.timeoutMs ?? 30_000,
      };
      const req = httpsRequest(requestOptions, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new KopirError('provider_timeout', 'The gateway did not answer in time')));
      req.on('error', (error) =>
        reject(
          error instanceof KopirError
            ? error
            : new KopirError('provider_unavailable', `Cannot reach the gateway: ${error.message}`, { cause: error }),
        ),
      );
      req.end(body);
    });
  }
}

function problem(response: Response, requestId: string): KopirCallError {
  let parsed: { code?: unknown; detail?: unknown } = {};
  try {
    parsed = JSON.parse(response.body.toString('utf8')) as typeof parsed;
  } catch {
    // Not problem+json: reported by status below.
  }
  const code = isErrorCode(parsed.code) ? parsed.code : response.status >= 500 ? 'provider_error' : 'request_invalid';
  const retryAfter = header(response, 'retry-after');
  const receipt = header(response, HEADERS.auditReceipt);
  return new KopirCallError(
    code,
    typeof parsed.detail === 'string' ? parsed.detail : ERROR_CODES[code].title,
    response.status,
    requestId,
    retryAfter === undefined ? undefined : Number(retryAfter),
    typeof receipt === 'string' ? receipt : undefined,
  );
}
