import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { serviceDefinition, type ServiceContract } from '@kopir/adapter-sdk';
import { isAgencyCode, isServiceId, isSystemId } from '@kopir/contracts';
import type { Agency, ServiceDefinition } from '@kopir/federation';
import { fillFromPki, readFederationYaml, writeAtomic } from '../federation/federation-files';
import { UsageError, type Output } from '../output';

export interface NewAdapterOptions {
  readonly agency: string;
  readonly system: string;
  /** The sample service's short name (default `record-by-iin`). */
  readonly service?: string;
  /** Where adapters live (default `apps/adapters`). */
  readonly dir?: string;
  readonly force?: boolean;
  /** Template folder (default: apps/cli/src/templates/adapter of this checkout). */
  readonly templates?: string;
}

export interface NewAdapterResult {
  readonly root: string;
  readonly files: readonly string[];
  readonly federationEntry: string;
}

/** Finds apps/cli/src/templates/adapter from the source tree (jest) or from dist/ (the built CLI). */
function templateRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'apps', 'cli', 'src', 'templates', 'adapter');
    if (existsSync(candidate)) return candidate;
    const sibling = join(dir, 'templates', 'adapter');
    if (existsSync(sibling)) return sibling;
    if (dirname(dir) === dir)
      throw new UsageError('the adapter templates (apps/cli/src/templates/adapter) are missing');
  }
}

function templateFiles(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? templateFiles(root, path) : [relative(root, path)];
  });
}

const words = (name: string): string[] => name.split('-').filter((w) => w.length > 0);
const pascal = (name: string): string =>
  words(name)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/**
 * Formats the generated code in the repository's style (`npm run lint` runs prettier --check over apps/) with the
 * checkout's prettier and configuration, in a child process (prettier 3 loads itself as ES modules); the files stay
 * as written where prettier is not installed.
 */
function format(files: readonly string[]): void {
  let bin: string;
  try {
    bin = join(dirname(require.resolve('prettier/package.json')), 'bin', 'prettier.cjs');
  } catch {
    return;
  }
  const repo = resolve(templateRoot(), '..', '..', '..', '..', '..');
  // The checkout's configuration, also for an adapter written outside it (--dir elsewhere).
  const config = join(repo, '.prettierrc.json');
  const args = [bin, '--write', '--log-level', 'warn', ...(existsSync(config) ? ['--config', config] : [])];
  spawnSync(process.execPath, [...args, ...files.filter((f) => f.endsWith('.ts'))], {
    cwd: repo,
    stdio: 'ignore',
  });
}

/** The sample service's contract: a record by IIN (a 12-digit string), four top-level fields. */
function sampleContract(agency: string, system: string, service: string): ServiceContract {
  return {
    id: `${agency}/${system}/${service}`,
    description: `A sample record of the ${agency}/${system} registry by IIN (replace with the real service)`,
    request: {
      type: 'object',
      required: ['iin'],
      properties: { iin: { type: 'string', pattern: '^[0-9]{12}$' } },
      additionalProperties: false,
    },
    // Exact, as the SDK checks every answer against it before sending: nothing the schema does not name.
    response: {
      type: 'object',
      additionalProperties: false,
      properties: {
        iin: { type: 'string' },
        status: { enum: ['registered', 'deregistered'] },
        registeredOn: { type: 'string', format: 'date' },
        clinic: { type: 'string' },
      },
    },
    // The record is about the person named by `iin`: Kopir-Subject must be that IIN (the audit log's subject).
    subjectField: 'iin',
    fields: [
      { name: 'iin', sensitivity: 'personal' },
      { name: 'status', sensitivity: 'sensitive' },
      { name: 'registeredOn', sensitivity: 'personal' },
      { name: 'clinic', sensitivity: 'personal' },
    ],
  };
}

/**
 * Writes a working adapter for `<agency>/<system>` into `<dir>/<system>/` from the templates: one sample service
 * with its schemas, an entry point, and tests that run the contract kit. Refuses to overwrite unless `force`.
 * Returns the files and the federation entry (YAML) to add to the federation document.
 */
export function scaffoldAdapter(options: NewAdapterOptions): NewAdapterResult {
  const { agency, system } = options;
  const service = options.service ?? 'record-by-iin';
  if (!isAgencyCode(agency)) throw new UsageError(`--agency ${JSON.stringify(agency)}: expected e.g. moh`);
  if (!isSystemId(`${agency}/${system}`))
    throw new UsageError(`--system ${JSON.stringify(system)}: expected e.g. health`);
  if (!isServiceId(`${agency}/${system}/${service}`))
    throw new UsageError(`--service ${JSON.stringify(service)}: expected e.g. record-by-iin`);
  const root = resolve(options.dir ?? join('apps', 'adapters'), system);
  if (existsSync(root) && !options.force) {
    throw new UsageError(`${root} already exists (pass --force to overwrite its generated files)`);
  }
  const contract = sampleContract(agency, system, service);
  const definition = serviceDefinition(contract);
  const camel = pascal(system).replace(/^./, (c) => c.toLowerCase());
  const replacements: Record<string, string> = {
    __AGENCY__: agency,
    __SYSTEM__: system,
    __SERVICE__: service,
    __PASCAL__: pascal(system),
    __CAMEL__: camel,
    __CONST__: words(system).join('_').toUpperCase(),
    __CONTRACT__: JSON.stringify(contract, null, 2),
  };
  const templates = options.templates ?? templateRoot();
  const files: string[] = [];
  for (const file of templateFiles(templates)) {
    const target = join(root, file.replace(/\.tpl$/, '').replace(/(^|\/)adapter\.ts$/, `$1${system}.adapter.ts`));
    let text = readFileSync(join(templates, file), 'utf8');
    for (const [from, to] of Object.entries(replacements)) text = text.split(from).join(to);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    files.push(target);
  }
  const federationEntry = stringify({
    agencies: [
      {
        code: agency,
        name: `<the ${agency} agency's name>`,
        systems: [{ id: `${agency}/${system}`, name: `<${system} registry>` }],
      },
    ],
    services: [definition],
  });
  format(files);
  const entryFile = join(root, 'federation-entry.yaml');
  writeFileSync(entryFile, federationEntry);
  files.push(entryFile);
  return { root, files, federationEntry };
}

/** What `adapter register` adds: the agency (or just its system) and the services, as `adapter new` wrote them. */
interface FederationEntry {
  readonly agencies?: readonly Agency[];
  readonly services?: readonly ServiceDefinition[];
}

/**
 * Adds an adapter's federation entry (federation-entry.yaml) to the YAML federation document: its agency or its
 * system, its services (replacing a service of the same id), the system's TLS fingerprint and signing key from the
 * PKI, and raises the version. The document is checked before it is written; sign it with `federation sign`.
 */
export function registerAdapter(options: { entry: string; file: string; pki: string; now?: Date }): string[] {
  const entry = parse(readFileSync(options.entry, 'utf8')) as FederationEntry;
  const yaml = readFederationYaml(options.file);
  const document = yaml.toDocument();
  const added: string[] = [];
  for (const agency of entry.agencies ?? []) {
    const a = document.agencies.findIndex((x) => x.code === agency.code);
    if (a < 0) {
      yaml.setIn(['agencies', document.agencies.length + added.filter((x) => x.startsWith('agency')).length], agency);
      added.push(`agency ${agency.code}`);
      continue;
    }
    const systems = document.agencies[a]?.systems ?? [];
    agency.systems.forEach((system, i) => {
      const s = systems.findIndex((x) => x.id === system.id);
      yaml.setIn(['agencies', a, 'systems', s < 0 ? systems.length + i : s], system);
      added.push(`system ${system.id}`);
    });
  }
  let appended = 0;
  for (const service of entry.services ?? []) {
    const i = document.services.findIndex((x) => x.id === service.id);
    yaml.setIn(['services', i < 0 ? document.services.length + appended++ : i], service);
    added.push(`service ${service.id}`);
  }
  const filled = existsSync(options.pki) ? fillFromPki(yaml, yaml.toDocument(), options.pki) : [];
  yaml.bumpVersion(options.now ?? new Date());
  yaml.toDocument();
  writeAtomic(options.file, yaml.toString());
  return [...added, ...filled.map((f) => `filled ${f}`)];
}

export function registerAdapterCommands(program: Command, out: Output): void {
  const adapter = program.command('adapter').description('adapters of registries: scaffold a new one');
  adapter
    .command('new')
    .description('create apps/adapters/<system>/: a working adapter with one sample service and its tests')
    .requiredOption('--agency <code>', 'the agency, e.g. moh')
    .requiredOption('--system <name>', 'the system within the agency, e.g. health')
    .option('--service <name>', 'the sample service', 'record-by-iin')
    .option('--dir <path>', 'where adapters live', join('apps', 'adapters'))
    .option('--force', 'overwrite the generated files of an existing adapter')

    .action((opts: { agency: string; system: string; service: string; dir: string; force?: boolean }) => {
      const result = scaffoldAdapter({ ...opts, force: opts.force === true });
      const id = `${opts.agency}/${opts.system}`;
      const rel = (p: string): string => relative(process.cwd(), p) || '.';
      out.stdout(`created ${id} in ${rel(result.root)}:\n${result.files.map((f) => `  ${rel(f)}\n`).join('')}`);
      out.stdout(
        [
          '',
          `test it now:      npx jest ${rel(result.root)}`,
          '',
          'then, to connect it (docs/integrators.md "Add a new agency, step by step"):',
          `  1. certificates: npm run kopir -- pki issue --system ${id}`,
          `  2. federation entry (${rel(join(result.root, 'federation-entry.yaml'))}; agency and system names to edit):`,
          '',
          ...result.federationEntry.split('\n').map((l) => (l ? `     ${l}` : l)),
          `     add it, with the keys from step 1: npm run kopir -- adapter register --entry ${rel(join(result.root, 'federation-entry.yaml'))}`,
          `  3. a rule: npm run kopir -- rules grant --client psc/front-office --service ${id}/${opts.service}` +
            ' --purpose <code> --legal-basis "<act, article>" --fields iin,status --by officer',
          '  4. sign: npm run kopir -- federation sign',
          `  5. run: npm run build && node dist/apps/adapters/${opts.system}/src/main.js (or restart kopir up)`,
          '',
        ].join('\n'),
      );
    });
  adapter
    .command('register')
    .description(
      "add an adapter's federation entry (agency, system, services, keys from the PKI) and raise the version",
    )
    .requiredOption('--entry <path>', 'the entry `adapter new` wrote, e.g. apps/adapters/health/federation-entry.yaml')
    .option('--file <path>', 'the YAML document', join('data', 'federation', 'federation.yaml'))
    .option('--pki <dir>', 'PKI directory (system certificates and keys)', join('certs', 'dev'))
    .action((opts: { entry: string; file: string; pki: string }) => {
      const done = registerAdapter({ entry: resolve(opts.entry), file: resolve(opts.file), pki: resolve(opts.pki) });
      out.stdout(
        `${done.map((d) => `${d}\n`).join('')}${opts.file} updated; sign it: npm run kopir -- federation sign\n`,
      );
    });
}
