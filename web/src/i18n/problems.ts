// API problems (RFC 9457) as friendly messages in the current language.
import type { ApiError } from '../api.ts';
import { isMessageKey, type Translate } from './index.tsx';

/** Codes whose server `detail` adds something the translated message does not say. */
const DETAIL_HELPS = new Set(['not-eligible', 'nothing-to-export', 'weak-password', 'validation', 'conflict', 'not-found', 'unsupported-media-type', 'malformed-json', 'payload-too-large', 'insufficient-scope', 'unsupported-file', 'invalid-file', 'file-too-large', 'too-many-files']);

export interface ProblemText {
  message: string;
  /** Secondary lines: the server's detail where useful, field errors, a reference for support. */
  extra: string[];
}

export function problemText(t: Translate, e: ApiError): ProblemText {
  const extra: string[] = [];
  let message: string;
  if (e.code === 'rate-limited' && e.retryAfter) {
    message = e.retryAfter > 90 ? t('problem.rate-limited.minutes', { minutes: Math.ceil(e.retryAfter / 60) }) : t('problem.rate-limited.seconds', { seconds: e.retryAfter });
  } else if (isMessageKey(`problem.${e.code}`)) {
    message = t(`problem.${e.code}` as Parameters<Translate>[0]);
  } else {
    message = t('problem.unknown', { status: e.status });
  }
  if (e.detail && DETAIL_HELPS.has(e.code) && !e.fieldErrors.length) extra.push(t('problem.serverSays', { detail: e.detail }));
  if (e.status >= 500 && e.requestId) extra.push(t('problem.reference', { requestId: e.requestId }));
  return { message, extra };
}
