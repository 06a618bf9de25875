// Billing for the vendor's operators (R-BIL): every Client with its plan, status (suspended for an
// unpaid invoice), active users of a month, last invoice and open Enterprise request — its plan set
// here; the monthly invoice run, first as a dry run, then for real; every invoice and credit note
// with its PDF, what it still asks, payments recorded by hand or from the bank's CSV, credit notes;
// and the written notices of late invoices sent now rather than at the next hourly run.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, type BillingOverview, type Invoice, type InvoiceRun, type PlanView, type TransferImport, type TransferOutcome } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { billingMoment, INVOICE_CURRENCY } from '../components/suspension.tsx';
import { Badge, FormActions, Notice, ProblemBox, SelectField, TextField, useConfirm, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { formatMinor, parseAmount } from '../money.ts';
import { InvoiceFigures, invoiceFigureColumns, InvoiceKind, InvoicePdf, stillDueMinor } from './Billing.tsx';

type Client = BillingOverview['items'][number];
type Plan = PlanView['plan'];
type Editing = { kind: 'plan'; id: string } | { kind: 'paid'; id: string } | { kind: 'credit'; id: string } | null;

const lastMonth = () => {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
};
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
const PLANS: Plan[] = ['solo', 'team', 'enterprise'];

export function VendorBillingPage() {
  const { t, locale, date } = useI18n();
  usePageTitle(t('vendorBilling.title'));
  const [month, setMonth] = useState(lastMonth);
  const [overview, setOverview] = useState<BillingOverview | null>(null);
  const [invoices, setInvoices] = useState<Invoice[]>([]);
  const [plan, setPlan] = useState<InvoiceRun | null>(null);
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState('');
  const [loadError, setLoadError] = useState<unknown>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const { error, setError, busy, run } = useSubmit();

  useEffect(() => {
    if (!/^\d{4}-\d{2}$/.test(month)) return;
    let live = true;
    Promise.all([api.get<BillingOverview>(`/vendor/billing/usage?month=${encodeURIComponent(month)}`), api.get<{ items: Invoice[] }>('/vendor/invoices')]).then(
      ([o, i]) => live && (setOverview(o), setInvoices(i.items), setLoadError(null)),
      (e) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
  }, [month, version]);

  const names = new Map((overview?.items ?? []).map((c) => [c.id, c.name]));
  const reload = () => setVersion((v) => v + 1);
  const act = (work: () => Promise<void>) => {
    setError(null);
    setNotice('');
    void run(work);
  };
  /** After a form of a row: its message, the lists read again. */
  const done = (message: string) => {
    setEditing(null);
    setError(null);
    setNotice(message);
    reload();
  };
  const edit = (e: Editing) => {
    setNotice('');
    setError(null);
    setEditing(e);
  };
  const isEditing = (kind: NonNullable<Editing>['kind'], id: string) => editing?.kind === kind && editing.id === id;

  const clientColumns = [t('clients.col.name'), t('clients.col.plan'), t('clients.col.status'), t('vendorBilling.col.active'), t('vendorBilling.col.limit'), t('vendorBilling.col.lastInvoice'), t('vendorBilling.col.request')];
  const invoiceColumns = [
    t('billing.invoice.number'),
    t('billing.invoice.kind'),
    t('clients.col.name'),
    t('billing.invoice.period'),
    t('billing.invoice.issuedAt'),
    ...invoiceFigureColumns(t),
  ];

  return (
    <section className="page billing">
      <h1>{t('vendorBilling.title')}</h1>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={loadError ?? error} />
      <section className="card" aria-labelledby="vb-run">
        <h2 id="vb-run">{t('vendorBilling.run')}</h2>
        <div className="grid2">
          <TextField label={t('billing.month')} type="month" name="month" value={month} onChange={(m) => (setMonth(m), setPlan(null))} />
        </div>
        <div className="actions">
          <button type="button" className="btn" disabled={busy} onClick={() => act(async () => setPlan(await api.post<InvoiceRun>('/vendor/invoices/run', { month, dryRun: true })))}>
            {t('vendorBilling.dryRun')}
          </button>
          <button
            type="button"
            className="btn btn--primary"
            disabled={busy}
            onClick={() =>
              act(async () => {
                const r = await api.post<InvoiceRun>('/vendor/invoices/run', { month });
                setPlan(null);
                setNotice(t('vendorBilling.issued', { count: r.issued.length }));
                reload();
              })
            }
          >
            {t('vendorBilling.issue')}
          </button>
        </div>
        {plan ? (
          <DataTable<InvoiceRun['invoices'][number]>
            caption={t('vendorBilling.planned')}
            columns={[t('clients.col.name'), t('vendorBilling.col.active'), t('vendorBilling.col.ht'), t('vendorBilling.col.vat'), t('billing.invoice.total')]}
            rows={plan.invoices}
            empty={t('vendorBilling.nothing')}
          >
            {(p) => (
              <tr key={p.tenantId}>
                <td data-label={t('clients.col.name')} className="cell-main">
                  {p.name}
                </td>
                <td data-label={t('vendorBilling.col.active')}>{p.activeUsers}</td>
                <td data-label={t('vendorBilling.col.ht')}>{formatMinor(p.totalHtMinor, 'EUR', locale)}</td>
                <td data-label={t('vendorBilling.col.vat')}>{formatMinor(p.vatMinor, 'EUR', locale)}</td>
                <td data-label={t('billing.invoice.total')}>{formatMinor(p.totalTtcMinor, 'EUR', locale)}</td>
              </tr>
            )}
          </DataTable>
        ) : null}
      </section>

      <section className="card" aria-labelledby="vb-clients" data-testid="vb-clients">
        <h2 id="vb-clients">{t('vendorBilling.clients', { month })}</h2>
        <DataTable<Client> caption={t('vendorBilling.clients', { month })} columns={clientColumns} actions rows={overview?.items ?? []} busy={!overview && !loadError} empty={t('clients.empty')}>
          {(c) => (
            <RowWithForm key={c.id} colSpan={clientColumns.length + 1} form={isEditing('plan', c.id) ? <PlanForm client={c} onDone={done} onCancel={() => setEditing(null)} /> : null}>
              <td data-label={t('clients.col.name')} className="cell-main">
                {c.name}
              </td>
              <td data-label={t('clients.col.plan')}>{label(t, 'plan', c.plan)}</td>
              <td data-label={t('clients.col.status')}>
                <ClientStatus client={c} />
              </td>
              <td data-label={t('vendorBilling.col.active')}>{c.activeUsers}</td>
              <td data-label={t('vendorBilling.col.limit')}>{c.userLimit ?? '—'}</td>
              <td data-label={t('vendorBilling.col.lastInvoice')}>
                {c.lastInvoice ? (
                  <>
                    {c.lastInvoice.number} <Badge tone={c.lastInvoice.paid ? 'green' : 'amber'}>{c.lastInvoice.paid ? t('billing.invoice.paid') : t('billing.invoice.unpaid')}</Badge>
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td data-label={t('vendorBilling.col.request')}>{c.enterpriseRequestedAt ? <Badge tone="blue">{t('vendorBilling.requestedOn', { date: date(c.enterpriseRequestedAt) })}</Badge> : '—'}</td>
              <td className="cell-actions">
                {c.status !== 'destroyed' ? (
                  <button type="button" className="btn btn--small" disabled={busy} aria-label={t('vendorBilling.setPlanLabel', { name: c.name })} aria-expanded={isEditing('plan', c.id)} onClick={() => edit(isEditing('plan', c.id) ? null : { kind: 'plan', id: c.id })}>
                    {t('vendorBilling.setPlan')}
                  </button>
                ) : null}
                {c.enterpriseRequestedAt ? (
                  <button
                    type="button"
                    className="btn btn--small btn--ghost"
                    disabled={busy}
                    aria-label={t('vendorBilling.closeRequestLabel', { name: c.name })}
                    onClick={() =>
                      act(async () => {
                        await api.post<PlanView>(`/vendor/tenants/${c.id}/plan-request/close`);
                        done(t('vendorBilling.requestClosed', { name: c.name }));
                      })
                    }
                  >
                    {t('vendorBilling.closeRequest')}
                  </button>
                ) : null}
              </td>
            </RowWithForm>
          )}
        </DataTable>
      </section>

      <section className="card" aria-labelledby="vb-invoices" data-testid="vb-invoices">
        <h2 id="vb-invoices">{t('billing.invoices')}</h2>
        <DataTable<Invoice> caption={t('billing.invoices')} columns={invoiceColumns} actions rows={invoices} empty={t('billing.invoices.none')}>
          {(i) => {
            const who = i.tenantName ?? names.get(i.tenantId) ?? i.tenantId;
            const payable = stillDueMinor(i) !== null && stillDueMinor(i)! > 0;
            return (
              <RowWithForm
                key={i.id}
                colSpan={invoiceColumns.length + 1}
                form={
                  isEditing('paid', i.id) ? (
                    <PaidForm invoice={i} onDone={done} onCancel={() => setEditing(null)} />
                  ) : isEditing('credit', i.id) ? (
                    <CreditNoteForm invoice={i} client={who} invoices={invoices} onDone={done} onCancel={() => setEditing(null)} />
                  ) : null
                }
              >
                <td data-label={t('billing.invoice.number')} className="cell-main nowrap">
                  {i.number ?? t('vendorBilling.draft')}
                </td>
                <td data-label={t('billing.invoice.kind')}>
                  <InvoiceKind invoice={i} />
                </td>
                <td data-label={t('clients.col.name')}>{who}</td>
                <td data-label={t('billing.invoice.period')}>{i.period ?? '—'}</td>
                <td data-label={t('billing.invoice.issuedAt')} className="nowrap">{i.issuedAt ? date(i.issuedAt) : '—'}</td>
                <InvoiceFigures invoice={i} />
                <td className="cell-actions">
                  {i.status === 'issued' ? <InvoicePdf invoice={i} from="/vendor/invoices" /> : null}
                  {payable ? (
                    <button type="button" className="btn btn--small btn--ghost" disabled={busy} aria-label={t('vendorBilling.markPaidLabel', { number: i.number ?? '' })} aria-expanded={isEditing('paid', i.id)} onClick={() => edit(isEditing('paid', i.id) ? null : { kind: 'paid', id: i.id })}>
                      {t('vendorBilling.markPaid')}
                    </button>
                  ) : null}
                  {i.kind === 'invoice' && i.status === 'issued' && (i.balanceMinor ?? 0) > 0 ? (
                    <button type="button" className="btn btn--small btn--ghost" disabled={busy} aria-label={t('vendorBilling.creditLabel', { number: i.number ?? '' })} aria-expanded={isEditing('credit', i.id)} onClick={() => edit(isEditing('credit', i.id) ? null : { kind: 'credit', id: i.id })}>
                      {t('vendorBilling.credit')}
                    </button>
                  ) : null}
                </td>
              </RowWithForm>
            );
          }}
        </DataTable>
      </section>

      <TransfersCard onImported={() => (setNotice(''), reload())} />
      <DunningCard onSent={() => (setNotice(''), reload())} />
    </section>
  );
}

/** A row of cells and, while one of its actions is open, a row under it across the table holding that action's form. */
function RowWithForm({ colSpan, form, children }: { colSpan: number; form: ReactNode; children: ReactNode }) {
  return (
    <>
      <tr>{children}</tr>
      {form ? (
        <tr className="row-form">
          <td colSpan={colSpan}>{form}</td>
        </tr>
      ) : null}
    </>
  );
}

/** Active, suspended since when (amber), a notice's coming suspension, terminated, destroyed. */
function ClientStatus({ client: c }: { client: Client }) {
  const { t, locale } = useI18n();
  const tone = c.status === 'active' ? 'green' : c.status === 'suspended' ? 'amber' : 'grey';
  return (
    <>
      <Badge tone={tone}>{label(t, 'tenantStatus', c.status)}</Badge>
      {c.suspendAt ? <span className="cell-sub">{t(c.status === 'suspended' ? 'vendorBilling.suspendedSince' : 'vendorBilling.suspendsOn', { date: billingMoment(c.suspendAt, locale) })}</span> : null}
    </>
  );
}

/** The plan and the contract's own user limit (answers an Enterprise request). */
function PlanForm({ client: c, onDone, onCancel }: { client: Client; onDone: (message: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [plan, setPlan] = useState<string>(c.enterpriseRequestedAt && c.plan !== 'enterprise' ? 'enterprise' : c.plan);
  const [limit, setLimit] = useState('');
  const { error, setError, busy, run, fieldError } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const userLimit = limit.trim() ? Number(limit) : null;
    if (userLimit !== null && (!Number.isInteger(userLimit) || userLimit < 1)) return setError(t('vendorBilling.plan.limitInvalid'));
    await run(async () => {
      const v = await api.post<PlanView>(`/vendor/tenants/${c.id}/plan`, { plan, userLimit });
      onDone(t('vendorBilling.plan.done', { name: c.name, plan: label(t, 'plan', v.plan) }));
    });
  }
  // the plan would not cover the Client's users: say how many, and what to do
  const shown = error instanceof ApiError && error.code === 'plan-limit' && typeof error.extra.used === 'number' ? t('vendorBilling.plan.tooMany', { used: error.extra.used, limit: String(error.extra.limit ?? '') }) : error;
  return (
    <form onSubmit={submit} className="form row-form__form" aria-label={t('vendorBilling.setPlanLabel', { name: c.name })}>
      <ProblemBox error={shown} inline={['plan', 'userLimit']} />
      <div className="grid2">
        <SelectField label={t('clients.col.plan')} name="plan" value={plan} onChange={setPlan} error={fieldError('plan')}>
          {PLANS.map((p) => (
            <option key={p} value={p}>
              {label(t, 'plan', p)}
            </option>
          ))}
        </SelectField>
        <TextField label={t('vendorBilling.plan.limit')} type="number" name="userLimit" min={1} step={1} inputMode="numeric" optional hint={t('vendorBilling.plan.limitHint')} value={limit} onChange={setLimit} error={fieldError('userLimit')} />
      </div>
      <FormActions label={t('vendorBilling.plan.save')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

/** Records the payment of an invoice, on the day of the transfer (today if left empty). */
function PaidForm({ invoice: i, onDone, onCancel }: { invoice: Invoice; onDone: (message: string) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const [day, setDay] = useState('');
  const { error, setError, busy, run, fieldError } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      await api.post(`/vendor/invoices/${i.id}/paid`, day ? { paidOn: day } : {});
      onDone(t('vendorBilling.paid', { number: i.number ?? '' }));
    });
  }
  return (
    <form onSubmit={submit} className="form row-form__form" aria-label={t('vendorBilling.markPaidLabel', { number: i.number ?? '' })}>
      <p className="small muted">{t('vendorBilling.paidIntro', { number: i.number ?? '', amount: formatMinor(stillDueMinor(i) ?? 0, i.currency, locale) })}</p>
      <ProblemBox error={error} inline={['paidOn']} />
      <div className="grid2">
        <TextField label={t('vendorBilling.paidOn')} type="date" name="paidOn" max={today()} optional hint={t('vendorBilling.paidOnHint')} value={day} onChange={setDay} error={fieldError('paidOn')} />
      </div>
      <FormActions label={t('vendorBilling.recordPayment')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

/** A credit note on an issued invoice: the whole of it (every line reversed), or part of its amount excluding VAT. */
function CreditNoteForm({ invoice: i, client, invoices, onDone, onCancel }: { invoice: Invoice; client: string; invoices: Invoice[]; onDone: (message: string) => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const [reason, setReason] = useState('');
  const [amount, setAmount] = useState('');
  const [amountError, setAmountError] = useState<string | undefined>();
  const { error, setError, busy, run, fieldError } = useSubmit();
  const [confirmEl, ask] = useConfirm();
  const money = (m: number) => formatMinor(m, i.currency, locale);
  // what is left to credit excluding VAT: the VAT-bearing lines, less the credit notes already issued
  const taxable = (lines: Invoice['lines']) => lines.filter((l) => l.vat).reduce((a, l) => a + l.amountMinor, 0);
  const notes = invoices.filter((n) => n.kind === 'credit_note' && n.correctsId === i.id && n.status === 'issued');
  const left = taxable(i.lines) + notes.reduce((a, n) => a + taxable(n.lines), 0);
  const partly = notes.length > 0;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setAmountError(undefined);
    let amountHtMinor: number | undefined;
    if (amount.trim()) {
      const p = parseAmount(amount, i.currency);
      if (!p.ok || p.value <= 0) return setAmountError(t('vendorBilling.credit.amountInvalid'));
      if (p.value > left) return setAmountError(t('vendorBilling.credit.amountTooHigh', { max: money(left) }));
      amountHtMinor = p.value;
    } else if (partly) {
      return setAmountError(t('vendorBilling.credit.amountRequired'));
    }
    const question =
      amountHtMinor === undefined
        ? t('vendorBilling.credit.confirmFull', { number: i.number ?? '', client, amount: money(i.totalTtcMinor) })
        : t('vendorBilling.credit.confirmPart', { number: i.number ?? '', client, amount: money(amountHtMinor) });
    if (!(await ask(question, t('vendorBilling.credit.submit')))) return;
    await run(async () => {
      const note = await api.post<Invoice>(`/vendor/invoices/${i.id}/credit-note`, amountHtMinor === undefined ? { reason } : { reason, amountHtMinor });
      onDone(t('vendorBilling.credit.done', { credit: note.number ?? '', number: i.number ?? '' }));
    });
  }
  // the API's own words on the amount ("more than the invoice still asks") are shown beside it, in ours
  const serverAmount = error instanceof ApiError && error.fieldErrors.some((f) => f.path === 'amountHtMinor' || f.path === 'body.amountHtMinor') ? t('vendorBilling.credit.amountTooHigh', { max: money(left) }) : undefined;
  const shown = error instanceof ApiError && error.code === 'conflict' && typeof error.extra.creditedHtMinor === 'number' ? t('vendorBilling.credit.amountRequired') : serverAmount ? null : error;
  return (
    <form onSubmit={submit} className="form row-form__form" aria-label={t('vendorBilling.creditLabel', { number: i.number ?? '' })}>
      <p className="small muted">{t('vendorBilling.credit.intro', { number: i.number ?? '', client })}</p>
      <ProblemBox error={shown} inline={['reason', 'amountHtMinor']} />
      <div className="grid2">
        <TextField label={t('vendorBilling.credit.reason')} name="reason" required minLength={3} maxLength={300} value={reason} onChange={setReason} error={fieldError('reason')} />
        <TextField
          label={t('vendorBilling.credit.amount')}
          name="amount"
          inputMode="decimal"
          autoComplete="off"
          optional={!partly}
          required={partly}
          hint={partly ? t('vendorBilling.credit.amountHintPartly', { max: money(left) }) : t('vendorBilling.credit.amountHint', { max: money(left) })}
          value={amount}
          onChange={(v) => (setAmount(v), setAmountError(undefined))}
          error={amountError ?? serverAmount}
        />
      </div>
      <FormActions label={t('vendorBilling.credit.submit')} busy={busy} onCancel={onCancel} />
      {confirmEl}
    </form>
  );
}

const OUTCOME_TONE: Record<TransferOutcome['outcome'], 'green' | 'grey' | 'amber' | 'red'> = {
  paid: 'green',
  'already-paid': 'grey',
  'amount-mismatch': 'amber',
  'unknown-invoice': 'red',
  'no-invoice-number': 'red',
  invalid: 'red',
};

/** The bank's CSV of received transfers: each pays the invoice its reference quotes, if the amount is what it asks. */
function TransfersCard({ onImported }: { onImported: () => void }) {
  const { t, locale } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [missing, setMissing] = useState(false);
  const [result, setResult] = useState<TransferImport | null>(null);
  const { error, setError, busy, run } = useSubmit();
  const money = (m: number | undefined) => (m === undefined ? '—' : formatMinor(m, INVOICE_CURRENCY, locale));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setResult(null);
    setMissing(!file);
    if (!file) return;
    await run(async () => {
      const r = await api.post<TransferImport>('/vendor/payments/import', await file.text(), { contentType: 'text/csv' });
      setResult(r);
      onImported();
    });
  }
  // the file's own complaint (a missing column, not CSV) says more than "the file has errors"
  const shown = error instanceof ApiError && error.code === 'import-invalid' && error.detail ? t('vendorBilling.transfers.invalid', { detail: error.detail }) : error;
  return (
    <section className="card" aria-labelledby="vb-transfers" data-testid="vb-transfers">
      <h2 id="vb-transfers">{t('vendorBilling.transfers')}</h2>
      <p className="small muted">{t('vendorBilling.transfers.intro')}</p>
      <form onSubmit={submit} className="form" aria-label={t('vendorBilling.transfers')}>
        <ProblemBox error={shown} />
        <div className={`field${missing ? ' field--invalid' : ''}`}>
          <label htmlFor="transfers-file">{t('vendorBilling.transfers.file')}</label>
          <input
            id="transfers-file"
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => (setFile(e.target.files?.[0] ?? null), setMissing(false), setResult(null))}
            aria-invalid={missing || undefined}
            aria-describedby={missing ? 'transfers-file-err' : 'transfers-file-hint'}
          />
          <p className="field__hint" id="transfers-file-hint">
            {t('vendorBilling.transfers.fileHint')}
          </p>
          {missing && (
            <p className="field__error" id="transfers-file-err">
              {t('import.chooseFile')}
            </p>
          )}
        </div>
        <FormActions label={t('vendorBilling.transfers.submit')} busy={busy} busyLabel={t('import.submitting')} />
      </form>
      <Notice tone={result && result.unmatched ? 'warning' : 'success'}>{result ? t('vendorBilling.transfers.done', { lines: result.lines, paid: result.paid, unmatched: result.unmatched }) : null}</Notice>
      {result ? (
        <DataTable<TransferOutcome>
          caption={t('vendorBilling.transfers.results')}
          columns={[t('vendorBilling.transfers.col.line'), t('vendorBilling.transfers.col.outcome'), t('vendorBilling.transfers.col.invoice'), { label: t('vendorBilling.transfers.col.amount'), className: 'num' }, { label: t('vendorBilling.transfers.col.expected'), className: 'num' }]}
          rows={result.results}
          empty={t('vendorBilling.transfers.none')}
        >
          {(r) => (
            <tr key={r.line}>
              <td data-label={t('vendorBilling.transfers.col.line')}>{r.line}</td>
              <td data-label={t('vendorBilling.transfers.col.outcome')}>
                <Badge tone={OUTCOME_TONE[r.outcome]}>{t(`vendorBilling.outcome.${r.outcome}`)}</Badge>
                {r.outcome === 'invalid' ? <span className="cell-sub">{r.message}</span> : null}
              </td>
              <td data-label={t('vendorBilling.transfers.col.invoice')}>
                {'number' in r ? <span className="cell-main">{r.number}</span> : null}
                {'reference' in r ? <span className="cell-sub">{r.reference}</span> : null}
                {r.outcome === 'invalid' ? '—' : null}
              </td>
              <td data-label={t('vendorBilling.transfers.col.amount')} className="num">
                {'amountMinor' in r ? money(r.amountMinor) : '—'}
              </td>
              <td data-label={t('vendorBilling.transfers.col.expected')} className="num">
                {'expectedMinor' in r ? money(r.expectedMinor) : '—'}
              </td>
            </tr>
          )}
        </DataTable>
      ) : null}
    </section>
  );
}

/** Late payment: the written notices due now (the hourly job sends them too). */
function DunningCard({ onSent }: { onSent: () => void }) {
  const { t } = useI18n();
  const [sent, setSent] = useState<string[] | null>(null);
  const { error, setError, busy, run } = useSubmit();
  return (
    <section className="card" aria-labelledby="vb-dunning" data-testid="vb-dunning">
      <h2 id="vb-dunning">{t('vendorBilling.dunning')}</h2>
      <p className="small muted">{t('vendorBilling.dunning.intro')}</p>
      <ProblemBox error={error} />
      <div className="actions">
        <button
          type="button"
          className="btn"
          disabled={busy}
          onClick={() => {
            setError(null);
            setSent(null);
            void run(async () => {
              const r = await api.post<{ noticed: string[] }>('/vendor/dunning/run');
              setSent(r.noticed);
              onSent();
            });
          }}
        >
          {t('vendorBilling.dunning.run')}
        </button>
      </div>
      <Notice>{sent ? (sent.length ? t('vendorBilling.dunning.sent', { count: sent.length, numbers: sent.join(', ') }) : t('vendorBilling.dunning.none')) : null}</Notice>
    </section>
  );
}
