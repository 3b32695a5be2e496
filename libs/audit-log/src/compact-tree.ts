import { EMPTY_ROOT, hashChildren, type NodeSource } from './merkle';
import { AuditLogError } from './audit-log-error';

/** A complete subtree node: the root of leaves [index·2^level, (index+1)·2^level). */
export interface TreeNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Buffer;
}

/**
 * The right edge of a Merkle tree (a "compact range" in transparency-dev/merkle's terms): the roots of the perfect
 * subtrees that cover leaves [0, size), largest first. That is all an appender needs: O(log n) memory, O(1)
 * amortised hashing per leaf, and the root of the current tree in O(log n) (RFC 9162 §2.1.1 splits every tree into
 * such subtrees, from the left).
 */
export class Frontier {
  private readonly nodes: TreeNode[];
  private count: number;

  /** Starts from the frontier of an existing tree: the roots of its perfect subtrees, largest first. */
  constructor(size = 0, nodes: readonly TreeNode[] = []) {
    const expected = Frontier.shape(size);
    if (
      expected.length !== nodes.length ||
      expected.some((e, i) => e.level !== nodes[i]?.level || e.index !== nodes[i]?.index)
    ) {
      throw new AuditLogError('log_inconsistent', `the frontier does not match a tree of size ${size}`);
    }
    this.count = size;
    this.nodes = [...nodes];
  }

  /** Which (level, index) nodes make up the frontier of a tree of `size` leaves, largest first. */
  static shape(size: number): { level: number; index: number }[] {
    const out: { level: number; index: number }[] = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (size - start >= width) {
        out.push({ level, index: start / width });
        start += width;
      }
    }
    return out;
  }

  get size(): number {
    return this.count;
  }

  /** The frontier's nodes, largest first. */
  get subtrees(): readonly TreeNode[] {
    return this.nodes;
  }

  /** Appends a leaf hash; returns every node it completed (the leaf itself first), for a store to keep. */
  append(leafHash: Buffer): TreeNode[] {
    const index = this.count;
    let node: TreeNode = { level: 0, index, hash: leafHash };
    const completed: TreeNode[] = [node];
    // Merging equal-sized neighbours is a binary counter increment: one merge per trailing one-bit of the old size.
    for (let n = index; n % 2 === 1; n = Math.floor(n / 2)) {
      const left = this.nodes.pop() as TreeNode;
      node = { level: node.level + 1, index: left.index / 2, hash: hashChildren(left.hash, node.hash) };
      completed.push(node);
    }
    this.nodes.push(node);
    this.count += 1;
    return completed;
  }

  /** The root hash of the tree so far (RFC 9162 §2.1.1). */
  root(): Buffer {
    if (this.nodes.length === 0) return EMPTY_ROOT;
    let root = (this.nodes[this.nodes.length - 1] as TreeNode).hash;
    for (let i = this.nodes.length - 2; i >= 0; i--) root = hashChildren((this.nodes[i] as TreeNode).hash, root);
    return root;
  }
}

/**
 * A whole tree in memory: every complete node, for proofs and for verifying an export. About 64 bytes per leaf
 * (a million events take 64 MB).
 */
export class MemoryTree implements NodeSource {
  private readonly levels: Buffer[][] = [];
  private readonly frontier = new Frontier();

  get size(): number {
    return this.frontier.size;
  }

  append(leafHash: Buffer): void {
    for (const node of this.frontier.append(leafHash)) {
      (this.levels[node.level] ??= []).push(node.hash);
    }
  }

  root(): Buffer {
    return this.frontier.root();
  }

  node(level: number, index: number): Buffer {
    const hash = this.levels[level]?.[index];
    if (hash === undefined) throw new AuditLogError('log_inconsistent', `no node at level ${level}, index ${index}`);
    return hash;
  }
}
