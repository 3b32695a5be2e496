import { brokerConfigSpec, loadConfig } from '@kopir/config';
import { startBroker } from '@kopir/kafka-broker';
import { BrokerUsageError, applyBrokerFlags } from './broker-args';

// The embedded Kafka-protocol broker: `npm run broker -- --port 9092 --data-dir <dir>`. Exit 1 on a failed start,
// 2 on bad usage; SIGINT/SIGTERM stop it gracefully (connections closed, logs flushed).
async function main(argv: readonly string[]): Promise<number> {
  const config = applyBrokerFlags(loadConfig('broker', brokerConfigSpec), argv);
  const broker = await startBroker({
    ...config,
    retentionBytes: config.retentionBytes ?? -1,
    log: (level, message) =>
      (level === 'info' ? process.stdout : process.stderr).write(`broker ${level}: ${message}\n`),
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await broker.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`broker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof BrokerUsageError ? 2 : 1;
  },
);
