import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';
import { bool, bytes, duration, int, list, HOST_PORT, oneOf, optional, port, readableFile, str } from './fields';

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
});
