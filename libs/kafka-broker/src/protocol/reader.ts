import { BrokerError } from './broker-error';

const TWO_32 = 2 ** 32;

/**
 * Reads the Kafka protocol's primitive types (Kafka protocol guide, "Protocol Primitive Types") from a frame.
 * Every read is bounds-checked: a short or lying frame throws BrokerError('malformed_frame') instead of reading
 * past the end, so the connection is closed and nothing is half-applied.
 */
export class Reader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.end) {
      throw new BrokerError('malformed_frame', `frame truncated: needed ${n} bytes at ${at}, ${this.end - at} left`);
    }
    this.pos = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }

  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }

  /** INT64 as a JavaScript number: offsets and timestamps stay far below 2^53. */
  int64(): number {
    const at = this.need(8);
    return this.buf.readInt32BE(at) * TWO_32 + this.buf.readUInt32BE(at + 4);
  }

  /** INT64 as a bigint, for producer ids compared exactly. */
  bigInt64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    if (length < -1) throw new BrokerError('malformed_frame', `negative string length ${length}`);
    const at = this.need(length);
    return this.buf.toString('utf8', at, at + length);
  }

  string(): string {
    const value = this.nullableString();
    if (value === null) throw new BrokerError('malformed_frame', 'null where a string is required');
    return value;
  }

  /** BYTES / NULLABLE_BYTES: a view into the frame, not a copy. */
  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < -1) throw new BrokerError('malformed_frame', `negative bytes length ${length}`);
    const at = this.need(length);
    return this.buf.subarray(at, at + length);
  }

  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  nullableArray<T>(item: (reader: Reader) => T): T[] | null {
    const count = this.int32();
    if (count === -1) return null;
    // Every element takes at least one byte: a count larger than what is left is a lie, refused before allocating.
    if (count < -1 || count > this.remaining) {
      throw new BrokerError('malformed_frame', `array count ${count} with ${this.remaining} bytes left`);
    }
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(item(this));
    return items;
  }

  array<T>(item: (reader: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }
}
