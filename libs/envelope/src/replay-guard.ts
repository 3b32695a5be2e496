import { KopirError } from '@kopir/contracts';
import { ReplayDetectedError } from './errors';
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_AGE_SECONDS } from './lib/freshness';

/** Options of {@link ReplayGuard}. */
export interface ReplayGuardOptions {
  /** Freshness window, as given to verifyRequest (default 300 s). */
  readonly maxAgeSeconds?: number;
  readonly clockSkewSeconds?: number;
  /** Most ids remembered at once (default 1,000,000); beyond it new requests are refused, never replays let in. */
  readonly maxEntries?: number;
  /** Clock (ms), for tests. */
  readonly now?: () => number;
}

/**
 * Remembers request ids for the freshness window, so a captured request cannot be sent again. A request id is its
 * signer's own choice, so it is remembered per signer: the same id from another system is another request (keyed by
 * the id alone, one system could have another's requests refused by using their ids first). An id only has to be
 * kept while a request carrying it could still pass the freshness check: until issued-at + max age + 2 × skew. After
 * that, verifyRequest refuses it as expired, so forgetting it is safe and memory stays bounded.
 *
 * Entries live in a Map in insertion order; expiry is pruned from the oldest end. When `maxEntries` unexpired ids are
 * held, new requests fail closed with a retriable `rate_limited` rather than evicting an id that could be replayed.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly keepMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: ReplayGuardOptions = {}) {
    const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
    const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    this.keepMs = (maxAge + 2 * skew) * 1000;
    this.maxEntries = options.maxEntries ?? 1_000_000;
    this.now = options.now ?? Date.now;
  }

  /** How many ids are remembered now. */
  get size(): number {
    return this.seen.size;
  }

  /**
   * Records `signer`'s `requestId` (issued at `issuedAt`), or throws ReplayDetectedError (`replay_detected`) if that
   * signer's id was seen within the window. Call after the signature verified, so forged requests cannot fill the
   * guard; `signer` is whoever that signature proved (a system id).
   */
  check(signer: string, requestId: string, issuedAt: Date = new Date(this.now())): void {
    const now = this.now();
    this.prune(now);
    // NUL cannot occur in a system id, so no two (signer, id) pairs share a key.
    const key = `${signer}\u0000${requestId}`;
    const expiresAt = this.seen.get(key);
    if (expiresAt !== undefined && expiresAt > now) throw new ReplayDetectedError('The request id was already used');
    if (this.seen.size >= this.maxEntries) {
      throw new KopirError('rate_limited', 'Too many requests in the freshness window', { origin: 'replay-guard' });
    }
    // Delete first so a re-used expired id moves to the young end of the insertion order.
    this.seen.delete(key);
    this.seen.set(key, Math.max(issuedAt.getTime(), now) + this.keepMs);
  }

  private prune(now: number): void {
    // Insertion order is nearly expiry order (expiry = max(iat, arrival) + constant); stop at the first live entry.
    for (const [id, expiresAt] of this.seen) {
      if (expiresAt > now) break;
      this.seen.delete(id);
    }
  }
}
