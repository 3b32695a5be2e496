/**
 * Rotating an encryption key through the real CLI, on files in a temporary folder: the old key kept as the
 * previous one, `pki init` / `pki issue --system` making the new one, `federation encryption-keys` publishing it
 * (and only what changed), the document still valid and signed.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FederationYaml } from '@kopir/federation';
import { devPkiPaths, keyThumbprint, loadPublicKey } from '@kopir/pki';
import { runCli } from '../../apps/cli/src/cli';

let dir: string;

async function kopir(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kopir-encryption-keys-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kopir federation encryption-keys', () => {
  it('publishes a rotated key of a system and of the gateway, keeps the rest, and raises the version once', async () => {
    const pki = join(dir, 'pki');
    const file = join(dir, 'federation.yaml');
    const paths = devPkiPaths(pki);
    expect((await kopir('pki', 'init', '--dir', pki)).code).toBe(0);
    expect((await kopir('federation', 'init', '--file', file, '--pki', pki)).code).toBe(0);
    const before = FederationYaml.parse(readFileSync(file, 'utf8')).toDocument();
    const unchanged = await kopir('federation', 'encryption-keys', '--file', file, '--pki', pki);
    expect(unchanged.stdout).toContain('nothing changed');

    // The rotation's first step: the old keys become the previous ones, the PKI makes new ones.
    const population = paths.system('mju/population');
    const gatewayPrevious = {
      key: join(pki, 'gateway', 'encryption.previous.key.pem'),
      publicKey: join(pki, 'gateway', 'encryption.previous.pub.pem'),
    };
    for (const [from, to] of [
      [population.encryption, population.previousEncryption],
      [paths.gateway.encryption, gatewayPrevious],
    ] as const) {
      renameSync(from.key, to.key);
      renameSync(from.publicKey, to.publicKey);
    }
    const issued = await kopir('pki', 'issue', '--system', 'mju/population', '--dir', pki);
    expect(issued.stdout).toContain(`encryption key ${population.encryption.key}`);
    expect((await kopir('pki', 'init', '--dir', pki)).stdout).toContain('gateway/encryption.key.pem');
    expect(existsSync(population.previousEncryption.key)).toBe(true);

    const published = await kopir('federation', 'encryption-keys', '--file', file, '--pki', pki);
    expect(published.code).toBe(0);
    const after = FederationYaml.parse(readFileSync(file, 'utf8')).toDocument();
    expect(after.version).toBe(before.version + 1);
    const system = (id: string, doc: typeof after) => doc.agencies.flatMap((a) => a.systems).find((s) => s.id === id);
    const newKid = keyThumbprint(loadPublicKey(population.encryption.publicKey));
    expect(system('mju/population', after)?.encryptionKey?.kid).toBe(newKid);
    expect(system('mju/population', before)?.encryptionKey?.kid).not.toBe(newKid);
    expect(after.gateways?.[0]?.encryptionKey?.kid).toBe(
      keyThumbprint(loadPublicKey(paths.gateway.encryption.publicKey)),
    );
    // Nothing else moved: the other systems' keys are the ones published before.
    expect(system('src/tax', after)?.encryptionKey).toEqual(system('src/tax', before)?.encryptionKey);
    expect(published.stdout.split('\n').filter((l) => l.includes('encryption key'))).toHaveLength(2);

    const sign = await kopir('federation', 'sign', '--file', file, '--out', join(dir, 'federation.jws'), '--pki', pki);
    expect(sign.code).toBe(0);
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
