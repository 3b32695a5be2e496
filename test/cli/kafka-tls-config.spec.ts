/**
 * A partial Kafka TLS set (KAFKA_TLS_CA, KAFKA_TLS_CERT, KAFKA_TLS_KEY: all three or none) as an operator meets it:
 * `kopir config check` names the missing keys, and the gateway, the audit service and an adapter refuse to start with
 * the same lines, because both go through libs/config's one rule (allOrNone in kafkaConfigSpec). The built CLI and
 * services run from dist/ (npm test builds first), in a fresh directory, against a Kafka address nothing listens on:
 * a service that got past its configuration would fail differently.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childEnvironment } from '@kopir/config';

jest.setTimeout(60_000);

const DIST = join(resolve(__dirname, '..', '..'), 'dist', 'apps');
const CLI = join(DIST, 'cli', 'src', 'main.js');
const SERVICES = {
  gateway: join(DIST, 'gateway', 'src', 'main.js'),
  audit: join(DIST, 'audit', 'src', 'main.js'),
  'src/tax adapter': join(DIST, 'adapters', 'tax', 'src', 'main.js'),
};

let dir: string;
let pem: string;
beforeAll(() => {
  for (const script of [CLI, ...Object.values(SERVICES)]) {
    if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build (npm test does it)`);
  }
  dir = mkdtempSync(join(tmpdir(), 'kopir-kafka-tls-'));
  // A readable file is all loadConfig asks of each path; the rule under test is about which keys are set.
  pem = join(dir, 'file.pem');
  writeFileSync(pem, 'not read before the configuration is accepted\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of a run: Kafka on a loopback port nothing listens on, and exactly these TLS keys set. */
function environment(tls: { ca?: boolean; cert?: boolean; key?: boolean }): Record<string, string> {
  return childEnvironment({
    KAFKA_BROKERS: '127.0.0.1:9',
    KAFKA_TLS_CA: tls.ca === true ? pem : '',
    KAFKA_TLS_CERT: tls.cert === true ? pem : '',
    KAFKA_TLS_KEY: tls.key === true ? pem : '',
  });
}

function run(script: string, args: readonly string[], env: Record<string, string>) {
  const done = spawnSync(process.execPath, [script, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
  return { status: done.status, stdout: done.stdout, stderr: done.stderr };
}

/** The lines of a ConfigError that name a Kafka TLS key. */
function tlsLines(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('  - KAFKA_TLS_'));
}

describe('a partial Kafka TLS set', () => {
  it('config check names every missing key and what is set, and exits 1', () => {
    const check = run(CLI, ['config', 'check', 'kafka'], environment({ ca: true }));
    expect(check.status).toBe(1);
    expect(tlsLines(check.stderr)).toEqual([
      '  - KAFKA_TLS_CERT: missing: set all of KAFKA_TLS_CA, KAFKA_TLS_CERT and KAFKA_TLS_KEY, or none (KAFKA_TLS_CA is set)',
      '  - KAFKA_TLS_KEY: missing: set all of KAFKA_TLS_CA, KAFKA_TLS_CERT and KAFKA_TLS_KEY, or none (KAFKA_TLS_CA is set)',
    ]);
    // Without a service named, the check covers kafka too.
    const all = run(CLI, ['config', 'check'], environment({ cert: true, key: true }));
    expect(all.status).toBe(1);
    expect(tlsLines(all.stderr)).toEqual([
      '  - KAFKA_TLS_CA: missing: set all of KAFKA_TLS_CA, KAFKA_TLS_CERT and KAFKA_TLS_KEY, or none (KAFKA_TLS_CERT and KAFKA_TLS_KEY are set)',
    ]);
  });

  it('stops the gateway, the audit service and an adapter at start with the same lines as config check', () => {
    for (const tls of [{ ca: true }, { cert: true, key: true }, { key: true }]) {
      const env = environment(tls);
      const expected = tlsLines(run(CLI, ['config', 'check', 'kafka'], env).stderr);
      expect(expected.length).toBeGreaterThan(0);
      for (const [name, script] of Object.entries(SERVICES)) {
        const start = run(script, [], env);
        expect({ name, status: start.status, lines: tlsLines(start.stderr) }).toEqual({
          name,
          status: 1,
          lines: expected,
        });
        expect(start.stderr).toContain('Invalid configuration for kafka');
      }
    }
  });

  it('is accepted whole, or not at all', () => {
    for (const tls of [{ ca: true, cert: true, key: true }, {}]) {
      const check = run(CLI, ['config', 'check', 'kafka'], environment(tls));
      expect(check.stderr).toBe('');
      expect(check.stdout).toBe('kafka: ok\n');
      expect(check.status).toBe(0);
    }
  });
});
