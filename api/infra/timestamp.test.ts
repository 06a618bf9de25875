// RFC 3161 time-stamping against a real TSA on loopback (test/support/tsa-server.ts), and the tokens
// cross-checked by an independent implementation, `openssl ts -verify`, when it is installed.
import { execFile, execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTsa, type TestTsa } from '../../test/support/tsa-server.ts';
import { requestTimestamp, verifyTimestampToken } from './timestamp.ts';

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest();
const fingerprintOf = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
const listen = (s: Server | ReturnType<typeof createTcpServer>) =>
  new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
const closeServer = (s: Server | ReturnType<typeof createTcpServer>) => new Promise<void>((resolve) => s.close(() => resolve()));

const opensslVersion = (() => {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
})();

const data = Buffer.from('checkpoint #42 — head 6f1c…, 1234 entries\n');
const digest = sha256(data);

let tsa: TestTsa;
let other: TestTsa;
let rejecting: TestTsa;
let token: Buffer;

beforeAll(async () => {
  [tsa, other, rejecting] = await Promise.all([startTsa(), startTsa(), startTsa({ reject: true })]);
  token = await requestTimestamp(tsa.url, digest);
});
afterAll(async () => {
  await Promise.all([tsa?.close(), other?.close(), rejecting?.close()]);
});

/** A copy of token with the low bit of the byte at offset flipped. */
function flipped(at: number): Buffer {
  const t = Buffer.from(token);
  t[at]! ^= 0x01;
  return t;
}

describe('requestTimestamp + verifyTimestampToken', () => {
  it('obtains a token for a digest that verifies, with and without pinning the TSA certificate', async () => {
    const loose = await verifyTimestampToken(token, digest);
    expect(loose).toMatchObject({ ok: true, tsaCertFingerprint: fingerprintOf(tsa.certPem) });
    if (!loose.ok) return;
    expect(Math.abs(Date.parse(loose.genTime) - Date.now())).toBeLessThan(5_000);
    expect(loose.serialNumber).toMatch(/^[1-9]\d*$/);

    const pinned = await verifyTimestampToken(token, digest, { trustedCertsPem: [other.certPem, tsa.certPem] });
    expect(pinned).toEqual(loose);
  });

  it('gets a new serial number and genTime for each token', async () => {
    const again = await requestTimestamp(tsa.url, digest);
    expect(again.equals(token)).toBe(false);
    const [a, b] = await Promise.all([verifyTimestampToken(token, digest), verifyTimestampToken(again, digest)]);
    if (!a.ok || !b.ok) throw new Error('expected both tokens to verify');
    expect(BigInt(b.serialNumber)).toBe(BigInt(a.serialNumber) + 1n);
    expect(Date.parse(b.genTime)).toBeGreaterThanOrEqual(Date.parse(a.genTime));
  });

  it('fails for another digest, naming both', async () => {
    const another = sha256('another checkpoint');
    const r = await verifyTimestampToken(token, another);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toMatch(/^wrong digest/);
    expect(r.problem).toContain(another.toString('hex'));
    expect(r.problem).toContain(digest.toString('hex'));
  });

  it('fails when one byte of the signature is flipped', async () => {
    const signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(token)).content });
    const sig = Buffer.from(signed.signerInfos[0]!.signature.valueBlock.valueHexView);
    const at = token.lastIndexOf(sig);
    expect(at).toBeGreaterThan(0);
    const r = await verifyTimestampToken(flipped(at + sig.length - 1), digest);
    expect(r).toMatchObject({ ok: false, problem: expect.stringMatching(/^bad signature: the CMS signature does not verify/) });
  });

  it('fails when one byte of the TSTInfo is flipped (here, in its message imprint)', async () => {
    const at = token.indexOf(digest);
    expect(at).toBeGreaterThan(0);
    const r = await verifyTimestampToken(flipped(at + 31), digest);
    expect(r).toMatchObject({ ok: false, problem: expect.stringMatching(/^bad signature: TSTInfo does not match the signed message digest/) });
  });

  it('fails when the signer is not the trusted certificate, naming the signer', async () => {
    const r = await verifyTimestampToken(token, digest, { trustedCertsPem: [other.certPem] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toMatch(/^untrusted signer/);
    expect(r.problem).toContain(fingerprintOf(tsa.certPem));
    expect(r.problem).toContain('CN=Justif test TSA');
  });

  it('reports garbage and truncated tokens as malformed instead of throwing', async () => {
    await expect(verifyTimestampToken(Buffer.from('not a token'), digest)).resolves.toMatchObject({ ok: false, problem: expect.stringMatching(/^malformed token/) });
    await expect(verifyTimestampToken(token.subarray(0, token.length - 40), digest)).resolves.toMatchObject({ ok: false, problem: expect.stringMatching(/^malformed token/) });
    await expect(verifyTimestampToken(Buffer.alloc(0), digest)).resolves.toMatchObject({ ok: false });
  });

  it('throws with the status when the TSA rejects the request', async () => {
    await expect(requestTimestamp(rejecting.url, digest)).rejects.toThrow(/refused the time-stamp: status rejection \(2\): test TSA configured to reject/);
  });

  it('refuses a digest that is not 32 bytes', async () => {
    await expect(requestTimestamp(tsa.url, Buffer.alloc(20))).rejects.toThrow(/32 bytes/);
  });

  it('throws for a stale or misrouted reply (nonce or imprint not the requested ones)', async () => {
    // A "TSA" that answers every request with the first reply it got from the real one.
    let cached: Buffer | undefined;
    const replay = createHttpServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      cached ??= Buffer.from(await (await fetch(tsa.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: Buffer.concat(chunks) })).arrayBuffer());
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(cached);
    });
    const port = await listen(replay);
    try {
      const url = `http://127.0.0.1:${port}/`;
      await expect(requestTimestamp(url, digest)).resolves.toBeInstanceOf(Buffer);
      await expect(requestTimestamp(url, digest)).rejects.toThrow(/another nonce: not a reply to this request/);
      await expect(requestTimestamp(url, sha256('other'))).rejects.toThrow(/time-stamped another imprint/);
    } finally {
      await closeServer(replay);
    }
  });

  it('throws at once when nothing listens on the URL', async () => {
    const probe = createTcpServer();
    const port = await listen(probe);
    await closeServer(probe); // the port is now free: connection refused
    const t0 = Date.now();
    await expect(requestTimestamp(`http://127.0.0.1:${port}/`, digest, { timeoutMs: 2_000 })).rejects.toThrow(/time-stamp request to .* failed: .*ECONNREFUSED/);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('throws within the timeout when the TSA never answers', async () => {
    const sockets = new Set<Socket>();
    const blackHole = createTcpServer((s) => void sockets.add(s)); // accepts, reads nothing, never replies
    const port = await listen(blackHole);
    try {
      const t0 = Date.now();
      await expect(requestTimestamp(`http://127.0.0.1:${port}/`, digest, { timeoutMs: 300 })).rejects.toThrow(/no answer within 300 ms/);
      expect(Date.now() - t0).toBeLessThan(1_500);
    } finally {
      for (const s of sockets) s.destroy();
      await closeServer(blackHole);
    }
  });
});

describe('independent check with OpenSSL', () => {
  const run = promisify(execFile);
  (opensslVersion ? it : it.skip)(
    opensslVersion ? `openssl ts -verify accepts the token (${opensslVersion})` : 'openssl ts -verify — SKIPPED: openssl is not on PATH',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'justif-tsa-'));
      try {
        await Promise.all([writeFile(join(dir, 'token.der'), token), writeFile(join(dir, 'tsa.pem'), tsa.certPem), writeFile(join(dir, 'data.bin'), data)]);
        const verify = (...args: string[]) => run('openssl', ['ts', '-verify', ...args, '-in', 'token.der', '-token_in', '-CAfile', 'tsa.pem'], { cwd: dir });

        const byDigest = await verify('-digest', digest.toString('hex'));
        expect(byDigest.stdout).toContain('Verification: OK');
        const byData = await verify('-data', 'data.bin');
        expect(byData.stdout).toContain('Verification: OK');
        // And OpenSSL really checks: another digest is refused.
        await expect(verify('-digest', sha256('another').toString('hex'))).rejects.toMatchObject({ stdout: expect.stringContaining('Verification: FAILED') });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
