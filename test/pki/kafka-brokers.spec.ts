/**
 * The Kafka brokers' certificates and PEM keystores that `kopir pki` issues for docker-compose.yml, checked by
 * independent tools: OpenSSL (chain, purposes, SAN, key-to-certificate match, revocation) and, where a JVM exists,
 * Java's TLS stack loading the keystore the way Apache Kafka's PemStore does (KIP-651) and serving a listener with
 * ssl.client.auth=required, reached by a Node client with a Kafka client certificate as kafkajs would.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { runCli } from '../../apps/cli/src/cli';
import { KAFKA_CONTAINER_CERTS, REFERENCE_KAFKA_BROKERS, devPkiPaths, type DevPkiPaths } from '@kopir/pki';
import { captureOutput } from '../../apps/cli/src/output';

const JAVA_CHECK = join(__dirname, 'fixtures', 'KafkaPemKeystore.java');
const hasJava = spawnSync('java', ['-version']).status === 0;

function openssl(args: readonly string[], input?: string): { ok: boolean; out: string } {
  const result = spawnSync('openssl', args, { encoding: 'utf8', input });
  return { ok: result.status === 0, out: `${result.stdout}${result.stderr}` };
}

function verify(paths: DevPkiPaths, cert: string, purpose: string): { ok: boolean; out: string } {
  return openssl([
    'verify',
    '-CAfile',
    paths.chain,
    '-crl_check_all',
    '-CRLfile',
    paths.crl,
    '-purpose',
    purpose,
    cert,
  ]);
}

function pems(file: string, label: string): string[] {
  return readFileSync(file, 'utf8').match(new RegExp(`-----BEGIN ${label}-----[^-]+-----END ${label}-----`, 'g')) ?? [];
}

/** The SubjectPublicKeyInfo (PEM) of the private key in `file`. */
function publicKeyOfKey(file: string): string {
  return execFileSync('openssl', ['pkey', '-in', file, '-pubout'], { encoding: 'utf8' });
}

/** The SubjectPublicKeyInfo (PEM) of the first certificate in `file`. */
function publicKeyOfCert(file: string): string {
  return execFileSync('openssl', ['x509', '-in', file, '-noout', '-pubkey'], { encoding: 'utf8' });
}

interface JavaBroker {
  readonly port: number;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts the Java check on a keystore; resolves once it listens, rejects when it exits first. */
function startJavaBroker(keystore: string, truststore: string): Promise<JavaBroker> {
  const child: ChildProcess = spawn('java', [JAVA_CHECK, keystore, truststore], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const port = /^port (\d+)$/m.exec(output);
      if (!port) return;
      clearInterval(timer);
      resolve({
        port: Number(port[1]),
        output: () => output,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.stdin?.end();
          }),
      });
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`java exited with ${code}:\n${output}`));
    });
  });
}

/** A TLS connection as kafkajs makes it (Node TLS, the intranet CA, a client certificate, the broker's host name). */
function handshake(
  port: number,
  servername: string,
  paths: DevPkiPaths,
  client?: { cert: string; key: string },
): Promise<{ ok: true; line: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername,
      ca: readFileSync(paths.chain),
      ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
    });
    let data = '';
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('end', () => resolve(data === 'ok\n' ? { ok: true, line: 'ok' } : { ok: false, error: 'closed' }));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, error: error.code ?? error.message }));
  });
}

describe('kopir pki: Kafka broker certificates and PEM keystores', () => {
  let base: string;
  let dir: string;
  let paths: DevPkiPaths;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'kopir-kafka-pki-'));
    dir = join(base, 'dev');
    paths = devPkiPaths(dir);
    expect(await runCli(['pki', 'init', '--dir', dir], captureOutput())).toBe(0);
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('issues kafka-1..3 as TLS server and client under the intranet CA, named by their host and localhost', () => {
    for (const broker of REFERENCE_KAFKA_BROKERS) {
      const files = paths.kafkaBroker(broker);
      // Server for the listeners, client for replication and the KRaft quorum (ssl.client.auth=required).
      expect(verify(paths, files.cert, 'sslserver')).toEqual({ ok: true, out: `${files.cert}: OK\n` });
      expect(verify(paths, files.cert, 'sslclient')).toEqual({ ok: true, out: `${files.cert}: OK\n` });
      const san = openssl(['x509', '-in', files.cert, '-noout', '-ext', 'subjectAltName']).out;
      expect(san).toContain(`DNS:${broker}, DNS:localhost`);
      expect(san).not.toMatch(/URI:|IP Address:/);
      const text = openssl(['x509', '-in', files.cert, '-noout', '-text']).out;
      expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
      expect(text).toContain(`Subject: CN = ${broker}, OU = kafka-brokers, O = Kopir Intranet`);
    }
    // A Kafka client certificate cannot serve a listener.
    expect(verify(paths, paths.kafkaClient('gateway').cert, 'sslserver').ok).toBe(false);
  });

  it('writes each keystore as the unencrypted PKCS#8 key of its certificate, then the chain, readable by the owner only', () => {
    for (const files of [...REFERENCE_KAFKA_BROKERS.map((b) => paths.kafkaBroker(b)), paths.kafkaTools]) {
      expect(pems(files.keystore, 'PRIVATE KEY')).toHaveLength(1);
      expect(pems(files.keystore, 'ENCRYPTED PRIVATE KEY')).toHaveLength(0);
      expect(pems(files.keystore, 'CERTIFICATE')).toEqual(pems(files.cert, 'CERTIFICATE'));
      expect(pems(files.keystore, 'CERTIFICATE')).toHaveLength(2);
      const cert = publicKeyOfCert(files.keystore);
      expect(publicKeyOfKey(files.keystore)).toBe(cert);
      expect(publicKeyOfKey(files.key)).toBe(cert);
      expect(statSync(files.keystore).mode & 0o077).toBe(0);
    }
    // A key that is not the certificate's is told apart (the check above is not vacuous).
    expect(publicKeyOfKey(paths.kafkaBroker('kafka-1').key)).not.toBe(
      publicKeyOfCert(paths.kafkaBroker('kafka-2').cert),
    );
  });

  it('writes client.properties for the Kafka CLI tools: mutual TLS with PEM stores at the container mount point', () => {
    const properties = Object.fromEntries(
      readFileSync(paths.kafkaToolsProperties, 'utf8')
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.split('=', 2) as [string, string]),
    );
    expect(properties).toEqual({
      'security.protocol': 'SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': `${KAFKA_CONTAINER_CERTS}/kafka/kafka-tools/keystore.pem`,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': `${KAFKA_CONTAINER_CERTS}/ca/chain.pem`,
      'ssl.enabled.protocols': 'TLSv1.3,TLSv1.2',
    });
    // No secret in it: the keystore file itself is the secret.
    expect(readFileSync(paths.kafkaToolsProperties, 'utf8')).not.toMatch(/password/i);
    for (const location of [properties['ssl.keystore.location'], properties['ssl.truststore.location']]) {
      const onHost = join(dir, (location ?? '').slice(KAFKA_CONTAINER_CERTS.length + 1));
      expect(statSync(onHost).isFile()).toBe(true);
    }
    expect(verify(paths, paths.kafkaTools.cert, 'sslclient').ok).toBe(true);
  });

  (hasJava ? it : it.skip)(
    "is loaded by Java as Kafka's PemStore loads it, serves a listener that requires client certificates, and replicates to itself",
    async () => {
      const broker = await startJavaBroker(paths.kafkaBroker('kafka-1').keystore, paths.chain);
      try {
        expect(broker.output()).toContain('inter-broker ok');
        // A service with its Kafka client certificate, dialling kafka-1 as KAFKA_BROKERS names it.
        expect(await handshake(broker.port, 'kafka-1', paths, paths.kafkaClient('gateway'))).toEqual({
          ok: true,
          line: 'ok',
        });
        // Host name checked: this certificate is kafka-1's, not kafka-2's.
        expect(await handshake(broker.port, 'kafka-2', paths, paths.kafkaClient('gateway'))).toEqual({
          ok: false,
          error: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
        // No client certificate: the listener refuses the handshake.
        expect((await handshake(broker.port, 'kafka-1', paths)).ok).toBe(false);
      } finally {
        await broker.stop();
      }
      // A client-only certificate (the CLI tools') cannot act as a broker: Java refuses it for the server role.
      await expect(startJavaBroker(paths.kafkaTools.keystore, paths.chain)).rejects.toThrow(/java exited with 1/);
    },
  );
  if (!hasJava) {
    process.stdout.write('kafka-brokers.spec: no `java` on PATH; the JVM keystore check is skipped\n');
  }

  it('is idempotent, issues another broker with chosen names, and rewrites the keystore when a revoked broker is re-issued', async () => {
    const again = captureOutput();
    expect(await runCli(['pki', 'init', '--dir', dir], again)).toBe(0);
    expect(again.out).toContain('nothing changed');

    const extra = captureOutput();
    expect(
      await runCli(
        ['pki', 'issue', '--kafka-broker', 'kafka-4', '--dns', 'kafka-4,kafka-4.intranet.example', '--dir', dir],
        extra,
      ),
    ).toBe(0);
    expect(extra.out).toContain('keystore (ssl.keystore.type=PEM)');
    const san = openssl(['x509', '-in', paths.kafkaBroker('kafka-4').cert, '-noout', '-ext', 'subjectAltName']).out;
    expect(san).toContain('DNS:kafka-4, DNS:kafka-4.intranet.example');
    expect(san).not.toContain('localhost');

    const old = readFileSync(paths.kafkaBroker('kafka-1').cert, 'utf8');
    const oldCert = join(base, 'kafka-1-old.pem');
    execFileSync('cp', [paths.kafkaBroker('kafka-1').cert, oldCert]);
    expect(await runCli(['pki', 'revoke', 'kafka-1', '--reason', 'keyCompromise', '--dir', dir], captureOutput())).toBe(
      0,
    );
    expect(verify(paths, oldCert, 'sslserver').out).toContain('certificate revoked');
    expect(await runCli(['pki', 'issue', '--kafka-broker', 'kafka-1', '--dir', dir], captureOutput())).toBe(0);
    const files = paths.kafkaBroker('kafka-1');
    expect(readFileSync(files.cert, 'utf8')).not.toBe(old);
    expect(pems(files.keystore, 'CERTIFICATE')).toEqual(pems(files.cert, 'CERTIFICATE'));
    expect(publicKeyOfKey(files.keystore)).toBe(publicKeyOfCert(files.cert));
    expect(verify(paths, files.cert, 'sslserver').ok).toBe(true);
  });

  it('refuses bad broker names and DNS names, and --dns without --kafka-broker', async () => {
    expect(await runCli(['pki', 'issue', '--kafka-broker', 'Kafka_1', '--dir', dir], captureOutput())).toBe(1);
    const bad = captureOutput();
    expect(await runCli(['pki', 'issue', '--kafka-broker', 'kafka-9', '--dns', '*.intranet', '--dir', dir], bad)).toBe(
      1,
    );
    expect(bad.err).toContain('Invalid DNS names');
    expect(await runCli(['pki', 'issue', '--kafka', 'gateway', '--dns', 'x', '--dir', dir], captureOutput())).toBe(2);
    expect(await runCli(['pki', 'issue', '--kafka-broker', '../x', '--dir', dir], captureOutput())).toBe(1);
  });
});
