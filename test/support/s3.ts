// A real S3 server on loopback for tests: s3rver 3.7.1, in its own process, over a temp directory,
// with one bucket. Plus a loopback proxy that records the requests the SDK sends and can corrupt
// upload bodies on their way to the server.
//
// s3rver quirk: its ListObjectsV2 continuation tokens are DES-encrypted, which OpenSSL 3 (Node 17+)
// only offers in the legacy provider — without it every truncated listing answers 500
// InternalError. It therefore runs in a child process started with --openssl-legacy-provider
// (our own code and the test process keep the default OpenSSL configuration).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3StoreOptions } from '../../storage/objects/s3-store.ts';
import { freePort } from './server.ts';

export interface S3Server {
  endpoint: string;
  /** Options for createS3Store: path style, s3rver's fixed credentials, the bucket created at start. */
  options: S3StoreOptions;
  stop(): Promise<void>;
}

export async function startS3rver(opts: { bucket?: string } = {}): Promise<S3Server> {
  const bucket = opts.bucket ?? 'justif';
  const dir = mkdtempSync(join(tmpdir(), 's3rver-'));
  const port = await freePort();
  const bin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', bin, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--configure-bucket', bucket], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`s3rver did not start in 15 s:\n${output}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('S3rver listening')) {
        clearTimeout(timer);
        res();
      }
    });
    child.stderr.on('data', (d: Buffer) => void (output += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`s3rver exited with ${code}:\n${output}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    options: { endpoint, region: 'us-east-1', bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Of the body as the client sent it (before any corruption). */
  bodySha256: string;
  bodySize: number;
}

/**
 * An HTTP proxy on loopback in front of `target`: records every request and, while `corrupt` is
 * set, flips one bit of every PUT body (PutObject, UploadPart) at offset `corruptAt` — the server
 * then stores bytes other than those sent, as a faulty disk, controller or middlebox would, and,
 * like s3rver, answers 200 since it checks no checksum. The Host header is kept: it is signed.
 * With `objectLock` set it answers GetObjectLockConfiguration itself ("Enabled") — s3rver
 * implements no Object Lock — so the client's Object Lock requests can be seen at protocol level
 * (s3rver then stores the objects and ignores the lock headers).
 */
export async function startS3Proxy(target: string): Promise<{ endpoint: string; requests: RecordedRequest[]; corrupt: boolean; corruptAt: number; objectLock: boolean; stop(): Promise<void> }> {
  const t = new URL(target);
  const state = { requests: [] as RecordedRequest[], corrupt: false, corruptAt: 1000, objectLock: false };
  const server: Server = createServer((req, res) => {
    if (state.objectLock && req.method === 'GET' && /[?&]object-lock(=|&|$)/.test(req.url ?? '')) {
      state.requests.push({ method: 'GET', url: req.url ?? '', headers: req.headers, bodySha256: '', bodySize: 0 });
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      return void res.end('<?xml version="1.0" encoding="UTF-8"?><ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>');
    }
    const hash = createHash('sha256');
    let seen = 0;
    const corrupting = state.corrupt && req.method === 'PUT';
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        if (corrupting && seen <= state.corruptAt && state.corruptAt < seen + chunk.length) {
          chunk = Buffer.from(chunk);
          chunk[state.corruptAt - seen]! ^= 0x01;
        }
        seen += chunk.length;
        cb(null, chunk);
      },
    });
    const upstream = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      void pipeline(up, res).catch(() => {});
    });
    upstream.on('error', () => res.destroy());
    tap.on('end', () => state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodySha256: hash.digest('hex'), bodySize: seen }));
    void pipeline(req, tap, upstream).catch(() => res.destroy());
  });
  const port = await freePort();
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', () => res()));
  return Object.assign(state, {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  });
}
