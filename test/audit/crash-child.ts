/**
 * The audit consumer as its own process, for the crash test: `node -e <register hook> crash-child.ts <json>`. It
 * runs the real LedgerService and AuditConsumer until it is killed.
 */
import { createPublicKey } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ed25519Signer } from '@kopir/audit-log';
import { loadPrivateKey } from '@kopir/pki';
import { AuditConsumer } from '../../apps/audit/src/consumer/audit.consumer';
import { LedgerService } from '../../apps/audit/src/ledger/ledger.service';

interface ChildOptions {
  broker: string;
  database: string;
  key: string;
  origin: string;
  /** The gateway's public key (PEM): the only signer whose events the consumer appends. */
  gatewayPublicKey: string;
}

async function main(options: ChildOptions): Promise<void> {
  const logger = {
    log: () => undefined,
    warn: (m: string) => void process.stderr.write(`${m}\n`),
    error: (m: string) => void process.stderr.write(`${m}\n`),
  };
  const ledger = new LedgerService({
    database: options.database,
    origin: options.origin,
    signer: ed25519Signer(options.origin, loadPrivateKey(options.key)),
    checkpointIntervalMs: 100,
    logger,
  });
  ledger.start();
  const kafka = new Kafka({ brokers: [options.broker], clientId: 'audit-crash', logLevel: logLevel.NOTHING });
  const gatewayKey = createPublicKey(options.gatewayPublicKey);
  await new AuditConsumer(kafka, 'kopir-audit-crash', ledger, logger, () => gatewayKey, 2000).start();
  process.stdout.write('started\n');
}

main(JSON.parse(process.argv[process.argv.length - 1] as string) as ChildOptions).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
