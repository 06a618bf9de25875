import type { Response } from 'express';
import { z } from 'zod';
import type { Container } from '../../container.ts';
import type { Principal } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import { route } from '../../http/routes.ts';
import { SESSION_COOKIE } from '../../http/auth.ts';
import { authRepository } from './auth.repository.ts';
import type { NewSession } from './auth.service.ts';
import { Forgot, Login, Providers, SessionView, SetPassword, TokenParams, UpdateMe } from './auth.schemas.ts';
import { OidcError } from './oidc.ts';

async function sessionView(c: Container, p: Principal) {
  const t = p.tenantId ? await authRepository.tenant(c.db.kysely, p.tenantId) : undefined;
  return {
    user: { id: p.userId, email: p.email, name: p.name, roles: p.roles, tenantId: p.tenantId, locale: p.locale },
    tenant: t ? await tenantView(c, p, t) : null,
    legal: p.via === 'api_token' ? { pending: [], upcoming: [] } : await legalView(c, p.userId),
    csrfToken: p.csrfToken ?? '',
  };
}

async function legalView(c: Container, userId: string) {
  const { pending, upcoming } = await c.legal.sessionInfo(userId);
  return { pending: pending.map(({ document, id, version, appliesFrom, publishedAt, affectsProcessing, summary, sha256 }) => ({ document, id, version, appliesFrom, publishedAt, affectsProcessing, summary, sha256 })), upcoming };
}

async function tenantView(c: Container, p: Principal, t: NonNullable<Awaited<ReturnType<typeof authRepository.tenant>>>) {
  const standing = await c.dunning.standing(t.id);
  return {
    id: t.id, name: t.name, plan: t.plan, country: t.country, currency: t.currency,
    status: p.tenantStatus === 'suspended' ? ('suspended' as const) : t.status,
    termination: t.status === 'terminated' ? await c.contractEnd.clientView(t.id) : null,
    billingNotice: standing.suspendAt ? { suspended: standing.suspended, suspendAt: standing.suspendAt, amountDueMinor: standing.unpaid.reduce((a, u) => a + u.amountDueMinor, 0) } : null,
  };
}

function setSessionCookie(c: Container, res: Response, s: NewSession) {
  res.cookie(SESSION_COOKIE, s.token, { httpOnly: true, sameSite: 'lax', secure: c.config.publicUrl.startsWith('https:'), path: '/', expires: s.expiresAt });
}

/** The answer to a successful sign-in: the cookie, and the session as GET /session shows it. */
async function signedIn(c: Container, res: Response, session: Promise<NewSession>) {
  const s = await session;
  setSessionCookie(c, res, s);
  return sessionView(c, s.principal);
}

export const authRoutes = [
  route({
    method: 'get', path: '/session', tag: 'auth', summary: 'The signed-in user, their Client and the CSRF token', access: { kind: 'user' }, response: SessionView,
    handler: async (_i, ctx, c) => sessionView(c, ctx.principal),
  }),
  route({
    method: 'post', path: '/auth/login', tag: 'auth', summary: 'Sign in with email and password', access: { kind: 'public' }, body: Login, response: SessionView,
    handler: async ({ body }, ctx, c) => signedIn(c, ctx.res, c.auth.login(body.email, body.password, ctx.actor)),
  }),
  route({
    method: 'post', path: '/auth/logout', tag: 'auth', summary: 'Sign out (ends the session)', access: { kind: 'user' },
    handler: async (_i, ctx, c) => {
      await c.auth.logout(ctx.principal, ctx.actor);
      ctx.res.clearCookie(SESSION_COOKIE, { path: '/' });
    },
  }),
  route({
    method: 'post', path: '/auth/password/forgot', tag: 'auth', summary: 'Email a single-use password-reset link (always 202)', access: { kind: 'public' }, body: Forgot, status: 202,
    handler: async ({ body }, ctx, c) => {
      await c.auth.requestPasswordReset(body.email, ctx.actor);
      return { status: 'accepted' };
    },
  }),
  route({
    method: 'post', path: '/auth/password/reset', tag: 'auth', summary: 'Set a new password with a reset link; ends all sessions', access: { kind: 'public' }, body: SetPassword,
    handler: async ({ body }, ctx, c) => c.auth.resetPassword(body.token, body.password, ctx.actor),
  }),
  route({
    method: 'get', path: '/auth/password/reset/:token', tag: 'auth', summary: 'Whether a password-reset link is still valid (404 if not)', access: { kind: 'public' }, params: TokenParams,
    response: z.object({ email: z.string() }),
    handler: async ({ params }, _ctx, c) => c.auth.resetLink(params.token),
  }),
  route({
    method: 'get', path: '/auth/invitations/:token', tag: 'auth', summary: 'Who an invitation is for', access: { kind: 'public' }, params: TokenParams,
    handler: async ({ params }, _ctx, c) => c.auth.invitation(params.token),
  }),
  route({
    method: 'post', path: '/auth/invitations/accept', tag: 'auth', summary: 'Accept an invitation by setting a password; signs in', access: { kind: 'public' }, body: SetPassword, response: SessionView,
    handler: async ({ body }, ctx, c) => signedIn(c, ctx.res, c.auth.acceptInvitation(body.token, body.password, ctx.actor)),
  }),
  route({
    method: 'get', path: '/auth/providers', tag: 'auth', summary: 'Sign-in methods offered', access: { kind: 'public' },
    response: Providers,
    handler: async (_i, _ctx, c) => ({ oidc: { enabled: !!c.oidc, label: c.oidc?.label ?? '' } }),
  }),
  route({
    method: 'get', path: '/auth/oidc/start', tag: 'auth', summary: 'Redirect to the OpenID Connect provider', access: { kind: 'public' }, raw: true,
    handler: async (_i, ctx, c) => {
      if (!c.oidc) throw new AppError('not-found', 'OpenID Connect sign-in is not configured');
      ctx.res.redirect(302, await c.oidc.start());
    },
  }),
  route({
    method: 'get', path: '/auth/oidc/callback', tag: 'auth', summary: 'Return from the OpenID Connect provider', access: { kind: 'public' }, raw: true,
    handler: async (_i, ctx, c) => {
      if (!c.oidc) throw new AppError('not-found', 'OpenID Connect sign-in is not configured');
      try {
        const s = await c.oidc.callback(new URL(ctx.req.originalUrl, c.config.publicUrl), ctx.actor);
        setSessionCookie(c, ctx.res, s);
        ctx.res.redirect(302, '/');
      } catch (e) {
        if (!(e instanceof OidcError)) throw e;
        c.log.warn({ reason: e.reason, err: e.message, requestId: ctx.info.requestId }, 'OIDC sign-in refused');
        ctx.res.redirect(302, `/signin?error=${e.reason}`);
      }
    },
  }),
  route({
    method: 'patch', path: '/me', tag: 'auth', summary: 'Update my name or language', access: { kind: 'user' }, body: UpdateMe, response: SessionView,
    handler: async ({ body }, ctx, c) => {
      await c.auth.updateProfile(ctx.principal, ctx.actor, body);
      return sessionView(c, { ...ctx.principal, ...body });
    },
  }),
];
