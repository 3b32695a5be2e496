import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../log/atomic-file';

/**
 * Producer ids for InitProducerId. The next id is persisted before an id is handed out, so an id is never reused
 * across restarts (a reused id would let a new producer's batches be taken for an old one's retries).
 */
export class ProducerIdStore {
  private readonly path: string;
  private next = 1000n;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'producer-ids.json');
  }

  open(): void {
    if (!existsSync(this.path)) return;
    const saved = JSON.parse(readFileSync(this.path, 'utf8')) as { next?: string };
    if (typeof saved.next === 'string' && /^\d+$/.test(saved.next)) this.next = BigInt(saved.next);
  }

  allocate(): bigint {
    const id = this.next;
    this.next = id + 1n;
    writeFileAtomic(this.path, `${JSON.stringify({ next: this.next.toString() })}\n`);
    return id;
  }
}
