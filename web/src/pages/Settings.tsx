// Expense settings (admin): categories and payment methods (add, rename, archive, reactivate),
// exchange rates (list, set one day's rate, import the ECB reference-rate CSV file), unreadable
// receipts, and the approval workflow (WorkflowSettings.tsx).
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, query, type Category, type ExchangeRate, type PaymentMethod } from '../api.ts';
import { dayLabel, today } from '../components/expenses.tsx';
import { DataTable } from '../components/lists.tsx';
import { Badge, CheckField, FormActions, Modal, Notice, ProblemBox, TextField, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatRate } from '../money.ts';
import { Link } from '../router.tsx';
import { OcrFailuresTab } from './OcrFailures.tsx';
import { ReversibilityTab } from './Reversibility.tsx';
import { WorkflowTab } from './WorkflowSettings.tsx';

export type SettingsTab = 'categories' | 'rates' | 'ocr-failures' | 'workflow' | 'reversibility';

export function SettingsPage({ tab }: { tab: SettingsTab }) {
  const { t } = useI18n();
  const tabs: { id: SettingsTab; to: string; label: string }[] = [
    { id: 'categories', to: '/settings', label: t('settings.tab.categories') },
    { id: 'rates', to: '/settings/rates', label: t('settings.tab.rates') },
    { id: 'ocr-failures', to: '/settings/ocr-failures', label: t('settings.tab.ocrFailures') },
    { id: 'workflow', to: '/settings/workflow', label: t('settings.tab.workflow') },
    { id: 'reversibility', to: '/settings/reversibility', label: t('settings.tab.reversibility') },
  ];
  usePageTitle(tabs.find((x) => x.id === tab)!.label);
  return (
    <section className="page">
      <h1>{t('settings.title')}</h1>
      <nav className="tabs" aria-label={t('settings.tabs')}>
        {tabs.map((x) => (
          <Link key={x.id} to={x.to} className="tabs__tab" aria-current={tab === x.id ? 'page' : undefined}>
            {x.label}
          </Link>
        ))}
      </nav>
      {tab === 'categories' && <CategoriesTab />}
      {tab === 'rates' && <RatesTab />}
      {tab === 'ocr-failures' && <OcrFailuresTab />}
      {tab === 'workflow' && <WorkflowTab />}
      {tab === 'reversibility' && <ReversibilityTab />}
    </section>
  );
}

// Categories and payment methods -------------------------------------------------------------

type Ref = (Category & { kind: 'category' }) | (PaymentMethod & { kind: 'method' });
const PATHS = { category: '/categories', method: '/payment-methods' } as const;

function CategoriesTab() {
  const { t } = useI18n();
  const [categories, setCategories] = useState<Category[]>([]);
  const [methods, setMethods] = useState<PaymentMethod[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [renaming, setRenaming] = useState<Ref | null>(null);
  // The notice is shown once the lists are reloaded, so what it says is already on screen.
  const reload = useCallback(
    (message = '') =>
      Promise.all([api.get<{ items: Category[] }>('/categories?includeArchived=true'), api.get<{ items: PaymentMethod[] }>('/payment-methods?includeArchived=true')]).then(
        ([c, m]) => (setCategories(c.items), setMethods(m.items), setLoading(false), setNotice(message)),
        (e) => (setError(e), setLoading(false)),
      ),
    [],
  );
  useEffect(() => void reload(), [reload]);

  async function toggle(r: Ref) {
    setError(null);
    setNotice('');
    try {
      await api.patch(`${PATHS[r.kind]}/${r.id}`, { active: !r.active });
      await reload(t(r.active ? 'settings.archived' : 'settings.reactivated', { name: r.name }));
    } catch (e) {
      setError(e);
    }
  }

  const actions = (r: Ref) => (
    <td className="cell-actions">
      <button type="button" className="btn btn--small" aria-label={t('settings.rename.label', { name: r.name })} onClick={() => (setNotice(''), setRenaming(r))}>
        {t('settings.rename')}
      </button>
      <button type="button" className={`btn btn--small${r.active ? ' btn--danger-ghost' : ''}`} aria-label={t(r.active ? 'settings.archive.label' : 'settings.reactivate.label', { name: r.name })} onClick={() => void toggle(r)}>
        {t(r.active ? 'settings.archive' : 'settings.reactivate')}
      </button>
    </td>
  );
  // Une catégorie (feminine), un moyen de paiement (masculine).
  const state = (active: boolean, masculine = false) => (
    <Badge tone={active ? 'green' : 'grey'}>{t(active ? (masculine ? 'settings.active.m' : 'settings.active') : masculine ? 'settings.archivedState.m' : 'settings.archivedState')}</Badge>
  );

  return (
    <>
      <p className="muted">{t('settings.categories.intro')}</p>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      <div className="stack">
        <section className="card" aria-labelledby="categories-heading">
          <h2 id="categories-heading">{t('settings.categories')}</h2>
          <DataTable caption={t('settings.categories')} columns={[t('settings.col.name'), t('settings.col.state')]} actions rows={categories} busy={loading} empty={t('settings.empty')}>
            {(c) => (
              <tr key={c.id}>
                <td data-label={t('settings.col.name')} className="cell-main">
                  {c.name}
                </td>
                <td data-label={t('settings.col.state')}>{state(c.active)}</td>
                {actions({ ...c, kind: 'category' })}
              </tr>
            )}
          </DataTable>
          <h3>{t('settings.category.add')}</h3>
          <AddReference kind="category" onAdded={(name) => void reload(t('settings.added', { name }))} />
        </section>
        <section className="card" aria-labelledby="methods-heading">
          <h2 id="methods-heading">{t('settings.methods')}</h2>
          <DataTable caption={t('settings.methods')} columns={[t('settings.col.name'), t('settings.col.reimbursable'), t('settings.col.state')]} actions rows={methods} busy={loading} empty={t('settings.empty')}>
            {(m) => (
              <tr key={m.id}>
                <td data-label={t('settings.col.name')} className="cell-main">
                  {m.name}
                </td>
                <td data-label={t('settings.col.reimbursable')}>{t(m.reimbursable ? 'settings.reimbursable' : 'settings.notReimbursable')}</td>
                <td data-label={t('settings.col.state')}>{state(m.active, true)}</td>
                {actions({ ...m, kind: 'method' })}
              </tr>
            )}
          </DataTable>
          <h3>{t('settings.method.add')}</h3>
          <AddReference kind="method" onAdded={(name) => void reload(t('settings.added', { name }))} />
        </section>
      </div>
      <Modal open={!!renaming} title={renaming ? t('settings.rename.title', { name: renaming.name }) : ''} onClose={() => setRenaming(null)}>
        {renaming && (
          <RenameForm
            item={renaming}
            onDone={(name) => {
              setRenaming(null);
              void reload(t('settings.renamed', { name }));
            }}
            onCancel={() => setRenaming(null)}
          />
        )}
      </Modal>
    </>
  );
}

function AddReference({ kind, onAdded }: { kind: 'category' | 'method'; onAdded: (name: string) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [reimbursable, setReimbursable] = useState(true);
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      const r = await api.post<{ name: string }>(PATHS[kind], kind === 'category' ? { name } : { name, reimbursable });
      setName('');
      setReimbursable(true);
      onAdded(r.name);
    });
  }
  const labelText = kind === 'category' ? t('settings.category.name') : t('settings.method.name');
  return (
    <form onSubmit={submit} className="form form--narrow" aria-label={kind === 'category' ? t('settings.category.add') : t('settings.method.add')}>
      <ProblemBox error={error} inline={['name', 'reimbursable']} />
      <TextField label={labelText} name={`${kind}-name`} required maxLength={100} value={name} onChange={setName} error={fe('name')} autoComplete="off" />
      {kind === 'method' && <CheckField label={t('settings.method.reimbursable')} name="reimbursable" checked={reimbursable} onChange={setReimbursable} hint={t('settings.method.reimbursable.hint')} />}
      <FormActions label={t('settings.add')} busy={busy} />
    </form>
  );
}

function RenameForm({ item, onDone, onCancel }: { item: Ref; onDone: (name: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(item.name);
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (name.trim() === item.name) return onCancel();
    await run(async () => {
      const r = await api.patch<{ name: string }>(`${PATHS[item.kind]}/${item.id}`, { name });
      onDone(r.name);
    });
  }
  return (
    <form onSubmit={submit} className="form">
      <ProblemBox error={error} inline={['name']} />
      <TextField label={t('settings.col.name')} name="rename" required maxLength={100} value={name} onChange={setName} error={fe('name')} autoComplete="off" />
      <FormActions label={t('common.save')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

// Exchange rates ----------------------------------------------------------------------------

function RatesTab() {
  const { t, locale } = useI18n();
  const [items, setItems] = useState<ExchangeRate[]>([]);
  const [clientCurrency, setClientCurrency] = useState('');
  const [currency, setCurrency] = useState('');
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const filter = /^[A-Za-z]{3}$/.test(currency.trim()) ? currency.trim().toUpperCase() : undefined;

  // As for categories: the notice comes with the reloaded list. A stale answer (the filter changed
  // meanwhile) is dropped.
  const latest = useRef(0);
  const reload = useCallback(
    (message?: string) => {
      const call = ++latest.current;
      setLoading(true);
      return api.get<{ clientCurrency: string; items: ExchangeRate[] }>(`/exchange-rates${query({ currency: filter, limit: 100 })}`).then(
        (r) => call === latest.current && (setItems(r.items), setClientCurrency(r.clientCurrency), setLoading(false), setError(null), message !== undefined && setNotice(message)),
        (e) => call === latest.current && (setError(e), setLoading(false)),
      );
    },
    [filter],
  );
  useEffect(() => void reload(), [reload]);

  const done = (msg: string) => void reload(msg);
  return (
    <>
      <p className="muted">{t('rates.intro', { currency: clientCurrency || 'EUR' })}</p>
      <Notice>{notice || null}</Notice>
      <div className="split">
        <div className="split__main">
          <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
            <TextField label={t('rates.filter.currency')} name="currency-filter" value={currency} onChange={setCurrency} maxLength={3} autoCapitalize="characters" hint={t('rates.filter.hint')} />
          </form>
          <ProblemBox error={error} />
          <DataTable
            caption={t('settings.tab.rates')}
            columns={[t('rates.col.date'), t('rates.col.currency'), { label: t('rates.col.rate'), className: 'num' }, t('rates.col.source')]}
            rows={items.map((r) => ({ ...r, id: `${r.currency}:${r.date}` }))}
            busy={loading}
            empty={t('rates.empty')}
          >
            {(r) => (
              <tr key={r.id}>
                <td data-label={t('rates.col.date')} className="nowrap">
                  {dayLabel(r.date, locale)}
                </td>
                <td data-label={t('rates.col.currency')} className="cell-main">
                  {r.currency}
                </td>
                <td data-label={t('rates.col.rate')} className="num nowrap">
                  1&nbsp;{clientCurrency} = {formatRate(r.rate, locale)}&nbsp;{r.currency}
                </td>
                <td data-label={t('rates.col.source')}>
                  <Badge tone={r.source === 'ecb' ? 'blue' : 'grey'}>{t(r.source === 'ecb' ? 'rates.source.ecb' : 'rates.source.manual')}</Badge>
                </td>
              </tr>
            )}
          </DataTable>
          {items.length >= 100 && <p className="muted small">{t('rates.limit')}</p>}
        </div>
        <aside className="split__side stack">
          <div className="card">
            <h2>{t('rates.set')}</h2>
            <SetRateForm clientCurrency={clientCurrency} onDone={(r) => done(t('rates.saved', { currency: r.currency, date: dayLabel(r.date, locale) }))} />
          </div>
          <div className="card">
            <h2>{t('rates.import')}</h2>
            <ImportForm onDone={(r) => done(t('rates.imported', { imported: r.imported, days: r.days, currencies: r.currencies.length }))} />
          </div>
        </aside>
      </div>
    </>
  );
}

function SetRateForm({ clientCurrency, onDone }: { clientCurrency: string; onDone: (r: ExchangeRate) => void }) {
  const { t } = useI18n();
  const [currency, setCurrency] = useState('');
  const [date, setDate] = useState(today());
  const [rate, setRate] = useState('');
  const [rateError, setRateError] = useState<string | undefined>();
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    // The API takes an exact decimal string with a dot: "1,0545" is written "1.0545".
    const r = rate.trim().replace(/\s/g, '').replace(',', '.');
    const ok = /^\d{1,10}(\.\d{1,10})?$/.test(r) && /[1-9]/.test(r);
    setRateError(ok ? undefined : t('rates.rate.invalid'));
    if (!ok) return;
    await run(async () => {
      onDone(await api.put<ExchangeRate>('/exchange-rates', { currency: currency.trim().toUpperCase(), date, rate: r }));
      setRate('');
    });
  }
  return (
    <form onSubmit={submit} className="form" aria-label={t('rates.set')}>
      <ProblemBox error={error} inline={['currency', 'date', 'rate']} />
      <TextField label={t('rates.field.currency')} name="currency" required maxLength={3} pattern="[A-Za-z]{3}" autoCapitalize="characters" autoComplete="off" value={currency} onChange={setCurrency} error={fe('currency')} hint={t('rates.field.currency.hint')} />
      <TextField label={t('rates.field.date')} type="date" name="date" required value={date} onChange={setDate} error={fe('date')} />
      <TextField
        label={t('rates.field.rate', { client: clientCurrency || 'EUR', currency: currency.trim().toUpperCase() || '…' })}
        name="rate"
        required
        inputMode="decimal"
        autoComplete="off"
        value={rate}
        onChange={setRate}
        error={rateError ?? fe('rate')}
        hint={t('rates.field.rate.hint')}
      />
      <FormActions label={t('rates.set.submit')} busy={busy} />
    </form>
  );
}

function ImportForm({ onDone }: { onDone: (r: { imported: number; days: number; currencies: string[] }) => void }) {
  const { t } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [since, setSince] = useState('');
  const [missing, setMissing] = useState(false);
  const { error, setError, busy, run } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setMissing(!file);
    if (!file) return;
    await run(async () => {
      const text = await file.text();
      onDone(await api.post(`/exchange-rates/import${query({ since })}`, text, { contentType: 'text/csv' }));
    });
  }
  // The file's own complaint ("row 3: … is not a date") says more than "the file has errors".
  const shown = error instanceof ApiError && error.code === 'import-invalid' && error.detail ? t('rates.import.invalid', { detail: error.detail }) : error;
  return (
    <form onSubmit={submit} className="form" aria-label={t('rates.import')}>
      <p className="small muted">{t('rates.import.intro')}</p>
      <ProblemBox error={shown} />
      <div className={`field${missing ? ' field--invalid' : ''}`}>
        <label htmlFor="ecb-file">{t('rates.import.file')}</label>
        <input id="ecb-file" type="file" accept=".csv,text/csv" onChange={(e) => (setFile(e.target.files?.[0] ?? null), setMissing(false))} aria-invalid={missing || undefined} aria-describedby={missing ? 'ecb-file-err' : undefined} />
        {missing && (
          <p className="field__error" id="ecb-file-err">
            {t('import.chooseFile')}
          </p>
        )}
      </div>
      <TextField label={t('rates.import.since')} type="date" name="since" value={since} onChange={setSince} optional hint={t('rates.import.since.hint')} />
      <FormActions label={t('rates.import.submit')} busy={busy} busyLabel={t('import.submitting')} />
    </form>
  );
}
