import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerError } from '../protocol/broker-error';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One broker per data directory: two would interleave writes into the same segment files. The lock file holds
 * the owner's pid; a lock left by a dead process (a crash) is taken over. Returns the release function.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  const path = join(dataDir, '.lock');
  const token = `${process.pid}:${Math.random().toString(36).slice(2)}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, token);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === token) rmSync(path, { force: true });
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(path, 'utf8').split(':')[0]);
      } catch {
        // Unreadable lock: treated as stale below.
      }
      if (Number.isInteger(owner) && alive(owner)) {
        throw new BrokerError('storage_failure', `data directory ${dataDir} is in use by process ${owner}`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new BrokerError('storage_failure', `cannot lock data directory ${dataDir}`);
}
