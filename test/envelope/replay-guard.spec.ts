/** The replay guard at its design size: one million request ids in one freshness window. */
import { ReplayGuard } from '@kopir/envelope';

describe('ReplayGuard with 1 million ids', () => {
  it('remembers 1,000,000 ids, refuses each replay, stays bounded, and frees memory after the window', () => {
    let clock = Date.parse('2026-01-15T10:00:00Z');
    const guard = new ReplayGuard({
      maxAgeSeconds: 300,
      clockSkewSeconds: 30,
      maxEntries: 1_000_000,
      now: () => clock,
    });
    for (let i = 0; i < 1_000_000; i++) {
      guard.check('psc/front-office', `req-${i}`, new Date(clock));
      if (i % 100_000 === 0) clock += 1_000;
    }
    expect(guard.size).toBe(1_000_000);
    for (const i of [0, 1, 499_999, 999_999]) {
      expect(() => guard.check('psc/front-office', `req-${i}`, new Date(clock))).toThrow(
        expect.objectContaining({ code: 'replay_detected' }),
      );
    }
    // Full: a new id is refused (retriable), never let in by forgetting a live one.
    expect(() => guard.check('psc/front-office', 'one-more', new Date(clock))).toThrow(
      expect.objectContaining({ code: 'rate_limited' }),
    );
    // After the window (max age + 2 × skew) every id is forgotten at once on the next check.
    clock += 361_000;
    guard.check('psc/front-office', 'fresh', new Date(clock));
    expect(guard.size).toBe(1);
  });
});
