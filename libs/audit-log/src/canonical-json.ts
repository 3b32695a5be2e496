import { canonicalize } from '@kopir/envelope';
import { AuditLogError } from './audit-log-error';

/**
 * An audit event's canonical JSON (RFC 8785): the bytes of its Merkle leaf. It is the same canonical form the
 * envelopes are signed over (@kopir/envelope's `canonicalize`), so one implementation decides both; a value that has
 * no canonical form (a lone surrogate, NaN, a cycle) is an invalid event here.
 */
export function canonicalJson(value: unknown): string {
  try {
    return canonicalize(value);
  } catch (error) {
    throw new AuditLogError('event_invalid', (error as Error).message);
  }
}

/**
 * True when a string has no lone UTF-16 surrogate (RFC 8785 §3.2.2.2 gives those no canonical form). Event fields
 * are checked with it when parsed, so the leaf encoder's fast path never meets one.
 */
export function isWellFormed(value: string): boolean {
  return value.isWellFormed();
}
