import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLevel, type Kafka, type KafkaConfig } from 'kafkajs';
import { startBroker, type BrokerOptions, type RunningBroker } from '@kopir/kafka-broker';

/** A broker on 127.0.0.1:0 over a fresh temporary data directory, with its log lines collected for assertions. */
export interface BrokerFixture {
  broker: RunningBroker;
  readonly dataDir: string;
  readonly logs: string[];
  /** Stops the broker and starts a new one on the same data directory (a restart). */
  restart(): Promise<RunningBroker>;
  /** Stops the broker and removes the data directory. */
  dispose(): Promise<void>;
}

export async function brokerFixture(options: Partial<BrokerOptions> = {}): Promise<BrokerFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kopir-broker-'));
  const logs: string[] = [];
  const start = (): Promise<RunningBroker> =>
    startBroker({ ...options, dataDir, log: (level, message) => logs.push(`${level}: ${message}`) });
  const fixture: BrokerFixture = {
    broker: await start(),
    dataDir,
    logs,
    async restart() {
      await fixture.broker.stop();
      fixture.broker = await start();
      return fixture.broker;
    },
    async dispose() {
      await fixture.broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** kafkajs client options for tests: quiet, and quick retries so a failing case fails fast. */
export function kafkaConfig(address: string, clientId: string): KafkaConfig {
  return {
    brokers: [address],
    clientId,
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100 },
  };
}

export type { Kafka };

/** Resolves when `predicate` holds, polling every 20 ms; rejects after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
