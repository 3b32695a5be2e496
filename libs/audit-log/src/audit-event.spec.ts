import fc from 'fast-check';
import {
  canonicalEvent,
  buildAuditEvent,
  encodeLeaf,
  eventLeafHash,
  parseAuditEvent,
  sha256Hex,
  type AuditEventInput,
} from './audit-event';
import { canonicalJson } from './canonical-json';
import { hashLeaf } from './merkle';

const input: AuditEventInput = {
  eventId: '0d1e3a52-8f7c-4c47-9a43-5b7b2f6a1c10',
  requestId: 'req-0001',
  time: '2025-03-01T09:30:00.123Z',
  kind: 'service-call',
  gateway: 'gw-1',
  client: 'psc/front-office',
  service: 'mju/population/person-by-iin',
  purpose: 'driving-licence',
  subject: '900101300123',
  decision: 'allow',
  reason: 'rule:psc-population',
  status: 200,
  errorCode: null,
  latencyMs: 12.5,
  requestHash: sha256Hex('request'),
  responseHash: sha256Hex('response'),
  requestBody: { iin: '900101300123' },
  responseBody: { name: 'Aigerim' },
};

describe('audit events', () => {
  it('keeps no citizen data in the default metadata mode, only hashes of what was asked and answered', () => {
    const event = buildAuditEvent(input);
    expect(event.body).toBeUndefined();
    expect(JSON.stringify(event)).not.toContain('Aigerim');
    expect(event.requestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the bodies only for a service configured full', () => {
    const event = buildAuditEvent(input, 'full');
    expect(event.body).toEqual({ request: { iin: '900101300123' }, response: { name: 'Aigerim' } });
  });

  it('encodes a leaf as canonical JSON, whatever the member order, so the leaf hash is stable', () => {
    const event = buildAuditEvent(input);
    const reordered = parseAuditEvent(JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(event).reverse()))));
    expect(encodeLeaf(reordered)).toEqual(encodeLeaf(event));
    expect(encodeLeaf(event).toString()).toMatch(/^\{"client":"psc\/front-office","decision":"allow",/);
    expect(eventLeafHash(event)).toEqual(hashLeaf(encodeLeaf(event)));
    const full = buildAuditEvent(input, 'full');
    expect(encodeLeaf(full).toString()).toBe(canonicalJson(full));
  });

  it('writes the same bytes on the fast path as the generic RFC 8785 encoder, for any text (property)', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => /^\P{Cc}+$/u.test(s));
    fc.assert(
      fc.property(
        text,
        text,
        fc.option(text),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/)),
        (client, purpose, subject, ms, requestId) => {
          const event = buildAuditEvent({ ...input, client, purpose, subject, latencyMs: ms, requestId });
          expect(canonicalEvent(event)).toBe(canonicalJson(event));
          expect(eventLeafHash(event)).toEqual(hashLeaf(Buffer.from(canonicalJson(event), 'utf8')));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("records the caller's request id beside an event id of its own (version 2)", () => {
    const event = buildAuditEvent(input);
    expect(event).toMatchObject({ v: 2, eventId: input.eventId, requestId: 'req-0001' });
    expect(canonicalEvent(event)).toContain('"requestHash":"' + input.requestHash + '","requestId":"req-0001",');
    expect(buildAuditEvent({ ...input, requestId: null }).requestId).toBeNull();
  });

  it('still reads version 1 leaves byte for byte, so ledgers written before version 2 keep verifying', () => {
    // A leaf as the gateway wrote it before version 2: the request id was the event id, and no requestId member.
    const v1 =
      '{"client":"psc/front-office","decision":"allow","errorCode":null,"eventId":"req-0001","gateway":"gw-1",' +
      '"kind":"service-call","latencyMs":12.5,"purpose":"driving-licence","reason":"rule:psc-population",' +
      `"requestHash":"${sha256Hex('request')}","responseHash":"${sha256Hex('response')}",` +
      '"service":"mju/population/person-by-iin","status":200,"subject":"900101300123",' +
      '"time":"2025-03-01T09:30:00.123Z","v":1}';
    const event = parseAuditEvent(JSON.parse(v1));
    expect(event.v).toBe(1);
    expect(event).not.toHaveProperty('requestId');
    expect(canonicalEvent(event)).toBe(v1);
    expect(canonicalEvent(event)).toBe(canonicalJson(event));
    // Each version has exactly its members.
    expect(() => parseAuditEvent({ ...JSON.parse(v1), requestId: 'req-0001' })).toThrow(
      expect.objectContaining({ code: 'event_invalid' }),
    );
  });

  it.each([
    ['an unknown member', { extra: 1 }],
    ['a bad time', { time: '2025-03-01 09:30' }],
    ['an impossible date', { time: '2025-02-30T09:30:00.000Z' }],
    ['a bad decision', { decision: 'maybe' }],
    ['a bad status', { status: 42 }],
    ['a negative latency', { latencyMs: -1 }],
    ['a bad hash', { requestHash: 'abc' }],
    ['a control character', { purpose: 'a\nb' }],
    ['a bad event id', { eventId: '../x' }],
    ['another version', { v: 3 }],
    ['a version 2 event without requestId', { requestId: undefined }],
    ['a bad request id', { requestId: 'a b' }],
    ['a lone surrogate', { client: 'psc/\ud800' }],
  ])('refuses %s', (_what, change) => {
    const event = { ...buildAuditEvent(input), ...change };
    expect(() => parseAuditEvent(event)).toThrow(expect.objectContaining({ code: 'event_invalid' }));
  });
});
