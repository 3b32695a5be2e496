import { createHash } from 'node:crypto';
import fc from 'fast-check';
import probes from './testdata/transparency-dev-probes.json';
import { MemoryTree, Frontier } from './compact-tree';
import {
  EMPTY_ROOT,
  consistencyProof,
  hashChildren,
  hashLeaf,
  inclusionProof,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

const b64 = (s: string | null): Buffer => Buffer.from(s ?? '', 'base64');
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

// transparency-dev/merkle testonly/constants.go: LeafInputs() and RootHashes() of the RFC 6962 reference tree.
const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** MTH of RFC 9162 §2.1.1 written as the RFC's recursion, with no storage or shortcuts: the reference. */
function naiveRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = splitPoint(leaves.length);
  return hashChildren(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

function naivePath(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = splitPoint(leaves.length);
  return m < k
    ? [...naivePath(m, leaves.slice(0, k)), naiveRoot(leaves.slice(k))]
    : [...naivePath(m - k, leaves.slice(k)), naiveRoot(leaves.slice(0, k))];
}

function naiveSubproof(m: number, leaves: readonly Buffer[], b: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [naiveRoot(leaves)];
  const k = splitPoint(n);
  return m <= k
    ? [...naiveSubproof(m, leaves.slice(0, k), b), naiveRoot(leaves.slice(k))]
    : [...naiveSubproof(m - k, leaves.slice(k), false), naiveRoot(leaves.slice(0, k))];
}

function treeOf(leafHashes: readonly Buffer[]): MemoryTree {
  const tree = new MemoryTree();
  leafHashes.forEach((h) => tree.append(h));
  return tree;
}

describe('Merkle tree hashing (RFC 9162 §2.1)', () => {
  const leafHashes = LEAF_INPUTS.map((input) => hashLeaf(hex(input)));

  it('gives the published root of every prefix of the reference tree (transparency-dev/merkle)', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(ROOTS[0]);
    const tree = new MemoryTree();
    leafHashes.forEach((leaf, i) => {
      tree.append(leaf);
      expect(tree.root().toString('hex')).toBe(ROOTS[i + 1]);
    });
  });

  it('hashes a leaf with the 0x00 prefix and a node with 0x01 (second-preimage resistance, §2.1.1)', () => {
    expect(hashLeaf(Buffer.alloc(0)).toString('hex')).toBe(ROOTS[1]);
    const [a, b] = leafHashes as [Buffer, Buffer];
    expect(hashChildren(a, b)).toEqual(
      createHash('sha256')
        .update(Buffer.from([1]))
        .update(a)
        .update(b)
        .digest(),
    );
    // A node hash fed in as leaf data must not reproduce the node.
    expect(hashLeaf(Buffer.concat([a, b]))).not.toEqual(hashChildren(a, b));
  });

  describe('verifies the transparency-dev/merkle inclusion probes', () => {
    it.each(probes.inclusion.map((p) => [p.file, p] as const))('%s', (_file, p) => {
      const check = (): void =>
        verifyInclusion(b64(p.leafHash), p.leafIdx, p.treeSize, (p.proof ?? []).map(b64), b64(p.root));
      if (p.wantErr) expect(check).toThrow(expect.objectContaining({ code: 'proof_invalid' }));
      else expect(check).not.toThrow();
    });
  });

  // Where Köpir is deliberately stricter than transparency-dev/merkle: this probe's roots are 12-byte placeholders
  // ("don't care"), and Köpir refuses any hash that is not 32 bytes before looking at sizes.
  const STRICTER = new Set(['consistency/additional/sizes-are-equal-one-and-proof-is-empty.json']);

  describe('verifies the transparency-dev/merkle consistency probes', () => {
    it.each(probes.consistency.map((p) => [p.file, p] as const))('%s', (file, p) => {
      const check = (): void =>
        verifyConsistency(p.size1, p.size2, b64(p.root1), b64(p.root2), (p.proof ?? []).map(b64));
      if (p.wantErr || STRICTER.has(file)) expect(check).toThrow(expect.objectContaining({ code: 'proof_invalid' }));
      else expect(check).not.toThrow();
    });
  });

  it('produces the published happy-path proofs byte for byte', () => {
    const tree = treeOf(leafHashes);
    for (const p of probes.inclusion.filter((q) => !q.wantErr && q.treeSize <= 8)) {
      expect(inclusionProof(tree, p.leafIdx, p.treeSize)).toEqual((p.proof ?? []).map(b64));
    }
    for (const p of probes.consistency.filter((q) => !q.wantErr && q.size2 <= 8 && q.size1 > 0)) {
      expect(consistencyProof(tree, p.size1, p.size2)).toEqual((p.proof ?? []).map(b64));
    }
  });

  it('refuses proofs for leaves outside the tree', () => {
    const tree = treeOf(leafHashes);
    expect(() => inclusionProof(tree, 8, 8)).toThrow(expect.objectContaining({ code: 'proof_invalid' }));
    expect(() => consistencyProof(tree, 5, 4)).toThrow(expect.objectContaining({ code: 'proof_invalid' }));
  });

  const sizes = fc.integer({ min: 1, max: 300 });

  it('agrees with the naive reference tree on roots, paths and consistency proofs (property)', () => {
    fc.assert(
      fc.property(sizes, fc.nat(), fc.nat(), (n, a, b) => {
        const leaves = Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));
        const tree = treeOf(leaves);
        const m = a % n;
        const size1 = (b % n) + 1;
        expect(tree.root()).toEqual(naiveRoot(leaves));
        expect(inclusionProof(tree, m, n)).toEqual(naivePath(m, leaves));
        const expected = size1 === n ? [] : naiveSubproof(size1, leaves, true);
        expect(consistencyProof(tree, size1, n)).toEqual(expected);
        verifyInclusion(leaves[m] as Buffer, m, n, inclusionProof(tree, m, n), tree.root());
        verifyConsistency(size1, n, naiveRoot(leaves.slice(0, size1)), tree.root(), expected);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects every single-bit change of a valid proof, leaf or root (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 100 }), fc.nat(), fc.nat(), fc.nat(255), (n, a, which, bit) => {
        const leaves = Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from([i, i >> 8])));
        const tree = treeOf(leaves);
        const m = a % n;
        const proof = inclusionProof(tree, m, n);
        const parts = [leaves[m] as Buffer, tree.root(), ...proof].map((h) => Buffer.from(h));
        const target = parts[which % parts.length] as Buffer;
        target[bit % 32] = (target[bit % 32] as number) ^ (1 << (bit % 8));
        const [leaf, root, ...rest] = parts as [Buffer, Buffer, ...Buffer[]];
        expect(() => verifyInclusion(leaf, m, n, rest, root)).toThrow(
          expect.objectContaining({ code: 'proof_invalid' }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('restores an appender from a stored frontier and keeps appending identically', () => {
    const leaves = Array.from({ length: 37 }, (_, i) => hashLeaf(Buffer.from([i])));
    const whole = new Frontier();
    leaves.slice(0, 21).forEach((l) => whole.append(l));
    const restored = new Frontier(21, whole.subtrees);
    leaves.slice(21).forEach((l) => {
      whole.append(l);
      restored.append(l);
    });
    expect(restored.root()).toEqual(naiveRoot(leaves));
    expect(() => new Frontier(22, whole.subtrees)).toThrow(expect.objectContaining({ code: 'log_inconsistent' }));
  });
});
