/**
 * The baseline of `npm run bench -- gateway`: a plain mutual-TLS echo server (node:https, requestCert, verification
 * on, the gateway's own certificate, key, CA chain and lowest TLS version), run as its own process as the gateway is.
 * It answers every POST with its body as JSON and nothing else: the floor of TLS + HTTP/1.1 on this machine.
 * Usage (forked by gateway.bench.ts): node mtls-echo-server.js <cert> <key> <ca>; it sends its port over IPC and
 * stops when its parent disconnects.
 */
import { createServer } from 'node:https';
import { mtlsServerOptions, serveForParent } from './https';

const [cert, key, ca] = process.argv.slice(2);
if (cert === undefined || key === undefined || ca === undefined || process.send === undefined) {
  process.stderr.write('usage: forked with <cert> <key> <ca>\n');
  process.exit(2);
}

serveForParent(
  createServer(mtlsServerOptions(cert, key, ca), (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  }),
);
