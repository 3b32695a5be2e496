import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';

export interface CommittedOffset {
  readonly offset: number;
  readonly metadata: string | null;
}

interface CommitLine {
  readonly g: string;
  readonly t: string;
  readonly p: number;
  readonly o: number;
  readonly m: string | null;
}

/**
 * Committed consumer-group offsets, kept as an append-only file of JSON lines (one per committed partition) and
 * compacted on start. A torn last line (a crash mid-write) is ignored. Under the `always` flush policy commits are
 * answered only after the flusher has synced this file; under `acks-all` the sync follows the answer in the
 * background, so a power cut can lose the last commits (their records are delivered again), never tear earlier ones.
 */
export class OffsetStore {
  private readonly offsets = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private readonly path: string;
  private fd = -1;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'consumer-offsets.jsonl');
  }

  open(): void {
    if (existsSync(this.path)) {
      for (const line of readFileSync(this.path, 'utf8').split('\n')) {
        if (line.length === 0) continue;
        let entry: CommitLine;
        try {
          entry = JSON.parse(line) as CommitLine;
        } catch {
          continue;
        }
        this.set(entry.g, entry.t, entry.p, { offset: entry.o, metadata: entry.m });
      }
    }
    // Compaction: rewrite only the latest commit of each partition, so the file does not grow without bound.
    writeFileAtomic(this.path, this.lines().join(''));
    this.fd = openSync(this.path, 'a');
  }

  private lines(): string[] {
    const lines: string[] = [];
    for (const [g, topics] of this.offsets) {
      for (const [t, partitions] of topics) {
        for (const [p, c] of partitions) lines.push(`${JSON.stringify({ g, t, p, o: c.offset, m: c.metadata })}\n`);
      }
    }
    return lines;
  }

  private set(group: string, topic: string, partition: number, committed: CommittedOffset): void {
    let topics = this.offsets.get(group);
    if (topics === undefined) this.offsets.set(group, (topics = new Map<string, Map<number, CommittedOffset>>()));
    let partitions = topics.get(topic);
    if (partitions === undefined) topics.set(topic, (partitions = new Map<number, CommittedOffset>()));
    partitions.set(partition, committed);
  }

  /** Records commits in memory and in the file (not yet synced: callers flush `fd` before answering). */
  commit(
    group: string,
    entries: readonly { topic: string; partition: number; offset: number; metadata: string | null }[],
  ): void {
    let text = '';
    for (const e of entries) {
      this.set(group, e.topic, e.partition, { offset: e.offset, metadata: e.metadata });
      text += `${JSON.stringify({ g: group, t: e.topic, p: e.partition, o: e.offset, m: e.metadata })}\n`;
    }
    if (text.length > 0) writeSync(this.fd, text);
  }

  get fileDescriptor(): number {
    return this.fd;
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(group)?.get(topic)?.get(partition);
  }

  /** Every committed partition of a group, by topic. */
  topicsOf(group: string): Map<string, Map<number, CommittedOffset>> {
    return this.offsets.get(group) ?? new Map<string, Map<number, CommittedOffset>>();
  }

  groups(): string[] {
    return [...this.offsets.keys()];
  }

  /** Forgets a deleted topic's commits in memory; the next compaction drops them from the file. */
  deleteTopic(topic: string): void {
    for (const topics of this.offsets.values()) topics.delete(topic);
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        fdatasyncSync(this.fd);
      } catch {
        // Closing anyway: what did not reach the disk is at worst a commit redone after the restart.
      }
      closeSync(this.fd);
    }
    this.fd = -1;
  }
}
