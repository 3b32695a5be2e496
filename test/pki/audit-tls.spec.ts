/**
 * `kopir pki init` issues the audit service's TLS server certificate at the paths auditConfigSpec defaults to, and
 * adds it to a dev PKI made before it existed without touching anything else (init stays idempotent).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { auditConfigSpec } from '@kopir/config';
import { devPkiPaths, initDevPki } from '@kopir/pki';
import { runCli } from '../../apps/cli/src/cli';

const quiet = { stdout: (): void => undefined, stderr: (): void => undefined };

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

/** Completes a TLS 1.3 handshake against a server holding `cert`/`key`; resolves with the client's verdict. */
async function handshake(
  cert: string,
  key: string,
  ca: string,
  host: string,
  servername?: string,
): Promise<{ ok: boolean; error?: string }> {
  const server = createServer({ cert: readFileSync(cert), key: readFileSync(key), minVersion: 'TLSv1.3' }, (s) =>
    s.end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const socket: TLSSocket = connect({ host, port, ca: readFileSync(ca), servername, minVersion: 'TLSv1.3' });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve({ ok: true });
      });
      socket.once('error', (error: NodeJS.ErrnoException) =>
        resolve({ ok: false, error: error.code ?? error.message }),
      );
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('pki init: the audit service TLS certificate', () => {
  let base: string;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'kopir-pki-audit-'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('lives at the paths the audit service config defaults to', () => {
    const paths = devPkiPaths('certs/dev');
    expect(paths.auditTls.cert).toBe(auditConfigSpec.tlsCert.defaultValue);
    expect(paths.auditTls.key).toBe(auditConfigSpec.tlsKey.defaultValue);
  });

  it('is a serverAuth certificate for localhost and 127.0.0.1 under the dev chain, with an owner-only key', async () => {
    const dir = join(base, 'fresh');
    expect(await runCli(['pki', 'init', '--dir', dir], quiet)).toBe(0);
    const paths = devPkiPaths(dir);
    const verify = spawnSync(
      'openssl',
      [
        'verify',
        '-purpose',
        'sslserver',
        '-CAfile',
        paths.chain,
        '-crl_check_all',
        '-CRLfile',
        paths.crl,
        paths.auditTls.cert,
      ],
      { encoding: 'utf8' },
    );
    expect(`${verify.stdout}${verify.stderr}`).toBe(`${paths.auditTls.cert}: OK\n`);
    const text = execFileSync('openssl', ['x509', '-in', paths.auditTls.cert, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain('DNS:localhost');
    expect(text).toContain('IP Address:127.0.0.1');
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).not.toContain('TLS Web Client Authentication');
    expect(text).toMatch(/Subject: .*CN = audit/);
    expect(statSync(paths.auditTls.key).mode & 0o077).toBe(0);
    // Its own key, not the gateway's: one leaked key cannot impersonate both listeners.
    expect(readFileSync(paths.auditTls.key, 'utf8')).not.toBe(readFileSync(paths.gateway.key, 'utf8'));

    expect(await handshake(paths.auditTls.cert, paths.auditTls.key, paths.chain, 'localhost')).toEqual({ ok: true });
    expect(await handshake(paths.auditTls.cert, paths.auditTls.key, paths.chain, '127.0.0.1')).toEqual({ ok: true });
    // A name the certificate does not carry is refused by the client's hostname check.
    const wrongName = await handshake(
      paths.auditTls.cert,
      paths.auditTls.key,
      paths.chain,
      '127.0.0.1',
      'gateway.example',
    );
    expect(wrongName).toEqual({ ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('is added to a dev PKI made before it existed; nothing else changes, and a further init changes nothing', async () => {
    const dir = join(base, 'old');
    await initDevPki(dir);
    const paths = devPkiPaths(dir);
    // Turn it into a PKI from before the audit certificate: no files, no registry entry.
    rmSync(paths.auditTls.cert);
    rmSync(paths.auditTls.key);
    const index = JSON.parse(readFileSync(paths.index, 'utf8')) as { certificates: { kind: string; name: string }[] };
    index.certificates = index.certificates.filter((c) => !(c.kind === 'server' && c.name === 'audit'));
    writeFileSync(paths.index, `${JSON.stringify(index, null, 2)}\n`);
    const before = snapshot(dir);

    const { created } = await initDevPki(dir);
    expect([...created].sort()).toEqual(['audit/tls.key.pem', 'audit/tls.pem']);
    const after = snapshot(dir);
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
    expect(changed.sort()).toEqual(['audit/tls.key.pem', 'audit/tls.pem', 'index.json']);
    const registry = JSON.parse(readFileSync(paths.index, 'utf8')) as {
      certificates: { kind: string; name: string }[];
    };
    expect(registry.certificates.filter((c) => c.kind === 'server').map((c) => c.name)).toEqual(['gateway', 'audit']);

    const again = await initDevPki(dir);
    expect(again.created).toEqual([]);
    expect(snapshot(dir)).toEqual(after);
  });
});
