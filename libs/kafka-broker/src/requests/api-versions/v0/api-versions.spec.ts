import { CAPTURED, responseBody, splitRequest } from '../../../protocol/captured-frames.fixture';
import { Reader } from '../../../protocol/reader';
import { Writer } from '../../../protocol/writer';
import { ApiKey, SUPPORTED_VERSIONS } from '../../../protocol/api-keys';
import { decodeApiVersionsRequest } from './request';
import { encodeApiVersionsResponse } from './response';

describe('ApiVersions against kafkajs 2.2.4 wire bytes', () => {
  it('reads the request kafkajs opens every connection with (v2, empty body)', () => {
    const frame = CAPTURED.apiVersionsRequest;
    const req = splitRequest(frame);
    expect(req).toMatchObject({ size: frame.length - 4, apiKey: ApiKey.ApiVersions, apiVersion: 2, correlationId: 0 });
    expect(req.clientId).toBe('kopir-capture');
    expect(decodeApiVersionsRequest()).toEqual({});
    expect(req.body.remaining).toBe(0);
  });

  it('encodes the v2 answer kafkajs accepted, byte for byte, from the advertised version table', () => {
    const { size, correlationId, body } = responseBody(CAPTURED.apiVersionsResponse);
    expect([size, correlationId]).toEqual([CAPTURED.apiVersionsResponse.length - 4, 0]);
    const w = new Writer(8);
    const apiKeys = [...SUPPORTED_VERSIONS].map(([apiKey, v]) => ({ apiKey, minVersion: v.min, maxVersion: v.max }));
    encodeApiVersionsResponse(w, 2, { errorCode: 0, apiKeys, throttleTimeMs: 0 });
    expect(w.toBuffer().toString('hex')).toBe(body.toString('hex'));
  });

  it('answers a version above the range with error 35 in the v0 layout (no throttle_time_ms; KIP-511)', () => {
    const w = new Writer(8);
    encodeApiVersionsResponse(w, 0, {
      errorCode: 35,
      apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 }],
      throttleTimeMs: 0,
    });
    expect(w.toBuffer().toString('hex')).toBe(['0023', '00000001', '001200000002'].join(''));
    const r = new Reader(w.toBuffer());
    expect([r.int16(), r.int32(), r.int16(), r.int16(), r.int16(), r.remaining]).toEqual([35, 1, 18, 0, 2, 0]);
  });
});
