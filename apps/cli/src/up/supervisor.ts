import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { childEnvironment } from '@kopir/config';
import type { Output } from '../output';

export interface ServiceSpec {
  /** Shown as the prefix of every line the service writes. */
  readonly name: string;
  /** The compiled entry point (dist/apps/<app>/src/main.js). */
  readonly script: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface SupervisorOptions {
  readonly out: Output;
  readonly color: boolean;
  /** First restart delay; doubles on each crash within a minute, up to 30 s. */
  readonly restartDelayMs?: number;
  /** How long a stopping service may take before it is killed. */
  readonly stopTimeoutMs?: number;
}

interface LineWaiter {
  readonly text: string;
  resolve(): void;
  reject(error: Error): void;
}

interface Running {
  readonly spec: ServiceSpec;
  /** Who waits for a line of this service (waitForLine), until one matches. */
  waiters: LineWaiter[];
  child: ChildProcess | undefined;
  startedAt: number;
  crashes: number;
  timer: NodeJS.Timeout | undefined;
}

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93];

/**
 * Runs Köpir's services as child processes for `kopir up`: one readable, prefixed log stream; a crashed service is
 * reported and restarted with back-off; stop() ends every service (SIGTERM, then SIGKILL after a timeout) so that
 * no process outlives the supervisor's own stop.
 */
export class Supervisor {
  private readonly services = new Map<string, Running>();
  private readonly stopController = new AbortController();
  /** Aborted once the supervisor stops or kills its services: waits for their start-up end with it. */
  readonly stopped: AbortSignal = this.stopController.signal;
  private width = 8;

  constructor(private readonly options: SupervisorOptions) {}

  start(spec: ServiceSpec): void {
    this.width = Math.max(this.width, spec.name.length);
    const running: Running = { spec, waiters: [], child: undefined, startedAt: 0, crashes: 0, timer: undefined };
    this.services.set(spec.name, running);
    this.launch(running);
  }

  /** The services running now, by name, with their process ids. */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.services].map(([name, r]) => [name, r.child?.pid]));
  }

  log(name: string, line: string): void {
    this.options.out.stdout(`${this.prefix(name)}${line}\n`);
  }

  /**
   * Resolves when the service `name` (started before) writes a line containing `text` (colour codes removed): the
   * readiness of a service that has no port to wait for, such as an adapter. Rejects after `timeoutMs`, or at once
   * when the supervisor stops (a Ctrl-C during start-up must not leave `kopir up` waiting for the timeout).
   */
  waitForLine(name: string, text: string, timeoutMs: number): Promise<void> {
    const running = this.services.get(name);
    if (!running) return Promise.reject(new Error(`no service ${name}`));
    if (this.stopped.aborted)
      return Promise.reject(new Error(`${name} was stopped before it reported ${JSON.stringify(text)}`));
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        running.waiters = running.waiters.filter((w) => w !== waiter);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => settle(new Error(`${name} did not report ${JSON.stringify(text)} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const waiter: LineWaiter = { text, resolve: () => settle(), reject: settle };
      running.waiters.push(waiter);
    });
  }

  /** Kills every service at once (SIGKILL), for a stop that must not wait; resolves when they have exited. */
  kill(): Promise<void> {
    return this.end((child) => {
      child.kill('SIGKILL');
      return Promise.resolve();
    });
  }

  /** Asks every service to stop (SIGTERM) and kills the ones still running after the stop timeout. */
  stop(): Promise<void> {
    return this.end(async (child, name, exited) => {
      child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), this.options.stopTimeoutMs ?? 10_000).unref(),
      );
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        this.log(name, 'did not stop in time; killing it');
        child.kill('SIGKILL');
      }
    });
  }

  /** Ends every running service with `endOne`, no restart after; resolves once each has exited. */
  private async end(
    endOne: (child: ChildProcess, name: string, exited: Promise<void>) => Promise<void>,
  ): Promise<void> {
    this.stopController.abort();
    for (const running of this.services.values()) {
      for (const waiter of [...running.waiters]) {
        waiter.reject(new Error(`${running.spec.name} was stopped before it reported ${JSON.stringify(waiter.text)}`));
      }
    }
    const exits = [...this.services.values()].map(async (running) => {
      if (running.timer) clearTimeout(running.timer);
      const child = running.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await endOne(child, running.spec.name, exited);
      await exited;
    });
    await Promise.all(exits);
  }

  private launch(running: Running): void {
    const { spec } = running;
    const child = spawn(process.execPath, [spec.script], {
      env: childEnvironment({ ...spec.env, ...(this.options.color ? { FORCE_COLOR: '1' } : {}) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.child = child;
    running.startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.log(spec.name, line);
        if (running.waiters.length === 0) return;
        // eslint-disable-next-line no-control-regex -- the colour codes of FORCE_COLOR output
        const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
        for (const waiter of running.waiters.filter((w) => plain.includes(w.text))) waiter.resolve();
      });
    }
    child.on('error', (error) => this.log(spec.name, `could not start: ${error.message}`));
    child.on('exit', (code, signal) => {
      if (this.stopped.aborted) {
        this.log(spec.name, `stopped${signal ? ` (${signal})` : ''}`);
        return;
      }
      // A service that ran for a minute gets a fresh back-off; a crash loop waits longer each time.
      running.crashes = Date.now() - running.startedAt > 60_000 ? 1 : running.crashes + 1;
      const delay = Math.min(30_000, (this.options.restartDelayMs ?? 1000) * 2 ** (running.crashes - 1));
      this.log(
        spec.name,
        `exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); restarting in ${Math.round(delay / 100) / 10} s`,
      );
      running.timer = setTimeout(() => {
        running.timer = undefined;
        if (!this.stopped.aborted) this.launch(running);
      }, delay);
    });
  }

  private prefix(name: string): string {
    const label = name.padEnd(this.width);
    if (!this.options.color) return `${label} | `;
    const index = [...this.services.keys()].indexOf(name);
    return `\x1b[${COLORS[(index < 0 ? 0 : index) % COLORS.length]}m${label}\x1b[0m | `;
  }
}

/** Resolves once something accepts TCP connections at host:port, or rejects after timeoutMs. */
export async function waitForPort(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new Error(`stopped while waiting for ${host}:${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing is listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Stops `supervisor` on SIGINT or SIGTERM and resolves when every service has exited. The first signal stops them
 * gracefully ({@link Supervisor.stop}); a second one, while that is under way (Ctrl-C pressed again, or a service
 * manager's second SIGTERM), kills them at once. The listeners stay installed until the end: with a once-only
 * listener the second signal would kill the supervisor itself, and the services still stopping would be orphaned.
 */
export function stopOnSignals(supervisor: Supervisor, out: Output): Promise<void> {
  return new Promise((resolve) => {
    let stopping: Promise<void> | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping === undefined) {
        out.stdout(`\nup: ${signal}: stopping every service (again to kill them at once)\n`);
        stopping = supervisor.stop();
      } else {
        out.stdout(`\nup: ${signal} again: killing every service\n`);
        stopping = Promise.all([stopping, supervisor.kill()]).then(() => undefined);
      }
      void stopping.then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
