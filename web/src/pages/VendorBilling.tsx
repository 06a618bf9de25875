// Billing for the vendor's operators (R-BIL): every Client with its plan and active users of a
// month; the monthly invoice run, first as a dry run (what would be issued), then for real; every
// invoice with its PDF, and payments recorded.
import { useEffect, useState } from 'react';
import { api, type BillingOverview, type Invoice, type InvoiceRun } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { Notice, ProblemBox, TextField, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { formatMinor } from '../money.ts';
import { InvoicePdf, InvoiceState } from './Billing.tsx';

const lastMonth = () => {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
};

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
  const { error, setError, busy, run } = useSubmit();

  useEffect(() => {
    if (!/^\d{4}-\d{2}$/.test(month)) return;
    let live = true;
    Promise.all([api.get<BillingOverview>(`/vendor/billing/usage?month=${encodeURIComponent(month)}`), api.get<{ items: Invoice[] }>('/vendor/invoices')]).then(
      ([o, i]) => live && (setOverview(o), setInvoices(i.items)),
      (e) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
  }, [month, version]);

  const names = new Map((overview?.items ?? []).map((c) => [c.id, c.name]));
  const act = (work: () => Promise<void>) => {
    setError(null);
    setNotice('');
    void run(work);
  };

  return (
    <section className="page">
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
          <button type="button" className="btn btn--primary" disabled={busy} onClick={() => act(async () => {
            const r = await api.post<InvoiceRun>('/vendor/invoices/run', { month });
            setPlan(null);
            setNotice(t('vendorBilling.issued', { count: r.issued.length }));
            setVersion((v) => v + 1);
          })}>
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
                <td data-label={t('clients.col.name')} className="cell-main">{p.name}</td>
                <td data-label={t('vendorBilling.col.active')}>{p.activeUsers}</td>
                <td data-label={t('vendorBilling.col.ht')}>{formatMinor(p.totalHtMinor, 'EUR', locale)}</td>
                <td data-label={t('vendorBilling.col.vat')}>{formatMinor(p.vatMinor, 'EUR', locale)}</td>
                <td data-label={t('billing.invoice.total')}>{formatMinor(p.totalTtcMinor, 'EUR', locale)}</td>
              </tr>
            )}
          </DataTable>
        ) : null}
      </section>
      <section className="card" aria-labelledby="vb-clients">
        <h2 id="vb-clients">{t('vendorBilling.clients', { month })}</h2>
        <DataTable<BillingOverview['items'][number]>
          caption={t('vendorBilling.clients', { month })}
          columns={[t('clients.col.name'), t('clients.col.plan'), t('clients.col.status'), t('vendorBilling.col.active'), t('vendorBilling.col.limit')]}
          rows={overview?.items ?? []}
          busy={!overview && !loadError}
          empty={t('clients.empty')}
        >
          {(c) => (
            <tr key={c.id}>
              <td data-label={t('clients.col.name')} className="cell-main">{c.name}</td>
              <td data-label={t('clients.col.plan')}>{label(t, 'plan', c.plan)}</td>
              <td data-label={t('clients.col.status')}>{label(t, 'tenantStatus', c.status)}</td>
              <td data-label={t('vendorBilling.col.active')}>{c.activeUsers}</td>
              <td data-label={t('vendorBilling.col.limit')}>{c.userLimit ?? '—'}</td>
            </tr>
          )}
        </DataTable>
      </section>
      <section className="card" aria-labelledby="vb-invoices">
        <h2 id="vb-invoices">{t('billing.invoices')}</h2>
        <DataTable<Invoice>
          caption={t('billing.invoices')}
          columns={[t('billing.invoice.number'), t('clients.col.name'), t('billing.invoice.period'), t('billing.invoice.issuedAt'), t('billing.invoice.total'), t('billing.invoice.state'), t('common.actions')]}
          rows={invoices}
          empty={t('billing.invoices.none')}
        >
          {(i) => (
            <tr key={i.id}>
              <td data-label={t('billing.invoice.number')} className="cell-main">{i.number ?? t('vendorBilling.draft')}</td>
              <td data-label={t('clients.col.name')}>{names.get(i.tenantId) ?? i.tenantId}</td>
              <td data-label={t('billing.invoice.period')}>{i.period}</td>
              <td data-label={t('billing.invoice.issuedAt')}>{date(i.issuedAt)}</td>
              <td data-label={t('billing.invoice.total')}>{formatMinor(i.totalTtcMinor, i.currency, locale)}</td>
              <td data-label={t('billing.invoice.state')}>
                <InvoiceState invoice={i} />
              </td>
              <td data-label={t('common.actions')}>
                {i.status === 'issued' ? (
                  <>
                    <InvoicePdf invoice={i} from="/vendor/invoices" />{' '}
                    {!i.paidAt ? (
                      <button type="button" className="btn btn--small btn--ghost" disabled={busy} aria-label={t('vendorBilling.markPaidLabel', { number: i.number ?? '' })} onClick={() => act(async () => {
                        await api.post(`/vendor/invoices/${i.id}/paid`);
                        setNotice(t('vendorBilling.paid', { number: i.number ?? '' }));
                        setVersion((v) => v + 1);
                      })}>
                        {t('vendorBilling.markPaid')}
                      </button>
                    ) : null}
                  </>
                ) : null}
              </td>
            </tr>
          )}
        </DataTable>
      </section>
    </section>
  );
}
