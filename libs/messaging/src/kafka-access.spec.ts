import { kafkaAccessPlan, type KafkaAcl, type KafkaOperation } from './kafka-access';

const GATEWAY = 'User:O=Kopir Intranet,OU=kafka,CN=gateway';
const AUDIT = 'User:O=Kopir Intranet,OU=kafka,CN=audit';
const adapter = (agency: string): string => `User:O=Kopir Intranet,OU=kafka,CN=adapter-${agency}`;

const plan = kafkaAccessPlan({
  providerSystems: ['mju/population', 'mju/civil-status', 'mia/vehicles', 'mju-x/archive'],
  principals: { gateway: GATEWAY, audit: AUDIT, adapter },
  partitions: 6,
  replicationFactor: 3,
});

/**
 * Kafka's authorizer, as far as these ACLs go: an allow ACL matches the principal, the resource type, the name
 * (equal for literal, a prefix for prefixed) and the operation; Read and Write imply Describe (Kafka's
 * AclAuthorizer/StandardAuthorizer). Nothing is allowed without a matching ACL (allow.everyone.if.no.acl.found=false).
 */
function allowed(
  acls: readonly KafkaAcl[],
  principal: string,
  operation: KafkaOperation,
  resource: KafkaAcl['resource'],
  name: string,
): boolean {
  const implied = (granted: KafkaOperation): boolean =>
    granted === operation || (operation === 'Describe' && (granted === 'Read' || granted === 'Write'));
  return acls.some(
    (acl) =>
      acl.principal === principal &&
      acl.resource === resource &&
      (acl.pattern === 'literal' ? acl.name === name : name.startsWith(acl.name)) &&
      implied(acl.operation),
  );
}

const can = (principal: string, operation: KafkaOperation, resource: KafkaAcl['resource'], name: string) =>
  allowed(plan.acls, principal, operation, resource, name);

describe('kafkaAccessPlan: least privilege on Kafka, derived from the federation', () => {
  it('creates each provider agency request topic and the audit topic, replicated', () => {
    expect(plan.topics.map((t) => t.topic)).toEqual([
      'kopir.req.mia',
      'kopir.req.mju',
      'kopir.req.mju-x',
      'kopir.audit',
    ]);
    for (const t of plan.topics) expect(t).toMatchObject({ numPartitions: 6, replicationFactor: 3 });
  });

  it("lets an agency's adapters read their own requests and answer, and nothing else", () => {
    const mju = adapter('mju');
    expect(can(mju, 'Read', 'topic', 'kopir.req.mju')).toBe(true);
    expect(can(mju, 'Read', 'group', 'kopir-adapter-mju-population')).toBe(true);
    expect(can(mju, 'Read', 'group', 'kopir-adapter-mju-civil-status')).toBe(true);
    expect(can(mju, 'Write', 'topic', 'kopir.reply.gateway-1')).toBe(true);
    // Another agency's requests, even one whose code starts with this one's, and its consumer groups.
    expect(can(mju, 'Read', 'topic', 'kopir.req.mia')).toBe(false);
    expect(can(mju, 'Read', 'topic', 'kopir.req.mju-x')).toBe(false);
    expect(can(mju, 'Read', 'group', 'kopir-adapter-mju-x-archive')).toBe(false);
    expect(can(mju, 'Read', 'group', 'kopir-adapter-mia-vehicles')).toBe(false);
    // It cannot put requests on any topic, read other answers, or touch the audit trail.
    expect(can(mju, 'Write', 'topic', 'kopir.req.mju')).toBe(false);
    expect(can(mju, 'Write', 'topic', 'kopir.req.mia')).toBe(false);
    expect(can(mju, 'Read', 'topic', 'kopir.reply.gateway-1')).toBe(false);
    expect(can(mju, 'Read', 'topic', 'kopir.audit')).toBe(false);
    expect(can(mju, 'Write', 'topic', 'kopir.audit')).toBe(false);
    expect(can(mju, 'Create', 'topic', 'kopir.req.mju')).toBe(false);
  });

  it('lets gateways send requests and audit events and read their own replies, but read no request or audit event', () => {
    expect(can(GATEWAY, 'Write', 'topic', 'kopir.req.mju')).toBe(true);
    expect(can(GATEWAY, 'Write', 'topic', 'kopir.req.moh')).toBe(true); // an agency added later
    expect(can(GATEWAY, 'Write', 'topic', 'kopir.audit')).toBe(true);
    expect(can(GATEWAY, 'IdempotentWrite', 'cluster', 'kafka-cluster')).toBe(true);
    expect(can(GATEWAY, 'Create', 'topic', 'kopir.reply.gateway-3')).toBe(true); // a new instance's reply topic
    expect(can(GATEWAY, 'Read', 'topic', 'kopir.reply.gateway-3')).toBe(true);
    expect(can(GATEWAY, 'Read', 'group', 'kopir-gateway-gateway-3')).toBe(true);
    // The lag metric: offsets of the adapters' and the audit service's groups, and the topics' ends.
    expect(can(GATEWAY, 'Describe', 'group', 'kopir-adapter-mju-population')).toBe(true);
    expect(can(GATEWAY, 'Describe', 'group', 'kopir-audit')).toBe(true);
    expect(can(GATEWAY, 'Describe', 'topic', 'kopir.req.mju')).toBe(true);

    expect(can(GATEWAY, 'Read', 'topic', 'kopir.req.mju')).toBe(false);
    expect(can(GATEWAY, 'Read', 'topic', 'kopir.audit')).toBe(false);
    expect(can(GATEWAY, 'Read', 'group', 'kopir-adapter-mju-population')).toBe(false);
    expect(can(GATEWAY, 'Read', 'group', 'kopir-audit')).toBe(false);
    expect(can(GATEWAY, 'Create', 'topic', 'kopir.req.moh')).toBe(false);
  });

  it('lets the audit service read the audit topic in its group and write nothing', () => {
    expect(can(AUDIT, 'Read', 'topic', 'kopir.audit')).toBe(true);
    expect(can(AUDIT, 'Read', 'group', 'kopir-audit')).toBe(true);
    expect(
      plan.acls.filter((a) => a.principal === AUDIT && a.operation !== 'Read' && a.operation !== 'Describe'),
    ).toEqual([]);
    expect(can(AUDIT, 'Read', 'topic', 'kopir.req.mju')).toBe(false);
    expect(can(AUDIT, 'Read', 'topic', 'kopir.reply.gateway-1')).toBe(false);
  });

  it('grants nothing to any other principal, and only to the configured audit group when it is renamed', () => {
    expect([...new Set(plan.acls.map((a) => a.principal))].sort()).toEqual(
      [GATEWAY, AUDIT, adapter('mju'), adapter('mia'), adapter('mju-x')].sort(),
    );
    const renamed = kafkaAccessPlan({
      providerSystems: [],
      principals: { gateway: GATEWAY, audit: AUDIT, adapter },
      partitions: 1,
      replicationFactor: 1,
      auditGroup: 'ledger-b',
    });
    expect(allowed(renamed.acls, AUDIT, 'Read', 'group', 'ledger-b')).toBe(true);
    expect(allowed(renamed.acls, AUDIT, 'Read', 'group', 'kopir-audit')).toBe(false);
    expect(renamed.topics.map((t) => t.topic)).toEqual(['kopir.audit']);
  });
});
