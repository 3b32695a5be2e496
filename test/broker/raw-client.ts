import { connect, type Socket } from 'node:net';

/**
 * A bare TCP client for the broker: sends hand-made frames (garbage, truncated, oversized, or real requests encoded
 * by kafkajs's own protocol encoders) and reads size-prefixed response frames, or notices that the broker closed.
 */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
  }

  static open(address: string): Promise<RawClient> {
    const [host, port] = address.split(':') as [string, string];
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port: Number(port) }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response frame (without its size prefix), or null if the broker closed the connection. */
  async response(timeoutMs = 10_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0);
        if (this.buffered.length >= size + 4) {
          const frame = this.buffered.subarray(4, size + 4);
          this.buffered = this.buffered.subarray(size + 4);
          return frame;
        }
      }
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error('no response in time');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /** Resolves true once the broker has closed the connection. */
  async closedByBroker(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.closed;
  }

  end(): void {
    this.socket.destroy();
  }
}

/** A request frame: size, api_key, api_version, correlation_id, client_id, body (request header v1). */
export function frame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: Buffer,
  clientId = 'raw',
): Buffer {
  const id = Buffer.from(clientId);
  const head = Buffer.alloc(4 + 2 + 2 + 4 + 2);
  head.writeInt32BE(2 + 2 + 4 + 2 + id.length + body.length, 0);
  head.writeInt16BE(apiKey, 4);
  head.writeInt16BE(apiVersion, 6);
  head.writeInt32BE(correlationId, 8);
  head.writeInt16BE(id.length, 12);
  return Buffer.concat([head, id, body]);
}

interface KafkaJsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<{ buffer: Buffer }>;
}

/** Encodes a request with kafkajs 2.2.4's own encoder (its internal protocol modules): real client bytes. */
export async function kafkajsFrame(modulePath: string, args: unknown, correlationId: number): Promise<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const make = require(`kafkajs/src/protocol/requests/${modulePath}`) as (a: unknown) => KafkaJsRequest;
  const request = make(args);
  const body = await request.encode();
  return frame(request.apiKey, request.apiVersion, correlationId, body.buffer);
}

/** Decodes a response frame (correlation id first) with kafkajs 2.2.4's own decoder. */
export async function kafkajsDecode(modulePath: string, payload: Buffer): Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { decode, parse } = require(`kafkajs/src/protocol/requests/${modulePath}`) as {
    decode(b: Buffer): Promise<unknown>;
    parse(d: unknown): Promise<unknown>;
  };
  return parse(await decode(payload.subarray(4)));
}
