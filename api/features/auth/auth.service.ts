// Sign-in, sessions, single-use links and API-token resolution. No HTTP here: routes pass in
// the request facts and set cookies from what these methods return.
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../../storage/db/schema.ts';
import type { Clock } from '../../clock.ts';
import type { Principal } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import type { Mail, Mailer } from '../../infra/mailer.ts';
import type { RateLimiter } from '../../infra/rate-limiter.ts';
import { hashPassword, passwordProblems, verifyPassword } from '../../lib/password.ts';
import { randomToken, sha256Hex } from '../../lib/secrets.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { isSuspended } from '../billing/dunning.ts';
import { authRepository as repo, type UserWithRoles } from './auth.repository.ts';
import { invitationMail, resetMail } from './auth.mails.ts';

type Db = Kysely<DB> | Transaction<DB>;
export const API_TOKEN_PREFIX = 'jt_';
const INVITATION_DAYS = 7;
const RESET_MINUTES = 60;

export interface NewSession {
  token: string;
  principal: Principal;
  expiresAt: Date;
}

export interface AuthDeps {
  db: Kysely<DB>;
  clock: Clock;
  audit: AuditService;
  mailer: Mailer;
  loginLimiter: RateLimiter;
  /** Failed sign-ins per account per window; an address may fail ten times as often (shared NAT). */
  maxLoginAttempts: number;
  publicUrl: string;
  sessionTtlHours: number;
}

export class AuthService {
  constructor(private readonly d: AuthDeps) {}

  principalOf(u: UserWithRoles, via: Principal['via'], extra: Partial<Principal> = {}): Principal {
    // unpaid past the notice: suspended (R-BIL-5), whatever the Client's contract status
    const tenantStatus = u.tenant_status && u.tenant_status !== 'destroyed' && isSuspended(u.tenant_suspend_at, this.d.clock.now()) ? 'suspended' : u.tenant_status;
    return { via, userId: u.id, tenantId: u.tenant_id, tenantStatus, roles: u.roles, email: u.email, name: u.name, locale: u.locale, authMethod: via === 'api_token' ? 'api_token' : 'password', ...extra };
  }

  async login(email: string, password: string, actor: AuditActor): Promise<NewSession> {
    const { db, audit, loginLimiter } = this.d;
    const user = await repo.userByEmail(db, email);
    const tenantId = user?.tenant_id ?? null;
    const fail = async (reason: 'wrong_password' | 'unknown_account' | 'deactivated' | 'rate_limited') =>
      audit.record(db, { ...actor, userId: user?.id ?? null, label: email.toLowerCase() }, {
        type: 'auth.sign_in_failed', tenantId, outcome: 'failure', data: { reason }, ...(user ? { target: { type: 'user', id: user.id } } : {}),
      });
    // Both the account and the client address are limited, so neither guessing one account's
    // password nor spraying many accounts from one address gets far.
    const max = this.d.maxLoginAttempts;
    const keys: [string, number][] = [[`login:account:${email.toLowerCase()}`, max], [`login:ip:${actor.ip ?? 'unknown'}`, max * 10]];
    const waits = await Promise.all(keys.map(([k, m]) => loginLimiter.check(k, m)));
    const wait = Math.max(...waits);
    if (wait > 0) {
      await fail('rate_limited');
      throw new AppError('rate-limited', `Too many sign-in attempts. Try again in ${wait} seconds.`, { retryAfterSeconds: wait });
    }
    const ok = await verifyPassword(password, user?.password_hash ?? null);
    if (!user || !ok) {
      await Promise.all(keys.map(([k, m]) => loginLimiter.hit(k, m)));
      await fail(user ? 'wrong_password' : 'unknown_account');
      throw new AppError('invalid-credentials');
    }
    if (user.status !== 'active' || !(await this.tenantUsable(user.tenant_id))) {
      await fail('deactivated');
      throw new AppError('account-disabled');
    }
    return this.openSession(user, 'password', actor);
  }

  async tenantUsable(tenantId: string | null): Promise<boolean> {
    if (!tenantId) return true;
    const t = await repo.tenant(this.d.db, tenantId);
    // a terminated Client's users still sign in, to read and take their data away (read-only until the purge)
    return !!t && t.status !== 'destroyed';
  }

  /** Creates a session and records the sign-in in one transaction. */
  async openSession(user: UserWithRoles, method: 'password' | 'oidc' | 'invitation', actor: AuditActor, db: Db = this.d.db): Promise<NewSession> {
    const now = this.d.clock.now();
    const token = randomToken();
    const csrfToken = randomToken();
    const id = randomUUID();
    const expiresAt = new Date(now.getTime() + this.d.sessionTtlHours * 3_600_000);
    const run = async (trx: Transaction<DB>) => {
      await repo.insertSession(trx, { id, token_hash: sha256Hex(token), user_id: user.id, tenant_id: user.tenant_id, csrf_token: csrfToken, auth_method: method === 'oidc' ? 'oidc' : 'password', expires_at: expiresAt });
      await trx.updateTable('app_user').set({ last_sign_in_at: now }).where('id', '=', user.id).execute();
      await this.d.audit.record(trx, { ...actor, kind: 'user', userId: user.id, label: user.email }, { type: 'auth.signed_in', tenantId: user.tenant_id, data: { method } });
    };
    await (db.isTransaction ? run(db as Transaction<DB>) : (db as Kysely<DB>).transaction().execute(run));
    return { token, expiresAt, principal: this.principalOf(user, 'session', { sessionId: id, csrfToken, authMethod: method === 'oidc' ? 'oidc' : 'password' }) };
  }

  async logout(p: Principal, actor: AuditActor): Promise<void> {
    if (!p.sessionId) return;
    await this.d.db.transaction().execute(async (trx) => {
      await repo.revokeSession(trx, p.sessionId!, this.d.clock.now());
      await this.d.audit.record(trx, actor, { type: 'auth.signed_out', tenantId: p.tenantId, data: {} });
    });
  }

  async updateProfile(p: Principal, actor: AuditActor, v: { locale?: 'fr' | 'en'; name?: string }): Promise<void> {
    await this.d.db.transaction().execute(async (trx) => {
      await trx.updateTable('app_user').set({ ...v, updated_at: this.d.clock.now() }).where('id', '=', p.userId).execute();
      await this.d.audit.record(trx, actor, { type: 'profile.updated', tenantId: p.tenantId, target: { type: 'user', id: p.userId }, data: { fields: Object.keys(v).sort() } });
    });
  }

  /** The principal behind a session cookie, or undefined if it is unknown, expired or revoked. */
  async sessionPrincipal(token: string): Promise<Principal | undefined> {
    const { db, clock } = this.d;
    const now = clock.now();
    const s = await repo.activeSession(db, sha256Hex(token), now);
    if (!s) return undefined;
    const u = await repo.userById(db, s.user_id);
    if (!u || u.status !== 'active') return undefined;
    if (now.getTime() - s.last_seen_at.getTime() > 5 * 60_000) await repo.touchSession(db, s.id, now);
    return this.principalOf(u, 'session', { sessionId: s.id, csrfToken: s.csrf_token, authMethod: s.auth_method });
  }

  async apiTokenPrincipal(token: string): Promise<Principal | undefined> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
    const { db, clock } = this.d;
    const now = clock.now();
    const t = await repo.activeApiToken(db, sha256Hex(token), now);
    if (!t) return undefined;
    const u = await repo.userById(db, t.user_id);
    if (!u || u.status !== 'active' || u.tenant_id !== t.tenant_id) return undefined;
    if (!t.last_used_at || now.getTime() - t.last_used_at.getTime() > 60_000) await repo.touchApiToken(db, t.id, now);
    return this.principalOf(u, 'api_token', { tokenId: t.id, scopes: t.scopes });
  }

  /** Issues a single-use link and returns the mail to send after commit. */
  async issueInvitation(db: Db, user: { id: string; email: string; name: string; locale: 'fr' | 'en' }, tenantName: string): Promise<Mail> {
    const token = await this.issueToken(db, user.id, 'invitation', INVITATION_DAYS * 24 * 60);
    return invitationMail(user.locale, user.email, user.name, tenantName, `${this.d.publicUrl}/invitation/${token}`);
  }

  private async issueToken(db: Db, userId: string, purpose: 'invitation' | 'password_reset', minutes: number): Promise<string> {
    const now = this.d.clock.now();
    const token = randomToken();
    await repo.expireUserTokens(db, userId, purpose, now);
    await repo.insertUserToken(db, { id: randomUUID(), user_id: userId, purpose, token_hash: sha256Hex(token), expires_at: new Date(now.getTime() + minutes * 60_000) });
    return token;
  }

  /** Who an invitation is for; vendor staff (no Client) are invited to the vendor side. */
  async invitation(token: string): Promise<{ email: string; name: string; tenantName: string }> {
    const { db, clock } = this.d;
    const t = await repo.validUserToken(db, sha256Hex(token), 'invitation', clock.now());
    const u = t && (await repo.userById(db, t.user_id));
    const tenant = u?.tenant_id ? await repo.tenant(db, u.tenant_id) : undefined;
    if (!u || u.status !== 'invited' || (u.tenant_id && !tenant)) throw new AppError('not-found', 'This invitation is invalid, already used or expired.');
    return { email: u.email, name: u.name, tenantName: tenant?.name ?? 'Justif' };
  }

  /** Whether a reset link can still be used, so the page says so before a password is typed. */
  async resetLink(token: string): Promise<{ email: string }> {
    const { db, clock } = this.d;
    const t = await repo.validUserToken(db, sha256Hex(token), 'password_reset', clock.now());
    const u = t && (await repo.userById(db, t.user_id));
    if (!u || u.status !== 'active') throw new AppError('not-found', 'This reset link is invalid, already used or expired.');
    return { email: u.email };
  }

  /**
   * Sets a password through a single-use link: the rule is checked before the link is spent;
   * the link is consumed, the password stored and `then` run in one transaction.
   */
  private async setPasswordByLink<R>(token: string, password: string, purpose: 'invitation' | 'password_reset', then: (trx: Transaction<DB>, u: UserWithRoles, now: Date) => Promise<R>): Promise<R> {
    const weak = passwordProblems(password);
    if (weak) throw new AppError('weak-password', weak);
    const hash = await hashPassword(password);
    const { db, clock } = this.d;
    const expected = purpose === 'invitation' ? 'invited' : 'active';
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const t = await repo.validUserToken(trx, sha256Hex(token), purpose, now);
      const u = t && (await repo.userById(trx, t.user_id));
      if (!t || !u || u.status !== expected || !(await repo.consumeUserToken(trx, t.id, now))) throw new AppError('invalid-token');
      await trx.updateTable('app_user').set({ password_hash: hash, status: 'active', updated_at: now }).where('id', '=', u.id).where('status', '=', expected).execute();
      return then(trx, { ...u, status: 'active' }, now);
    });
  }

  acceptInvitation(token: string, password: string, actor: AuditActor): Promise<NewSession> {
    return this.setPasswordByLink(token, password, 'invitation', async (trx, u) => {
      await this.d.audit.record(trx, { ...actor, kind: 'user', userId: u.id, label: u.email }, { type: 'user.invitation_accepted', tenantId: u.tenant_id, target: { type: 'user', id: u.id }, data: {} });
      return this.openSession(u, 'invitation', actor, trx);
    });
  }

  /** Always succeeds from the caller's view, so it cannot be used to find accounts. */
  async requestPasswordReset(email: string, actor: AuditActor): Promise<void> {
    const { db } = this.d;
    const u = await repo.userByEmail(db, email);
    if (!u || u.status !== 'active') return;
    if ((await this.d.loginLimiter.hit(`reset:${u.id}`, this.d.maxLoginAttempts)) > 0) return; // no mail flood
    await db.transaction().execute(async (trx) => {
      const token = await this.issueToken(trx, u.id, 'password_reset', RESET_MINUTES);
      await this.d.audit.record(trx, { ...actor, label: email.toLowerCase() }, { type: 'auth.password_reset_requested', tenantId: u.tenant_id, target: { type: 'user', id: u.id }, data: {} });
      await this.d.mailer.queue(trx, resetMail(u.locale, u.email, u.name, `${this.d.publicUrl}/reset-password/${token}`));
    });
    await this.d.mailer.deliver();
  }

  resetPassword(token: string, password: string, actor: AuditActor): Promise<void> {
    return this.setPasswordByLink(token, password, 'password_reset', async (trx, u, now) => {
      // A reset ends every open session: whoever knew the old password is out.
      await repo.revokeUserSessions(trx, u.id, now);
      await this.d.audit.record(trx, { ...actor, kind: 'user', userId: u.id, label: u.email }, { type: 'auth.password_reset', tenantId: u.tenant_id, target: { type: 'user', id: u.id }, data: {} });
    });
  }
}
