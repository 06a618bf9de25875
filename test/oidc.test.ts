// "Sign in with Google" through OpenID Connect, against a real provider on loopback
// (oidc-provider): authorization code + PKCE, state and nonce, ID token and userinfo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { Client, createTestContext, type TestContext } from './support/context.ts';
import { createTenantWithAdmin, createUser } from './support/factories.ts';
import { startOidcProvider, throughProvider } from './support/oidc-provider.ts';

const PUBLIC_URL = 'http://localhost:3000';
let op: Awaited<ReturnType<typeof startOidcProvider>>;
let ctx: TestContext;
let tenant: Awaited<ReturnType<typeof createTenantWithAdmin>>;
beforeAll(async () => {
  op = await startOidcProvider({ redirectUri: `${PUBLIC_URL}/api/v1/auth/oidc/callback` });
  ctx = await createTestContext({ PUBLIC_URL, OIDC_ISSUER_URL: op.issuer, OIDC_CLIENT_ID: op.clientId, OIDC_CLIENT_SECRET: op.clientSecret, OIDC_LABEL: 'Google' });
  tenant = await createTenantWithAdmin(ctx);
});
afterAll(async () => {
  await ctx.close();
  await op.stop();
});

/** A browser signing in as `sub` at the provider; returns the agent and our callback's answer. */
async function signIn(sub: string) {
  op.signInAs(sub);
  const browser = new Client(ctx);
  const start = await browser.get('/api/v1/auth/oidc/start');
  expect(start.status).toBe(302);
  const callback = await browser.get(await throughProvider(start.headers.location!, PUBLIC_URL));
  expect(callback.status).toBe(302);
  return { browser, location: callback.headers.location as string };
}

const users = () => ctx.c.db.kysely.selectFrom('app_user').select(['id', 'email', 'status']).execute();

describe('OpenID Connect sign-in', () => {
  it('offers the provider on the sign-in page', async () => {
    expect((await supertest(ctx.app).get('/api/v1/auth/providers')).body).toEqual({ oidc: { enabled: true, label: 'Google' } });
    const start = await supertest(ctx.app).get('/api/v1/auth/oidc/start');
    const url = new URL(start.headers.location!);
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(url.searchParams.get('nonce')).toBeTruthy();
  });

  it('an invited user with a verified email signs in, which accepts the invitation and links the identity', async () => {
    const admin = new Client(ctx);
    await admin.login(tenant.admin.email, 'Correct-Horse-42');
    const inv = await admin.post('/api/v1/users', { email: 'Invited.Person@Example.test', name: 'Invited Person', roles: ['employee'] });
    expect(inv.status).toBe(201);
    op.account('google-sub-1', { email: 'invited.person@example.test', email_verified: true, name: 'Invited P.' });
    const { browser, location } = await signIn('google-sub-1');
    expect(location).toBe('/');
    const s = await browser.get('/api/v1/session');
    expect(s.status).toBe(200);
    expect(s.body.user).toMatchObject({ id: inv.body.id, email: 'invited.person@example.test', tenantId: tenant.tenantId });
    expect((await users()).find((u) => u.id === inv.body.id)?.status).toBe('active');
    const identity = await ctx.c.db.kysely.selectFrom('user_identity').selectAll().where('user_id', '=', inv.body.id).executeTakeFirstOrThrow();
    expect(identity).toMatchObject({ issuer: op.issuer, subject: 'google-sub-1' });
    const signedIn = await ctx.c.db.kysely.selectFrom('audit_event').selectAll().where('type', '=', 'auth.signed_in').where('actor_id', '=', inv.body.id).execute();
    expect(signedIn.map((e) => e.data)).toContainEqual(expect.objectContaining({ method: 'oidc' }));
    // The invitation link is used up: the account now has one way in, through the provider.
    const mail = await ctx.c.db.kysely.selectFrom('user_token').select('used_at').where('user_id', '=', inv.body.id).executeTakeFirstOrThrow();
    expect(mail.used_at).not.toBeNull();
  });

  it('a linked identity signs in by its subject, even after the email changed at the provider', async () => {
    op.account('google-sub-1', { email: 'new-address@elsewhere.test', email_verified: true });
    const { browser, location } = await signIn('google-sub-1');
    expect(location).toBe('/');
    expect((await browser.get('/api/v1/session')).body.user.email).toBe('invited.person@example.test');
  });

  it('an unverified email is refused, links nothing and opens no session', async () => {
    const u = await createUser(ctx, tenant.tenantId, ['employee']);
    op.account('google-sub-2', { email: u.email, email_verified: false });
    const { browser, location } = await signIn('google-sub-2');
    expect(location).toBe('/signin?error=oidc_unverified_email');
    expect((await browser.get('/api/v1/session')).status).toBe(401);
    expect(await ctx.c.db.kysely.selectFrom('user_identity').selectAll().where('user_id', '=', u.id).execute()).toHaveLength(0);
    const failed = await ctx.c.db.kysely.selectFrom('audit_event').selectAll().where('type', '=', 'auth.sign_in_failed').where('actor_id', '=', u.id).execute();
    expect(failed.map((e) => e.data)).toContainEqual({ reason: 'oidc_unverified_email' });
  });

  it('an email nobody invited is refused: no account is ever created by the provider', async () => {
    const before = (await users()).length;
    op.account('google-sub-3', { email: 'stranger@example.test', email_verified: true });
    const { browser, location } = await signIn('google-sub-3');
    expect(location).toBe('/signin?error=oidc_unlinked');
    expect((await browser.get('/api/v1/session')).status).toBe(401);
    expect((await users()).length).toBe(before);
  });

  it('a deactivated user is refused', async () => {
    const u = await createUser(ctx, tenant.tenantId, ['employee']);
    await ctx.c.db.kysely.updateTable('app_user').set({ status: 'deactivated' }).where('id', '=', u.id).execute();
    op.account('google-sub-4', { email: u.email, email_verified: true });
    const { location } = await signIn('google-sub-4');
    expect(location).toBe('/signin?error=oidc_deactivated');
  });

  it('a replayed or forged callback is refused', async () => {
    op.signInAs('google-sub-1');
    const browser = new Client(ctx);
    const start = await browser.get('/api/v1/auth/oidc/start');
    const callbackPath = await throughProvider(start.headers.location!, PUBLIC_URL);
    expect((await browser.get(callbackPath)).headers.location).toBe('/');
    const replay = await new Client(ctx).get(callbackPath);
    expect(replay.headers.location).toBe('/signin?error=oidc_failed');
    const forged = await new Client(ctx).get('/api/v1/auth/oidc/callback?code=made-up&state=made-up');
    expect(forged.headers.location).toBe('/signin?error=oidc_failed');
  });
});

describe('without OIDC configured', () => {
  it('offers no provider and the OIDC routes are 404', async () => {
    const plain = await createTestContext();
    try {
      expect((await supertest(plain.app).get('/api/v1/auth/providers')).body.oidc.enabled).toBe(false);
      expect((await supertest(plain.app).get('/api/v1/auth/oidc/start')).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
