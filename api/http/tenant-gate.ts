// What a Client's status lets its users do, checked once for every API request after sign-in.
// A terminated Client (R-REV-2) is read-only for the 30 days before its data is destroyed: reads and
// downloads go on, and so do the few writes that take data away or end a session; every other write
// is refused with a 403 `read-only` problem and changes nothing.
import type { NextFunction, Request, Response } from 'express';
import { SAFE_METHODS } from './auth.ts';
import { AppError } from './errors.ts';

/** Writes a terminated Client keeps (paths under /api/v1). */
const WHILE_TERMINATED: readonly [method: string, path: RegExp][] = [
  ['POST', /^\/auth\/logout$/],
  ['POST', /^\/exports\/full$/], // the reversibility export
  ['POST', /^\/exports\/receipts$/], // receipts as PDF or ZIP: a download
];

export function tenantGate(req: Request, _res: Response, next: NextFunction): void {
  const p = req.principal;
  if (p?.tenantStatus === 'terminated' && !SAFE_METHODS.has(req.method) && !WHILE_TERMINATED.some(([m, path]) => m === req.method && path.test(req.path)))
    throw new AppError('read-only', 'The contract has ended: this Client\u2019s data can be read and downloaded until its destruction, not changed');
  next();
}
