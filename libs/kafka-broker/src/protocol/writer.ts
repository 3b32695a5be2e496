const TWO_32 = 2 ** 32;

/** Writes the Kafka protocol's primitive types into a growing buffer (one allocation per doubling). */
export class Writer {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  /** Makes room for n bytes and returns where they go. It may replace `this.buf`: callers read it afterwards. */
  private reserve(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + n));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    this.pos = at + n;
    return at;
  }

  int8(value: number): this {
    const at = this.reserve(1);
    this.buf.writeInt8(value, at);
    return this;
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  int16(value: number): this {
    const at = this.reserve(2);
    this.buf.writeInt16BE(value, at);
    return this;
  }

  int32(value: number): this {
    const at = this.reserve(4);
    this.buf.writeInt32BE(value, at);
    return this;
  }

  /** INT64 from a safe integer (negative values such as -1 included). */
  int64(value: number): this {
    const at = this.reserve(8);
    this.buf.writeInt32BE(Math.floor(value / TWO_32), at);
    this.buf.writeUInt32BE(value >>> 0, at + 4);
    return this;
  }

  bigInt64(value: bigint): this {
    const at = this.reserve(8);
    this.buf.writeBigInt64BE(value, at);
    return this;
  }

  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const length = Buffer.byteLength(value, 'utf8');
    this.int16(length);
    const at = this.reserve(length);
    this.buf.write(value, at, length, 'utf8');
    return this;
  }

  bytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    this.int32(value.length);
    const at = this.reserve(value.length);
    value.copy(this.buf, at);
    return this;
  }

  /** Raw bytes with no length prefix (record batches already framed). */
  raw(value: Buffer): this {
    const at = this.reserve(value.length);
    value.copy(this.buf, at);
    return this;
  }

  array<T>(items: readonly T[] | null, write: (writer: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  toBuffer(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
