import { readFileSync } from 'node:fs';
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
 * loads the signing key (default: the PKI directory's key of this system), loads and watches the signed federation
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
  const federation = await openFederation(federationConfig, { logger });
  const app = await NestFactory.createApplicationContext(
    AdapterModule.forRoot(definition, {
      signingKey,
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
