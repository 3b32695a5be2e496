/**
 * The baseline of `npm run bench -- gateway`: a plain mutual-TLS echo server (node:https, requestCert, verification
 * on, the gateway's own certificate, key, CA chain and lowest TLS version), run as its own process as the gateway is.
 * It answers every POST with its body as JSON and nothing else: the floor of TLS + HTTP/1.1 on this machine.
 * Usage (forked by gateway.bench.ts): node mtls-echo-server.js <cert> <key> <ca>; it sends its port over IPC and
 * stops when its parent disconnects.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [cert, key, ca] = process.argv.slice(2);
if (cert === undefined || key === undefined || ca === undefined || process.send === undefined) {
  process.stderr.write('usage: forked with <cert> <key> <ca>\n');
  process.exit(2);
}

const server = createServer(
  {
    cert: readFileSync(cert),
    key: readFileSync(key),
    ca: readFileSync(ca),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  },
  (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  },
);
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.send?.({ port });
});
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
