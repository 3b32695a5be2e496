import { brokerConfigSpec, type ConfigOf } from '@kopir/config';

export type BrokerConfig = ConfigOf<typeof brokerConfigSpec>;

const FLAGS = {
  '--port': 'port',
  '--host': 'host',
  '--data-dir': 'dataDir',
} as const satisfies Record<string, keyof BrokerConfig>;

export class BrokerUsageError extends Error {
  readonly code = 'usage';
}

/**
 * Applies `--port`, `--host` and `--data-dir` (as `--flag value` or `--flag=value`) over the configuration read from
 * the environment, each parsed by the same field as its environment variable, so both are checked alike.
 */
export function applyBrokerFlags(config: BrokerConfig, argv: readonly string[]): BrokerConfig {
  const result: Record<string, unknown> = { ...config };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if (!Object.hasOwn(FLAGS, flag))
      throw new BrokerUsageError(`unknown option ${flag}; options: ${Object.keys(FLAGS).join(', ')}`);
    const key = FLAGS[flag as keyof typeof FLAGS];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new BrokerUsageError(`${flag} needs a value`);
    try {
      result[key] = brokerConfigSpec[key].parse(value);
    } catch (error) {
      throw new BrokerUsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return Object.freeze(result) as BrokerConfig;
}
