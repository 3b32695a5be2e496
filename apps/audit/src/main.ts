import { Logger } from '@nestjs/common';
import { auditConfigSpec, federationConfigSpec, kafkaConfigSpec, loadConfig } from '@kopir/config';
import { openFederation } from '@kopir/federation';
import { createKafkaFromSettings } from '@kopir/messaging';
import { startAuditService } from './start-audit';

// The audit service: `npm run audit` (or as part of `npm start`). Exit code 1 when it cannot start.
async function main(): Promise<void> {
  const logger = new Logger('audit');
  const config = loadConfig('audit', auditConfigSpec);
  const kafkaConfig = loadConfig('kafka', kafkaConfigSpec);
  const federationConfig = loadConfig('federation', federationConfigSpec);
  const federation = await openFederation(federationConfig, { logger });
  const service = await startAuditService({
    ...config,
    checkpointIntervalMs: config.checkpointInterval,
    tls: { cert: config.tlsCert, key: config.tlsKey, ca: config.tlsCa, crl: config.tlsCrl },
    officers: () => federation.current.document.officers,
    kafka: createKafkaFromSettings(kafkaConfig, 'audit', logger),
  });
  logger.log(`officer API on https://${config.host}:${service.port}, ledger ${config.database}`);
  logger.log(`checkpoint verifier key: ${service.verifierKey}`);
  const stop = (): void => {
    void service.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`audit: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
