// Multipart uploads (multer) spooled to temporary files, never to memory: each file is hashed
// while it is written, and its first and last bytes are kept for the type checks. Limits turn
// into problem+json; every temporary file is removed when the request ends, whatever happens.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import multer, { type StorageEngine } from 'multer';
import { AppError } from './errors.ts';

export interface SpooledFile {
  path: string;
  originalName: string;
  declaredType: string;
  size: number;
  sha256: string;
  head: Buffer;
  tail: Buffer;
}

/** This process's spool folder (one per process: what one counts or cleans is its own). */
export const SPOOL_DIR = join(tmpdir(), 'justif-uploads', String(process.pid));

function spoolingStorage(headBytes: number, tailBytes: number): StorageEngine {
  return {
    _handleFile(_req, file, cb) {
      const path = join(SPOOL_DIR, randomUUID());
      const hash = createHash('sha256');
      let size = 0;
      const headParts: Buffer[] = [];
      let headLen = 0;
      let tail = Buffer.alloc(0);
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          size += chunk.length;
          if (headLen < headBytes) {
            headParts.push(chunk.subarray(0, headBytes - headLen));
            headLen += Math.min(chunk.length, headBytes - headLen);
          }
          tail = Buffer.concat([tail, chunk]).subarray(-tailBytes);
          done(null, chunk);
        },
      });
      mkdir(SPOOL_DIR, { recursive: true })
        .then(() => pipeline(file.stream, meter, createWriteStream(path, { flags: 'wx' })))
        .then(() => cb(null, { path, size, sha256: hash.digest('hex'), head: Buffer.concat(headParts), tail } as never))
        .catch(async (e) => {
          await rm(path, { force: true });
          cb(e);
        });
    },
    _removeFile(_req, file, cb) {
      rm((file as unknown as { path: string }).path, { force: true }).then(() => cb(null), cb);
    },
  };
}

/**
 * Reads the multipart body of `req` (field `files`), runs `use` on the spooled files, then removes
 * them. Multer removes what it spooled when a limit stops the upload midway.
 */
export async function withUploadedFiles<T>(
  req: Request,
  res: Response,
  limits: { maxBytes: number; maxFiles: number; headBytes: number; tailBytes: number },
  use: (files: SpooledFile[]) => Promise<T>,
): Promise<T> {
  if (!req.is('multipart/form-data')) throw new AppError('unsupported-media-type', 'Send the receipts as multipart/form-data in the field "files"');
  const upload = multer({
    storage: spoolingStorage(limits.headBytes, limits.tailBytes),
    defParamCharset: 'utf8', // browsers send file names as raw UTF-8
    limits: { fileSize: limits.maxBytes, files: limits.maxFiles, fields: 10, fieldSize: 10_000, parts: limits.maxFiles + 10 },
  }).array('files', limits.maxFiles);
  await new Promise<void>((resolve, reject) =>
    upload(req, res, (err: unknown) => {
      if (!err) return resolve();
      if (err instanceof multer.MulterError) {
        const mb = Math.round(limits.maxBytes / 1_048_576);
        const byCode: Partial<Record<multer.ErrorCode, AppError>> = {
          LIMIT_FILE_SIZE: new AppError('file-too-large', `Each file may be at most ${mb} MB; “${err.field ?? ''}” is larger.`.replace(' “”', '')),
          LIMIT_FILE_COUNT: new AppError('too-many-files', `At most ${limits.maxFiles} files per upload.`),
          LIMIT_UNEXPECTED_FILE: new AppError('too-many-files', `Send at most ${limits.maxFiles} files, in the field "files".`),
        };
        return reject(byCode[err.code] ?? new AppError('validation', `The upload is not valid: ${err.message}`));
      }
      reject(err);
    }),
  );
  const files = ((req.files as unknown as (SpooledFile & { originalname: string; mimetype: string })[]) ?? []).map((f) => ({
    path: f.path, size: f.size, sha256: f.sha256, head: f.head, tail: f.tail,
    originalName: f.originalname, declaredType: f.mimetype,
  }));
  try {
    if (files.length === 0) throw new AppError('validation', 'No file received: send the receipts in the multipart field "files"');
    return await use(files);
  } finally {
    await Promise.all(files.map((f) => rm(f.path, { force: true })));
  }
}
