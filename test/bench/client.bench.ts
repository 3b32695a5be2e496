/**
 * `npm run bench -- client [--seconds N] [--rounds N]`: the CPU the consumer client spends per call, KopirClient beside
 * a bare client doing the same cryptography in the same run (the floor's client, floor.bench.ts: ES256 sign of the
 * request, ES256 verify of the answer, node:https keep-alive with the same agent settings). Both call one serving
 * process (client-answer-server.ts: mutual TLS, a real ES256 answer signature per call) and only this process's CPU
 * is counted, so the figures hold still while other processes share the machine, unlike the whole-system benchmarks.
 * Closed loop, 4 clients, 48 calls in flight (as gateway.bench.ts); the two alternate over a few rounds.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KopirClient } from '@kopir/client';
import { devPkiPaths, initDevPki, loadPrivateKey } from '@kopir/pki';
import { CLIENT_BENCH_SERVICE } from './client-answer-server';
import { signedFloorHeaders, verifyEs256 } from './floor-node';
import { post } from './https';
import { closedLoop, delay, type Call, type LoadResult } from './load';
import { positiveOption, printTable } from './measure';

const CLIENTS = 4;
const PURPOSE = 'driving-licence-issue';

export async function run(args: readonly string[]): Promise<void> {
  const seconds = positiveOption(args, '--seconds', 3);
  const rounds = positiveOption(args, '--rounds', 3);
  // `--only kopir` or `--only bare`: one client alone, for a CPU profile of it (node --cpu-prof).
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kopir-bench-client-'));
  let server: ChildProcess | undefined;
  const clients: KopirClient[] = [];
  const agents: Agent[] = [];
  try {
    const pki = join(dir, 'pki');
    await initDevPki(pki, { systems: ['psc/front-office', 'mju/population'], officers: [], kafkaBrokers: [] });
    const paths = devPkiPaths(pki);
    server = fork(join(__dirname, 'client-answer-server.js'), [pki], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolvePort, reject) => {
      server?.once('message', (m) => resolvePort((m as { port: number }).port));
      server?.once('exit', (code) => reject(new Error(`client-answer-server exited with ${String(code)}`)));
    });
    const gateway = `https://127.0.0.1:${port}`;

    for (let c = 0; c < CLIENTS; c++) clients.push(KopirClient.fromDevPki(pki, 'psc/front-office', gateway, 15_000));
    const kopirCall: Call = async (i) => {
      const iin = String(100000000000 + (i % 500));
      const result = await (clients[i % CLIENTS] as KopirClient).call<{ iin: string }>(
        CLIENT_BENCH_SERVICE,
        { iin },
        { purpose: PURPOSE, subject: iin },
      );
      if (result.body.iin !== iin) throw new Error('an answer about another person');
    };

    const files = paths.system('psc/front-office');
    for (let c = 0; c < CLIENTS; c++)
      agents.push(
        new Agent({
          keepAlive: true,
          maxSockets: 16, // as KopirClient's default
          cert: readFileSync(files.tls.cert),
          key: readFileSync(files.tls.key),
          ca: readFileSync(paths.chain),
          rejectUnauthorized: true,
          minVersion: 'TLSv1.2',
        }),
      );
    const clientKey = loadPrivateKey(readFileSync(files.signing.key, 'utf8'));
    const providerKey = createPublicKey(
      loadPrivateKey(readFileSync(paths.system('mju/population').signing.key, 'utf8')),
    );
    const path = `/r1/${CLIENT_BENCH_SERVICE}`;
    const bareCall: Call = async (i) => {
      const iin = String(100000000000 + (i % 500));
      const body = Buffer.from(JSON.stringify({ iin }));
      const answer = await post(
        agents[i % CLIENTS] as Agent,
        port,
        path,
        body,
        signedFloorHeaders(clientKey, path, body),
      );
      verifyBare(providerKey, answer, iin);
    };

    await kopirCall(0); // correctness first: both clients get a verified answer, or the figures mean nothing
    await bareCall(0);
    if (only !== 'bare') await closedLoop(kopirCall, 1, () => []);
    if (only !== 'kopir') await closedLoop(bareCall, 1, () => []);
    const results = { kopir: [] as LoadResult[], bare: [] as LoadResult[] };
    for (let r = 0; r < rounds; r++) {
      if (only !== 'kopir') results.bare.push(await closedLoop(bareCall, seconds, () => []));
      if (only !== 'bare') results.kopir.push(await closedLoop(kopirCall, seconds, () => []));
    }
    const row = (name: string, runs: readonly LoadResult[]): (string | number)[] => {
      const perCall = runs.map((r) => (r.clientCpuMs * 1000) / r.completed);
      const errors = runs.reduce((n, r) => n + r.errors, 0);
      return [
        name,
        runs.reduce((n, r) => n + r.completed / r.seconds, 0) / runs.length,
        Math.min(...perCall),
        perCall.reduce((a, b) => a + b, 0) / perCall.length,
        errors === 0 ? '' : `${errors} ${runs.find((r) => r.firstError)?.firstError ?? ''}`,
      ];
    };
    process.stdout.write(
      `client CPU per call (this process only), closed loop, ${CLIENTS} clients, 48 in flight, ${rounds} rounds of ${seconds} s\n\n`,
    );
    printTable(
      ['client', 'calls/s', 'CPU µs/call (best)', 'CPU µs/call (mean)', 'errors'],
      [
        ...(results.bare.length > 0 ? [row('bare: ES256 sign + verify, node:https (floor)', results.bare)] : []),
        ...(results.kopir.length > 0 ? [row('KopirClient', results.kopir)] : []),
      ],
    );
  } finally {
    for (const client of clients) client.close();
    for (const agent of agents) agent.destroy();
    if (server?.connected) server.disconnect();
    await delay(300);
    if (server && server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function verifyBare(key: KeyObject, answer: { body: Buffer; headers: Record<string, unknown> }, iin: string): void {
  const signature = answer.headers['x-bench-raw-signature'];
  if (typeof signature !== 'string' || !verifyEs256(key, answer.body, signature)) {
    throw new Error('the provider signature did not verify');
  }
  if ((JSON.parse(answer.body.toString('utf8')) as { iin?: string }).iin !== iin) {
    throw new Error('an answer about another person');
  }
}
