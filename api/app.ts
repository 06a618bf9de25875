// createApp(container): the Express app, separate from listen() so tests drive it directly.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetrics } from './infra/metrics.ts';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { sql } from 'kysely';
import type { Container } from './container.ts';
import { allRoutes } from './features/index.ts';
import { tenantGate } from './http/tenant-gate.ts';
import { termsGate } from './http/terms-gate.ts';
import { authenticate, requestInfo } from './http/auth.ts';
import { AppError, problemBody } from './http/errors.ts';
import { openApiDocument } from './http/openapi.ts';
import { mount } from './http/routes.ts';

const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');

export function createApp(c: Container): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', c.config.trustProxy);
  app.set('query parser', 'simple');
  app.use(requestInfo);
  app.use(pinoHttp({ logger: c.log, genReqId: (req) => (req as Request).info.requestId, autoLogging: { ignore: (req) => req.url === '/healthz' } }));
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { 'default-src': ["'self'"], 'img-src': ["'self'", 'data:', 'blob:'], 'style-src': ["'self'", "'unsafe-inline'"], 'form-action': ["'self'", ...(c.config.oidc ? [new URL(c.config.oidc.issuerUrl).origin] : [])] } },
      strictTransportSecurity: c.config.publicUrl.startsWith('https:'),
    }),
  );

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  // Prometheus text format; meant for the deployment's scraper (keep it off the public proxy)
  const metrics = createMetrics(c.db.kysely);
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  app.get('/readyz', async (req, res) => {
    const [database, objects, vault] = await Promise.allSettled([sql`SELECT 1`.execute(c.db.kysely), c.objects.check(), c.vaultStore.check().then(() => c.vault.protection())]);
    if (database.status === 'fulfilled' && objects.status === 'fulfilled' && vault.status === 'fulfilled')
      // the vault's protection as detected from the storage itself (Object Lock or not), never assumed
      return void res.json({ status: 'ready', database: c.db.kind, objects: c.objects.kind, mail: c.mailer.kind, oidc: !!c.oidc, vault: { store: c.vaultStore.kind, protection: vault.value.mode, detail: vault.value.detail } });
    const down = [database.status === 'rejected' ? 'the database' : '', objects.status === 'rejected' ? 'the object store' : '', vault.status === 'rejected' ? 'the vault location' : ''].filter(Boolean).join(' and ');
    c.log.warn({ database, objects, vault }, 'readiness check failed');
    res.status(503).type('application/problem+json').json(problemBody('unavailable', `Not reachable: ${down}`, req.info.requestId));
  });

  const api = express.Router();
  const limit = `${c.config.bodyLimitKb}kb`;
  api.use(express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] }));
  api.use(express.text({ limit: '4mb', type: 'text/csv' })); // the ECB rate history is ~2 MB
  api.use(authenticate(c.auth));
  api.use(tenantGate);
  api.use(termsGate(c.legal));
  api.get('/openapi.json', (_req, res) => void res.json(openApiDocument(allRoutes)));
  mount(api, allRoutes, c);
  api.use((req) => {
    throw new AppError('not-found', `No route ${req.method} ${req.baseUrl}${req.path}`);
  });
  app.use('/api/v1', api);

  if (existsSync(WEB_DIST)) {
    // Vite names built assets by content hash: cache them for a year; the rest (favicon) an hour.
    app.use('/assets', express.static(join(WEB_DIST, 'assets'), { index: false, immutable: true, maxAge: '365d', fallthrough: false }));
    app.use(express.static(WEB_DIST, { index: false, maxAge: '1h' }));
    // Client-side routes (/signin, /invitation/…) all load the app shell.
    app.get(/^\/(?!api\/).*/, (_req, res) => res.sendFile(join(WEB_DIST, 'index.html')));
  }

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = req.info?.requestId ?? 'unknown';
    const e = toAppError(err);
    if (e.status >= 500) c.log.error({ err, requestId }, 'request failed');
    if (e.extra.retryAfterSeconds) res.setHeader('Retry-After', String(e.extra.retryAfterSeconds));
    if (res.headersSent) return void res.end();
    res.status(e.status).type('application/problem+json').json(problemBody(e.code, e.status >= 500 ? undefined : e.detail, requestId, e.status >= 500 ? {} : e.extra));
  });
  return app;
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const t = (err as { type?: string })?.type;
  if (t === 'entity.parse.failed') return new AppError('malformed-json', (err as Error).message);
  if (t === 'entity.too.large') return new AppError('payload-too-large');
  if (t === 'encoding.unsupported' || t === 'charset.unsupported') return new AppError('unsupported-media-type');
  if (isDbUnavailable(err)) return new AppError('unavailable', 'The database is not reachable; retry shortly');
  return new AppError('internal');
}

function isDbUnavailable(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001'].includes(code) || /Connection terminated|timeout exceeded when trying to connect/.test((err as Error)?.message ?? '');
}
