/**
 * `kopir kafka provision-script` through the real CLI, on a PKI and a signed federation in a temporary folder: the
 * script it writes is run with stand-ins for Kafka's kafka-topics.sh and kafka-acls.sh (KAFKA_BIN) that record the
 * arguments they receive, so what is checked is what Kafka's tools would be asked, after the shell's quoting. The
 * principals are checked against OpenSSL's RFC 2253 rendering of each certificate's subject, an independent reading
 * of what Kafka's default principal builder sees (X500Principal.getName(), RFC 2253).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kopir } from './kopir';

let dir: string;
let pki: string;
let jws: string;

/** Kafka's default principal of a certificate, as OpenSSL renders its subject in RFC 2253. */
function opensslPrincipal(cert: string): string {
  const subject = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-subject', '-nameopt', 'RFC2253'], {
    encoding: 'utf8',
  });
  return `User:${subject.trim().replace(/^subject=/, '')}`;
}

interface Grant {
  readonly principal: string;
  readonly resource: string;
  readonly name: string;
  readonly pattern: string;
  readonly operations: readonly string[];
}

/** Runs the script with recording stand-ins for Kafka's tools; returns the topics created and the ACLs added. */
function runScript(script: string): { topics: string[][]; grants: Grant[]; stdout: string } {
  const bin = mkdtempSync(join(dir, 'bin-'));
  const log = join(bin, 'calls.log');
  for (const tool of ['kafka-topics.sh', 'kafka-acls.sh']) {
    // One line per call: the tool, then each argument after a tab (arguments hold spaces, never tabs).
    const file = join(bin, tool);
    writeFileSync(
      file,
      `#!/bin/sh\nprintf '%s' ${tool} >> "${log}"\nfor a; do printf '\\t%s' "$a" >> "${log}"; done\necho >> "${log}"\n`,
    );
    chmodSync(file, 0o755);
  }
  const stdout = execFileSync('sh', [script], { encoding: 'utf8', env: { ...process.env, KAFKA_BIN: bin } });
  const calls = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t'));
  const value = (argv: string[], flag: string): string => argv[argv.indexOf(flag) + 1] ?? '';
  for (const argv of calls) {
    expect(value(argv, '--bootstrap-server')).toBe('kafka-1:9093,kafka-2:9093,kafka-3:9093');
    expect(value(argv, '--command-config')).toBe('/etc/kafka/certs/kafka-brokers/client.properties');
  }
  const topics = calls.filter((argv) => argv[0] === 'kafka-topics.sh');
  const grants = calls
    .filter((argv) => argv[0] === 'kafka-acls.sh')
    .map((argv) => {
      expect(argv).toContain('--add');
      const resource = argv.includes('--cluster') ? 'cluster' : argv.includes('--topic') ? 'topic' : 'group';
      return {
        principal: value(argv, '--allow-principal'),
        resource,
        name: resource === 'cluster' ? 'kafka-cluster' : value(argv, `--${resource}`),
        pattern: value(argv, '--resource-pattern-type'),
        operations: argv.flatMap((a, i) => (argv[i - 1] === '--operation' ? [a] : [])),
      };
    });
  return { topics, grants, stdout };
}

/** Kafka's matching (literal: equal, prefixed: a prefix; Read and Write imply Describe). */
function can(grants: readonly Grant[], principal: string, operation: string, resource: string, name: string): boolean {
  return grants.some(
    (g) =>
      g.principal === principal &&
      g.resource === resource &&
      (g.pattern === 'literal' ? g.name === name : name.startsWith(g.name)) &&
      (g.operations.includes(operation) ||
        (operation === 'Describe' && (g.operations.includes('Read') || g.operations.includes('Write')))),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kopir-kafka-cli-'));
  pki = join(dir, 'pki');
  jws = join(dir, 'federation.jws');
  const yaml = join(dir, 'federation.yaml');
  expect((await kopir('pki', 'init', '--dir', pki)).code).toBe(0);
  expect((await kopir('federation', 'init', '--file', yaml, '--pki', pki)).code).toBe(0);
  expect((await kopir('federation', 'sign', '--file', yaml, '--out', jws, '--pki', pki)).code).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kopir kafka provision-script', () => {
  it("writes a script that creates the topics and grants each service's certificate only what it needs", async () => {
    const script = join(dir, 'kafka', 'provision.sh');
    const written = await kopir('kafka', 'provision-script', '--federation', jws, '--pki', pki, '--out', script);
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    expect(written.stdout).toMatch(
      /^wrote .*provision\.sh: 4 topics, \d+ ACLs for 5 principals \(federation version 1\)/,
    );

    const { topics, grants, stdout } = runScript(script);
    expect(stdout).toContain('kopir: Kafka topics and ACLs provisioned');
    expect(topics.map((argv) => argv[argv.indexOf('--topic') + 1]).sort()).toEqual(
      ['kopir.audit', 'kopir.req.mia', 'kopir.req.mju', 'kopir.req.src'].sort(),
    );
    for (const argv of topics) {
      expect(argv).toEqual(expect.arrayContaining(['--create', '--if-not-exists', '--replication-factor', '3']));
    }

    const principal = (kind: 'kafka' | 'systems' | 'officers', name: string): string =>
      opensslPrincipal(join(pki, kind, name, 'tls.pem'));
    const gateway = principal('kafka', 'gateway');
    const audit = principal('kafka', 'audit');
    const population = principal('kafka', 'adapter-mju');
    expect(gateway).toBe('User:O=Kopir Intranet,OU=kafka,CN=gateway');
    expect([...new Set(grants.map((g) => g.principal))].sort()).toEqual(
      [gateway, audit, population, principal('kafka', 'adapter-mia'), principal('kafka', 'adapter-src')].sort(),
    );

    // What each service does on the request path is allowed.
    expect(can(grants, gateway, 'Write', 'topic', 'kopir.req.mju')).toBe(true);
    expect(can(grants, gateway, 'Write', 'topic', 'kopir.audit')).toBe(true);
    expect(can(grants, gateway, 'Read', 'topic', 'kopir.reply.gateway-1')).toBe(true);
    expect(can(grants, gateway, 'Read', 'group', 'kopir-gateway-gateway-1')).toBe(true);
    expect(can(grants, population, 'Read', 'topic', 'kopir.req.mju')).toBe(true);
    expect(can(grants, population, 'Read', 'group', 'kopir-adapter-mju-population')).toBe(true);
    expect(can(grants, population, 'Write', 'topic', 'kopir.reply.gateway-2')).toBe(true);
    expect(can(grants, audit, 'Read', 'topic', 'kopir.audit')).toBe(true);
    expect(can(grants, audit, 'Read', 'group', 'kopir-audit')).toBe(true);

    // And what would let a service or a stolen certificate see or forge someone else's traffic is not.
    expect(can(grants, population, 'Read', 'topic', 'kopir.req.mia')).toBe(false);
    expect(can(grants, population, 'Write', 'topic', 'kopir.req.mju')).toBe(false);
    expect(can(grants, population, 'Read', 'topic', 'kopir.reply.gateway-1')).toBe(false);
    expect(can(grants, population, 'Read', 'topic', 'kopir.audit')).toBe(false);
    expect(can(grants, gateway, 'Read', 'topic', 'kopir.req.mju')).toBe(false);
    expect(can(grants, gateway, 'Read', 'topic', 'kopir.audit')).toBe(false);
    expect(can(grants, audit, 'Write', 'topic', 'kopir.audit')).toBe(false);
    // A ministry system's or an officer's certificate (same CA, clientAuth) gets nothing on Kafka.
    for (const other of [principal('systems', 'psc/front-office'), principal('officers', 'officer')]) {
      expect(grants.filter((g) => g.principal === other)).toEqual([]);
    }
  });

  it('refuses a provider agency whose adapters have no Kafka certificate, naming the command that issues one', async () => {
    const certs = join(pki, 'kafka', 'adapter-mia');
    const aside = join(dir, 'adapter-mia-aside');
    renameSync(certs, aside);
    try {
      const refused = await kopir('kafka', 'provision-script', '--federation', jws, '--pki', pki, '--out', '-');
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("issue it with 'kopir pki issue --kafka adapter-mia'");
      expect(refused.stdout).toBe('');
    } finally {
      mkdirSync(join(pki, 'kafka'), { recursive: true });
      renameSync(aside, certs);
    }
  });

  it('refuses partitions or replicas that are not positive integers', async () => {
    for (const [option, value] of [
      ['--partitions', '0'],
      ['--replication-factor', '2.5'],
    ] as const) {
      const refused = await kopir(
        'kafka',
        'provision-script',
        '--federation',
        jws,
        '--pki',
        pki,
        '--out',
        '-',
        option,
        value,
      );
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`${option} must be a positive integer, not '${value}'`);
    }
  });

  it('refuses a federation document whose signature does not verify', async () => {
    const forged = join(dir, 'forged.jws');
    const [header, payload, signature] = readFileSync(jws, 'utf8').trim().split('.');
    const tampered = `${payload?.slice(0, -2)}${payload?.endsWith('A') ? 'B' : 'A'}${payload?.slice(-1)}`;
    writeFileSync(forged, `${header}.${tampered}.${signature}`);
    const refused = await kopir('kafka', 'provision-script', '--federation', forged, '--pki', pki, '--out', '-');
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
  });
});
