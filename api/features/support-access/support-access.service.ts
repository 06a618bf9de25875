// Vendor staff's access to a Client's data (§8.2.a: the processor acts only on the Client's
// instructions), free of HTTP. A Client's admin grants one vendor support agent (or operator) read
// access to named scopes of the Client's data, for a reason, until a time at most 7 days ahead; the
// admin may revoke it at once. The agent reads only under an active grant (not revoked, not expired
// by the app's clock) covering the scope; every such read is written to the Client's own audit
// chain, naming the agent, the grant, the scope and what was read. Without a grant the answer is
// the same 404 as for a Client that does not exist: vendor staff learn nothing, not even that a
// Client exists or has data, from a refused read.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { ACCESS_SCOPES, type AccessScope, type DB, type Row } from '../../../storage/db/schema.ts';
import { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError, type FieldError } from '../../http/errors.ts';
import type { Mailer } from '../../infra/mailer.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';

export const MAX_GRANT_DAYS = 7;
const DAY = 24 * 3_600_000;
/** The vendor roles that may be granted access. */
const GRANTEE_ROLES = ['support_agent', 'operator'] as const;

export type GrantStatus = 'active' | 'expired' | 'revoked';
export { ACCESS_SCOPES, type AccessScope };

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export class SupportAccessService {
  constructor(private readonly d: { db: Kysely<DB>; clock: Clock; audit: AuditService; mailer: Mailer; publicUrl: string }) {}

  private status(g: Pick<Row<'access_grant'>, 'revoked_at' | 'expires_at'>): GrantStatus {
    if (g.revoked_at) return 'revoked';
    return new Date(g.expires_at) <= this.d.clock.now() ? 'expired' : 'active';
  }

  /** The vendor's active support agents (and operators), whom a Client's admin may grant access to. */
  async agents() {
    const rows = await this.d.db.selectFrom('app_user as u').innerJoin('user_role as r', 'r.user_id', 'u.id')
      .select(['u.id', 'u.name', 'u.email', 'r.role'])
      .where('u.tenant_id', 'is', null).where('r.tenant_id', 'is', null).where('u.status', '=', 'active').where('r.role', 'in', [...GRANTEE_ROLES])
      .orderBy('u.name').orderBy('u.id').execute();
    const byId = new Map<string, { id: string; name: string; email: string; roles: string[] }>();
    for (const r of rows) {
      const a = byId.get(r.id) ?? { id: r.id, name: r.name, email: r.email, roles: [] };
      a.roles.push(r.role);
      byId.set(r.id, a);
    }
    return { items: [...byId.values()] };
  }

  private view(g: Row<'access_grant'> & { grantee_name: string; grantee_email: string }) {
    return {
      id: g.id, granteeId: g.grantee_id, granteeName: g.grantee_name, granteeEmail: g.grantee_email, scopes: g.scopes, reason: g.reason,
      createdBy: g.created_by, createdAt: iso(g.created_at)!, expiresAt: iso(g.expires_at)!, revokedAt: iso(g.revoked_at), revokedBy: g.revoked_by, status: this.status(g),
    };
  }

  /** The Client's grants, newest first, with who holds them and their status now. */
  async forClient(tdb: TenantDb) {
    const rows = await tdb.selectFrom('access_grant').innerJoin('app_user as u', 'u.id', 'access_grant.grantee_id')
      .selectAll('access_grant').select(['u.name as grantee_name', 'u.email as grantee_email'])
      .orderBy('access_grant.created_at', 'desc').limit(500).execute();
    return { items: rows.map((r) => this.view(r)), maxDays: MAX_GRANT_DAYS };
  }

  async create(tdb: TenantDb, actor: AuditActor, v: { granteeId: string; scopes: AccessScope[]; reason: string; expiresAt: Date }) {
    const now = this.d.clock.now();
    const errors: FieldError[] = [];
    const agent = (await this.agents()).items.find((a) => a.id === v.granteeId);
    if (!agent) errors.push({ path: 'body.granteeId', message: 'not an active support agent of the vendor' });
    if (v.expiresAt.getTime() <= now.getTime()) errors.push({ path: 'body.expiresAt', message: 'must be in the future' });
    else if (v.expiresAt.getTime() > now.getTime() + MAX_GRANT_DAYS * DAY) errors.push({ path: 'body.expiresAt', message: `at most ${MAX_GRANT_DAYS} days from now` });
    if (errors.length) throw new AppError('validation', 'The grant is not valid', { errors });
    const scopes = [...new Set(v.scopes)].sort((a, b) => ACCESS_SCOPES.indexOf(a) - ACCESS_SCOPES.indexOf(b));
    const id = randomUUID();
    const t = await this.d.db.selectFrom('tenant').select('name').where('id', '=', tdb.tenantId).executeTakeFirstOrThrow();
    const fr = await this.d.db.selectFrom('app_user').select('locale').where('id', '=', agent!.id).executeTakeFirst();
    await tdb.transaction(async (tx) => {
      await tx.insertInto('access_grant', { id, grantee_id: agent!.id, scopes, reason: v.reason, created_by: actor.userId!, created_at: now, expires_at: v.expiresAt, revoked_at: null, revoked_by: null }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'support_access.granted', tenantId: tdb.tenantId, target: { type: 'access_grant', id }, data: { granteeId: agent!.id, scopes, expiresAt: v.expiresAt.toISOString() } });
      const until = v.expiresAt.toISOString().slice(0, 16).replace('T', ' ');
      const link = `${this.d.publicUrl}/support`;
      await this.d.mailer.queue(tx.raw, fr?.locale === 'en'
        ? { to: agent!.email, subject: `Justif: ${t.name} granted you support access until ${until} UTC`, text: `${t.name} granted you read access to: ${scopes.join(', ')}, until ${until} UTC.\n\nReason:\n${v.reason}\n\nEvery read is recorded in the Client's audit log. ${link}` }
        : { to: agent!.email, subject: `Justif : ${t.name} vous donne un accès support jusqu’au ${until} UTC`, text: `${t.name} vous donne un accès en lecture à : ${scopes.join(', ')}, jusqu’au ${until} UTC.\n\nMotif :\n${v.reason}\n\nChaque lecture est inscrite au journal d’audit du Client. ${link}` });
    });
    await this.d.mailer.deliver();
    return this.one(tdb, id);
  }

  private async one(tdb: TenantDb, id: string) {
    const r = await tdb.selectFrom('access_grant').innerJoin('app_user as u', 'u.id', 'access_grant.grantee_id')
      .selectAll('access_grant').select(['u.name as grantee_name', 'u.email as grantee_email']).where('access_grant.id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('not-found', 'No such grant');
    return this.view(r);
  }

  /** Ends a grant at once (a grant already revoked or expired is left as it is). */
  async revoke(tdb: TenantDb, actor: AuditActor, id: string) {
    await tdb.transaction(async (tx) => {
      const g = await tx.selectFrom('access_grant').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!g) throw new AppError('not-found', 'No such grant');
      if (g.revoked_at) return;
      await tx.updateTable('access_grant').set({ revoked_at: this.d.clock.now(), revoked_by: actor.userId }).where('id', '=', id).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'support_access.revoked', tenantId: tdb.tenantId, target: { type: 'access_grant', id }, data: { granteeId: g.grantee_id, wasActive: this.status(g) === 'active' } });
    });
    return this.one(tdb, id);
  }

  /** The agent's active grants, soonest to expire first, with the Client's name. */
  async mine(agentId: string) {
    const rows = await this.d.db.selectFrom('access_grant as g').innerJoin('tenant as t', 't.id', 'g.tenant_id')
      .select(['g.id', 'g.tenant_id', 't.name as client_name', 'g.scopes', 'g.reason', 'g.created_at', 'g.expires_at'])
      .where('g.grantee_id', '=', agentId).where('g.revoked_at', 'is', null).where('g.expires_at', '>', this.d.clock.now())
      .orderBy('g.expires_at').execute();
    return { items: rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, clientName: r.client_name, scopes: r.scopes, reason: r.reason, createdAt: iso(r.created_at)!, expiresAt: iso(r.expires_at)! })) };
  }

  /** The agent's active grant for this Client covering this scope, or a 404 (no grant, no Client: the same answer). */
  async authorize(agentId: string, tenantId: string, scope: AccessScope): Promise<Row<'access_grant'>> {
    const g = await this.d.db.selectFrom('access_grant').selectAll()
      .where('grantee_id', '=', agentId).where('tenant_id', '=', tenantId).where('revoked_at', 'is', null)
      .where('expires_at', '>', this.d.clock.now()).where(sql<boolean>`${scope} = ANY(scopes)`)
      .orderBy('expires_at', 'desc').limit(1).executeTakeFirst();
    if (!g) throw new AppError('not-found', 'Not found');
    return g;
  }

  /**
   * One read under a grant: checks the grant, reads with a TenantDb of that Client, and records the
   * read in the Client's audit chain before the data is returned (no record, no data).
   */
  async read<T>(actor: AuditActor, tenantId: string, scope: AccessScope, resource: string, fn: (tdb: TenantDb) => Promise<T>, count: (r: T) => number): Promise<T> {
    const g = await this.authorize(actor.userId!, tenantId, scope);
    const result = await fn(new TenantDb(tenantId, this.d.db));
    await this.d.audit.record(this.d.db, actor, { type: 'support.read', tenantId, target: { type: 'access_grant', id: g.id }, data: { grantId: g.id, scope, resource, count: count(result) } });
    return result;
  }
}
