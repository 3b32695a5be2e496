import { EnvelopeInvalidError } from './errors';

/**
 * The JSON Canonicalization Scheme (RFC 8785) serialization of `value`: object members sorted by the UTF-16 code
 * units of their names (§3.2.3), no whitespace, numbers as ECMAScript's Number.prototype.toString (§3.2.2.3),
 * strings escaped as ECMAScript's JSON.stringify (§3.2.2.2). The same value always gives the same string, so a
 * signature over it can be checked by anyone who re-serializes the parsed payload.
 *
 * Input must be I-JSON (RFC 7493): finite numbers only and no lone surrogates in strings; anything else (NaN,
 * Infinity, bigint, functions, symbols, `undefined` in an array, cycles) throws `request_invalid`. Object members
 * whose value is `undefined` are left out, as JSON.stringify does, so optional fields can be written naturally.
 * Objects with a `toJSON` method (Date) are serialized through it.
 *
 * @throws EnvelopeInvalidError (`request_invalid`) when `value` is not I-JSON.
 */
export function canonicalize(value: unknown): string {
  return serialize(value, new Set<object>());
}

// RFC 8785 §3.1 requires I-JSON (RFC 7493 §2.1): strings must not contain lone (unpaired) surrogates.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serialize(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // RFC 8785 §3.2.2.3: the ECMAScript Number-to-String algorithm, which JSON.stringify applies (and -0 → "0").
      if (!Number.isFinite(value)) throw new EnvelopeInvalidError(`JSON cannot hold the number ${String(value)}`);
      return JSON.stringify(value);
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new EnvelopeInvalidError('JSON string holds a lone surrogate');
      return JSON.stringify(value);
    case 'object':
      return serializeObject(value, seen);
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      break;
  }
  throw new EnvelopeInvalidError(`JSON cannot hold a value of type ${typeof value}`);
}

function serializeObject(value: object, seen: Set<object>): string {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return serialize((toJSON as () => unknown).call(value), seen);
  if (seen.has(value)) throw new EnvelopeInvalidError('JSON cannot hold a cyclic structure');
  seen.add(value);
  try {
    if (Array.isArray(value)) return `[${value.map((item: unknown) => serialize(item, seen)).join(',')}]`;
    // Default sort compares UTF-16 code units, exactly RFC 8785 §3.2.3's ordering.
    const names = Object.keys(value).sort();
    const members: string[] = [];
    for (const name of names) {
      const member: unknown = (value as Record<string, unknown>)[name];
      if (member === undefined) continue;
      members.push(`${serialize(name, seen)}:${serialize(member, seen)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}
