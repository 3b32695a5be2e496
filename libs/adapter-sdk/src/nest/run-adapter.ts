import { existsSync, readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { adapterConfigSpec, federationConfigSpec, kafkaConfigSpec, loadConfig } from '@kopir/config';
import { parseSystemId } from '@kopir/contracts';
import { openFederation } from '@kopir/federation';
import { createKafkaFromSettings } from '@kopir/messaging';
import { devPkiPaths, loadPrivateKey } from '@kopir/pki';
import { healthFile } from '../health-reporter';
import { AdapterModule, type AdapterDefinition } from './adapter.module';

/**
 * An adapter's whole `main.ts`: reads the configuration (adapterConfigSpec, kafkaConfigSpec, federationConfigSpec),
 * loads the signing and encryption keys (default: the PKI directory's keys of this system), loads and watches the signed federation
 * document, connects to Kafka and runs the adapter as a Nest application context (no HTTP server, no port) until
 * SIGTERM or SIGINT. On a start failure it writes one line to stderr and sets exit code 1.
 */
export function runAdapter(definition: AdapterDefinition): void {
  const logger = new Logger(definition.system);
  start(definition, logger).catch((error: unknown) => {
    process.stderr.write(`${definition.system}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}

async function start(definition: AdapterDefinition, logger: Logger): Promise<void> {
  const { agency, system } = parseSystemId(definition.system);
  const config = loadConfig('adapter', adapterConfigSpec);
  const kafkaConfig = loadConfig('kafka', kafkaConfigSpec);
  const federationConfig = loadConfig('federation', federationConfigSpec);
  const keyFile = config.signingKey ?? devPkiPaths(config.pkiDir).system(definition.system).signing.key;
  const signingKey = loadPrivateKey(readFileSync(keyFile, 'utf8'));
  const encryptionKeys = (config.encryptionKeys ?? defaultEncryptionKeys(config.pkiDir, definition.system)).map(
    (file) => loadPrivateKey(readFileSync(file, 'utf8')),
  );
  if (encryptionKeys.length === 0) {
    logger.warn('no encryption key (ADAPTER_ENCRYPTION_KEYS): encrypted request bodies will be refused');
  }
  const federation = await openFederation(federationConfig, { logger });
  const app = await NestFactory.createApplicationContext(
    AdapterModule.forRoot(definition, {
      signingKey,
      encryptionKeys,
      federation,
      // kafkajs's debug chatter (joins, fetches) stays out of the supervisor's log stream.
      kafka: createKafkaFromSettings(kafkaConfig, `adapter-${agency}-${system}`, {
        log: (m: string) => logger.log(m),
        warn: (m: string) => logger.warn(m),
        error: (m: string) => logger.error(m),
      }),
      concurrency: config.concurrency,
      healthFile: healthFile(config.healthDir, definition.system),
      logger,
    }),
    { logger: ['log', 'warn', 'error'], abortOnError: false },
  ).catch(async (error: unknown) => {
    await federation.close();
    throw error;
  });
  const stop = (): void => {
    void app
      .close()
      .then(() => federation.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * The PKI directory's encryption keys of `system` that exist: the current one and, while a rotation keeps it, the
 * previous one (a request encrypted to it may still be in flight).
 */
function defaultEncryptionKeys(pkiDir: string, system: string): string[] {
  const files = devPkiPaths(pkiDir).system(system);
  return [files.encryption.key, files.previousEncryption.key].filter((file) => existsSync(file));
}
