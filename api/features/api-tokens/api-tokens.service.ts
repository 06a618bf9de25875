// API tokens (R-CAP-3 channel "API", R-SEC-2): shown once, stored as SHA-256, scoped, revocable.
import { randomUUID } from 'node:crypto';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import type { Principal } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import { randomToken, sha256Hex } from '../../lib/secrets.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { API_TOKEN_PREFIX } from '../auth/auth.service.ts';

import type { ApiScope } from './api-tokens.schemas.ts';

const view = (t: { id: string; name: string; scopes: string[]; created_at: Date; last_used_at: Date | null; expires_at: Date | null; revoked_at: Date | null }) => ({
  id: t.id, name: t.name, scopes: t.scopes, createdAt: t.created_at.toISOString(), lastUsedAt: t.last_used_at?.toISOString() ?? null,
  expiresAt: t.expires_at?.toISOString() ?? null, revokedAt: t.revoked_at?.toISOString() ?? null,
});

export class ApiTokensService {
  constructor(private readonly d: { clock: Clock; audit: AuditService }) {}

  async list(tdb: TenantDb, p: Principal) {
    const rows = await tdb.selectFrom('api_token').selectAll().where('user_id', '=', p.userId).orderBy('created_at', 'desc').execute();
    return { items: rows.map(view) };
  }

  async create(tdb: TenantDb, p: Principal, actor: AuditActor, v: { name: string; scopes: ApiScope[]; expiresAt?: Date }) {
    if (v.expiresAt && v.expiresAt <= this.d.clock.now()) throw new AppError('validation', 'expiresAt must be in the future');
    const token = API_TOKEN_PREFIX + randomToken();
    const id = randomUUID();
    const scopes = [...new Set(v.scopes)].sort();
    const row = await tdb.transaction(async (tx) => {
      await tx.insertInto('api_token', { id, user_id: p.userId, name: v.name, token_hash: sha256Hex(token), scopes, expires_at: v.expiresAt ?? null }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'api_token.created', tenantId: tx.tenantId, target: { type: 'api_token', id }, data: { scopes } });
      return tx.selectFrom('api_token').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    });
    return { ...view(row), token };
  }

  async revoke(tdb: TenantDb, p: Principal, actor: AuditActor, id: string): Promise<void> {
    await tdb.transaction(async (tx) => {
      const r = await tx.updateTable('api_token').set({ revoked_at: this.d.clock.now() }).where('id', '=', id).where('user_id', '=', p.userId).where('revoked_at', 'is', null).returning('id').execute();
      if (r.length === 0) throw new AppError('not-found', 'No such active token');
      await this.d.audit.record(tx.raw, actor, { type: 'api_token.revoked', tenantId: tx.tenantId, target: { type: 'api_token', id }, data: {} });
    });
  }
}
