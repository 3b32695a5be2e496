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
