import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseServiceId, type AgencyCode } from '@kopir/contracts';
import { kafkaAccessPlan, kafkaProvisionScript } from '@kopir/messaging';
import { KAFKA_CONTAINER_CERTS, devPkiPaths, kafkaPrincipal } from '@kopir/pki';
import {
  DEFAULT_FEDERATION_JWS,
  DEFAULT_PKI_DIR,
  authorityPublicKey,
  readAnyFederation,
  writeAtomic,
} from '../federation/federation-files';
import { UsageError, positiveNumber, type Output } from '../output';

/** Where docker-compose.yml's kafka-init service finds the script (data/ is git-ignored). */
export const DEFAULT_PROVISION_SCRIPT = 'data/kafka/provision.sh';

/** The Kafka client certificate of an agency's adapters: `adapter-<agency>` (pki init issues the reference ones). */
export function adapterKafkaClient(agency: AgencyCode): string {
  return `adapter-${agency}`;
}

/** A commander option parser for a positive integer. */
const positiveInteger =
  (name: string) =>
  (value: string): number =>
    positiveNumber(name, value, true) as number;

interface ProvisionOptions {
  readonly federation: string;
  readonly pki: string;
  readonly out: string;
  readonly bootstrapServer: string;
  readonly commandConfig: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

/** `kopir kafka ...`: what a Kafka cluster must hold for Köpir, derived from the federation and the PKI. */
export function registerKafkaCommands(program: Command, out: Output): void {
  const kafka = program.command('kafka').description('a Kafka cluster for Köpir: topics and least-privilege ACLs');

  kafka
    .command('provision-script')
    .description(
      "write the shell script that creates Köpir's topics and ACLs with Kafka's own tools (docker-compose.yml runs it)",
    )
    .option('--federation <path>', 'the federation document, signed (verified) or YAML', DEFAULT_FEDERATION_JWS)
    .option(
      '--pki <dir>',
      "PKI directory: the authority's public key and the services' Kafka certificates",
      DEFAULT_PKI_DIR,
    )
    .option('--out <file>', "where to write the script ('-' for standard output)", DEFAULT_PROVISION_SCRIPT)
    .option(
      '--bootstrap-server <list>',
      'the brokers, as the script sees them',
      'kafka-1:9093,kafka-2:9093,kafka-3:9093',
    )
    .option(
      '--command-config <file>',
      "the tools' client.properties (a super user's certificate), as the script sees it",
      `${KAFKA_CONTAINER_CERTS}/kafka-brokers/client.properties`,
    )
    .option('--partitions <n>', 'partitions of the request and audit topics', positiveInteger('--partitions'), 6)
    .option('--replication-factor <n>', 'replicas of every topic', positiveInteger('--replication-factor'), 3)
    .action(async (options: ProvisionOptions) => {
      const pki = devPkiPaths(resolve(options.pki));
      const { document, signed } = await readAnyFederation(resolve(options.federation), () =>
        authorityPublicKey(undefined, resolve(options.pki)),
      );
      const principal = (client: string): string => {
        const file = pki.kafkaClient(client).cert;
        if (!existsSync(file)) {
          throw new UsageError(
            `no Kafka client certificate ${file}: issue it with 'kopir pki issue --kafka ${client}'`,
          );
        }
        return kafkaPrincipal(readFileSync(file, 'utf8'));
      };
      const providerSystems = [...new Set(document.services.map((s) => parseServiceId(s.id).provider))];
      const plan = kafkaAccessPlan({
        providerSystems,
        principals: {
          gateway: principal('gateway'),
          audit: principal('audit'),
          adapter: (agency) => principal(adapterKafkaClient(agency)),
        },
        partitions: options.partitions,
        replicationFactor: options.replicationFactor,
      });
      const script = kafkaProvisionScript(plan, {
        bootstrapServer: options.bootstrapServer,
        commandConfig: options.commandConfig,
        header: [
          `Köpir's Kafka topics and ACLs for federation ${document.federation} version ${document.version}` +
            `${signed ? '' : ' (unsigned YAML)'}, written by 'kopir kafka provision-script'.`,
          'Run again after the federation or a Kafka client certificate changes (docs/operators.md, "Kafka ACLs").',
        ],
      });
      if (options.out === '-') {
        out.stdout(script);
        return;
      }
      writeAtomic(resolve(options.out), script);
      const principals = new Set(plan.acls.map((a) => a.principal)).size;
      out.stdout(
        `wrote ${options.out}: ${plan.topics.length} topics, ${plan.acls.length} ACLs for ${principals} principals ` +
          `(federation version ${document.version})\n`,
      );
    });
}
