import type { Socket } from 'node:net';
import { ApiKey, SUPPORTED_VERSIONS } from '../protocol/api-keys';
import { BrokerError } from '../protocol/broker-error';
import { KafkaErrorCode } from '../protocol/error-codes';
import { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';
import { encodeApiVersionsResponse } from '../requests/api-versions/v0/response';

/** Request header v1 (Kafka protocol guide): api_key api_version correlation_id client_id (NULLABLE_STRING). */
export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string;
}

/** What a request handler returns: the response body, or null when no response is sent (Produce with acks=0). */
export type HandlerResult = Buffer | null;

export interface RequestContext {
  readonly header: RequestHeader;
  readonly clientHost: string;
  /** Registers cleanup to run if the connection closes before the response is sent (Fetch long-poll timers). */
  onClose(cleanup: () => void): void;
}

export type RequestHandler = (ctx: RequestContext, body: Reader) => HandlerResult | Promise<HandlerResult>;

export interface ConnectionOptions {
  readonly maxFrameBytes: number;
  readonly handle: RequestHandler;
  readonly log: (level: 'info' | 'warn', message: string) => void;
}

interface Slot {
  done: boolean;
  response: Buffer | null;
  correlationId: number;
}

/**
 * One client connection: splits the byte stream into size-prefixed frames, dispatches each request, and writes the
 * responses in request order, as Kafka does (clients rely on it: librdkafka matches responses to its in-flight
 * queue). A frame that is malformed, too large, for an unknown API or an unsupported version closes the connection
 * (there is no well-formed answer to give), after a log line; it never reaches the logs or the groups half-parsed.
 */
export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly queue: Slot[] = [];
  private readonly cleanups = new Set<() => void>();
  private closed = false;
  private readonly peer: string;

  constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    socket.on('drain', () => socket.resume());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cleanup of this.cleanups) cleanup();
    this.cleanups.clear();
    this.socket.destroy();
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof BrokerError ? error.code : 'internal';
    this.options.log('warn', `closing connection from ${this.peer}: ${code}: ${message}`);
    this.close();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closed && this.buffered >= 4) {
      const head = this.peek4();
      const size = head.readInt32BE(0);
      if (size < 8 || size > this.options.maxFrameBytes) {
        this.fail(
          new BrokerError(
            size < 8 ? 'malformed_frame' : 'frame_too_large',
            `frame size ${size} (limit ${this.options.maxFrameBytes})`,
          ),
        );
        return;
      }
      if (this.buffered < size + 4) return;
      const frame = this.take(size + 4);
      try {
        this.dispatch(frame);
      } catch (error) {
        this.fail(error);
      }
    }
  }

  private peek4(): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= 4) return first;
    return Buffer.concat(this.chunks, Math.min(this.buffered, 4));
  }

  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks, this.buffered);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }

  private dispatch(frame: Buffer): void {
    const reader = new Reader(frame, 4);
    const apiKey = reader.int16();
    const apiVersion = reader.int16();
    const correlationId = reader.int32();
    const range = SUPPORTED_VERSIONS.get(apiKey as ApiKey);
    if (range === undefined) throw new BrokerError('unknown_api', `unknown API key ${apiKey}`);
    if (apiVersion < range.min || apiVersion > range.max) {
      if (apiKey === ApiKey.ApiVersions) {
        // KIP-511: an ApiVersions request newer than the broker gets UNSUPPORTED_VERSION in the v0 layout, with the
        // supported ranges, so the client can retry at a version both sides speak. Its body is not parsed.
        const w = new Writer(256);
        encodeApiVersionsResponse(w, 0, {
          errorCode: KafkaErrorCode.UNSUPPORTED_VERSION,
          apiKeys: apiVersionRanges(),
          throttleTimeMs: 0,
        });
        this.enqueue(correlationId, w.toBuffer());
        return;
      }
      throw new BrokerError(
        'unsupported_version',
        `API ${apiKey} version ${apiVersion} (supported ${range.min}-${range.max})`,
      );
    }
    const clientId = reader.nullableString() ?? '';
    const ctx: RequestContext = {
      header: { apiKey, apiVersion, correlationId, clientId },
      clientHost: this.socket.remoteAddress ?? '',
      onClose: (cleanup) => this.cleanups.add(cleanup),
    };
    const result = this.options.handle(ctx, reader);
    if (result instanceof Promise) {
      const slot: Slot = { done: false, response: null, correlationId };
      this.queue.push(slot);
      result.then(
        (response) => {
          slot.done = true;
          slot.response = response;
          this.drainQueue();
        },
        (error: unknown) => this.fail(error),
      );
    } else {
      this.enqueue(correlationId, result);
    }
  }

  private enqueue(correlationId: number, response: Buffer | null): void {
    if (this.queue.length === 0) {
      if (response !== null) this.write(correlationId, response);
      return;
    }
    this.queue.push({ done: true, response, correlationId });
  }

  private drainQueue(): void {
    while (this.queue.length > 0 && (this.queue[0] as Slot).done) {
      const slot = this.queue.shift() as Slot;
      if (slot.response !== null) this.write(slot.correlationId, slot.response);
    }
  }

  private write(correlationId: number, body: Buffer): void {
    if (this.closed) return;
    // Response header v0: size, correlation_id (every API used here has a non-flexible response header).
    const head = Buffer.allocUnsafe(8);
    head.writeInt32BE(body.length + 4, 0);
    head.writeInt32BE(correlationId, 4);
    this.socket.cork();
    this.socket.write(head);
    const ok = this.socket.write(body);
    this.socket.uncork();
    // Backpressure: stop reading requests from a client that does not read its responses.
    if (!ok) this.socket.pause();
  }
}

export function apiVersionRanges(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return [...SUPPORTED_VERSIONS].map(([apiKey, v]) => ({ apiKey, minVersion: v.min, maxVersion: v.max }));
}
