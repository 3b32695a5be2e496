import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** What the audit service's metrics read at each scrape (nothing is counted on the hot path). */
export interface AuditMetricSources {
  /** Events in the ledger. */
  ledgerEvents(): number;
  /** Size of the latest signed checkpoint. */
  checkpointSize(): number;
  /** Partitions of kopir.audit stopped at an event under a gateway key the federation does not list. */
  stalledPartitions(): number;
}

/**
 * The audit service's Prometheus metrics. The one to alert on is kopir_audit_stalled_partitions > 0: the events behind
 * a stalled partition are kept in Kafka but not in the ledger, so officers' searches and citizens' answers miss them
 * until an operator acts (docs/operators.md "A stalled audit partition"). Its consumer lag is on the gateway's
 * kopir_gateway_kafka_consumer_lag (group kopir-audit).
 */
export class AuditMetrics {
  readonly registry = new Registry();

  constructor(sources: AuditMetricSources) {
    new Gauge({
      name: 'kopir_audit_ledger_events',
      help: 'Events in the audit ledger',
      registers: [this.registry],
      collect() {
        this.set(sources.ledgerEvents());
      },
    });
    new Gauge({
      name: 'kopir_audit_checkpoint_size',
      help: 'Tree size of the latest signed checkpoint',
      registers: [this.registry],
      collect() {
        this.set(sources.checkpointSize());
      },
    });
    new Gauge({
      name: 'kopir_audit_stalled_partitions',
      help: 'Partitions of kopir.audit stopped at an event under a gateway key the federation does not list',
      registers: [this.registry],
      collect() {
        this.set(sources.stalledPartitions());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'kopir_audit_' });
  }
}
