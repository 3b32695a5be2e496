import { generateKeyPairSync } from 'node:crypto';
import { ed25519Signer } from '@kopir/audit-log';
import { LedgerService } from './ledger.service';

const event = (i: number) =>
  ({
    v: 1,
    eventId: `req-${i}`,
    time: '2025-03-01T09:00:00.000Z',
    kind: 'service-call',
    gateway: 'gw-1',
    client: 'psc/front-office',
    service: 'mju/population/person-by-iin',
    purpose: 'driving-licence-issue',
    subject: '900101300123',
    decision: 'allow',
    reason: 'rule:x',
    status: 200,
    errorCode: null,
    latencyMs: 3,
    requestHash: null,
    responseHash: null,
  }) as const;

describe('LedgerService checkpoints', () => {
  afterEach(() => jest.useRealTimers());

  it('signs a checkpoint once the interval has passed while events arrive, and none while nothing changes', () => {
    jest.useFakeTimers({ now: new Date('2025-03-01T09:00:00Z') });
    const origin = 'kopir.test/audit';
    const signer = ed25519Signer(origin, generateKeyPairSync('ed25519').privateKey);
    const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const service = new LedgerService({ database: ':memory:', origin, signer, checkpointIntervalMs: 1000, logger });
    service.start();
    expect(service.ledger.latestCheckpoint()?.size).toBe(0);
    service.append([event(1), event(2)]);
    // Within the interval: no new checkpoint yet.
    expect(service.ledger.latestCheckpoint()?.size).toBe(0);
    jest.advanceTimersByTime(1000);
    expect(service.ledger.latestCheckpoint()?.size).toBe(2);
    // The timer alone signs nothing new when the tree did not grow.
    jest.advanceTimersByTime(5000);
    expect(service.ledger.checkpoints(0, 10).map((c) => c.size)).toEqual([0, 2]);
    // An append after the interval signs at once, even if the timer were starved by a busy event loop.
    jest.setSystemTime(Date.now() + 1500);
    service.append([event(3)]);
    expect(service.ledger.latestCheckpoint()?.size).toBe(3);
    service.close();
    expect(logger.error).not.toHaveBeenCalled();
  });
});
