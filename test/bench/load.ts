/**
 * Load for the whole-system benchmarks (gateway.bench.ts, floor.bench.ts): a closed loop (workers calling back to
 * back) and an open loop (requests started on a fixed schedule, latency counted from each one's scheduled start, so a
 * stall is not hidden), each measuring the CPU of the serving processes (from /proc) and of this process.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { processCpuMs, statFields } from './measure';

/** Open-loop requests still unanswered beyond this are not sent (the row then reports them as dropped). */
const MAX_OUTSTANDING = 4000;

export type Call = (i: number) => Promise<unknown>;

export interface LoadResult {
  readonly completed: number;
  readonly errors: number;
  readonly dropped: number;
  readonly seconds: number;
  readonly latencies: number[];
  /** CPU ms of the serving processes and of this process, over the run. */
  readonly serverCpuMs: number;
  readonly clientCpuMs: number;
  readonly byProcess: ReadonlyMap<string, number>;
  readonly firstError?: string;
}

/** `inFlight` workers, each calling back to back, for `seconds` (and at most 1,000,000 calls). */
export async function closedLoop(
  call: Call,
  seconds: number,
  pids: () => number[],
  inFlight = 48,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const before = cpuSnapshot(pids());
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until && next < 1_000_000) {
        const i = next++;
        const t0 = performance.now();
        try {
          await call(i);
          latencies.push(performance.now() - t0);
          completed++;
        } catch (error) {
          errors++;
          firstError ??= describe(error);
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return loadResult({ completed, errors, dropped: 0, seconds: elapsed, latencies, firstError }, before, pids);
}

/**
 * Starts request i at start + i / rate (open loop: the schedule does not wait for answers), for `seconds`; latency
 * is measured from the scheduled start. Waits at most 20 s for the last answers.
 */
export async function openLoop(
  call: Call,
  perSecond: number,
  seconds: number,
  pids: () => number[],
): Promise<LoadResult> {
  const total = Math.round(perSecond * seconds);
  const latencies: number[] = [];
  let completed = 0;
  let errors = 0;
  let dropped = 0;
  let outstanding = 0;
  let firstError: string | undefined;
  const pending = new Set<Promise<void>>();
  const before = cpuSnapshot(pids());
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) * perSecond) / 1000) + 1);
    for (; sent < due; sent++) {
      const scheduled = start + (sent * 1000) / perSecond;
      if (outstanding >= MAX_OUTSTANDING) {
        dropped++;
        continue;
      }
      outstanding++;
      const p: Promise<void> = call(sent).then(
        () => {
          latencies.push(performance.now() - scheduled);
          completed++;
        },
        (error: unknown) => {
          errors++;
          firstError ??= describe(error);
        },
      );
      const tracked = p.finally(() => {
        outstanding--;
        pending.delete(tracked);
      });
      pending.add(tracked);
    }
    const nextAt = start + (sent * 1000) / perSecond;
    await delay(Math.max(0, Math.min(5, nextAt - performance.now())));
  }
  await Promise.race([Promise.all(pending), delay(20_000)]);
  const elapsed = (performance.now() - start) / 1000;
  const counts = { completed, errors, dropped: dropped + pending.size, seconds: elapsed, latencies, firstError };
  return loadResult(counts, before, pids);
}

/** A run's counts with the CPU the serving processes and this process spent since `before`. */
function loadResult(
  counts: Omit<LoadResult, 'serverCpuMs' | 'clientCpuMs' | 'byProcess' | 'firstError'> & { firstError?: string },
  before: CpuSnapshot,
  pids: () => number[],
): LoadResult {
  const after = cpuSnapshot(pids());
  const { firstError, ...rest } = counts;
  return {
    ...rest,
    serverCpuMs: after.server - before.server,
    clientCpuMs: after.client - before.client,
    byProcess: new Map([...after.byProcess].map(([k, v]) => [k, v - (before.byProcess.get(k) ?? 0)])),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

export interface CpuSnapshot {
  readonly server: number;
  readonly client: number;
  /** CPU ms per process, by service name (the script's folder: gateway, broker, population, ...). */
  readonly byProcess: ReadonlyMap<string, number>;
}

/** CPU ms so far: of the given processes (from /proc; a process gone meanwhile counts 0) and of this process. */
export function cpuSnapshot(pids: readonly number[]): CpuSnapshot {
  let server = 0;
  const byProcess = new Map<string, number>();
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms === undefined) continue; // gone meanwhile: counts 0
    server += ms;
    const name = processName(pid);
    byProcess.set(name, (byProcess.get(name) ?? 0) + ms);
  }
  const own = process.cpuUsage();
  return { server, client: (own.user + own.system) / 1000, byProcess };
}

/** A service's name: its app's folder (dist/apps/<name>/src/main.js), or a benchmark role (floor-node.js <role>). */
function processName(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = args.findIndex((a) => a.endsWith('.js'));
    const script = args[at] ?? args[0] ?? '?';
    const parts = script.split('/');
    if (script.endsWith('cli/src/main.js')) return 'kopir up';
    if (!script.endsWith('/main.js'))
      return `${parts[parts.length - 1]?.slice(0, -'.js'.length)} ${args[at + 1] ?? ''}`.trim();
    return parts.length >= 3 ? (parts[parts.length - 3] as string) : script;
  } catch {
    return `pid ${pid}`;
  }
}

/** Waits (at most 30 s) until the serving processes are nearly idle, so one phase's backlog does not tax the next. */
export async function quiesce(pids: () => number[]): Promise<void> {
  const until = performance.now() + 30_000;
  while (performance.now() < until) {
    const before = cpuSnapshot(pids()).server;
    await delay(500);
    if (cpuSnapshot(pids()).server - before < 50) return; // < 10% of one core over 0.5 s
  }
}

/** The process and all its descendants (by parent pid, from /proc). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < 1000) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) return String(error.code);
  return error instanceof Error ? error.message : String(error);
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
