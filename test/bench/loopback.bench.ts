/**
 * `npm run bench -- loopback [--messages N]`: what one message between two processes costs on this machine, the
 * unit every Köpir round trip pays about fourteen times (client ⇄ gateway, and each Kafka request and response between
 * the gateway, the broker, the adapter and the audit service).
 *
 * A plain TCP echo (node:net, loopback, Nagle off, 600-byte messages: about an envelope's size) runs in its own
 * process. The client sends one message, waits for the echo, and measures the CPU time both processes spent per
 * message: back to back (the baseline: both processes stay busy), then paced at the gateway benchmark's rates, where
 * each message finds the other process asleep. No TLS, no JSON, no Kafka: the difference between the rows is what
 * waking a process costs here, which is why the whole system spends far more CPU per round trip at 250 requests/s
 * than at saturation (docs/performance.md).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { percentile, printTable, processCpuMs } from './measure';

const SIZE = 600;

export async function run(args: readonly string[]): Promise<void> {
  const at = args.indexOf('--messages');
  const messages = at >= 0 ? Number(args[at + 1]) : 1500;
  const echo = await startEcho();
  try {
    const socket = await open(echo.port);
    const roundTrip = pingPong(socket);
    for (let i = 0; i < 500; i++) await roundTrip();
    const rows: (string | number)[][] = [];
    for (const perSecond of [0, 1000, 500, 250, 50]) {
      const count = perSecond === 0 ? messages * 4 : Math.min(messages, perSecond * 6);
      const r = await measure(roundTrip, echo.child.pid as number, count, perSecond);
      rows.push([
        perSecond === 0 ? 'back to back (baseline)' : `${perSecond.toLocaleString('en-US')}/s`,
        count,
        r.clientUs,
        r.echoUs,
        r.p50Us,
      ]);
    }
    process.stdout.write(`\nTCP echo on loopback, ${SIZE}-byte messages, one in flight; CPU is utime + stime.\n\n`);
    printTable(['pace', 'messages', 'sender CPU µs/msg', 'echo CPU µs/msg', 'round trip p50 µs'], rows);
    socket.destroy();
  } finally {
    echo.child.kill();
  }
}

async function measure(
  roundTrip: () => Promise<void>,
  echoPid: number,
  count: number,
  perSecond: number,
): Promise<{ clientUs: number; echoUs: number; p50Us: number }> {
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const echo0 = processCpuMs(echoPid) ?? 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (perSecond > 0) {
      const wait = start + (i * 1000) / perSecond - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const sent = performance.now();
    await roundTrip();
    latencies.push((performance.now() - sent) * 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    clientUs: (cpu.user + cpu.system) / count,
    echoUs: (((processCpuMs(echoPid) ?? echo0) - echo0) * 1000) / count,
    p50Us: percentile(latencies, 50),
  };
}

/** One message out, its echo back; exactly one in flight. */
function pingPong(socket: Socket): () => Promise<void> {
  const message = Buffer.alloc(SIZE, 0x61);
  let received = 0;
  let done: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received >= SIZE && done) {
      received -= SIZE;
      const resolve = done;
      done = undefined;
      resolve();
    }
  });
  return () =>
    new Promise<void>((resolve) => {
      done = resolve;
      socket.write(message);
    });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function startEcho(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(__filename, ['--echo'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (port) => resolve({ child, port: port as number }));
    child.once('exit', (code) => reject(new Error(`the echo process exited with ${code}`)));
  });
}

// Forked as the echo process: answer every byte with itself, report the port, stop with the parent.
if (process.argv[2] === '--echo' && process.send) {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.(typeof address === 'object' && address ? address.port : 0);
  });
  process.on('disconnect', () => process.exit(0));
}
