import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { AUDIT_TOPIC } from '@kopir/contracts';

/**
 * The audit events on kopir.audit recorded for one request id, read from the beginning once `count` of them arrived
 * (each message is a gateway-signed batch `{"events":[...],"v":1}`; the payload is read, not verified: the audit
 * service's tests check signatures). Rejects after 30 s naming how many were found.
 */
export async function auditEventsOf(
  kafka: Kafka,
  requestId: string,
  count: number,
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const consumer = kafka.consumer({ groupId: `audit-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: AUDIT_TOPIC, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`found ${found.length} of ${count} events`)), 30_000);
      void consumer.run({
        eachMessage: ({ message }) => {
          const jws = message.value?.toString('utf8') ?? '';
          const payload = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
            events: Record<string, unknown>[];
          };
          found.push(...payload.events.filter((e) => e.requestId === requestId));
          if (found.length >= count) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}
