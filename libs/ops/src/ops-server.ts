import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves to undefined when healthy, or to a short reason. */
  check(): Promise<string | undefined> | string | undefined;
}

export interface Maintenance {
  readonly enabled: boolean;
  set(enabled: boolean): void;
}

/**
 * The operations listener of a Köpir service: Prometheus metrics, liveness and readiness probes, and (for a service
 * that has one, the gateway) the maintenance switch. It is a separate plain-HTTP port bound to loopback (or an
 * operations network) by default, so probes and scrapers need no client certificate and the service's own port stays
 * mutual-TLS only. It serves nothing but these: no data of any citizen, request or audit event.
 */
export class OpsServer {
  private server: Server | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly checks: readonly ReadinessCheck[],
    /** Without one, /maintenance/* answers 404 and readiness depends on the checks alone. */
    private readonly maintenance?: Maintenance,
  ) {}

  async listen(port: number, host: string): Promise<AddressInfo> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }

  /** Readiness: every check passes and the service is not in maintenance. */
  async readiness(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const results: Record<string, string> = {};
    let ready = this.maintenance?.enabled !== true;
    if (!ready) results.maintenance = 'maintenance mode is on';
    for (const check of this.checks) {
      let reason: string | undefined;
      try {
        reason = await check.check();
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
      results[check.name] = reason ?? 'ok';
      if (reason !== undefined) ready = false;
    }
    return { ready, checks: results };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'GET' && path === '/metrics') {
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(await this.registry.metrics());
      } else if (req.method === 'GET' && path === '/health/live') {
        json(res, 200, { status: 'live' });
      } else if (req.method === 'GET' && path === '/health/ready') {
        const { ready, checks } = await this.readiness();
        json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
      } else if (
        this.maintenance &&
        req.method === 'POST' &&
        (path === '/maintenance/on' || path === '/maintenance/off')
      ) {
        // The switch is for operators' tools (curl, orchestration), never for a web page. A browser on an operator's
        // machine sends Origin with every POST, also after a DNS rebinding made the page "same-origin": refused, so a
        // page cannot drain the gateway through the browser.
        if (req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined) {
          json(res, 403, { status: 'forbidden', detail: 'the maintenance switch is not for browsers' });
          return;
        }
        this.maintenance.set(path.endsWith('/on'));
        json(res, 200, { maintenance: this.maintenance.enabled });
      } else {
        json(res, 404, { status: 'not found' });
      }
    } catch (error) {
      json(res, 500, { status: 'error', detail: error instanceof Error ? error.message : String(error) });
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
