import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { KopirCallError, KopirClient } from '@kopir/client';
import { loadConfig, registriesConfigSpec } from '@kopir/config';
import { samplePeople } from '@kopir/reference-registries';
import { type Output } from '../output';
import { defaults as auditDefaults, officerJson, verify } from './audit.command';
import { localGatewayUrl } from './call.command';

interface DemoOptions {
  readonly gateway: string;
  readonly officerApi: string;
  readonly pki: string;
}

interface Access {
  readonly index: number;
  readonly event: {
    readonly time: string;
    readonly client: string;
    readonly service: string;
    readonly purpose: string;
    readonly decision: string;
    readonly errorCode: string | null;
  };
}

/**
 * The public-service-centre scenario of DESIGN.md, against the running system (`npm start`): a citizen applies for a
 * driving licence; the centre checks them in three registries through the gateway; a request the law does not
 * allow is refused; then a security officer shows the citizen's access history and verifies the ledger.
 */
export function registerDemoCommands(program: Command, out: Output): void {
  program
    .command('demo')
    .description('the driving-licence scenario end to end against the running system (start it with npm start)')
    .option('--gateway <url>', 'gateway address (default: https://127.0.0.1:<GATEWAY_PORT>)')
    .option('--officer-api <url>', 'officer API address (default: https://127.0.0.1:<AUDIT_PORT>)')
    .option('--pki <dir>', 'development PKI directory', 'certs/dev')
    .action(async (given: Partial<DemoOptions>) => {
      // Configuration is read when the demo runs, not when the CLI is built (see audit.command.ts).
      const options: DemoOptions = {
        gateway: given.gateway ?? localGatewayUrl(),
        officerApi: given.officerApi ?? auditDefaults().url,
        pki: given.pki ?? 'certs/dev',
      };
      const registries = loadConfig('registries', registriesConfigSpec);
      const people = samplePeople(registries.dataDir, 5);
      const citizen = people.find((p) => /vehicle/i.test(p.note)) ?? people[0];
      if (!citizen) throw new Error(`no people in ${registries.dataDir}: run npm start (it seeds them) first`);
      const iin = citizen.iin;
      const client = KopirClient.fromDevPki(options.pki, 'psc/front-office', options.gateway);
      const say = (text: string): void => out.stdout(`${text}\n`);
      const step = async <T>(title: string, run: () => Promise<T>, show: (value: T) => string): Promise<void> => {
        const started = performance.now();
        try {
          const value = await run();
          say(`  ✔ ${title} (${(performance.now() - started).toFixed(1)} ms)\n      ${show(value)}`);
        } catch (error) {
          const code = error instanceof KopirCallError ? `${error.httpStatus} ${error.code}` : 'failed';
          const detail = error instanceof Error ? error.message : String(error);
          say(`  ✘ ${title} (${(performance.now() - started).toFixed(1)} ms)\n      ${code}: ${detail}`);
        }
      };
      const call = <T>(service: string, purpose: string) => client.call<T>(service, { iin }, { purpose, subject: iin });

      try {
        say(`\n${citizen.name} (IIN ${iin}) applies for a driving licence at a public service centre.`);
        say(
          `The centre's system, psc/front-office, asks the registries through Köpir (mutual TLS, signed requests):\n`,
        );
        await step(
          'Ministry of Justice, population registry: who is this person?',
          () =>
            call<{ firstName?: string; lastName?: string; birthDate?: string }>(
              'mju/population/person-by-iin',
              'driving-licence-issue',
            ),
          (r) =>
            `${r.body.firstName ?? ''} ${r.body.lastName ?? ''}, born ${r.body.birthDate ?? '?'}; provider signature ` +
            `verified; audit receipt ${r.auditReceipt}`,
        );
        await step(
          'Internal Affairs, vehicle registry: current driving licence',
          async () => {
            try {
              return (
                await call<Record<string, unknown>>('mia/vehicles/driving-licence-status', 'driving-licence-issue')
              ).body;
            } catch (error) {
              // The registry's signed "no such licence": this is a first licence.
              if (error instanceof KopirCallError && error.code === 'not_found') return undefined;
              throw error;
            }
          },
          (licence) => (licence ? `licence: ${JSON.stringify(licence)}` : 'no licence issued yet: a first licence'),
        );
        await step(
          'Internal Affairs, vehicle registry: vehicles owned (for the vehicle registration requested with it)',
          () => call<{ vehicles?: unknown[] }>('mia/vehicles/vehicles-by-owner', 'vehicle-registration'),
          (r) => `${r.body.vehicles?.length ?? 0} vehicle(s)`,
        );
        await step(
          'State Revenue, tax registry: tax debts (for the certificate of no tax debts the citizen asked for)',
          () => call<{ totalDebt?: string; currency?: string }>('src/tax/tax-debts', 'tax-clearance-certificate'),
          (r) =>
            r.body.totalDebt === undefined
              ? 'debts: ?'
              : Number(r.body.totalDebt) > 0
                ? `debts: yes, ${r.body.totalDebt} ${r.body.currency ?? 'KZT'}`
                : 'debts: none',
        );
        say(`\nThe same tax data for a purpose the law does not allow is refused:\n`);
        await step(
          'State Revenue, tax debts for social-benefit-check: refused, as the rules say',
          async () => {
            try {
              await call('src/tax/tax-debts', 'social-benefit-check');
            } catch (error) {
              if (error instanceof KopirCallError) return error;
              throw error;
            }
            throw new Error('UNEXPECTED: the gateway allowed a request no rule allows');
          },
          (e) => `${e.httpStatus} ${e.code}: ${e.message} (the refusal is audited too)`,
        );
        say(`\nA security officer (certificate 'officer') answers the citizen's "who looked at my data?":\n`);
        const connection = { url: options.officerApi, pki: options.pki, officer: 'officer' };
        // A checkpoint covers new events within a second.
        await new Promise((resolve) => setTimeout(resolve, 1200));
        await step(
          `access history of ${iin}`,
          () => officerJson(connection, `/v1/subjects/${iin}/accesses`) as Promise<{ accesses?: Access[] }>,
          (r) =>
            `each entry comes with its inclusion proof in the signed ledger\n      ` +
            (r.accesses ?? [])
              .map(
                ({ index, event: e }) =>
                  `#${index}  ${e.time}  ${e.client}  ${e.service}  for ${e.purpose}: ${e.decision}` +
                  `${e.errorCode ? ` (${e.errorCode})` : ''}`,
              )
              .join('\n      '),
        );
        await step(
          'verify the whole ledger (every record, every signed checkpoint)',
          async () => {
            let text = '';
            await verify(
              { ...connection, origin: auditDefaults().origin, progress: false },
              { stdout: (s) => void (text += s), stderr: () => undefined },
            );
            return text.trim();
          },
          (text) => text,
        );
        say('');
      } finally {
        client.close();
      }
    });
}
