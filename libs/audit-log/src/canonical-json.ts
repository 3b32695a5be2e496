import { AuditLogError } from './audit-log-error';

/**
 * The JSON Canonicalization Scheme of RFC 8785 for the values audit events contain: object members sorted by their
 * names' UTF-16 code units (§3.2.3), no whitespace, strings and numbers serialised as ECMAScript's JSON.stringify
 * does (§3.2.2.2, §3.2.2.3). The same event therefore always gives the same bytes, and so the same Merkle leaf,
 * whichever program wrote it.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      // RFC 8785 §3.2.2.2: strings must be valid Unicode; a lone surrogate has no canonical form.
      if (!isWellFormed(value)) throw new AuditLogError('event_invalid', 'string holds a lone UTF-16 surrogate');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new AuditLogError('event_invalid', 'NaN and Infinity have no JSON form');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
      const record = value as Record<string, unknown>;
      const members = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        // Array.prototype.sort compares UTF-16 code units, exactly the order §3.2.3 asks for.
        .sort()
        .map((key) => `${canonicalJson(key)}:${canonicalJson(record[key])}`);
      return `{${members.join(',')}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      throw new AuditLogError('event_invalid', `a ${typeof value} has no JSON form`);
  }
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** String.prototype.isWellFormed (ES2024, native in Node 20) where present: the hot path of every leaf. */
export const isWellFormed: (value: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (value) => (value as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (value) => !LONE_SURROGATE.test(value);
