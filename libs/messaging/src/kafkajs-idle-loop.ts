interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests: (this: RequestQueueInternals) => void;
}

const PATCHED = Symbol.for('kopir.kafkajs.idle-loop-patched');

/**
 * kafkajs 2.2.4 spins a 1 ms timer on every connection, for ever, once a request has completed: its
 * `RequestQueue.scheduleCheckPendingRequests` arms a timer even when nothing is pending and nothing is throttled
 * (`throttledUntil` is -1, so the delay is negative), and the timer re-arms itself (tulios/kafkajs issues #1556 and
 * #1704; the fix of PRs #1667/#1768 was never released). With a consumer's long-polling fetch in flight that is a
 * thousand wake-ups a second per connection: here it cost several milliseconds of CPU per request at low rates.
 *
 * The fix is the one proposed upstream: with no request pending and no throttle in force there is nothing to check
 * later (a new request either goes out at once or is queued, and queueing re-schedules; a completed request checks
 * the queue itself), so no timer is armed. Every other case keeps kafkajs's own behaviour.
 *
 * Applied once per process by createKafka. Returns false when kafkajs's internals are not what this was written
 * for (another version): the test suite then fails, instead of the patch silently not applying.
 */
export function patchKafkajsIdleLoop(): boolean {
  let RequestQueue: { prototype: RequestQueueInternals & { [PATCHED]?: true } };
  try {
    // A deep require of kafkajs's own module (no types, not part of its API): the point is to patch that very module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    RequestQueue = require('kafkajs/src/network/requestQueue') as typeof RequestQueue;
  } catch {
    return false;
  }
  const proto = RequestQueue.prototype;
  if (proto[PATCHED]) return true;
  const original = proto.scheduleCheckPendingRequests;
  if (typeof original !== 'function') return false;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
    if (this.pending.length === 0 && this.throttledUntil - Date.now() <= 0) return;
    original.call(this);
  };
  proto[PATCHED] = true;
  return true;
}
