import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { KeyMaterialInvalidError } from '../errors';

/** A public JWK (RFC 7517) as Köpir publishes it: the key's public members plus `kid`, its RFC 7638 thumbprint. */
export interface PublicJwk {
  readonly kty: 'EC' | 'OKP' | 'RSA';
  readonly kid: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly n?: string;
  readonly e?: string;
}

// RFC 7638 §3.2: the required members of each key type, the only ones the thumbprint covers.
const REQUIRED: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

// RFC 7518 §6.2.2, §6.3.2 and RFC 8037 §2: members that carry private key material.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function exportPublic(key: KeyObject): JsonWebKey {
  if (key.type === 'secret') throw new KeyMaterialInvalidError('A secret key has no public JWK');
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  try {
    return publicKey.export({ format: 'jwk' });
  } catch (cause) {
    throw new KeyMaterialInvalidError(`A ${String(key.asymmetricKeyType)} key has no JWK form`, { cause });
  }
}

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url) of a key's public half: a stable, algorithm-independent key id
 * that anyone holding the public key can recompute. Köpir uses it as `kid`.
 */
export function keyThumbprint(key: KeyObject): string {
  const jwk = exportPublic(key);
  const members = REQUIRED[jwk.kty ?? ''];
  if (members === undefined) throw new KeyMaterialInvalidError(`Unsupported JWK key type ${String(jwk.kty)}`);
  // RFC 7638 §3.3: the required members, in lexicographic order, no whitespace; all values are plain strings here.
  const json = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`;
  return createHash('sha256').update(json).digest('base64url');
}

/** The public JWK of a key (a private key gives its public half), with `kid` set to {@link keyThumbprint}. */
export function publicKeyToJwk(key: KeyObject): PublicJwk {
  const jwk = exportPublic(key);
  const members = REQUIRED[jwk.kty ?? ''];
  if (members === undefined) throw new KeyMaterialInvalidError(`Unsupported JWK key type ${String(jwk.kty)}`);
  const out: Record<string, unknown> = {};
  for (const m of members) out[m] = jwk[m];
  out.kid = keyThumbprint(key);
  return out as unknown as PublicJwk;
}

/**
 * The public KeyObject of a JWK. Refuses a JWK that carries private members (a published key set must never hold
 * one) and symmetric (`oct`) keys.
 *
 * @throws KeyMaterialInvalidError (`request_invalid`).
 */
export function jwkToPublicKey(jwk: unknown): KeyObject {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new KeyMaterialInvalidError('A JWK must be a JSON object');
  }
  const record = jwk as Record<string, unknown>;
  if (typeof record.kty !== 'string' || REQUIRED[record.kty] === undefined) {
    throw new KeyMaterialInvalidError(`Unsupported JWK key type ${JSON.stringify(record.kty)}`);
  }
  const leaked = PRIVATE_MEMBERS.filter((m) => m in record);
  if (leaked.length > 0) throw new KeyMaterialInvalidError(`A public JWK must not hold ${leaked.join(', ')}`);
  try {
    return createPublicKey({ key: record as JsonWebKey, format: 'jwk' });
  } catch (cause) {
    throw new KeyMaterialInvalidError('Malformed JWK', { cause });
  }
}

/**
 * A lookup of `keys` by `kid` (their RFC 7638 thumbprints): how a recipient holding its current and, during a
 * rotation, its previous encryption key picks the one a JWE names. A JWE without a kid gets the only key, if there
 * is only one.
 */
export function keysByKid(keys: readonly KeyObject[]): (kid: string | undefined) => KeyObject | undefined {
  const byKid = new Map(keys.map((key) => [keyThumbprint(key), key]));
  return (kid) => (kid === undefined ? (keys.length === 1 ? keys[0] : undefined) : byKid.get(kid));
}
