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

/** Each gauge: its name, its help, and the source it reads at a scrape. */
const GAUGES: readonly [string, string, keyof AuditMetricSources][] = [
  ['kopir_audit_ledger_events', 'Events in the audit ledger', 'ledgerEvents'],
  ['kopir_audit_checkpoint_size', 'Tree size of the latest signed checkpoint', 'checkpointSize'],
  [
    'kopir_audit_stalled_partitions',
    'Partitions of kopir.audit stopped at an event under a gateway key the federation does not list',
    'stalledPartitions',
  ],
];

/**
 * The audit service's Prometheus metrics. The one to alert on is kopir_audit_stalled_partitions > 0: the events behind
 * a stalled partition are kept in Kafka but not in the ledger, so officers' searches and citizens' answers miss them
 * until an operator acts (docs/officers.md "A stalled partition"). Its consumer lag is on the gateways'
 * kopir_gateway_kafka_lag_messages (group kopir-audit).
 */
export class AuditMetrics {
  readonly registry = new Registry();

  constructor(sources: AuditMetricSources) {
    for (const [name, help, source] of GAUGES) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(sources[source]());
        },
      });
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'kopir_audit_' });
  }
}
