import { CAPTURED, CAPTURED_BATCH, responseBody, splitRequest } from '../../../protocol/captured-frames.fixture';
import { Writer } from '../../../protocol/writer';
import { ApiKey } from '../../../protocol/api-keys';
import { decodeFetchRequest } from './request';
import { encodeFetchResponse } from './response';

describe('Fetch v4 against kafkajs 2.2.4 wire bytes', () => {
  it('decodes the consumer fetch: long-poll 100 ms, min 1 byte, read-committed, from offset 0', () => {
    const req = splitRequest(CAPTURED.fetchRequest);
    expect(req).toMatchObject({ apiKey: ApiKey.Fetch, apiVersion: 4, correlationId: 0, clientId: 'kopir-capture' });
    expect(decodeFetchRequest(req.body)).toEqual({
      replicaId: -1,
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 10 * 1024 * 1024,
      isolationLevel: 1,
      topics: [
        { topic: 'kopir.req.mju', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 * 1024 }] },
      ],
    });
    expect(req.body.remaining).toBe(0);
  });

  it('encodes the answer kafkajs accepted, serving the stored batch exactly as it was produced', () => {
    const { correlationId, body } = responseBody(CAPTURED.fetchResponse);
    expect(correlationId).toBe(0);
    const w = new Writer(8);
    encodeFetchResponse(w, {
      throttleTimeMs: 0,
      topics: [
        {
          topic: 'kopir.req.mju',
          partitions: [{ partition: 0, errorCode: 0, highWatermark: 1, lastStableOffset: 1, records: CAPTURED_BATCH }],
        },
      ],
    });
    expect(w.toBuffer().toString('hex')).toBe(body.toString('hex'));
    // The batch in the answer is the producer's, byte for byte (same CRC): the broker rewrites only baseOffset.
    expect(body.subarray(body.length - CAPTURED_BATCH.length).equals(CAPTURED_BATCH)).toBe(true);
  });

  it('sends an empty partition as zero-length records, not null (librdkafka refuses MessageSetSize -1)', () => {
    const w = new Writer(8);
    encodeFetchResponse(w, {
      throttleTimeMs: 0,
      topics: [
        {
          topic: 't',
          partitions: [{ partition: 0, errorCode: 0, highWatermark: 0, lastStableOffset: 0, records: null }],
        },
      ],
    });
    const bytes = w.toBuffer();
    expect(bytes.subarray(bytes.length - 4).toString('hex')).toBe('00000000');
  });
});
