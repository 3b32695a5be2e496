import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ADAPTER_READY } from '@kopir/adapter-sdk';
import { Supervisor, waitForPort } from '../../apps/cli/src/up/supervisor';

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

  it('waits for a service to say it is ready (an adapter has no port), colour codes or not, and gives up in time', async () => {
    const late = join(dir, 'late.js');
    // Says it is ready after a while, in colour as Nest's logger does under FORCE_COLOR.
    writeFileSync(
      late,
      "process.stdout.write('starting\\n'); setTimeout(() => process.stdout.write('\\x1b[32mmju/population ready: person-by-iin\\x1b[39m\\n'), 400); setInterval(() => {}, 1000);",
    );
    const supervisor = new Supervisor({ out: { stdout: () => undefined, stderr: () => undefined }, color: true });
    try {
      supervisor.start({ name: 'late', script: late });
      const started = Date.now();
      await supervisor.waitForLine('late', ADAPTER_READY, 10_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      await expect(supervisor.waitForLine('late', 'never said', 300)).rejects.toThrow(
        'late did not report "never said" within 300 ms',
      );
      await expect(supervisor.waitForLine('absent', ADAPTER_READY, 300)).rejects.toThrow('no service absent');
    } finally {
      await supervisor.stop();
    }
  });

  it('ends the start-up waits at once when it stops (Ctrl-C during start-up), not at their timeout', async () => {
    const silent = join(dir, 'silent.js');
    writeFileSync(silent, 'setInterval(() => {}, 1000);');
    const supervisor = new Supervisor({ out: { stdout: () => undefined, stderr: () => undefined }, color: false });
    supervisor.start({ name: 'silent', script: silent });
    const started = Date.now();
    const line = supervisor.waitForLine('silent', ADAPTER_READY, 60_000);
    // Nothing listens on port 9 of this host: without the stop this would retry for a minute.
    const port = waitForPort('127.0.0.1', 9, 60_000, supervisor.stopped);
    await supervisor.stop();
    await expect(line).rejects.toThrow('silent was stopped before it reported " ready:"');
    await expect(port).rejects.toThrow('stopped while waiting for 127.0.0.1:9');
    expect(Date.now() - started).toBeLessThan(15_000);
    await expect(supervisor.waitForLine('silent', ADAPTER_READY, 60_000)).rejects.toThrow('was stopped');
  });

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

  /**
   * `kopir up` itself under signals (npm test builds dist/ first): a supervisor process with a service that ignores
   * SIGTERM. The first SIGTERM starts the graceful stop (which would wait a minute for that service); a second one
   * must kill it at once, and the supervisor exit, leaving nothing behind. With once-only signal listeners the second
   * SIGTERM killed the supervisor itself and the service lived on as an orphan.
   */
  it('kills every service at a second signal while stopping, and leaves no orphan', async () => {
    const supervisorModule = join(resolve(__dirname, '..', '..'), 'dist', 'apps', 'cli', 'src', 'up', 'supervisor.js');
    const runner = join(dir, 'runner.js');
    writeFileSync(
      runner,
      `const { Supervisor, stopOnSignals } = require(${JSON.stringify(supervisorModule)});
       const out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };
       const supervisor = new Supervisor({ out, color: false, stopTimeoutMs: 60000 });
       supervisor.start({ name: 'stubborn', script: ${JSON.stringify(stubborn)} });
       stopOnSignals(supervisor, out).then(() => process.stdout.write('all stopped\\n'));
       const wait = setInterval(() => { const pid = supervisor.pids().stubborn;
         if (pid) { clearInterval(wait); setTimeout(() => process.stdout.write('child ' + pid + '\\n'), 300); } }, 20);`,
    );
    const parent = spawn(process.execPath, [runner], { stdio: ['ignore', 'pipe', 'inherit'] });
    let log = '';
    parent.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((r) => parent.once('exit', (code) => r(code)));
    try {
      await until(() => /child \d+/.test(log) && log.includes('stubborn | up'));
      const child = Number(/child (\d+)/.exec(log)?.[1]);
      expect(alive(child)).toBe(true);

      parent.kill('SIGTERM');
      await until(() => log.includes('stopping every service'));
      // The graceful stop is waiting for a service that ignores SIGTERM.
      await new Promise((r) => setTimeout(r, 300));
      expect(alive(child)).toBe(true);

      parent.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(log).toContain('SIGTERM again: killing every service');
      expect(log).toContain('all stopped');
      expect(alive(child)).toBe(false);
    } finally {
      if (parent.exitCode === null) parent.kill('SIGKILL');
    }
  });
});
