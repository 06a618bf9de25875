// What a Client's status lets its users do, checked once for every API request after sign-in.
// A terminated Client (R-REV-2) is read-only for the 30 days before its data is destroyed: reads and
// downloads go on, and so do the few writes that take data away or end a session; every other write
// is refused with a 403 `read-only` problem and changes nothing.
// A suspended Client (an invoice unpaid 48 hours after its written notice, R-BIL-5) keeps none of
// its use: every request answers 402 `payment-required` — but sign-out and the session (so the web
// shows why), and for its admins the billing pages, the reversibility export and the GDPR tools,
// which suspension never blocks (R-BIL-5, §12). Nothing is deleted; payment lifts it at once.
import type { NextFunction, Request, Response } from 'express';
import { SAFE_METHODS } from './auth.ts';
import { AppError } from './errors.ts';

/** Writes a terminated Client keeps (paths under /api/v1). */
const WHILE_TERMINATED: readonly [method: string, path: RegExp][] = [
  ['POST', /^\/auth\/logout$/],
  ['POST', /^\/exports\/full$/], // the reversibility export
  ['POST', /^\/exports\/receipts$/], // receipts as PDF or ZIP: a download
];

/** What a suspended Client's users keep (paths under /api/v1). */
const WHILE_SUSPENDED: readonly [method: RegExp, path: RegExp][] = [
  [/^POST$/, /^\/auth\/logout$/],
  [/^GET$/, /^\/session$/],
];
/** …and its admins. */
const ADMIN_WHILE_SUSPENDED: readonly [method: RegExp, path: RegExp][] = [
  [/^(GET|POST)$/, /^\/billing(\/|$)/],
  [/^(GET|POST)$/, /^\/exports\/full(\/|$)/],
  [/^(GET|POST)$/, /^\/gdpr(\/|$)/],
];
const allowed = (rules: readonly [RegExp, RegExp][], req: Request) => rules.some(([m, path]) => m.test(req.method) && path.test(req.path));

export function tenantGate(req: Request, _res: Response, next: NextFunction): void {
  const p = req.principal;
  if (p?.tenantStatus === 'suspended' && !allowed(WHILE_SUSPENDED, req) && !(p.roles.includes('admin') && allowed(ADMIN_WHILE_SUSPENDED, req)))
    throw new AppError('payment-required', p.roles.includes('admin')
      ? 'Access is suspended: an invoice is unpaid. The billing page, the reversibility export and the GDPR tools remain open; payment lifts the suspension at once.'
      : 'Access to Justif is suspended for your company: an invoice is unpaid. Your administrator can settle it; your data is kept.');
  if (p?.tenantStatus === 'terminated' && !SAFE_METHODS.has(req.method) && !WHILE_TERMINATED.some(([m, path]) => m === req.method && path.test(req.path)))
    throw new AppError('read-only', 'The contract has ended: this Client\u2019s data can be read and downloaded until its destruction, not changed');
  next();
}
