/**
 * Mutual TLS for the benchmarks' own servers and clients: the options every benchmark server uses (the gateway's
 * certificate, client certificate required and verified, TLS 1.3), the serving loop of a forked benchmark server, and
 * one POST with its answer.
 */
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent, type Server, type ServerOptions } from 'node:https';

/** A server's TLS options as the gateway's: its certificate and key, the CA chain clients must chain to, TLS 1.3. */
export function mtlsServerOptions(cert: string, key: string, ca: string): ServerOptions {
  return {
    cert: readFileSync(cert),
    key: readFileSync(key),
    ca: readFileSync(ca),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  };
}

/** For a forked benchmark server: listens on a free loopback port, sends it over IPC, stops when the parent goes. */
export function serveForParent(server: Server): void {
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.send?.({ port });
  });
  process.on('disconnect', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

export interface PostAnswer {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
}

/** POSTs a JSON body to 127.0.0.1:`port` over `agent`, and resolves with the whole answer (15 s at most). */
export function post(
  agent: Agent,
  port: number,
  path: string,
  body: Buffer,
  headers: Readonly<Record<string, string>> = {},
): Promise<PostAnswer> {
  return new Promise((resolveCall, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        agent,
        timeout: 15_000,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolveCall({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}
