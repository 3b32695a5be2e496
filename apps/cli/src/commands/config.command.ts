import type { Command } from 'commander';
import { ConfigError, SERVICE_CONFIGS, describeConfig, loadConfig, type ServiceName } from '@kopir/config';
import { UsageError, table, type Output } from '../output';

function serviceNames(requested: string | undefined): ServiceName[] {
  const all = Object.keys(SERVICE_CONFIGS) as ServiceName[];
  if (requested === undefined) return all;
  if (!(all as string[]).includes(requested)) {
    throw new UsageError(`unknown service '${requested}'; one of: ${all.join(', ')}`);
  }
  return [requested as ServiceName];
}

export function registerConfigCommands(program: Command, out: Output): void {
  const config = program.command('config').description("services' configuration keys (environment variables)");

  config
    .command('show')
    .description('list every configuration key with its default and meaning')
    .argument('[service]', `one of: ${Object.keys(SERVICE_CONFIGS).join(', ')}`)
    .action((service?: string) => {
      for (const name of serviceNames(service)) {
        out.stdout(`${name}\n`);
        const rows = describeConfig(SERVICE_CONFIGS[name]).map((row) => [`  ${row.env}`, row.default, row.description]);
        out.stdout(table(rows));
      }
    });

  config
    .command('check')
    .description("check this environment's configuration as the services will read it at start")
    .argument('[service]', 'check only this service')
    .action((service?: string) => {
      const errors: string[] = [];
      for (const name of serviceNames(service)) {
        try {
          loadConfig(name, SERVICE_CONFIGS[name]);
          out.stdout(`${name}: ok\n`);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          errors.push(error.message);
        }
      }
      if (errors.length > 0) throw new Error(errors.join('\n'));
    });
}
