import { parentPort } from 'node:worker_threads';
import { hashEventLine } from './log-verifier';
import type { ExportEvent } from './export-format';
import type { HashedBatch } from './parallel-verify';

/**
 * Worker thread of verifyExportParallel: decodes a batch of raw event lines and recomputes their leaf hashes. The
 * hashes go back packed in one transferred buffer; everything that depends on order (the tree, checkpoints,
 * proofs) stays on the main thread.
 */
parentPort?.on('message', (message: { id: number; data: Uint8Array }) => {
  const text = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.length).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const hashes = new Uint8Array(new ArrayBuffer(32 * lines.length));
  const batch: HashedBatch = {
    id: message.id,
    count: lines.length,
    indexes: [],
    hashes,
    errors: [],
    mismatches: [],
    inclusions: [],
  };
  lines.forEach((line, i) => {
    let hashed;
    try {
      hashed = hashEventLine(JSON.parse(line) as ExportEvent);
    } catch {
      hashed = { index: undefined, error: 'the line is not JSON' };
    }
    batch.indexes.push(hashed.index);
    if (hashed.leafHash !== undefined) hashes.set(hashed.leafHash, 32 * i);
    if (hashed.error !== undefined) batch.errors.push([i, hashed.error]);
    if (hashed.storedMismatch === true) batch.mismatches.push(i);
    if (hashed.inclusion !== undefined) batch.inclusions.push([i, hashed.inclusion]);
  });
  parentPort?.postMessage(batch, [hashes.buffer]);
});
