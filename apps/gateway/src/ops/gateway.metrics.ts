import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The gateway's Prometheus metrics; one registry per gateway instance (tests run several in one process). */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'kopir_gateway_requests_total',
    help: 'Requests answered, by client system, service and outcome code (ok or an error code)',
    labelNames: ['client', 'service', 'code'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'kopir_gateway_request_duration_seconds',
    help: 'Time from the request arriving to the answer being sent, by service and outcome',
    labelNames: ['service', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
    name: 'kopir_gateway_in_flight_requests',
    help: 'Requests waiting for a provider answer',
    registers: [this.registry],
  });

  readonly tlsRejected = new Counter({
    name: 'kopir_gateway_tls_rejected_total',
    help: 'Connections refused during the TLS handshake (no, unknown-CA, expired or revoked client certificate)',
    registers: [this.registry],
  });

  /** Where the CRL expiry gauge reads from (the trust store, once it exists). */
  crlNextUpdate: () => Date | undefined = () => undefined;

  readonly crlExpiry = new Gauge({
    name: 'kopir_gateway_crl_next_update_timestamp_seconds',
    help: 'When the CRL in force stops being valid (Unix time): past it, TLS refuses every client; alert days before',
    registers: [this.registry],
    collect: () => {
      const next = this.crlNextUpdate();
      if (next) this.crlExpiry.set(next.getTime() / 1000);
      else this.crlExpiry.reset();
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kopir_gateway_' });
  }
}
