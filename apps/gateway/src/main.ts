import { Logger } from '@nestjs/common';
import { federationConfigSpec, gatewayConfigSpec, kafkaConfigSpec, loadConfig } from '@kopir/config';
import { createKafkaFromSettings } from '@kopir/messaging';
import { startGateway } from './start-gateway';

// The gateway: `npm start` runs it (or `node dist/apps/gateway/src/main.js`). Exit code 1 when it cannot start.
async function main(): Promise<void> {
  const logger = new Logger('gateway');
  const config = loadConfig('gateway', gatewayConfigSpec);
  const federation = loadConfig('federation', federationConfigSpec);
  const kafka = createKafkaFromSettings(loadConfig('kafka', kafkaConfigSpec), `gateway-${config.instanceId}`, logger);
  const gateway = await startGateway({ config, kafka, federation, logger });
  const stop = (): void => void gateway.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
