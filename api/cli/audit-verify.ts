// npm run audit:verify — recomputes every audit chain and checks every signed checkpoint.
// Exit 0 when all verify; 1 naming the first broken or missing event otherwise.
import { runCli } from './cli.ts';

await runCli(async (c) => {
  const r = await c.audit.verify();
  if (r.ok) {
    console.log(`OK: ${r.chains} chain(s), ${r.events} event(s), ${r.checkpoints} checkpoint(s) verified (key ${c.signingKey.keyId})`);
    return 0;
  }
  console.error(`BROKEN: ${r.problem}`);
  return 1;
});
