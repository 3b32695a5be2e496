import { Logger } from '@nestjs/common';
import { auditConfigSpec, federationConfigSpec, kafkaConfigSpec, loadConfig } from '@kopir/config';
import { FederationIndex, openFederation } from '@kopir/federation';
import { createKafkaFromSettings } from '@kopir/messaging';
import { startAuditService } from './start-audit';

// The audit service: `npm run audit` (or as part of `npm start`). Exit code 1 when it cannot start.
async function main(): Promise<void> {
  const logger = new Logger('audit');
  const config = loadConfig('audit', auditConfigSpec);
  const kafkaConfig = loadConfig('kafka', kafkaConfigSpec);
  const federationConfig = loadConfig('federation', federationConfigSpec);
  // The gateway keys audit events must be signed with: rebuilt with every document put in force (the loader applies
  // it through onChange, at start too), so a rotated gateway key is trusted, or no longer, at once.
  let index: FederationIndex | undefined;
  const federation = await openFederation(federationConfig, {
    logger,
    onChange: (next) => {
      index = new FederationIndex(next.document);
    },
  });
  const service = await startAuditService({
    ...config,
    ops: { host: config.opsHost, port: config.opsPort },
    checkpointIntervalMs: config.checkpointInterval,
    tls: {
      cert: config.tlsCert,
      key: config.tlsKey,
      ca: config.tlsCa,
      crl: config.tlsCrl,
      ...(config.tlsCrlState === undefined ? {} : { crlState: config.tlsCrlState }),
    },
    officers: () => federation.current.document.officers,
    kafka: createKafkaFromSettings(kafkaConfig, 'audit', logger),
    gatewayKey: (kid) => index?.gatewayKey(kid),
    systemByTlsFingerprint: (sha256) => index?.systemByTlsFingerprint(sha256),
  });
  logger.log(
    `officer API on https://${config.host}:${service.port}, ops on ${service.opsUrl ?? '-'}, ledger ${config.database}`,
  );
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
