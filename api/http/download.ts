// Sending stored files as responses (receipts, vault deposits, certificates).
import type { Response } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** RFC 6266 / 5987: an ASCII fallback and the exact UTF-8 name. */
export function contentDisposition(name: string, inline: boolean): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '_') || 'receipt';
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Streams a stored file as the response body. pipeline() (not .pipe()) so that a client that goes
 * away also closes the object stream — a file descriptor, or an S3 connection — at once.
 */
export async function send(body: Readable, res: Response): Promise<void> {
  await pipeline(body, res).catch(() => res.destroy());
}
