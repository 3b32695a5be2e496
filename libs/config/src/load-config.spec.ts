import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, allOrNoneProblems, describeConfig, loadConfig } from './load-config';
import {
  allOrNone,
  bool,
  bytes,
  duration,
  int,
  list,
  HOST_PORT,
  oneOf,
  optional,
  port,
  readableFile,
  str,
} from './fields';

const spec = {
  port: port('T_PORT', { description: 'port', default: 8443 }),
  cert: readableFile('T_CERT', { description: 'TLS certificate' }),
  mode: oneOf('T_MODE', ['a', 'b'] as const, { description: 'mode', default: 'a' }),
  brokers: optional(list('T_BROKERS', { description: 'brokers', item: HOST_PORT, itemHint: 'host:port' })),
};

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kopir-config-'));
  const cert = join(dir, 'cert.pem');
  writeFileSync(cert, 'x');

  it('parses a good environment into a typed, frozen object with defaults', () => {
    const config = loadConfig('test', spec, { T_CERT: cert, T_BROKERS: 'k1:9092, k2:9093' });
    expect(config).toEqual({ port: 8443, cert, mode: 'a', brokers: ['k1:9092', 'k2:9093'] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('names every bad key at once: missing, bad port, unreadable certificate path, bad enum', () => {
    let caught: unknown;
    try {
      loadConfig(
        'gateway',
        { ...spec, other: str('T_OTHER', { description: 'a required string' }) },
        {
          T_PORT: '70000',
          T_MODE: 'c',
          T_BROKERS: 'nohostport',
        },
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.code).toBe('config_invalid');
    expect(error.problems.map((p) => p.env).sort()).toEqual(['T_BROKERS', 'T_CERT', 'T_MODE', 'T_OTHER', 'T_PORT']);
    expect(error.message).toContain('T_PORT: expected a TCP port from 0 to 65535 (got "70000")');
    expect(error.message).toContain('T_CERT: missing (TLS certificate)');
    expect(error.message).toContain('T_MODE: expected one of a, b');
  });

  it('refuses a certificate path that does not exist or is a directory', () => {
    for (const path of [join(dir, 'missing.pem'), dir]) {
      expect(() => loadConfig('gateway', spec, { T_CERT: path })).toThrow(/T_CERT: expected a readable file/);
    }
  });

  it('never echoes a secret value', () => {
    const secretSpec = { key: int('T_SECRET', { description: 'secret', secret: true }) };
    expect(() => loadConfig('x', secretSpec, { T_SECRET: 'hunter2' })).toThrow(ConfigError);
    try {
      loadConfig('x', secretSpec, { T_SECRET: 'hunter2' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it.each([
    [duration('D', { description: 'd' }), '10s', 10_000],
    [duration('D', { description: 'd' }), '250ms', 250],
    [bytes('B', { description: 'b' }), '1mb', 1_048_576],
    [bool('F', { description: 'f' }), 'off', false],
    [int('I', { description: 'i', min: -5, max: 5 }), '-5', -5],
  ] as const)('parses %#', (field, raw, expected) => {
    expect(field.parse(raw)).toBe(expected);
  });

  it.each([
    [duration('D', { description: 'd' }), '10 seconds'],
    [bytes('B', { description: 'b' }), '-1'],
    [bool('F', { description: 'f' }), 'maybe'],
    [int('I', { description: 'i', min: 0, max: 5 }), '6'],
    [int('I', { description: 'i' }), '1.5'],
    [port('P', { description: 'p' }), '-1'],
  ] as const)('refuses %#', (field, raw) => {
    expect(() => field.parse(raw)).toThrow(/expected/);
  });

  describe('keys set together or not at all (allOrNone)', () => {
    const [tlsCa, tlsCert, tlsKey] = allOrNone(
      readableFile('T_TLS_CA', { description: 'CA' }),
      readableFile('T_TLS_CERT', { description: 'certificate' }),
      readableFile('T_TLS_KEY', { description: 'key' }),
    );
    const tls = { port: port('T_PORT', { description: 'port', default: 1 }), ca: tlsCa, cert: tlsCert, key: tlsKey };

    it('accepts all of them, or none (an empty value is unset)', () => {
      expect(loadConfig('t', tls, { T_TLS_CA: cert, T_TLS_CERT: cert, T_TLS_KEY: cert })).toMatchObject({
        ca: cert,
        key: cert,
      });
      expect(loadConfig('t', tls, { T_TLS_CA: '' })).toEqual({
        port: 1,
        ca: undefined,
        cert: undefined,
        key: undefined,
      });
    });

    it('refuses a partial set, naming every missing key and what is set, beside the other problems', () => {
      let caught: unknown;
      try {
        loadConfig('t', tls, { T_TLS_CA: cert, T_TLS_KEY: '', T_PORT: 'x' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      const error = caught as ConfigError;
      expect(error.problems.map((p) => p.env)).toEqual(['T_PORT', 'T_TLS_CERT', 'T_TLS_KEY']);
      expect(error.message).toContain(
        '  - T_TLS_CERT: missing: set all of T_TLS_CA, T_TLS_CERT and T_TLS_KEY, or none (T_TLS_CA is set)\n' +
          '  - T_TLS_KEY: missing: set all of T_TLS_CA, T_TLS_CERT and T_TLS_KEY, or none (T_TLS_CA is set)',
      );
      // A set key that is itself bad still counts as set: both problems are named.
      expect(() => loadConfig('t', tls, { T_TLS_CA: join(dir, 'missing.pem'), T_TLS_CERT: cert })).toThrow(
        /T_TLS_CA: expected a readable file[^]*T_TLS_KEY: missing: .*\(T_TLS_CA and T_TLS_CERT are set\)/,
      );
    });

    it('gives settings built in code the same verdict (allOrNoneProblems)', () => {
      const values: Record<string, unknown> = { ca: undefined, cert: 'c.pem', key: undefined };
      expect(allOrNoneProblems(tls, (k) => values[k] !== undefined)).toEqual([
        { key: 'ca', env: 'T_TLS_CA', problem: expect.stringContaining('(T_TLS_CERT is set)') },
        { key: 'key', env: 'T_TLS_KEY', problem: expect.stringContaining('(T_TLS_CERT is set)') },
      ]);
      expect(allOrNoneProblems(tls, () => false)).toEqual([]);
    });

    it('says so in the key list', () => {
      expect(describeConfig(tls).find((row) => row.env === 'T_TLS_KEY')).toEqual({
        env: 'T_TLS_KEY',
        description: 'key; with T_TLS_CA and T_TLS_CERT, or none',
        default: '(unset)',
      });
    });
  });
});
