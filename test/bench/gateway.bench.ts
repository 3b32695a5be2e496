/**
 * `npm run bench -- gateway [--seconds N] [--people N] [--clear-bodies]`: the whole system as `npm start` runs it
 * (`kopir up` from dist/: embedded broker, audit, the three reference adapters, the gateway; each its own process,
 * all on loopback; bodies encrypted on Kafka as the development federation requires, or in clear with --clear-bodies),
 * called with KopirClient (mutual TLS, Kopir-Signature on every request, the provider's signature verified on every
 * answer) through the full path: gateway → Kafka → mju/population → Kafka → gateway, audit event acknowledged.
 * Beside it, in the same run: (a) a plain mutual-TLS echo server (node:https, same certificates, its own process) at
 * the same loads, and (b) the same registry query called directly (ReferenceRegistries.query, no gateway, no Kafka).
 *
 * Measured: the closed-loop maximum (48 calls in flight over 4 clients), and p50/p99 latency at fixed open-loop
 * rates (50, 250, 500, 1,000 and 2,000 requests/s, the last being the throughput target offered as such; latency
 * counted from each request's scheduled start, so a stall is not hidden), and CPU per request of the system's
 * processes (utime + stime from /proc/<pid>/stat, the `kopir up` tree or the echo process) and of this
 * load-generating process (process.cpuUsage). Targets (issues 6 and 9): ≥ 2,000 round
 * trips/s; at 1,000 requests/s p50 ≤ 5 ms and p99 ≤ 25 ms; the gateway path ≥ 25% of the direct call's throughput.
 *
 * The development federation's rule psc-front-office.person-by-iin limits 50 requests/s (burst 100); the benchmark
 * raises that rule's rate limit and daily quota in its own temporary copy of the federation and signs it with
 * `kopir federation sign` before `kopir up` starts, the way an operator changes a rule. Every loop is bounded in
 * count and time; everything is removed afterwards.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KopirClient } from '@kopir/client';
import { devPkiPaths } from '@kopir/pki';
import { ReferenceRegistries, samplePeople } from '@kopir/reference-registries';
import { post } from './https';
import { closedLoop, delay, descendants, openLoop, quiesce, type Call, type LoadResult } from './load';
import { histogramByLabel, percentile, positiveOption, printTable, rate } from './measure';
import { raiseRuleLimits } from './raise-rule-limits';
import { freePorts } from './free-port';

/** dist/ (this file is dist/test/bench/gateway.bench.js once built). */
const DIST = resolve(__dirname, '..', '..');
const CLI = join(DIST, 'apps', 'cli', 'src', 'main.js');
const SERVICE = 'mju/population/person-by-iin';
const PURPOSE = 'driving-licence-issue';
const RULE = 'psc-front-office.person-by-iin';
const CLIENTS = 4;
const RATES = [50, 250, 500, 1000, 2000] as const;

export async function run(args: readonly string[]): Promise<void> {
  const seconds = positiveOption(args, '--seconds', 6);
  const people = positiveOption(args, '--people', 10_000);
  // The development federation encrypts the registries' bodies; --clear-bodies measures the same system without.
  const clearBodies = args.includes('--clear-bodies');
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run bench builds it`);

  const dir = mkdtempSync(join(tmpdir(), 'kopir-bench-gateway-'));
  let system: ChildProcess | undefined;
  let echo: ChildProcess | undefined;
  const clients: KopirClient[] = [];
  let echoAgents: Agent[] = [];
  try {
    const env = await systemEnv(people);
    await prepareFederation(dir, env, clearBodies);
    const up = await startUp(dir, env);
    system = up.child;
    const gateway = `https://127.0.0.1:${env.GATEWAY_PORT}`;
    const ops = `http://127.0.0.1:${env.GATEWAY_OPS_PORT}`;
    const pki = join(dir, 'certs', 'dev');
    const paths = devPkiPaths(pki);
    const iins = samplePeople(join(dir, 'data', 'registries'), 500).map((p) => p.iin);
    const iinAt = (i: number): string => iins[i % iins.length] as string;
    const systemPids = (): number[] => descendants(up.child.pid ?? -1);
    process.stdout.write(
      `system up in ${up.seconds.toFixed(1)} s: ${systemPids().length} processes (kopir up, broker, audit, 3 adapters, ` +
        `gateway); ${people.toLocaleString('en-US')} people; ${seconds} s per measurement; bodies ` +
        `${clearBodies ? 'in clear (--clear-bodies)' : 'encrypted (JWE)'} on Kafka\n\n`,
    );

    for (let c = 0; c < CLIENTS; c++) clients.push(KopirClient.fromDevPki(pki, 'psc/front-office', gateway, 15_000));
    const gatewayCall: Call = (i) => {
      const iin = iinAt(i);
      const client = clients[i % CLIENTS] as KopirClient;
      return client.call(SERVICE, { iin }, { purpose: PURPOSE, subject: iin });
    };
    // Correctness first: one call must succeed with a verified provider signature, or the figures mean nothing.
    const first = await clients[0]?.call<{ iin?: string }>(
      SERVICE,
      { iin: iinAt(0) },
      { purpose: PURPOSE, subject: iinAt(0) },
    );
    if (first?.body.iin !== iinAt(0) || !first.auditReceipt)
      throw new Error('the first call did not answer as expected');

    echo = fork(join(__dirname, 'mtls-echo-server.js'), [paths.gateway.cert, paths.gateway.key, paths.chain], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const echoPort = await new Promise<number>((resolvePort, reject) => {
      echo?.once('message', (m: { port: number }) => resolvePort(m.port));
      echo?.once('exit', (code) => reject(new Error(`the echo server exited with ${code}`)));
    });
    const tls = paths.system('psc/front-office').tls;
    echoAgents = Array.from(
      { length: CLIENTS },
      () =>
        new Agent({
          keepAlive: true,
          maxSockets: 16, // as KopirClient's default
          cert: readFileSync(tls.cert),
          key: readFileSync(tls.key),
          ca: readFileSync(paths.chain),
          rejectUnauthorized: true,
          minVersion: 'TLSv1.2',
        }),
    );
    const echoCall: Call = (i) => echoPost(echoAgents[i % CLIENTS] as Agent, echoPort, iinAt(i));
    const echoPid = echo.pid ?? -1;

    // Warm up both (JIT, TLS sessions, Kafka metadata, SQLite page cache), bounded in time and count.
    await closedLoop(gatewayCall, Math.min(2, seconds), systemPids);
    await closedLoop(echoCall, 1, () => [echoPid]);

    await quiesce(systemPids);
    const maxEcho = await closedLoop(echoCall, seconds, () => [echoPid]);
    const phasesBefore = await phaseSnapshot(ops);
    const max = { gateway: await closedLoop(gatewayCall, seconds, systemPids), echo: maxEcho };
    const phases: { load: string; result: LoadResult; means: PhaseMeans }[] = [
      { load: 'closed loop', result: max.gateway, means: phaseMeans(phasesBefore, await phaseSnapshot(ops)) },
    ];
    await quiesce(systemPids);
    const registries = ReferenceRegistries.open(join(dir, 'data', 'registries'));
    let d = 0;
    const direct = await rate(
      'direct',
      () => {
        const iin = iinAt(d++);
        return registries.query(SERVICE, { iin });
      },
      seconds * 1000,
    );
    registries.close();

    const fixed: { rate: number; gateway: LoadResult; echo: LoadResult }[] = [];
    for (const perSecond of RATES) {
      // The echo first, on an idle machine; then the gateway; then let the system drain what it still owes.
      const echoResult = await openLoop(echoCall, perSecond, seconds, () => [echoPid]);
      const before = await phaseSnapshot(ops);
      const gatewayResult = await openLoop(gatewayCall, perSecond, seconds, systemPids);
      phases.push({
        load: `${perSecond.toLocaleString('en-US')}/s`,
        result: gatewayResult,
        means: phaseMeans(before, await phaseSnapshot(ops)),
      });
      fixed.push({ rate: perSecond, gateway: gatewayResult, echo: echoResult });
      await quiesce(systemPids);
    }

    const tps = (r: LoadResult): number => r.completed / r.seconds;
    const cpu = (ms: number, r: LoadResult): string => (r.completed === 0 ? '-' : (ms / r.completed).toFixed(3));
    const notes = (r: LoadResult): string =>
      r.errors + r.dropped === 0
        ? ''
        : `${r.errors} errors, ${r.dropped} not sent${r.firstError ? `: ${r.firstError}` : ''}`;
    const closedLoopRow = (path: string, r: LoadResult): (string | number)[] => [
      path,
      tps(r),
      ...latencyCells(r),
      cpu(r.serverCpuMs, r),
      cpu(r.clientCpuMs, r),
      notes(r),
    ];
    process.stdout.write('### Maximum throughput (closed loop, 48 in flight over 4 clients)\n\n');
    printTable(
      ['path', 'round trips/s', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'client CPU ms/req', 'errors'],
      [
        closedLoopRow('gateway (full path)', max.gateway),
        closedLoopRow('baseline: mTLS echo', max.echo),
        [
          'baseline: direct registry query',
          direct.opsPerSecond,
          '-',
          '-',
          '-',
          (1000 / direct.opsPerSecond).toFixed(3),
          '',
        ],
      ],
    );
    const ratio = tps(max.gateway) / direct.opsPerSecond;
    process.stdout.write(
      `\ngateway / direct: ${(ratio * 100).toFixed(1)}% (target ≥ 25%); gateway / echo: ` +
        `${((tps(max.gateway) / tps(max.echo)) * 100).toFixed(1)}%\n\n`,
    );
    process.stdout.write(`### Latency at fixed rates (open loop, ${seconds} s each)\n\n`);
    printTable(
      [
        'rate req/s',
        'path',
        'achieved/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'server CPU ms/req',
        'client CPU ms/req',
        'errors',
      ],
      fixed.flatMap((f) =>
        (
          [
            ['gateway', f.gateway],
            ['mTLS echo', f.echo],
          ] as const
        ).map(([name, r]) => [
          f.rate.toLocaleString('en-US'),
          name,
          tps(r),
          percentile(r.latencies, 50),
          percentile(r.latencies, 90),
          percentile(r.latencies, 99),
          percentile(r.latencies, 100),
          cpu(r.serverCpuMs, r),
          cpu(r.clientCpuMs, r),
          notes(r),
        ]),
      ),
    );
    process.stdout.write('\n### Server CPU per request by process (closed loop, gateway path)\n\n');
    printTable(
      ['process', 'CPU ms/req', 'share of one core'],
      [...max.gateway.byProcess]
        .sort((a, b) => b[1] - a[1])
        .map(([name, ms]) => [
          name,
          max.gateway.completed === 0 ? '-' : (ms / max.gateway.completed).toFixed(3),
          `${((ms / (max.gateway.seconds * 1000)) * 100).toFixed(0)}%`,
        ]),
    );
    process.stdout.write(
      "\n### Where a round trip's time went (mean ms per successful request; gateway phases from its /metrics)\n\n",
    );
    const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / (values.length || 1);
    printTable(
      ['load', 'caller', 'outside the relay', 'relay', ...PHASES],
      phases.map(({ load, result, means }) => [
        load,
        mean(result.latencies).toFixed(2),
        (mean(result.latencies) - means.relay).toFixed(2),
        means.relay.toFixed(2),
        ...PHASES.map((phase) => (means[phase] ?? 0).toFixed(2)),
      ]),
    );
    process.stdout.write(
      '\ncaller: latency seen by the client; relay: kopir_gateway_request_duration_seconds; outside the relay: the ' +
        "client's signing and verifying, TLS and HTTP both ways, queueing for the gateway's event loop; checks: " +
        'identity, signature, access decision, schema, signed envelope; provider: Kafka to the adapter and back ' +
        'with its work; answer: decrypting and verifying it; audit: the audit event acknowledged by Kafka.\n',
    );
    process.stdout.write(
      '\nserver CPU: utime + stime of the `kopir up` process tree (gateway, broker, adapters, audit) or of the echo ' +
        'process, from /proc/<pid>/stat; client CPU: this process (signing requests, verifying answers, TLS).\n',
    );
  } finally {
    for (const client of clients) client.close();
    for (const agent of echoAgents) agent.destroy();
    if (echo && echo.exitCode === null) {
      const exited = new Promise((r) => echo?.once('exit', r));
      echo.disconnect();
      await Promise.race([exited, delay(5000)]);
      if (echo.exitCode === null) echo.kill('SIGKILL');
    }
    if (system && system.exitCode === null) {
      const exited = new Promise((r) => system?.once('exit', r));
      system.kill('SIGTERM');
      await Promise.race([exited, delay(15_000)]);
      if (system.exitCode === null) system.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const PHASES = ['checks', 'provider', 'answer', 'audit'] as const;
type PhaseMeans = { readonly relay: number } & Partial<Record<(typeof PHASES)[number], number>>;
interface PhaseSnapshot {
  readonly phases: ReadonlyMap<string, { readonly sum: number; readonly count: number }>;
  readonly relay: { readonly sum: number; readonly count: number };
}

/** The gateway's phase and request-duration histograms (successful requests), read from its ops port. */
async function phaseSnapshot(ops: string): Promise<PhaseSnapshot> {
  const text = await (await fetch(`${ops}/metrics`)).text();
  return {
    phases: histogramByLabel(text, 'kopir_gateway_phase_duration_seconds', 'phase'),
    relay: histogramByLabel(text, 'kopir_gateway_request_duration_seconds', 'outcome').get('ok') ?? {
      sum: 0,
      count: 0,
    },
  };
}

/** Mean ms per request between two snapshots, for the relay as a whole and for each phase. */
function phaseMeans(before: PhaseSnapshot, after: PhaseSnapshot): PhaseMeans {
  const meanMs = (a: { sum: number; count: number } | undefined, b: { sum: number; count: number } | undefined) => {
    const count = (b?.count ?? 0) - (a?.count ?? 0);
    return count > 0 ? (((b?.sum ?? 0) - (a?.sum ?? 0)) / count) * 1000 : 0;
  };
  const out: { relay: number } & Partial<Record<(typeof PHASES)[number], number>> = {
    relay: meanMs(before.relay, after.relay),
  };
  for (const phase of PHASES) out[phase] = meanMs(before.phases.get(phase), after.phases.get(phase));
  return out;
}

function latencyCells(r: LoadResult): [number, number] {
  return [percentile(r.latencies, 50), percentile(r.latencies, 99)];
}

/** The echo baseline's call: the same body to the same path, answered with itself. */
async function echoPost(agent: Agent, port: number, iin: string): Promise<void> {
  const body = Buffer.from(JSON.stringify({ iin }));
  const answer = await post(agent, port, `/r1/${SERVICE}`, body);
  if (answer.status !== 200 || !answer.body.equals(body)) throw new Error(`echo answered ${answer.status}`);
}

async function systemEnv(people: number): Promise<Record<string, string>> {
  const [broker, gateway, ops, audit, auditOps] = (await freePorts(5)) as [number, number, number, number, number];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'KAFKA_BROKERS') env[k] = v;
  return {
    ...env,
    BROKER_PORT: String(broker),
    GATEWAY_PORT: String(gateway),
    GATEWAY_OPS_PORT: String(ops),
    GATEWAY_INSTANCE_ID: 'gw-bench',
    AUDIT_PORT: String(audit),
    AUDIT_OPS_PORT: String(auditOps),
    REGISTRIES_PEOPLE: String(people),
    NO_COLOR: '1',
  };
}

function kopir(dir: string, env: Record<string, string>, args: readonly string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolveRun(output);
      else reject(new Error(`kopir ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

/**
 * The development PKI and federation, with the benchmarked rule's rate limit and daily quota raised (and the
 * document's version raised, as any change must), signed with the federation authority's key before anything loads it.
 */
async function prepareFederation(dir: string, env: Record<string, string>, clearBodies: boolean): Promise<void> {
  await kopir(dir, env, ['pki', 'init']);
  await kopir(dir, env, ['federation', 'init']);
  const file = join(dir, 'data', 'federation', 'federation.yaml');
  const yaml = raiseRuleLimits(readFileSync(file, 'utf8'), RULE);
  writeFileSync(file, clearBodies ? yaml.replaceAll('encryptBodies: true', 'encryptBodies: false') : yaml);
  await kopir(dir, env, ['federation', 'validate']);
  await kopir(dir, env, ['federation', 'sign']);
}

async function startUp(dir: string, env: Record<string, string>): Promise<{ child: ChildProcess; seconds: number }> {
  const started = performance.now();
  let output = '';
  const child = spawn(process.execPath, [CLI, 'up'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  try {
    await new Promise<void>((resolveReady, reject) => {
      const timer = setInterval(() => {
        if (output.includes('Köpir is up.')) {
          clearInterval(timer);
          resolveReady();
        } else if (performance.now() - started > 180_000) {
          clearInterval(timer);
          reject(new Error(`kopir up was not ready in 180 s:\n${output.slice(-4000)}`));
        }
      }, 100);
      child.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`kopir up exited with ${code}:\n${output.slice(-4000)}`));
      });
    });
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGTERM');
    throw error;
  }
  return { child, seconds: (performance.now() - started) / 1000 };
}
