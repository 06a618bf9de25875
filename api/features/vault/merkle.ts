// The vault journal's Merkle tree, as Certificate Transparency defines it (RFC 6962 §2.1, the
// verification algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2): leaf hash SHA-256(0x00 ‖ entry),
// node hash SHA-256(0x01 ‖ left ‖ right), the root of n leaves splitting at the largest power of
// two below n. Inclusion proofs show one entry is in a tree; consistency proofs show a later tree
// extends an earlier one (nothing removed or rewritten). Pure: no I/O — the offline verifier uses
// the same two verify functions.
import { createHash } from 'node:crypto';

export type Hash = Buffer;

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export const leafHash = (entry: Uint8Array): Hash => sha256(LEAF, entry);
export const nodeHash = (left: Hash, right: Hash): Hash => sha256(NODE, left, right);
export const EMPTY_ROOT: Hash = sha256();

/** The largest power of two smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[lo:hi]) over leaf hashes. */
export function rootOf(leaves: readonly Hash[], lo = 0, hi = leaves.length): Hash {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[lo]!;
  const k = split(n);
  return nodeHash(rootOf(leaves, lo, lo + k), rootOf(leaves, lo + k, hi));
}

/** PATH(m, D[0:size]): the audit path of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(leaves: readonly Hash[], index: number, size = leaves.length): Hash[] {
  if (!(index >= 0 && index < size && size <= leaves.length)) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  const path = (m: number, lo: number, hi: number): Hash[] => {
    const n = hi - lo;
    if (n === 1) return [];
    const k = split(n);
    return m < k ? [...path(m, lo, lo + k), rootOf(leaves, lo + k, hi)] : [...path(m - k, lo + k, hi), rootOf(leaves, lo, lo + k)];
  };
  return path(index, 0, size);
}

/** PROOF(m, D[0:n]): that the tree of the first n leaves extends the tree of the first m. */
export function consistencyProof(leaves: readonly Hash[], m: number, n = leaves.length): Hash[] {
  if (!(m > 0 && m <= n && n <= leaves.length)) throw new RangeError(`no consistency proof from ${m} to ${n}`);
  const sub = (m: number, lo: number, hi: number, whole: boolean): Hash[] => {
    const n = hi - lo;
    if (m === n) return whole ? [] : [rootOf(leaves, lo, hi)];
    const k = split(n);
    return m <= k ? [...sub(m, lo, lo + k, whole), rootOf(leaves, lo + k, hi)] : [...sub(m - k, lo + k, hi, false), rootOf(leaves, lo, lo + k)];
  };
  return sub(m, 0, n, true);
}

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(leaf: Hash, index: number, size: number, proof: readonly Hash[], root: Hash): boolean {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) ((fn = Math.floor(fn / 2)), (sn = Math.floor(sn / 2)));
    } else r = nodeHash(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2. */
export function verifyConsistency(m: number, n: number, proof: readonly Hash[], rootM: Hash, rootN: Hash): boolean {
  if (!(m > 0 && m <= n)) return false;
  if (m === n) return proof.length === 0 && rootM.equals(rootN);
  const path = [...proof];
  if ((m & (m - 1)) === 0) path.unshift(rootM); // m a power of two: the old root is the first node
  if (!path.length) return false;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) ((fn = Math.floor(fn / 2)), (sn = Math.floor(sn / 2)));
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) ((fn = Math.floor(fn / 2)), (sn = Math.floor(sn / 2)));
    } else sr = nodeHash(sr, c);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(rootM) && sr.equals(rootN) && sn === 0;
}

/**
 * The right edge of a tree of `size` leaves: the roots of its perfect subtrees, largest (leftmost)
 * first — one per set bit of `size`. Enough to extend the tree and to compute its root, so a
 * checkpoint hashes only the leaves added since the previous one.
 */
export interface Frontier {
  size: number;
  nodes: Hash[];
}
export const EMPTY_FRONTIER: Frontier = { size: 0, nodes: [] };

export function extendFrontier(f: Frontier, leaves: Iterable<Hash>): Frontier {
  const nodes = [...f.nodes];
  let size = f.size;
  for (const leaf of leaves) {
    // the trailing 1-bits of size are the perfect subtrees the new leaf completes
    let h = leaf;
    for (let k = size; k % 2 === 1; k = Math.floor(k / 2)) h = nodeHash(nodes.pop()!, h);
    nodes.push(h);
    size++;
  }
  return { size, nodes };
}

export function frontierRoot(f: Frontier): Hash {
  if (!f.nodes.length) return EMPTY_ROOT;
  let r = f.nodes[f.nodes.length - 1]!;
  for (let i = f.nodes.length - 2; i >= 0; i--) r = nodeHash(f.nodes[i]!, r);
  return r;
}
