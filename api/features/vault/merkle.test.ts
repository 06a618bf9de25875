// RFC 6962 reference vectors (the Certificate Transparency test tree of 8 leaves), then every
// proof of every tree up to 40 leaves, and tampering.
import { describe, expect, it } from 'vitest';
import { consistencyProof, EMPTY_FRONTIER, EMPTY_ROOT, extendFrontier, frontierRoot, inclusionProof, leafHash, rootOf, verifyConsistency, verifyInclusion } from './merkle.ts';

const hex = (b: Buffer) => b.toString('hex');
const h = (s: string) => Buffer.from(s, 'hex');
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((x) => leafHash(h(x)));
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

describe('RFC 6962 Merkle tree', () => {
  it('gives the reference roots for 0…8 leaves', () => {
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
    for (let n = 0; n <= 8; n++) expect(hex(rootOf(LEAVES.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
  });

  it('gives the reference inclusion proofs (leaf 0 and leaf 5 of 8)', () => {
    expect(inclusionProof(LEAVES, 0).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(inclusionProof(LEAVES, 5).map(hex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    // from 1 leaf to 8, the consistency proof is leaf 0's audit path
    expect(consistencyProof(LEAVES, 1).map(hex)).toEqual(inclusionProof(LEAVES, 0).map(hex));
  });

  const many = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from([i, (i * 7) & 255])));

  it('every inclusion proof of every tree up to 40 leaves verifies; a wrong leaf, index, size or root does not', () => {
    for (let n = 1; n <= many.length; n++) {
      const root = rootOf(many, 0, n);
      for (let i = 0; i < n; i++) {
        const p = inclusionProof(many, i, n);
        expect(verifyInclusion(many[i]!, i, n, p, root), `${i} of ${n}`).toBe(true);
        expect(verifyInclusion(many[(i + 1) % 40]!, i, n, p, root)).toBe(false);
        if (n > 1) expect(verifyInclusion(many[i]!, (i + 1) % n, n, p, root)).toBe(false);
        // the proof does not place the leaf in the next tree (whose root is signed with its size)
        if (n < many.length) expect(verifyInclusion(many[i]!, i, n + 1, p, rootOf(many, 0, n + 1))).toBe(false);
        expect(verifyInclusion(many[i]!, i, n, p, rootOf(many, 0, n === 1 ? 2 : n - 1))).toBe(false);
      }
    }
  });

  it('every consistency proof between trees up to 40 leaves verifies; changing a leaf of the older tree breaks it', () => {
    for (let n = 1; n <= many.length; n++) {
      for (let m = 1; m <= n; m++) {
        const p = consistencyProof(many, m, n);
        const rm = rootOf(many, 0, m);
        const rn = rootOf(many, 0, n);
        expect(verifyConsistency(m, n, p, rm, rn), `${m} → ${n}`).toBe(true);
        if (m < n) {
          const forged = [...many];
          forged[m - 1] = leafHash(Buffer.from('rewritten'));
          // the new tree rebuilt over a rewritten history does not extend the old one
          expect(verifyConsistency(m, n, consistencyProof(forged, m, n), rm, rootOf(forged, 0, n))).toBe(false);
          expect(verifyConsistency(m, n, p, rm, rootOf(forged, 0, n))).toBe(false);
        }
      }
    }
  });

  it('a frontier extended in any steps gives the same root as the whole tree', () => {
    let f = EMPTY_FRONTIER;
    expect(frontierRoot(f).equals(EMPTY_ROOT)).toBe(true);
    for (let n = 1; n <= many.length; n++) {
      f = extendFrontier(f, [many[n - 1]!]);
      expect(f.nodes.length).toBe(n.toString(2).replace(/0/g, '').length); // one node per set bit
      expect(hex(frontierRoot(f)), `size ${n}`).toBe(hex(rootOf(many, 0, n)));
    }
    const inSteps = extendFrontier(extendFrontier(extendFrontier(EMPTY_FRONTIER, many.slice(0, 5)), many.slice(5, 23)), many.slice(23));
    expect(hex(frontierRoot(inSteps))).toBe(hex(rootOf(many)));
    expect(hex(frontierRoot(extendFrontier(EMPTY_FRONTIER, LEAVES)))).toBe(ROOTS[8]);
  });
});
