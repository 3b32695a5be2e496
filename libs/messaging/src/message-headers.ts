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

/** Header values as strings (kafkajs hands them over as Buffers, arrays or undefined). */
export function headerValue(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
