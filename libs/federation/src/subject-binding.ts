import { KopirError } from '@kopir/contracts';
import type { ServiceDefinition } from './federation-document';

/**
 * Refuses (`request_invalid`) a request whose declared subject (Kopir-Subject, the envelope's `subject`) is not the
 * person its body asks about, for a service that names that member (`subjectField`). Without it a caller could ask
 * about one person while the audit log, and so that person's "who looked at my data?", recorded another. The gateway
 * checks before the envelope leaves and the adapter SDK again before the handler runs. The message names the member,
 * never a value.
 */
export function assertSubjectBound(
  service: Pick<ServiceDefinition, 'subjectField'>,
  subject: string,
  body: unknown,
): void {
  const field = service.subjectField;
  if (field === undefined) return;
  const value =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)[field]
      : undefined;
  if (value !== subject) {
    throw new KopirError('request_invalid', `Kopir-Subject must be the request body's "${field}"`);
  }
}
