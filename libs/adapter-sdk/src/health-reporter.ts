import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseSystemId } from '@kopir/contracts';

export type AdapterState = 'starting' | 'ready' | 'failed' | 'stopped';

/** What an adapter's health file holds (`<healthDir>/<agency>-<system>.json`). */
export interface AdapterHealth {
  readonly system: string;
  readonly state: AdapterState;
  readonly pid: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly services: readonly string[];
  /** Requests answered since start: `ok` and refused (any error status). */
  readonly answered: number;
  readonly refused: number;
  readonly inFlight: number;
  readonly detail?: string;
}

/** The health file of a system's adapter in `healthDir`. */
export function healthFile(healthDir: string, system: string): string {
  const { agency, system: name } = parseSystemId(system);
  return join(healthDir, `${agency}-${name}.json`);
}

/**
 * Health without a port (an adapter is reachable only through Kafka): a small JSON file, rewritten atomically
 * (write then rename) on every state change and every `intervalMs` while running, so a supervisor or an operator
 * reads the state and sees from `updatedAt` whether the process is alive.
 */
export class HealthReporter {
  private state: AdapterState = 'starting';
  private detail: string | undefined;
  private answered = 0;
  private refused = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date().toISOString();

  constructor(
    readonly file: string | undefined,
    private readonly system: string,
    private readonly services: readonly string[],
    private readonly intervalMs = 5000,
  ) {}

  begin(): void {
    this.inFlight++;
  }

  end(status: string): void {
    this.inFlight--;
    if (status === 'ok') this.answered++;
    else this.refused++;
  }

  set(state: AdapterState, detail?: string): void {
    this.state = state;
    this.detail = detail;
    this.write();
    if (state === 'ready' && this.timer === undefined) {
      this.timer = setInterval(() => this.write(), this.intervalMs);
      this.timer.unref();
    }
    if (state !== 'ready' && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  snapshot(): AdapterHealth {
    return {
      system: this.system,
      state: this.state,
      pid: process.pid,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      services: this.services,
      answered: this.answered,
      refused: this.refused,
      inFlight: this.inFlight,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
    };
  }

  private write(): void {
    if (this.file === undefined) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(tmp, `${JSON.stringify(this.snapshot(), null, 2)}\n`);
      renameSync(tmp, this.file);
    } catch {
      // Health reporting must never take the adapter down; a missing or stale file is itself the signal.
    }
  }
}
