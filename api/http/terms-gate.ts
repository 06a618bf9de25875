// The terms of use and privacy notice in force must be accepted before using the app (R-GDPR-8): at
// first sign-in and after each new version. Until then a signed-in user may only see the session,
// read the documents, accept them, switch language or sign out; every other request answers 403
// `terms-acceptance-required`. Checked for every API request after sign-in (one small query).
// API tokens are not blocked: a machine cannot accept terms — the user who created the token did,
// and stays bound by them; the token goes on working across a new version.
import type { NextFunction, Request, Response } from 'express';
import type { LegalService } from '../features/legal/legal.service.ts';
import { AppError } from './errors.ts';

/** What a user may do before accepting (paths under /api/v1). */
const BEFORE_ACCEPTANCE: readonly [method: RegExp, path: RegExp][] = [
  [/^GET$/, /^\/session$/],
  [/^POST$/, /^\/auth\/logout$/],
  [/^PATCH$/, /^\/me$/], // the language switch: to read the texts in the other language
  [/^GET$/, /^\/legal\//],
  [/^POST$/, /^\/legal\/acceptances$/],
  [/^GET$/, /^\/public\//],
  [/^GET$/, /^\/openapi\.json$/],
];

export function termsGate(legal: LegalService) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const p = req.principal;
    if (!p || p.via === 'api_token' || BEFORE_ACCEPTANCE.some(([m, path]) => m.test(req.method) && path.test(req.path))) return next();
    const pending = await legal.pending(p.userId);
    if (pending.length)
      throw new AppError('terms-acceptance-required', `Accept the ${pending.map((x) => (x.document === 'terms' ? 'terms of use' : 'privacy notice')).join(' and ')} in force (version ${pending.map((x) => x.version).join(', ')}) first: POST /api/v1/legal/acceptances`, { pending });
    next();
  };
}
