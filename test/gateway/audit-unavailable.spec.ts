import { randomUUID } from 'node:crypto';
import { AUDIT_TOPIC } from '@kopir/contracts';
import { KopirCallError, KopirClient } from '@kopir/client';
import { ensureTopics } from '@kopir/messaging';
import { auditEventsOf } from './audit-events';
import { IIN, startGatewayTestBed, type GatewayTestBed } from './gateway-test-bed';

jest.setTimeout(90_000);

/**
 * DESIGN.md step 5: an answer is never released without its audit record acknowledged by Kafka. Here the broker
 * holds every topic but the audit topic and creates none on demand, so the gateway's audit event cannot be
 * acknowledged while the provider answers normally.
 */
describe('gateway: the audit log does not acknowledge', () => {
  let bed: GatewayTestBed;
  let client: KopirClient;
  let answered = 0;

  beforeAll(async () => {
    bed = await startGatewayTestBed(
      'audit-unavailable',
      (envelope, envelopeJws, b) => {
        answered++;
        return b.answer(envelopeJws, envelope, { iin: IIN, firstName: 'Aigerim' });
      },
      { GATEWAY_AUDIT_TIMEOUT: '1s' },
      { autoCreateTopics: false },
    );
    client = KopirClient.fromDevPki(bed.pki, 'psc/front-office', bed.gateway.url);
  });

  afterAll(async () => {
    client?.close();
    await bed?.close();
  });

  const call = (requestId?: string) =>
    client.call(
      'mju/population/person-by-iin',
      { iin: IIN },
      { purpose: 'driving-licence-issue', subject: IIN, ...(requestId === undefined ? {} : { requestId }) },
    );

  it('withholds the provider answer (503 audit_unavailable, nothing of the data) and serves again once the log does', async () => {
    let refusal: unknown;
    const requestId = randomUUID();
    try {
      await call(requestId);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(KopirCallError);
    expect(refusal).toMatchObject({ code: 'audit_unavailable', httpStatus: 503 });
    // The provider did answer: the data existed and was withheld, not merely absent.
    expect(answered).toBe(1);
    expect(JSON.stringify(refusal)).not.toContain('Aigerim');
    expect((refusal as Error).message).not.toContain('Aigerim');

    await ensureTopics(bed.kafka, [{ topic: AUDIT_TOPIC, numPartitions: 1 }]);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await expect(call()).resolves.toMatchObject({ body: { iin: IIN, firstName: 'Aigerim' } });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }

    // The allow record of the withheld call was queued and reaches the log once it is back; a second record of the
    // same request says the answer was withheld, so the ledger does not claim the caller got the data.
    const events = await auditEventsOf(bed.kafka, requestId, 2);
    expect(
      events
        .map((e) => ({ decision: e.decision, status: e.status, errorCode: e.errorCode }))
        .sort((a, b) => String(a.decision).localeCompare(String(b.decision))),
    ).toEqual([
      { decision: 'allow', status: 200, errorCode: null },
      { decision: 'deny', status: 503, errorCode: 'audit_unavailable' },
    ]);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
  });
});
