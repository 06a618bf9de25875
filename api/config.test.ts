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

  it('.env.example documents every variable, and copied as it is gives a valid configuration', () => {
    const lines = readFileSync(new URL('../.env.example', import.meta.url), 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l));
    const example = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(Object.keys(example).sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(loadConfig(example)).toEqual(loadConfig({}));
  });
});
