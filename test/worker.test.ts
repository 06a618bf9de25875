import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSlot, schedules } from '../worker/schedules.ts';
import { createTestContext, type TestContext } from './support/context.ts';
import { onPostgres } from './support/db.ts';
import { createTenantWithAdmin } from './support/factories.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe('schedules', () => {
  it('declares the hourly audit checkpoint, and running it signs the current heads', async () => {
    const s = schedules(ctx.c).find((x) => x.name === 'audit-checkpoint')!;
    expect(s.cron).toBe('0 * * * *');
    const t = await createTenantWithAdmin(ctx);
    await s.run(ctx.c);
    const cp = await ctx.c.db.kysely.selectFrom('audit_checkpoint').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(cp.heads.map((h) => h.chain)).toContain(t.tenantId);
    expect((await ctx.c.audit.verify()).ok).toBe(true);
  });

  it('a slot is claimed once, whatever the number of workers', async () => {
    const at = new Date('2026-11-22T10:00:00Z');
    const claims = await Promise.all(Array.from({ length: onPostgres ? 8 : 3 }, () => claimSlot(ctx.c, 'audit-checkpoint', at)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await claimSlot(ctx.c, 'audit-checkpoint', new Date('2026-11-22T11:00:00Z'))).toBe(true);
  });
});
