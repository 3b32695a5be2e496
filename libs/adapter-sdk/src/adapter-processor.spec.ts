import { KopirError } from '@kopir/contracts';
import { signEnvelope, verifyAnswer } from '@kopir/envelope';
import type { FederationDocument } from '@kopir/federation';
import { generateSigningKey, keyThumbprint, publicKeyToJwk } from '@kopir/pki';
import { AdapterProcessor } from './adapter-processor';
import type { AdapterRequest } from './adapter-request';
import { RegistryService, handlersOf } from './registry-service.decorator';

const IIN = '900101300012';

class Handlers {
  seen: AdapterRequest[] = [];
  @RegistryService('person-by-iin')
  person(request: AdapterRequest): unknown {
    this.seen.push(request);
    const { iin } = request.body as { iin: string };
    if (iin === '000000000000') throw new Error('SQLITE_CORRUPT: /var/lib/registry/population.db at page 7');
    if (iin === '111111111111') throw new KopirError('internal_error', 'stack: at Database.prepare (secret.ts:1)');
    if (iin === '222222222222') throw new KopirError('not_found', 'No person with this IIN');
    // Answers outside the published schema: a wrong type, a required member missing, a member it forbids.
    if (iin === '333333333333') return { iin, lastName: 1990, firstName: 'Arman' };
    if (iin === '444444444444') return { lastName: 'Abenov', firstName: 'Arman' };
    if (iin === '555555555555') return { iin, lastName: 'Abenov', passportNumber: 'N12345678' };
    return { iin, lastName: 'Abenov', firstName: 'Arman', address: 'Astana' };
  }
}

describe('AdapterProcessor', () => {
  const gateway = generateSigningKey('ES256');
  const adapter = generateSigningKey('ES256');
  const document: FederationDocument = {
    federation: 'test',
    version: 1,
    issuedAt: new Date(Date.now() - 60_000).toISOString(),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    agencies: [
      { code: 'mju', name: 'mju', systems: [{ id: 'mju/population', name: 'population' }] },
      { code: 'psc', name: 'psc', systems: [{ id: 'psc/front-office', name: 'front office' }] },
    ],
    purposes: [{ code: 'driving-licence-issue', description: 'x' }],
    groups: [],
    services: [
      {
        id: 'mju/population/person-by-iin',
        version: '1.0.0',
        description: 'a person',
        topic: 'kopir.req.mju',
        request: {
          type: 'object',
          additionalProperties: false,
          required: ['iin'],
          properties: { iin: { type: 'string', pattern: '^[0-9]{12}$' } },
        },
        response: {
          type: 'object',
          additionalProperties: false,
          required: ['iin', 'lastName'],
          properties: {
            iin: { type: 'string' },
            lastName: { type: 'string' },
            firstName: { type: 'string' },
            address: { type: 'string' },
          },
        },
        fields: ['iin', 'lastName', 'firstName', 'address'].map((name) => ({ name, sensitivity: 'personal' })),
      },
    ],
    rules: [],
    officers: [],
    gateways: [{ id: 'gateway', name: 'gw', signingKeys: [publicKeyToJwk(gateway.publicKey)] }],
  };
  const handlers = new Handlers();
  const logged: string[] = [];
  const processor = new AdapterProcessor({
    system: 'mju/population',
    signingKey: adapter.privateKey,
    federation: { current: { document } },
    handlers: handlersOf(handlers),
    logger: { log: () => undefined, warn: () => undefined, error: (line) => logged.push(line) },
  });
  let n = 0;
  const envelope = (body: unknown, fields: string[] = ['iin', 'lastName']): Promise<string> =>
    signEnvelope(
      {
        requestId: `r-${++n}`,
        client: 'psc/front-office',
        service: 'mju/population/person-by-iin',
        purpose: 'driving-licence-issue',
        subject: IIN,
        fields,
        body,
        consumerSignature: 'x',
      },
      gateway.privateKey,
      { kid: keyThumbprint(gateway.publicKey) },
    );
  const run = async (
    body: unknown,
    fields?: string[],
  ): Promise<{ status: string; body: unknown; requestId: string; signed: string }> => {
    const jws = await envelope(body, fields);
    const done = await processor.process(jws, 'key');
    if (done === undefined) throw new Error('no answer');
    const answer = await verifyAnswer(done.answer, jws, adapter.publicKey);
    // Everything the adapter signed, decoded: what would reach the gateway and the consumer.
    const signed = Buffer.from(done.answer.split('.')[1] ?? '', 'base64url').toString('utf8');
    return { status: answer.status, body: answer.body, requestId: done.requestId, signed };
  };

  it('gives the handler the verified request and answers only the granted fields', async () => {
    const { status, body } = await run({ iin: IIN });
    expect({ status, body }).toEqual({ status: 'ok', body: { iin: IIN, lastName: 'Abenov' } });
    expect(handlers.seen.at(-1)).toMatchObject({ client: 'psc/front-office', purpose: 'driving-licence-issue' });
  });

  it('answers an unexpected failure as provider_error without its message', async () => {
    for (const iin of ['000000000000', '111111111111']) {
      const { status, body } = await run({ iin });
      expect(status).toBe('provider_error');
      expect(JSON.stringify(body)).not.toMatch(/SQLITE|var\/lib|stack|secret/);
    }
  });

  it('passes a typed error the caller can act on with its code', async () => {
    await expect(run({ iin: '222222222222' })).resolves.toMatchObject({
      status: 'not_found',
      body: { code: 'not_found', status: 404 },
    });
  });

  it('never sends an answer outside the published schema: provider_error with paths and keywords, no values', async () => {
    const cases = [
      { iin: '333333333333', where: '/lastName type', values: ['1990', 'Arman'] },
      { iin: '444444444444', where: '/iin required', values: ['Abenov', 'Arman'] },
      // The forbidden member is outside the mask too: the full answer is checked, not what the mask leaves.
      { iin: '555555555555', where: '/* additionalProperties', values: ['Abenov', 'passportNumber', 'N12345678'] },
    ];
    for (const { iin, where, values } of cases) {
      const { status, body, requestId, signed } = await run({ iin }, ['iin', 'lastName', 'firstName']);
      expect(status).toBe('provider_error');
      expect(body).toMatchObject({ code: 'provider_error', status: 502, retriable: false });
      expect((body as { detail: string }).detail).toBe(
        `The registry's answer did not match its published schema: ${where}`,
      );
      for (const value of values) expect(signed).not.toContain(value);
      const line = logged.find((l) => l.includes(requestId));
      expect(line).toContain('mju/population/person-by-iin');
      expect(line).toContain(where);
      for (const value of values) expect(line).not.toContain(value);
    }
  });

  it('checks the full answer, so a valid one is answered whatever the mask leaves of it', async () => {
    // `lastName` is required in the full answer; a rule that grants only `iin` still gets its answer.
    await expect(run({ iin: IIN }, ['iin'])).resolves.toMatchObject({ status: 'ok', body: { iin: IIN } });
  });

  it('refuses a body outside the schema before the handler runs, without echoing the value', async () => {
    const before = handlers.seen.length;
    const { status, body } = await run({ iin: "1' OR '1'='1" });
    expect(status).toBe('request_invalid');
    expect(JSON.stringify(body)).not.toContain("OR '1'");
    expect(handlers.seen.length).toBe(before);
  });

  it('tells messages for another system of the agency from its own by the envelope, not by what the body says', async () => {
    const signed = (service: string, body: unknown): Promise<string> =>
      signEnvelope(
        {
          requestId: `r-${++n}`,
          client: 'psc/front-office',
          service,
          purpose: 'driving-licence-issue',
          subject: '"service":"mju/other/x"',
          fields: ['iin'],
          body,
          consumerSignature: '"service":"mju/other/x"',
        },
        gateway.privateKey,
        { kid: keyThumbprint(gateway.publicKey) },
      );
    // Its own service, with bodies and strings that name another system of the agency: answered.
    const own = await processor.process(
      await signed('mju/population/person-by-iin', { service: 'mju/other/x', iin: IIN }),
      'k',
    );
    expect(own?.status).toBe('request_invalid');
    // Another system's service, whose body names this one: left to that system's adapter.
    const other = await signed('mju/other/person-by-iin', { service: 'mju/population/person-by-iin', iin: IIN });
    expect(await processor.process(other, 'k')).toBeUndefined();
    // Another agency's service (a misrouted message): answered, with a refusal.
    const foreign = await processor.process(await signed('src/tax/tax-debts', { iin: IIN }), 'k');
    expect(foreign?.status).toBe('service_unknown');
  });

  it('refuses every request while the federation document has expired', async () => {
    const expired = new AdapterProcessor({
      system: 'mju/population',
      signingKey: adapter.privateKey,
      federation: {
        current: { document },
        assertInForce: () => {
          throw new Error('expired');
        },
      },
      handlers: handlersOf(handlers),
    });
    const jws = await envelope({ iin: IIN });
    const done = await expired.process(jws, 'key');
    const answer = await verifyAnswer(done?.answer ?? '', jws, adapter.publicKey);
    expect(answer).toMatchObject({ status: 'provider_unavailable', body: { retriable: true } });
  });
});
