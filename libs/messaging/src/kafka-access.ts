import {
  ADAPTER_GROUP_PREFIX,
  AUDIT_CONSUMER_GROUP,
  AUDIT_TOPIC,
  adapterGroup,
  gatewayReplyGroup,
  parseSystemId,
  replyTopic,
  requestTopic,
  type AgencyCode,
} from '@kopir/contracts';
import type { TopicSpec } from './topics';

/** Kafka ACL operations Köpir's services need (Kafka's names, as kafka-acls.sh spells them). */
export type KafkaOperation = 'Read' | 'Write' | 'Describe' | 'Create' | 'IdempotentWrite';

/** One allow ACL: a principal may do an operation on a topic, a consumer group or the cluster. */
export interface KafkaAcl {
  /** `User:<subject DN in RFC 2253>` (`kafkaPrincipal` of @kopir/pki). */
  readonly principal: string;
  readonly operation: KafkaOperation;
  readonly resource: 'topic' | 'group' | 'cluster';
  /** The resource's name, or its prefix when `pattern` is `prefixed`; `kafka-cluster` for the cluster. */
  readonly name: string;
  readonly pattern: 'literal' | 'prefixed';
}

/** The Kafka principals of Köpir's services (their Kafka client certificates' subjects). */
export interface KafkaPrincipals {
  readonly gateway: string;
  readonly audit: string;
  /** The Kafka client of the adapters of a provider agency (certificate `adapter-<agency>` by convention). */
  readonly adapter: (agency: AgencyCode) => string;
}

export interface KafkaAccessOptions {
  /**
   * Systems that provide services (`mju/population`): their agencies' request topics, and their adapters' grants
   * (the consumer group `kopir-adapter-<agency>-<system>`, the adapter SDK's default).
   */
  readonly providerSystems: readonly string[];
  readonly principals: KafkaPrincipals;
  /** Partitions of the request and audit topics (DESIGN.md "Scale"). */
  readonly partitions: number;
  readonly replicationFactor: number;
  /** The audit service's consumer group (AUDIT_CONSUMER_GROUP), `kopir-audit` by default. */
  readonly auditGroup?: string;
}

export interface KafkaAccessPlan {
  /** Topics to create before the services start (reply topics are created by each gateway instance). */
  readonly topics: readonly TopicSpec[];
  readonly acls: readonly KafkaAcl[];
}

/** The prefix of every gateway instance's reply topic and consumer group (`kopir.reply.<id>`, `kopir-gateway-<id>`). */
const REPLY_TOPICS = replyTopic('');
const REPLY_GROUPS = gatewayReplyGroup('');
/** kopir.req.<agency>: the prefix covers the agencies added later too, for the gateway's writes only. */
const REQUEST_TOPICS = requestTopic('' as AgencyCode);

/**
 * Least privilege on Kafka, derived from the federation (docs/operators.md, "Kafka ACLs"): what each service must do
 * and nothing more. What one agency's adapters get is named literally (an agency code may contain `-`, so
 * `kopir-adapter-mju-` would also be a prefix of agency `mju-x`'s groups); prefixes serve only the gateway, which
 * writes to every agency and whose instances are not listed in the federation.
 *
 * - Gateways write requests to every agency's topic and audit events to kopir.audit; read, and create, their own
 *   reply topics (one per instance, named by GATEWAY_INSTANCE_ID); and describe the adapters' and the audit service's
 *   groups for the lag metric. They cannot read a request topic or the audit topic.
 * - An agency's adapters read their agency's request topic only, in their own consumer groups, and write replies
 *   (signed and bound to the request, so a reply to a question that was not asked is refused by the gateway).
 * - The audit service reads kopir.audit in its group and writes nothing.
 */
export function kafkaAccessPlan(options: KafkaAccessOptions): KafkaAccessPlan {
  const { gateway, audit } = options.principals;
  const auditGroup = options.auditGroup ?? AUDIT_CONSUMER_GROUP;
  const acls: KafkaAcl[] = [];
  const allow = (
    principal: string,
    resource: KafkaAcl['resource'],
    name: string,
    pattern: KafkaAcl['pattern'],
    ...operations: KafkaOperation[]
  ): void => {
    for (const operation of operations) acls.push({ principal, operation, resource, name, pattern });
  };

  allow(gateway, 'topic', REQUEST_TOPICS, 'prefixed', 'Write', 'Describe');
  allow(gateway, 'topic', AUDIT_TOPIC, 'literal', 'Write', 'Describe');
  allow(gateway, 'topic', REPLY_TOPICS, 'prefixed', 'Read', 'Describe', 'Create');
  allow(gateway, 'group', REPLY_GROUPS, 'prefixed', 'Read');
  allow(gateway, 'group', ADAPTER_GROUP_PREFIX, 'prefixed', 'Describe');
  allow(gateway, 'group', auditGroup, 'literal', 'Describe');
  // The audit publisher is an idempotent producer (InitProducerId without a transactional id).
  allow(gateway, 'cluster', 'kafka-cluster', 'literal', 'IdempotentWrite');

  const systems = [...new Set(options.providerSystems)].sort().map((id) => parseSystemId(id));
  const agencies = [...new Set(systems.map((s) => s.agency))].sort();
  for (const agency of agencies) {
    const adapter = options.principals.adapter(agency);
    allow(adapter, 'topic', requestTopic(agency), 'literal', 'Read', 'Describe');
    for (const system of systems.filter((s) => s.agency === agency)) {
      allow(adapter, 'group', adapterGroup(system.id), 'literal', 'Read');
    }
    allow(adapter, 'topic', REPLY_TOPICS, 'prefixed', 'Write', 'Describe');
  }

  allow(audit, 'topic', AUDIT_TOPIC, 'literal', 'Read', 'Describe');
  allow(audit, 'group', auditGroup, 'literal', 'Read');

  const topic = (name: string): TopicSpec => ({
    topic: name,
    numPartitions: options.partitions,
    replicationFactor: options.replicationFactor,
  });
  return { topics: [...agencies.map((a) => topic(requestTopic(a))), topic(AUDIT_TOPIC)], acls };
}

/** Where the provisioning script finds Kafka's tools and how it connects (inside an apache/kafka container). */
export interface ProvisionScriptOptions {
  readonly bootstrapServer: string;
  /** `--command-config` of the tools: TLS with a super user's client certificate. */
  readonly commandConfig: string;
  /** The lines of a comment at the top (what it was made from). */
  readonly header: readonly string[];
}

/**
 * A POSIX shell script that applies a plan with Kafka's own tools: `kafka-topics.sh --create --if-not-exists` and
 * `kafka-acls.sh --add` (adding an ACL that exists changes nothing), so it can run on every deployment. One
 * kafka-acls.sh call per principal and resource, since each tool call starts a JVM. `KAFKA_BIN` overrides
 * /opt/kafka/bin.
 */
export function kafkaProvisionScript(plan: KafkaAccessPlan, options: ProvisionScriptOptions): string {
  const lines = [
    '#!/bin/sh',
    ...options.header.map((line) => `# ${line.replace(/[\r\n]/g, ' ')}`),
    'set -eu',
    'bin="${KAFKA_BIN:-/opt/kafka/bin}"',
    `topics() { "$bin/kafka-topics.sh" --bootstrap-server ${shellQuote(options.bootstrapServer)} --command-config ${shellQuote(options.commandConfig)} "$@"; }`,
    `acls() { "$bin/kafka-acls.sh" --bootstrap-server ${shellQuote(options.bootstrapServer)} --command-config ${shellQuote(options.commandConfig)} "$@"; }`,
    '',
  ];
  for (const t of plan.topics) {
    lines.push(
      `topics --create --if-not-exists --topic ${shellQuote(t.topic)} ` +
        `--partitions ${t.numPartitions} --replication-factor ${t.replicationFactor ?? 1}`,
    );
  }
  lines.push('');
  const grouped = new Map<string, KafkaAcl[]>();
  for (const acl of plan.acls) {
    const key = JSON.stringify([acl.principal, acl.resource, acl.name, acl.pattern]);
    grouped.set(key, [...(grouped.get(key) ?? []), acl]);
  }
  for (const acls of grouped.values()) {
    const [first] = acls as [KafkaAcl];
    const resource = first.resource === 'cluster' ? '--cluster' : `--${first.resource} ${shellQuote(first.name)}`;
    lines.push(
      `acls --add --allow-principal ${shellQuote(first.principal)} ` +
        `${resource} --resource-pattern-type ${first.pattern} ` +
        acls.map((a) => `--operation ${a.operation}`).join(' '),
    );
  }
  lines.push('', 'echo "kopir: Kafka topics and ACLs provisioned"', '');
  return lines.join('\n');
}

/** One shell word: single quotes, with any single quote inside closed, escaped and reopened. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.,:/=@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
