import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from '../bench/free-port';

export const ROOT = resolve(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');

export interface RunningSystem {
  readonly dir: string;
  readonly pki: string;
  readonly gateway: string;
  readonly officerApi: string;
  readonly ops: string;
  /** The audit service's ops port (health, metrics). */
  readonly auditOps: string;
  readonly env: Record<string, string>;
  /** Process id of `kopir up` (its services are its children). */
  readonly pid: number;
  log(): string;
  /** Runs the kopir CLI in the system's directory with its environment. */
  kopir(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/**
 * Starts the whole system as `npm start` does (`kopir up` from dist/, in a fresh directory, on free ports), and
 * resolves once it prints its ready line. The suite is end-to-end: real processes, real mutual TLS, real Kafka
 * protocol, real SQLite.
 */
export interface SystemOptions {
  /** Kafka bootstrap servers of an external cluster (default: process.env.KAFKA_BROKERS; unset: embedded broker). */
  readonly kafkaBrokers?: string;
}

export async function startSystem(people = 300, options: SystemOptions = {}): Promise<RunningSystem> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it)`);
  const dir = mkdtempSync(join(tmpdir(), 'kopir-system-'));
  const [broker, gateway, ops, audit, auditOps] = (await freePorts(5)) as [number, number, number, number, number];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    BROKER_PORT: String(broker),
    GATEWAY_PORT: String(gateway),
    GATEWAY_OPS_PORT: String(ops),
    GATEWAY_INSTANCE_ID: 'gw-test',
    AUDIT_PORT: String(audit),
    AUDIT_OPS_PORT: String(auditOps),
    REGISTRIES_PEOPLE: String(people),
    NO_COLOR: '1',
  };
  const kafkaBrokers = options.kafkaBrokers ?? process.env.KAFKA_BROKERS;
  if (kafkaBrokers) env.KAFKA_BROKERS = kafkaBrokers;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [CLI, 'up'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Köpir is up.')) {
        clearInterval(timer);
        resolveReady();
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`kopir up exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
  const kopir = (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolveRun) => {
      const run = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      run.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      run.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      run.on('exit', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
    });
  return {
    dir,
    pki: join(dir, 'certs', 'dev'),
    gateway: `https://127.0.0.1:${gateway}`,
    officerApi: `https://127.0.0.1:${audit}`,
    ops: `http://127.0.0.1:${ops}`,
    auditOps: `http://127.0.0.1:${auditOps}`,
    env,
    pid: child.pid ?? -1,
    log: () => output,
    kopir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
