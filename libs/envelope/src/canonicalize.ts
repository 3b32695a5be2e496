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
  return serialize(value, []);
}

// `ancestors` holds the objects being serialized on the current path, to refuse cycles. A path is short (a few
// levels), so an array beats a Set here; the same object twice side by side is not a cycle and is accepted.
function serialize(value: unknown, ancestors: object[]): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // RFC 8785 §3.2.2.3: the ECMAScript Number-to-String algorithm (Number::toString, which String() and
      // JSON.stringify both apply to a finite number; -0 gives "0").
      if (!Number.isFinite(value)) throw new EnvelopeInvalidError(`JSON cannot hold the number ${String(value)}`);
      return String(value);
    case 'string':
      return serializeString(value);
    case 'object':
      return serializeObject(value, ancestors);
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      break;
  }
  throw new EnvelopeInvalidError(`JSON cannot hold a value of type ${typeof value}`);
}

// The code units JSON.stringify does not copy as they are (ECMA-262 QuoteJSONString: '"', '\\' and U+0000-U+001F are
// escaped, a lone surrogate is escaped) plus every surrogate, paired or not. A string without any of them is well
// formed and serializes as itself between quotes: most names and values, which then skip two native calls.
// eslint-disable-next-line no-control-regex -- the control characters are exactly what this looks for
const ESCAPED_OR_SURROGATE = /["\\\u0000-\u001f\ud800-\udfff]/;

function serializeString(value: string): string {
  if (!ESCAPED_OR_SURROGATE.test(value)) return `"${value}"`;
  // RFC 8785 §3.1 requires I-JSON (RFC 7493 §2.1): no lone (unpaired) surrogates. isWellFormed is exactly that test.
  if (!value.isWellFormed()) throw new EnvelopeInvalidError('JSON string holds a lone surrogate');
  return JSON.stringify(value);
}

function serializeObject(value: object, ancestors: object[]): string {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return serialize((toJSON as () => unknown).call(value), ancestors);
  if (ancestors.includes(value)) throw new EnvelopeInvalidError('JSON cannot hold a cyclic structure');
  ancestors.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += serialize(value[i], ancestors);
    }
    out += ']';
  } else {
    // Default sort compares UTF-16 code units, exactly RFC 8785 §3.2.3's ordering.
    const names = Object.keys(value).sort();
    out = '{';
    let first = true;
    for (const name of names) {
      const member: unknown = (value as Record<string, unknown>)[name];
      if (member === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += `${serializeString(name)}:${serialize(member, ancestors)}`;
    }
    out += '}';
  }
  ancestors.pop();
  return out;
}
