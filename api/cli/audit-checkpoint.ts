// npm run audit:checkpoint — signs every audit chain head now (the worker does it hourly).
import { runCli } from './cli.ts';

await runCli(async (c) => {
  const cp = await c.audit.checkpoint();
  console.log(`checkpoint #${cp.id} signed: ${cp.heads.map((h) => `${h.chain}@${h.seq}`).join(', ') || 'no events yet'}`);
});
