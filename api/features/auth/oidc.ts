// "Sign in with Google" — any OpenID Connect provider, configured by issuer URL + client.
// An identity is linked to a user only through a verified email of a user an admin invited.
import * as oidc from 'openid-client';
import type { Kysely } from 'kysely';
import type { DB } from '../../../storage/db/schema.ts';
import type { Clock } from '../../clock.ts';
import { randomToken } from '../../lib/secrets.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { authRepository as repo } from './auth.repository.ts';
import type { AuthService, NewSession } from './auth.service.ts';

export interface OidcSettings {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  label: string;
}

export type OidcFailure = 'oidc_failed' | 'oidc_unlinked' | 'oidc_unverified_email' | 'oidc_deactivated';
export class OidcError extends Error {
  constructor(readonly reason: OidcFailure, detail: string) {
    super(detail);
  }
}

export class OidcService {
  #config: Promise<oidc.Configuration> | undefined;
  constructor(
    private readonly s: OidcSettings,
    private readonly d: { db: Kysely<DB>; clock: Clock; auth: AuthService; audit: AuditService; redirectUri: string },
  ) {}

  get label(): string {
    return this.s.label;
  }

  private config(): Promise<oidc.Configuration> {
    // Discovery once; a failure is not cached, so the next sign-in tries again.
    this.#config ??= oidc
      .discovery(new URL(this.s.issuerUrl), this.s.clientId, this.s.clientSecret, undefined, {
        ...(new URL(this.s.issuerUrl).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .catch((e) => {
        this.#config = undefined;
        throw e;
      });
    return this.#config;
  }

  async start(): Promise<string> {
    const config = await this.config();
    const state = randomToken();
    const nonce = randomToken();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    await repo.insertOidcLogin(this.d.db, { state, nonce, code_verifier: codeVerifier, expires_at: new Date(this.d.clock.now().getTime() + 10 * 60_000) });
    return oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: this.d.redirectUri,
        scope: 'openid email profile',
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      })
      .toString();
  }

  async callback(currentUrl: URL, actor: AuditActor): Promise<NewSession> {
    const { db, clock, audit, auth } = this.d;
    const state = currentUrl.searchParams.get('state') ?? '';
    const pending = await repo.takeOidcLogin(db, state, clock.now());
    if (!pending) throw new OidcError('oidc_failed', 'unknown or expired sign-in attempt');
    let claims: oidc.IDToken;
    let profile: oidc.IDToken | oidc.UserInfoResponse;
    try {
      const config = await this.config();
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: pending.code_verifier, expectedState: pending.state, expectedNonce: pending.nonce });
      claims = tokens.claims() ?? (() => { throw new Error('no ID token'); })();
      // Google puts the email in the ID token; providers that follow the core spec strictly only
      // give it at the userinfo endpoint (bound to the same subject).
      profile = typeof claims.email === 'string' ? claims : await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    } catch (e) {
      throw new OidcError('oidc_failed', (e as Error).message);
    }
    const issuer = claims.iss;
    const known = await repo.identity(db, issuer, claims.sub);
    const email = typeof profile.email === 'string' ? profile.email : undefined;
    // Without a linked identity, the email points at the account — but is trusted only once the
    // provider has verified it. An unverified match is still recorded in that Client's log.
    const byEmail = !known && email ? await repo.userByEmail(db, email) : undefined;
    const user = known ? await repo.userById(db, known.user_id) : profile.email_verified === true ? byEmail : undefined;
    const fail = async (reason: Exclude<OidcFailure, 'oidc_failed'>, detail: string, who = user) => {
      await audit.record(db, { ...actor, label: email ?? null, userId: who?.id ?? null }, {
        type: 'auth.sign_in_failed', tenantId: who?.tenant_id ?? null, outcome: 'failure', data: { reason }, ...(who ? { target: { type: 'user', id: who.id } } : {}),
      });
      return new OidcError(reason, detail);
    };
    if (!user) {
      if (!email) throw await fail('oidc_unlinked', 'the provider gave no email');
      if (profile.email_verified !== true) throw await fail('oidc_unverified_email', 'the provider has not verified this email', byEmail);
      throw await fail('oidc_unlinked', 'no invited user has this email');
    }
    if (user.status === 'deactivated' || !(await auth.tenantUsable(user.tenant_id))) throw await fail('oidc_deactivated', 'account deactivated');
    const linked = user;
    return db.transaction().execute(async (trx) => {
      const who = { ...actor, kind: 'user' as const, userId: linked.id, label: linked.email };
      if (!known) {
        await repo.insertIdentity(trx, { issuer, subject: claims.sub, user_id: linked.id });
        await audit.record(trx, who, { type: 'auth.identity_linked', tenantId: linked.tenant_id, target: { type: 'user', id: linked.id }, data: { issuer } });
      }
      if (linked.status === 'invited') {
        // Signing in through the provider with the invited, verified email accepts the invitation.
        const now = clock.now();
        await trx.updateTable('app_user').set({ status: 'active', updated_at: now }).where('id', '=', linked.id).execute();
        await trx.updateTable('user_token').set({ used_at: now }).where('user_id', '=', linked.id).where('purpose', '=', 'invitation').where('used_at', 'is', null).execute();
        await audit.record(trx, who, { type: 'user.invitation_accepted', tenantId: linked.tenant_id, target: { type: 'user', id: linked.id }, data: {} });
      }
      return auth.openSession({ ...linked, status: 'active' }, 'oidc', actor, trx);
    });
  }
}
