import { generateKeyPairSync } from 'node:crypto';
import { AuditLogError, ed25519Signer } from '@kopir/audit-log';
import { KopirError } from '@kopir/contracts';
import { LedgerService } from '../ledger/ledger.service';
import { OfficerQueryService, fromAuditLogError } from './officer-query.service';

describe('OfficerQueryService times', () => {
  let ledger: LedgerService;
  let queries: OfficerQueryService;

  beforeEach(() => {
    const origin = 'kopir.test/audit';
    ledger = new LedgerService({
      database: ':memory:',
      origin,
      signer: ed25519Signer(origin, generateKeyPairSync('ed25519').privateKey),
      checkpointIntervalMs: 60_000,
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    });
    queries = new OfficerQueryService(ledger, 'audit');
  });

  afterEach(() => ledger.ledger.close());

  const refusal = (run: () => unknown): KopirError | undefined => {
    try {
      run();
    } catch (error) {
      return error as KopirError;
    }
    return undefined;
  };

  it.each([
    '2025-02-30',
    '2025-02-29',
    '2025-13-01',
    '2025-04-31T00:00:00Z',
    '2025-03-01T24:00:00Z',
    '2025-03-01T23:60:00Z',
    '2025-03-01T23:59:60Z',
    '2025-03-01T09:00:00+24:00',
    '2025-03-01T09:00:00+05:60',
    '2025-03-01 09:00:00Z',
  ])('refuses the impossible or malformed time %s with 400 request_invalid, in searches and statistics', (time) => {
    for (const run of [() => queries.search({ from: time }), () => queries.statistics({ to: time })]) {
      const error = refusal(run);
      expect(error).toBeInstanceOf(KopirError);
      expect(error).toMatchObject({ code: 'request_invalid', status: 400 });
    }
  });

  it('accepts real times, with offsets and fractions, and the 29th of February of a leap year', () => {
    for (const time of [
      '2024-02-29',
      '2025-03-01T09:00Z',
      '2025-03-01T23:59:59.999Z',
      '2025-03-01T00:30:00+05:30',
      '2025-12-31T23:59:59-12:00',
    ]) {
      expect(refusal(() => queries.search({ from: time }))).toBeUndefined();
    }
    expect(refusal(() => queries.search({ from: '2025-03-01T00:30:00+05:30', to: '2025-03-01' }))).toBeUndefined();
  });
});

describe('fromAuditLogError: what a caller learns when the ledger refuses', () => {
  it('answers a ledger that disagrees with itself as internal_error, its details kept for the log', () => {
    const tampered = new AuditLogError(
      'log_inconsistent',
      "the ledger's index was altered: event 2 matched subject in its column but not in its signed leaf",
      2,
    );
    const answered = fromAuditLogError(tampered);
    expect(answered.code).toBe('internal_error');
    expect(answered.message).toBe('Internal error');
    expect(answered.message).not.toContain('event 2');
    expect((answered as { cause?: unknown }).cause).toBe(tampered);
  });

  it("answers the request's own mistakes as request_invalid, with the ledger's words", () => {
    const answered = fromAuditLogError(new AuditLogError('event_invalid', 'limit must be from 1 to 1000'));
    expect(answered.code).toBe('request_invalid');
    expect(answered.message).toBe('limit must be from 1 to 1000');
  });
});
