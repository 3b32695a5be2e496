import type { AuditEvent } from './audit-event';
import { parseCheckpointText, parseNote } from './checkpoint';
import { Frontier } from './compact-tree';
import { consistencyProof, inclusionProof, type NodeSource } from './merkle';

/**
 * The NDJSON export of a range of the ledger, self-contained enough to verify offline (docs/officers.md):
 *
 * 1. one `header` line: the range [from, to), the signed checkpoint of size `to` that covers it, and the frontier
 *    of [0, from) (roots of the perfect subtrees left of the range), so the verifier can recompute every root;
 * 2. one `event` line per leaf, in index order, with its leaf hash as stored and, optionally, its inclusion proof
 *    in the header's checkpoint (RFC 9162 §2.1.3);
 * 3. one `checkpoint` line right after the last leaf each checkpoint covers, with a consistency proof (RFC 9162
 *    §2.1.4) from the previous checkpoint line.
 */
export const EXPORT_FORMAT = 'kopir-audit-export/1';

export interface ExportHeader {
  readonly type: 'header';
  readonly format: typeof EXPORT_FORMAT;
  readonly origin: string;
  readonly from: number;
  readonly to: number;
  /** Signed checkpoint (signed note text) of tree size `to`. */
  readonly checkpoint: string;
  /** Base64 roots of the perfect subtrees covering [0, from), largest first. */
  readonly frontier: readonly string[];
}

export interface ExportEvent {
  readonly type: 'event';
  readonly index: number;
  /** Base64 leaf hash as the ledger stored it. */
  readonly leafHash: string;
  readonly event: AuditEvent;
  /** Base64 inclusion proof of this leaf in the header's checkpoint, when asked for. */
  readonly inclusion?: readonly string[];
}

export interface ExportCheckpoint {
  readonly type: 'checkpoint';
  readonly note: string;
  /** Base64 consistency proof from the previous checkpoint line (empty for the first). */
  readonly consistency: readonly string[];
}

export type ExportLine = ExportHeader | ExportEvent | ExportCheckpoint;

/** What an export is written from: a ledger store (or a tree in memory, in tests). */
export interface ExportSource extends NodeSource {
  /** Leaves [from, to) in index order: the stored canonical JSON and leaf hash. */
  leaves(from: number, to: number): Iterable<{ index: number; leaf: string; leafHash: Buffer }>;
  /** Signed checkpoints (notes) with from ≤ size ≤ to, by increasing size. */
  checkpoints(from: number, to: number): Iterable<{ size: number; note: string }>;
}

const b64 = (hash: Buffer): string => hash.toString('base64');

/**
 * Writes the export of [from, to) as NDJSON lines (each ending in a newline). `checkpoint` is the signed note that
 * covers `to` (normally the latest); `inclusion` adds a proof to every event line (log n hashes each).
 */
export function* exportLines(
  source: ExportSource,
  options: { origin: string; from: number; checkpoint: string; inclusion?: boolean },
): Generator<string> {
  const head = parseCheckpointText(parseNote(options.checkpoint).text);
  const to = head.size;
  const from = Math.min(Math.max(0, options.from), to);
  const frontier = Frontier.shape(from).map((n) => b64(source.node(n.level, n.index)));
  const header: ExportHeader = {
    type: 'header',
    format: EXPORT_FORMAT,
    origin: options.origin,
    from,
    to,
    checkpoint: options.checkpoint,
    frontier,
  };
  yield `${JSON.stringify(header)}\n`;
  const checkpoints = [...source.checkpoints(from, to)].filter((c) => c.size <= to);
  let next = 0;
  let previous: number | undefined;
  const emitCheckpoints = function* (size: number): Generator<string> {
    while (next < checkpoints.length && (checkpoints[next] as { size: number }).size === size) {
      const c = checkpoints[next] as { size: number; note: string };
      const proof = previous === undefined || previous === 0 ? [] : consistencyProof(source, previous, c.size);
      const line: ExportCheckpoint = { type: 'checkpoint', note: c.note, consistency: proof.map(b64) };
      yield `${JSON.stringify(line)}\n`;
      previous = c.size;
      next += 1;
    }
  };
  yield* emitCheckpoints(from);
  for (const { index, leaf, leafHash } of source.leaves(from, to)) {
    const line = {
      type: 'event',
      index,
      leafHash: b64(leafHash),
      // The stored canonical JSON goes out verbatim: the verifier, not the exporter, decides whether it is valid.
      event: JSON.parse(leaf) as AuditEvent,
      ...(options.inclusion ? { inclusion: inclusionProof(source, index, to).map(b64) } : {}),
    };
    yield `${JSON.stringify(line)}\n`;
    yield* emitCheckpoints(index + 1);
  }
}
