// Who is calling: a session cookie or a bearer API token. Cookie-authenticated writes must
// carry the session's CSRF token; API tokens are not sent automatically by browsers, so they
// need none.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Principal, RequestInfo } from '../context.ts';
import type { AuthService } from '../features/auth/auth.service.ts';
import { safeEqual } from '../lib/secrets.ts';
import { AppError } from './errors.ts';

export const SESSION_COOKIE = 'justif_sid';
/** Methods that change nothing: no CSRF token, and allowed to a read-only Client. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'express-serve-static-core' {
  interface Request {
    info: RequestInfo;
    principal?: Principal;
  }
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export function requestInfo(req: Request, res: Response, next: NextFunction): void {
  const given = req.header('x-request-id');
  const requestId = given && /^[\w.-]{8,100}$/.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', requestId);
  req.info = { requestId, ip: req.ip ?? null, userAgent: req.header('user-agent')?.slice(0, 500) ?? null };
  next();
}

export function authenticate(auth: AuthService) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.header('authorization');
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const p = m ? await auth.apiTokenPrincipal(m[1]!) : undefined;
      // A wrong token is an error, not an anonymous call: the client meant to authenticate.
      if (!p) throw new AppError('unauthenticated', 'Invalid, expired or revoked API token');
      req.principal = p;
      return next();
    }
    const sid = cookie(req, SESSION_COOKIE);
    if (sid) {
      const p = await auth.sessionPrincipal(sid);
      if (p) {
        if (!SAFE_METHODS.has(req.method) && !safeEqual(req.header('x-csrf-token') ?? '', p.csrfToken ?? '')) throw new AppError('csrf', 'Send the X-CSRF-Token header from GET /api/v1/session');
        req.principal = p;
      }
    }
    next();
  };
}
