import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KopirClient } from '@kopir/client';
import { signRequest } from '@kopir/envelope';
import { devPkiPaths, initDevPki, keyThumbprint, loadPrivateKey } from '@kopir/pki';
import { makeIin, samplePeople } from '@kopir/reference-registries';
import { startSystem, type RunningSystem } from './system-fixture';

jest.setTimeout(120_000);

interface RawOptions {
  readonly service?: string;
  readonly body?: string;
  readonly purpose?: string;
  readonly subject?: string;
  readonly requestId?: string;
  /** Whose TLS certificate (default psc/front-office); null: none. */
  readonly tlsAs?: string | null;
  /** Another PKI's root directory for the TLS certificate (a CA the gateway does not trust). */
  readonly tlsPki?: string;
  /** Whose signing key (default: the TLS system's). */
  readonly signAs?: string;
  readonly now?: Date;
  readonly signature?: (valid: string) => string | undefined;
  readonly headers?: Record<string, string>;
}

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: { code?: string; detail?: string; [k: string]: unknown };
}

describe('the whole system, end to end (kopir up; real mutual TLS, Kafka protocol, signatures)', () => {
  let system: RunningSystem;
  let iin: string;
  let client: KopirClient;

  beforeAll(async () => {
    system = await startSystem();
    const person = samplePeople(join(system.dir, 'data', 'registries'), 1)[0];
    if (!person) throw new Error('no sample person');
    iin = person.iin;
    client = KopirClient.fromDevPki(system.pki, 'psc/front-office', system.gateway);
  });

  afterAll(async () => {
    client?.close();
    await system?.stop();
  });

  async function raw(options: RawOptions = {}): Promise<RawAnswer> {
    const service = options.service ?? 'mju/population/person-by-iin';
    const path = `/r1/${service}`;
    const body = options.body ?? JSON.stringify({ iin });
    const purpose = options.purpose ?? 'driving-licence-issue';
    const subject = options.subject ?? iin;
    const requestId = options.requestId ?? randomUUID();
    const paths = devPkiPaths(system.pki);
    const tlsSystem = options.tlsAs === undefined ? 'psc/front-office' : options.tlsAs;
    const signer = options.signAs ?? tlsSystem ?? 'psc/front-office';
    const valid = await signRequest(
      { method: 'POST', path, purpose, subject, requestId, body },
      loadPrivateKey(readFileSync(paths.system(signer).signing.key, 'utf8')),
      { kid: keyId(signer), ...(options.now ? { now: options.now } : {}) },
    );
    const signature = options.signature ? options.signature(valid) : valid;
    const tls = tlsSystem === null ? undefined : devPkiPaths(options.tlsPki ?? system.pki).system(tlsSystem).tls;
    return new Promise((resolve, reject) => {
      const req = request(
        `${system.gateway}${path}`,
        {
          method: 'POST',
          ca: readFileSync(paths.chain),
          ...(tls ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : {}),
          agent: false,
          headers: {
            'content-type': 'application/json',
            'kopir-purpose': purpose,
            'kopir-subject': subject,
            'kopir-request-id': requestId,
            ...(signature === undefined ? {} : { 'kopir-signature': signature }),
            ...options.headers,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : {} }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The ledger's events of the calls with this request id (`kopir audit search --request-id`), once `count` are in. */
  async function recorded(requestId: string, count: number): Promise<Record<string, unknown>[]> {
    let events: Record<string, unknown>[] = [];
    for (let attempt = 0; attempt < 50 && events.length < count; attempt++) {
      await new Promise((r) => setTimeout(r, 200));
      const search = await system.kopir([
        'audit',
        'search',
        '--request-id',
        requestId,
        '--json',
        '--url',
        system.officerApi,
        '--pki',
        system.pki,
      ]);
      events = (JSON.parse(search.stdout) as { entries: { event: Record<string, unknown> }[] }).entries.map(
        (e) => e.event,
      );
    }
    return events;
  }

  function keyId(systemId: string): string {
    const paths = devPkiPaths(system.pki);
    const key = loadPrivateKey(readFileSync(paths.system(systemId).signing.key, 'utf8'));
    // The federation lists keys by their RFC 7638 thumbprint; KopirClient does the same.
    return keyThumbprint(key);
  }

  it('answers an allowed request with the provider-signed data, verified by the client, and an audit receipt', async () => {
    const result = await client.call<{ iin: string; firstName: string }>(
      'mju/population/person-by-iin',
      { iin },
      { purpose: 'driving-licence-issue', subject: iin },
    );
    expect(result.body.iin).toBe(iin);
    expect(result.body).toHaveProperty('deceased');
    // The rule leaves out the place of birth: the registry's full answer has it, the consumer never sees it.
    expect(result.body).not.toHaveProperty('birthPlace');
    // The receipt names the audit event, an id the gateway drew: never the caller's own request id.
    expect(result.auditReceipt).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(result.auditReceipt).not.toBe(result.requestId);
    expect(result.answer.status).toBe('ok');
  });

  it('refuses at the TLS handshake a connection without a client certificate, or with one of another CA', async () => {
    await expect(raw({ tlsAs: null })).rejects.toThrow();
    const other = mkdtempSync(join(tmpdir(), 'kopir-other-ca-'));
    try {
      await initDevPki(other);
      await expect(raw({ tlsPki: other })).rejects.toThrow();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it.each([
    ['a missing signature', { signature: () => undefined }, 401, 'signature_invalid'],
    ['a tampered signature', { signature: (s: string) => `${s.slice(0, -4)}AAAA` }, 401, 'signature_invalid'],
    ['alg none', { signature: (s: string) => noneAlg(s) }, 401, 'signature_invalid'],
    ['another system signing', { signAs: 'mju/population' }, 401, 'signature_invalid'],
    ['a stale issued-at', { now: new Date(Date.now() - 3_600_000) }, 401, 'request_expired'],
    [
      'a purpose the rule does not allow',
      { purpose: 'vehicle-registration', service: 'mia/vehicles/driving-licence-status' },
      403,
      'access_denied',
    ],
    ['a field the rule does not allow', { headers: { 'kopir-fields': 'iin,birthPlace' } }, 403, 'access_denied'],
    [
      'a combination with no rule at all',
      { service: 'src/tax/tax-debts', purpose: 'social-benefit-check' },
      403,
      'access_denied',
    ],
    ['an unknown service', { service: 'mju/population/no-such-service' }, 404, 'service_unknown'],
    ['a body that violates the schema', { body: JSON.stringify({ iin: 'DROP TABLE' }) }, 400, 'request_invalid'],
    ['a malformed request id', { requestId: 'bad id with spaces' }, 400, 'request_invalid'],
  ] as const)('refuses %s with problem+json and a stable code', async (_, options, status, code) => {
    const answer = await raw(options);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.json.code).toBe(code);
    expect(JSON.stringify(answer.json)).not.toMatch(/stack|at \w+ \(|psc-front-office\.|grantedBy/);
  });

  it('refuses a replayed request (same signed request sent twice)', async () => {
    const requestId = randomUUID();
    const now = new Date();
    expect((await raw({ requestId, now })).status).toBe(200);
    const replay = await raw({ requestId, now });
    expect(replay.status).toBe(409);
    expect(replay.json.code).toBe('replay_detected');
  });

  it("keeps each system's request ids its own: another system's use of an id neither refuses a call nor hides it from the ledger", async () => {
    // Request ids are the caller's choice. Keyed by the id alone, a system that used another's id first had that
    // system's call refused as a replay, and (after the replay window, or through another gateway) the second call's
    // audit event was dropped by the ledger as a duplicate: data released with no record of its own.
    const shared = `shared-${randomUUID()}`;
    const other = await raw({
      requestId: shared,
      tlsAs: 'mju/population',
      service: 'src/tax/tax-debts',
      purpose: 'social-benefit-check',
    });
    expect(other.status).toBe(403);
    const mine = await raw({ requestId: shared });
    expect(mine.status).toBe(200);
    const receipt = mine.headers['kopir-audit-receipt'];
    expect(typeof receipt).toBe('string');
    expect(receipt).not.toBe(shared);

    // As an officer finds a call by the id in a ministry's own logs.
    const events = await recorded(shared, 2);
    expect(events.every((e) => e.requestId === shared)).toBe(true);
    expect(events.map((e) => [e.client, e.decision]).sort()).toEqual([
      ['mju/population', 'deny'],
      ['psc/front-office', 'allow'],
    ]);
    expect(events.find((e) => e.client === 'psc/front-office')?.eventId).toBe(receipt);
    // Each record says why: the rule that allowed the call, the reason the other was refused.
    expect(events.find((e) => e.client === 'psc/front-office')?.reason).toBe('rule:psc-front-office.person-by-iin');
    expect(events.find((e) => e.client === 'mju/population')?.reason).toBe('no_rule');
    // The refusal was audited, and its caller got the receipt of that record.
    expect(events.find((e) => e.client === 'mju/population')?.eventId).toBe(other.headers['kopir-audit-receipt']);
  });

  it('refuses a request about another person than its declared subject, so the ledger names whom was looked up', async () => {
    // Asking about one person while declaring another would have put the access in the wrong citizen's history.
    const other = samplePeople(join(system.dir, 'data', 'registries'), 2)[1]?.iin ?? '850505400456';
    const answer = await raw({ body: JSON.stringify({ iin }), subject: other });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('request_invalid');
    expect(answer.json.detail).toBe('Kopir-Subject must be the request body\'s "iin"');
    expect(JSON.stringify(answer.json)).not.toContain(iin);
  });

  it('accepts one spelling of a service path only, so the signed path can be rebuilt from the envelope', async () => {
    // Signed as sent, and valid but for the encoded hyphen: an auditor rebuilding /r1/<service> would fail the
    // consumer's signature, so the gateway refuses it.
    const answer = await raw({ service: 'mju/population/person%2Dby-iin' });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('request_invalid');
  });

  it('gives a request no rule allows no place in the replay guard (it cannot fill it for everyone)', async () => {
    // The guard holds a bounded number of ids and refuses everyone when full; only allowed requests enter it, so the
    // same signed request from a system without a rule is refused for the rule both times, never as a replay.
    const requestId = randomUUID();
    const now = new Date();
    const asNobody = {
      requestId,
      now,
      tlsAs: 'mju/population',
      service: 'src/tax/tax-debts',
      purpose: 'social-benefit-check',
    };
    for (let i = 0; i < 2; i++) {
      const answer = await raw(asNobody);
      expect([answer.status, answer.json.code]).toEqual([403, 'access_denied']);
    }
  });

  it('refuses a body over the limit with 413 payload_too_large, audited with a receipt like every refusal', async () => {
    const requestId = randomUUID();
    const answer = await raw({ requestId, body: JSON.stringify({ iin, pad: 'x'.repeat(1_100_000) }) });
    expect(answer.status).toBe(413);
    expect(answer.json.code).toBe('payload_too_large');
    // Refused by the HTTP layer before the relay ran, and still on the record, under the certificate's system.
    const receipt = answer.headers['kopir-audit-receipt'];
    expect(typeof receipt).toBe('string');
    const [event] = await recorded(requestId, 1);
    expect(event).toMatchObject({
      eventId: receipt,
      client: 'psc/front-office',
      service: 'mju/population/person-by-iin',
      decision: 'deny',
      status: 413,
      errorCode: 'payload_too_large',
      subject: iin,
    });
  });

  it('passes a provider refusal through with its code: a valid IIN of nobody in the registry is not_found', async () => {
    const unknown = [1, 2, 3, 4, 5].map((n) => makeIin('1902-03-04', 'female', 9000 + n)).find((v) => v !== undefined);
    if (!unknown) throw new Error('no IIN could be made');
    const answer = await raw({ body: JSON.stringify({ iin: unknown }), subject: unknown });
    expect(answer.status).toBe(404);
    expect(answer.json.code).toBe('not_found');
  });

  it('limits a rule to its rate: a burst over it gets 429 rate_limited with Retry-After', async () => {
    // src/tax/tax-debts allows psc/front-office 5 requests/s with a burst of 10: 40 at once cannot all pass, however
    // slowly this machine sends them (the bucket would need 6 s to refill 30).
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => raw({ service: 'src/tax/tax-debts', purpose: 'tax-clearance-certificate' })),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(10);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.json.code).toBe('rate_limited');
    expect(Number(limited[0]?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('answers 40 concurrent requests about different people, each with its own person', async () => {
    const people = samplePeople(join(system.dir, 'data', 'registries'), 40).map((p) => p.iin);
    const results = await Promise.all(
      people.map((person) =>
        client.call<{ iin: string }>(
          'mju/population/person-by-iin',
          { iin: person },
          {
            purpose: 'driving-licence-issue',
            subject: person,
          },
        ),
      ),
    );
    expect(results.map((r) => r.body.iin)).toEqual(people);
  });

  it('answers 503 maintenance with Retry-After while maintenance is on, and serves again after', async () => {
    await fetch(`${system.ops}/maintenance/on`, { method: 'POST' });
    const answer = await raw();
    expect(answer.status).toBe(503);
    expect(answer.json.code).toBe('maintenance');
    expect(answer.headers['retry-after']).toBeDefined();
    await fetch(`${system.ops}/maintenance/off`, { method: 'POST' });
    expect((await raw()).status).toBe(200);
  });

  it('reports health and metrics on the ops port', async () => {
    const ready = await fetch(`${system.ops}/health/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${system.ops}/metrics`)).text();
    expect(metrics).toMatch(
      /kopir_gateway_requests_total\{client="psc\/front-office",service="mju\/population\/person-by-iin",code="ok"\}/,
    );
  });

  it('has written every call, allowed and denied, to a ledger that verifies', async () => {
    // Checkpoints are signed at least every second.
    await new Promise((r) => setTimeout(r, 1500));
    const verify = await system.kopir(['audit', 'verify', '--url', system.officerApi, '--pki', system.pki]);
    expect(verify.stderr + verify.stdout).toMatch(/ok: .* \d+ events/);
    expect(verify.code).toBe(0);
    const search = await system.kopir([
      'audit',
      'search',
      '--subject',
      iin,
      '--decision',
      'deny',
      '--json',
      '--url',
      system.officerApi,
      '--pki',
      system.pki,
    ]);
    expect(search.code).toBe(0);
    expect(search.stdout).toContain('access_denied');
  });

  it('runs the demo scenario: three registries, one refusal, the citizen view and a verified ledger', async () => {
    const demo = await system.kopir(['demo', '--pki', system.pki]);
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    expect(demo.stdout).not.toContain('✘');
    for (const line of [
      'population registry',
      'current driving licence',
      'vehicles owned',
      'tax debts',
      'refused, as the rules say',
      'access history',
      'ok: ',
    ]) {
      expect(demo.stdout).toContain(line);
    }
  });

  it('refuses a certificate revoked while the system runs (next connection and next request)', async () => {
    // kopir up keeps each service's CRL floor in data/, so an older crl.pem is refused after a restart too.
    const states = ['data/gateway/crl-state.json', 'data/audit/crl-state.json'].map((f) => join(system.dir, f));
    const before = states.map((f) => readFileSync(f, 'utf8'));
    const revoke = await system.kopir(['pki', 'revoke', 'psc/front-office', '--dir', system.pki]);
    expect(revoke.code).toBe(0);
    // The gateway polls the CRL every second.
    await new Promise((r) => setTimeout(r, 2500));
    // Both recorded the new CRL as the floor.
    states.forEach((f, i) => expect(readFileSync(f, 'utf8')).not.toBe(before[i]));
    await expect(raw()).rejects.toThrow();
    await expect(
      client.call('mju/population/person-by-iin', { iin }, { purpose: 'driving-licence-issue', subject: iin }),
    ).rejects.toBeInstanceOf(Error);
    // The operator's log names the reason and who tried, address and port.
    expect(system.log()).toMatch(/TLS handshake refused from 127\.0\.0\.1:\d+: .*\(CERT_REVOKED\)/);
  });
});

function noneAlg(signature: string): string {
  void signature;
  const header = Buffer.from(
    JSON.stringify({ alg: 'none', typ: 'kopir-request+jws', kid: 'x', iat: Math.floor(Date.now() / 1000) }),
  ).toString('base64url');
  return `${header}..`;
}
