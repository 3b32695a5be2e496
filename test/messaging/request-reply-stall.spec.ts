import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import { KopirError } from '@kopir/contracts';
import { RequestReplyClient, createKafka, ensureTopics, silentLogger } from '@kopir/messaging';
import { waitForPort } from '../../apps/cli/src/up/supervisor';
import { freePort } from '../bench/free-port';

jest.setTimeout(90_000);

const BROKER = join(resolve(__dirname, '..', '..'), 'dist', 'apps', 'broker', 'src', 'main.js');

/**
 * A broker that keeps its connections but stops answering (a stalled process, a full disk, a network partition that
 * drops rather than refuses) is the broker failure a gateway meets most unkindly: every produce waits for kafkajs's
 * own request timeout and retries. The gateway's request must still end within its own timeout, as
 * provider_unavailable, and nothing may be left to reject unobserved: an unhandled rejection ends a Node process,
 * and it ended the gateway's in a load run (2026-11-27). The broker runs as its own process (npm test builds dist/
 * first) so that SIGSTOP can freeze it.
 */
describe('RequestReplyClient when the broker stops answering', () => {
  let dir: string;
  let broker: ChildProcess;
  let kafka: Kafka;
  let client: RequestReplyClient;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-stall-'));
    const port = await freePort();
    broker = spawn(process.execPath, [BROKER, '--port', String(port), '--data-dir', join(dir, 'broker')], {
      stdio: 'ignore',
    });
    await waitForPort('127.0.0.1', port, 20_000);
    kafka = createKafka({ brokers: [`127.0.0.1:${port}`], clientId: 'stall', logger: silentLogger });
    await ensureTopics(kafka, [{ topic: 'stall.requests', numPartitions: 1 }]);
    client = new RequestReplyClient({ kafka, instanceId: 'stall', logger: silentLogger });
    await client.start();
    process.on('unhandledRejection', onUnhandled);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    if (broker?.pid !== undefined) process.kill(broker.pid, 'SIGCONT');
    await client?.stop().catch(() => undefined);
    broker?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = (timeoutMs: number) =>
    client.request({ topic: 'stall.requests', key: 'k', value: 'are you there', timeoutMs });

  it('ends a request within its own timeout as provider_unavailable, leaving no unhandled rejection', async () => {
    // Accepted while the broker answers: nobody serves the topic, so it ends as provider_timeout.
    await expect(ask(1000)).rejects.toMatchObject({ code: 'provider_timeout' });

    process.kill(broker.pid as number, 'SIGSTOP');
    const started = Date.now();
    const error = await ask(1500).then(
      () => undefined,
      (e: unknown) => e,
    );
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(KopirError);
    expect(error).toMatchObject({ code: 'provider_unavailable', retriable: true });
    // Its own 1.5 s, not kafkajs's 10 s request timeout (the margin is for a slow machine).
    expect(waited).toBeGreaterThanOrEqual(1400);
    expect(waited).toBeLessThan(8000);

    // Let the stalled produce fail or the broker come back: whatever it does, no rejection goes unobserved.
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(broker.pid as number, 'SIGCONT');
    await new Promise((r) => setTimeout(r, 1000));
    expect(unhandled).toEqual([]);
  });

  it('serves again once the broker answers again', async () => {
    await expect(ask(3000)).rejects.toMatchObject({ code: 'provider_timeout' });
    expect(unhandled).toEqual([]);
  });
});
