// "À vérifier" (verifiers): approved expenses, oldest first; the one opened shows its receipt beside
// its fields, its VAT lines with the VAT recovery rule in force at its date (R-ACC-1), and inline
// corrections — category, VAT lines, amount, with a comment; a corrected amount sends it back to
// the approvers. Then verify (compliant), return to the employee or reject, with a comment.
import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, type Expense, type QueueItem, type WorkflowDecisionAnswer } from '../api.ts';
import { dayLabel, expenseTitle, useReference, type Reference } from '../components/expenses.tsx';
import { DecisionButtons, QueueTable, ReviewFrame, ReviewPanel, useOpenItem, useQueue } from '../components/review.tsx';
import { Notice, ProblemBox, SelectField, TextAreaField, TextField, useConfirm, usePageTitle } from '../components/ui.tsx';
import { amountError, parseVatDrafts, vatDraft, VatLines, VatTable, type VatDraft } from '../components/vat.tsx';
import { useCounts } from '../components/workflow.tsx';
import { useI18n } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { formatMinor, formatRateBp, minorToInput, parseAmount } from '../money.ts';

export function VerificationsPage() {
  const { t } = useI18n();
  usePageTitle(t('verifications.title'));
  const ref = useReference();
  const counts = useCounts();
  const queue = useQueue('/verifications/queue', counts?.toVerify);
  const { open, setOpen, item, panel, openNextAfter } = useOpenItem(queue);
  const [notice, setNotice] = useState('');

  function decided(id: string, message: string) {
    setNotice(message);
    openNextAfter(id);
  }

  return (
    <section className="page">
      <div className="page-head">
        <div>
          <h1>{t('verifications.title')}</h1>
          <p className="muted" data-testid="queue-count">
            {counts?.toVerify !== null && counts?.toVerify !== undefined ? t('verifications.count', { count: counts.toVerify }) : t('verifications.intro')}
          </p>
        </div>
      </div>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={queue.error ?? ref.error} />
      <div className="review">
        <div className="review__list">
          <QueueTable queue={queue} reference={ref} current={open} onOpen={(id) => (setOpen(id), setNotice(''))} caption={t('verifications.title')} empty={t('verifications.empty')} />
        </div>
        <ReviewPanel panel={panel} open={!!item} empty={queue.items.length ? t('review.choose') : t('verifications.empty')}>
          {item && (
            <VerificationReview
              key={item.expense.id}
              item={item}
              reference={ref}
              // At once, then the queue again: the VAT rule in force follows a corrected category.
              onChanged={(e) => (queue.replace(e), queue.reload())}
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

type Action = 'verify' | 'return' | 'reject';

function VerificationReview({ item, reference, onChanged, onDecided, onGone, onStale }: { item: QueueItem; reference: Reference; onChanged: (e: Expense) => void; onDecided: (m: string) => void; onGone: (m: string) => void; onStale: (m: string) => void }) {
  const { t, locale } = useI18n();
  const e = item.expense;
  const title = expenseTitle(t, e, reference);
  const [comment, setComment] = useState('');
  const [commentError, setCommentError] = useState<string | undefined>();
  const [busy, setBusy] = useState<Action | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [confirmEl, ask] = useConfirm();
  const formId = useId();
  const rule = item.vatRule;
  const vatTotal = e.vatLines.reduce((s, l) => s + l.vatMinor, 0);

  const gone = (err: unknown): boolean => {
    if (err instanceof ApiError && err.status === 409 && typeof err.extra.currentStatus === 'string' && err.extra.currentStatus !== 'approved') {
      onGone(t('decide.gone', { name: title, status: label(t, 'expenseStatus', err.extra.currentStatus) }));
      return true;
    }
    if (err instanceof ApiError && err.code === 'stale-version') {
      onStale(t('decide.changed', { name: title }));
      return true;
    }
    return false;
  };

  async function decide(action: Action) {
    setError(null);
    setNotice('');
    setCommentError(undefined);
    const c = comment.trim();
    if (action !== 'verify' && !c) return setCommentError(t(action === 'reject' ? 'decide.comment.requiredReject' : 'decide.comment.requiredReturn'));
    if (action === 'reject' && !(await ask(t('decide.reject.confirm', { name: title }), t('decide.reject'), true))) return;
    setBusy(action);
    try {
      await api.post<WorkflowDecisionAnswer>(`/expenses/${encodeURIComponent(e.id)}/${action}`, action === 'verify' ? { version: e.version, ...(c ? { comment: c } : {}) } : { version: e.version, comment: c });
      onDecided(t(action === 'verify' ? 'verify.done' : action === 'return' ? 'decide.returned' : 'decide.rejected', { name: title }));
    } catch (err) {
      setBusy(null);
      if (!gone(err)) setError(err);
    }
  }

  return (
    <ReviewFrame item={item} reference={reference} title={title} violations={item.violations} after={confirmEl}>
      <section className="card" aria-labelledby={`${formId}-vat`} data-testid="vat">
        <h3 id={`${formId}-vat`}>{t('vat.legend')}</h3>
        {e.vatLines.length === 0 ? (
          <p className="muted">{t('verify.vat.none')}</p>
        ) : (
          <VatTable lines={e.vatLines} currency={e.currency} />
        )}
        <div className="rule-box" data-testid="vat-rule">
          <h4>{t('verify.rule')}</h4>
          {rule ? (
            <>
              <p>{t('verify.rule.from', { date: dayLabel(rule.effectiveFrom, locale), category: reference.categoryName(e.categoryId) })}</p>
              <p>
                {t('verify.rule.recoverable', { rate: formatRateBp(rule.recoverableBp, locale) })}
                {e.vatLines.length > 0 && ` — ${t('verify.rule.amount', { amount: formatMinor(Math.round((vatTotal * rule.recoverableBp) / 10_000), e.currency, locale) })}`}
              </p>
              <p className="small">{t('verify.rule.accounts', { expense: rule.expenseAccount, vat: rule.vatAccount })}</p>
            </>
          ) : (
            <p className="muted">{t('verify.rule.none')}</p>
          )}
        </div>
      </section>
      <CorrectionForm
        key={e.version}
        item={item}
        reference={reference}
        onDone={async (r) => {
          try {
            const fresh = await api.get<Expense>(`/expenses/${encodeURIComponent(e.id)}`);
            if (r.status !== 'approved') return onGone(t('correction.restarted', { name: title }));
            onChanged(fresh);
            setNotice(t('correction.saved', { count: r.corrections?.length ?? 0 }));
          } catch (err) {
            setError(err);
          }
        }}
        onGone={gone}
      />
      <Notice>{notice || null}</Notice>
      <form className="card form" aria-labelledby={`${formId}-h`} onSubmit={(ev) => (ev.preventDefault(), void decide('verify'))}>
        <h3 id={`${formId}-h`}>{t('decide.title')}</h3>
        <ProblemBox error={error} />
        <TextAreaField label={t('decide.comment')} name="comment" value={comment} onChange={(v) => (setComment(v), setCommentError(undefined))} hint={t('decide.comment.hint.verify')} error={commentError} maxLength={2000} />
        <DecisionButtons primary={{ action: 'verify', label: t('verify.submit') }} busy={busy} onReturn={() => void decide('return')} onReject={() => void decide('reject')} />
      </form>
    </ReviewFrame>
  );
}

/** Category, VAT lines and amount of the expense, corrected in place with a comment (only what changed is sent). */
function CorrectionForm({ item, reference, onDone, onGone }: { item: QueueItem; reference: Reference; onDone: (r: WorkflowDecisionAnswer) => Promise<void>; onGone: (err: unknown) => boolean }) {
  const { t, locale } = useI18n();
  const e = item.expense;
  const id = useId();
  const [categoryId, setCategoryId] = useState(e.categoryId);
  const [vat, setVat] = useState<VatDraft[]>(() => e.vatLines.map((l) => vatDraft(l, e.currency, locale)));
  const [amount, setAmount] = useState(minorToInput(e.amountMinor, e.currency, locale));
  const [comment, setComment] = useState('');
  const [local, setLocal] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirmEl, ask] = useConfirm();
  const fe = (path: string) => (error instanceof ApiError ? error.forField(path) : undefined);

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    setError(null);
    const errs = new Map<string, string>();
    const { lines, errors } = parseVatDrafts(t, vat, e.currency);
    errors.forEach((v, k) => errs.set(k, v));
    const amt = parseAmount(amount, e.currency);
    const amtErr = e.kind === 'receipt' ? amountError(t, amt, e.currency) : undefined;
    if (amtErr) errs.set('amount', amtErr);
    if (!comment.trim()) errs.set('comment', t('correction.comment.required'));
    const body: { version: number; comment: string; categoryId?: string; vatLines?: typeof lines; amountMinor?: number } = { version: e.version, comment: comment.trim() };
    if (categoryId !== e.categoryId) body.categoryId = categoryId;
    if (JSON.stringify(lines) !== JSON.stringify(e.vatLines.map((l) => ({ rateBp: l.rateBp, baseMinor: l.baseMinor, vatMinor: l.vatMinor })))) body.vatLines = lines;
    if (e.kind === 'receipt' && amt.ok && amt.value !== e.amountMinor) body.amountMinor = amt.value;
    if (!errs.size && body.categoryId === undefined && body.vatLines === undefined && body.amountMinor === undefined) errs.set('form', t('correction.nothing'));
    setLocal(errs);
    if (errs.size) return;
    if (body.amountMinor !== undefined && !(await ask(t('correction.amount.confirm'), t('correction.submit')))) return;
    setBusy(true);
    try {
      const r = await api.post<WorkflowDecisionAnswer>(`/expenses/${encodeURIComponent(e.id)}/corrections`, body);
      await onDone(r);
    } catch (err) {
      if (!onGone(err)) setError(err);
    } finally {
      setBusy(false);
    }
  }

  const categories = reference.categories.filter((c) => c.active || c.id === e.categoryId);
  return (
    <form className="card form" aria-labelledby={`${id}-h`} onSubmit={submit} data-testid="corrections-form">
      <h3 id={`${id}-h`}>{t('correction.title')}</h3>
      <p className="small muted">{t('correction.intro')}</p>
      <ProblemBox error={error ?? local.get('form')} inline={['categoryId', 'amountMinor', 'comment', 'vatLines']} />
      <SelectField label={t('expense.field.category')} name="categoryId" value={categoryId} onChange={setCategoryId} error={fe('categoryId')}>
        {categories.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </SelectField>
      <VatLines lines={vat} onChange={setVat} currency={e.currency} errors={local} serverError={fe} />
      {e.kind === 'receipt' && (
        <TextField label={t('correction.amount', { currency: e.currency })} name="amount" inputMode="decimal" autoComplete="off" value={amount} onChange={setAmount} error={local.get('amount') ?? fe('amountMinor')} hint={t('correction.amount.hint')} />
      )}
      <TextAreaField label={t('correction.comment')} name="correction-comment" value={comment} onChange={setComment} error={local.get('comment') ?? fe('comment')} hint={t('correction.comment.hint')} maxLength={2000} />
      <div className="actions">
        <button type="submit" className="btn" disabled={busy}>
          {busy ? t('common.saving') : t('correction.submit')}
        </button>
      </div>
      {confirmEl}
    </form>
  );
}
