// Routes are declared as data: method, path, who may call, zod schemas, handler. The same
// declarations register the Express handlers, generate /api/v1/openapi.json and drive the
// generated isolation test — a route cannot be added without being in all three.
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { ClientRole, Role, VendorRole } from '../../storage/db/schema.ts';
import { TenantDb } from '../../storage/db/tenant-db.ts';
import { actorOf, type Principal, type RequestInfo } from '../context.ts';
import type { AuditActor } from '../features/audit/audit.service.ts';
import { AppError, type FieldError } from './errors.ts';
import type { Container } from '../container.ts';

export type Access =
  | { kind: 'public' }
  | { kind: 'user' }
  | { kind: 'client'; roles?: readonly ClientRole[] }
  | { kind: 'vendor'; roles: readonly VendorRole[] };

interface BaseCtx {
  info: RequestInfo;
  actor: AuditActor;
  req: Request;
  res: Response;
}
export type CtxFor<A extends Access> = A extends { kind: 'public' }
  ? BaseCtx & { principal?: Principal }
  : A extends { kind: 'client' }
    ? BaseCtx & { principal: Principal & { tenantId: string }; tenant: TenantDb }
    : BaseCtx & { principal: Principal };

type Schema = z.ZodType;
type Inferred<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteDef<A extends Access = Access, P extends Schema | undefined = any, Q extends Schema | undefined = any, B extends Schema | undefined = any> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  access: A;
  /** API-token scope that allows this route; without it, API tokens are refused. */
  scope?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Raw text bodies (CSV imports) instead of JSON. */
  bodyType?: 'json' | 'text/csv';
  response?: Schema;
  status?: number;
  /** Writes the response itself (redirects, files); the return value is ignored. */
  raw?: boolean;
  handler: (input: { params: Inferred<P>; query: Inferred<Q>; body: Inferred<B> }, ctx: CtxFor<A>, c: Container) => Promise<unknown>;
}

export function route<A extends Access, P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
  def: RouteDef<A, P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef;
}

export function zodErrors(e: z.ZodError, where: string): FieldError[] {
  return e.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message }));
}

function parse<S extends Schema | undefined>(schema: S, value: unknown, where: string): Inferred<S> {
  if (!schema) return undefined as Inferred<S>;
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError('validation', `Invalid ${where}`, { errors: zodErrors(r.error, where) });
  return r.data as Inferred<S>;
}

function checkAccess(def: RouteDef, p: Principal | undefined): void {
  const a = def.access;
  if (a.kind === 'public') return;
  if (!p) throw new AppError('unauthenticated');
  if (p.via === 'api_token' && (!def.scope || !p.scopes?.includes(def.scope)))
    throw new AppError('insufficient-scope', def.scope ? `This operation needs the scope "${def.scope}"` : 'This operation is not available to API tokens');
  const has = (roles: readonly Role[]) => roles.some((r) => p.roles.includes(r));
  if (a.kind === 'client' && (!p.tenantId || (a.roles && !has(a.roles)))) throw new AppError('forbidden');
  if (a.kind === 'vendor' && (p.tenantId || !has(a.roles))) throw new AppError('forbidden');
}

export function mount(router: Router, routes: RouteDef[], c: Container): void {
  for (const def of routes) {
    router[def.method](def.path, async (req: Request, res: Response) => {
      const principal = req.principal;
      const info: RequestInfo = req.info;
      const actor = actorOf(info, principal);
      try {
        checkAccess(def, principal);
      } catch (e) {
        if (e instanceof AppError && e.status === 403 && principal) {
          await c.audit.record(c.db.kysely, actor, {
            type: 'access.denied', tenantId: principal.tenantId, outcome: 'denied',
            data: { method: def.method.toUpperCase(), route: def.path, reason: e.code },
          });
        }
        throw e;
      }
      if (def.body && def.bodyType !== 'text/csv' && req.body === undefined && (req.headers['content-type'] !== undefined || !def.body.safeParse(undefined).success)) throw new AppError('unsupported-media-type', 'Send the body as application/json');
      if (def.bodyType === 'text/csv' && typeof req.body !== 'string') throw new AppError('unsupported-media-type', 'Send the file as text/csv');
      const input = { params: parse(def.params, req.params, 'params'), query: parse(def.query, req.query, 'query'), body: parse(def.body, req.body, 'body') };
      const ctx: any = { info, actor, req, res, principal };
      if (def.access.kind === 'client') ctx.tenant = new TenantDb(principal!.tenantId!, c.db.kysely);
      const result = await def.handler(input, ctx, c);
      if (def.raw || res.headersSent) return;
      if (result === undefined) res.status(def.status ?? 204).end();
      else res.status(def.status ?? 200).json(result);
    });
  }
}
