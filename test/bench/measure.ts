import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface Rate {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly count: number;
}

/**
 * Runs `op` repeatedly for about `ms` milliseconds after a short warm-up, awaiting each call, and returns the rate.
 * Sync and async operations are measured the same way so a baseline and a subject are comparable.
 */
export async function rate(name: string, op: () => unknown, ms = 1000): Promise<Rate> {
  const warmUntil = performance.now() + Math.min(200, ms / 5);
  while (performance.now() < warmUntil) await op();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) await op();
    count += 16;
    now = performance.now();
  }
  return { name, opsPerSecond: (count * 1000) / (now - start), count };
}

/** The number after `name` in a benchmark's arguments (`--seconds 4`), or `fallback`; refused unless positive. */
export function positiveOption(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/** Percentile (0-100) of a list of numbers, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Prints rows as an aligned Markdown table (it pastes straight into docs/performance.md). */
export function printTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = [header, ...rows].map((row) => row.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string => `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const out = [
    line(cells[0] ?? []),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

/** USER_HZ on Linux (getconf CLK_TCK): the unit of /proc/<pid>/stat's times. */
const CLOCK_TICKS_PER_SECOND = 100;

/** /proc/<pid>/stat fields after the command name (field 3, state, is index 0); undefined when the process is gone. */
export function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time a process has used so far, utime + stime (proc(5) fields 14 and 15), in ms; undefined when it is gone. */
export function processCpuMs(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
}

/** A Prometheus histogram's `_sum` and `_count` per value of one label, from the text exposition format. */
export function histogramByLabel(
  text: string,
  name: string,
  label: string,
): Map<string, { readonly sum: number; readonly count: number }> {
  const out = new Map<string, { sum: number; count: number }>();
  const line = new RegExp(`^${name}_(sum|count)\\{(?:[^}]*,)?${label}="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
  for (const [, kind, value, figure] of text.matchAll(line)) {
    const entry = out.get(value as string) ?? { sum: 0, count: 0 };
    if (kind === 'sum') entry.sum += Number(figure);
    else entry.count += Number(figure);
    out.set(value as string, entry);
  }
  return out;
}
