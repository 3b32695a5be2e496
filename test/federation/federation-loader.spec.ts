/**
 * The federation loader against real files: hot reload on an atomic rename, a bad new document refused with a log
 * line while the old one stays in force, rollback refused within a process and across a restart.
 */
import { mkdirSync, mkdtempSync, rmSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { generateSigningKey, keyThumbprint } from '@kopir/pki';
import {
  FederationLoader,
  FederationModule,
  FederationRefusedError,
  signFederation,
  type FederationDocument,
  type SignedFederation,
} from '@kopir/federation';
import { developmentFederation } from '@kopir/reference-registries';

const NOW = Date.parse('2026-06-01T10:00:00Z');
const authority = generateSigningKey('ES256');
const kid = keyThumbprint(authority.publicKey);
const development = developmentFederation(new Date(NOW));
// Without the registries' encryption requirement, which is valid only with keys from a PKI this test does not make.
const base: FederationDocument = {
  ...development,
  agencies: development.agencies.map((a) => ({
    ...a,
    systems: a.systems.map((s) => ({ ...s, encryptBodies: false })),
  })),
};

const sign = (version: number, change: Partial<FederationDocument> = {}) =>
  signFederation({ ...base, ...change, version }, authority.privateKey, kid);

/** Waits until `check` holds (file events arrive asynchronously); fails the test after 10 s. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('FederationLoader', () => {
  let dir: string;
  let path: string;
  let logs: string[];
  let loader: FederationLoader | undefined;
  const logger = {
    log: (m: string) => logs.push(`log ${m}`),
    warn: (m: string) => logs.push(`warn ${m}`),
    error: (m: string) => logs.push(`error ${m}`),
  };

  /** Replaces the file the way `kopir federation sign` does: write a temp file, rename it over. */
  const publish = (text: string) => {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kopir-federation-'));
    path = join(dir, 'federation.jws');
    logs = [];
  });

  afterEach(async () => {
    await loader?.close();
    loader = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('swaps in a new version on change and keeps the old one in force when the next is bad', async () => {
    publish(await sign(1));
    const changes: [number, number | undefined][] = [];
    loader = new FederationLoader({
      path,
      authorityKey: authority.publicKey,
      federation: 'kopir-dev',
      logger,
      clock: () => NOW,
      onChange: (next, previous) => changes.push([next.version, previous?.version]),
    });
    const first = await loader.load();
    loader.watch();
    // A request in flight holds the document it started with; a swap never changes that object.
    const inFlight: SignedFederation = loader.current;

    publish(await sign(2));
    await until(() => loader?.current.version === 2);
    expect(changes).toEqual([
      [1, undefined],
      [2, 1],
    ]);
    expect(inFlight).toBe(first);
    expect(inFlight.version).toBe(1);

    // Tampered, unsigned, rolled back, expired: each refused with a log line; version 2 stays in force.
    const v3 = await sign(3);
    const [h, p, s] = v3.split('.') as [string, string, string];
    const payload = Buffer.from(p, 'base64url').toString().replace('"dailyQuota":200000', '"dailyQuota":900000');
    const bad = [
      `${h}.${Buffer.from(payload).toString('base64url')}.${s}`,
      'federation: kopir-dev\nversion: 99\n',
      await sign(1),
      await sign(4, { issuedAt: '2026-01-01T00:00:00Z', expiresAt: '2026-02-01T00:00:00Z' }),
    ];
    for (const text of bad) {
      const before = logs.length;
      publish(text);
      await until(() => logs.length > before);
      expect(loader.current.version).toBe(2);
    }
    const errors = logs.filter((l) => l.startsWith('error'));
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/signature is invalid.*version 2 stays in force/);
    expect(errors[1]).toMatch(/not a signed/);
    expect(errors[2]).toMatch(/version 1 is older than version 2/);
    expect(errors[3]).toMatch(/expired at 2026-02-01T00:00:00Z/);
    expect(changes).toHaveLength(2);

    // A good next version is still taken after the refusals.
    publish(await sign(5));
    await until(() => loader?.current.version === 5);
  });

  it('sees a new document published as Kubernetes updates a mounted ConfigMap (a ..data symlink swapped)', async () => {
    // The volume's layout: federation.jws -> ..data/federation.jws, ..data -> a timestamped folder. An update writes
    // a new folder and renames a new ..data symlink over the old one: the folder's event names ..data, not the file.
    const publishAs = (folder: string, text: string): void => {
      mkdirSync(join(dir, folder));
      writeFileSync(join(dir, folder, 'federation.jws'), text);
      symlinkSync(folder, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    };
    publishAs('..2026_06_01_10_00_00.1', await sign(1));
    symlinkSync(join('..data', 'federation.jws'), path);
    loader = new FederationLoader({ path, authorityKey: authority.publicKey, logger, clock: () => NOW, pollMs: 50 });
    await loader.load();
    loader.watch();
    expect(loader.current.version).toBe(1);

    publishAs('..2026_06_01_10_05_00.2', await sign(2));
    await until(() => loader?.current.version === 2);
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  it('puts in force only a document the service could apply; the previous one stays, or the start fails', async () => {
    publish(await sign(1));
    // A service whose apply step (compiling rules, keys) fails for version 2: its version 1 rules must stay the ones
    // in force and reported, never version 2's number with version 1's rules.
    const cannotApply = (next: SignedFederation) => {
      if (next.version === 2) throw new Error('a rule time the compiler refuses');
    };
    loader = new FederationLoader({
      path,
      authorityKey: authority.publicKey,
      logger,
      clock: () => NOW,
      onChange: cannotApply,
    });
    await loader.load();
    loader.watch();
    const before = logs.length;
    publish(await sign(2));
    await until(() => logs.length > before);
    expect(loader.current.version).toBe(1);
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([
      'error Federation document version 2 cannot be applied: a rule time the compiler refuses; version 1 stays in force',
    ]);
    publish(await sign(3));
    await until(() => loader?.current.version === 3);

    await loader.close();
    const failing = new FederationLoader({
      path: join(dir, 'v2.jws'),
      authorityKey: authority.publicKey,
      logger,
      clock: () => NOW,
      onChange: () => {
        throw new Error('cannot compile');
      },
    });
    writeFileSync(join(dir, 'v2.jws'), await sign(2));
    await expect(failing.load()).rejects.toThrow('Federation document version 2 cannot be applied: cannot compile');
  });

  it('refuses at start a document older than the last one accepted before a restart', async () => {
    const stateFile = join(dir, 'accepted.json');
    publish(await sign(3));
    const before = new FederationLoader({ path, authorityKey: authority.publicKey, stateFile, clock: () => NOW });
    await before.load();
    await before.close();

    publish(await sign(2));
    loader = new FederationLoader({ path, authorityKey: authority.publicKey, stateFile, clock: () => NOW });
    await expect(loader.load()).rejects.toThrow(FederationRefusedError);
    await expect(loader.load()).rejects.toMatchObject({ refusal: 'rollback' });
  });

  it('records as accepted only a version the service applied, so a restart still finds the one in force acceptable', async () => {
    const stateFile = join(dir, 'applied.json');
    publish(await sign(1));
    const cannotApply = (next: SignedFederation) => {
      if (next.version === 2) throw new Error('a rule time the compiler refuses');
    };
    const options = { path, authorityKey: authority.publicKey, stateFile, logger, clock: () => NOW };
    const first = new FederationLoader({ ...options, onChange: cannotApply });
    await first.load();
    publish(await sign(2));
    expect(await first.reload()).toBe(false);
    expect(first.current.version).toBe(1);
    await first.close();

    // The operator puts version 1 back (version 2 could not be applied) and restarts: version 1 is still acceptable.
    publish(await sign(1));
    loader = new FederationLoader(options);
    await expect(loader.load()).resolves.toMatchObject({ version: 1 });
  });

  it('says the document in force has expired once its time has passed', async () => {
    publish(await sign(1));
    let now = NOW;
    loader = new FederationLoader({ path, authorityKey: authority.publicKey, clock: () => now });
    await loader.load();
    expect(loader.assertInForce().version).toBe(1);
    now = Date.parse(base.expiresAt);
    expect(() => loader?.assertInForce()).toThrow(/expired at/);
  });

  it('is provided by FederationModule.forRoot, loaded before the application starts', async () => {
    publish(await sign(7));
    const moduleRef = await Test.createTestingModule({
      imports: [FederationModule.forRoot({ path, authorityKey: authority.publicKey, clock: () => NOW })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect(app.get(FederationLoader).current.version).toBe(7);
    await app.close();
  });
});
