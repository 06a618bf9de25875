// The Client admin's billing page (R-BIL): the plan and its user limit, and the month's active users
// — who counts and why — running for this month, final for past ones. Invoices come with them.
import { useEffect, useState } from 'react';
import { api, type ActiveUser, type BillingUsage, type Invoice } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { Badge, DlRow, ProblemBox, TextField, usePageTitle } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { formatMinor } from '../money.ts';

const thisMonth = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(new Date());

export function BillingPage() {
  const { t, locale, date } = useI18n();
  usePageTitle(t('billing.title'));
  const [month, setMonth] = useState(thisMonth);
  const [data, setData] = useState<BillingUsage | null>(null);
  const [error, setError] = useState<unknown>(null);

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
  }, [month]);

  const monthName = (m: string) => new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${m}-01T00:00:00Z`));

  return (
    <section className="page">
      <h1>{t('billing.title')}</h1>
      <p className="muted">{t('billing.intro')}</p>
      <ProblemBox error={error} />
      {data ? (
        <>
          <section className="card" aria-labelledby="billing-plan" data-testid="billing-plan">
            <h2 id="billing-plan">{t('billing.plan')}</h2>
            <dl className="dl">
              <DlRow term={t('billing.plan.name')}>{label(t, 'plan', data.plan)}</DlRow>
              <DlRow term={t('billing.plan.seats')}>{data.userLimit === null ? t('billing.plan.seatsNoLimit', { used: data.seatsUsed }) : t('billing.plan.seatsOf', { used: data.seatsUsed, limit: data.userLimit })}</DlRow>
              <DlRow term={t('billing.plan.unit')}>{t('billing.plan.unitValue', { price: formatMinor(data.unitMinor, data.currency, locale) })}</DlRow>
            </dl>
          </section>
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
      <Invoices />
    </section>
  );
}

/** The Client's issued invoices, newest first, each with its PDF. */
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
      <ProblemBox error={error} />
      <DataTable<Invoice>
        caption={t('billing.invoices')}
        columns={[t('billing.invoice.number'), t('billing.invoice.period'), t('billing.invoice.issuedAt'), t('billing.invoice.total'), t('billing.invoice.state'), t('billing.invoice.pdf')]}
        rows={items ?? []}
        busy={items === null && !error}
        empty={t('billing.invoices.empty')}
      >
        {(i) => (
          <tr key={i.id}>
            <td data-label={t('billing.invoice.number')} className="cell-main">{i.number}</td>
            <td data-label={t('billing.invoice.period')}>{i.period}</td>
            <td data-label={t('billing.invoice.issuedAt')}>{date(i.issuedAt)}</td>
            <td data-label={t('billing.invoice.total')}>{formatMinor(i.totalTtcMinor, i.currency, locale)}</td>
            <td data-label={t('billing.invoice.state')}>
              <InvoiceState invoice={i} />
            </td>
            <td data-label={t('billing.invoice.pdf')}>
              <InvoicePdf invoice={i} from="/billing/invoices" />
            </td>
          </tr>
        )}
      </DataTable>
    </section>
  );
}

/** Paid or to pay (both billing pages). */
export function InvoiceState({ invoice }: { invoice: Invoice }) {
  const { t } = useI18n();
  return <Badge tone={invoice.paidAt ? 'green' : 'amber'}>{invoice.paidAt ? t('billing.invoice.paid') : t('billing.invoice.unpaid')}</Badge>;
}

/** The PDF of an issued invoice, from the admin's (`/billing/invoices`) or the vendor's (`/vendor/invoices`) routes. */
export function InvoicePdf({ invoice, from }: { invoice: Invoice; from: '/billing/invoices' | '/vendor/invoices' }) {
  const { t } = useI18n();
  return (
    <a className="btn btn--small" href={`/api/v1${from}/${encodeURIComponent(invoice.id)}/pdf`} download aria-label={t('billing.invoice.pdfLabel', { number: invoice.number ?? '' })}>
      PDF
    </a>
  );
}
