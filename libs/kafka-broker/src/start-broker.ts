import { mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { GroupCoordinator } from './group/group-coordinator';
import { Flusher } from './log/flusher';
import { OffsetStore } from './log/offset-store';
import { TopicStore } from './log/topic-store';
import { BrokerError } from './protocol/broker-error';
import { resolveBrokerOptions, type BrokerOptions } from './server/broker-options';
import { Connection } from './server/connection';
import { acquireDataDirLock } from './server/data-dir-lock';
import { ProducerIdStore } from './server/producer-ids';
import { RequestHandler, type BrokerState } from './server/request-handler';

/** A running broker: where clients connect, and how to stop it. */
export interface RunningBroker {
  readonly host: string;
  readonly port: number;
  /** "host:port", ready for kafkajs `brokers: [address]` or kcat `-b`. */
  readonly address: string;
  /** Stops accepting, closes every connection, flushes and closes the logs. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the embedded Kafka-protocol broker in this process: recovers the data directory (cutting torn tails),
 * then listens. Port 0 (the default) picks a free ephemeral port, as every test should.
 */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const resolved = resolveBrokerOptions(options);
  const { log } = resolved;
  mkdirSync(resolved.dataDir, { recursive: true });
  const releaseLock = acquireDataDirLock(resolved.dataDir);
  const topics = new TopicStore(resolved.dataDir, {
    segmentBytes: resolved.segmentBytes,
    retentionMs: resolved.retentionMs,
    retentionBytes: resolved.retentionBytes,
  });
  const offsets = new OffsetStore(resolved.dataDir);
  let truncated: number;
  try {
    truncated = topics.open();
    offsets.open();
  } catch (error) {
    topics.close();
    offsets.close();
    releaseLock();
    throw new BrokerError('storage_failure', `cannot open data directory ${resolved.dataDir}`, { cause: error });
  }
  if (truncated > 0) log('warn', `recovery cut ${truncated} byte(s) of torn or corrupt log tail`);
  const producerIds = new ProducerIdStore(resolved.dataDir);
  producerIds.open();
  const state: BrokerState = {
    options: resolved,
    topics,
    offsets,
    groups: new GroupCoordinator(
      {
        minSessionTimeoutMs: resolved.minSessionTimeoutMs,
        maxSessionTimeoutMs: resolved.maxSessionTimeoutMs,
        initialRebalanceDelayMs: resolved.initialRebalanceDelayMs,
      },
      (message) => log('info', message),
    ),
    flusher: new Flusher(),
    producerIds,
    port: 0,
  };
  const handler = new RequestHandler(state);
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const connection = new Connection(socket, {
      maxFrameBytes: resolved.maxFrameBytes,
      handle: (ctx, body) => handler.handle(ctx, body),
      log: (level, message) => log(level, message),
    });
    connections.add(connection);
    socket.on('close', () => {
      connections.delete(connection);
      sockets.delete(socket);
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    topics.close();
    offsets.close();
    releaseLock();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : resolved.port;
  state.port = port;
  const retention = setInterval(() => {
    const deleted = topics.applyRetention(Date.now());
    if (deleted > 0) log('info', `retention deleted ${deleted} segment(s)`);
  }, resolved.retentionCheckIntervalMs);
  retention.unref();
  log('info', `listening on ${resolved.host}:${port}, data in ${resolved.dataDir}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(retention);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.close();
      await closed;
      state.groups.close();
      topics.close();
      offsets.close();
      releaseLock();
      log('info', 'stopped');
    })();
    return stopping;
  };
  return { host: resolved.host, port, address: `${resolved.host}:${port}`, stop };
}
