import { Reader } from './reader';
import { Writer } from './writer';

describe('protocol Writer and Reader', () => {
  it('round-trip every primitive while the buffer grows from one byte', () => {
    const w = new Writer(1);
    const bytes = Buffer.from('record bytes');
    w.int8(-2)
      .bool(true)
      .int16(-300)
      .int32(70_000)
      .int64(-1)
      .int64(2 ** 40 + 5)
      .bigInt64(-7n);
    w.string('köpir')
      .string(null)
      .bytes(bytes)
      .bytes(null)
      .array(['a', 'bb'], (w, s) => w.string(s));
    const r = new Reader(w.toBuffer());
    expect([r.int8(), r.bool(), r.int16(), r.int32(), r.int64(), r.int64(), r.bigInt64()]).toEqual([
      -2,
      true,
      -300,
      70_000,
      -1,
      2 ** 40 + 5,
      -7n,
    ]);
    expect([r.string(), r.nullableString(), r.bytes(), r.nullableBytes()]).toEqual(['köpir', null, bytes, null]);
    expect(r.array((r) => r.string())).toEqual(['a', 'bb']);
    expect(r.remaining).toBe(0);
  });

  it('encodes INT64 -1 and STRING exactly as the Kafka protocol guide says (big-endian, INT16 length)', () => {
    expect(new Writer(1).int64(-1).string('ab').toBuffer().toString('hex')).toBe('ffffffffffffffff00026162');
  });

  it('refuses truncated input and lying lengths instead of reading past the end', () => {
    expect(() => new Reader(Buffer.from([0, 5, 0x61])).string()).toThrow(/truncated/);
    expect(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).array((r) => r.int8())).toThrow(/array count/);
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xf0])).bytes()).toThrow(/negative/);
  });
});
