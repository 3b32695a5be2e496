import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { AuditLogError } from './audit-log-error';
import { HASH_SIZE } from './merkle';

/**
 * Checkpoints in the C2SP tlog-checkpoint format (c2sp.org/tlog-checkpoint): a signed note (c2sp.org/signed-note)
 * whose text is the log's origin, its tree size and its base64 root hash, one per line. Signing and verifying use
 * node:crypto with a KeyObject handed in; making and loading keys is libs/pki's job.
 */
export interface Checkpoint {
  /** Unique identity of the log, e.g. `kopir.intranet/audit`; also the signing key's name. */
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Buffer;
  /** Opaque extension lines (tlog-checkpoint §"Note text" 4); Köpir writes none. */
  readonly extensions: readonly string[];
}

/** One signature line: `— <name> base64(keyId || signature)` (signed-note §"Signatures"). */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Buffer;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Buffer): Buffer;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Buffer, signature: Buffer): boolean;
}

/** Signature type byte of Ed25519 in signed-note §"Signature types". */
const ED25519_TYPE = 0x01;
const MAX_SIGNATURES = 100;
// Key names: non-empty, no Unicode spaces, no '+' (signed-note §"Format").
const KEY_NAME = /^[^\s+\u2014]+$/u;

function raw(publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditLogError('checkpoint_invalid', 'checkpoint keys must be Ed25519 (signed-note type 0x01)');
  }
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url');
}

function checkName(name: string): void {
  if (!KEY_NAME.test(name)) throw new AuditLogError('checkpoint_invalid', `invalid key name ${JSON.stringify(name)}`);
}

/** key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4] (signed-note §"Ed25519 signatures"). */
export function ed25519KeyId(name: string, publicKey: KeyObject): number {
  checkName(name);
  const digest = createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ED25519_TYPE]))
    .update(raw(publicKey))
    .digest();
  return digest.readUInt32BE(0);
}

/** A note signer over an Ed25519 private KeyObject. */
export function ed25519Signer(name: string, privateKey: KeyObject): NoteSigner {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditLogError('checkpoint_invalid', 'the checkpoint signing key must be an Ed25519 private key');
  }
  const keyId = ed25519KeyId(name, createPublicKey(privateKey));
  return { name, keyId, sign: (text) => sign(null, text, privateKey) };
}

/** A note verifier over an Ed25519 public KeyObject. */
export function ed25519Verifier(name: string, publicKey: KeyObject): NoteVerifier {
  const keyId = ed25519KeyId(name, publicKey);
  return {
    name,
    keyId,
    verify: (text, signature) => signature.length === 64 && verify(null, text, publicKey, signature),
  };
}

/** The verifier key text `<name>+<hex key ID>+base64(0x01 || public key)` (signed-note §"Verifier keys"). */
export function verifierKey(name: string, publicKey: KeyObject): string {
  const id = ed25519KeyId(name, publicKey).toString(16).padStart(8, '0');
  return `${name}+${id}+${Buffer.concat([Buffer.from([ED25519_TYPE]), raw(publicKey)]).toString('base64')}`;
}

/** Parses a verifier key text; refuses other signature types and a key ID that does not match the key. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  // Split at the first two '+' only: names hold none, but the base64 key may.
  const match = /^([^+]+)\+([0-9a-f]{8})\+(\S+)$/.exec(vkey.trim());
  const [, name, id, key] = match ?? [];
  if (name === undefined || id === undefined || key === undefined) {
    throw new AuditLogError('checkpoint_invalid', 'a verifier key reads <name>+<8 hex digits>+<base64 key>');
  }
  const bytes = Buffer.from(key, 'base64');
  if (bytes.toString('base64') !== key || bytes.length !== 33 || bytes[0] !== ED25519_TYPE) {
    throw new AuditLogError('checkpoint_invalid', 'the verifier key is not a base64 Ed25519 key (type 0x01)');
  }
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: bytes.subarray(1).toString('base64url') },
    format: 'jwk',
  });
  const verifier = ed25519Verifier(name, publicKey);
  if (verifier.keyId !== Number.parseInt(id, 16)) {
    throw new AuditLogError('checkpoint_invalid', 'the verifier key ID does not match its key');
  }
  return verifier;
}

/** The note text of a checkpoint: origin, size and base64 root, each ending in a newline. */
export function checkpointText(checkpoint: Checkpoint): string {
  return [checkpoint.origin, String(checkpoint.size), checkpoint.rootHash.toString('base64'), ...checkpoint.extensions]
    .map((line) => `${line}\n`)
    .join('');
}

/** Parses a checkpoint's note text (tlog-checkpoint §"Note text"); throws `checkpoint_invalid`. */
export function parseCheckpointText(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new AuditLogError('checkpoint_invalid', 'checkpoint text must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root, ...extensions] = lines;
  if (origin === undefined || size === undefined || root === undefined || lines.some((l) => l.length === 0)) {
    throw new AuditLogError('checkpoint_invalid', 'a checkpoint has at least three non-empty lines');
  }
  // Decimal with no leading zeroes, unless the tree is empty.
  if (!/^(0|[1-9]\d{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) {
    throw new AuditLogError('checkpoint_invalid', 'checkpoint tree size is not a canonical decimal');
  }
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== HASH_SIZE || rootHash.toString('base64') !== root) {
    throw new AuditLogError('checkpoint_invalid', 'checkpoint root hash is not base64 of 32 bytes');
  }
  return { origin, size: Number(size), rootHash, extensions };
}

/** A signed note: text (with its final newline), a blank line, then signature lines. */
export function formatNote(text: string, signatures: readonly NoteSignature[]): string {
  const lines = signatures.map((s) => {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(s.keyId);
    return `\u2014 ${s.name} ${Buffer.concat([id, s.signature]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/** Signs a note text with one signer and returns the whole note. */
export function signNote(text: string, signer: NoteSigner): string {
  checkText(text);
  checkName(signer.name);
  return formatNote(text, [{ name: signer.name, keyId: signer.keyId, signature: signer.sign(Buffer.from(text)) }]);
}

/** Signs a checkpoint: the log's key name should be its origin (tlog-checkpoint §"Signatures"). */
export function signCheckpoint(checkpoint: Checkpoint, signer: NoteSigner): string {
  return signNote(checkpointText(checkpoint), signer);
}

function checkText(text: string): void {
  // signed-note §"Format": valid UTF-8 with no control characters but newline.
  if (/(?!\n)\p{Cc}/u.test(text) || /[\uD800-\uDFFF]/u.test(text)) {
    throw new AuditLogError('checkpoint_invalid', 'a note holds only printable UTF-8 and newlines');
  }
  if (!text.endsWith('\n')) throw new AuditLogError('checkpoint_invalid', 'a note text ends in a newline');
}

/** Splits a note into its text and signatures, without verifying anything. */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  checkText(note);
  // The text is separated from the signatures by the last empty line (signed-note §"Format").
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new AuditLogError('checkpoint_invalid', 'a signed note has a blank line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  const lines = block.slice(0, -1).split('\n');
  if (block.length === 0 || lines.length > MAX_SIGNATURES) {
    throw new AuditLogError('checkpoint_invalid', 'a signed note has 1 to 100 signature lines');
  }
  const signatures = lines.map((line) => {
    const match = /^\u2014 ([^ ]+) ([A-Za-z0-9+/]+=*)$/u.exec(line);
    const bytes = match ? Buffer.from(match[2] as string, 'base64') : Buffer.alloc(0);
    if (!match || bytes.length < 5 || bytes.toString('base64') !== match[2]) {
      throw new AuditLogError('checkpoint_invalid', 'malformed note signature line');
    }
    checkName(match[1] as string);
    return { name: match[1] as string, keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
  });
  return { text, signatures };
}

/**
 * Opens a signed note with trusted verifiers, by the rules of signed-note §"Signatures": signatures from unknown
 * keys (name and key ID not both known) are ignored; a known key whose signature fails rejects the whole note; at
 * least one known key must have signed. Throws AuditLogError `signature_invalid` or `checkpoint_invalid`.
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): { text: string; signers: string[] } {
  const { text, signatures } = parseNote(note);
  const signers: string[] = [];
  for (const s of signatures) {
    const known = verifiers.filter((v) => v.name === s.name && v.keyId === s.keyId);
    if (known.length === 0) continue;
    for (const verifier of known) {
      if (!verifier.verify(Buffer.from(text), s.signature)) {
        throw new AuditLogError('signature_invalid', `the signature by ${s.name} does not verify`);
      }
    }
    signers.push(s.name);
  }
  if (signers.length === 0) throw new AuditLogError('signature_invalid', 'no trusted key signed this note');
  return { text, signers };
}

/**
 * Verifies a signed checkpoint and parses it; throws `signature_invalid` or `checkpoint_invalid`. The origin must be
 * the name of a trusted key that signed it, so one log's checkpoint cannot be passed off as another's.
 */
export function openCheckpoint(note: string, verifiers: readonly NoteVerifier[]): Checkpoint {
  const { text, signers } = openNote(note, verifiers);
  const checkpoint = parseCheckpointText(text);
  if (!signers.includes(checkpoint.origin)) {
    throw new AuditLogError('signature_invalid', `no trusted key named ${checkpoint.origin} signed this checkpoint`);
  }
  return checkpoint;
}
