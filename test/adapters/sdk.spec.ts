/** The adapter SDK's own I/O: the listening-socket probe the contract kit relies on, and the health file. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdapterRuntime, healthFile, listeningTcpSockets } from '@kopir/adapter-sdk';
import { developmentFederation } from '@kopir/federation';
import { generateSigningKey } from '@kopir/pki';

describe('listeningTcpSockets', () => {
  it('sees a socket this process listens on, and no longer once it is closed (the kit check is not vacuous)', async () => {
    const before = listeningTcpSockets();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const during = [...listeningTcpSockets()].filter((inode) => !before.has(inode));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const after = [...listeningTcpSockets()].filter((inode) => !before.has(inode));
    expect(during).toHaveLength(1);
    expect(after).toEqual([]);
  });
});

describe('adapter health file', () => {
  it('is written ready on start and stopped on stop, under <agency>-<system>.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopir-health-'));
    try {
      const file = healthFile(dir, 'moh/health');
      expect(file).toBe(join(dir, 'moh-health.json'));
      const runtime = new AdapterRuntime({
        system: 'moh/health',
        signingKey: generateSigningKey('ES256').privateKey,
        federation: { current: { document: developmentFederation(new Date()) } },
        handlers: [{ service: 'sample', handle: () => ({}) }],
        concurrency: 2,
        healthFile: file,
      });
      await runtime.start();
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        system: 'moh/health',
        state: 'ready',
        pid: process.pid,
        services: ['sample'],
      });
      await runtime.stop();
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ state: 'stopped' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
