import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  auditConfigSpec,
  brokerConfigSpec,
  federationConfigSpec,
  gatewayConfigSpec,
  kafkaConfigSpec,
  loadConfig,
  registriesConfigSpec,
} from '@kopir/config';
import { ADAPTER_READY } from '@kopir/adapter-sdk';
import { initDevPki } from '@kopir/pki';
import { readSeedInfo, samplePeople, seedRegistries } from '@kopir/reference-registries';
import { type Output } from '../output';
import { Supervisor, stopOnSignals, waitForPort, type ServiceSpec } from '../up/supervisor';
import { progressReporter } from './data.command';
import { initFederation, signFederationFile } from './federation.command';

/** dist/ (this file is dist/apps/cli/src/commands/up.command.js once built). */
const DIST = resolve(__dirname, '..', '..', '..', '..');

export const SERVICES = {
  broker: 'apps/broker/src/main.js',
  audit: 'apps/audit/src/main.js',
  population: 'apps/adapters/population/src/main.js',
  vehicles: 'apps/adapters/vehicles/src/main.js',
  tax: 'apps/adapters/tax/src/main.js',
  gateway: 'apps/gateway/src/main.js',
} as const;

interface UpOptions {
  readonly pki: string;
  readonly startupTimeout: number;
}

/** What `kopir up` prepares on first run and reuses later: the dev PKI, the signed federation, the registries' data. */
export async function prepareOneMachine(pkiDir: string, out: Output): Promise<void> {
  const pki = await initDevPki(resolve(pkiDir));
  out.stdout(
    pki.created.length > 0
      ? `up: created the development PKI in ${pkiDir} (${pki.created.length} files)\n`
      : `up: using the development PKI in ${pkiDir}\n`,
  );

  const federation = loadConfig('federation', federationConfigSpec);
  const yaml = federation.file.replace(/\.jws$/, '.yaml');
  if (!existsSync(yaml)) for (const note of initFederation({ file: yaml, pki: pkiDir })) out.stdout(`up: ${note}\n`);
  if (!existsSync(federation.file)) {
    out.stdout(`up: ${await signFederationFile({ file: yaml, out: federation.file, pki: pkiDir })}\n`);
  } else {
    out.stdout(`up: using the signed federation ${federation.file}\n`);
  }

  const registries = loadConfig('registries', registriesConfigSpec);
  const seeded = readSeedInfo(registries.dataDir);
  if (seeded) {
    out.stdout(`up: using the registries in ${registries.dataDir} (${seeded.people} people)\n`);
  } else {
    out.stdout(`up: seeding ${registries.people} people into ${registries.dataDir} (seed ${registries.seed})\n`);
    seedRegistries({
      dir: registries.dataDir,
      people: registries.people,
      seed: registries.seed,
      onProgress: progressReporter(out, process.stderr.isTTY),
    });
  }
}

/** Where `kopir up` keeps each service's CRL floor when GATEWAY_TLS_CRL_STATE / AUDIT_TLS_CRL_STATE are not set. */
const ONE_MACHINE_CRL_STATE = {
  gateway: 'data/gateway/crl-state.json',
  audit: 'data/audit/crl-state.json',
} as const;

export function registerUpCommands(program: Command, out: Output): void {
  program
    .command('up')
    .description(
      'run the whole system on one machine: broker (unless KAFKA_BROKERS is set), audit, the reference adapters and ' +
        'the gateway, as supervised processes with one log stream (what `npm start` runs)',
    )
    .option('--pki <dir>', 'development PKI directory', 'certs/dev')
    .option('--startup-timeout <ms>', 'how long each service may take to come up', (v) => Number(v), 60_000)
    .action(async (options: UpOptions) => {
      await prepareOneMachine(options.pki, out);
      const missing = Object.values(SERVICES).filter((script) => !existsSync(join(DIST, script)));
      if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')} (run npm run build)`);

      const kafka = loadConfig('kafka', kafkaConfigSpec);
      const broker = loadConfig('broker', brokerConfigSpec);
      const audit = loadConfig('audit', auditConfigSpec);
      const gateway = loadConfig('gateway', gatewayConfigSpec);
      const supervisor = new Supervisor({ out, color: process.stdout.isTTY });
      const service = (name: keyof typeof SERVICES, env: Record<string, string> = {}): ServiceSpec => ({
        name,
        script: join(DIST, SERVICES[name]),
        env,
      });

      let stopping: Promise<void> | undefined;
      const stop = (): Promise<void> => (stopping ??= supervisor.stop());
      const done = stopOnSignals(supervisor, out);

      try {
        let brokers = kafka.brokers?.join(',');
        if (brokers === undefined) {
          supervisor.start(service('broker'));
          await waitForPort(broker.host, broker.port, options.startupTimeout, supervisor.stopped);
          brokers = `${broker.host === '0.0.0.0' ? '127.0.0.1' : broker.host}:${broker.port}`;
        } else {
          out.stdout(`up: using the Kafka cluster at ${brokers} (KAFKA_BROKERS); no embedded broker\n`);
        }
        const env = { KAFKA_BROKERS: brokers };
        // The newest CRL each service accepted is kept in data/ (unless configured), so an older crl.pem put back is
        // refused after a restart too, on one machine as in docker-compose.yml (docs/security.md).
        supervisor.start(
          service('audit', { ...env, AUDIT_TLS_CRL_STATE: audit.tlsCrlState ?? ONE_MACHINE_CRL_STATE.audit }),
        );
        const adapters = ['population', 'vehicles', 'tax'] as const;
        for (const adapter of adapters) supervisor.start(service(adapter, env));
        supervisor.start(
          service('gateway', { ...env, GATEWAY_TLS_CRL_STATE: gateway.tlsCrlState ?? ONE_MACHINE_CRL_STATE.gateway }),
        );
        await Promise.all([
          waitForPort(audit.host, audit.port, options.startupTimeout, supervisor.stopped),
          waitForPort(gateway.host, gateway.port, options.startupTimeout, supervisor.stopped),
          // An adapter has no port: it is ready once it says so, i.e. once it consumes its topic (adapter-sdk). Until
          // then a request would wait for a consumer that has not yet taken its place (and, on a new topic, be skipped),
          // so the ready line and the command it suggests must wait for it.
          ...adapters.map((adapter) => supervisor.waitForLine(adapter, ADAPTER_READY, options.startupTimeout)),
        ]);
      } catch (error) {
        // A signal (Ctrl-C) during start-up stopped the services and ended the waits: what was asked, not a failure.
        const bySignal = supervisor.stopped.aborted;
        await stop();
        if (bySignal) {
          await done;
          return;
        }
        throw error;
      }

      const registries = loadConfig('registries', registriesConfigSpec);
      const person = samplePeople(registries.dataDir, 1)[0];
      const iin = person?.iin ?? '<IIN>';
      out.stdout(
        [
          '',
          `Köpir is up. Gateway https://${gateway.host}:${gateway.port} (mutual TLS); officer API https://${audit.host}:${audit.port}; ` +
            `metrics and health http://${gateway.opsHost}:${gateway.opsPort}/metrics (gateway), ` +
            `http://${audit.opsHost}:${audit.opsPort}/metrics (audit). Ctrl-C stops everything.`,
          `Try: npm run kopir -- call --as psc/front-office --purpose driving-licence-issue --subject ${iin} mju/population/person-by-iin '{"iin":"${iin}"}'`,
          `     npm run kopir -- demo`,
          '',
        ].join('\n'),
      );
      await done;
    });
}
