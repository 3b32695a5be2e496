import type { TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { OffsetCommitter } from './offset-committer';

/** Records OffsetCommit calls; each resolves when the test says (Kafka answering). */
function recordingConsumer() {
  const calls: { offsets: TopicPartitionOffsetAndMetadata[]; answer: (error?: Error) => void }[] = [];
  return {
    calls,
    consumer: {
      commitOffsets: (offsets: TopicPartitionOffsetAndMetadata[]) =>
        new Promise<void>((resolve, reject) => {
          calls.push({ offsets, answer: (error) => (error ? reject(error) : resolve()) });
        }),
    },
  };
}

const flush = () =>
  new Promise((resolve) => jest.requireActual<typeof import('timers')>('timers').setImmediate(resolve));

describe('OffsetCommitter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('commits the next offset of the last message done per partition, at most once per interval', async () => {
    const { calls, consumer } = recordingConsumer();
    const commits = new OffsetCommitter(consumer, () => undefined, 1000);
    commits.done('t', 0, '4');
    await flush();
    expect(calls.map((c) => c.offsets)).toEqual([[{ topic: 't', partition: 0, offset: '5' }]]);
    calls[0]?.answer();
    await flush();

    commits.done('t', 0, '5');
    commits.done('t', 1, '9');
    commits.done('t', 0, '7');
    jest.advanceTimersByTime(999);
    await flush();
    expect(calls).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await flush();
    expect(calls.map((c) => c.offsets)[1]).toEqual([
      { topic: 't', partition: 0, offset: '8' },
      { topic: 't', partition: 1, offset: '10' },
    ]);
  });

  it('commits the last batch before a pause without waiting for another batch', async () => {
    const { calls, consumer } = recordingConsumer();
    const commits = new OffsetCommitter(consumer, () => undefined, 1000);
    commits.done('t', 0, '0');
    await flush();
    calls[0]?.answer();
    await flush();
    commits.done('t', 0, '1');
    // Nothing more arrives: the timer alone commits offset 2.
    jest.advanceTimersByTime(1000);
    await flush();
    expect(calls.map((c) => c.offsets)).toEqual([
      [{ topic: 't', partition: 0, offset: '1' }],
      [{ topic: 't', partition: 0, offset: '2' }],
    ]);
  });

  it('sends one commit at a time, in order, so an older offset never lands after a newer one', async () => {
    const { calls, consumer } = recordingConsumer();
    const commits = new OffsetCommitter(consumer, () => undefined, 1000);
    commits.done('t', 0, '1');
    jest.advanceTimersByTime(1000);
    commits.done('t', 0, '2');
    await flush();
    expect(calls).toHaveLength(1); // the second waits for Kafka's answer to the first
    calls[0]?.answer();
    await flush();
    expect(calls.map((c) => c.offsets[0]?.offset)).toEqual(['2', '3']);
  });

  it('reports a failed commit and goes on committing', async () => {
    const { calls, consumer } = recordingConsumer();
    const errors: unknown[] = [];
    const commits = new OffsetCommitter(consumer, (error) => errors.push(error), 1000);
    commits.done('t', 0, '1');
    await flush();
    calls[0]?.answer(new Error('REBALANCE_IN_PROGRESS'));
    await flush();
    expect(errors).toEqual([new Error('REBALANCE_IN_PROGRESS')]);
    jest.advanceTimersByTime(1000);
    commits.done('t', 0, '2');
    await flush();
    expect(calls.map((c) => c.offsets[0]?.offset)).toEqual(['2', '3']);
  });

  it('commits what is done on stop and takes nothing after', async () => {
    const { calls, consumer } = recordingConsumer();
    const commits = new OffsetCommitter(consumer, () => undefined, 1000);
    commits.done('t', 0, '1');
    await flush();
    calls[0]?.answer();
    await flush();
    commits.done('t', 0, '2');
    const stopped = commits.stop();
    await flush();
    calls[1]?.answer();
    await stopped;
    commits.done('t', 0, '3');
    jest.advanceTimersByTime(5000);
    await flush();
    expect(calls.map((c) => c.offsets[0]?.offset)).toEqual(['2', '3']);
  });
});
