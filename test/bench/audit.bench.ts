/**
 * `npm run bench -- audit [events]`: the audit ledger's figures beside raw SHA-256 of the same leaf data, measured in
 * the same run: durable appends per second (SQLite WAL, synchronous=FULL, batches of 1,000 as the audit service
 * writes a Kafka batch), checkpoint latency, and export verification of the whole log (default 1,000,000 events;
 * targets ≥ 20,000 appends/s and ≤ 10 s to verify a million events).
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  SqliteLedger,
  buildAuditEvent,
  ed25519Signer,
  ed25519Verifier,
  encodeLeaf,
  sha256Hex,
  verifyExportParallel,
  type AuditEvent,
} from '@kopir/audit-log';
import { percentile, printTable } from './measure';

const ORIGIN = 'kopir.bench/audit';
const BATCH = 1000;

function event(i: number): AuditEvent {
  return buildAuditEvent({
    eventId: `bench-${i}`,
    requestId: `req-${i}`,
    time: new Date(Date.UTC(2025, 2, 1) + i * 3).toISOString(),
    kind: 'service-call',
    gateway: 'gw-1',
    client: ['psc/front-office', 'mia/police', 'src/tax-office'][i % 3] as string,
    service: ['mju/population/person-by-iin', 'mia/vehicles/by-owner'][i % 2] as string,
    purpose: 'driving-licence',
    subject: String(900101000000 + (i % 100_000)),
    decision: i % 20 === 0 ? 'deny' : 'allow',
    reason: i % 20 === 0 ? 'access_denied' : 'rule:psc-population',
    status: i % 20 === 0 ? 403 : 200,
    errorCode: i % 20 === 0 ? 'access_denied' : null,
    latencyMs: i % 50,
    requestHash: sha256Hex(`request ${i}`),
    responseHash: sha256Hex(`response ${i}`),
  });
}

export async function run(args: readonly string[]): Promise<void> {
  const total = Number(args[0] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'kopir-audit-bench-'));
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = ed25519Signer(ORIGIN, privateKey);
    const ledger = SqliteLedger.open(join(dir, 'ledger.db'));

    const checkpointMs: number[] = [];
    let appendMs = 0;
    let hashMs = 0;
    let leafBytes = 0;
    for (let i = 0; i < total; i += BATCH) {
      // Events are built outside the timed regions: the gateway builds them, the ledger only stores them.
      const batch: AuditEvent[] = Array.from({ length: Math.min(BATCH, total - i) }, (_, j) => event(i + j));
      const leaves = batch.map((e) => encodeLeaf(e));
      leafBytes += leaves.reduce((sum, l) => sum + l.length, 0);
      // Baseline: raw SHA-256 of the same leaf bytes, the least any ledger must do per event.
      let t = performance.now();
      for (const leaf of leaves) createHash('sha256').update(leaf).digest();
      hashMs += performance.now() - t;
      t = performance.now();
      ledger.append(batch);
      appendMs += performance.now() - t;
      // The audit service signs at least every second; one checkpoint per batch is the worst case.
      t = performance.now();
      ledger.signCheckpoint(ORIGIN, signer);
      checkpointMs.push(performance.now() - t);
    }
    const appendSeconds = appendMs / 1000;
    const hashSeconds = hashMs / 1000;

    const exportPath = join(dir, 'export.ndjson');
    const out = createWriteStream(exportPath);
    for (const line of ledger.export(ORIGIN)) {
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    ledger.close();

    // As `kopir audit verify --file` does: worker threads hash the leaves (all cores); then one thread, for contrast.
    const verifyOnce = async (workers: number | undefined): Promise<{ seconds: number; checkpoints: number }> => {
      const start = performance.now();
      const lines = createReadStream(exportPath, { highWaterMark: 1 << 20 });
      const report = await verifyExportParallel(
        lines,
        { verifiers: [ed25519Verifier(ORIGIN, publicKey)] },
        workers === undefined ? {} : { workers },
      );
      if (!report.ok || report.events !== total) throw new Error(`verification failed: ${report.problem ?? '?'}`);
      return { seconds: (performance.now() - start) / 1000, checkpoints: report.checkpoints };
    };
    const parallel = await verifyOnce(undefined);
    const single = await verifyOnce(0);
    const report = { checkpoints: parallel.checkpoints };

    const cpus = availableParallelism();
    process.stdout.write(
      `${total.toLocaleString('en-US')} events, ${Math.round(leafBytes / total)} bytes of canonical JSON each, ` +
        `export ${(statSync(exportPath).size / 1024 / 1024).toFixed(0)} MB, ${report.checkpoints} checkpoints\n\n`,
    );
    printTable(
      ['measure', 'Köpir ledger', 'baseline: raw SHA-256 of the leaves', 'target'],
      [
        [
          'durable appends/s (batches of 1,000, one fsync each)',
          total / appendSeconds,
          total / hashSeconds,
          '≥ 20,000',
        ],
        ['checkpoint latency p50 (ms)', percentile(checkpointMs, 50), '', ''],
        ['checkpoint latency p99 (ms)', percentile(checkpointMs, 99), '', ''],
        [
          `verify ${total.toLocaleString('en-US')} events from export, ${cpus} cores (s)`,
          parallel.seconds,
          hashSeconds,
          '≤ 10',
        ],
        [`verify ${total.toLocaleString('en-US')} events from export, one thread (s)`, single.seconds, hashSeconds, ''],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
