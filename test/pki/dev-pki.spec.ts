/**
 * The development PKI as `kopir pki ...` makes it, checked by an independent verifier: OpenSSL's `verify
 * -crl_check_all` for chains and revocation and `openssl crl` for the CRL itself.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runCli } from '../../apps/cli/src/cli';
import { devPkiPaths } from '@kopir/pki';
import { captureOutput } from '../../apps/cli/src/output';

const capture = captureOutput;

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

function opensslVerify(
  paths: ReturnType<typeof devPkiPaths>,
  cert: string,
  crl = true,
): { ok: boolean; output: string } {
  const args = ['verify', '-CAfile', paths.chain];
  if (crl) args.push('-crl_check_all', '-CRLfile', paths.crl);
  const result = spawnSync('openssl', [...args, cert], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

describe('kopir pki (dev PKI) checked by openssl', () => {
  let dir: string;
  let paths: ReturnType<typeof devPkiPaths>;

  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'kopir-pki-')), 'dev');
    paths = devPkiPaths(dir);
    const io = capture();
    expect(await runCli(['pki', 'init', '--dir', dir], io)).toBe(0);
    expect(io.out).toContain('created in');
  });

  afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('is idempotent: a second init changes no file', async () => {
    const before = snapshot(dir);
    const io = capture();
    expect(await runCli(['pki', 'init', '--dir', dir], io)).toBe(0);
    expect(io.out).toContain('nothing changed');
    expect(snapshot(dir)).toEqual(before);
  });

  it('keeps private keys readable by the owner only', () => {
    for (const key of [
      paths.rootCa.key,
      paths.issuingCa.key,
      paths.gateway.key,
      paths.system('psc/front-office').tls.key,
    ]) {
      expect(statSync(key).mode & 0o077).toBe(0);
    }
  });

  it('issues every reference certificate under a chain and CRLs that openssl accepts', () => {
    const certs = [
      paths.gateway.cert,
      ...['psc/front-office', 'mju/population', 'mia/vehicles', 'src/tax'].flatMap((s) => [
        paths.system(s).tls.cert,
        paths.system(s).signing.cert,
      ]),
      paths.officer('officer').cert,
      paths.officer('auditor').cert,
      paths.kafkaClient('gateway').cert,
    ];
    for (const cert of certs) expect(opensslVerify(paths, cert)).toEqual({ ok: true, output: `${cert}: OK\n` });
    const crl = execFileSync('openssl', ['crl', '-in', paths.issuingCrl, '-noout', '-text', '-CAfile', paths.chain], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(crl).toContain('Issuer: CN = Kopir Dev Issuing CA');
    expect(crl).toContain('No Revoked Certificates');
  });

  it('puts the system id in the SAN URI and the right extended key usage in each certificate', () => {
    const text = (file: string): string =>
      execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' });
    const tls = text(paths.system('mju/population').tls.cert);
    expect(tls).toContain('URI:urn:kopir:system:mju/population');
    expect(tls).toContain('TLS Web Client Authentication');
    expect(tls).not.toContain('TLS Web Server Authentication');
    const signing = text(paths.system('mju/population').signing.cert);
    expect(signing).toContain('URI:urn:kopir:system:mju/population');
    expect(signing).not.toContain('TLS Web Client Authentication');
    expect(signing).toContain('Non Repudiation');
    const gateway = text(paths.gateway.cert);
    expect(gateway).toContain('DNS:localhost');
    expect(gateway).toContain('IP Address:127.0.0.1');
    expect(gateway).toContain('TLS Web Server Authentication');
    expect(text(paths.officer('auditor').cert)).toContain('URI:urn:kopir:officer:auditor');
    // The signing certificate must not pass as a TLS client: openssl's purpose check refuses it.
    const purpose = spawnSync(
      'openssl',
      ['verify', '-purpose', 'sslclient', '-CAfile', paths.chain, paths.system('mju/population').signing.cert],
      { encoding: 'utf8' },
    );
    expect(purpose.status).not.toBe(0);
  });

  it('revokes a system: both its certificates land in the CRL and openssl refuses them', async () => {
    const io = capture();
    expect(await runCli(['pki', 'revoke', 'mia/vehicles', '--dir', dir, '--reason', 'keyCompromise'], io)).toBe(0);
    expect(io.out.match(/^revoked /gm)).toHaveLength(2);
    const verdict = opensslVerify(paths, paths.system('mia/vehicles').tls.cert);
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toContain('certificate revoked');
    expect(opensslVerify(paths, paths.system('mju/population').tls.cert).ok).toBe(true);
    const crl = execFileSync('openssl', ['crl', '-in', paths.issuingCrl, '-noout', '-text'], { encoding: 'utf8' });
    expect(crl.match(/Serial Number:/g)).toHaveLength(2);
    expect(crl).toContain('Key Compromise');
    expect(crl).toMatch(/CRL Number: \n\s+2/);

    const list = capture();
    expect(await runCli(['pki', 'list', '--dir', dir], list)).toBe(0);
    expect(list.out).toMatch(/system-tls\s+mia\/vehicles\s+\S+\s+revoked/);
    expect(list.out).toMatch(/system-tls\s+mju\/population\s+\S+\s+valid/);
  });

  it('re-issues a revoked system, and revokes by serial', async () => {
    const io = capture();
    expect(await runCli(['pki', 'issue', '--system', 'mia/vehicles', '--dir', dir], io)).toBe(0);
    expect(io.out.match(/^issued /gm)).toHaveLength(2);
    expect(opensslVerify(paths, paths.system('mia/vehicles').tls.cert).ok).toBe(true);
    const again = capture();
    expect(await runCli(['pki', 'issue', '--system', 'mia/vehicles', '--dir', dir], again)).toBe(0);
    expect(again.out).toContain('already exists');

    const serial = execFileSync('openssl', ['x509', '-in', paths.officer('auditor').cert, '-noout', '-serial'], {
      encoding: 'utf8',
    })
      .trim()
      .replace('serial=', '');
    expect(await runCli(['pki', 'revoke', serial, '--dir', dir], capture())).toBe(0);
    expect(opensslVerify(paths, paths.officer('auditor').cert).output).toContain('certificate revoked');
  });

  it('issues a new officer with an RSA key on request', async () => {
    const io = capture();
    expect(await runCli(['pki', 'issue', '--officer', 'inspector', '--key-type', 'RSA-2048', '--dir', dir], io)).toBe(
      0,
    );
    expect(opensslVerify(paths, paths.officer('inspector').cert).ok).toBe(true);
    const text = execFileSync('openssl', ['x509', '-in', paths.officer('inspector').cert, '-noout', '-text'], {
      encoding: 'utf8',
    });
    expect(text).toContain('Public-Key: (2048 bit)');
  });

  it('answers bad usage with exit 2 and a missing PKI with exit 1', async () => {
    expect(await runCli(['pki', 'issue', '--dir', dir], capture())).toBe(2);
    expect(await runCli(['pki', 'issue', '--system', 'x/y', '--officer', 'a', '--dir', dir], capture())).toBe(2);
    expect(await runCli(['pki', 'issue', '--system', 'psc/x', '--key-type', 'P-192', '--dir', dir], capture())).toBe(2);
    const io = capture();
    expect(await runCli(['pki', 'list', '--dir', join(dir, 'nothing')], io)).toBe(1);
    expect(io.err).toContain('pki init');
    expect(await runCli(['pki', 'issue', '--system', 'BAD', '--dir', dir], capture())).toBe(1);
  });
});
