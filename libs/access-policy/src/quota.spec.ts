import { QuotaBucket, QuotaLedger } from './quota';

const T0 = Date.parse('2026-06-01T10:00:00Z');

describe('QuotaBucket', () => {
  it('mints no tokens when the clock steps back', () => {
    const bucket = new QuotaBucket({ perSecond: 1, burst: 1, daily: undefined }, 0);
    expect(bucket.take(T0)).toBe(0);
    expect(bucket.take(T0 - 60_000)).toBeGreaterThan(0);
    // Back at the later time, only the time really elapsed since T0 refills.
    expect(bucket.take(T0 + 500)).toBe(500);
    expect(bucket.take(T0 + 1000)).toBe(0);
  });

  it('looks without consuming when asked to', () => {
    const bucket = new QuotaBucket({ perSecond: undefined, burst: 1, daily: 1 }, 0);
    expect(bucket.take(T0, false)).toBe(0);
    expect(bucket.take(T0, false)).toBe(0);
    expect(bucket.take(T0)).toBe(0);
    expect(bucket.take(T0, false)).toBeGreaterThan(0);
    expect(bucket.lastRefusal).toBe('daily');
  });

  it('keeps what was used when a reload lowers the limits', () => {
    const ledger = new QuotaLedger();
    const limits = { perSecond: 10, burst: 10, daily: undefined };
    const bucket = ledger.bucket('psc/front-office', 'mju/population/person-by-iin', 'r1', limits);
    for (let i = 0; i < 8; i++) expect(bucket.take(T0)).toBe(0);
    const again = ledger.bucket('psc/front-office', 'mju/population/person-by-iin', 'r1', { ...limits, burst: 5 });
    expect(again).toBe(bucket);
    expect(again.take(T0)).toBe(0);
    expect(again.take(T0)).toBe(0);
    expect(again.take(T0)).toBeGreaterThan(0);
  });
});

describe('QuotaLedger.share', () => {
  it('gives each of n instances floor(limit / n), at least 1', () => {
    const ledger = new QuotaLedger({ instances: 4 });
    expect(ledger.share({ perSecond: 100, burst: 50 }, 1000)).toEqual({ perSecond: 25, burst: 12, daily: 250 });
    expect(ledger.share(undefined, 2)).toEqual({ perSecond: undefined, burst: 1, daily: 1 });
    expect(() => new QuotaLedger({ instances: 0 })).toThrow(RangeError);
  });
});
