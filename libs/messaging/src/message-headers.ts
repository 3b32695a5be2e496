import type { IHeaders } from 'kafkajs';

/**
 * Kafka record headers of Köpir's request/reply exchange. The correlation id is per attempt and unrelated to the
 * caller's request id, so a reply can only ever wake the exact waiter that sent the request.
 */
export const MESSAGE_HEADERS = {
  replyTo: 'kopir-reply-to',
  correlationId: 'kopir-correlation-id',
  requestId: 'kopir-request-id',
} as const;

/**
 * Header values as strings (kafkajs hands them over as Buffers, arrays or undefined, and as null for a header
 * recorded with a null value, which the Kafka record format allows: anyone who may produce to the topic can send one).
 * A null value reads as absent; it must not throw, or one such record would stop its partition for every consumer.
 */
export function headerValue(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name] as IHeaders[string] | null | undefined;
  if (value === undefined || value === null) return undefined;
  const first = (Array.isArray(value) ? value[0] : value) as Buffer | string | null | undefined;
  return first === undefined || first === null ? undefined : first.toString();
}
