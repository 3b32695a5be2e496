/**
 * Wire bytes captured from kafkajs 2.2.4 talking to this broker through a raw TCP proxy (a throwaway script; the
 * bytes are pinned here so the codecs are checked against what a real client sends and accepts). One producer sent
 * one message (key `rid-1`, value `{"iin":"900101300123"}`, header `kopir-reply: gw-1`, timestamp
 * 2026-01-01T00:00:00Z, acks -1) to `kopir.req.mju`, then a consumer read it back. Each constant is a whole frame:
 * size, header, body. Layout comments follow the Kafka protocol guide.
 */
import { Reader } from './reader';

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join(''), 'hex');

/** The record batch v2 kafkajs produced (and the broker served back unchanged, baseOffset 0). */
export const CAPTURED_BATCH = hex(
  '0000000000000000', // baseOffset 0
  '00000064', // batchLength 100
  '00000000', // partitionLeaderEpoch 0
  '02', // magic 2
  'ae9ee674', // crc (CRC-32C of attributes..end)
  '0000', // attributes: no compression, CreateTime, not transactional
  '00000000', // lastOffsetDelta 0
  '0000019b76daa800', // firstTimestamp 1767225600000
  '0000019b76daa800', // maxTimestamp
  'ffffffffffffffff', // producerId -1 (not idempotent)
  '0000', // producerEpoch 0
  '00000000', // baseSequence 0
  '00000001', // records count 1
  // Record: varints are zigzag (length 50, attributes 0, timestampDelta 0, offsetDelta 0, key 5 bytes, value 22).
  '64000000',
  '0a',
  Buffer.from('rid-1').toString('hex'),
  '2c',
  Buffer.from('{"iin":"900101300123"}').toString('hex'),
  '02', // 1 header
  '16',
  Buffer.from('kopir-reply').toString('hex'),
  '08',
  Buffer.from('gw-1').toString('hex'),
);

export const CAPTURED = {
  apiVersionsRequest: hex('00000017', '0012', '0002', '00000000', '000d', Buffer.from('kopir-capture').toString('hex')),
  apiVersionsResponse: hex(
    '00000074',
    '00000000', // correlation id 0
    '0000', // error_code 0
    '00000011', // 17 api_keys: api_key min max
    '000000030003',
    '000100040004',
    '000200010001',
    '000300040004',
    '000800020002',
    '000900010003',
    '000a00000001',
    '000b00000002',
    '000c00000001',
    '000d00000001',
    '000e00000001',
    '000f00010001',
    '001000010001',
    '001200000002',
    '001300020002',
    '001400010001',
    '001600000000',
    '00000000', // throttle_time_ms
  ),
  metadataRequest: hex(
    '0000002b',
    '0003',
    '0004',
    '00000001',
    '000d6b6f7069722d63617074757265',
    '00000001', // 1 topic
    '000d6b6f7069722e7265712e6d6a75', // kopir.req.mju
    '01', // allow_auto_topic_creation
  ),
  metadataResponse: hex(
    '00000069',
    '00000001', // correlation id 1
    '00000000', // throttle_time_ms
    '00000001', // 1 broker
    '00000000', // node_id 0
    '0009', // host "127.0.0.2" (the proxy's address, advertised)
    Buffer.from('127.0.0.2').toString('hex'),
    '00008585', // port 34181
    'ffff', // rack null
    '000e6b6f7069722d656d626564646564', // cluster_id "kopir-embedded"
    '00000000', // controller_id 0
    '00000001', // 1 topic
    '0000', // error_code
    '000d6b6f7069722e7265712e6d6a75',
    '00', // is_internal false
    '00000001', // 1 partition
    '0000', // error_code
    '00000000', // partition 0
    '00000000', // leader 0
    '0000000100000000', // replicas [0]
    '0000000100000000', // isr [0]
  ),
  produceRequest: Buffer.concat([
    hex(
      '000000ae',
      '0000',
      '0003',
      '00000002',
      '000d6b6f7069722d63617074757265',
      'ffff', // transactional_id null
      'ffff', // acks -1
      '00007530', // timeout_ms 30000
      '00000001',
      '000d6b6f7069722e7265712e6d6a75',
      '00000001',
      '00000000', // partition 0
      '00000070', // records: 112 bytes
    ),
    CAPTURED_BATCH,
  ]),
  produceResponse: hex(
    '00000035',
    '00000002', // correlation id 2
    '00000001',
    '000d6b6f7069722e7265712e6d6a75',
    '00000001',
    '00000000', // partition 0
    '0000', // error_code
    '0000000000000000', // base_offset 0
    'ffffffffffffffff', // log_append_time -1 (CreateTime topic)
    '00000000', // throttle_time_ms
  ),
  fetchRequest: hex(
    '0000004f',
    '0001',
    '0004',
    '00000000',
    '000d6b6f7069722d63617074757265',
    'ffffffff', // replica_id -1
    '00000064', // max_wait_ms 100
    '00000001', // min_bytes 1
    '00a00000', // max_bytes 10 MiB
    '01', // isolation_level READ_COMMITTED
    '00000001',
    '000d6b6f7069722e7265712e6d6a75',
    '00000001',
    '00000000', // partition 0
    '0000000000000000', // fetch_offset 0
    '00100000', // partition_max_bytes 1 MiB
  ),
  fetchResponse: Buffer.concat([
    hex(
      '000000ad',
      '00000000', // correlation id 0
      '00000000', // throttle_time_ms
      '00000001',
      '000d6b6f7069722e7265712e6d6a75',
      '00000001',
      '00000000', // partition 0
      '0000', // error_code
      '0000000000000001', // high_watermark 1
      '0000000000000001', // last_stable_offset 1
      '00000000', // aborted_transactions: empty
      '00000070', // records: 112 bytes
    ),
    CAPTURED_BATCH,
  ]),
} as const;

/** A request frame split into its header v1 fields and a Reader positioned at the body. */
export function splitRequest(frame: Buffer): {
  size: number;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  body: Reader;
} {
  const r = new Reader(frame);
  const size = r.int32();
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  return { size, apiKey, apiVersion, correlationId, clientId, body: r };
}

/** A response frame's body: what follows size and correlation id (response header v0). */
export function responseBody(frame: Buffer): { size: number; correlationId: number; body: Buffer } {
  return { size: frame.readInt32BE(0), correlationId: frame.readInt32BE(4), body: frame.subarray(8) };
}
