// One expense: every field, its status, VAT lines, the conversion with its rate and date, the trip
// or the allowance, its receipts (previews, downloads) and its "Suivi" (approval chain, decisions,
// corrections). Its owner edits it, adds or removes receipts and submits it while it is a draft or
// returned, and deletes a draft. A failed upload from the new expense form lands here with its
// files, ready to try again.
import { useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, type Expense, type WorkflowDecisionAnswer, type PaymentMethod, type Receipt, type Vehicle } from '../api.ts';
import { clearFlash, dayLabel, ExpenseStatusBadge, expenseTitle, isEditable, peekFlash, setFlash, useReference } from '../components/expenses.tsx';
import { OcrStatus, OcrTag, useOcrLive } from '../components/ocr.tsx';
import { VatTable } from '../components/vat.tsx';
import { awaitsPreview, fileProblems, fileUrl, FilePicker, ReceiptPreview, UploadProblem } from '../components/receipts.tsx';
import { Notice, ProblemBox, useConfirm, usePageTitle } from '../components/ui.tsx';
import { WorkflowPanel } from '../components/workflow.tsx';
import { useI18n } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { formatBytes, formatMinor, formatRate } from '../money.ts';
import { isReading, isScanPlaceholder, ocrMark, type OcrMark } from '../ocr.ts';
import { Link, navigate } from '../router.tsx';
import { hasRole, useSignedIn } from '../session.tsx';

export function ExpenseDetailPage({ id }: { id: string }) {
  const { t, locale, date: dateOf } = useI18n();
  const me = useSignedIn();
  const ref = useReference();
  const [expense, setExpense] = useState<Expense | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState(() => peekFlash(id)?.notice ?? '');
  const [confirmEl, ask] = useConfirm();
  const [deleting, setDeleting] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  usePageTitle(expense ? expenseTitle(t, expense, ref) : t('expenses.title'));

  useEffect(() => {
    let live = true;
    api.get<Expense>(`/expenses/${encodeURIComponent(id)}`).then(
      (e) => live && setExpense(e),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [id]);

  const own = !!expense && expense.userId === me.user.id;
  const editable = own && isEditable(expense);
  // Followed live while its receipt is read (the fields appear as OCR fills them) and while it
  // waits for a decision (approved, returned… by someone else: the follow-up card reloads).
  const deciding = !!expense && (expense.status === 'submitted' || expense.status === 'approved');
  const { slow } = useOcrLive(id, expense?.version, isReading(expense) || deciding, setExpense);

  async function submit() {
    if (!expense) return;
    setError(null);
    setNotice('');
    setSubmitting(true);
    try {
      const r = await api.post<WorkflowDecisionAnswer>(`/expenses/${encodeURIComponent(id)}/submit`, { version: expense.version });
      setExpense(await api.get<Expense>(`/expenses/${encodeURIComponent(id)}`));
      setNotice(t(r.status === 'verified' ? 'expense.submitted.self' : 'expense.submitted'));
    } catch (e) {
      // Incomplete (a scanned draft not read yet): say which fields, in words.
      const missing = e instanceof ApiError && e.code === 'validation' ? e.fieldErrors.map((f) => f.path ?? '') : [];
      const known: Record<string, string> = { merchant: t('expense.field.merchant'), amountMinor: t('expense.field.amount') };
      if (missing.length && missing.every((p) => known[p])) setError(t('expense.submit.incomplete', { fields: missing.map((p) => known[p]).join(', ') }));
      else setError(e);
      // Changed elsewhere, or already submitted: show it as it stands.
      api.get<Expense>(`/expenses/${encodeURIComponent(id)}`).then(setExpense, () => undefined);
    } finally {
      setSubmitting(false);
    }
  }

  async function remove() {
    setError(null);
    if (!(await ask(t('expense.delete.confirm'), t('expense.delete'), true))) return;
    setDeleting(true);
    try {
      await api.delete(`/expenses/${encodeURIComponent(id)}`);
      setFlash('expenses', { notice: t('expense.deleted') });
      navigate('/expenses');
    } catch (e) {
      setError(e);
      setDeleting(false);
    }
  }

  return (
    <section className="page">
      {hasRole(me, 'employee') && (
        <p className="backlink">
          <Link to="/expenses">← {t('expense.back')}</Link>
        </p>
      )}
      {!expense ? (
        <>
          <h1>{t('expenses.title')}</h1>
          <ProblemBox error={error} />
          {!error && <p className="muted">{t('common.loading')}</p>}
        </>
      ) : (
        <>
          <div className="page-head">
            <div>
              <h1 className="title-with-badge">
                <span>{expenseTitle(t, expense, ref)}</span> <ExpenseStatusBadge status={expense.status} />
              </h1>
              <p className="muted">
                {label(t, 'expenseKind', expense.kind)} · {dayLabel(expense.date, locale)}
              </p>
            </div>
            {editable && (
              <div className="actions">
                <button type="button" className="btn btn--primary" onClick={() => void submit()} disabled={submitting}>
                  {submitting ? t('expense.submitting') : t('expense.submit')}
                </button>
                <Link to={`/expenses/${expense.id}/edit`} className="btn">
                  {t('expense.edit')}
                </Link>
                {expense.status === 'draft' && (
                  <button type="button" className="btn btn--danger-ghost" onClick={() => void remove()} disabled={deleting}>
                    {t('expense.delete')}
                  </button>
                )}
              </div>
            )}
          </div>
          <Notice>{notice || null}</Notice>
          <OcrStatus expense={expense} editable={editable} slow={slow} where="detail" />
          <ProblemBox error={error} />
          {own && !editable && (
            <p className="muted small">{t('expense.notEditable', { status: label(t, 'expenseStatus', expense.status) })}</p>
          )}
          <div className="split split--detail">
            <div className="split__main stack">
              <Details expense={expense} paymentMethods={ref.paymentMethods} categoryName={ref.categoryName(expense.categoryId)} perDiemName={ref.perDiemRates.find((r) => r.id === expense.perDiem?.rateId)?.name} own={own} />
              <p className="muted small">{t('expense.createdOn', { date: dateOf(expense.createdAt) })}</p>
              <WorkflowPanel expense={expense} categoryName={ref.categoryName} />
            </div>
            <div className="split__side">
              <Receipts expense={expense} editable={editable} onNotice={setNotice} />
            </div>
          </div>
        </>
      )}
      {confirmEl}
    </section>
  );
}

function Row({ term, children, field, mark = null }: { term: string; children: ReactNode; field?: string; mark?: OcrMark }) {
  return (
    <div className={`dl__row${mark ? ` dl__row--ocr dl__row--ocr-${mark}` : ''}`} data-field={field}>
      <dt>{term}</dt>
      <dd>
        {children}
        {mark && (
          <>
            {' '}
            <OcrTag mark={mark} />
          </>
        )}
      </dd>
    </div>
  );
}

function Details({ expense: e, paymentMethods, categoryName, perDiemName, own }: { expense: Expense; paymentMethods: PaymentMethod[]; categoryName: string; perDiemName?: string; own: boolean }) {
  const { t, locale } = useI18n();
  const [vehicle, setVehicle] = useState<Vehicle | null>(null);
  const vehicleId = e.mileage?.vehicleId;
  useEffect(() => {
    if (!vehicleId || !own) return;
    let live = true;
    api.get<Vehicle>(`/vehicles/${vehicleId}`).then(
      (v) => live && setVehicle(v),
      () => undefined, // the trip shows without the vehicle's name
    );
    return () => {
      live = false;
    };
  }, [vehicleId, own]);
  const method = paymentMethods.find((m) => m.id === e.paymentMethodId);
  const km = (n: number) => t('mileage.km', { km: new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 1 }).format(n) });
  const yesNo = (b: boolean) => t(b ? 'expense.yes' : 'expense.no');
  const amountMark = ocrMark(e, 'amountMinor', 'currency');
  const placeholder = isScanPlaceholder(e);

  return (
    <div className="card">
      <div className={`amount-hero${amountMark ? ` amount-hero--ocr amount-hero--ocr-${amountMark}` : ''}`} data-field="amount">
        <span className="amount-hero__value" data-testid="expense-amount">
          {placeholder ? t('common.none') : formatMinor(e.amountMinor, e.currency, locale)}
        </span>
        {amountMark && <OcrTag mark={amountMark} />}
        {e.currency !== e.clientCurrency && (
          <span className="amount-hero__sub">
            {t('expenses.converted', { amount: formatMinor(e.convertedMinor, e.clientCurrency, locale) })}
          </span>
        )}
      </div>
      <h2 className="sr-only">{t('expense.details')}</h2>
      <dl className="dl">
        <Row term={t('expense.field.status')}>
          <ExpenseStatusBadge status={e.status} />
        </Row>
        <Row term={t('expense.field.date')} field="date" mark={ocrMark(e, 'date')}>
          {dayLabel(e.date, locale)}
        </Row>
        {e.kind === 'receipt' && (
          <Row term={t('expense.field.merchant')} field="merchant" mark={ocrMark(e, 'merchant')}>
            {e.merchant || t('common.none')}
          </Row>
        )}
        <Row term={t('expense.field.category')}>{categoryName || t('common.none')}</Row>
        {e.currency !== e.clientCurrency && (
          <Row term={t('expense.field.converted', { currency: e.clientCurrency })}>
            {formatMinor(e.convertedMinor, e.clientCurrency, locale)}
            <span className="cell-sub">{t('expense.converted.rate', { client: e.clientCurrency, rate: formatRate(e.rate, locale), currency: e.currency, date: dayLabel(e.rateDate, locale) })}</span>
          </Row>
        )}
        {e.kind === 'receipt' && (
          <Row term={t('expense.field.paymentMethod')}>
            {method ? `${method.name} (${t(method.reimbursable ? 'expense.reimbursable' : 'expense.notReimbursable')})` : t('common.none')}
          </Row>
        )}
        {e.kind !== 'receipt' && <Row term={t('expense.field.reimbursable')}>{yesNo(e.reimbursable)}</Row>}
        {e.mileage && (
          <>
            <Row term={t('mileage.trip')}>
              {e.mileage.from} → {e.mileage.to}
            </Row>
            <Row term={t('mileage.purpose')}>{e.mileage.purpose}</Row>
            {vehicle && (
              <Row term={t('mileage.vehicle')}>
                {vehicle.name} ({[label(t, 'vehicleKind', vehicle.kind), vehicle.fiscalHp !== null ? t('mileage.cv', { hp: vehicle.fiscalHp }) : null, vehicle.electric ? t('mileage.electric') : null].filter(Boolean).join(', ')})
              </Row>
            )}
            <Row term={t('mileage.distance')}>
              {km(e.mileage.distanceKm)} · {e.mileage.roundTrip ? t('mileage.roundTrip.short') : t('mileage.oneWay')}
            </Row>
            <Row term={t('mileage.counted')}>{km(e.mileage.countedKm)}</Row>
            <Row term={t('mileage.scale')}>{t('mileage.scale.value', { year: e.mileage.scaleYear })}</Row>
          </>
        )}
        {e.perDiem && (
          <>
            <Row term={t('perDiem.rate')}>{perDiemName ?? t('common.none')}</Row>
            <Row term={t('perDiem.unitAmount')}>{formatMinor(e.perDiem.unitAmountMinor, e.currency, locale)}</Row>
            <Row term={t('perDiem.units')}>{e.perDiem.units}</Row>
          </>
        )}
        {e.project && <Row term={t('expense.field.project')}>{e.project}</Row>}
        {e.description && (
          <Row term={t('expense.field.description')}>
            <span className="prewrap">{e.description}</span>
          </Row>
        )}
        {e.attendees.length > 0 && (
          <Row term={t('expense.field.attendees')}>
            <ul className="plain">
              {e.attendees.map((a, i) => (
                <li key={i}>{a}</li>
              ))}
            </ul>
          </Row>
        )}
      </dl>
      {e.vatLines.length > 0 && (
        <div data-field="vatLines" className={ocrMark(e, 'vatLines') ? `vat-read vat-read--${ocrMark(e, 'vatLines')}` : undefined}>
          <h3>{t('vat.legend')}</h3>
          <OcrTag mark={ocrMark(e, 'vatLines')} />
          <VatTable lines={e.vatLines} currency={e.currency} />
        </div>
      )}
    </div>
  );
}

const POLL_MS = 4000;
const POLLS = 30;

function Receipts({ expense, editable, onNotice }: { expense: Expense; editable: boolean; onNotice: (s: string) => void }) {
  const { t, locale, date } = useI18n();
  // Admins may have any receipt read again (R-OCR: a better engine, a reading gone wrong).
  const admin = hasRole(useSignedIn(), 'admin');
  async function rerun(r: Receipt) {
    setActionError(null);
    try {
      await api.post(`/receipts/${encodeURIComponent(r.id)}/ocr`);
      onNotice(t('ocrFailures.queued.notice', { name: r.name }));
    } catch (e) {
      setActionError(e);
    }
  }
  const id = expense.id;
  const [flash] = useState(() => peekFlash(id));
  const [receipts, setReceipts] = useState<Receipt[] | null>(null);
  const [listError, setListError] = useState<unknown>(null);
  const [n, setN] = useState(0);
  const [polls, setPolls] = useState(0);
  const [pending, setPending] = useState<File[]>(flash?.pending ?? []);
  const [uploadError, setUploadError] = useState<unknown>(flash?.uploadError ?? null);
  const [problems, setProblems] = useState(() => fileProblems(flash?.uploadError, flash?.pending ?? []));
  const [fromCreate, setFromCreate] = useState(!!flash?.uploadError);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [confirmEl, ask] = useConfirm();

  // What the new expense form left is shown once: a reload of the page starts clean.
  useEffect(() => clearFlash(id), [id]);

  useEffect(() => {
    let live = true;
    api.get<{ items: Receipt[] }>(`/expenses/${encodeURIComponent(id)}/receipts`).then(
      (r) => live && (setReceipts(r.items), setListError(null)),
      (e) => live && setListError(e),
    );
    return () => {
      live = false;
    };
  }, [id, n]);

  // HEIC and PDF receipts show once the worker made their images: look again for a while.
  const waiting = receipts?.some(awaitsPreview) ?? false;
  useEffect(() => {
    if (!waiting || polls >= POLLS) return;
    const h = setTimeout(() => (setPolls((p) => p + 1), setN((x) => x + 1)), POLL_MS);
    return () => clearTimeout(h);
  }, [waiting, polls, receipts]);

  async function upload() {
    if (!pending.length) return;
    setBusy(true);
    setUploadError(null);
    setProblems(new Map());
    onNotice('');
    const sent = pending;
    try {
      const r = await api.upload<{ items: Receipt[] }>(`/expenses/${encodeURIComponent(id)}/receipts`, 'files', sent);
      setPending([]);
      setFromCreate(false);
      onNotice(t('receipts.uploaded', { count: r.items.length }));
      setPolls(0);
      setN((x) => x + 1);
    } catch (e) {
      setUploadError(e);
      setProblems(fileProblems(e, sent));
    } finally {
      setBusy(false);
    }
  }

  async function removeReceipt(r: Receipt) {
    setActionError(null);
    onNotice('');
    if (!(await ask(t('receipts.delete.confirm', { name: r.name }), t('receipts.delete'), true))) return;
    try {
      await api.delete(`/receipts/${encodeURIComponent(r.id)}`);
      onNotice(t('receipts.deleted', { name: r.name }));
      setN((x) => x + 1);
    } catch (e) {
      setActionError(e);
    }
  }

  return (
    <section className="card" aria-labelledby="receipts-heading">
      <h2 id="receipts-heading">{t('receipts.title')}</h2>
      <ProblemBox error={listError ?? actionError} />
      {receipts && receipts.length === 0 && <p className="muted">{t('receipts.none')}</p>}
      {receipts && receipts.length > 0 && (
        <ul className="receipts">
          {receipts.map((r) => (
            <li key={r.id} className="receipt" data-receipt={r.name}>
              <ReceiptPreview receipt={r} />
              <div className="receipt__meta">
                <span className="receipt__name break">{r.name}</span>
                <span className="cell-sub">
                  {t('receipts.meta', { type: r.mediaType === 'application/pdf' ? t('receipts.pdf') : r.mediaType, size: formatBytes(r.size, locale) })} · {date(r.createdAt)}
                </span>
                <span className="receipt__actions">
                  <a className="btn btn--small" href={fileUrl(r)} target="_blank" rel="noopener" aria-label={t('receipts.open.label', { name: r.name })}>
                    {t('receipts.open')}
                  </a>
                  <a className="btn btn--small" href={fileUrl(r, true)} download={r.name} aria-label={t('receipts.download.label', { name: r.name })}>
                    {t('receipts.download')}
                  </a>
                  {admin && (
                    <button type="button" className="btn btn--small btn--ghost" aria-label={t('ocrFailures.rerun.label', { name: r.name })} onClick={() => void rerun(r)}>
                      {t('ocrFailures.rerun')}
                    </button>
                  )}
                  {editable && (
                    <button type="button" className="btn btn--small btn--danger-ghost" aria-label={t('receipts.delete.label', { name: r.name })} onClick={() => void removeReceipt(r)}>
                      {t('receipts.delete')}
                    </button>
                  )}
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {editable && (
        <div className="receipts__add">
          <h3>{t('receipts.add')}</h3>
          <UploadProblem error={uploadError} intro={fromCreate && uploadError ? t('receipts.failed') : undefined} />
          <FilePicker
            files={pending}
            onChange={(fs) => {
              setPending(fs);
              // The server's verdict was for the files sent; keep it only for those still here.
              setProblems((p) => new Map([...p].filter(([f]) => fs.includes(f))));
            }}
            problems={problems}
            disabled={busy}
          />
          {pending.length > 0 && (
            <div className="actions">
              <button type="button" className="btn btn--primary" onClick={() => void upload()} disabled={busy}>
                {busy ? t('expense.uploading') : uploadError ? t('receipts.retry') : t('receipts.upload')}
              </button>
            </div>
          )}
        </div>
      )}
      {confirmEl}
    </section>
  );
}
