// Starts the HTTP server — and, on the embedded default (one process), the worker too.
import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { serverPidFile } from './cli/cli.ts';
import { loadConfig, ConfigError } from './config.ts';
import { createContainer } from './container.ts';
import { createApp } from './app.ts';
import { startWorker } from '../worker/main.ts';

async function main() {
  const config = loadConfig();
  const c = await createContainer(config);
  const app = createApp(c);
  const stopWorker = config.runWorker && !process.argv.includes('--no-worker') ? startWorker(c) : undefined;
  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((res, rej) => server.once('listening', res).once('error', rej));
  // Lets the npm run commands refuse to open the embedded database while we hold it.
  if (c.db.kind === 'pglite') writeFileSync(serverPidFile(config), String(process.pid));
  const users = await c.db.kysely.selectFrom('app_user').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const first = Number(users.n) === 0;
  // what protects the vault's objects, asked of the storage itself at start (also in /readyz)
  const vault = await c.vault.protection().catch((e: Error) => ({ mode: 'unknown', detail: `the vault location did not answer: ${e.message}` }));
  console.log(
    [
      '',
      `  Justif is running: ${config.publicUrl}`,
      `  database: ${c.db.kind === 'pglite' ? `embedded (${config.database.pgliteDir})` : 'PostgreSQL'} · mail: ${c.mailer.kind === 'outbox' ? 'outbox (npm run outbox)' : 'SMTP'}`,
      `  vault: ${c.vaultStore.kind} · ${vault.mode} — ${vault.detail}`,
      ...(first
        ? [
            '',
            `  First run — no users yet.${c.db.kind === 'pglite' ? ' Stop the server (Ctrl-C: the embedded database serves one process), then:' : ' In another terminal:'}`,
            '    • a demo Client:         npm run seed        (prints the sign-in emails and password)',
            '    • the first operator:    npm run operator:create -- you@example.com "Your Name"',
            '      (prints an invitation link; the operator then creates Clients and their first admin)',
            ...(c.db.kind === 'pglite' ? ['  and npm start again.'] : []),
          ]
        : []),
      '',
    ].join('\n'),
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    c.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    server.close(async () => {
      await stopWorker?.();
      await c.close();
      if (c.db.kind === 'pglite') rmSync(serverPidFile(config), { force: true });
      clearTimeout(force);
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
});
