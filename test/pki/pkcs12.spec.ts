/**
 * `kopir pki export-p12`: a system's TLS key and chain as a PKCS#12 keystore, read back by the independent
 * `openssl pkcs12` and by Node's TLS, which completes a mutual TLS handshake with it.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { devPkiPaths, splitCrls } from '@kopir/pki';
import { runCli } from '../../apps/cli/src/cli';
import { captureOutput } from '../../apps/cli/src/output';

const capture = captureOutput;

function openssl(args: string[]): { status: number | null; output: string; stdout: string } {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

/** The gateway's side of mutual TLS: chain, CRLs, client certificate required. Resolves with the peer's SAN. */
async function mutualTls(
  paths: ReturnType<typeof devPkiPaths>,
  client: { pfx: Buffer; passphrase: string },
): Promise<{ ok: boolean; san?: string; error?: string }> {
  const server = createServer({
    cert: readFileSync(paths.gateway.cert),
    key: readFileSync(paths.gateway.key),
    ca: readFileSync(paths.chain),
    crl: splitCrls(readFileSync(paths.crl, 'utf8')),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  });
  const sans: string[] = [];
  server.on('secureConnection', (socket: TLSSocket) => {
    sans.push(socket.getPeerCertificate().subjectaltname ?? '');
    socket.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(paths.chain), ...client });
      socket.once('data', () => {
        socket.destroy();
        resolve({ ok: true, san: sans[0] });
      });
      socket.once('error', (error: NodeJS.ErrnoException) =>
        resolve({ ok: false, error: error.code ?? error.message }),
      );
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('kopir pki export-p12', () => {
  let base: string;
  let dir: string;
  let paths: ReturnType<typeof devPkiPaths>;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'kopir-p12-'));
    dir = join(base, 'dev');
    paths = devPkiPaths(dir);
    expect(await runCli(['pki', 'init', '--dir', dir], capture())).toBe(0);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('writes a keystore openssl reads with the password (key, leaf and chain) and refuses without it', async () => {
    const out = join(base, 'front-office.p12');
    const io = capture();
    const args = ['pki', 'export-p12', '--system', 'psc/front-office', '--password', 's3cret', '--out', out];
    expect(await runCli([...args, '--dir', dir], io)).toBe(0);
    expect(io.out).toBe(`wrote ${out}\n`);
    expect(statSync(out).mode & 0o077).toBe(0);

    const info = openssl(['pkcs12', '-info', '-nokeys', '-in', out, '-passin', 'pass:s3cret']);
    expect(info.status).toBe(0);
    expect(info.output).toContain('MAC: sha256');
    expect(info.output).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC');
    expect(info.output).toContain('friendlyName: psc/front-office');
    expect(info.stdout.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(3);
    const subjects = info.stdout.match(/^subject=.*$/gm) ?? [];
    expect(subjects).toHaveLength(3);
    expect(subjects[1]).toBe('subject=CN = Kopir Dev Issuing CA, O = Kopir Intranet');
    expect(subjects[2]).toBe('subject=CN = Kopir Dev Root CA, O = Kopir Intranet');
    // Of the certificates only the leaf carries the localKeyID that pairs it with the key.
    expect(info.output.match(/localKeyID:/g)).toHaveLength(1);

    // The key openssl decrypts is the system's TLS key, and the first certificate is its leaf.
    const full = openssl(['pkcs12', '-in', out, '-passin', 'pass:s3cret', '-nodes']);
    expect(full.status).toBe(0);
    const keyIds = full.output.match(/localKeyID: .*/g) ?? [];
    expect(keyIds).toHaveLength(2);
    expect(keyIds[0]).toBe(keyIds[1]);
    const keyPem = /-----BEGIN PRIVATE KEY-----[^-]+-----END PRIVATE KEY-----/.exec(full.stdout)?.[0] ?? '';
    const systemKey = createPrivateKey(readFileSync(paths.system('psc/front-office').tls.key));
    expect(createPublicKey(keyPem).export({ format: 'jwk' })).toEqual(
      createPublicKey(systemKey).export({ format: 'jwk' }),
    );
    const leafPem = readFileSync(paths.system('psc/front-office').tls.cert, 'utf8');
    expect(full.stdout).toContain(new X509Certificate(leafPem).toString().trim());

    const wrong = openssl(['pkcs12', '-info', '-nokeys', '-in', out, '-passin', 'pass:s3creT']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toMatch(/mac verify/i);
  });

  it('authenticates the system in a mutual TLS handshake loaded from the keystore (P-256 and RSA-2048)', async () => {
    const out = join(base, 'fo.p12');
    await runCli(
      ['pki', 'export-p12', '--system', 'psc/front-office', '--password', 'pw', '--out', out, '--dir', dir],
      capture(),
    );
    expect(await mutualTls(paths, { pfx: readFileSync(out), passphrase: 'pw' })).toEqual({
      ok: true,
      san: 'URI:urn:kopir:system:psc/front-office',
    });

    expect(
      await runCli(['pki', 'issue', '--system', 'mju/legacy', '--key-type', 'RSA-2048', '--dir', dir], capture()),
    ).toBe(0);
    const rsa = join(base, 'legacy.p12');
    await runCli(
      ['pki', 'export-p12', '--system', 'mju/legacy', '--password', 'pw', '--out', rsa, '--dir', dir],
      capture(),
    );
    expect(await mutualTls(paths, { pfx: readFileSync(rsa), passphrase: 'pw' })).toEqual({
      ok: true,
      san: 'URI:urn:kopir:system:mju/legacy',
    });
  });

  it('accepts a non-ASCII password the way openssl reads it (UTF-8)', async () => {
    const out = join(base, 'utf8.p12');
    const password = 'Köpir-құпия';
    await runCli(
      ['pki', 'export-p12', '--system', 'src/tax', '--password', password, '--out', out, '--dir', dir],
      capture(),
    );
    expect(openssl(['pkcs12', '-in', out, '-passin', `pass:${password}`, '-nodes']).output).toContain(
      'BEGIN PRIVATE KEY',
    );
    expect(await mutualTls(paths, { pfx: readFileSync(out), passphrase: password })).toMatchObject({ ok: true });
  });

  it('generates and prints a password when none is given, writing beside the system certificate by default', async () => {
    const io = capture();
    expect(await runCli(['pki', 'export-p12', '--system', 'mia/vehicles', '--dir', dir], io)).toBe(0);
    const file = join(paths.system('mia/vehicles').dir, 'tls.p12');
    const password = /^password: (\S+)$/m.exec(io.out)?.[1] ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(openssl(['pkcs12', '-info', '-nokeys', '-in', file, '-passin', `pass:${password}`]).status).toBe(0);
  });

  it('refuses a revoked or unknown system, and an empty password', async () => {
    expect(await runCli(['pki', 'revoke', 'mju/population', '--dir', dir], capture())).toBe(0);
    const revoked = capture();
    expect(
      await runCli(['pki', 'export-p12', '--system', 'mju/population', '--password', 'x', '--dir', dir], revoked),
    ).toBe(1);
    expect(revoked.err).toContain('no valid TLS certificate');
    expect(
      await runCli(['pki', 'export-p12', '--system', 'psc/unknown', '--password', 'x', '--dir', dir], capture()),
    ).toBe(1);
    expect(
      await runCli(['pki', 'export-p12', '--system', 'psc/front-office', '--password', '', '--dir', dir], capture()),
    ).toBe(2);
    expect(await runCli(['pki', 'export-p12', '--dir', dir], capture())).toBe(2);
  });
});
