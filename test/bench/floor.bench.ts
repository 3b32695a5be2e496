/**
 * `npm run bench -- floor [--seconds N]`: the least work the gateway path of issue 6 can do on this machine with the
 * project's chosen packages, measured beside the mutual-TLS echo in the same run. What a round trip does here, and
 * nothing more (floor-node.ts has the serving side):
 *
 *   client: signs (ES256) its request id, issued-at, path and body hash; POST over mutual TLS (keep-alive, TLS 1.3)
 *   gateway (node:https): identity of the TLS certificate (cached per connection), verifies the signature, replay and
 *     freshness check, signs an envelope (ES256), produces it (kafkajs, group commit, acks=1)
 *   embedded broker (apps/broker, its own process, as `kopir up` runs it)
 *   adapter: reads the envelope (kafkajs), verifies it, answers a trivial body, signs the answer, produces it
 *   gateway: reads the answer, verifies it, produces an audit event with acks=all and waits for it, answers
 *   client: verifies the provider's signature.
 *
 * No framework, access rules, schema, quota, metrics, logs or encryption. So whatever this reaches bounds what the
 * real gateway (which does all of those too) can reach on this machine: if the floor is below a target, the target
 * is out of reach here for any implementation of the path with these packages and this broker.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createKafka, ensureTopics, silentLogger } from '@kopir/messaging';
import { devPkiPaths, loadPrivateKey } from '@kopir/pki';
import { FLOOR_PATH, FLOOR_TOPICS, signedFloorHeaders, verifyEs256 } from './floor-node';
import { freePort, waitForPort } from './free-port';
import { post } from './https';
import { closedLoop, delay, openLoop, quiesce, type Call, type LoadResult } from './load';
import { percentile, positiveOption, printTable } from './measure';

const DIST = resolve(__dirname, '..', '..');
const CLI = join(DIST, 'apps', 'cli', 'src', 'main.js');
const BROKER = join(DIST, 'apps', 'broker', 'src', 'main.js');
const CLIENTS = 4;
const RATES = [500, 1000, 1500, 2000] as const;

export async function run(args: readonly string[]): Promise<void> {
  const seconds = positiveOption(args, '--seconds', 6);
  const dir = mkdtempSync(join(tmpdir(), 'kopir-bench-floor-'));
  const children: ChildProcess[] = [];
  const agents: Agent[] = [];
  try {
    await runCli(dir, ['pki', 'init']);
    const pki = join(dir, 'certs', 'dev');
    const paths = devPkiPaths(pki);
    const brokerPort = await freePort();
    const brokers = `127.0.0.1:${brokerPort}`;
    const broker = spawn(process.execPath, [BROKER, '--port', String(brokerPort), '--data-dir', join(dir, 'broker')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(broker);
    await waitForPort(brokerPort, 30_000);
    await ensureTopics(createKafka({ brokers: [brokers], clientId: 'floor-setup', logger: silentLogger }), [
      { topic: FLOOR_TOPICS.request, numPartitions: 1 },
      { topic: FLOOR_TOPICS.reply, numPartitions: 1 },
      { topic: FLOOR_TOPICS.audit, numPartitions: 1 },
    ]);
    const node = join(__dirname, 'floor-node.js');
    const adapter = (await forkReady(children, node, ['adapter', brokers, pki])).child;
    const gatewayPort = await freePort();
    const gateway = (await forkReady(children, node, ['gateway', String(gatewayPort), brokers, pki])).child;
    const echoServer = join(__dirname, 'mtls-echo-server.js');
    const started = await forkReady(children, echoServer, [paths.gateway.cert, paths.gateway.key, paths.chain]);
    const echo = started.child;
    const echoPort = (started.message as { port: number }).port;

    const tls = paths.system('psc/front-office').tls;
    for (let c = 0; c < CLIENTS; c++)
      agents.push(
        new Agent({
          keepAlive: true,
          maxSockets: 16,
          cert: readFileSync(tls.cert),
          key: readFileSync(tls.key),
          ca: readFileSync(paths.chain),
          rejectUnauthorized: true,
          minVersion: 'TLSv1.3',
        }),
      );
    const clientKey = loadPrivateKey(readFileSync(paths.system('psc/front-office').signing.key));
    const providerKey = createPublicKey(readFileSync(paths.system('mju/population').signing.cert));
    const floorCall: Call = async (i) => {
      const body = Buffer.from(JSON.stringify({ iin: String(100000000000 + (i % 500)) }));
      const headers = signedFloorHeaders(clientKey, FLOOR_PATH, body);
      const requestId = headers['kopir-request-id'];
      const answer = await post(agents[i % CLIENTS] as Agent, gatewayPort, FLOOR_PATH, body, headers);
      if (answer.status !== 200) throw new Error(`the gateway answered ${answer.status}`);
      const answerSignature = answer.headers['kopir-response-signature'];
      if (typeof answerSignature !== 'string' || !verifyEs256(providerKey, answer.body, answerSignature))
        throw new Error('the provider signature did not verify');
      if ((JSON.parse(String(answer.body)) as { requestId?: string }).requestId !== requestId)
        throw new Error('an answer to another request');
    };
    const echoCall: Call = async (i) => {
      const body = Buffer.from(JSON.stringify({ iin: String(100000000000 + (i % 500)) }));
      const answer = await post(agents[i % CLIENTS] as Agent, echoPort, FLOOR_PATH, body);
      if (answer.status !== 200) throw new Error(`the echo answered ${answer.status}`);
      if (!answer.body.equals(body)) throw new Error('the echo answered another body');
    };
    const floorPids = (): number[] =>
      [broker.pid, adapter.pid, gateway.pid].filter((p): p is number => p !== undefined);
    const echoPids = (): number[] => (echo.pid === undefined ? [] : [echo.pid]);
    process.stdout.write(
      `floor: broker, adapter, gateway (each its own process, loopback); ${CLIENTS} clients; ${seconds} s per measurement\n\n`,
    );

    await floorCall(0); // correctness first: a verified answer to its own request, or the figures mean nothing
    await closedLoop(floorCall, Math.min(2, seconds), floorPids);
    await closedLoop(echoCall, 1, echoPids);
    await quiesce(floorPids);
    const rows: { path: string; load: string; r: LoadResult }[] = [];
    rows.push({
      path: 'floor of the gateway path',
      load: 'closed loop',
      r: await closedLoop(floorCall, seconds, floorPids),
    });
    rows.push({ path: 'baseline: mTLS echo', load: 'closed loop', r: await closedLoop(echoCall, seconds, echoPids) });
    for (const perSecond of RATES) {
      await quiesce(floorPids);
      const label = `${perSecond.toLocaleString('en-US')}/s`;
      rows.push({
        path: 'floor of the gateway path',
        load: label,
        r: await openLoop(floorCall, perSecond, seconds, floorPids),
      });
      rows.push({
        path: 'baseline: mTLS echo',
        load: label,
        r: await openLoop(echoCall, perSecond, seconds, echoPids),
      });
    }
    const per = (ms: number, r: LoadResult): string => (r.completed === 0 ? '-' : (ms / r.completed).toFixed(3));
    printTable(
      ['load', 'path', 'round trips/s', 'p50 ms', 'p99 ms', 'server CPU ms/rt', 'client CPU ms/rt', 'errors'],
      rows.map(({ path, load, r }) => [
        load,
        path,
        r.completed / r.seconds,
        percentile(r.latencies, 50),
        percentile(r.latencies, 99),
        per(r.serverCpuMs, r),
        per(r.clientCpuMs, r),
        r.errors + r.dropped === 0 ? '' : `${r.errors} errors, ${r.dropped} not sent ${r.firstError ?? ''}`,
      ]),
    );
    const closed = rows[0]?.r;
    if (closed) {
      process.stdout.write('\nfloor, closed loop, CPU ms per round trip by process: ');
      process.stdout.write(
        [...closed.byProcess].map(([name, ms]) => `${name} ${(ms / closed.completed).toFixed(3)}`).join(', ') +
          `, client ${(closed.clientCpuMs / closed.completed).toFixed(3)}\n`,
      );
    }
  } finally {
    for (const agent of agents) agent.destroy();
    for (const child of children.reverse()) {
      if (child.connected) child.disconnect();
      else if (child.exitCode === null) child.kill('SIGTERM');
    }
    await delay(500);
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function runCli(cwd: string, args: readonly string[]): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolveRun() : reject(new Error(`kopir ${args.join(' ')}: ${stderr}`))));
  });
}

/** Forks a script (into `children`) and waits at most 60 s for its first IPC message, which says it is ready. */
function forkReady(
  children: ChildProcess[],
  script: string,
  args: readonly string[],
): Promise<{ child: ChildProcess; message: unknown }> {
  const child = fork(script, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} was not ready in 60 s`)), 60_000);
    child.once('message', (message: unknown) => {
      clearTimeout(timer);
      resolveReady({ child, message });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}
