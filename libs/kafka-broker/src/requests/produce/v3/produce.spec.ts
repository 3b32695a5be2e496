import { CAPTURED, CAPTURED_BATCH, responseBody, splitRequest } from '../../../protocol/captured-frames.fixture';
import { Reader } from '../../../protocol/reader';
import { Writer } from '../../../protocol/writer';
import { ApiKey } from '../../../protocol/api-keys';
import { scanBatches } from '../../../protocol/record-batch';
import { decodeProduceRequest } from './request';
import { encodeProduceResponse } from './response';

describe('Produce v3 against kafkajs 2.2.4 wire bytes', () => {
  it('decodes the request: acks -1, no transaction, one partition holding one record batch v2', () => {
    const req = splitRequest(CAPTURED.produceRequest);
    expect(req).toMatchObject({ apiKey: ApiKey.Produce, apiVersion: 3, correlationId: 2, clientId: 'kopir-capture' });
    const produce = decodeProduceRequest(req.body);
    expect(req.body.remaining).toBe(0);
    expect(produce).toMatchObject({ transactionalId: null, acks: -1, timeoutMs: 30_000 });
    expect(produce.topics).toHaveLength(1);
    const [topic] = produce.topics;
    expect(topic?.topic).toBe('kopir.req.mju');
    expect(topic?.partitions.map((p) => p.partition)).toEqual([0]);
    const records = topic?.partitions[0]?.records;
    if (!records) throw new Error('no records');
    expect(records.equals(CAPTURED_BATCH)).toBe(true);
  });

  it('checks the batch kafkajs framed: CRC-32C, offsets, timestamps, non-idempotent producer', () => {
    const { batches, problem } = scanBatches(CAPTURED_BATCH, 0, CAPTURED_BATCH.length, true);
    expect(problem).toBeUndefined();
    expect(batches).toEqual([
      {
        position: 0,
        size: 112,
        lastOffsetDelta: 0,
        maxTimestamp: Date.parse('2026-01-01T00:00:00Z'),
        producerId: -1n,
        producerEpoch: 0,
        baseSequence: 0,
        transactional: false,
      },
    ]);
    // One flipped bit in the record value: the CRC no longer matches.
    const tampered = Buffer.from(CAPTURED_BATCH);
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 0x01;
    expect(scanBatches(tampered, 0, tampered.length, true).problem).toBe('crc');
    expect(scanBatches(CAPTURED_BATCH, 0, CAPTURED_BATCH.length - 1, true).problem).toBe('truncated');
  });

  it('encodes the answer kafkajs accepted (base offset 0, log append time -1), byte for byte', () => {
    const { correlationId, body } = responseBody(CAPTURED.produceResponse);
    expect(correlationId).toBe(2);
    const w = new Writer(8);
    encodeProduceResponse(w, {
      topics: [
        { topic: 'kopir.req.mju', partitions: [{ partition: 0, errorCode: 0, baseOffset: 0, logAppendTime: -1 }] },
      ],
      throttleTimeMs: 0,
    });
    expect(w.toBuffer().toString('hex')).toBe(body.toString('hex'));
  });

  it('reads a null records field as null (a client with nothing to send for a partition)', () => {
    const w = new Writer(8);
    w.string(null)
      .int16(1)
      .int32(1000)
      .array([0], (w) => w.string('t').array([0], (w) => w.int32(2).bytes(null)));
    const produce = decodeProduceRequest(new Reader(w.toBuffer()));
    expect(produce.topics[0]?.partitions[0]).toEqual({ partition: 2, records: null });
  });
});
