// The approval workflow on screen: the live counts of my queues (pushed by the server, polled where
// the stream cannot be opened), policy violations in words, and the "Suivi" of an expense — its
// chain level by level, the signed decisions ("X for Y" under a delegation), the reason of a return
// or a rejection, and a verifier's corrections with their old and new values.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, type ApprovalCheck, type Expense, type Violation, type WorkflowCorrection, type WorkflowCounts, type WorkflowDecision, type WorkflowTimeline } from '../api.ts';
import { isMessageKey, useI18n, type Locale, type Translate } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { formatMinor, formatRateBp } from '../money.ts';
import { Link } from '../router.tsx';
import { hasRole, useSignedIn } from '../session.tsx';
import { WarnIcon } from './ocr.tsx';
import { Badge, ProblemBox } from './ui.tsx';

// Live counts ---------------------------------------------------------------------------------

/** How often the counts are asked for where the stream cannot be opened. */
export const COUNTS_POLL_MS = 30_000;

/**
 * The counts of the signed-in user's queues (to approve, to verify, verified): pushed by the server
 * (GET /workflow/events, `event: counts`); where the stream cannot be opened, GET /workflow/counts
 * every COUNTS_POLL_MS. `null` until the first answer, and when `enabled` is false.
 */
export function useLiveCounts(enabled: boolean): WorkflowCounts | null {
  const [counts, setCounts] = useState<WorkflowCounts | null>(null);
  const [pushed, setPushed] = useState<'trying' | 'failed'>(() => (typeof EventSource === 'function' ? 'trying' : 'failed'));
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled || pushed !== 'trying') return;
    const es = new EventSource('/api/v1/workflow/events');
    es.addEventListener('counts', (m) => {
      try {
        setCounts(JSON.parse((m as MessageEvent<string>).data) as WorkflowCounts);
      } catch {
        /* a broken message: the next one will do */
      }
    });
    // The server ends the stream every few minutes: the browser reconnects by itself. One it gives
    // up on (CLOSED: refused, not an event stream) falls back to polling.
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) setPushed('failed');
    };
    return () => es.close();
  }, [enabled, pushed]);
  useEffect(() => {
    if (!enabled || pushed !== 'failed') return;
    let live = true;
    const ctl = new AbortController();
    api.get<WorkflowCounts>('/workflow/counts', { signal: ctl.signal }).then(
      (c) => live && setCounts(c),
      () => undefined, // try again at the next tick
    );
    const h = setTimeout(() => setTick((n) => n + 1), COUNTS_POLL_MS);
    return () => {
      live = false;
      clearTimeout(h);
      ctl.abort();
    };
  }, [enabled, pushed, tick]);
  return enabled ? counts : null;
}

export const CountsContext = createContext<WorkflowCounts | null>(null);
/** The live counts the frame follows (null before the first answer). */
export const useCounts = () => useContext(CountsContext);

/** A count beside a navigation entry: the number, and its meaning for screen readers. */
export function NavCount({ n, label: text }: { n: number | null | undefined; label: string }) {
  if (!n) return null;
  return (
    <span className="nav-count-wrap">
      {' '}
      <span className="nav-count" data-testid="nav-count" aria-hidden="true">
        {n}
      </span>
      <span className="sr-only">{` (${text})`}</span>
    </span>
  );
}

// Violations ------------------------------------------------------------------------------------

export function violationText(t: Translate, v: Violation, currency: string, locale: Locale): string {
  const m = (n: number) => formatMinor(n, currency, locale);
  switch (v.code) {
    case 'over_expense_limit':
      return t('violation.over_expense_limit', { amount: m(v.amountMinor), limit: m(v.limitMinor) });
    case 'over_day_limit':
      return t('violation.over_day_limit', { total: m(v.dayTotalMinor), limit: m(v.limitMinor) });
    case 'receipt_missing':
      return t('violation.receipt_missing', { above: m(v.aboveMinor) });
    case 'weekend':
      return t('violation.weekend');
    case 'public_holiday':
      return t('violation.public_holiday', { name: v.name });
    case 'duplicate':
      return t(v.reason === 'same_file' ? 'violation.duplicate.same_file' : 'violation.duplicate.same_details');
    default:
      return (v as { code: string }).code;
  }
}

/** The policies an expense breaks (and its possible duplicates), as a warning list in words. */
export function Violations({ violations, currency, title }: { violations: Violation[]; currency: string; title?: string }) {
  const { t, locale } = useI18n();
  if (!violations.length) return null;
  return (
    <div className="alert alert--warning violations" data-testid="violations">
      <p className="alert__title">
        <WarnIcon /> {title ?? t('violations.title', { count: violations.length })}
      </p>
      <ul className="alert__list">
        {violations.map((v, i) => (
          <li key={i} data-violation={v.code}>
            {violationText(t, v, currency, locale)}
            {v.code === 'duplicate' && (
              <>
                {' '}
                <Link to={`/expenses/${v.expenseId}`}>{t('violation.duplicate.open')}</Link>
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

// The expense's "Suivi" ------------------------------------------------------------------------

const STEP_TONES: Record<string, 'green' | 'amber' | 'grey' | 'red' | 'blue'> = { approved: 'green', pending: 'blue', waiting: 'grey', voided: 'grey', rejected: 'red', returned: 'amber' };
const DECISION_TONES: Record<string, 'green' | 'amber' | 'grey' | 'red' | 'blue'> = { approved: 'green', verified: 'green', self_validated: 'green', rejected: 'red', returned: 'amber' };

/** The message of `key` when the catalogue has it, else `fallback` (a value of a newer API). */
const labelOr = (t: Translate, key: string, fallback: string) => (isMessageKey(key) ? t(key) : fallback);

/** "X", or "X pour Y" when X decided under Y's delegation. */
export function actorText(t: Translate, actor: { name: string } | null, onBehalfOf: { name: string } | null): string {
  if (!actor) return t('workflow.system');
  return onBehalfOf ? t('workflow.onBehalf', { actor: actor.name, manager: onBehalfOf.name }) : actor.name;
}

/** What a correction's value was or became, in words: a category by name, an amount, VAT lines. */
function correctionValue(t: Translate, c: WorkflowCorrection, value: unknown, currency: string, locale: Locale, categoryName: (id: string) => string): ReactNode {
  if (value === null || value === undefined) return t('common.none');
  if (c.field === 'categoryId' && typeof value === 'string') return categoryName(value) || t('common.none');
  if (c.field === 'amountMinor' && typeof value === 'number') return formatMinor(value, currency, locale);
  if (c.field === 'vatLines' && Array.isArray(value)) {
    if (!value.length) return t('correction.vat.none');
    return (
      <ul className="plain">
        {(value as { rateBp: number; baseMinor: number; vatMinor: number }[]).map((l, i) => (
          <li key={i}>{t('correction.vat.line', { rate: formatRateBp(l.rateBp, locale), base: formatMinor(l.baseMinor, currency, locale), vat: formatMinor(l.vatMinor, currency, locale) })}</li>
        ))}
      </ul>
    );
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What the status means for whoever reads the expense, from its timeline. */
function statusSentence(t: Translate, w: WorkflowTimeline): string {
  const pending = w.chain.find((s) => s.state === 'pending');
  switch (w.status) {
    case 'draft':
      return t('workflow.status.draft');
    case 'submitted':
      return pending ? t('workflow.status.submitted.by', { name: pending.approver.name, level: pending.level, levels: w.chain.length }) : t('workflow.status.submitted');
    case 'approved':
      return t('workflow.status.approved');
    case 'verified':
      return w.selfValidated ? t('workflow.status.selfValidated') : t('workflow.status.verified');
    case 'returned':
      return t('workflow.status.returned');
    case 'rejected':
      return t('workflow.status.rejected');
    default:
      return label(t, 'expenseStatus', w.status);
  }
}

/**
 * The "Suivi" of an expense (GET /expenses/:id/workflow), read again whenever `version` changes.
 * `categoryName` names the categories of corrections.
 */
export function WorkflowPanel({ expense, categoryName }: { expense: Expense; categoryName: (id: string) => string }) {
  const { t, locale, dateTime } = useI18n();
  const me = useSignedIn();
  const [w, setW] = useState<WorkflowTimeline | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api.get<WorkflowTimeline>(`/expenses/${encodeURIComponent(expense.id)}/workflow`).then(
      (x) => live && (setW(x), setError(null)),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [expense.id, expense.version]);

  const cur = expense.currency;
  return (
    <section className="card workflow" aria-labelledby="workflow-heading" data-testid="workflow">
      <h2 id="workflow-heading">{t('workflow.title')}</h2>
      <ProblemBox error={error instanceof ApiError && error.status === 404 ? null : error} />
      {!w && !error && <p className="muted">{t('common.loading')}</p>}
      {w && (
        <div className="stack stack--tight">
          <p className="workflow__status" data-testid="workflow-status">
            {statusSentence(t, w)}
          </p>
          {w.status === 'submitted' && w.chain.some((s) => s.state === 'pending' && s.approver.id === me.user.id) && expense.userId !== me.user.id && (
            <p>
              <Link className="btn btn--primary" to={`/approvals?expense=${encodeURIComponent(expense.id)}`}>
                {t('workflow.toDecide')}
              </Link>
            </p>
          )}
          {w.status === 'approved' && hasRole(me, 'verifier') && expense.userId !== me.user.id && (
            <p>
              <Link className="btn btn--primary" to={`/verifications?expense=${encodeURIComponent(expense.id)}`}>
                {t('workflow.toVerify')}
              </Link>
            </p>
          )}
          {w.statusComment && (w.status === 'returned' || w.status === 'rejected') && (
            <div className={`alert ${w.status === 'rejected' ? 'alert--error' : 'alert--warning'}`} data-testid="status-comment">
              <p className="alert__title">{t(w.status === 'rejected' ? 'workflow.reason.rejected' : 'workflow.reason.returned')}</p>
              <p className="alert__extra prewrap">{w.statusComment}</p>
            </div>
          )}
          <Violations violations={w.violations} currency={expense.clientCurrency} />
          {w.chain.length > 0 && (
            <div>
              <h3>{t('workflow.chain', { round: w.round })}</h3>
              <ol className="chain" data-testid="chain">
                {w.chain.map((s) => (
                  <li key={s.level} className={`chain__step chain__step--${s.state}`} data-state={s.state}>
                    <span className="chain__level">{t('workflow.level', { level: s.level })}</span>
                    <span className="chain__who">
                      <strong>{s.approver.name}</strong>
                      <span className="cell-sub">{s.reason === 'threshold' ? s.label : labelOr(t, `workflow.reason.${s.reason}`, s.label)}</span>
                    </span>
                    <Badge tone={STEP_TONES[s.state] ?? 'grey'}>{labelOr(t, `workflow.step.${s.state}`, s.state)}</Badge>
                    {s.decidedAt && <span className="cell-sub">{dateTime(s.decidedAt)}</span>}
                  </li>
                ))}
              </ol>
            </div>
          )}
          {w.decisions.length > 0 && (
            <div>
              <h3>{t('workflow.decisions')}</h3>
              <ul className="timeline" data-testid="decisions">
                {w.decisions.map((d) => (
                  <DecisionItem key={d.id} d={d} />
                ))}
              </ul>
            </div>
          )}
          {w.corrections.length > 0 && (
            <div>
              <h3>{t('workflow.corrections')}</h3>
              <ul className="timeline" data-testid="corrections">
                {w.corrections.map((c, i) => (
                  <li key={i} className="timeline__item" data-correction={c.field}>
                    <p>
                      <strong>{labelOr(t, `correction.field.${c.field}`, c.field)}</strong> — {t('workflow.by', { name: c.actor.name, date: dateTime(c.at) })}
                    </p>
                    <div className="change">
                      <div className="change__old">
                        <span className="change__label">{t('correction.old')}</span> <del>{correctionValue(t, c, c.old, cur, locale, categoryName)}</del>
                      </div>
                      <span aria-hidden="true" className="change__arrow">
                        →
                      </span>
                      <div className="change__new">
                        <span className="change__label">{t('correction.new')}</span> <ins>{correctionValue(t, c, c.new, cur, locale, categoryName)}</ins>
                      </div>
                    </div>
                    {c.comment && <p className="prewrap small">{t('workflow.comment', { comment: c.comment })}</p>}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {w.transitions.length > 0 && (
            <details className="history">
              <summary>{t('workflow.history')}</summary>
              <ul className="timeline">
                {w.transitions.map((x, i) => (
                  <li key={i} className="timeline__item">
                    <span>
                      {label(t, 'expenseStatus', x.from)} → {label(t, 'expenseStatus', x.to)}
                    </span>{' '}
                    <span className="muted small">{t('workflow.by', { name: actorText(t, x.actor, x.onBehalfOf), date: dateTime(x.at) })}</span>
                    {x.comment && <span className="cell-sub prewrap">{t('workflow.comment', { comment: x.comment })}</span>}
                  </li>
                ))}
              </ul>
            </details>
          )}
          {w.status === 'draft' && !w.decisions.length && !w.chain.length && <p className="muted small">{t('workflow.notSubmitted')}</p>}
        </div>
      )}
    </section>
  );
}

/** On the edit page of a returned expense: why it came back (the approver's or verifier's comment). */
export function ReturnReason({ expenseId }: { expenseId: string }) {
  const { t } = useI18n();
  const [comment, setComment] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.get<WorkflowTimeline>(`/expenses/${encodeURIComponent(expenseId)}/workflow`).then(
      (w) => live && setComment(w.status === 'returned' ? w.statusComment : null),
      () => undefined, // the form works without it
    );
    return () => {
      live = false;
    };
  }, [expenseId]);
  if (!comment) return null;
  return (
    <div className="alert alert--warning" data-testid="return-reason">
      <p className="alert__title">{t('workflow.reason.returned')}</p>
      <p className="alert__extra prewrap">{comment}</p>
      <p className="alert__extra">{t('workflow.returned.then')}</p>
    </div>
  );
}

function DecisionItem({ d }: { d: WorkflowDecision }) {
  const { t, dateTime } = useI18n();
  const [check, setCheck] = useState<ApprovalCheck | null>(null);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<unknown>(null);
  async function verify() {
    setChecking(true);
    setCheckError(null);
    try {
      setCheck(await api.get<ApprovalCheck>(`/approvals/${encodeURIComponent(d.id)}/check`));
    } catch (e) {
      setCheckError(e);
    } finally {
      setChecking(false);
    }
  }
  const intact = check && check.recordIntact && check.contentIntact;
  return (
    <li className={`timeline__item${d.voided ? ' timeline__item--voided' : ''}`} data-decision={d.decision}>
      <p>
        <Badge tone={d.voided ? 'grey' : (DECISION_TONES[d.decision] ?? 'grey')}>{labelOr(t, `decision.${d.decision}`, d.decision)}</Badge>{' '}
        {d.level !== null && <span className="muted">{t('workflow.level', { level: d.level })} · </span>}
        <strong data-testid="decision-actor">{actorText(t, d.actor, d.onBehalfOf)}</strong> <span className="muted small">{dateTime(d.at)}</span>
      </p>
      {d.comment && <p className="prewrap small">{t('workflow.comment', { comment: d.comment })}</p>}
      {d.acknowledged.length > 0 && <p className="small muted">{t('workflow.acknowledged', { count: d.acknowledged.length })}</p>}
      {d.voided && <p className="small muted">{t('workflow.voided', { reason: d.voided.reason ?? '', date: dateTime(d.voided.at) })}</p>}
      <p className="small">
        <button type="button" className="linklike" onClick={() => void verify()} disabled={checking} aria-describedby={`check-${d.id}`}>
          {checking ? t('common.loading') : t('check.run')}
        </button>
      </p>
      <div id={`check-${d.id}`} role="status" aria-live="polite" className="live small" data-testid="check">
        {checkError ? <span className="field__error">{t('check.failed')}</span> : null}
        {check && (
          <p>
            <Badge tone={intact ? (check.matchesExpense ? 'green' : 'amber') : 'red'}>{t(intact ? 'check.intact' : 'check.broken')}</Badge>{' '}
            {intact && (check.matchesExpense ? t('check.matches') : t('check.changed', { fields: check.changedFields.map((f) => (isMessageKey(`check.field.${f}`) ? t(`check.field.${f}` as Parameters<Translate>[0]) : f)).join(', ') }))}
          </p>
        )}
      </div>
    </li>
  );
}
