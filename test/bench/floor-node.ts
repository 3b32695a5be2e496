/**
 * The two serving roles of `npm run bench -- floor` (forked by floor.bench.ts, one process each, as in `kopir up`):
 *
 * - `gateway <port> <brokers> <pki>`: node:https with mutual TLS (the gateway's certificate, client certificate required
 *   and verified against the intranet CA, TLS 1.3); per request: the caller's ES256 signature over its request id,
 *   issued-at, path and body hash verified with the key of its TLS identity, a replay check, a signed envelope (ES256)
 *   produced to `floor.req` (acks=1), the provider's answer read from `floor.reply` and its signature verified, an
 *   audit event produced to `floor.audit` with acks=all and acknowledged, then the answer with the provider's signature.
 * - `adapter <brokers> <pki>`: reads `floor.req`, verifies the gateway's envelope signature, answers a trivial body,
 *   signs the answer (ES256) and produces it to `floor.reply` (acks=1).
 *
 * Nothing else: no framework, no access rules, no schema, no metrics, no logs. It is the least work the path the issue
 * describes can do with the project's chosen packages (node:https, kafkajs with the project's group commit, ES256 via
 * node:crypto) and the embedded broker, so its throughput bounds what any implementation of that path can reach here.
 * It sends its readiness over IPC and stops when its parent disconnects.
 */
import { createHash, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { BatchingProducer, createKafka, silentLogger } from '@kopir/messaging';
import { devPkiPaths, loadPrivateKey } from '@kopir/pki';
import { mtlsServerOptions } from './https';

export const FLOOR_TOPICS = { request: 'floor.req', reply: 'floor.reply', audit: 'floor.audit' } as const;
export const FLOOR_PATH = '/r1/mju/population/person-by-iin';
const ES256 = { dsaEncoding: 'ieee-p1363' } as const;

/** What the caller signs: its request id, issued-at, the path and the body's SHA-256. */
export function requestSigningInput(requestId: string, issuedAt: string, path: string, body: Buffer): Buffer {
  const digest = createHash('sha256').update(body).digest('base64url');
  return Buffer.from(`${requestId}.${issuedAt}.${path}.${digest}`);
}

/** The floor's request headers for `body` to `path`: a fresh request id and issued-at, signed with `key` (ES256). */
export function signedFloorHeaders(key: KeyObject, path: string, body: Buffer): Record<string, string> {
  const requestId = randomUUID();
  const issuedAt = new Date().toISOString();
  return {
    'kopir-request-id': requestId,
    'kopir-issued-at': issuedAt,
    'kopir-signature': signEs256(key, requestSigningInput(requestId, issuedAt, path, body)),
  };
}

export function signEs256(key: KeyObject, input: Buffer): string {
  return sign('sha256', input, { key, ...ES256 }).toString('base64url');
}

export function verifyEs256(key: KeyObject, input: Buffer, signature: string): boolean {
  return verify('sha256', input, { key, ...ES256 }, Buffer.from(signature, 'base64url'));
}

function publicKeyOfCertificate(file: string): KeyObject {
  return createPublicKey(readFileSync(file));
}

/** kafkajs configured as every Köpir service configures it (createKafka: bounded retries, the idle-loop fix). */
function kafka(brokers: string, clientId: string): Kafka {
  return createKafka({ brokers: brokers.split(','), clientId, logger: silentLogger });
}

async function gateway(port: number, brokers: string, pki: string): Promise<() => Promise<void>> {
  const paths = devPkiPaths(pki);
  const envelopeKey = loadPrivateKey(readFileSync(paths.gateway.signing.key));
  const providerKey = publicKeyOfCertificate(paths.system('mju/population').signing.cert);
  // The identity of a TLS certificate: here the one consumer system the benchmark calls as.
  const callers = new Map([
    [
      createPublicKey(readFileSync(paths.system('psc/front-office').tls.cert))
        .export({ format: 'der', type: 'spki' })
        .toString('base64'),
      { id: 'psc/front-office', key: publicKeyOfCertificate(paths.system('psc/front-office').signing.cert) },
    ],
  ]);
  const identities = new WeakMap<TLSSocket, { id: string; key: KeyObject } | undefined>();
  const seen = new Set<string>();
  setInterval(() => seen.clear(), 300_000).unref();

  const client = kafka(brokers, 'floor-gateway');
  const producer: Producer = client.producer({ allowAutoTopicCreation: false });
  const auditProducer: Producer = client.producer({ allowAutoTopicCreation: false, idempotent: true });
  await Promise.all([producer.connect(), auditProducer.connect()]);
  const requests = new BatchingProducer(producer, { acks: 1 });
  const audit = new BatchingProducer(auditProducer, { acks: -1 });
  const pending = new Map<string, (answer: { body: Buffer; signature: string }) => void>();
  const consumer: Consumer = client.consumer({ groupId: 'floor-gateway', maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: FLOOR_TOPICS.reply, fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatch: ({ batch }) => {
      for (const message of batch.messages) {
        const id = message.headers?.['correlation-id']?.toString();
        const signature = message.headers?.['signature']?.toString();
        const waiter = id === undefined ? undefined : pending.get(id);
        if (waiter && signature !== undefined && message.value) waiter({ body: message.value, signature });
      }
      return Promise.resolve();
    },
  });

  const server = createServer(mtlsServerOptions(paths.gateway.cert, paths.gateway.key, paths.chain), (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const fail = (status: number): void => {
        res.writeHead(status, { 'content-type': 'application/problem+json' });
        res.end('{}');
      };
      const socket = req.socket as TLSSocket;
      let caller = identities.get(socket);
      if (!identities.has(socket)) {
        const spki = socket.getPeerX509Certificate()?.publicKey.export({ format: 'der', type: 'spki' });
        caller = spki === undefined ? undefined : callers.get(spki.toString('base64'));
        identities.set(socket, caller);
      }
      const requestId = req.headers['kopir-request-id'];
      const issuedAt = req.headers['kopir-issued-at'];
      const signature = req.headers['kopir-signature'];
      const body = Buffer.concat(chunks);
      if (
        caller === undefined ||
        typeof requestId !== 'string' ||
        typeof issuedAt !== 'string' ||
        typeof signature !== 'string' ||
        req.url !== FLOOR_PATH
      )
        return fail(400);
      if (!verifyEs256(caller.key, requestSigningInput(requestId, issuedAt, FLOOR_PATH, body), signature))
        return fail(401);
      if (Math.abs(Date.now() - Date.parse(issuedAt)) > 300_000 || seen.has(requestId)) return fail(409);
      seen.add(requestId);
      const envelope = Buffer.from(
        JSON.stringify({
          requestId,
          issuedAt,
          client: caller.id,
          service: FLOOR_PATH,
          body: JSON.parse(String(body)),
        }),
      );
      const answered = new Promise<{ body: Buffer; signature: string }>((resolve) => pending.set(requestId, resolve));
      requests
        .send(FLOOR_TOPICS.request, {
          value: envelope,
          headers: { 'correlation-id': requestId, signature: signEs256(envelopeKey, envelope) },
        })
        .then(() => answered)
        .then(async (answer) => {
          pending.delete(requestId);
          if (!verifyEs256(providerKey, answer.body, answer.signature)) return fail(502);
          const digest = createHash('sha256').update(answer.body).digest('base64url');
          await audit.send(FLOOR_TOPICS.audit, {
            value: Buffer.from(
              JSON.stringify({ requestId, client: caller.id, decision: 'allow', status: 200, digest }),
            ),
          });
          res.writeHead(200, { 'content-type': 'application/json', 'kopir-response-signature': answer.signature });
          res.end(answer.body);
        })
        .catch(() => fail(503));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return async () => {
    server.closeAllConnections();
    server.close();
    await Promise.allSettled([consumer.disconnect(), producer.disconnect(), auditProducer.disconnect()]);
  };
}

async function adapter(brokers: string, pki: string): Promise<() => Promise<void>> {
  const paths = devPkiPaths(pki);
  const gatewayKey = createPublicKey(readFileSync(paths.gateway.signing.publicKey));
  const answerKey = loadPrivateKey(readFileSync(paths.system('mju/population').signing.key));
  const client = kafka(brokers, 'floor-adapter');
  const producer = client.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const replies = new BatchingProducer(producer, { acks: 1 });
  const consumer = client.consumer({ groupId: 'floor-adapter', maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: FLOOR_TOPICS.request, fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const sent: Promise<void>[] = [];
      for (const message of batch.messages) {
        const signature = message.headers?.['signature']?.toString();
        if (!message.value || signature === undefined || !verifyEs256(gatewayKey, message.value, signature)) continue;
        const request = JSON.parse(String(message.value)) as { requestId: string; body: { iin: string } };
        const answer = Buffer.from(
          JSON.stringify({ requestId: request.requestId, body: { iin: request.body.iin, found: true } }),
        );
        sent.push(
          replies.send(FLOOR_TOPICS.reply, {
            value: answer,
            headers: { 'correlation-id': request.requestId, signature: signEs256(answerKey, answer) },
          }),
        );
      }
      await Promise.all(sent);
    },
  });
  return async () => {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  };
}

if (require.main === module) {
  const [role, ...args] = process.argv.slice(2);
  const started =
    role === 'gateway'
      ? gateway(Number(args[0]), String(args[1]), String(args[2]))
      : role === 'adapter'
        ? adapter(String(args[0]), String(args[1]))
        : Promise.reject(new Error(`usage: floor-node gateway|adapter ...`));
  started.then(
    (stop) => {
      process.send?.({ ready: true });
      process.on('disconnect', () => void stop().finally(() => process.exit(0)));
    },
    (error: unknown) => {
      process.stderr.write(`floor ${role}: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
