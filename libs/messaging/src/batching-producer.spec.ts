import type { Producer, ProducerBatch } from 'kafkajs';
import { BatchingProducer } from './batching-producer';

/** A producer whose produce requests are resolved or failed by the test, one by one. */
function recordingProducer(): {
  producer: Producer;
  requests: ProducerBatch[];
  settle(error?: Error): void;
} {
  const requests: ProducerBatch[] = [];
  const pending: { resolve(): void; reject(error: Error): void }[] = [];
  const producer = {
    sendBatch: (batch: ProducerBatch) => {
      requests.push(batch);
      return new Promise((resolve, reject) => pending.push({ resolve: () => resolve([]), reject }));
    },
  } as unknown as Producer;
  return {
    producer,
    requests,
    settle: (error) => {
      const next = pending.shift();
      if (!next) throw new Error('no produce request in flight');
      if (error) next.reject(error);
      else next.resolve();
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const values = (batch: ProducerBatch | undefined): string[] =>
  (batch?.topicMessages ?? []).flatMap((t) => t.messages.map((m) => `${t.topic}:${String(m.value)}`));

describe('BatchingProducer', () => {
  it('sends the messages of one event-loop turn in one produce request, grouped by topic, in order', async () => {
    const { producer, requests, settle } = recordingProducer();
    const batching = new BatchingProducer(producer, { acks: 1 });
    const sent = [
      batching.send('a', { value: '1' }),
      batching.send('b', { value: '2' }),
      batching.send('a', { value: '3' }),
    ];
    await tick();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.acks).toBe(1);
    expect(values(requests[0])).toEqual(['a:1', 'a:3', 'b:2']);
    settle();
    await expect(Promise.all(sent)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('encodes the items of a request per topic, in order (the audit publisher signs them as one message)', async () => {
    const { producer, requests, settle } = recordingProducer();
    const calls: string[][] = [];
    const batching = new BatchingProducer<number>(producer, {
      acks: -1,
      encode: (topic, items) => {
        calls.push([topic, ...items.map(String)]);
        return [{ value: items.join('+') }];
      },
    });
    const sent = [batching.send('a', 1), batching.send('b', 2), batching.send('a', 3)];
    await tick();
    expect(calls).toEqual([
      ['a', '1', '3'],
      ['b', '2'],
    ]);
    expect(values(requests[0])).toEqual(['a:1+3', 'b:2']);
    settle();
    await expect(Promise.all(sent)).resolves.toHaveLength(3);
  });

  it('fails every item of a request whose encoding fails, and goes on with the next request', async () => {
    const { producer, requests, settle } = recordingProducer();
    let fail = true;
    const batching = new BatchingProducer<string>(producer, {
      acks: -1,
      encode: (_topic, items) => {
        if (fail) throw new Error('no signing key');
        return items.map((value) => ({ value }));
      },
    });
    const first = [batching.send('t', 'x'), batching.send('t', 'y')];
    await expect(Promise.allSettled(first)).resolves.toEqual([
      { status: 'rejected', reason: new Error('no signing key') },
      { status: 'rejected', reason: new Error('no signing key') },
    ]);
    expect(requests).toHaveLength(0);
    fail = false;
    const next = batching.send('t', 'z');
    await tick();
    expect(values(requests[0])).toEqual(['t:z']);
    settle();
    await expect(next).resolves.toBeUndefined();
  });

  it('holds what arrives during a request for the next one, and never has two requests in flight', async () => {
    const { producer, requests, settle } = recordingProducer();
    const batching = new BatchingProducer(producer, { acks: -1, timeoutMs: 500 });
    const first = batching.send('t', { value: '1' });
    await tick();
    const later = [batching.send('t', { value: '2' }), batching.send('t', { value: '3' })];
    await tick();
    expect(requests).toHaveLength(1);
    expect(batching.queued).toBe(2);
    settle();
    await first;
    await tick();
    expect(requests).toHaveLength(2);
    expect(requests[1]?.timeout).toBe(500);
    expect(values(requests[1])).toEqual(['t:2', 't:3']);
    settle();
    await Promise.all(later);
  });

  it('rejects every message of a failed request, and the next messages still go', async () => {
    const { producer, requests, settle } = recordingProducer();
    const batching = new BatchingProducer(producer, { acks: 1 });
    const failed = [batching.send('t', { value: '1' }), batching.send('t', { value: '2' })];
    await tick();
    settle(new Error('broker gone'));
    for (const f of failed) await expect(f).rejects.toThrow('broker gone');
    const next = batching.send('t', { value: '3' });
    await tick();
    expect(values(requests[1])).toEqual(['t:3']);
    settle();
    await expect(next).resolves.toBeUndefined();
  });

  it('splits a long queue into requests of at most maxBatch messages', async () => {
    const { producer, requests, settle } = recordingProducer();
    const batching = new BatchingProducer(producer, { acks: 1, maxBatch: 2 });
    const sent = ['1', '2', '3', '4', '5'].map((v) => batching.send('t', { value: v }));
    for (let i = 0; i < 3; i++) {
      await tick();
      settle();
    }
    await Promise.all(sent);
    expect(requests.map(values)).toEqual([['t:1', 't:2'], ['t:3', 't:4'], ['t:5']]);
  });
});
