import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  it('has working defaults: embedded database, outbox mail, worker in process', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.database.url).toBeUndefined();
    expect(c.database.pgliteDir).toMatch(/data\/pglite$/);
    expect(c.runWorker).toBe(true);
    expect(c.publicUrl).toBe('http://localhost:3000');
  });

  it('lists every wrong value in one message', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', OIDC_ISSUER_URL: 'https://accounts.google.com', SESSION_TTL_HOURS: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const k of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'OIDC_ISSUER_URL', 'SESSION_TTL_HOURS']) expect(msg).toContain(k);
    expect((err as ConfigError).problems).toHaveLength(5);
    expect(msg).toContain('got "eighty"');
    expect(msg).not.toContain('mysql://x'); // URLs may hold passwords: never echoed
  });

  it('treats empty strings as unset and a server database as a separate worker', () => {
    const c = loadConfig({ PORT: '', DATABASE_URL: 'postgres://u@h/db' });
    expect(c.port).toBe(3000);
    expect(c.runWorker).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', RUN_WORKER: 'true' }).runWorker).toBe(true);
  });

  it('S3 object storage: off by default, on with bucket and credentials, defaults for the rest', () => {
    expect(loadConfig({}).s3).toBeUndefined();
    const c = loadConfig({ S3_ENDPOINT: 'http://minio:9000', S3_BUCKET: 'justif', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret', S3_PREFIX: 'prod/receipts/' });
    expect(c.s3).toEqual({ endpoint: 'http://minio:9000', region: 'us-east-1', bucket: 'justif', accessKeyId: 'id', secretAccessKey: 'secret', forcePathStyle: true, prefix: 'prod/receipts', sendChecksums: false });
    const aws = loadConfig({ S3_REGION: 'eu-west-3', S3_BUCKET: 'justif', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret', S3_FORCE_PATH_STYLE: 'false', S3_SEND_CHECKSUMS: 'true' });
    expect(aws.s3).toMatchObject({ endpoint: undefined, region: 'eu-west-3', forcePathStyle: false, sendChecksums: true, prefix: undefined });
  });

  it('OCR: the second engine is on unless turned off, and nothing else is accepted', () => {
    expect(loadConfig({}).ocr).toEqual({ secondEngine: true });
    expect(loadConfig({ OCR_SECOND_ENGINE: 'off' }).ocr).toEqual({ secondEngine: false });
    expect(() => loadConfig({ OCR_SECOND_ENGINE: 'easyocr' })).toThrow(/OCR_SECOND_ENGINE: /);
  });

  it('S3: bucket and credentials go together; endpoint and prefix need a bucket; secrets never echoed', () => {
    let err: unknown;
    try {
      loadConfig({ S3_BUCKET: 'Not_A_Bucket', S3_SECRET_ACCESS_KEY: 'hunter2', S3_PREFIX: '../up', S3_SEND_CHECKSUMS: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^S3_BUCKET: an S3 bucket name/),
      expect.stringMatching(/^S3_PREFIX: a key prefix/),
      expect.stringMatching(/^S3_SEND_CHECKSUMS: /),
      'S3_BUCKET: S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together',
    ]);
    expect((err as Error).message).not.toContain('hunter2');
    expect(() => loadConfig({ S3_ENDPOINT: 'http://minio:9000', S3_PREFIX: 'p' })).toThrow(/S3_ENDPOINT: only applies with S3_BUCKET[\s\S]*S3_PREFIX: only applies with S3_BUCKET/);
    expect(() => loadConfig({ S3_BUCKET: 'justif', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'x', S3_ENDPOINT: 'minio:9000' })).toThrow(/S3_ENDPOINT: must be a URL/);
  });

  it('.env.example documents every variable, and copied as it is gives a valid configuration', () => {
    const lines = readFileSync(new URL('../.env.example', import.meta.url), 'utf8').split('\n').filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l));
    const example = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(Object.keys(example).sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(loadConfig(example)).toEqual(loadConfig({}));
  });
});
