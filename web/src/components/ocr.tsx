// Reading receipts (OCR) on screen: the status of an expense being read (a polite live region
// with a spinner, then what came of it), the mark beside a field read from the receipt — "to
// check" when OCR was not sure, in words and not by colour only — the badge of a list row, and
// following an expense while it is read (pushed by the server; polled where that cannot be).
import { useEffect, useRef, useState } from 'react';
import { api, ApiError, type Expense } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { fieldsToCheck, isReading, OCR_POLL_MS, OCR_SLOW_AFTER_MS, OCR_SLOW_POLL_MS, type OcrMark } from '../ocr.ts';
import { Badge } from './ui.tsx';

/**
 * Follows the expense while it is being read: the server pushes each new version (server-sent
 * events, GET /expenses/:id/events); where the stream cannot be opened (no EventSource, a proxy
 * that refuses it) it is asked again every OCR_POLL_MS, then every OCR_SLOW_POLL_MS. After
 * OCR_SLOW_AFTER_MS `slow` says that the reading takes long. Never once the page is left. `onExpense` gets each version and returns
 * false to stop following (for this `version`: a newer one starts again).
 */
export function useOcrLive(id: string, version: number | undefined, reading: boolean, onExpense: (e: Expense) => boolean | void): { slow: boolean } {
  const [polls, setPolls] = useState(0);
  const [slow, setSlow] = useState(false);
  const [stoppedAt, setStoppedAt] = useState<number | null>(null);
  const [pushed, setPushed] = useState<'trying' | 'failed'>(() => (typeof EventSource === 'function' ? 'trying' : 'failed'));
  const handler = useRef(onExpense);
  useEffect(() => {
    handler.current = onExpense;
  });
  const active = reading && version !== undefined && stoppedAt !== version;
  useEffect(() => {
    if (!active) return setSlow(false);
    const h = setTimeout(() => setSlow(true), OCR_SLOW_AFTER_MS);
    return () => clearTimeout(h);
  }, [active]);
  // Pushed: one stream while active. The browser reconnects by itself after a network error;
  // a stream it gives up on (CLOSED: refused, not an event stream) falls back to polling.
  useEffect(() => {
    if (!active || pushed !== 'trying') return;
    const es = new EventSource(`/api/v1/expenses/${encodeURIComponent(id)}/events`);
    const stop = () => (es.close(), setStoppedAt(version!));
    es.addEventListener('expense', (m) => {
      if (handler.current(JSON.parse((m as MessageEvent<string>).data) as Expense) === false) stop();
    });
    es.addEventListener('gone', stop);
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) setPushed('failed');
    };
    return () => es.close();
  }, [id, version, active, pushed]);
  useEffect(() => {
    if (!active || pushed !== 'failed') return;
    let live = true;
    const ctl = new AbortController();
    const h = setTimeout(
      () => {
        api.get<Expense>(`/expenses/${encodeURIComponent(id)}`, { signal: ctl.signal }).then(
          (e) => {
            if (!live) return;
            if (handler.current(e) === false) setStoppedAt(version!);
            setPolls((n) => n + 1);
          },
          (err: unknown) => {
            if (!live) return;
            // Gone or no longer ours: stop. Anything else (network): try again at the next tick.
            if (err instanceof ApiError && (err.status === 403 || err.status === 404)) setStoppedAt(version!);
            setPolls((n) => n + 1);
          },
        );
      },
      slow ? OCR_SLOW_POLL_MS : OCR_POLL_MS,
    );
    return () => {
      live = false;
      clearTimeout(h);
      ctl.abort();
    };
  }, [id, version, active, polls, pushed, slow]);
  return { slow: active && slow };
}

/**
 * Where the reading of an expense's receipts stands, in a polite live region that is always there
 * for a receipt expense (so that the change from "reading" to its outcome is announced).
 * `where`: on the expense page, or above the edit form (which takes the fields in as they come).
 */
export function OcrStatus({ expense: e, editable, slow, where }: { expense: Expense; editable: boolean; slow?: boolean; where: 'detail' | 'form' }) {
  const { t } = useI18n();
  let body = null;
  if (isReading(e)) {
    body = (
      <div className="alert alert--info ocr-status ocr-status--reading">
        <span className="spinner" aria-hidden="true" />
        <div>
          <p className="alert__title">{t('ocr.reading')}</p>
          <p className="alert__extra">{t(where === 'form' ? 'ocr.reading.form' : 'ocr.reading.hint')}</p>
          {slow && <p className="alert__extra">{t('ocr.slow')}</p>}
        </div>
      </div>
    );
  } else if (e.kind === 'receipt' && e.ocr.status === 'failed') {
    body = (
      <div className="alert alert--warning ocr-status ocr-status--failed">
        <WarnIcon />
        <div>
          <p className="alert__title">{t('ocr.failed')}</p>
          {editable && <p className="alert__extra">{t(where === 'form' ? 'ocr.failed.form' : 'ocr.failed.hint')}</p>}
        </div>
      </div>
    );
  } else if (e.kind === 'receipt' && e.ocr.status === 'done' && e.ocr.fields.length > 0) {
    const toCheck = fieldsToCheck(e).length;
    body = (
      <div className="alert alert--info ocr-status ocr-status--done">
        <ScanIcon />
        <div>
          <p className="alert__title">{t('ocr.done')}</p>
          {toCheck > 0 && <p className="alert__extra">{t('ocr.done.check', { count: toCheck })}</p>}
        </div>
      </div>
    );
  }
  return (
    <div role="status" aria-live="polite" className="live" data-testid="ocr-status">
      {body}
    </div>
  );
}

/** Beside a field: read from the receipt, or read and to check (icon, words and a dashed outline). */
export function OcrTag({ mark }: { mark: OcrMark }) {
  const { t } = useI18n();
  if (!mark) return null;
  return (
    <span className={`ocr-mark ocr-mark--${mark}`} data-ocr={mark}>
      {mark === 'check' ? <WarnIcon /> : <ScanIcon />}
      <span>{t(mark === 'check' ? 'ocr.mark.check' : 'ocr.mark.read')}</span>
    </span>
  );
}

/** The class of a form field by its mark (the input is outlined; the words are in its hint). */
export const ocrFieldClass = (mark: OcrMark): string | undefined => (mark ? `field--ocr field--ocr-${mark}` : undefined);

/** In a list row: the receipt is being read, or could not be. */
export function OcrBadge({ expense: e }: { expense: Expense }) {
  const { t } = useI18n();
  if (e.kind !== 'receipt') return null;
  if (isReading(e))
    return (
      <span title={t('ocr.reading')} className="ocr-badge">
        <Badge tone="blue">{t('ocr.badge.reading')}</Badge>
      </span>
    );
  if (e.ocr.status === 'failed')
    return (
      <span title={t('ocr.failed')} className="ocr-badge">
        <Badge tone="amber">{t('ocr.badge.failed')}</Badge>
      </span>
    );
  return null;
}

export function ScanIcon() {
  return (
    <svg className="ocr-icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path d="M4 8V5a1 1 0 0 1 1-1h3M16 4h3a1 1 0 0 1 1 1v3M20 16v3a1 1 0 0 1-1 1h-3M8 20H5a1 1 0 0 1-1-1v-3M8 9h8M8 12h8M8 15h5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
    </svg>
  );
}

export function WarnIcon() {
  return (
    <svg className="ocr-icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path d="M12 3.5 2.5 20h19L12 3.5z" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
      <path d="M12 10v4.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      <circle cx="12" cy="17.3" r="1.1" fill="currentColor" />
    </svg>
  );
}
