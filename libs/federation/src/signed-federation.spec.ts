import { signJson } from '@kopir/envelope';
import { generateSigningKey, keyThumbprint } from '@kopir/pki';
import { sampleFederation } from './sample-federation.fixture';
import { FederationInvalidError, FederationRefusedError, type FederationRefusal } from './errors';
import { FEDERATION_JWS_TYPE, type FederationDocument } from './federation-document';
import { signFederation, verifyFederation } from './signed-federation';

const NOW = Date.parse('2026-06-01T10:00:00Z');
const authority = generateSigningKey('ES256');
const kid = keyThumbprint(authority.publicKey);
const doc = sampleFederation(new Date(NOW));

async function refusal(promise: Promise<unknown>): Promise<FederationRefusal> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FederationRefusedError) return error.refusal;
    throw error;
  }
  throw new Error('expected the document to be refused');
}

function withVersion(version: number, change: Partial<FederationDocument> = {}): FederationDocument {
  return { ...doc, ...change, version };
}

describe('signed federation documents', () => {
  it('verifies a document signed by the authority and returns its version, digest and kid', async () => {
    const jws = await signFederation(doc, authority.privateKey, kid);
    const signed = await verifyFederation(jws, authority.publicKey, { now: NOW, federation: 'kopir-dev' });
    expect(signed.document).toEqual(doc);
    expect(signed).toMatchObject({ version: 1, kid, expiresAt: Date.parse(doc.expiresAt) });
    expect(signed.digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses an unsigned document (the YAML or JSON itself)', async () => {
    expect(await refusal(verifyFederation(JSON.stringify(doc), authority.publicKey, { now: NOW }))).toBe('unsigned');
    expect(await refusal(verifyFederation('federation: kopir-dev\n', authority.publicKey, { now: NOW }))).toBe(
      'unsigned',
    );
  });

  it('refuses a tampered payload (a rule widened after signing)', async () => {
    const jws = await signFederation(doc, authority.privateKey, kid);
    const [header, payload, signature] = jws.split('.') as [string, string, string];
    const text = Buffer.from(payload, 'base64url').toString('utf8').replace('"citizenship"', '"nationality"');
    const tampered = `${header}.${Buffer.from(text).toString('base64url')}.${signature}`;
    expect(await refusal(verifyFederation(tampered, authority.publicKey, { now: NOW }))).toBe('signature_invalid');
  });

  it('refuses alg none, a document signed by another key, and a JWS of another type', async () => {
    const jws = await signFederation(doc, authority.privateKey, kid);
    const [, payload] = jws.split('.') as [string, string];
    const none = Buffer.from(JSON.stringify({ alg: 'none', kid, typ: FEDERATION_JWS_TYPE })).toString('base64url');
    expect(await refusal(verifyFederation(`${none}.${payload}.`, authority.publicKey, { now: NOW }))).toBe(
      'signature_invalid',
    );
    const other = generateSigningKey('ES256');
    const forged = await signFederation(doc, other.privateKey, kid);
    expect(await refusal(verifyFederation(forged, authority.publicKey, { now: NOW }))).toBe('signature_invalid');
    const envelope = await signJson(doc, authority.privateKey, { kid, typ: 'kopir-request+jws' });
    expect(await refusal(verifyFederation(envelope, authority.publicKey, { now: NOW }))).toBe('signature_invalid');
  });

  it('refuses an expired document, from its expiresAt on', async () => {
    const jws = await signFederation(doc, authority.privateKey, kid);
    const expiresAt = Date.parse(doc.expiresAt);
    await expect(verifyFederation(jws, authority.publicKey, { now: expiresAt - 1 })).resolves.toBeDefined();
    expect(await refusal(verifyFederation(jws, authority.publicKey, { now: expiresAt }))).toBe('expired');
  });

  it('refuses a rollback to an older version, and a different document under the same version', async () => {
    const v2 = await verifyFederation(
      await signFederation(withVersion(2), authority.privateKey, kid),
      authority.publicKey,
      { now: NOW },
    );
    const current = { version: v2.version, digest: v2.digest };
    const v1 = await signFederation(withVersion(1), authority.privateKey, kid);
    expect(await refusal(verifyFederation(v1, authority.publicKey, { now: NOW, current }))).toBe('rollback');
    const sameVersion = await signFederation(
      withVersion(2, { expiresAt: '2026-07-01T00:00:00Z' }),
      authority.privateKey,
      kid,
    );
    expect(await refusal(verifyFederation(sameVersion, authority.publicKey, { now: NOW, current }))).toBe('rollback');
    await expect(verifyFederation(v2.jws, authority.publicKey, { now: NOW, current })).resolves.toBeDefined();
    const v3 = await signFederation(withVersion(3), authority.privateKey, kid);
    await expect(verifyFederation(v3, authority.publicKey, { now: NOW, current })).resolves.toMatchObject({
      version: 3,
    });
  });

  it('refuses a document of another federation', async () => {
    const jws = await signFederation({ ...doc, federation: 'kopir-prod' }, authority.privateKey, kid);
    expect(await refusal(verifyFederation(jws, authority.publicKey, { now: NOW, federation: 'kopir-dev' }))).toBe(
      'wrong_federation',
    );
  });

  it('refuses to sign an inconsistent document, and refuses a signed one that is malformed', async () => {
    const broken = { ...doc, rules: [{ ...doc.rules[0], service: 'mju/population/nope' }] } as FederationDocument;
    await expect(signFederation(broken, authority.privateKey, kid)).rejects.toThrow(FederationInvalidError);
    const signedAnyway = await signJson(broken, authority.privateKey, { kid, typ: FEDERATION_JWS_TYPE });
    await expect(verifyFederation(signedAnyway, authority.publicKey, { now: NOW })).rejects.toThrow(
      FederationInvalidError,
    );
  });
});
