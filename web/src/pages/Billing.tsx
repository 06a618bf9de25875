// The Client admin's billing page (R-BIL): what is unpaid past its written notice and how to settle
// it (R-BIL-5); the plan and its user limit, Solo → Team and the Enterprise request (R-BIL-4); the
// month's active users — who counts and why — running for this month, final for past ones; the
// invoices and credit notes with what each still asks (R-BIL-3).
import { useEffect, useState, type FormEvent } from 'react';
import { api, type ActiveUser, type BillingStanding, type BillingUsage, type Invoice, type PlanView, type Session } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { billingMoment, INVOICE_CURRENCY } from '../components/suspension.tsx';
import { Badge, DlRow, FormActions, Notice, ProblemBox, TextAreaField, TextField, useConfirm, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n, type Translate } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { formatMinor } from '../money.ts';
import { useSession } from '../session.tsx';

const thisMonth = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(new Date());

function useMonthName() {
  const { locale } = useI18n();
  return (m: string) => new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${m}-01T00:00:00Z`));
}

export function BillingPage() {
  const { t, locale, date } = useI18n();
  usePageTitle(t('billing.title'));
  const [month, setMonth] = useState(thisMonth);
  const [data, setData] = useState<BillingUsage | null>(null);
  const [error, setError] = useState<unknown>(null);
  // a plan change reads the licence again
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (!/^\d{4}-\d{2}$/.test(month)) return;
    let live = true;
    setError(null);
    api.get<BillingUsage>(`/billing/usage?month=${encodeURIComponent(month)}`).then(
      (d) => live && setData(d),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [month, version]);

  const monthName = useMonthName();

  return (
    <section className="page billing">
      <h1>{t('billing.title')}</h1>
      <p className="muted">{t('billing.intro')}</p>
      <Standing />
      <ProblemBox error={error} />
      {data ? (
        <>
          <PlanCard usage={data} onChanged={() => setVersion((v) => v + 1)} />
          <section className="card" aria-labelledby="billing-active" data-testid="billing-active">
            <div className="page-head">
              <h2 id="billing-active">{t('billing.active.title', { month: monthName(data.month) })}</h2>
              {data.running ? <Badge tone="amber">{t('billing.active.running')}</Badge> : null}
            </div>
            <div className="grid2">
              <TextField label={t('billing.month')} type="month" name="month" value={month} onChange={setMonth} />
            </div>
            <p data-testid="billing-count">
              <strong>{t('billing.active.count', { count: data.activeUsers })}</strong> — {t('billing.active.estimate', { amount: formatMinor(data.activeUsers * data.unitMinor, data.currency, locale) })}
            </p>
            <DataTable<ActiveUser>
              caption={t('billing.active.title', { month: monthName(data.month) })}
              columns={[t('billing.col.user'), t('billing.col.reasons'), t('billing.col.first'), t('billing.col.acts')]}
              rows={data.users}
              empty={t('billing.active.empty')}
            >
              {(u) => (
                <tr key={u.userId}>
                  <td data-label={t('billing.col.user')} className="cell-main">
                    {u.name ?? u.userId} {u.status === 'deactivated' ? <Badge tone="grey">{t('status.deactivated')}</Badge> : null}
                  </td>
                  <td data-label={t('billing.col.reasons')}>{u.reasons.map((r) => t(`billing.reason.${r}`)).join(', ')}</td>
                  <td data-label={t('billing.col.first')}>{date(u.firstAt)}</td>
                  <td data-label={t('billing.col.acts')}>{u.acts}</td>
                </tr>
              )}
            </DataTable>
          </section>
        </>
      ) : !error ? (
        <p className="muted">{t('common.loading')}</p>
      ) : null}
      <DetailsCard />
      <Invoices />
    </section>
  );
}

/** Whether the session's billing notice says what the standing says (else the frame's banner is out of date). */
function sameStanding(s: Session | null, st: BillingStanding): boolean {
  const n = s?.tenant?.billingNotice ?? null;
  return (n?.suspendAt ?? null) === st.suspendAt && (n?.suspended ?? false) === st.suspended;
}

/** Unpaid invoices past their written notice: the amount due, the suspension date (or since when), and how to settle. */
function Standing() {
  const { t, locale, date } = useI18n();
  const { session, update } = useSession();
  const [standing, setStanding] = useState<BillingStanding | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    api.get<BillingStanding>('/billing/standing').then(
      (s) => live && setStanding(s),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, []);

  // Paid since the session was read (or noticed meanwhile): the frame's banner follows.
  useEffect(() => {
    if (!standing || sameStanding(session, standing)) return;
    let live = true;
    api.get<Session>('/session').then(
      (s) => live && update(s),
      () => undefined,
    );
    return () => {
      live = false;
    };
    // once per answer of the standing (the session read then is the one to compare with)
  }, [standing]);

  if (error) return <ProblemBox error={error} />;
  if (!standing || !standing.unpaid.length) return null;
  const total = standing.unpaid.reduce((a, u) => a + u.amountDueMinor, 0);
  const money = (m: number) => formatMinor(m, INVOICE_CURRENCY, locale);
  const numbers = standing.unpaid.map((u) => u.number).join(', ');
  return (
    <section className={`card card--${standing.suspended ? 'danger' : 'warning'}`} aria-labelledby="billing-standing" data-testid="billing-standing">
      <h2 id="billing-standing">{standing.suspended ? t('billing.standing.suspendedTitle') : t('billing.standing.title')}</h2>
      <p className="lead">
        <strong>{t('billing.standing.due', { amount: money(total) })}</strong>
      </p>
      <p>
        {standing.suspended
          ? t('billing.standing.suspendedSince', { date: billingMoment(standing.suspendAt!, locale) })
          : t('billing.standing.suspendOn', { date: billingMoment(standing.suspendAt!, locale) })}
      </p>
      <DataTable<BillingStanding['unpaid'][number]>
        caption={t('billing.standing.title')}
        columns={[t('billing.invoice.number'), { label: t('billing.invoice.balance'), className: 'num' }, t('billing.standing.noticeSent'), t('billing.standing.suspension')]}
        rows={standing.unpaid}
        empty=""
      >
        {(u) => (
          <tr key={u.invoiceId}>
            <td data-label={t('billing.invoice.number')} className="cell-main nowrap">
              {u.number}
            </td>
            <td data-label={t('billing.invoice.balance')} className="num nowrap">
              {money(u.amountDueMinor)}
            </td>
            <td data-label={t('billing.standing.noticeSent')}>{date(u.noticeSentAt)}</td>
            <td data-label={t('billing.standing.suspension')}>{billingMoment(u.suspendAt, locale)}</td>
          </tr>
        )}
      </DataTable>
      <h3>{t('billing.standing.howTitle')}</h3>
      <p>{t('billing.standing.how', { numbers })}</p>
      {standing.payTo ? (
        <dl className="dl" data-testid="billing-pay-to">
          <DlRow term="IBAN">
            <code>{standing.payTo.iban.replace(/(.{4})/g, '$1 ').trim()}</code>
          </DlRow>
          {standing.payTo.bic ? <DlRow term="BIC">{standing.payTo.bic}</DlRow> : null}
        </dl>
      ) : null}
      <p className="small muted">{t('billing.standing.kept')}</p>
      <p className="small muted">{t('billing.standing.charges')}</p>
    </section>
  );
}

/** The plan and its licence; Solo → Team (billed Team for the whole month of the change); the Enterprise request. */
function PlanCard({ usage, onChanged }: { usage: BillingUsage; onChanged: () => void }) {
  const { t, locale, date } = useI18n();
  const { update } = useSession();
  const monthName = useMonthName();
  const [view, setView] = useState<PlanView | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [asking, setAsking] = useState(false);
  const [notice, setNotice] = useState('');
  const { error, setError, busy, run } = useSubmit();
  const [confirmEl, ask] = useConfirm();

  useEffect(() => {
    let live = true;
    api.get<PlanView>('/billing/plan').then(
      (v) => live && setView(v),
      (e) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
  }, []);

  const plan = view?.plan ?? usage.plan;
  const changed = (v: PlanView, message: string) => {
    setView(v);
    setNotice(message);
    onChanged();
    // the frame shows the session's plan too
    api.get<Session>('/session').then(update, () => undefined);
  };

  async function moveToTeam() {
    setError(null);
    setNotice('');
    const price = view ? t('billing.plan.toTeamPrice', { price: formatMinor(view.team.unitMinor, view.team.currency, locale), limit: view.team.userLimit ?? '—' }) : '';
    if (!(await ask(`${t('billing.plan.toTeamConfirm', { month: monthName(thisMonth()) })} ${price}`, t('billing.plan.toTeam')))) return;
    await run(async () => changed(await api.post<PlanView>('/billing/plan', { plan: 'team' }), t('billing.plan.toTeamDone')));
  }

  return (
    <section className="card" aria-labelledby="billing-plan" data-testid="billing-plan">
      <h2 id="billing-plan">{t('billing.plan')}</h2>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={loadError ?? error} />
      <dl className="dl">
        <DlRow term={t('billing.plan.name')}>{label(t, 'plan', usage.plan)}</DlRow>
        <DlRow term={t('billing.plan.seats')}>{usage.userLimit === null ? t('billing.plan.seatsNoLimit', { used: usage.seatsUsed }) : t('billing.plan.seatsOf', { used: usage.seatsUsed, limit: usage.userLimit })}</DlRow>
        <DlRow term={t('billing.plan.unit')}>{t('billing.plan.unitValue', { price: formatMinor(usage.unitMinor, usage.currency, locale) })}</DlRow>
        {view?.changes.length ? (
          <DlRow term={t('billing.plan.changes')} testId="billing-plan-changes">
            <ul className="plain">
              {view.changes.map((c) => (
                <li key={c.at}>
                  {t('billing.plan.change', { date: date(c.at), from: label(t, 'plan', c.from), to: label(t, 'plan', c.to) })}
                  {c.userLimit !== null ? ` — ${t('billing.plan.changeLimit', { limit: c.userLimit })}` : ''}
                </li>
              ))}
            </ul>
          </DlRow>
        ) : null}
      </dl>
      {view && plan === 'solo' ? (
        <div className="plan-offer">
          <p className="small muted">{t('billing.plan.toTeamHint')}</p>
          <div className="actions">
            <button type="button" className="btn btn--primary" disabled={busy} onClick={() => void moveToTeam()}>
              {t('billing.plan.toTeam')}
            </button>
          </div>
        </div>
      ) : null}
      {view && plan !== 'enterprise' ? (
        view.enterpriseRequest ? (
          <div className="alert alert--info" data-testid="enterprise-request">
            <p className="alert__title">{t('billing.enterprise.open', { date: date(view.enterpriseRequest.requestedAt) })}</p>
            <p className="prewrap">«&nbsp;{view.enterpriseRequest.message}&nbsp;»</p>
            <p className="small">{t('billing.enterprise.openHint')}</p>
          </div>
        ) : asking ? (
          <EnterpriseForm
            onDone={(v) => {
              setAsking(false);
              changed(v, t('billing.enterprise.sent'));
            }}
            onCancel={() => setAsking(false)}
          />
        ) : (
          <div className="plan-offer">
            <p className="small muted">{t('billing.enterprise.hint')}</p>
            <div className="actions">
              <button type="button" className="btn" disabled={busy} onClick={() => (setNotice(''), setAsking(true))}>
                {t('billing.enterprise.ask')}
              </button>
            </div>
          </div>
        )
      ) : null}
      {confirmEl}
    </section>
  );
}

type BillingDetails = { name: string; country: string; billingEmail: string | null; billingAddress: string | null; siren: string | null; vatNumber: string | null };

/** Who receives the invoices, and the Client's identity printed on them (from the next invoice on). */
function DetailsCard() {
  const { t } = useI18n();
  const [form, setForm] = useState({ billingEmail: '', billingAddress: '', siren: '', vatNumber: '' });
  const [loaded, setLoaded] = useState<BillingDetails | null>(null);
  const [notice, setNotice] = useState('');
  const { error, setError, busy, run, fieldError } = useSubmit();
  const fill = (d: BillingDetails) => {
    setLoaded(d);
    setForm({ billingEmail: d.billingEmail ?? '', billingAddress: d.billingAddress ?? '', siren: d.siren ?? '', vatNumber: d.vatNumber ?? '' });
  };
  useEffect(() => {
    let live = true;
    api.get<BillingDetails>('/billing/details').then((d) => live && fill(d), (e) => live && setError(e));
    return () => {
      live = false;
    };
  }, []);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setNotice('');
    const orNull = (v: string) => (v.trim() === '' ? null : v.trim());
    await run(async () => {
      fill(await api.patch<BillingDetails>('/billing/details', { billingEmail: orNull(form.billingEmail), billingAddress: orNull(form.billingAddress), siren: orNull(form.siren), vatNumber: orNull(form.vatNumber) }));
      setNotice(t('billing.details.saved'));
    });
  }
  const set = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  return (
    <section className="card" aria-labelledby="billing-details" data-testid="billing-details">
      <h2 id="billing-details">{t('billing.details.title')}</h2>
      <p className="small muted">{t('billing.details.intro')}</p>
      <Notice>{notice || null}</Notice>
      {loaded ? (
        <form onSubmit={submit} className="form" aria-label={t('billing.details.title')}>
          <ProblemBox error={error} inline={['billingEmail', 'billingAddress', 'siren', 'vatNumber']} />
          <div className="grid2">
            <TextField label={t('billing.details.email')} hint={t('billing.details.emailHint')} type="email" name="billingEmail" optional value={form.billingEmail} onChange={set('billingEmail')} error={fieldError('billingEmail')} />
            <TextField label={t('billing.details.siren')} name="siren" optional inputMode="numeric" maxLength={9} value={form.siren} onChange={set('siren')} error={fieldError('siren')} />
            <TextField label={t('billing.details.vat')} hint={t('billing.details.vatHint')} name="vatNumber" optional maxLength={15} value={form.vatNumber} onChange={set('vatNumber')} error={fieldError('vatNumber')} />
          </div>
          <TextAreaField label={t('billing.details.address')} name="billingAddress" optional rows={3} maxLength={500} value={form.billingAddress} onChange={set('billingAddress')} error={fieldError('billingAddress')} />
          <FormActions label={t('common.save')} busy={busy} />
        </form>
      ) : (
        <ProblemBox error={error} />
      )}
    </section>
  );
}

function EnterpriseForm({ onDone, onCancel }: { onDone: (v: PlanView) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [message, setMessage] = useState('');
  const { error, setError, busy, run, fieldError } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => onDone(await api.post<PlanView>('/billing/enterprise-request', { message })));
  }
  return (
    <form onSubmit={submit} className="form" aria-label={t('billing.enterprise.ask')}>
      <ProblemBox error={error} inline={['message']} />
      <TextAreaField
        label={t('billing.enterprise.message')}
        hint={t('billing.enterprise.messageHint')}
        name="message"
        required
        maxLength={2000}
        rows={4}
        value={message}
        onChange={setMessage}
        error={fieldError('message')}
      />
      <FormActions label={t('billing.enterprise.send')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

/** The Client's invoices and credit notes, newest first, each with what it still asks and its PDF. */
function Invoices() {
  const { t, locale, date } = useI18n();
  const [items, setItems] = useState<Invoice[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api.get<{ items: Invoice[] }>('/billing/invoices').then(
      (r) => live && setItems(r.items),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, []);
  return (
    <section className="card" aria-labelledby="billing-invoices" data-testid="billing-invoices">
      <h2 id="billing-invoices">{t('billing.invoices')}</h2>
      <p className="small muted">{t('billing.invoices.intro')}</p>
      <ProblemBox error={error} />
      <DataTable<Invoice>
        caption={t('billing.invoices')}
        columns={[
          t('billing.invoice.number'),
          t('billing.invoice.kind'),
          t('billing.invoice.period'),
          t('billing.invoice.issuedAt'),
          ...invoiceFigureColumns(t),
          t('billing.invoice.pdf'),
        ]}
        rows={items ?? []}
        busy={items === null && !error}
        empty={t('billing.invoices.empty')}
      >
        {(i) => (
          <tr key={i.id}>
            <td data-label={t('billing.invoice.number')} className="cell-main nowrap">
              {i.number}
            </td>
            <td data-label={t('billing.invoice.kind')}>
              <InvoiceKind invoice={i} />
            </td>
            <td data-label={t('billing.invoice.period')}>{i.period ?? '—'}</td>
            <td data-label={t('billing.invoice.issuedAt')} className="nowrap">{date(i.issuedAt)}</td>
            <InvoiceFigures invoice={i} />
            <td data-label={t('billing.invoice.pdf')}>
              <InvoicePdf invoice={i} from="/billing/invoices" />
            </td>
          </tr>
        )}
      </DataTable>
    </section>
  );
}

/** What an issued, unpaid invoice still asks once its credit notes are deducted (both billing pages). */
/** The columns of InvoiceFigures. */
export const invoiceFigureColumns = (t: Translate) => [{ label: t('billing.invoice.total'), className: 'num' }, { label: t('billing.invoice.balance'), className: 'num' }, t('billing.invoice.state')];

/** An invoice's total, what it still asks and its state, as table cells (both billing pages). */
export function InvoiceFigures({ invoice: i }: { invoice: Invoice }) {
  const { t, locale } = useI18n();
  return (
    <>
      <td data-label={t('billing.invoice.total')} className="num nowrap">
        {formatMinor(i.totalTtcMinor, i.currency, locale)}
      </td>
      <td data-label={t('billing.invoice.balance')} className="num nowrap">
        <StillDue invoice={i} />
      </td>
      <td data-label={t('billing.invoice.state')}>
        <InvoiceState invoice={i} />
      </td>
    </>
  );
}

export function stillDueMinor(i: Invoice): number | null {
  if (i.kind !== 'invoice' || i.status !== 'issued' || i.paidAt) return null;
  return Math.max(0, i.balanceMinor ?? i.totalTtcMinor);
}

export function StillDue({ invoice }: { invoice: Invoice }) {
  const { locale } = useI18n();
  const due = stillDueMinor(invoice);
  return <>{due === null ? '—' : formatMinor(due, invoice.currency, locale)}</>;
}

/** Invoice, or credit note with the invoice it corrects (both billing pages). */
export function InvoiceKind({ invoice: i }: { invoice: Invoice }) {
  const { t } = useI18n();
  if (i.kind !== 'credit_note') return <>{t('billing.kind.invoice')}</>;
  return (
    <>
      <Badge tone="blue">{t('billing.kind.creditNote')}</Badge>
      {i.correctsNumber ? <span className="cell-sub">{t('billing.kind.corrects', { number: i.correctsNumber })}</span> : null}
    </>
  );
}

/** Paid, to pay, notice sent, credited (both billing pages). */
export function InvoiceState({ invoice: i }: { invoice: Invoice }) {
  const { t, locale, date } = useI18n();
  if (i.status === 'draft') return <Badge tone="grey">{t('vendorBilling.draft')}</Badge>;
  if (i.kind === 'credit_note') return <Badge tone="grey">{t('billing.invoice.creditNoteIssued')}</Badge>;
  if (i.paidAt)
    return (
      <>
        <Badge tone="green">{t('billing.invoice.paid')}</Badge>
        <span className="cell-sub">{t('billing.invoice.paidOn', { date: date(i.paidAt) })}</span>
      </>
    );
  if (i.balanceMinor !== null && i.balanceMinor <= 0) return <Badge tone="grey">{t('billing.invoice.credited')}</Badge>;
  return (
    <>
      <Badge tone="amber">{t('billing.invoice.unpaid')}</Badge>
      {i.notice ? (
        <>
          {' '}
          <Badge tone="red">{t('billing.invoice.noticeSent')}</Badge>
          <span className="cell-sub">{t('billing.invoice.noticeDetail', { date: date(i.notice.sentAt), suspendAt: billingMoment(i.notice.suspendAt, locale) })}</span>
        </>
      ) : null}
      {i.balanceMinor !== null && i.balanceMinor < i.totalTtcMinor ? <span className="cell-sub">{t('billing.invoice.partlyCredited')}</span> : null}
    </>
  );
}

/** The PDF of an issued invoice or credit note, from the admin's (`/billing/invoices`) or the vendor's (`/vendor/invoices`) routes. */
export function InvoicePdf({ invoice, from }: { invoice: Invoice; from: '/billing/invoices' | '/vendor/invoices' }) {
  const { t } = useI18n();
  return (
    <a
      className="btn btn--small"
      href={`/api/v1${from}/${encodeURIComponent(invoice.id)}/pdf`}
      download
      aria-label={t(invoice.kind === 'credit_note' ? 'billing.creditNote.pdfLabel' : 'billing.invoice.pdfLabel', { number: invoice.number ?? '' })}
    >
      PDF
    </a>
  );
}
