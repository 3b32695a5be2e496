import { brokerConfigSpec, loadConfig } from '@kopir/config';
import { BrokerUsageError, applyBrokerFlags } from './broker-args';

describe('broker command-line flags', () => {
  const base = loadConfig('broker', brokerConfigSpec, {});

  it('override the environment with --port, --host and --data-dir (both --flag value and --flag=value)', () => {
    const config = applyBrokerFlags(base, ['--port', '19092', '--host=127.0.0.2', '--data-dir', 'some/dir']);
    expect(config.port).toBe(19092);
    expect(config.host).toBe('127.0.0.2');
    expect(config.dataDir).toMatch(/some\/dir$/);
    expect(config.flush).toBe('acks-all');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuse unknown flags, missing values and values their field rejects', () => {
    expect(() => applyBrokerFlags(base, ['--bogus'])).toThrow(BrokerUsageError);
    expect(() => applyBrokerFlags(base, ['--port'])).toThrow(/needs a value/);
    expect(() => applyBrokerFlags(base, ['--port', '70000'])).toThrow(/TCP port/);
  });
});
