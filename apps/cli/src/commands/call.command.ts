import type { Command } from 'commander';
import { KopirCallError, KopirClient } from '@kopir/client';
import { gatewayConfigSpec, loadConfig } from '@kopir/config';
import { UsageError, type Output } from '../output';

interface CallCommandOptions {
  readonly as: string;
  readonly purpose: string;
  readonly subject: string;
  readonly gateway?: string;
  readonly pki: string;
  readonly fields?: string;
  readonly verbose?: boolean;
}

export function registerCallCommands(program: Command, out: Output): void {
  program
    .command('call')
    .description(
      'call a registry service through the gateway as a system of the dev PKI, and print the verified answer',
    )
    .argument('<service>', 'e.g. mju/population/person-by-iin')
    .argument('<body>', 'the request body as JSON, e.g. \'{"iin":"900101300123"}\'')
    .requiredOption('--as <system>', 'the calling system, e.g. psc/front-office')
    .requiredOption('--purpose <code>', 'legal purpose code, e.g. driving-licence-issue')
    .requiredOption('--subject <id>', 'the person the data is about (IIN)')
    .option('--fields <list>', 'only these response fields, comma-separated')
    .option('--gateway <url>', 'gateway address (default: https://127.0.0.1:<GATEWAY_PORT>)')
    .option('--pki <dir>', 'development PKI directory', 'certs/dev')
    .option('--verbose', 'also print the request id, the provider signature and the audit receipt')
    .action(async (service: string, bodyText: string, options: CallCommandOptions) => {
      let body: unknown;
      try {
        body = JSON.parse(bodyText);
      } catch {
        throw new UsageError(`the body is not JSON: ${bodyText}`);
      }
      const client = KopirClient.fromDevPki(options.pki, options.as, options.gateway ?? localGatewayUrl());
      try {
        const result = await client.call(service, body, {
          purpose: options.purpose,
          subject: options.subject,
          ...(options.fields ? { fields: options.fields.split(',') } : {}),
        });
        out.stdout(`${JSON.stringify(result.body, null, 2)}\n`);
        if (options.verbose) {
          out.stdout(
            [
              `request id:          ${result.requestId}`,
              `provider signature:  ${result.responseSignature} (verified, key ${result.answer.kid})`,
              `envelope digest:     ${result.answer.envelopeDigest}`,
              `audit receipt:       ${result.auditReceipt}`,
              '',
            ].join('\n'),
          );
        }
      } catch (error) {
        if (error instanceof KopirCallError) {
          throw new Error(`${error.httpStatus} ${error.code}: ${error.message} (request ${error.requestId})`);
        }
        throw error;
      } finally {
        client.close();
      }
    });
}

/** The gateway `kopir up` runs on this machine: GATEWAY_PORT as the gateway itself reads it (default 8443). */
export function localGatewayUrl(): string {
  return `https://127.0.0.1:${loadConfig('gateway', gatewayConfigSpec).port}`;
}
