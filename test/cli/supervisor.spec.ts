import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor } from '../../apps/cli/src/up/supervisor';

jest.setTimeout(30_000);

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kopir up supervisor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kopir-supervisor-'));
  const steady = join(dir, 'steady.js');
  const crashing = join(dir, 'crashing.js');
  const stubborn = join(dir, 'stubborn.js');
  writeFileSync(
    steady,
    "process.stdout.write('ready\\n'); process.stderr.write('a warning\\n'); setInterval(() => {}, 1000);",
  );
  writeFileSync(crashing, "process.stdout.write('starting\\n'); setTimeout(() => process.exit(3), 100);");
  // Ignores SIGTERM: the supervisor must kill it after the stop timeout.
  writeFileSync(
    stubborn,
    "process.on('SIGTERM', () => {}); process.stdout.write('up\\n'); setInterval(() => {}, 1000);",
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prefixes every line, restarts a crashed service, and leaves no process behind on stop', async () => {
    let log = '';
    const supervisor = new Supervisor({
      out: { stdout: (s) => void (log += s), stderr: (s) => void (log += s) },
      color: false,
      restartDelayMs: 100,
      stopTimeoutMs: 1000,
    });
    supervisor.start({ name: 'steady', script: steady });
    supervisor.start({ name: 'crashing', script: crashing });
    supervisor.start({ name: 'stubborn', script: stubborn });
    await until(() => (log.match(/crashing +\| starting/g) ?? []).length >= 2 && log.includes('stubborn | up'));
    expect(log).toMatch(/steady +\| ready/);
    expect(log).toMatch(/steady +\| a warning/);
    expect(log).toMatch(/crashing +\| exited unexpectedly \(code 3\); restarting in/);

    const pids = Object.values(supervisor.pids());
    await supervisor.stop();
    expect(log).toMatch(/stubborn +\| did not stop in time; killing it/);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    // No restart after a stop, even of the service that keeps crashing.
    const before = log;
    await new Promise((r) => setTimeout(r, 400));
    expect(log).toBe(before);
  });
});
