// Shared start-up for the npm run commands: configuration, and a guard for the embedded
// database, which one process at a time may open.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError, type Config } from '../config.ts';
import { createContainer, type Container } from '../container.ts';

export function serverPidFile(config: Config): string {
  return join(config.dataDir, 'server.pid');
}

function runningServerPid(config: Config): number | undefined {
  const f = serverPidFile(config);
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export async function runCli(fn: (c: Container) => Promise<number | void>): Promise<void> {
  let code = 0;
  try {
    const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
    const pid = !config.database.url ? runningServerPid(config) : undefined;
    if (pid) {
      console.error(`The embedded database is open in the running server (pid ${pid}); PGlite allows one process. Stop it first (its console also printed every mail), or run against PostgreSQL with DATABASE_URL.`);
      process.exit(2);
    }
    const c = await createContainer(config);
    try {
      code = (await fn(c)) ?? 0;
    } finally {
      await c.close();
    }
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : e);
    code = 1;
  }
  process.exit(code);
}
