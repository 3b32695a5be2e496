/**
 * `kopir adapter new` as an integrator runs it: the adapter it writes typechecks under the repository's strict
 * settings and its generated tests (the contract kit included) pass at once; `adapter register` adds its entry to a
 * federation document that still validates. Everything happens in a temporary copy of the layout (apps/adapters
 * there, node_modules linked), never in the repository's own apps/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AdapterModule, type AdapterDefinition } from '@kopir/adapter-sdk';
import { KopirClient } from '@kopir/client';
import { gatewayConfigSpec, loadConfig } from '@kopir/config';
import { FederationYaml, openFederation } from '@kopir/federation';
import { startBroker } from '@kopir/kafka-broker';
import { createKafka, silentLogger } from '@kopir/messaging';
import { devPkiPaths, loadPrivateKey } from '@kopir/pki';
import { startGateway } from '../../apps/gateway/src/start-gateway';
import { runCli } from '../../apps/cli/src/cli';
import { captureOutput } from '../../apps/cli/src/output';

const repo = resolve(__dirname, '..', '..');

const capture = captureOutput;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kopir-scaffold-'));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kopir adapter new', () => {
  it('writes an adapter and prints the federation entry and the certificate command', async () => {
    const io = capture();
    const code = await runCli(
      ['adapter', 'new', '--agency', 'moh', '--system', 'health', '--dir', join(dir, 'apps', 'adapters')],
      io,
    );
    expect(io.err).toBe('');
    expect(code).toBe(0);
    for (const file of [
      'src/main.ts',
      'src/health.adapter.ts',
      'test/contract.spec.ts',
      'federation-entry.yaml',
      'README.md',
    ]) {
      expect(existsSync(join(dir, 'apps', 'adapters', 'health', file))).toBe(true);
    }
    // npm run lint checks formatting over apps/: the generated adapter must pass it as written.
    const check = spawnSync(
      process.execPath,
      [
        join(repo, 'node_modules/prettier/bin/prettier.cjs'),
        '--config',
        join(repo, '.prettierrc.json'),
        '--check',
        join(dir, 'apps/adapters/health/**/*.ts'),
      ],
      { cwd: repo, encoding: 'utf8' },
    );
    expect(check.stdout + check.stderr).toContain('All matched files use Prettier code style');
    expect(io.out).toContain('pki issue --system moh/health');
    expect(io.out).toContain('id: moh/health/record-by-iin');
    expect(io.out).toContain('topic: kopir.req.moh');
    expect(readFileSync(join(dir, 'apps', 'adapters', 'health', 'src', 'health.adapter.ts'), 'utf8')).toContain(
      "system: 'moh/health',",
    );
    expect(readFileSync(join(dir, 'apps', 'adapters', 'health', 'src', 'main.ts'), 'utf8')).toContain(
      'runAdapter(healthAdapter())',
    );
  });

  it('refuses to overwrite an existing adapter, and bad names, as usage errors', async () => {
    const args = ['adapter', 'new', '--agency', 'moh', '--system', 'health', '--dir', join(dir, 'apps', 'adapters')];
    const again = capture();
    expect(await runCli(args, again)).toBe(2);
    expect(again.err).toContain('already exists');
    expect(await runCli(['adapter', 'new', '--agency', 'MOH!', '--system', 'x', '--dir', dir], capture())).toBe(2);
    expect(await runCli(['adapter', 'new', '--agency', 'moh', '--system', '../etc', '--dir', dir], capture())).toBe(2);
  });

  it('generates code that typechecks with the repository settings', () => {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(repo, 'tsconfig.json'),
        compilerOptions: { noEmit: true, rootDir: '/', paths: { '@kopir/*': [join(repo, 'libs/*/src/index.ts')] } },
        include: [join(dir, 'apps/**/*.ts')],
        exclude: [],
      }),
    );
    const tsc = spawnSync(
      process.execPath,
      [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')],
      {
        encoding: 'utf8',
      },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 240_000);

  it('passes its generated tests at once (contract kit included)', () => {
    writeFileSync(
      join(dir, 'jest.config.js'),
      `const base = require(${JSON.stringify(join(repo, 'jest.config.js'))}).projects[0];
module.exports = { ...base, displayName: 'scaffold', rootDir: ${JSON.stringify(dir)},
  testMatch: ['<rootDir>/apps/**/*.spec.ts'], testPathIgnorePatterns: ['/node_modules/'],
  moduleNameMapper: { '^@kopir/([a-z-]+)$': ${JSON.stringify(join(repo, 'libs/$1/src/index.ts'))} } };
`,
    );
    const jest = spawnSync(
      process.execPath,
      [join(repo, 'node_modules/jest/bin/jest.js'), '--config', join(dir, 'jest.config.js'), '--ci'],
      {
        encoding: 'utf8',
        cwd: dir,
      },
    );
    const output = jest.stdout + jest.stderr;
    expect(output).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(output).toContain('adapter contract: moh/health');
    expect(jest.status).toBe(0);
  }, 240_000);

  it('adapter register adds the agency, system, service and keys, and the document still validates', async () => {
    const pki = join(dir, 'certs');
    const file = join(dir, 'federation.yaml');
    expect(await runCli(['pki', 'init', '--dir', pki], capture())).toBe(0);
    expect(await runCli(['pki', 'issue', '--system', 'moh/health', '--dir', pki], capture())).toBe(0);
    expect(await runCli(['federation', 'init', '--file', file, '--pki', pki], capture())).toBe(0);
    const before = FederationYaml.parse(readFileSync(file, 'utf8')).toDocument();
    const io = capture();
    const entry = join(dir, 'apps', 'adapters', 'health', 'federation-entry.yaml');
    expect(await runCli(['adapter', 'register', '--entry', entry, '--file', file, '--pki', pki], io)).toBe(0);
    const after = FederationYaml.parse(readFileSync(file, 'utf8')).toDocument();
    expect(after.version).toBe(before.version + 1);
    expect(after.services.find((s) => s.id === 'moh/health/record-by-iin')?.topic).toBe('kopir.req.moh');
    const system = after.agencies.find((a) => a.code === 'moh')?.systems.find((s) => s.id === 'moh/health');
    expect(system?.signingKeys?.length).toBe(1);
    // `pki issue --system` made its encryption key, published beside (never as) its signing key.
    expect(system?.encryptionKey?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(system?.signingKeys?.map((k) => k.kid)).not.toContain(system?.encryptionKey?.kid);
    expect(system?.tlsCertificateSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(
      await runCli(
        [
          'rules',
          'grant',
          '--file',
          file,
          '--client',
          'psc/front-office',
          '--service',
          'moh/health/record-by-iin',
          '--purpose',
          'social-benefit-check',
          '--legal-basis',
          'Code on Health, art. 60',
          '--fields',
          'iin,status',
          '--by',
          'officer',
        ],
        capture(),
      ),
    ).toBe(0);
  });
  it('answers a call through the gateway, where docs/integrators.md ends: sign, start, call', async () => {
    const pki = join(dir, 'certs');
    const file = join(dir, 'federation.yaml');
    const signed = join(dir, 'federation.jws');
    expect(await runCli(['federation', 'sign', '--file', file, '--out', signed, '--pki', pki], capture())).toBe(0);
    const paths = devPkiPaths(pki);
    const broker = await startBroker({ dataDir: join(dir, 'broker'), port: 0 });
    const kafka = createKafka({ brokers: [broker.address], clientId: 'scaffold', logger: silentLogger });
    const settings = { file: signed, authorityPublicKey: paths.federationAuthority.publicKey, name: 'kopir-dev' };
    const federation = await openFederation(settings, { logger: silentLogger });
    // The generated adapter, loaded from the temporary layout exactly as written by `adapter new`.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const generated = require(join(dir, 'apps/adapters/health/src/health.adapter.ts')) as {
      healthAdapter: () => AdapterDefinition;
    };
    const adapter = await NestFactory.createApplicationContext(
      AdapterModule.forRoot(generated.healthAdapter(), {
        signingKey: loadPrivateKey(readFileSync(paths.system('moh/health').signing.key, 'utf8')),
        federation,
        kafka,
        concurrency: 4,
      }),
      { logger: false },
    );
    await adapter.init();
    const gateway = await startGateway({
      config: loadConfig('gateway', gatewayConfigSpec, {
        GATEWAY_PORT: '0',
        GATEWAY_OPS_PORT: '0',
        GATEWAY_INSTANCE_ID: 'gw-scaffold',
        GATEWAY_TLS_CERT: paths.gateway.cert,
        GATEWAY_TLS_KEY: paths.gateway.key,
        GATEWAY_TLS_CA: paths.chain,
        GATEWAY_TLS_CRL: paths.crl,
        GATEWAY_SIGNING_KEY: paths.gateway.signing.key,
      }),
      kafka,
      federation: { ...settings, quotaInstances: 1 },
    });
    const client = KopirClient.fromDevPki(pki, 'psc/front-office', gateway.url);
    try {
      const result = await client.call(
        'moh/health/record-by-iin',
        { iin: '900101300012' },
        {
          purpose: 'social-benefit-check',
          subject: '900101300012',
        },
      );
      // The rule granted above allows iin and status only: the rest of the record never leaves the adapter.
      expect(result.body).toEqual({ iin: '900101300012', status: 'registered' });
      expect(result.answer.status).toBe('ok');
    } finally {
      client.close();
      await gateway.stop();
      await adapter.close();
      await federation.close();
      await broker.stop();
    }
  }, 120_000);
});
