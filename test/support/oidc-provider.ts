// A real OpenID Connect provider on loopback (the `oidc-provider` package, as certified by the
// OpenID Foundation) standing in for Google. Its login screen is replaced by an interaction
// handler that signs in whichever account the test chose, so no HTML form is scraped.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from './server.ts';

export interface OidcAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export async function startOidcProvider(opts: { redirectUri: string; clientId?: string; clientSecret?: string }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = opts.clientId ?? 'justif-test';
  const clientSecret = opts.clientSecret ?? 'justif-test-secret-0123456789';
  const accounts = new Map<string, OidcAccount>();
  let nextSub = '';
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [opts.redirectUri], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
    jwks: { keys: [{ ...jwk, kid: 'test', use: 'sig', alg: 'RS256' } as never] },
    findAccount: async (_ctx, sub) => (accounts.has(sub) ? { accountId: sub, claims: async () => ({ sub, ...accounts.get(sub) }) } : undefined),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['oidc-test-cookie-key'] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  });
  const server: Server = createServer(async (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      try {
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: nextSub, clientId: String(details.params.client_id) });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId: nextSub }, consent: { grantId } }, { mergeWithLastSubmission: false });
      } catch (e) {
        res.statusCode = 500;
        res.end(String(e));
      }
      return;
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', () => res()));
  return {
    issuer,
    clientId,
    clientSecret,
    /** Creates or changes an account at the provider. */
    account(sub: string, a: OidcAccount) {
      accounts.set(sub, a);
    },
    /** The account the next sign-in at the provider authenticates as. */
    signInAs(sub: string) {
      nextSub = sub;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * Plays the browser's part: follows the redirects from /auth/oidc/start through the provider,
 * keeping the provider's cookies, and returns the callback path on our side.
 */
export async function throughProvider(startLocation: string, ourOrigin: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = startLocation;
  for (let hop = 0; hop < 10 && !url.startsWith(ourOrigin); hop++) {
    const r = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of r.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    const next = r.headers.get('location');
    if (!next) throw new Error(`the provider stopped at ${url} with ${r.status}: ${(await r.text()).slice(0, 300)}`);
    url = new URL(next, url).toString();
  }
  const u = new URL(url);
  return u.pathname + u.search;
}
