import { fdatasync } from 'node:fs';

/**
 * Group commit for fsync: every caller that needs its writes on disk before it answers (an acks=-1 produce, an
 * offset commit) asks for a flush of its file descriptors; requests that arrive while a round is running join the
 * next round, so many producers share one fdatasync per file instead of paying one each.
 */
export class Flusher {
  private pending = new Set<number>();
  private waiters: ((ok: boolean) => void)[] = [];
  private running = false;
  private scheduled = false;

  /** Resolves true when every fd given is durably written, false if the disk refused. */
  flush(fds: Iterable<number>): Promise<boolean> {
    for (const fd of fds) this.pending.add(fd);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets every request already read from the sockets in this turn join the same round.
    setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    const fds = [...this.pending];
    const waiters = this.waiters;
    this.pending = new Set();
    this.waiters = [];
    const results = await Promise.all(
      fds.map(
        (fd) =>
          new Promise<boolean>((resolve) => {
            // EBADF: the file was closed (topic deleted, segment removed) after its write; nothing left to flush.
            fdatasync(fd, (error) => resolve(error === null || error.code === 'EBADF'));
          }),
      ),
    );
    const ok = results.every(Boolean);
    this.running = false;
    for (const waiter of waiters) waiter(ok);
    if (this.waiters.length > 0) this.schedule();
  }
}
