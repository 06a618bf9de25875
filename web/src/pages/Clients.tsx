// Clients (vendor operators): every Client, and creation with a first admin who is invited.
import { useEffect, useState, type FormEvent } from 'react';
import { api, type Tenant } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { Badge, FormActions, Notice, ProblemBox, SelectField, TextField, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { ContractEndPanel } from './ContractEnd.tsx';

const FIELDS = ['name', 'plan', 'country', 'currency', 'adminEmail', 'adminName', 'adminLocale'];

export function ClientsPage() {
  const { t, date } = useI18n();
  usePageTitle(t('clients.title'));
  const [items, setItems] = useState<Tenant[]>([]);
  const [loading, setLoading] = useState(true);
  const [listError, setListError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState('');
  const [ending, setEnding] = useState<Tenant | null>(null);

  useEffect(() => {
    let live = true;
    api.get<{ items: Tenant[] }>('/vendor/tenants').then(
      (r) => live && (setItems(r.items), setLoading(false)),
      (e) => live && (setListError(e), setLoading(false)),
    );
    return () => {
      live = false;
    };
  }, [version]);

  return (
    <section className="page">
      <h1>{t('clients.title')}</h1>
      <p className="muted">{t('clients.intro')}</p>
      <Notice>{notice || null}</Notice>
      <div className="split">
        <div className="split__main">
          <ProblemBox error={listError} />
          <DataTable
            caption={t('clients.title')}
            columns={[t('clients.col.name'), t('clients.col.plan'), t('clients.col.status'), t('clients.col.country'), t('clients.col.currency'), t('clients.col.createdAt'), t('common.actions')]}
            rows={items}
            busy={loading}
            empty={t('clients.empty')}
          >
            {(c) => (
              <tr key={c.id}>
                <td data-label={t('clients.col.name')} className="cell-main">
                  {c.name}
                </td>
                <td data-label={t('clients.col.plan')}>{label(t, 'plan', c.plan)}</td>
                <td data-label={t('clients.col.status')}>
                  <Badge tone={c.status === 'active' ? 'green' : c.status === 'suspended' || c.status === 'terminated' ? 'amber' : 'grey'}>{label(t, 'tenantStatus', c.status)}</Badge>
                </td>
                <td data-label={t('clients.col.country')}>{c.country}</td>
                <td data-label={t('clients.col.currency')}>{c.currency}</td>
                <td data-label={t('clients.col.createdAt')}>{date(c.createdAt)}</td>
                <td data-label={t('common.actions')}>
                  <button type="button" className="btn btn--small btn--ghost" aria-label={t('clients.endContract.label', { name: c.name })} onClick={() => setEnding(c)}>
                    {t('clients.endContract')}
                  </button>
                </td>
              </tr>
            )}
          </DataTable>
        </div>
        <aside className="split__side card">
          {ending ? (
            <ContractEndPanel key={ending.id} tenant={ending} onChanged={() => setVersion((v) => v + 1)} onClose={() => setEnding(null)} />
          ) : (
            <>
              <h2>{t('clients.create')}</h2>
              <CreateClient
                onCreated={(c, email) => {
                  setNotice(t('clients.created', { name: c.name, email }));
                  setVersion((v) => v + 1);
                }}
              />
            </>
          )}
        </aside>
      </div>
    </section>
  );
}

function CreateClient({ onCreated }: { onCreated: (c: Tenant, adminEmail: string) => void }) {
  const { t, locale } = useI18n();
  const [name, setName] = useState('');
  const [plan, setPlan] = useState('team');
  const [country, setCountry] = useState('FR');
  const [currency, setCurrency] = useState('EUR');
  const [adminEmail, setAdminEmail] = useState('');
  const [adminName, setAdminName] = useState('');
  const [adminLocale, setAdminLocale] = useState<string>(locale);
  const { error, setError, busy, run, fieldError: fe } = useSubmit();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      const c = await api.post<Tenant>('/vendor/tenants', { name, plan, country: country.trim().toUpperCase(), currency: currency.trim().toUpperCase(), adminEmail, adminName, adminLocale });
      onCreated(c, adminEmail.trim());
      setName('');
      setAdminEmail('');
      setAdminName('');
    });
  }

  return (
    <form onSubmit={submit} className="form">
      <ProblemBox error={error} inline={FIELDS} />
      <TextField label={t('clients.field.name')} name="name" required value={name} onChange={setName} error={fe('name')} maxLength={200} />
      <SelectField label={t('clients.field.plan')} name="plan" value={plan} onChange={setPlan} error={fe('plan')}>
        {(['solo', 'team', 'enterprise'] as const).map((p) => (
          <option key={p} value={p}>
            {label(t, 'plan', p)}
          </option>
        ))}
      </SelectField>
      <div className="grid2">
        <TextField label={t('clients.field.country')} name="country" required value={country} onChange={setCountry} error={fe('country')} maxLength={2} pattern="[A-Za-z]{2}" autoCapitalize="characters" />
        <TextField label={t('clients.field.currency')} name="currency" required value={currency} onChange={setCurrency} error={fe('currency')} maxLength={3} pattern="[A-Za-z]{3}" autoCapitalize="characters" />
      </div>
      <TextField label={t('clients.field.adminEmail')} type="email" name="adminEmail" required value={adminEmail} onChange={setAdminEmail} error={fe('adminEmail')} autoComplete="off" />
      <TextField label={t('clients.field.adminName')} name="adminName" required value={adminName} onChange={setAdminName} error={fe('adminName')} autoComplete="off" />
      <SelectField label={t('clients.field.adminLocale')} name="adminLocale" value={adminLocale} onChange={setAdminLocale}>
        <option value="fr">{t('lang.fr')}</option>
        <option value="en">{t('lang.en')}</option>
      </SelectField>
      <FormActions label={t('clients.create')} busy={busy} />
    </form>
  );
}
