/**
 * Rotating a system's encryption key through the real CLI, on files in a temporary folder: the old key kept as the
 * previous one, `pki issue --system` making the new one, `federation encryption-keys` publishing it (and only what
 * changed), the document still valid and signed. Gateways have no encryption key (answers come back under a key
 * derived from each request's key agreement): `pki init` makes none, and `encryption-keys` removes one an older
 * document still lists.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FederationYaml } from '@kopir/federation';
import { devPkiPaths, generateKeyPair, keyThumbprint, loadPublicKey, publicKeyToJwk } from '@kopir/pki';
import { kopir } from '../cli/kopir';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kopir-encryption-keys-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kopir federation encryption-keys', () => {
  it('publishes a rotated key of a system, keeps the rest, and raises the version once', async () => {
    const pki = join(dir, 'pki');
    const file = join(dir, 'federation.yaml');
    const paths = devPkiPaths(pki);
    expect((await kopir('pki', 'init', '--dir', pki)).code).toBe(0);
    expect((await kopir('federation', 'init', '--file', file, '--pki', pki)).code).toBe(0);
    const before = FederationYaml.parse(readFileSync(file, 'utf8')).toDocument();
    const unchanged = await kopir('federation', 'encryption-keys', '--file', file, '--pki', pki);
    expect(unchanged.stdout).toContain('nothing changed');

    expect(before.gateways?.[0]).not.toHaveProperty('encryptionKey');
    expect(existsSync(join(pki, 'gateway', 'encryption.key.pem'))).toBe(false);

    // The rotation's first step: the old key becomes the previous one, the PKI makes a new one.
    const population = paths.system('mju/population');
    renameSync(population.encryption.key, population.previousEncryption.key);
    renameSync(population.encryption.publicKey, population.previousEncryption.publicKey);
    const issued = await kopir('pki', 'issue', '--system', 'mju/population', '--dir', pki);
    expect(issued.stdout).toContain(`encryption key ${population.encryption.key}`);
    expect(existsSync(population.previousEncryption.key)).toBe(true);

    const published = await kopir('federation', 'encryption-keys', '--file', file, '--pki', pki);
    expect(published.code).toBe(0);
    const after = FederationYaml.parse(readFileSync(file, 'utf8')).toDocument();
    expect(after.version).toBe(before.version + 1);
    const system = (id: string, doc: typeof after) => doc.agencies.flatMap((a) => a.systems).find((s) => s.id === id);
    const newKid = keyThumbprint(loadPublicKey(population.encryption.publicKey));
    expect(system('mju/population', after)?.encryptionKey?.kid).toBe(newKid);
    expect(system('mju/population', before)?.encryptionKey?.kid).not.toBe(newKid);
    // Nothing else moved: the other systems' keys are the ones published before.
    expect(system('src/tax', after)?.encryptionKey).toEqual(system('src/tax', before)?.encryptionKey);
    expect(published.stdout.split('\n').filter((l) => l.includes('encryption key'))).toHaveLength(1);

    const sign = await kopir('federation', 'sign', '--file', file, '--out', join(dir, 'federation.jws'), '--pki', pki);
    expect(sign.code).toBe(0);
    expect((await kopir('federation', 'encryption-keys', '--file', file, '--pki', pki)).stdout).toContain(
      'nothing changed',
    );
  });

  it('removes the encryption key an older document lists for a gateway (obsolete), raising the version once', async () => {
    const pki = join(dir, 'pki-older');
    const file = join(dir, 'older.yaml');
    expect((await kopir('pki', 'init', '--dir', pki)).code).toBe(0);
    expect((await kopir('federation', 'init', '--file', file, '--pki', pki)).code).toBe(0);
    // A document written when gateways published an encryption key: still valid, the key ignored.
    const older = FederationYaml.parse(readFileSync(file, 'utf8'));
    older.setIn(['gateways', 0, 'encryptionKey'], publicKeyToJwk(generateKeyPair('P-256').publicKey));
    writeFileSync(file, older.toString());
    const before = FederationYaml.parse(readFileSync(file, 'utf8')).toDocument();
    expect(before.gateways?.[0]).toHaveProperty('encryptionKey');

    const cleaned = await kopir('federation', 'encryption-keys', '--file', file, '--pki', pki);
    expect(cleaned.code).toBe(0);
    expect(cleaned.stdout).toContain('gateway gateway: obsolete encryption key removed');
    const after = FederationYaml.parse(readFileSync(file, 'utf8')).toDocument();
    expect(after.version).toBe(before.version + 1);
    expect(after.gateways?.[0]).not.toHaveProperty('encryptionKey');
    expect(after.gateways?.[0]?.signingKeys).toEqual(before.gateways?.[0]?.signingKeys);
    expect((await kopir('federation', 'encryption-keys', '--file', file, '--pki', pki)).stdout).toContain(
      'nothing changed',
    );
  });

  it('refuses to write the development federation without a PKI (its registries require encryption keys)', async () => {
    const io = await kopir('federation', 'init', '--file', join(dir, 'none.yaml'), '--pki', join(dir, 'no-pki'));
    expect(io.code).toBe(2);
    expect(io.stderr).toContain('kopir pki init');
  });
});
