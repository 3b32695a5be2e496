import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LogVerifier, failureReport, verifyExportStream, type VerifyOptions, type VerifyReport } from './log-verifier';

export interface ParallelOptions {
  /** Hashing threads; 0 verifies on this thread only. Default: the cores available, at most 4. */
  readonly workers?: number;
  /** Starts one worker running leaf-hasher.worker (default: the compiled file beside this module). */
  readonly spawn?: () => Worker;
}

/** What a worker sends back for a batch of event lines: leaf hashes packed 32 bytes each, and the exceptions. */
export interface HashedBatch {
  readonly id: number;
  readonly count: number;
  readonly indexes: unknown[];
  readonly hashes: Uint8Array;
  readonly errors: [number, string][];
  readonly mismatches: number[];
  readonly inclusions: [number, unknown][];
}

const BATCH = 1024;
const NEWLINE = 0x0a;
// The exporter writes `type` first; any other line (or another writer's member order) takes the sequential path.
const EVENT_PREFIX = Buffer.from('{"type":"event"');

type Item = { readonly line: string } | { readonly batch: Promise<HashedBatch> };

function isEventLine(buffer: Buffer, start: number, end: number): boolean {
  return (
    end - start > EVENT_PREFIX.length &&
    buffer.compare(EVENT_PREFIX, 0, EVENT_PREFIX.length, start, start + EVENT_PREFIX.length) === 0
  );
}

/**
 * verifyExportStream with the leaf hashing (UTF-8 decoding, JSON parsing, validation, canonical JSON, SHA-256: most
 * of the work) spread over worker threads, which receive raw bytes; the tree, checkpoints and proofs are still
 * checked in order on this thread, so the report is the same, first bad index included. Falls back to one thread
 * where the compiled worker is absent (under ts-jest, unless `spawn` is given) or `workers` is 0.
 */
export async function verifyExportParallel(
  chunks: AsyncIterable<string | Buffer>,
  options: VerifyOptions,
  threads: ParallelOptions = {},
): Promise<VerifyReport> {
  const workers = threads.workers ?? Math.max(1, Math.min(4, availableParallelism()));
  const script = join(__dirname, 'leaf-hasher.worker.js');
  const spawn = threads.spawn ?? (existsSync(script) ? () => new Worker(script) : undefined);
  if (workers < 1 || spawn === undefined) return verifyExportStream(chunks, options);
  const verifier = new LogVerifier(options);
  const pool = Array.from({ length: workers }, spawn);
  const waiting = new Map<number, { resolve(batch: HashedBatch): void; reject(error: unknown): void }>();
  for (const worker of pool) {
    worker.on('message', (batch: HashedBatch) => {
      waiting.get(batch.id)?.resolve(batch);
      waiting.delete(batch.id);
    });
    worker.on('error', (error) => {
      for (const pending of waiting.values()) pending.reject(error);
      waiting.clear();
    });
  }
  const queue: Item[] = [];
  let parts: Buffer[] = [];
  let lines = 0;
  let sent = 0;
  const flush = (): void => {
    if (lines === 0) return;
    const id = sent++;
    // One exclusively owned buffer per batch, transferred rather than copied to the worker.
    const data = new Uint8Array(new ArrayBuffer(parts.reduce((n, p) => n + p.length, 0)));
    let offset = 0;
    for (const part of parts) {
      data.set(part, offset);
      offset += part.length;
    }
    parts = [];
    lines = 0;
    const batch = new Promise<HashedBatch>((resolve, reject) => waiting.set(id, { resolve, reject }));
    // A rejection is observed when the queue reaches this batch; until then it must not count as unhandled.
    batch.catch(() => undefined);
    (pool[id % workers] as Worker).postMessage({ id, data }, [data.buffer]);
    queue.push({ batch });
  };
  const drain = async (keep: number): Promise<void> => {
    while (queue.length > keep) {
      const item = queue.shift() as Item;
      if ('line' in item) {
        verifier.line(item.line);
        continue;
      }
      const batch = await item.batch;
      const errors = new Map(batch.errors);
      const mismatches = new Set(batch.mismatches);
      const inclusions = new Map(batch.inclusions);
      const hashes = Buffer.from(batch.hashes.buffer, batch.hashes.byteOffset, batch.hashes.length);
      for (let i = 0; i < batch.count; i++) {
        const error = errors.get(i);
        const inclusion = inclusions.get(i);
        verifier.hashedEvent({
          index: batch.indexes[i],
          ...(error === undefined ? { leafHash: hashes.subarray(32 * i, 32 * i + 32) } : { error }),
          storedMismatch: mismatches.has(i),
          ...(inclusion === undefined ? {} : { inclusion }),
        });
      }
    }
  };
  const take = async (buffer: Buffer, start: number, end: number): Promise<void> => {
    if (isEventLine(buffer, start, end)) {
      parts.push(buffer.subarray(start, end + 1));
      lines += 1;
      if (lines >= BATCH) {
        flush();
        await drain(4 * workers);
      }
      return;
    }
    flush();
    const line = buffer.toString('utf8', start, end);
    if (line.trim().length > 0) queue.push({ line });
  };
  try {
    let rest: Buffer = Buffer.alloc(0);
    for await (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const buffer = rest.length > 0 ? Buffer.concat([rest, bytes]) : bytes;
      let start = 0;
      for (let end = buffer.indexOf(NEWLINE, start); end >= 0; end = buffer.indexOf(NEWLINE, start)) {
        await take(buffer, start, end);
        start = end + 1;
      }
      rest = buffer.subarray(start);
    }
    if (rest.length > 0) await take(Buffer.concat([rest, Buffer.from('\n')]), 0, rest.length);
    flush();
    await drain(0);
    return verifier.finish();
  } catch (error) {
    return failureReport(error);
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
}
