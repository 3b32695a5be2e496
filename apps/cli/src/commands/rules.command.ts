import type { Command } from 'commander';
import { resolve } from 'node:path';
import { compilePolicy, type Decision } from '@kopir/access-policy';
import { FederationInvalidError, type AccessRule, type FederationDocument } from '@kopir/federation';
import {
  DEFAULT_FEDERATION_YAML,
  DEFAULT_PKI_DIR,
  authorityPublicKey,
  readFederationYaml,
  readSignedFederation,
  writeAtomic,
} from '../federation/federation-files';
import { UsageError, positiveNumber, table, type Output } from '../output';
import { ruleState } from './federation.command';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const commaList = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function instant(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new UsageError(`${name} must be a date-time such as 2026-12-31T00:00:00Z, not '${value}'`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Rewrites validation problems of an edit (lines would point into text that was never written) as a usage error. */
function refuseEdit(error: unknown): never {
  if (error instanceof FederationInvalidError) {
    throw new UsageError(
      `the change would make the document invalid; nothing was written:\n${error.problems
        .map((p) => `  ${p.path}: ${p.message}`)
        .join('\n')}`,
    );
  }
  throw error;
}

function limitsText(rule: AccessRule): string {
  const rate = rule.rateLimit === undefined ? '' : `${rule.rateLimit.perSecond}/s`;
  const daily = rule.dailyQuota === undefined ? '' : `${rule.dailyQuota}/day`;
  return [rate, daily].filter((s) => s !== '').join(', ') || 'none';
}

/** The lines `rules explain` prints about a rule. */
function describeRule(rule: AccessRule): string {
  const lines = [
    `rule ${rule.id}`,
    `  client:    ${rule.client ?? `group ${rule.clientGroup}`}`,
    `  service:   ${rule.service}`,
    ...rule.purposes.map((p, i) => `  ${i === 0 ? 'purposes: ' : '          '} ${p.code} — ${p.legalBasis}`),
    `  fields:    ${rule.fields.join(', ') || '(none)'}`,
    `  limits:    ${limitsText(rule)}${rule.rateLimit?.burst === undefined ? '' : `, burst ${rule.rateLimit.burst}`}`,
    `  valid:     from ${rule.validFrom ?? 'the start'} until ${rule.validUntil ?? 'revoked'}`,
    `  granted:   by ${rule.grantedBy} at ${rule.grantedAt}`,
  ];
  if (rule.revokedAt !== undefined) {
    const why = rule.revocationReason === undefined ? '' : ` (${rule.revocationReason})`;
    lines.push(`  revoked:   by ${rule.revokedBy ?? '?'} at ${rule.revokedAt}${why}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What `rules explain` prints for a decision. */
export function explainText(decision: Decision, request: { client: string; service: string; purpose: string }): string {
  const head = decision.allowed ? 'ALLOWED' : `DENIED (${decision.reason})`;
  const lines = [
    `${head}: ${request.client} → ${request.service} for purpose ${request.purpose}`,
    `  the caller is told: ${decision.explanation}`,
    `  why (officers only): ${decision.internalExplanation}`,
  ];
  if (decision.allowed) lines.push(`  fields returned: ${decision.fields.join(', ') || '(none)'}`);
  const rule = decision.rule;
  const label = decision.allowed ? 'allowing' : decision.reason === 'no_rule' ? 'nearest miss' : 'matching';
  return `${lines.join('\n')}\n${rule === undefined ? '' : `\n${label} ${describeRule(rule)}`}`;
}

interface GrantOptions {
  readonly file: string;
  readonly client?: string;
  readonly group?: string;
  readonly service: string;
  readonly purpose: string[];
  readonly legalBasis: string;
  readonly fields: string;
  readonly rate?: string;
  readonly burst?: string;
  readonly daily?: string;
  readonly from?: string;
  readonly until?: string;
  readonly by: string;
  readonly id?: string;
}

async function loadForReading(options: { file: string; signed?: string; pki: string }): Promise<FederationDocument> {
  if (options.signed === undefined) return readFederationYaml(resolve(options.file)).toDocument();
  const signed = await readSignedFederation(
    resolve(options.signed),
    authorityPublicKey(undefined, resolve(options.pki)),
  );
  return signed.document;
}

/** `kopir rules ...`: read, grant, revoke and explain access rules. */
export function registerRulesCommands(program: Command, out: Output): void {
  const rules = program.command('rules').description('access rules: list, grant, revoke, explain a decision');
  const source = (command: Command): Command =>
    command
      .option('--file <path>', 'the YAML document', DEFAULT_FEDERATION_YAML)
      .option('--signed <path>', 'read a signed document instead (verified with the authority key)')
      .option('--pki <dir>', 'PKI directory (authority public key)', DEFAULT_PKI_DIR);

  source(
    rules
      .command('list')
      .description('list rules with their state (in force, expired, revoked); --client includes its groups')
      .option('--client <system>', 'only rules that apply to this client system')
      .option('--service <id>', 'only rules for this service')
      .option('--in-force', 'only rules in force now'),
  ).action(
    async (options: {
      file: string;
      signed?: string;
      pki: string;
      client?: string;
      service?: string;
      inForce?: boolean;
    }) => {
      const document = await loadForReading(options);
      const now = Date.now();
      let selected: readonly AccessRule[] = document.rules;
      if (options.client !== undefined) {
        const policy = compilePolicy(document);
        const ids = new Set(policy.rulesOf(options.client).map((r) => r.id));
        selected = selected.filter((r) => ids.has(r.id));
      }
      if (options.service !== undefined) selected = selected.filter((r) => r.service === options.service);
      if (options.inForce === true) selected = selected.filter((r) => ruleState(r, now) === 'in force');
      out.stdout(
        table([
          ['RULE', 'CLIENT', 'SERVICE', 'PURPOSES', 'FIELDS', 'LIMITS', 'STATE'],
          ...selected.map((r) => [
            r.id,
            r.client ?? `group ${r.clientGroup}`,
            r.service,
            r.purposes.map((p) => p.code).join(','),
            String(r.fields.length),
            limitsText(r),
            ruleState(r, now),
          ]),
        ]),
      );
      out.stdout(`${selected.length} of ${document.rules.length} rules (version ${document.version})\n`);
    },
  );

  rules
    .command('grant')
    .description('add a rule to the YAML document and raise its version (then: kopir federation sign)')
    .option('--file <path>', 'the YAML document', DEFAULT_FEDERATION_YAML)
    .option('--client <system>', 'the client system, e.g. psc/front-office')
    .option('--group <group>', 'or a group of client systems')
    .requiredOption('--service <id>', 'the service, e.g. mju/population/person-by-iin')
    .option('--purpose <code>', 'an allowed purpose (repeat for several)', collect, [])
    .requiredOption('--legal-basis <text>', 'the legal act and article that permits it')
    .requiredOption('--fields <list>', 'the response fields allowed, comma-separated')
    .option('--rate <perSecond>', 'rate limit, requests per second')
    .option('--burst <n>', 'requests allowed at once after a quiet period')
    .option('--daily <n>', 'daily quota')
    .option('--from <date-time>', 'valid from (default: now)')
    .option('--until <date-time>', 'valid until (exclusive)')
    .requiredOption('--by <officer>', 'the security officer who grants it')
    .option('--id <id>', 'rule id (default: derived from client and service)')
    .action((options: GrantOptions) => {
      if ((options.client === undefined) === (options.group === undefined)) {
        throw new UsageError('name exactly one of --client and --group');
      }
      if (options.purpose.length === 0) throw new UsageError('name at least one --purpose');
      const file = resolve(options.file);
      const yaml = readFederationYaml(file);
      const document = yaml.toDocument();
      const now = new Date();
      const taken = new Set(document.rules.map((r) => r.id));
      const base =
        options.id ??
        `${(options.client ?? options.group ?? '').replace('/', '-')}.${options.service.split('/').at(-1) ?? ''}`;
      let id = base;
      for (let n = 2; options.id === undefined && taken.has(id); n++) id = `${base}.${n}`;
      if (taken.has(id)) throw new UsageError(`rule ${id} exists already`);
      const rate = positiveNumber('--rate', options.rate, false);
      const burst = positiveNumber('--burst', options.burst, true);
      if (burst !== undefined && rate === undefined) throw new UsageError('--burst needs --rate');
      const rule: AccessRule = {
        id,
        ...(options.client === undefined ? { clientGroup: options.group } : { client: options.client }),
        service: options.service,
        purposes: options.purpose.map((code) => ({ code, legalBasis: options.legalBasis })),
        fields: commaList(options.fields),
        ...(rate === undefined ? {} : { rateLimit: { perSecond: rate, ...(burst === undefined ? {} : { burst }) } }),
        ...(options.daily === undefined ? {} : { dailyQuota: positiveNumber('--daily', options.daily, true) }),
        validFrom: instant('--from', options.from) ?? instant('now', now.toISOString()),
        ...(options.until === undefined ? {} : { validUntil: instant('--until', options.until) }),
        grantedBy: options.by,
        grantedAt: instant('now', now.toISOString()) as string,
      };
      yaml.addRule(rule);
      yaml.bumpVersion(now);
      let next: FederationDocument;
      try {
        next = yaml.toDocument();
      } catch (error) {
        refuseEdit(error);
      }
      compilePolicy(next);
      writeAtomic(file, yaml.toString());
      out.stdout(`granted rule ${id}; ${file} is now version ${next.version}\n`);
      out.stdout(`review with 'kopir federation diff', then sign with 'kopir federation sign'\n`);
    });

  rules
    .command('revoke')
    .description('revoke a rule in the YAML document (it stays, marked revoked) and raise its version')
    .argument('<id>', 'the rule id')
    .option('--file <path>', 'the YAML document', DEFAULT_FEDERATION_YAML)
    .requiredOption('--by <officer>', 'the security officer who revokes it')
    .option('--reason <text>', 'why, for the record')
    .action((id: string, options: { file: string; by: string; reason?: string }) => {
      const file = resolve(options.file);
      const yaml = readFederationYaml(file);
      const rule = yaml.toDocument().rules.find((r) => r.id === id);
      if (rule === undefined) throw new UsageError(`there is no rule ${id} in ${file}`);
      if (rule.revokedAt !== undefined) throw new UsageError(`rule ${id} was revoked at ${rule.revokedAt} already`);
      const now = new Date();
      yaml.revokeRule(id, options.by, now, options.reason);
      yaml.bumpVersion(now);
      let next: FederationDocument;
      try {
        next = yaml.toDocument();
      } catch (error) {
        refuseEdit(error);
      }
      writeAtomic(file, yaml.toString());
      out.stdout(`revoked rule ${id}; ${file} is now version ${next.version}\n`);
      out.stdout(`sign with 'kopir federation sign': services keep allowing it until they load the signed document\n`);
    });

  source(
    rules
      .command('explain')
      .description('decide a request as the gateway would, and say why (consumes no quota)')
      .requiredOption('--client <system>', 'the calling system, e.g. psc/front-office')
      .requiredOption('--service <id>', 'the service, e.g. mju/population/person-by-iin')
      .requiredOption('--purpose <code>', 'the declared purpose, e.g. driving-licence-issue')
      .option('--fields <list>', 'the response fields asked for (default: all the rule allows)')
      .option('--at <date-time>', 'decide at this instant (default: now)'),
  ).action(
    async (options: {
      file: string;
      signed?: string;
      pki: string;
      client: string;
      service: string;
      purpose: string;
      fields?: string;
      at?: string;
    }) => {
      const document = await loadForReading(options);
      const at = options.at === undefined ? Date.now() : Date.parse(instant('--at', options.at) as string);
      const fields = options.fields === undefined ? undefined : commaList(options.fields);
      const decision = compilePolicy(document).explain(options.client, options.service, options.purpose, fields, at);
      out.stdout(explainText(decision, options));
    },
  );
}
