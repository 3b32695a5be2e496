/**
 * `npm run bench -- policy`: access decisions per second with 10 and 10,000 rules, beside a plain Map lookup
 * measured in the same run. Target (issue 5): ≥ 1,000,000 decisions/s with 10,000 rules, so that a decision is
 * never what limits the gateway. Each measured operation runs a batch of decisions over pre-built requests, so the
 * per-call `await` of the harness does not dominate a sub-microsecond operation.
 */
import { compilePolicy, type PolicyRuleSource, type PolicySource } from '@kopir/access-policy';
import { printTable, rate } from './measure';

const BATCH = 1024;
const FIELDS = ['iin', 'lastName', 'firstName', 'birthDate', 'address', 'status'];
const PURPOSES = ['driving-licence-issue', 'vehicle-registration', 'social-benefit-check'];
const NOW = Date.parse('2026-06-01T10:00:00Z');

interface Request {
  readonly client: string;
  readonly service: string;
  readonly key: string;
}

/** A federation with `rules` rules, one per client × service pair (√rules clients and services), plus requests. */
function federation(rules: number, limited: boolean): { source: PolicySource; requests: Request[] } {
  const side = Math.ceil(Math.sqrt(rules));
  const clients = Array.from({ length: side }, (_, i) => `c${String(i).padStart(4, '0')}/client`);
  const services = Array.from({ length: side }, (_, i) => `p${String(i).padStart(4, '0')}/registry/query`);
  const ruleList: PolicyRuleSource[] = [];
  for (let i = 0; i < rules; i++) {
    const client = clients[i % side] as string;
    const service = services[Math.floor(i / side)] as string;
    ruleList.push({
      id: `r${i}`,
      client,
      service,
      purposes: PURPOSES.slice(0, 2).map((code) => ({ code, legalBasis: 'bench' })),
      fields: FIELDS.slice(0, 5),
      ...(limited ? { rateLimit: { perSecond: 1e9, burst: 1e9 }, dailyQuota: 1e12 } : {}),
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2027-01-01T00:00:00Z',
      grantedBy: 'officer',
      grantedAt: '2026-01-01T00:00:00Z',
    });
  }
  const source: PolicySource = {
    agencies: [
      { systems: [...clients, ...services.map((s) => s.split('/').slice(0, 2).join('/'))].map((id) => ({ id })) },
    ],
    services: services.map((id) => ({ id, fields: FIELDS.map((name) => ({ name })) })),
    rules: ruleList,
  };
  // Requests spread over every rule, in a shuffled order (no cache-friendly sequential walk).
  const requests: Request[] = [];
  let seed = 42;
  for (let i = 0; i < BATCH; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const rule = ruleList[seed % ruleList.length] as PolicyRuleSource;
    requests.push({ client: rule.client as string, service: rule.service, key: `${rule.client}|${rule.service}` });
  }
  return { source, requests };
}

export async function run(args: readonly string[]): Promise<void> {
  const ms = Number(args[0] ?? 1000);
  const rows: (string | number)[][] = [];
  let sink = 0;
  for (const size of [10, 10_000]) {
    const { source, requests } = federation(size, false);
    const limited = federation(size, true);
    const policy = compilePolicy(source);
    const quotaPolicy = compilePolicy(limited.source);
    // Baseline: the cheapest thing a decision could be, one Map.get per request by a prebuilt `client|service` key.
    const map = new Map(source.rules.map((r) => [`${r.client}|${r.service}`, r]));
    const named = ['iin', 'lastName'];
    const cases: [string, () => void][] = [
      [
        'baseline: Map.get(client|service)',
        () => {
          for (const q of requests) if (map.get(q.key) !== undefined) sink++;
        },
      ],
      [
        'decide: allow, all fields',
        () => {
          for (const q of requests)
            if (policy.decide(q.client, q.service, PURPOSES[0] as string, undefined, NOW).allowed) sink++;
        },
      ],
      [
        'decide: allow, 2 fields named',
        () => {
          for (const q of requests)
            if (policy.decide(q.client, q.service, PURPOSES[0] as string, named, NOW).allowed) sink++;
        },
      ],
      [
        'decide: allow + rate limit and daily quota',
        () => {
          for (const q of requests) {
            if (quotaPolicy.decide(q.client, q.service, PURPOSES[0] as string, undefined, NOW).allowed) sink++;
          }
        },
      ],
      [
        'decide: deny purpose_not_allowed',
        () => {
          for (const q of requests)
            if (!policy.decide(q.client, q.service, PURPOSES[2] as string, undefined, NOW).allowed) sink++;
        },
      ],
    ];
    let baseline = Number.NaN;
    for (const [name, op] of cases) {
      const measured = await rate(name, op, ms);
      const perSecond = measured.opsPerSecond * BATCH;
      if (Number.isNaN(baseline)) baseline = perSecond;
      rows.push([
        name,
        size.toLocaleString('en-US'),
        perSecond,
        1e9 / perSecond,
        `${(baseline / perSecond).toFixed(1)}×`,
      ]);
    }
  }
  printTable(['case', 'rules', 'per second', 'ns each', 'cost vs Map.get'], rows);
  if (sink < 0) process.stdout.write('unreachable\n');
}
