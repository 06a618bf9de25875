// A worker process: runs the schedule (and, from the OCR issue on, claims queued jobs).
// Any number of them may run against one PostgreSQL.
import { loadConfig, ConfigError } from '../api/config.ts';
import { createContainer, type Container } from '../api/container.ts';
import { startSchedules } from './schedules.ts';

export function startWorker(c: Container): () => Promise<void> {
  const stop = startSchedules(c);
  c.log.info('worker started (schedules: audit checkpoint, mail delivery)');
  return async () => stop();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const config = loadConfig();
    if (!config.database.url) {
      console.error('npm run worker needs DATABASE_URL: the embedded database is single-process, and `npm start` already runs the worker in the API process.');
      process.exit(2);
    }
    const c = await createContainer(config);
    const stop = startWorker(c);
    const shutdown = async () => {
      await stop();
      await c.close();
      process.exit(0);
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(1);
  }
}
