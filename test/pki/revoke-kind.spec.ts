/**
 * `kopir pki revoke --kind`: one kind of certificate of a name, checked by OpenSSL. The gateway holds two
 * certificates under one name (its TLS server certificate and its Kafka client certificate); revoking the Kafka one
 * must leave the TLS one valid and put only the Kafka serial on the CRL. Without --kind every certificate of the name
 * is revoked, each printed. A fresh development PKI of its own, so the other pki suites' CRLs are untouched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CERTIFICATE_KINDS, PkiDirectory, devPkiPaths } from '@kopir/pki';
import { runCli } from '../../apps/cli/src/cli';
import { captureOutput } from '../../apps/cli/src/output';

jest.setTimeout(60_000);

function serialOf(cert: string): string {
  return execFileSync('openssl', ['x509', '-in', cert, '-noout', '-serial'], { encoding: 'utf8' })
    .trim()
    .replace('serial=', '')
    .toLowerCase();
}

/** The serials the issuing CA's CRL lists, as OpenSSL reads it. */
function crlSerials(crl: string): string[] {
  const text = execFileSync('openssl', ['crl', '-in', crl, '-noout', '-text'], { encoding: 'utf8' });
  return [...text.matchAll(/Serial Number: ([0-9A-Fa-f]+)/g)].map((m) => (m[1] ?? '').toLowerCase());
}

function verifies(paths: ReturnType<typeof devPkiPaths>, cert: string): { ok: boolean; output: string } {
  const result = spawnSync(
    'openssl',
    ['verify', '-CAfile', paths.chain, '-crl_check_all', '-CRLfile', paths.crl, cert],
    {
      encoding: 'utf8',
    },
  );
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

describe('kopir pki revoke --kind', () => {
  let root: string;
  let dir: string;
  let paths: ReturnType<typeof devPkiPaths>;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'kopir-revoke-kind-'));
    dir = join(root, 'dev');
    paths = devPkiPaths(dir);
    expect(await runCli(['pki', 'init', '--dir', dir], captureOutput())).toBe(0);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('revokes only the Kafka client certificate of the gateway: its TLS certificate stays valid', async () => {
    const kafka = paths.kafkaClient('gateway').cert;
    const io = captureOutput();
    expect(await runCli(['pki', 'revoke', 'gateway', '--kind', 'kafka-client', '--dir', dir], io)).toBe(0);
    expect(io.out.match(/^revoked .*$/gm)).toEqual([`revoked ${serialOf(kafka)}  kafka-client  gateway`]);
    expect(crlSerials(paths.issuingCrl)).toEqual([serialOf(kafka)]);
    expect(verifies(paths, kafka).output).toContain('certificate revoked');
    expect(verifies(paths, paths.gateway.cert)).toEqual({ ok: true, output: `${paths.gateway.cert}: OK\n` });

    const list = captureOutput();
    expect(await runCli(['pki', 'list', '--dir', dir], list)).toBe(0);
    expect(list.out).toMatch(/kafka-client\s+gateway\s+\S+\s+revoked/);
    expect(list.out).toMatch(/server\s+gateway\s+\S+\s+valid/);
  });

  it('refuses an unknown kind with the list of kinds, and revokes nothing', async () => {
    const before = crlSerials(paths.issuingCrl);
    for (const kind of ['kafka', 'tls', 'root-ca']) {
      const io = captureOutput();
      expect(await runCli(['pki', 'revoke', 'gateway', '--kind', kind, '--dir', dir], io)).toBe(2);
      expect(io.err).toContain(`unknown kind '${kind}'; one of: ${CERTIFICATE_KINDS.join(', ')}`);
      expect(io.out).not.toMatch(/^revoked /m);
    }
    expect(CERTIFICATE_KINDS).toEqual([
      'server',
      'system-tls',
      'system-signing',
      'officer',
      'kafka-client',
      'kafka-broker',
    ]);
    expect(crlSerials(paths.issuingCrl)).toEqual(before);
    expect(verifies(paths, paths.gateway.cert).ok).toBe(true);
  });

  it('fails when the name has no unrevoked certificate of that kind', async () => {
    const io = captureOutput();
    expect(await runCli(['pki', 'revoke', 'gateway', '--kind', 'officer', '--dir', dir], io)).toBe(1);
    expect(io.err).toContain("no unrevoked officer certificate matches 'gateway'");
    // A serial of another kind is not revoked under --kind either.
    const tlsSerial = serialOf(paths.system('src/tax').tls.cert);
    expect(await runCli(['pki', 'revoke', tlsSerial, '--kind', 'system-signing', '--dir', dir], captureOutput())).toBe(
      1,
    );
    expect(verifies(paths, paths.system('src/tax').tls.cert).ok).toBe(true);
  });

  it('without --kind revokes every certificate of the name and prints each one', async () => {
    const system = paths.system('mju/population');
    const io = captureOutput();
    expect(await runCli(['pki', 'revoke', 'mju/population', '--dir', dir], io)).toBe(0);
    expect(io.out.match(/^revoked .*$/gm)?.sort()).toEqual(
      [
        `revoked ${serialOf(system.tls.cert)}  system-tls  mju/population`,
        `revoked ${serialOf(system.signing.cert)}  system-signing  mju/population`,
      ].sort(),
    );
    expect(verifies(paths, system.tls.cert).ok).toBe(false);
    expect(verifies(paths, system.signing.cert).ok).toBe(false);
  });

  it('revokes by name an officer and a Kafka client whose names read as hex', async () => {
    expect(await runCli(['pki', 'issue', '--officer', 'ada', '--dir', dir], captureOutput())).toBe(0);
    expect(await runCli(['pki', 'issue', '--kafka', 'cafe', '--dir', dir], captureOutput())).toBe(0);
    const ada = paths.officer('ada').cert;
    const cafe = paths.kafkaClient('cafe').cert;
    for (const [name, kind, cert] of [
      ['ada', 'officer', ada],
      ['cafe', 'kafka-client', cafe],
    ] as const) {
      const io = captureOutput();
      expect(await runCli(['pki', 'revoke', name, '--dir', dir], io)).toBe(0);
      expect(io.out.match(/^revoked .*$/gm)).toEqual([`revoked ${serialOf(cert)}  ${kind}  ${name}`]);
      expect(verifies(paths, cert).output).toContain('certificate revoked');
    }
  });

  it('refuses a target that is the serial of one certificate and the name of another, revoking neither', async () => {
    expect(await runCli(['pki', 'issue', '--officer', 'bead', '--dir', dir], captureOutput())).toBe(0);
    // A registry entry whose serial reads like a name, as one imported from a CA with short serials would be (this
    // PKI's own serials start with a digit, which no name does).
    const legacy = PkiDirectory.open(dir);
    legacy.record({
      serial: 'bead',
      kind: 'kafka-client',
      name: 'legacy',
      subject: 'CN=legacy, OU=kafka-clients',
      fingerprint: '00',
      notBefore: new Date().toISOString(),
      notAfter: new Date(Date.now() + 86_400_000).toISOString(),
      file: 'kafka/legacy/tls.pem',
    });
    const bead = paths.officer('bead').cert;
    const before = crlSerials(paths.issuingCrl);

    const io = captureOutput();
    expect(await runCli(['pki', 'revoke', 'bead', '--dir', dir], io)).toBe(1);
    expect(io.err).toContain(
      "kopir: 'bead' is both the serial of kafka-client 'legacy' and the name of officer 'bead': give the serial " +
        "with colons (be:ad) to revoke by serial, or the other certificate's serial or --kind to revoke by name " +
        '[request_invalid]',
    );
    expect(crlSerials(paths.issuingCrl)).toEqual(before);
    expect(verifies(paths, bead).ok).toBe(true);

    const bySerial = captureOutput();
    expect(await runCli(['pki', 'revoke', 'be:ad', '--dir', dir], bySerial)).toBe(0);
    expect(bySerial.out.match(/^revoked .*$/gm)).toEqual(['revoked bead  kafka-client  legacy']);
    expect(verifies(paths, bead).ok).toBe(true);

    const byName = captureOutput();
    expect(await runCli(['pki', 'revoke', 'bead', '--kind', 'officer', '--dir', dir], byName)).toBe(0);
    expect(byName.out.match(/^revoked .*$/gm)).toEqual([`revoked ${serialOf(bead)}  officer  bead`]);
    expect(verifies(paths, bead).output).toContain('certificate revoked');
  });

  it('says in its help that without --kind every certificate of the name is revoked', async () => {
    const io = captureOutput();
    expect(await runCli(['pki', 'revoke', '--help'], io)).toBe(0);
    const help = `${io.out}${io.err}`.replace(/\s+/g, ' ');
    expect(help).toContain('without --kind every certificate of the name');
    expect(help).toContain(`--kind <kind>`);
    expect(help).toContain(CERTIFICATE_KINDS.join(', '));
  });
});
