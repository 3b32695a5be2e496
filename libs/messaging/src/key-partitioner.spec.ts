import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners, type Message, type PartitionMetadata } from 'kafkajs';
import { KeyHashPartitioner, murmur2 } from './key-partitioner';

function partitions(count: number, unavailable: readonly number[] = []): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: unavailable.includes(partitionId) ? -1 : 0,
    replicas: [0],
    isr: [0],
  }));
}

/** Keys of every shape a producer may pass: Buffers of 0-70 bytes (every length mod 4), ASCII, non-ASCII, UUIDs. */
function keys(): (Buffer | string)[] {
  const out: (Buffer | string)[] = [];
  for (let i = 0; i < 200; i++) {
    out.push(randomBytes(i % 71));
    out.push(randomBytes(i % 40).toString('base64url'));
    out.push(`${String.fromCodePoint(0x80 + ((i * 7919) % 0x10f000))}-${i}-Ä€𝄞`);
    out.push(randomUUID());
  }
  return out;
}

describe('murmur2', () => {
  it('gives the Java client hash (Kafka UtilsTest.testMurmur2 vectors)', () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) expect(murmur2(Buffer.from(key))).toBe(hash);
  });
});

describe('KeyHashPartitioner', () => {
  it("chooses kafkajs's DefaultPartitioner's partition for every keyed message", () => {
    const ours = KeyHashPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const all = keys();
    for (const count of [1, 2, 3, 7, 12, 64, 101, 1000]) {
      const partitionMetadata = partitions(count, count > 2 ? [1] : []);
      for (const key of all) {
        const message: Message = { key, value: 'x' };
        expect(ours({ topic: 't', partitionMetadata, message })).toBe(
          theirs({ topic: 't', partitionMetadata, message }),
        );
      }
    }
  });

  it('keeps a partition the message names, even for a keyed message', () => {
    const choose = KeyHashPartitioner();
    expect(
      choose({ topic: 't', partitionMetadata: partitions(3), message: { key: 'k', value: 'x', partition: 2 } }),
    ).toBe(2);
  });

  it('spreads unkeyed messages round robin over the partitions that have a leader', () => {
    const choose = KeyHashPartitioner();
    const partitionMetadata = partitions(4, [2]);
    const chosen = Array.from({ length: 30 }, () => choose({ topic: 't', partitionMetadata, message: { value: 'x' } }));
    expect(new Set(chosen)).toEqual(new Set([0, 1, 3]));
  });
});
