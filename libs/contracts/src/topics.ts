import { parseSystemId, type AgencyCode } from './identifiers';

/**
 * Kafka topic names (DESIGN.md "Kafka"). Keys of request and reply messages are request ids; keys of audit messages
 * are event ids.
 */
export const AUDIT_TOPIC = 'kopir.audit';

/**
 * The JWS type (RFC 7515 §4.1.9) of an audit message: a gateway's signature over `{"events":[...],"v":1}` in RFC 8785
 * canonical form, the audit events of one produce request. The audit service appends only events signed by a
 * gateway key of the federation, so write access to `kopir.audit` is not enough to put a record in the ledger.
 */
export const AUDIT_EVENT_TYP = 'kopir-audit+jws';

/** Requests to the systems of one provider agency. Adding an agency adds a topic, never gateway code. */
export function requestTopic(agency: AgencyCode): string {
  return `kopir.req.${agency}`;
}

/** Replies to one gateway instance; each instance consumes only its own, so no reply reaches the wrong waiter. */
export function replyTopic(gatewayInstance: string): string {
  return `kopir.reply.${gatewayInstance}`;
}

/** The prefix every adapter consumer group starts with (Kafka ACLs grant the gateway's lag reading by it). */
export const ADAPTER_GROUP_PREFIX = 'kopir-adapter-';

/** Consumer group of one provider system's adapters (the adapter SDK's default): its instances share the partitions. */
export function adapterGroup(system: string): string {
  const { agency, system: name } = parseSystemId(system);
  return `${ADAPTER_GROUP_PREFIX}${agency}-${name}`;
}

/** Consumer group of one gateway instance's reply topic. */
export function gatewayReplyGroup(gatewayInstance: string): string {
  return `kopir-gateway-${gatewayInstance}`;
}

/** The audit service's default consumer group of kopir.audit (AUDIT_CONSUMER_GROUP). */
export const AUDIT_CONSUMER_GROUP = 'kopir-audit';

/** HTTP headers of the consumer's request and the gateway's answer (DESIGN.md "One request, end to end"). */
export const HEADERS = {
  purpose: 'kopir-purpose',
  subject: 'kopir-subject',
  requestId: 'kopir-request-id',
  signature: 'kopir-signature',
  responseSignature: 'kopir-response-signature',
  auditReceipt: 'kopir-audit-receipt',
} as const;
