import { KopirError } from '@kopir/contracts';
import type { ServiceDefinition } from './federation-document';

/** Whom a request body says the data is about: its `subjectField` member, when the service names one and it is text. */
export function bodySubject(service: Pick<ServiceDefinition, 'subjectField'>, body: unknown): string | undefined {
  const field = service.subjectField;
  if (field === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

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
  if (service.subjectField !== undefined && bodySubject(service, body) !== subject) {
    throw new KopirError('request_invalid', `Kopir-Subject must be the request body's "${service.subjectField}"`);
  }
}
