// One error union, one status map, RFC 9457 problem+json. Unknown errors become a plain 500;
// their details go to the log only.
export const PROBLEMS = {
  'validation': [400, 'The request is not valid'],
  'malformed-json': [400, 'The request body is not valid JSON'],
  'invalid-token': [400, 'This link is invalid or has expired'],
  'weak-password': [400, 'The password is too weak'],
  'import-invalid': [400, 'The file has errors; nothing was imported'],
  'unauthenticated': [401, 'Sign-in required'],
  'payment-required': [402, 'Access is suspended: an invoice is unpaid'],
  'invalid-credentials': [401, 'Wrong email or password'],
  'account-disabled': [403, 'This account is deactivated'],
  'forbidden': [403, 'You are not allowed to do this'],
  'csrf': [403, 'Missing or wrong CSRF token'],
  'read-only': [403, 'The contract has ended: the Client\'s data can be read and downloaded, not changed'],
  'insufficient-scope': [403, 'The API token lacks the scope for this operation'],
  'terms-acceptance-required': [403, 'Accept the terms of use and privacy notice in force first'],
  'not-found': [404, 'Not found'],
  'conflict': [409, 'Conflict with the current state'],
  'stale-version': [409, 'Changed since you read it'],
  'invalid-transition': [409, 'Not possible in the expense\'s current state'],
  'acknowledgement-required': [409, 'The expense breaks policies: acknowledge them to approve'],
  'email-taken': [409, 'A user with this email already exists'],
  'plan-limit': [409, 'The plan\'s user limit is reached'],
  'last-admin': [409, 'A Client keeps at least one active admin'],
  'already-approved': [409, 'You approved this already: another person must'],
  'not-eligible': [409, 'Not eligible for destruction'],
  'nothing-to-export': [409, 'Nothing to export'],
  'siren-required': [409, 'The Client\'s SIREN is needed'],
  'company-account-required': [409, 'The company\'s own bank account is needed'],
  'not-due': [409, 'Not yet due'],
  'gone': [410, 'No longer available'],
  'payload-too-large': [413, 'The request body is too large'],
  'file-too-large': [413, 'The file is too large'],
  'too-many-files': [400, 'Too many files'],
  'unsupported-file': [415, 'This kind of file is not accepted'],
  'invalid-file': [422, 'The file is damaged or unsafe'],
  'unsupported-media-type': [415, 'Unsupported content type'],
  'rate-limited': [429, 'Too many attempts'],
  'internal': [500, 'Internal error'],
  'unavailable': [503, 'Service temporarily unavailable'],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof PROBLEMS;
export const PROBLEM_BASE = 'https://justif.app/problems/';

export interface FieldError {
  row?: number;
  column?: string;
  path?: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number; [member: string]: unknown } = {},
  ) {
    super(detail ?? PROBLEMS[code][1]);
  }
  get status(): number {
    return PROBLEMS[this.code][0];
  }
}

/** Extension members (RFC 9457 §3.2) beside the standard ones: `errors`, `currentStatus`… */
export function problemBody(code: ProblemCode, detail: string | undefined, requestId: string, extra: AppError['extra'] = {}) {
  const [status, title] = PROBLEMS[code];
  const { retryAfterSeconds: _retry, ...members } = extra;
  return { ...members, type: PROBLEM_BASE + code, title, status, ...(detail ? { detail } : {}), requestId };
}
