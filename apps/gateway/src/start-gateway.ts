import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Kafka } from 'kafkajs';
import type { ConfigOf, gatewayConfigSpec } from '@kopir/config';
import {
  AUDIT_TOPIC,
  KopirError,
  adapterGroup,
  gatewayReplyGroup,
  parseServiceId,
  problemDetails,
  replyTopic,
} from '@kopir/contracts';
import { openFederation, type FederationDocument } from '@kopir/federation';
import { RequestReplyClient, measureConsumerLag, type LagTarget, type PartitionLag } from '@kopir/messaging';
import { TrustStore, keyThumbprint, limitConnectionsPerAddress, loadPrivateKey } from '@kopir/pki';
import { AuditPublisher } from './audit/audit-publisher';
import { CatalogService } from './catalog/catalog.service';
import { compileFederation, type FederationView } from './federation/federation-state';
import { GatewayModule } from './gateway.module';
import { GatewayMetrics } from './ops/gateway.metrics';
import { OpsServer } from '@kopir/ops';
import { RelayService } from './relay/relay.service';

export type GatewayConfig = ConfigOf<typeof gatewayConfigSpec>;

export interface StartGatewayOptions {
  readonly config: GatewayConfig;
  readonly kafka: Kafka;
  readonly federation: {
    readonly file: string;
    readonly authorityPublicKey: string;
    readonly name: string;
    readonly stateFile?: string;
    readonly quotaInstances: number;
  };
  /** How often the CRL file is polled for changes. */
  readonly crlPollMs?: number;
  readonly logger?: Logger;
}

export interface RunningGateway {
  /** https://host:port */
  readonly url: string;
  /** http://host:port of /metrics and /health/* */
  readonly opsUrl: string;
  readonly metrics: GatewayMetrics;
  stop(): Promise<void>;
}

/**
 * Starts one gateway instance: trust store and CRL watch, federation (verified, hot-reloaded), Kafka request/reply
 * and audit producer, the HTTPS app (Fastify: the fastest of Nest's adapters, and its content-type parser hands the
 * body over as the exact bytes the Kopir-Signature digest covers), and the operations listener.
 */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const logger = options.logger ?? new Logger('gateway');
  const metrics = new GatewayMetrics();
  const trust = await TrustStore.open({
    cert: config.tlsCert,
    key: config.tlsKey,
    ca: config.tlsCa,
    crl: config.tlsCrl,
    ...(config.tlsCrlState === undefined ? {} : { crlStateFile: config.tlsCrlState }),
    minVersion: config.tlsMinVersion,
    logger,
  });
  metrics.crlNextUpdate = () => trust.crlNextUpdate();

  let view: FederationView | undefined;
  const loader = await openFederation(options.federation, {
    logger,
    onChange: (next) => {
      view = compileFederation(next.document, view, options.federation.quotaInstances);
      logger.log(`federation version ${next.version} in force`);
    },
  });
  const federation = (): FederationView => {
    loader.assertInForce();
    if (!view) throw new KopirError('internal_error', 'No federation document in force');
    return view;
  };

  const signingKey = loadPrivateKey(readFileSync(config.signingKey, 'utf8'));
  const bus = new RequestReplyClient({ kafka: options.kafka, instanceId: config.instanceId, logger });
  const audit = new AuditPublisher(options.kafka, config.auditTimeout, {
    key: signingKey,
    kid: keyThumbprint(signingKey),
  });
  await Promise.all([bus.start(), audit.start()]);

  const relay = new RelayService(
    {
      instanceId: config.instanceId,
      signingKey,
      signingKid: keyThumbprint(signingKey),
      providerTimeoutMs: config.providerTimeout,
      maxAgeSeconds: Math.round(config.maxAge / 1000),
      clockSkewSeconds: Math.round(config.clockSkew / 1000),
    },
    trust,
    federation,
    bus,
    audit,
    metrics,
  );
  const catalog = new CatalogService(federation, config.providerTimeout);

  const adapter = new FastifyAdapter({
    https: {
      ...trust.secureContextOptions(),
      maxHeaderSize: MAX_HEADER_BYTES,
      // Node's default (120 s) would let a socket that never completes its handshake hold a connection slot that
      // long; connectionTimeout and requestTimeout below count only from the first byte of HTTP.
      handshakeTimeout: config.handshakeTimeout,
      // How often Node looks for requests past GATEWAY_CLIENT_TIMEOUT (its default, 30 s, would let one linger twice
      // as long as configured).
      connectionsCheckingInterval: Math.min(1000, config.clientTimeout),
    },
    bodyLimit: config.bodyLimit,
    // Slow clients: a request must arrive whole within GATEWAY_CLIENT_TIMEOUT (Node's requestTimeout covers receiving
    // the request only, never the wait for the provider), and a connection silent for 30 s is closed.
    connectionTimeout: 30_000,
    keepAliveTimeout: 60_000,
    requestTimeout: config.clientTimeout,
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot({ relay, catalog, trust }),
    adapter,
    {
      logger: ['error', 'warn'],
      // Nest's own JSON parser would hand over parsed objects; the gateway needs the bytes (see below).
      bodyParser: false,
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  // The exact bytes, not Fastify's parsed JSON: the Kopir-Signature covers their digest.
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const maintenance = {
    enabled: config.maintenance,
    set(enabled: boolean) {
      this.enabled = enabled;
    },
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!maintenance.enabled) return done();
    const body = problemDetails(new KopirError('maintenance', 'The gateway is in maintenance; retry later'), {
      instance: request.url,
    });
    void reply.status(503).header('retry-after', '30').header('content-type', 'application/problem+json').send(body);
  });
  await app.init();
  const server = app.getHttpServer() as Server;
  server.maxConnections = config.maxConnections;
  limitConnectionsPerAddress(server, config.maxConnectionsPerAddress, () => metrics.connectionsRefused.inc());
  // Who knocked: noted on the TCP connection, because a refused TLS socket is already closed when Node reports it
  // (its remoteAddress is gone for an expired or revoked certificate, the cases an officer asks about).
  server.prependListener('connection', (raw: Socket & { [PEER]?: string }) => {
    raw[PEER] = `${raw.remoteAddress ?? '?'}:${raw.remotePort ?? '?'}`;
  });
  server.on('tlsClientError', (error: Error, socket: TLSSocket & { _parent?: { [PEER]?: string } }) => {
    metrics.tlsRejected.inc();
    // Node tells the client only that the peer hung up; the reason (expired, unknown CA, revoked) is here.
    const reason = socket.authorizationError ? ` (${String(socket.authorizationError)})` : '';
    const peer = socket._parent?.[PEER] ?? socket.remoteAddress ?? '?';
    logger.warn(`TLS handshake refused from ${peer}: ${error.message}${reason}`);
    // Closed explicitly: with this server's options a timed-out handshake's socket was only reported here and stayed
    // open, keeping its connection slot (test/gateway/limits.spec.ts fails without this line).
    socket.destroy();
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    metrics.tlsHandshakes.inc({ resumed: String(socket.isSessionReused()) });
  });
  trust.watch((secure) => server.setSecureContext(secure), options.crlPollMs ?? 1000);
  await app.listen(config.port, config.host);
  const address = server.address() as AddressInfo;

  const admin = options.kafka.admin();
  await admin.connect();
  let lag: { readonly at: number; readonly result: Promise<PartitionLag[]> } | undefined;
  metrics.kafkaLag = () => {
    // At most one measurement every few seconds however often Prometheus (or several of them) scrape.
    if (!lag || Date.now() - lag.at > LAG_CACHE_MS) {
      const targets = lagTargets(view?.document, config.instanceId, config.auditConsumerGroup);
      lag = { at: Date.now(), result: withTimeout(measureConsumerLag(admin, targets), 3000) };
    }
    return lag.result;
  };
  const ops = new OpsServer(
    metrics.registry,
    [
      { name: 'federation', check: () => failure(() => federation()) },
      { name: 'crl', check: () => trust.crlProblem() },
      {
        name: 'broker',
        check: async () => {
          try {
            await withTimeout(admin.describeCluster(), 2000);
            return undefined;
          } catch (error) {
            return `broker unreachable: ${(error as Error).message}`;
          }
        },
      },
    ],
    maintenance,
  );
  const opsAddress = await ops.listen(config.opsPort, config.opsHost);
  logger.log(`gateway ${config.instanceId} on https://${config.host}:${address.port}, ops on ${opsAddress.port}`);

  return {
    url: `https://${config.host}:${address.port}`,
    opsUrl: `http://${config.opsHost}:${opsAddress.port}`,
    metrics,
    async stop() {
      trust.close();
      await loader.close();
      await ops.close();
      await app.close();
      await admin.disconnect();
      await Promise.allSettled([bus.stop(), audit.stop()]);
    },
  };
}

const LAG_CACHE_MS = 5000;

/** The client's address and port, as the TCP connection had them (see the tlsClientError handler). */
const PEER = Symbol('kopir.peer');

/** Largest request head (request line and headers) the gateway reads: 16 KiB, the client's signature included. */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * What a client whose request never reached the application gets, before the connection is closed: a problem
 * (RFC 9457) with the stable code request_invalid, and the HTTP status that says why (431 headers too large,
 * 408 too slow, 400 not HTTP). Replaces Fastify's default, whose JSON body has no `code`.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, `The request headers exceed ${MAX_HEADER_BYTES} bytes`]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive whole in time']
        : [400, 'The request is not valid HTTP/1.1'];
  const body = JSON.stringify({ ...problemDetails(new KopirError('request_invalid', detail)), status });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Whose lag the gateway reports: each provider system's adapters on its agency's request topic (by the SDK's default
 * group name), the audit service on kopir.audit (AUDIT_CONSUMER_GROUP, read as the audit service reads it), and this
 * gateway on its reply topic.
 */
function lagTargets(document: FederationDocument | undefined, instanceId: string, auditGroup: string): LagTarget[] {
  const targets = new Map<string, LagTarget>();
  const add = (groupId: string, topic: string) => targets.set(`${groupId} ${topic}`, { groupId, topic });
  for (const service of document?.services ?? []) {
    add(adapterGroup(parseServiceId(service.id).provider), service.topic);
  }
  add(auditGroup, AUDIT_TOPIC);
  add(gatewayReplyGroup(instanceId), replyTopic(instanceId));
  return [...targets.values()];
}

function failure(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
