// A real service for a test file: its own database, real config parsing, a fresh signing key.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import type { Clock } from '../../api/clock.ts';
import { loadConfig } from '../../api/config.ts';
import { createApp } from '../../api/app.ts';
import { createContainer, type Container } from '../../api/container.ts';
import { generateSigningKey } from '../../api/infra/signing-key.ts';
import { freshDb } from './db.ts';
import { PASSWORD } from './factories.ts';

export interface TestContext {
  c: Container;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

/** A clock tests can move. */
export function testClock(start = new Date()): Clock & { advance(ms: number): void } {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

export async function createTestContext(env: Record<string, string> = {}, opts: { clock?: Clock } = {}): Promise<TestContext> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'justif-')), PUBLIC_URL: 'http://localhost:3000', ...env });
  const c = await createContainer(config, { db: await freshDb(), signingKey: generateSigningKey(), clock: opts.clock });
  return { c, app: createApp(c), close: () => c.close() };
}

/** A supertest agent that keeps cookies and sends the CSRF token on writes once signed in. */
export class Client {
  readonly agent: ReturnType<typeof supertest.agent>;
  csrf = '';
  constructor(ctx: TestContext) {
    this.agent = supertest.agent(ctx.app);
  }
  get(path: string) {
    return this.agent.get(path);
  }
  post(path: string, body?: object | string, type = 'application/json') {
    const r = this.agent.post(path).set('X-CSRF-Token', this.csrf);
    return body === undefined ? r : r.type(type).send(body);
  }
  patch(path: string, body: object) {
    return this.agent.patch(path).set('X-CSRF-Token', this.csrf).send(body);
  }
  delete(path: string) {
    return this.agent.delete(path).set('X-CSRF-Token', this.csrf);
  }
  async login(email: string, password: string) {
    const r = await this.agent.post('/api/v1/auth/login').send({ email, password });
    if (r.status === 200) this.csrf = r.body.csrfToken;
    return r;
  }
}

/** A signed-in Client for a user with a password (fails the test if sign-in does not succeed). */
export async function signedIn(ctx: TestContext, user: { email: string; password?: string }, password = user.password ?? PASSWORD): Promise<Client> {
  const c = new Client(ctx);
  const r = await c.login(user.email, password);
  if (r.status !== 200) throw new Error(`sign-in of ${user.email} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return c;
}

/** The Client's categories and payment methods by code (the default set every Client starts with). */
export async function referencesOf(c: Client): Promise<{ cat: Record<string, string>; pay: Record<string, string> }> {
  const byCode = async (path: string) => Object.fromEntries((await c.get(path)).body.items.map((x: { code: string; id: string }) => [x.code, x.id])) as Record<string, string>;
  return { cat: await byCode('/api/v1/categories'), pay: await byCode('/api/v1/payment-methods') };
}
