/**
 * The serving side of `npm run bench -- client` (forked by client.bench.ts, its own process so that its CPU is not
 * counted as the client's): node:https with mutual TLS as the gateway serves it (the gateway's certificate, client
 * certificate required and verified, TLS 1.3), answering `GET /r1/catalog` with the population provider's signing key
 * and every POST with a person record and what the gateway sends beside it: the provider's answer signature (a real
 * ES256 detached answer JWS over the canonical answer, as the population adapter signs it and the gateway detaches
 * it), the envelope digest, the issued-at and an audit receipt, plus a raw ES256 signature over the body bytes for
 * the bare baseline client. It checks nothing of the request: only the client's CPU is measured.
 * Usage: node client-answer-server.js <pki>; it sends its port over IPC and stops when its parent disconnects.
 */
import { randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { HEADERS } from '@kopir/contracts';
import { detachAnswer, signAnswer, type Answer } from '@kopir/envelope';
import { mtlsServerOptions, serveForParent } from './https';
import { devPkiPaths, keyThumbprint, loadPrivateKey, publicKeyToJwk } from '@kopir/pki';

export const CLIENT_BENCH_SERVICE = 'mju/population/person-by-iin';

const [pki] = process.argv.slice(2);
if (require.main === module) {
  if (pki === undefined || process.send === undefined) {
    process.stderr.write('usage: forked with <pki>\n');
    process.exit(2);
  }
  serve(pki);
}

/** A person record as the population adapter answers it (the fields the bench's access rule allows). */
function person(iin: string): Record<string, unknown> {
  return {
    iin,
    lastName: 'Nurlanova',
    firstName: 'Aigerim',
    patronymic: 'Nurlanovna',
    birthDate: '1990-01-01',
    sex: 'female',
    citizenship: 'KZ',
    address: { region: 'Astana', city: 'Astana', street: 'Mangilik El', house: '55', apartment: '12' },
    deceased: false,
  };
}

function serve(root: string): void {
  const paths = devPkiPaths(root);
  const providerKey = loadPrivateKey(readFileSync(paths.system('mju/population').signing.key, 'utf8'));
  const kid = keyThumbprint(providerKey);
  const catalog = JSON.stringify({
    services: [{ id: CLIENT_BENCH_SERVICE, providerKeys: [publicKeyToJwk(providerKey)], timeoutSeconds: 10 }],
  });
  // The digest binds the answer to the gateway's envelope, which this server does not make: any fixed string will do.
  const envelope = 'bench.envelope.jws';
  const server = createServer(mtlsServerOptions(paths.gateway.cert, paths.gateway.key, paths.chain), (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(catalog);
        return;
      }
      const requestId = String(req.headers[HEADERS.requestId]);
      const { iin } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { iin: string };
      const body = person(iin);
      void signAnswer(envelope, { requestId, status: 'ok', body }, providerKey, { kid }).then((jws) => {
        const payload = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as Answer;
        const detached = detachAnswer(jws, payload);
        const bytes = Buffer.from(JSON.stringify(body));
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': bytes.length,
          [HEADERS.requestId]: requestId,
          [HEADERS.responseSignature]: detached.signature,
          'kopir-envelope-digest': detached.envelopeDigest,
          'kopir-answer-issued-at': String(detached.issuedAt),
          [HEADERS.auditReceipt]: randomUUID(),
          'x-bench-raw-signature': sign('sha256', bytes, { key: providerKey, dsaEncoding: 'ieee-p1363' }).toString(
            'base64url',
          ),
        });
        res.end(bytes);
      });
    });
  });
  serveForParent(server);
}
