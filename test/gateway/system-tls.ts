import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { GatewayTestBed } from './gateway-test-bed';

/**
 * What a system's own TLS client needs to reach the bed's gateway: its host and port, and `system`'s client
 * certificate and key from the bed's development PKI with the CA chain. For tests that speak TLS or HTTP themselves
 * (handshakes, resumption, raw requests) instead of through KopirClient.
 */
export function systemTls(
  bed: GatewayTestBed,
  system: string,
): Required<Pick<ConnectionOptions, 'host' | 'port' | 'servername' | 'ca' | 'cert' | 'key'>> {
  const { hostname, port } = new URL(bed.gateway.url);
  const tls = bed.paths.system(system).tls;
  return {
    host: hostname,
    port: Number(port),
    servername: 'localhost',
    ca: readFileSync(bed.paths.chain),
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
  };
}
