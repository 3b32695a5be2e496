import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PartitionLag } from '@kopir/messaging';

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

  /**
   * Where a successful request's time went, step by step: `checks` (identity, signature, access decision, schema, the
   * signed envelope), `provider` (the envelope to Kafka, the provider's work, its answer back), `answer` (decrypting and
   * verifying the answer) and `audit` (the audit event acknowledged by Kafka). Their sum is a request's time in the
   * relay; the rest of kopir_gateway_request_duration_seconds is HTTP.
   */
  readonly phases = new Histogram({
    name: 'kopir_gateway_phase_duration_seconds',
    help: 'Time a successful request spent in each step of the relay: checks, provider, answer, audit',
    labelNames: ['phase'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
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

  readonly connectionsRefused = new Counter({
    name: 'kopir_gateway_connections_refused_total',
    help: 'Connections closed before TLS because their address already held GATEWAY_MAX_CONNECTIONS_PER_ADDRESS',
    registers: [this.registry],
  });

  readonly tlsHandshakes = new Counter({
    name: 'kopir_gateway_tls_handshakes_total',
    help: 'TLS handshakes completed, by whether they resumed an earlier session (resumed="true") or were full',
    labelNames: ['resumed'] as const,
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

  /**
   * Where the Kafka lag gauges read from: start-gateway wires a measurement through the admin client, cached for a
   * few seconds, so that both gauges of one scrape share one measurement.
   */
  kafkaLag: () => Promise<readonly PartitionLag[]> = () => Promise.resolve([]);

  readonly kafkaLagMessages = new Gauge({
    name: 'kopir_gateway_kafka_lag_messages',
    help:
      'Messages a consumer group has not committed yet, by group, topic and partition: the adapters of every provider ' +
      'system of the federation (kopir.req.<agency>), the audit service (kopir.audit) and this gateway (its replies)',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [this.registry],
    collect: async () => {
      this.kafkaLagMessages.reset();
      try {
        for (const { groupId, topic, partition, lag } of await this.kafkaLag()) {
          this.kafkaLagMessages.set({ group: groupId, topic, partition: String(partition) }, lag);
        }
      } catch {
        // No stale figures: the series disappear and kopir_gateway_kafka_lag_up says why.
      }
    },
  });

  readonly kafkaLagUp = new Gauge({
    name: 'kopir_gateway_kafka_lag_up',
    help: '1 when the last Kafka lag measurement succeeded; 0 when the broker did not answer it in time',
    registers: [this.registry],
    collect: async () => {
      try {
        await this.kafkaLag();
        this.kafkaLagUp.set(1);
      } catch {
        this.kafkaLagUp.set(0);
      }
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kopir_gateway_' });
  }
}
