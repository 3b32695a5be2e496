/**
 * The whole system against an external Kafka: `kopir up` with KAFKA_BROKERS set starts no broker of its own and runs
 * every service against the cluster named. No Apache Kafka here, so the "cluster" is our broker started as a separate
 * process, as an operator would run one (`node dist/apps/broker/src/main.js --port P --data-dir D`); the same suite
 * runs against a real cluster with `KAFKA_BROKERS=host:port npx jest test/e2e` (docs/operators.md).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplePeople } from '@kopir/reference-registries';
import { ROOT, startSystem, type RunningSystem } from './system-fixture';
import { freePort, waitForPort } from '../bench/free-port';

jest.setTimeout(180_000);

const BROKER = join(ROOT, 'dist', 'apps', 'broker', 'src', 'main.js');

/** Every process below `pid`, with its command line (ps, procps). */
function descendants(pid: number): { pid: number; args: string }[] {
  const rows = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? '' }));
  const found: { pid: number; args: string }[] = [];
  const walk = (parent: number): void => {
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push({ pid: row.pid, args: row.args });
      walk(row.pid);
    }
  };
  walk(pid);
  return found;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? [entry.name, ...filesUnder(join(dir, entry.name))] : [entry.name],
  );
}

describe('kopir up against an external Kafka (KAFKA_BROKERS)', () => {
  let brokerDir: string;
  let broker: ChildProcess;
  let brokerLog = '';
  let system: RunningSystem;
  let iin: string;

  beforeAll(async () => {
    brokerDir = mkdtempSync(join(tmpdir(), 'kopir-external-kafka-'));
    const port = await freePort();
    broker = spawn(process.execPath, [BROKER, '--port', String(port), '--data-dir', brokerDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BROKER_HOST: '127.0.0.1' },
    });
    broker.stdout?.on('data', (c: Buffer) => (brokerLog += c.toString()));
    broker.stderr?.on('data', (c: Buffer) => (brokerLog += c.toString()));
    await waitForPort(port, 30_000);
    system = await startSystem(300, { kafkaBrokers: `127.0.0.1:${port}` });
    const person = samplePeople(join(system.dir, 'data', 'registries'), 1)[0];
    if (!person) throw new Error('no sample person');
    iin = person.iin;
  });

  afterAll(async () => {
    await system?.stop();
    if (broker && broker.exitCode === null) {
      const exited = new Promise((r) => broker.once('exit', r));
      broker.kill('SIGTERM');
      await exited;
    }
    rmSync(brokerDir, { recursive: true, force: true });
  });

  it('starts no embedded broker: says so, and no process of kopir up runs one', () => {
    expect(system.log()).toContain(`using the Kafka cluster at ${system.env.KAFKA_BROKERS} (KAFKA_BROKERS)`);
    const processes = descendants(system.pid);
    // The control: the services kopir up supervises are found this way.
    for (const service of ['apps/gateway/src/main.js', 'apps/audit/src/main.js', 'apps/adapters/tax/src/main.js']) {
      expect(processes.some((p) => p.args.includes(service))).toBe(true);
    }
    expect(processes.filter((p) => p.args.includes('apps/broker/src/main.js'))).toEqual([]);
    // The supervisor prefixes each service's lines with its name ("broker   | ...", apps/cli/src/up/supervisor.ts).
    expect(system.log()).not.toMatch(/^broker\s+\| /m);
    expect(system.log()).toMatch(/^gateway\s+\| /m);
  });

  it('answers a call through the gateway, with the requests and audit events on the external broker', async () => {
    // No --gateway: kopir call finds the local gateway by GATEWAY_PORT, as `kopir up` and the demo do.
    const call = await system.kopir([
      'call',
      '--pki',
      system.pki,
      '--as',
      'psc/front-office',
      '--purpose',
      'driving-licence-issue',
      '--subject',
      iin,
      'mju/population/person-by-iin',
      JSON.stringify({ iin }),
    ]);
    expect({ code: call.code, stderr: call.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(call.stdout)).toMatchObject({ iin });
    const topics = filesUnder(brokerDir).join('\n');
    expect(topics).toContain('kopir.req.mju');
    expect(topics).toContain('kopir.audit');
  });

  it('refuses a purpose the rules do not allow (403 access_denied)', async () => {
    const call = await system.kopir([
      'call',
      '--pki',
      system.pki,
      '--gateway',
      system.gateway,
      '--as',
      'psc/front-office',
      '--purpose',
      'marketing',
      '--subject',
      iin,
      'src/tax/tax-debts',
      JSON.stringify({ iin }),
    ]);
    expect(call.code).toBe(1);
    expect(call.stderr).toContain('403 access_denied');
  });

  it('runs the demo scenario end to end', async () => {
    const demo = await system.kopir(['demo', '--pki', system.pki]);
    expect({ code: demo.code, stderr: demo.stderr }).toEqual({ code: 0, stderr: '' });
    for (const line of ['population registry', 'vehicles owned', 'tax debts', 'refused, as the rules say', 'ok: ']) {
      expect(demo.stdout).toContain(line);
    }
    expect(brokerLog).not.toMatch(/broker error/);
  });
});
