import { runCli } from './cli';
import { captureOutput } from './output';

const capture = captureOutput;

describe('kopir CLI', () => {
  it('exits 0 with help for the program and for each command', async () => {
    for (const argv of [['--help'], ['config', '--help'], ['config', 'show', '--help']]) {
      const io = capture();
      expect(await runCli(argv, io)).toBe(0);
      expect(io.out).toContain('Usage: kopir');
    }
  });

  it('exits 2 on an unknown command or argument', async () => {
    expect(await runCli(['no-such-command'], capture())).toBe(2);
    const io = capture();
    expect(await runCli(['config', 'show', 'no-such-service'], io)).toBe(2);
    expect(io.err).toContain("unknown service 'no-such-service'");
  });

  it('lists configuration keys with their defaults', async () => {
    const io = capture();
    expect(await runCli(['config', 'show', 'broker'], io)).toBe(0);
    expect(io.out).toMatch(/BROKER_PORT\s+9092/);
  });
});

describe('kopir CLI with a broken environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('still shows help, and config check names every bad key instead of crashing', async () => {
    process.env.AUDIT_PORT = 'not-a-port';
    process.env.GATEWAY_PORT = '70000';
    expect(await runCli(['--help'], capture())).toBe(0);
    expect(await runCli(['audit', 'verify', '--help'], capture())).toBe(0);
    const io = capture();
    expect(await runCli(['config', 'check'], io)).toBe(1);
    expect(io.err).toContain('AUDIT_PORT: expected a TCP port');
    expect(io.err).toContain('GATEWAY_PORT: expected a TCP port');
  });

  it('reports a bad configuration a command needs as a failure (exit 1), not a stack trace', async () => {
    process.env.AUDIT_PORT = 'not-a-port';
    const io = capture();
    expect(await runCli(['audit', 'checkpoint'], io)).toBe(1);
    expect(io.err).toMatch(/^kopir: Invalid configuration for audit:\n {2}- AUDIT_PORT/);
  });
});
