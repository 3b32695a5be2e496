import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  checkpointText,
  ed25519Signer,
  ed25519Verifier,
  openCheckpoint,
  openNote,
  parseCheckpointText,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKey,
} from './checkpoint';

/** An Ed25519 private key from its RFC 8032 seed (PKCS #8 prefix of RFC 8410 §7). Test vectors only. */
function keyFromSeed(seed: Buffer): KeyObject {
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: 'der', type: 'pkcs8' });
}

// golang.org/x/mod/sumdb/note note_test.go: TestSign, TestOpen and TestNewVerifier.
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
// c2sp.org/signed-note §"Verifier keys" example.
const C2SP_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const C2SP_NOTE =
  'This is an example message.\n\n\u2014 example.com/foo ' +
  'Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

const peterKey = keyFromSeed(Buffer.from(PETER_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1));

describe('signed notes (c2sp.org/signed-note)', () => {
  it('signs the Go sumdb vector byte for byte, with its key ID', () => {
    const signer = ed25519Signer('PeterNeumann', peterKey);
    expect(signer.keyId.toString(16)).toBe('c74f20a3');
    expect(signNote(TEXT, signer)).toBe(`${TEXT}\n${PETER_SIG}`);
    expect(verifierKey('PeterNeumann', createPublicKey(peterKey))).toBe(PETER_VKEY);
  });

  it('opens the published notes with their verifier keys', () => {
    expect(openNote(C2SP_NOTE, [parseVerifierKey(C2SP_VKEY)]).text).toBe('This is an example message.\n');
    const peter = parseVerifierKey(PETER_VKEY);
    expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]).signers).toEqual(['PeterNeumann']);
    expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, parseVerifierKey(ENOCH_VKEY)]).signers).toEqual([
      'PeterNeumann',
      'EnochRoot',
    ]);
  });

  it('rejects a note no trusted key signed, and one whose known signature fails', () => {
    expect(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [parseVerifierKey(PETER_VKEY)])).toThrow(
      expect.objectContaining({ code: 'signature_invalid' }),
    );
    const altered = `${TEXT.replace('answer', 'answers')}\n${PETER_SIG}`;
    expect(() => openNote(altered, [parseVerifierKey(PETER_VKEY)])).toThrow(
      expect.objectContaining({ code: 'signature_invalid' }),
    );
  });

  it('round-trips verifier keys whose base64 holds a plus sign', () => {
    for (let i = 0; i < 40; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const vkey = verifierKey('kopir.test/audit', publicKey);
      const note = signNote('hello\n', ed25519Signer('kopir.test/audit', privateKey));
      expect(openNote(note, [parseVerifierKey(vkey)]).text).toBe('hello\n');
    }
  });

  it('refuses mangled verifier keys (every one-character change of the vector)', () => {
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const bad = PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      let verifier;
      try {
        verifier = parseVerifierKey(bad);
      } catch (error) {
        expect(error).toEqual(expect.objectContaining({ code: 'checkpoint_invalid' }));
        continue;
      }
      // A change that still parses (the key name) names a different key, which must not open Peter's note.
      expect(() => openNote(`${TEXT}\n${PETER_SIG}`, [verifier])).toThrow();
    }
  });
});

describe('checkpoints (c2sp.org/tlog-checkpoint)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const origin = 'kopir.test/audit';
  const checkpoint = { origin, size: 20852163, rootHash: Buffer.alloc(32, 7), extensions: [] };

  it('formats origin, size and base64 root on three lines, and parses the published example text', () => {
    expect(checkpointText(checkpoint)).toBe(`${origin}\n20852163\n${Buffer.alloc(32, 7).toString('base64')}\n`);
    const example = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    expect(parseCheckpointText(example)).toEqual({
      origin: 'example.com/behind-the-sofa',
      size: 20852163,
      rootHash: Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64'),
      extensions: [],
    });
  });

  it('round-trips a signed checkpoint', () => {
    const note = signCheckpoint(checkpoint, ed25519Signer(origin, privateKey));
    expect(openCheckpoint(note, [ed25519Verifier(origin, publicKey)])).toEqual(checkpoint);
  });

  it.each([
    ['a leading zero in the size', 'o\n012\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'],
    ['a short root', 'o\n12\nAAAA\n'],
    ['a missing line', 'o\n12\n'],
    ['an empty extension line', `o\n1\n${Buffer.alloc(32).toString('base64')}\n\n`],
  ])('refuses a checkpoint text with %s', (_what, text) => {
    expect(() => parseCheckpointText(text)).toThrow(expect.objectContaining({ code: 'checkpoint_invalid' }));
  });

  it('refuses a forged checkpoint: another key, an edited size, and an origin its signer does not own', () => {
    const note = signCheckpoint(checkpoint, ed25519Signer(origin, privateKey));
    const verifiers = [ed25519Verifier(origin, publicKey)];
    const other = generateKeyPairSync('ed25519');
    const forged = signCheckpoint(checkpoint, ed25519Signer(origin, other.privateKey));
    expect(() => openCheckpoint(forged, verifiers)).toThrow(expect.objectContaining({ code: 'signature_invalid' }));
    expect(() => openCheckpoint(note.replace('20852163', '20852164'), verifiers)).toThrow(
      expect.objectContaining({ code: 'signature_invalid' }),
    );
    const elsewhere = signCheckpoint({ ...checkpoint, origin: 'other.log' }, ed25519Signer(origin, privateKey));
    expect(() => openCheckpoint(elsewhere, verifiers)).toThrow(expect.objectContaining({ code: 'signature_invalid' }));
  });

  it('refuses a non-Ed25519 signing key', () => {
    const { privateKey: ec } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => ed25519Signer(origin, ec)).toThrow(expect.objectContaining({ code: 'checkpoint_invalid' }));
  });
});
