import { RefusalLimiter } from './refusal-limiter';

describe('RefusalLimiter', () => {
  const limits = { perSecond: 2, burst: 3, maxCallers: 2 };

  it('admits a burst per caller, then refuses with a Retry-After until the bucket refills', () => {
    const limiter = new RefusalLimiter(limits);
    const t = 1_000_000;
    expect([1, 2, 3].map(() => limiter.admit('psc/front-office', t).admitted)).toEqual([true, true, true]);
    expect(limiter.admit('psc/front-office', t)).toEqual({ admitted: false, retryAfterSeconds: 1 });
    // Another caller has its own bucket.
    expect(limiter.admit('mju/population', t).admitted).toBe(true);
    // Half a second later one token is back (2 a second), and only one.
    expect(limiter.admit('psc/front-office', t + 500).admitted).toBe(true);
    expect(limiter.admit('psc/front-office', t + 500).admitted).toBe(false);
  });

  it('counts what it refused, per caller, once, with the first and last time', () => {
    const limiter = new RefusalLimiter(limits);
    const t = Date.parse('2026-11-27T09:00:00Z');
    for (let i = 0; i < 10; i++) limiter.admit('kafka:audit', t + i);
    expect(limiter.drain(t + 10)).toEqual([
      { caller: 'kafka:audit', count: 7, first: '2026-11-27T09:00:00.003Z', last: '2026-11-27T09:00:00.009Z' },
    ]);
    expect(limiter.drain(t + 20)).toEqual([]);
  });

  it('keeps memory bounded: callers beyond maxCallers share one bucket', () => {
    const limiter = new RefusalLimiter(limits);
    const t = 5_000;
    limiter.admit('a', t);
    limiter.admit('b', t);
    // c, d and e are new while two callers are tracked: they share the overflow bucket of 3.
    expect(['c', 'd', 'e', 'f'].map((caller) => limiter.admit(caller, t).admitted)).toEqual([true, true, true, false]);
    expect(limiter.drain(t).map((s) => [s.caller, s.count])).toEqual([['(other callers)', 1]]);
  });

  it('forgets a caller whose bucket is full again, so a new one can be tracked', () => {
    const limiter = new RefusalLimiter(limits);
    limiter.admit('a', 0);
    limiter.admit('b', 0);
    limiter.drain(10_000); // both refilled: forgotten
    expect(['c', 'd', 'e', 'c'].map((caller) => limiter.admit(caller, 10_000).admitted)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(limiter.drain(10_000)).toEqual([]);
  });

  it('refills nothing and locks nobody out when the clock is set back', () => {
    const limiter = new RefusalLimiter(limits);
    const t = 100_000;
    for (let i = 0; i < 3; i++) limiter.admit('a', t);
    // 60 s back: no negative refill, so the wait stays about one token's time, not a minute.
    expect(limiter.admit('a', t - 60_000)).toEqual({ admitted: false, retryAfterSeconds: 1 });
    expect(limiter.admit('a', t - 60_000 + 500).admitted).toBe(true);
  });

  it('counts again what could not be recorded (putBack), merged with what came since', () => {
    const limiter = new RefusalLimiter(limits);
    const t = Date.parse('2026-11-27T10:00:00Z');
    for (let i = 0; i < 5; i++) limiter.admit('a', t + i);
    const first = limiter.drain(t + 10);
    limiter.admit('a', t + 20);
    limiter.putBack(first);
    expect(limiter.drain(t + 30)).toEqual([
      { caller: 'a', count: 3, first: '2026-11-27T10:00:00.003Z', last: '2026-11-27T10:00:00.020Z' },
    ]);
  });
});
