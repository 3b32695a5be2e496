import { CAPTURED, responseBody, splitRequest } from '../../../protocol/captured-frames.fixture';
import { Reader } from '../../../protocol/reader';
import { Writer } from '../../../protocol/writer';
import { ApiKey } from '../../../protocol/api-keys';
import { decodeMetadataRequest } from './request';
import { encodeMetadataResponse, type MetadataResponse } from './response';

const answer: MetadataResponse = {
  throttleTimeMs: 0,
  brokers: [{ nodeId: 0, host: '127.0.0.2', port: 34181, rack: null }],
  clusterId: 'kopir-embedded',
  controllerId: 0,
  topics: [
    {
      errorCode: 0,
      name: 'kopir.req.mju',
      isInternal: false,
      partitions: [{ errorCode: 0, partition: 0, leader: 0, replicas: [0], isr: [0] }],
    },
  ],
};

describe('Metadata v4 against kafkajs 2.2.4 wire bytes', () => {
  it('decodes the request kafkajs sends before producing (one topic, auto-create allowed)', () => {
    const req = splitRequest(CAPTURED.metadataRequest);
    expect(req).toMatchObject({ apiKey: ApiKey.Metadata, apiVersion: 4, correlationId: 1, clientId: 'kopir-capture' });
    expect(decodeMetadataRequest(req.body)).toEqual({ topics: ['kopir.req.mju'], allowAutoTopicCreation: true });
    expect(req.body.remaining).toBe(0);
  });

  it('tells a null topic list (every topic) from an empty one (none)', () => {
    expect(decodeMetadataRequest(new Reader(Buffer.from('ffffffff00', 'hex')))).toEqual({
      topics: null,
      allowAutoTopicCreation: false,
    });
    expect(decodeMetadataRequest(new Reader(Buffer.from('0000000001', 'hex'))).topics).toEqual([]);
  });

  it('encodes the answer kafkajs accepted, byte for byte', () => {
    const { correlationId, body } = responseBody(CAPTURED.metadataResponse);
    expect(correlationId).toBe(1);
    const w = new Writer(8);
    encodeMetadataResponse(w, answer);
    expect(w.toBuffer().toString('hex')).toBe(body.toString('hex'));
  });

  it('refuses a truncated request instead of reading past the frame', () => {
    const req = splitRequest(CAPTURED.metadataRequest);
    const body = CAPTURED.metadataRequest.subarray(req.body.offset, CAPTURED.metadataRequest.length - 3);
    expect(() => decodeMetadataRequest(new Reader(body))).toThrow(expect.objectContaining({ code: 'malformed_frame' }));
  });
});
