import { createHash, hash } from 'node:crypto';
import { AuditLogError } from './audit-log-error';

/**
 * Merkle tree hashing of RFC 9162 §2.1 (the Certificate Transparency v2 tree, same as RFC 6962 §2.1): SHA-256,
 * leaves hashed with a 0x00 prefix and interior nodes with 0x01, so a leaf can never be passed off as a node
 * (second-preimage resistance, RFC 9162 §2.1.1).
 */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256() (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** MTH({d(0)}) = SHA-256(0x00 || d(0)). */
export function hashLeaf(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x00 || text in UTF-8): the leaf hash of text, without copying it into a Buffer first. */
export function hashLeafText(text: string): Buffer {
  // crypto.hash is the one-shot digest (Node 20.12+): a third cheaper than a Hash object per leaf.
  return hash('sha256', `\u0000${text}`, 'buffer');
}

/** SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = NODE_PREFIX[0] as number;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return hash('sha256', input, 'buffer');
}

/** The largest power of two smaller than n (n > 1): the split point k of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Read access to the hashes of a stored tree: `node(level, index)` is the root of the complete subtree over leaves
 * [index·2^level, (index+1)·2^level); level 0 is the leaf hashes. Stores keep those (each appended leaf completes
 * on average one node), so a proof costs O(log n) look-ups instead of rehashing the log.
 */
export interface NodeSource {
  node(level: number, index: number): Buffer;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** MTH(D[start:end]) (RFC 9162 §2.1.1), using stored complete subtrees wherever the range is one. */
export function rangeHash(source: NodeSource, start: number, end: number): Buffer {
  const n = end - start;
  if (n <= 0) return EMPTY_ROOT;
  if (isPowerOfTwo(n) && start % n === 0) return source.node(Math.log2(n), start / n);
  const k = splitPoint(n);
  return hashChildren(rangeHash(source, start, start + k), rangeHash(source, start + k, end));
}

/** The root hash of the first `size` leaves. */
export function rootAt(source: NodeSource, size: number): Buffer {
  return rangeHash(source, 0, size);
}

function checkSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AuditLogError('proof_invalid', `${name} must be a non-negative integer, got ${String(value)}`);
  }
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(source: NodeSource, index: number, size: number): Buffer[] {
  checkSize('index', index);
  checkSize('size', size);
  if (index >= size) throw new AuditLogError('proof_invalid', `leaf ${index} is not in a tree of size ${size}`);
  const path: Buffer[] = [];
  // The recursion of §2.1.3.1 unrolled from the root down; siblings are collected top-down and reversed at the end.
  let start = 0;
  let end = size;
  let m = index;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      path.push(rangeHash(source, start + k, end));
      end = start + k;
    } else {
      path.push(rangeHash(source, start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** PROOF(m, D[n]) of RFC 9162 §2.1.4.1: proves that the tree of size `size2` extends the one of size `size1`. */
export function consistencyProof(source: NodeSource, size1: number, size2: number): Buffer[] {
  checkSize('size1', size1);
  checkSize('size2', size2);
  if (size1 > size2) throw new AuditLogError('proof_invalid', `size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  const proof: Buffer[] = [];
  // SUBPROOF(m, D[start:end], b), unrolled; nodes are collected top-down and reversed at the end.
  let start = 0;
  let end = size2;
  let m = size1;
  let b = true;
  while (m !== end - start) {
    const n = end - start;
    const k = splitPoint(n);
    if (m <= k) {
      proof.push(rangeHash(source, start + k, end));
      end = start + k;
    } else {
      proof.push(rangeHash(source, start, start + k));
      start += k;
      m -= k;
      b = false;
    }
  }
  if (!b) proof.push(rangeHash(source, start, end));
  return proof.reverse();
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function checkHashes(what: string, hashes: readonly Uint8Array[]): void {
  for (const h of hashes) {
    if (h.length !== HASH_SIZE) throw new AuditLogError('proof_invalid', `${what}: a hash is not ${HASH_SIZE} bytes`);
  }
}

/**
 * Verifies an inclusion proof by the algorithm of RFC 9162 §2.1.3.2. Throws AuditLogError `proof_invalid` unless
 * `leafHash` is leaf `index` of the tree of size `size` whose root is `root`.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkSize('index', index);
  checkSize('size', size);
  if (index >= size) throw new AuditLogError('proof_invalid', `leaf ${index} is not in a tree of size ${size}`);
  checkHashes('inclusion proof', [leafHash, root, ...proof]);
  // fn and sn exceed 2^32 only for logs of 4 billion events; plain numbers with Math.floor keep 53 bits exact.
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new AuditLogError('proof_invalid', 'inclusion proof is longer than the path');
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new AuditLogError('proof_invalid', 'inclusion proof is shorter than the path');
  if (!same(r, root)) throw new AuditLogError('proof_invalid', 'inclusion proof does not lead to the root');
}

/**
 * Verifies a consistency proof by the algorithm of RFC 9162 §2.1.4.2. Throws AuditLogError `proof_invalid` unless
 * the tree (size2, root2) is an append-only extension of (size1, root1). A proof from the empty tree is refused as
 * meaningless (as transparency-dev/merkle does): every tree extends it, so callers need no proof there.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): void {
  checkSize('size1', size1);
  checkSize('size2', size2);
  checkHashes('consistency proof', [root1, root2, ...proof]);
  if (size2 < size1) throw new AuditLogError('proof_invalid', `tree shrank from ${size1} to ${size2}`);
  if (size1 === 0) throw new AuditLogError('proof_invalid', 'a consistency proof from the empty tree is meaningless');
  if (size1 === size2) {
    if (proof.length > 0) throw new AuditLogError('proof_invalid', 'equal sizes need an empty proof');
    if (!same(root1, root2)) throw new AuditLogError('proof_invalid', 'two different roots for one tree size');
    return;
  }
  if (proof.length === 0) throw new AuditLogError('proof_invalid', 'empty consistency proof');
  // Step 1: when size1 is a power of two, the old root is itself a node of the new tree and starts the chain.
  const path: readonly Uint8Array[] = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0] as Uint8Array;
  let sr: Uint8Array = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) throw new AuditLogError('proof_invalid', 'consistency proof is longer than the path');
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new AuditLogError('proof_invalid', 'consistency proof is shorter than the path');
  if (!same(fr, root1)) throw new AuditLogError('proof_invalid', 'consistency proof does not lead to the old root');
  if (!same(sr, root2)) throw new AuditLogError('proof_invalid', 'consistency proof does not lead to the new root');
}
