// "À approuver" (managers, and whoever approves under a delegation): the queue, oldest first, with
// its live count; the expense opened beside it — receipt in the viewer next to its fields, its
// violations and possible duplicates — to approve (with an explicit acknowledgement when it breaks
// a policy), return or reject with a comment; several approved at once with a result per expense.
import { useEffect, useId, useState } from 'react';
import { api, ApiError, type BulkResult, type QueueItem, type Violation, type WorkflowDecisionAnswer } from '../api.ts';
import { expenseTitle, useReference } from '../components/expenses.tsx';
import { DecisionButtons, problemMessage, QueueTable, ReviewFrame, ReviewPanel, useOpenItem, useQueue } from '../components/review.tsx';
import { CheckField, Notice, ProblemBox, TextAreaField, useConfirm, usePageTitle } from '../components/ui.tsx';
import { useCounts } from '../components/workflow.tsx';
import { useI18n } from '../i18n/index.tsx';
import { label } from '../labels.ts';

export function ApprovalsPage() {
  const { t } = useI18n();
  usePageTitle(t('approvals.title'));
  const ref = useReference();
  const counts = useCounts();
  const queue = useQueue('/approvals/queue', counts?.toApprove);
  const { open, setOpen, item, panel, openNextAfter } = useOpenItem(queue);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState('');
  const [bulk, setBulk] = useState<{ result: BulkResult; titles: Map<string, string> } | null>(null);
  const [bulkAck, setBulkAck] = useState(false);
  const [bulkBusy, setBulkBusy] = useState(false);
  const [bulkError, setBulkError] = useState<unknown>(null);

  useEffect(() => {
    setSelected((s) => {
      const keep = new Set([...s].filter((id) => queue.items.some((i) => i.expense.id === id)));
      return keep.size === s.size ? s : keep;
    });
  }, [queue.items]);

  const chosen = queue.items.filter((i) => selected.has(i.expense.id));
  const chosenWithPoints = chosen.filter((i) => i.violations.length > 0).length;

  function decided(id: string, message: string) {
    setNotice(message);
    setBulk(null);
    openNextAfter(id);
  }

  async function approveSelected() {
    setNotice('');
    setBulkError(null);
    setBulk(null);
    if (!chosen.length) return;
    setBulkBusy(true);
    const titles = new Map(chosen.map((i) => [i.expense.id, `${expenseTitle(t, i.expense, ref)} (${i.employee.name})`]));
    try {
      const result = await api.post<BulkResult>('/approvals/bulk', { items: chosen.map((i) => ({ id: i.expense.id, version: i.expense.version })), acknowledge: bulkAck });
      setBulk({ result, titles });
      for (const r of result.results) if (r.ok) queue.remove(r.id);
      setSelected(new Set(result.results.filter((r) => !r.ok).map((r) => r.id)));
      if (open && result.results.some((r) => r.ok && r.id === open)) setOpen(null);
      setBulkAck(false);
    } catch (e) {
      setBulkError(e);
    } finally {
      setBulkBusy(false);
    }
  }

  return (
    <section className="page">
      <div className="page-head">
        <div>
          <h1>{t('approvals.title')}</h1>
          <p className="muted" data-testid="queue-count">
            {counts ? t('approvals.count', { count: counts.toApprove }) : t('approvals.intro')}
          </p>
        </div>
      </div>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={queue.error ?? ref.error} />
      <div className="review">
        <div className="review__list">
          <QueueTable queue={queue} reference={ref} current={open} onOpen={(id) => (setOpen(id), setNotice(''))} selected={selected} onSelect={setSelected} caption={t('approvals.title')} empty={t('approvals.empty')} />
          {(queue.items.length > 0 || bulk) && (
            <section className="card bulk" aria-labelledby="bulk-heading">
              <h2 id="bulk-heading">{t('bulk.title')}</h2>
              <p className="small muted">{t('bulk.intro')}</p>
              <ProblemBox error={bulkError} />
              {chosenWithPoints > 0 && <CheckField name="bulk-ack" label={t('bulk.acknowledge', { count: chosenWithPoints })} checked={bulkAck} onChange={setBulkAck} />}
              <div className="actions">
                <button type="button" className="btn btn--primary" disabled={!chosen.length || bulkBusy} onClick={() => void approveSelected()} data-testid="bulk-approve">
                  {bulkBusy ? t('bulk.busy') : t('bulk.approve', { count: chosen.length })}
                </button>
              </div>
              <BulkResults bulk={bulk} />
            </section>
          )}
        </div>
        <ReviewPanel panel={panel} open={!!item} empty={queue.items.length ? t('review.choose') : t('approvals.empty')}>
          {item && (
            <ApprovalReview
              key={`${item.expense.id}:${item.expense.version}`}
              item={item}
              title={expenseTitle(t, item.expense, ref)}
              reference={ref}
              onDecided={(msg) => decided(item.expense.id, msg)}
              onGone={(msg) => (queue.reload(), setNotice(msg), setOpen(null))}
              onStale={(msg) => (queue.reload(), setNotice(msg))}
            />
          )}
        </ReviewPanel>
      </div>
    </section>
  );
}

function BulkResults({ bulk }: { bulk: { result: BulkResult; titles: Map<string, string> } | null }) {
  const { t } = useI18n();
  return (
    <div role="status" aria-live="polite" className="live">
      {bulk && (
        <div className={`alert ${bulk.result.failed ? 'alert--warning' : 'alert--success'}`} data-testid="bulk-results">
          <p className="alert__title">{t('bulk.done', { approved: bulk.result.approved, failed: bulk.result.failed })}</p>
          <ul className="alert__list">
            {bulk.result.results.map((r) => (
              <li key={r.id} data-result={r.ok ? 'ok' : 'failed'}>
                {bulk.titles.get(r.id) ?? r.id}
                {'\u00a0'}— {r.ok ? label(t, 'expenseStatus', String(r.status)) : bulkProblem(t, r)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function bulkProblem(t: ReturnType<typeof useI18n>['t'], r: BulkResult['results'][number]): string {
  if (r.ok) return '';
  const code = 'problem' in r ? String(r.problem) : '';
  return problemMessage(t, new ApiError(Number(r.status), code, '', 'detail' in r ? String(r.detail) : undefined));
}

type Action = 'approve' | 'return' | 'reject';

function ApprovalReview({ item, title, reference, onDecided, onGone, onStale }: { item: QueueItem; title: string; reference: ReturnType<typeof useReference>; onDecided: (message: string) => void; onGone: (message: string) => void; onStale: (message: string) => void }) {
  const { t } = useI18n();
  const e = item.expense;
  const [violations, setViolations] = useState<Violation[]>(item.violations);
  const [comment, setComment] = useState('');
  const [ack, setAck] = useState(false);
  const [busy, setBusy] = useState<Action | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [commentError, setCommentError] = useState<string | undefined>();
  const [ackError, setAckError] = useState<string | undefined>();
  const [confirmEl, ask] = useConfirm();
  const formId = useId();

  async function decide(action: Action) {
    setError(null);
    setCommentError(undefined);
    setAckError(undefined);
    const c = comment.trim();
    if (action !== 'approve' && !c) return setCommentError(t(action === 'reject' ? 'decide.comment.requiredReject' : 'decide.comment.requiredReturn'));
    if (action === 'approve' && violations.length && !ack) return setAckError(t('decide.ack.required'));
    if (action === 'reject' && !(await ask(t('decide.reject.confirm', { name: title }), t('decide.reject'), true))) return;
    setBusy(action);
    try {
      const body = action === 'approve' ? { version: e.version, ...(c ? { comment: c } : {}), ...(violations.length ? { acknowledge: true } : {}) } : { version: e.version, comment: c };
      const r = await api.post<WorkflowDecisionAnswer>(`/expenses/${encodeURIComponent(e.id)}/${action}`, body);
      const msg = action === 'approve' ? (r.status === 'approved' ? 'decide.approved.final' : 'decide.approved.next') : action === 'return' ? 'decide.returned' : 'decide.rejected';
      onDecided(t(msg, { name: title }));
    } catch (err) {
      setBusy(null);
      if (err instanceof ApiError && err.code === 'acknowledgement-required' && Array.isArray(err.extra.violations)) {
        // Broken policies the queue did not show yet: show them, and ask for the acknowledgement.
        setViolations(err.extra.violations as Violation[]);
        setAck(false);
        setAckError(t('decide.ack.required'));
        return;
      }
      if (err instanceof ApiError && err.status === 409 && typeof err.extra.currentStatus === 'string' && err.extra.currentStatus !== 'submitted') {
        onGone(t('decide.gone', { name: title, status: label(t, 'expenseStatus', err.extra.currentStatus) }));
        return;
      }
      if (err instanceof ApiError && err.code === 'stale-version') {
        onStale(t('decide.changed', { name: title }));
        return;
      }
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
        onGone(t('decide.notYours', { name: title }));
        return;
      }
      setError(err);
    }
  }

  return (
    <ReviewFrame item={item} reference={reference} title={title} violations={violations} after={confirmEl}>
      <form className="card form" aria-labelledby={`${formId}-h`} onSubmit={(ev) => (ev.preventDefault(), void decide('approve'))}>
        <h3 id={`${formId}-h`}>{t('decide.title')}</h3>
        <ProblemBox error={error} />
        <TextAreaField label={t('decide.comment')} name="comment" value={comment} onChange={(v) => (setComment(v), setCommentError(undefined))} hint={t('decide.comment.hint')} error={commentError} maxLength={2000} />
        {violations.length > 0 && (
          <div className={ackError ? 'field--invalid' : undefined}>
            <CheckField name="acknowledge" label={t('decide.ack', { count: violations.length })} checked={ack} onChange={(v) => (setAck(v), setAckError(undefined))} />
            {ackError && (
              <p className="field__error" role="alert">
                {ackError}
              </p>
            )}
          </div>
        )}
        <DecisionButtons primary={{ action: 'approve', label: t('decide.approve') }} busy={busy} onReturn={() => void decide('return')} onReject={() => void decide('reject')} />
      </form>
    </ReviewFrame>
  );
}
