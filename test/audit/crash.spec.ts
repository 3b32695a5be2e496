/**
 * Crash test: the audit consumer runs as its own process and is killed (SIGKILL, no chance to flush) while events
 * stream in; after a restart, every event Kafka acknowledged to the producer is in the ledger exactly once, and the
 * ledger still verifies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kafka, logLevel } from 'kafkajs';
import { AUDIT_TOPIC } from '@kopir/contracts';
import { SqliteLedger, ed25519Signer, ed25519Verifier, verifyExport } from '@kopir/audit-log';
import { startBroker, type RunningBroker } from '@kopir/kafka-broker';
import { gatewayPublicKeyPem, sampleEvent, signedBatch } from './audit-fixture';
import { TS_REGISTER } from './ts-worker';

// The child is a plain node process running TypeScript: the require hook, then the script as argv[1].
const REGISTER = `${TS_REGISTER}\nprocess.argv.splice(1, 0, '-');\nrequire(process.argv[2]);\n`;

function startChild(options: object): ChildProcess {
  const child = spawn(process.execPath, ['-e', REGISTER, join(__dirname, 'crash-child.ts'), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[audit child] ${d.toString()}`));
  return child;
}

function count(database: string): number {
  try {
    const db = new Database(database, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

async function until(check: () => boolean, what: string, ms = 45_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('audit consumer killed during appends', () => {
  let dir: string;
  let broker: RunningBroker;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-audit-crash-'));
    broker = await startBroker({ dataDir: join(dir, 'broker'), port: 0, log: () => undefined });
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds every acknowledged event exactly once after a SIGKILL and a restart', async () => {
    const origin = 'kopir.test/audit';
    const keys = generateKeyPairSync('ed25519');
    mkdirSync(join(dir, 'keys'));
    const key = join(dir, 'keys', 'checkpoint.key.pem');
    writeFileSync(key, keys.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const database = join(dir, 'audit', 'ledger.db');
    const options = { broker: broker.address, database, key, origin, gatewayPublicKey: gatewayPublicKeyPem() };

    const kafka = new Kafka({ brokers: [broker.address], clientId: 'crash-producer', logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const acknowledged = new Set<string>();
    const TOTAL = 6000;
    const produce = (async () => {
      for (let i = 0; i < TOTAL; i += 100) {
        const events = Array.from({ length: 100 }, (_, j) => sampleEvent(i + j));
        await producer.send({
          topic: AUDIT_TOPIC,
          acks: -1,
          // As a gateway sends them: the events of one produce request in one signed message.
          messages: [{ key: events[0]?.eventId ?? null, value: await signedBatch(events) }],
        });
        events.forEach((e) => acknowledged.add(e.eventId));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    child = startChild(options);
    await until(() => count(database) >= 500, 'the first appends');
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    const atCrash = count(database);
    // The kill came mid-stream: some events were in, the rest still to come.
    expect(atCrash).toBeGreaterThan(0);
    expect(atCrash).toBeLessThan(TOTAL);

    child = startChild(options);
    await produce;
    await producer.disconnect();
    await until(() => count(database) >= acknowledged.size, 'every acknowledged event');
    child.kill('SIGTERM');
    await new Promise((r) => child?.once('exit', r));
    child = undefined;

    const ledger = SqliteLedger.open(database);
    try {
      const ids = ledger.search({ limit: 1000 });
      const all: string[] = [];
      for (let page = ids; ;) {
        all.push(...page.entries.map((e) => e.event.eventId));
        if (page.next === undefined) break;
        page = ledger.search({ limit: 1000, after: page.next });
      }
      expect(all).toHaveLength(acknowledged.size);
      expect(new Set(all)).toEqual(acknowledged);
      ledger.signCheckpoint(origin, ed25519Signer(origin, keys.privateKey));
      const report = verifyExport(ledger.export(origin), { verifiers: [ed25519Verifier(origin, keys.publicKey)] });
      expect(report).toMatchObject({ ok: true, events: TOTAL });
    } finally {
      ledger.close();
    }
  });
});
