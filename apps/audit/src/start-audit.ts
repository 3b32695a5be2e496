import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Kafka } from 'kafkajs';
import { ed25519Signer, ed25519Verifier, verifierKey } from '@kopir/audit-log';
import type { Officer, SystemDefinition } from '@kopir/federation';
import { OpsServer } from '@kopir/ops';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, TrustStore, limitConnectionsPerAddress, loadPrivateKey } from '@kopir/pki';
import { AuditModule } from './audit.module';
import { AuditConsumer } from './consumer/audit.consumer';
import { LedgerService, type LedgerLogger } from './ledger/ledger.service';
import { CallerResolver } from './officer/caller-resolver';
import { OfficerQueryService } from './officer/officer-query.service';
import type { RefusalLimits } from './officer/refusal-limiter';
import { AuditMetrics } from './ops/audit.metrics';

/** Connections one address may hold on the officer API (officers, auditors and a citizen portal's pool). */
const MAX_CONNECTIONS_PER_ADDRESS = 256;

export interface AuditServiceOptions {
  readonly host: string;
  readonly port: number;
  /**
   * The plain-HTTP operations listener (/metrics, /health/live, /health/ready), as the gateway's; unset: none (tests
   * that do not need it).
   */
  readonly ops?: { readonly host: string; readonly port: number };
  readonly database: string;
  readonly origin: string;
  /** Ed25519 private key (PEM file) that signs checkpoints. */
  readonly checkpointKey: string;
  readonly checkpointIntervalMs: number;
  /** The last signed checkpoint, kept outside the database (see LedgerServiceOptions.witnessFile). */
  readonly witnessFile?: string;
  readonly tls: {
    readonly cert: string;
    readonly key: string;
    readonly ca: string;
    readonly crl: string;
    /** Where the newest accepted CRL per CA is recorded (TrustStoreOptions.crlStateFile); unset: in memory only. */
    readonly crlState?: string;
  };
  readonly citizenPortals: readonly string[];
  /** The officers of the federation document in force (read per request, so a reload takes effect at once). */
  readonly officers: () => readonly Officer[];
  /**
   * The federation's system whose registered TLS certificate has this SHA-256 fingerprint (read per request): a
   * citizen portal is accepted only on the certificate the federation pins for it. Unset: no portal is accepted.
   */
  readonly systemByTlsFingerprint?: (sha256: string) => SystemDefinition | undefined;
  /** Kafka to consume `kopir.audit` from; without it only the officer API runs (tests, read-only replicas). */
  readonly kafka?: Kafka;
  /**
   * The federation's gateway signing key `kid` (undefined for any other): the consumer appends only events signed
   * under one. Read per message, so a federation reload (a gateway key rotated) applies at once.
   */
  readonly gatewayKey?: (kid: string) => KeyObject | undefined;
  readonly groupId: string;
  /** Name of this instance in the audit records of officer queries. */
  readonly instance?: string;
  /**
   * Refused officer-API calls recorded one by one per caller (default 20 at once, 5 a second); beyond them 429 and a
   * count recorded every `summaryIntervalMs` (default 10 s). See RefusalLimiter.
   */
  readonly officerRefusals?: { readonly limits?: RefusalLimits; readonly summaryIntervalMs?: number };
  /** How long a TLS handshake may take on the officer API (default DEFAULT_HANDSHAKE_TIMEOUT_MS, 10 s). */
  readonly handshakeTimeoutMs?: number;
  readonly logger?: LedgerLogger;
}

export interface RunningAuditService {
  readonly port: number;
  /** The operations listener's URL (http://host:port), when one was asked for. */
  readonly opsUrl?: string;
  readonly ledger: LedgerService;
  /** The log's verifier key (c2sp.org/signed-note), for `kopir audit verify`. */
  readonly verifierKey: string;
  readonly checkpointPublicKey: KeyObject;
  close(): Promise<void>;
}

/**
 * Starts the audit service: the ledger with its checkpoint signer, the `kopir.audit` consumer, and the officer API
 * over HTTPS with mutual TLS 1.3 (client certificates of the intranet CA only; revoked ones refused by the CRL).
 */
export async function startAuditService(options: AuditServiceOptions): Promise<RunningAuditService> {
  const logger = options.logger ?? new Logger('audit');
  const privateKey = loadPrivateKey(options.checkpointKey);
  const signer = ed25519Signer(options.origin, privateKey);
  const checkpointPublicKey = createPublicKey(privateKey);
  const ledger = new LedgerService({
    database: options.database,
    origin: options.origin,
    signer,
    checkpointIntervalMs: options.checkpointIntervalMs,
    logger,
    ...(options.witnessFile === undefined
      ? {}
      : { witnessFile: options.witnessFile, verifier: ed25519Verifier(options.origin, checkpointPublicKey) }),
  });
  ledger.start();

  // The same trust store as the gateway's: the CRL is reloaded when it changes (polled every second), for new
  // handshakes (new TLS context, new session ticket keys) and for every request's identity check, so revoking an
  // officer's certificate ends its access to the ledger within seconds, without a restart.
  const trust = await TrustStore.open({
    cert: options.tls.cert,
    key: options.tls.key,
    ca: options.tls.ca,
    crl: options.tls.crl,
    ...(options.tls.crlState === undefined ? {} : { crlStateFile: options.tls.crlState }),
    minVersion: 'TLSv1.3',
    logger,
  });
  const callers = new CallerResolver(
    trust,
    options.officers,
    new Set(options.citizenPortals),
    options.systemByTlsFingerprint,
  );
  const queries = new OfficerQueryService(ledger, options.instance ?? 'audit', {
    ...(options.officerRefusals?.limits === undefined ? {} : { refusalLimits: options.officerRefusals.limits }),
    ...(options.officerRefusals?.summaryIntervalMs === undefined
      ? {}
      : { refusalSummaryIntervalMs: options.officerRefusals.summaryIntervalMs }),
  });

  // Verification stays on: a client without a certificate of the intranet CA never completes the handshake.
  // A socket that never completes its handshake is dropped after 10 s (Node's default: 120 s), and one address holds
  // at most MAX_CONNECTIONS_PER_ADDRESS, so a host that opens sockets and stays silent cannot lock officers out.
  const adapter = new FastifyAdapter({
    https: {
      ...trust.secureContextOptions(),
      handshakeTimeout: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AuditModule.forRoot({ callers, queries }), adapter, {
    logger: ['error', 'warn'],
  });
  // No enableShutdownHooks(): the process's owner (main.ts) stops the service through close() on SIGTERM/SIGINT, which
  // closes Nest too. Nest's own signal handler would re-raise the signal and end the process before close() had
  // written the counted refusals and signed a last checkpoint.
  const server = app.getHttpServer() as Server;
  limitConnectionsPerAddress(server, MAX_CONNECTIONS_PER_ADDRESS);
  server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
    logger.warn(`officer API: TLS handshake refused: ${error.message}`);
    // Closed explicitly, as the gateway does (where a timed-out handshake's socket otherwise stayed open).
    socket.destroy();
  });
  await app.listen(options.port, options.host);
  trust.watch((context) => (app.getHttpServer() as Server).setSecureContext(context));
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  let consumer: AuditConsumer | undefined;
  if (options.kafka) {
    if (!options.gatewayKey) throw new Error('consuming kopir.audit needs the federation gateway keys (gatewayKey)');
    consumer = new AuditConsumer(options.kafka, options.groupId, ledger, logger, options.gatewayKey);
    await consumer.start();
  }

  // Ready means the officer API can answer: the ledger reads and the CRL is fresh (past its nextUpdate the TrustStore
  // refuses every caller). A stalled kopir.audit partition does not make the service unready, since officers must
  // still be able to search what is in the ledger; it is the metric kopir_audit_stalled_partitions to alert on.
  let ops: OpsServer | undefined;
  let opsUrl: string | undefined;
  // Everything started so far, stopped in order: by close(), or when the start fails half-way.
  const stopAll = async (): Promise<void> => {
    await consumer?.stop();
    await ops?.close();
    trust.close();
    await app.close();
    queries.close();
    ledger.close();
  };
  if (options.ops) {
    const metrics = new AuditMetrics({
      ledgerEvents: () => ledger.ledger.size,
      checkpointSize: () => ledger.ledger.latestCheckpoint()?.size ?? 0,
      stalledPartitions: () => consumer?.stalledPartitions().length ?? 0,
    });
    ops = new OpsServer(metrics.registry, [
      // A read from the database (the latest checkpoint): fails, with SQLite's reason, when it cannot be read.
      { name: 'ledger', check: () => void ledger.ledger.latestCheckpoint() },
      { name: 'crl', check: () => trust.crlProblem() },
    ]);
    try {
      const opsAddress = await ops.listen(options.ops.port, options.ops.host);
      opsUrl = `http://${options.ops.host}:${opsAddress.port}`;
    } catch (error) {
      // Not half started: a service whose probes cannot be reached stops whole, with the reason.
      ops = undefined;
      await stopAll();
      throw error;
    }
  }

  let closed = false;
  return {
    port,
    ...(opsUrl === undefined ? {} : { opsUrl }),
    ledger,
    verifierKey: verifierKey(options.origin, checkpointPublicKey),
    checkpointPublicKey,
    close: async () => {
      if (closed) return;
      closed = true;
      await stopAll();
    },
  };
}
