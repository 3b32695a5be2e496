/**
 * The parallel verifier with real worker threads (running leaf-hasher.worker.ts through a require hook): it must
 * reach the same verdict, first bad index included, as the single-threaded one.
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { SqliteLedger, ed25519Signer, ed25519Verifier, verifyExport, verifyExportParallel } from '@kopir/audit-log';
import { sampleEvent } from './audit-fixture';
import { tsWorker } from './ts-worker';

const ORIGIN = 'kopir.test/audit';
const keys = generateKeyPairSync('ed25519');
const verifiers = [ed25519Verifier(ORIGIN, keys.publicKey)];
const spawn = (): ReturnType<typeof tsWorker> =>
  tsWorker(join(__dirname, '..', '..', 'libs', 'audit-log', 'src', 'leaf-hasher.worker.ts'));

async function* chunked(lines: readonly string[], size: number): AsyncGenerator<Buffer> {
  await Promise.resolve();
  // Arbitrary chunk boundaries, also inside multi-byte characters, as a file or socket delivers them.
  const all = Buffer.from(lines.join(''), 'utf8');
  for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
}

describe('verifyExportParallel on worker threads', () => {
  const ledger = SqliteLedger.open(':memory:');
  const signer = ed25519Signer(ORIGIN, keys.privateKey);
  for (let i = 0; i < 5000; i += 500) {
    ledger.append(
      Array.from({ length: 500 }, (_, j) => ({ ...sampleEvent(i + j), purpose: `zweck-ü-${(i + j) % 7}` })),
    );
    ledger.signCheckpoint(ORIGIN, signer);
  }
  const lines = [...ledger.export(ORIGIN)];

  afterAll(() => ledger.close());

  it('accepts a good export, as the sequential verifier does', async () => {
    const report = await verifyExportParallel(chunked(lines, 7919), { verifiers }, { workers: 2, spawn });
    expect(report).toEqual(verifyExport(lines, { verifiers }));
    expect(report).toMatchObject({ ok: true, events: 5000, checkpoints: 10 });
  });

  it('names the same first bad index for an altered and for a missing event', async () => {
    const altered = lines.map((l) => (l.includes('"index":3333,') ? l.replace('zweck-ü', 'zweck-x') : l));
    const missing = lines.filter((l) => !l.includes('"index":4321,'));
    for (const [bad, index] of [
      [altered, 3333],
      [missing, 4321],
    ] as const) {
      const report = await verifyExportParallel(chunked(bad, 65536), { verifiers }, { workers: 2, spawn });
      expect(report).toMatchObject({ ok: false, firstBadIndex: index });
      expect(report).toEqual(verifyExport(bad, { verifiers }));
    }
  });
});
