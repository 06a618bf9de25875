// Exports for the accountant and payroll (R-ACC-2 to R-ACC-5): the accounting export of a period
// (CSV, FEC, Excel), the payroll export in saved column presets, reimbursement by SEPA transfer
// (the company account, the pain.001 file, its confirmation), the history of export batches with
// their files, and the accounting settings. Payroll users see the payroll export and the history.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import {
  api,
  API,
  ApiError,
  type AccountingSettings,
  type AccountingSettingsPatch,
  type CompanyAccount,
  type ExportBatch,
  type PayrollColumn,
  type PayrollField,
  type PayrollPreset,
  type SepaBatch,
  type SepaConfirmed,
  type SepaMissing,
  type SepaPrepared,
} from '../api.ts';
import { dayLabel, today } from '../components/expenses.tsx';
import { DataTable, useLoaded } from '../components/lists.tsx';
import { Badge, CheckField, FormActions, Notice, ProblemBox, SelectField, TextField, useConfirm, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { formatBytes, formatMinor } from '../money.ts';
import { Link } from '../router.tsx';
import { hasRole, useSignedIn } from '../session.tsx';
import { useUserNames } from './Users.tsx';

export type ExportsTab = 'accounting' | 'payroll' | 'reimbursements' | 'history' | 'settings';

const enc = encodeURIComponent;
const short = (hex: string, n = 12) => (hex.length > n ? `${hex.slice(0, n)}…` : hex);

/** The fields of the payroll export, as the API's schema lists them (PAYROLL_FIELDS); checked complete below. */
const PAYROLL_FIELDS = ['payrollId', 'employeeName', 'email', 'periodFrom', 'periodTo', 'category', 'expenses', 'amount', 'currency'] as const satisfies readonly PayrollField[];
const fieldsComplete: [Exclude<PayrollField, (typeof PAYROLL_FIELDS)[number]>] extends [never] ? true : false = true;
void fieldsComplete;
/** The API's columns without a preset (DEFAULT_PAYROLL_COLUMNS): the starting point of a new preset. */
const DEFAULT_COLUMNS: PayrollColumn[] = [
  { field: 'payrollId', header: 'Matricule' },
  { field: 'employeeName', header: 'Salarié' },
  { field: 'periodFrom', header: 'Début' },
  { field: 'periodTo', header: 'Fin' },
  { field: 'expenses', header: 'Nombre de dépenses' },
  { field: 'amount', header: 'Montant à rembourser' },
  { field: 'currency', header: 'Devise' },
];

/** The previous calendar month, as [first day, last day]. */
function previousMonth(): [string, string] {
  const d = new Date();
  const first = new Date(d.getFullYear(), d.getMonth() - 1, 1);
  const last = new Date(d.getFullYear(), d.getMonth(), 0);
  const iso = (x: Date) => `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, '0')}-${String(x.getDate()).padStart(2, '0')}`;
  return [iso(first), iso(last)];
}

export function ExportsPage({ tab }: { tab: ExportsTab }) {
  const { t } = useI18n();
  const s = useSignedIn();
  // Accountants and admins use every tab; payroll users the payroll export and the history (as the API allows).
  const accounting = hasRole(s, 'accountant') || hasRole(s, 'admin');
  const all: { id: ExportsTab; to: string; label: string }[] = [
    { id: 'accounting', to: '/exports', label: t('exports.tab.accounting') },
    { id: 'payroll', to: '/exports/payroll', label: t('exports.tab.payroll') },
    { id: 'reimbursements', to: '/exports/reimbursements', label: t('exports.tab.reimbursements') },
    { id: 'history', to: '/exports/history', label: t('exports.tab.history') },
    { id: 'settings', to: '/exports/settings', label: t('exports.tab.settings') },
  ];
  const tabs = accounting ? all : all.filter((x) => x.id === 'payroll' || x.id === 'history');
  const current = tabs.find((x) => x.id === tab) ?? tabs[0]!;
  usePageTitle(`${current.label} · ${t('exports.title')}`);
  return (
    <section className="page">
      <h1>{t('exports.title')}</h1>
      <nav className="tabs" aria-label={t('exports.tabs')}>
        {tabs.map((x) => (
          <Link key={x.id} to={x.to} className="tabs__tab" aria-current={current.id === x.id ? 'page' : undefined}>
            {x.label}
          </Link>
        ))}
      </nav>
      {current.id === 'accounting' && <AccountingTab />}
      {current.id === 'payroll' && <PayrollTab />}
      {current.id === 'reimbursements' && <ReimbursementsTab />}
      {current.id === 'history' && <HistoryTab canListUsers={hasRole(s, 'admin')} />}
      {current.id === 'settings' && <SettingsTab />}
    </section>
  );
}


function Row({ term, children, testId }: { term: string; children: ReactNode; testId?: string }) {
  return (
    <div className="dl__row" data-testid={testId}>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Period({ from, to, setFrom, setTo, fe }: { from: string; to: string; setFrom: (v: string) => void; setTo: (v: string) => void; fe: (n: string) => string | undefined }) {
  const { t } = useI18n();
  return (
    <fieldset className="checks">
      <legend>{t('exports.period')}</legend>
      <div className="grid2">
        <TextField label={t('exports.from')} type="date" name="from" required value={from} onChange={setFrom} max={to || undefined} error={fe('from')} />
        <TextField label={t('exports.to')} type="date" name="to" required value={to} onChange={setTo} min={from || undefined} error={fe('to')} />
      </div>
    </fieldset>
  );
}

/** A 409 of an export said plainly, with the way to the settings when they are the cause. */
function Refusal({ message, settingsLink }: { message: string; settingsLink?: boolean }) {
  const { t } = useI18n();
  return (
    <div role="alert" aria-live="assertive" className="live">
      <div className="alert alert--error">
        <p className="alert__title">{message}</p>
        {settingsLink && (
          <p className="alert__extra">
            <Link to="/exports/settings">{t('exports.goSettings')}</Link>
          </p>
        )}
      </div>
    </div>
  );
}

/** A new batch: what it holds, its fingerprint, its file. */
function BatchCard({ batch, title }: { batch: ExportBatch; title: string }) {
  const { t, locale } = useI18n();
  return (
    <section className="card" aria-labelledby="exports-batch" data-testid="export-batch">
      <h2 id="exports-batch">{title}</h2>
      <dl className="dl">
        <Row term={t('exports.batch.period')}>{t('exports.periodRange', { from: dayLabel(batch.periodFrom, locale), to: dayLabel(batch.periodTo, locale) })}</Row>
        <Row term={t('exports.batch.expenses')} testId="batch-expenses">
          {batch.expenses}
        </Row>
        <Row term={t('exports.batch.rows')} testId="batch-rows">
          {batch.rows}
        </Row>
        {batch.entryFrom !== null && (
          <Row term={t('exports.batch.entries')} testId="batch-entries">
            {batch.entryFrom === batch.entryTo ? String(batch.entryFrom) : t('exports.batch.entryRange', { from: batch.entryFrom, to: batch.entryTo ?? batch.entryFrom })}
          </Row>
        )}
        <Row term={t('exports.batch.file')}>
          {batch.fileName} ({formatBytes(batch.size, locale)})
        </Row>
        <Row term={t('exports.batch.sha256')} testId="batch-sha256">
          <code className="break">{batch.sha256}</code>
        </Row>
      </dl>
      <p>
        <a className="btn btn--primary" href={`${API}/exports/${enc(batch.id)}/file`} download={batch.fileName}>
          {t('exports.download', { name: batch.fileName })}
        </a>
      </p>
    </section>
  );
}

// Accounting ---------------------------------------------------------------------------------

function AccountingTab() {
  const { t } = useI18n();
  const [initialFrom, initialTo] = previousMonth();
  const [from, setFrom] = useState(initialFrom);
  const [to, setTo] = useState(initialTo);
  const [format, setFormat] = useState<'csv' | 'fec' | 'xlsx'>('csv');
  const [reexport, setReexport] = useState(false);
  const [batch, setBatch] = useState<ExportBatch | null>(null);
  const [refusal, setRefusal] = useState<{ message: string; settings: boolean } | null>(null);
  const [siren, setSiren] = useState<string | null | undefined>(undefined);
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  useEffect(() => {
    let live = true;
    api.get<AccountingSettings>('/exports/settings').then(
      (s) => live && setSiren(s.siren),
      () => undefined, // a hint only: the export itself says what is missing
    );
    return () => {
      live = false;
    };
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setRefusal(null);
    setBatch(null);
    await run(async () => {
      try {
        setBatch(await api.post<ExportBatch>('/exports/accounting', { from, to, format, ...(reexport ? { reexport: true } : {}) }));
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          const noSiren = format === 'fec' && /SIREN/i.test(err.detail ?? '');
          setRefusal({ message: noSiren ? t('exports.accounting.noSiren') : t(reexport ? 'exports.accounting.nothingAtAll' : 'exports.accounting.nothing'), settings: noSiren });
          return;
        }
        throw err;
      }
    });
  }
  return (
    <div className="stack">
      <p className="muted">{t('exports.accounting.intro')}</p>
      <section className="card" aria-labelledby="exports-accounting">
        <h2 id="exports-accounting">{t('exports.accounting.title')}</h2>
        <form onSubmit={submit} className="form form--narrow" aria-label={t('exports.accounting.title')}>
          {refusal ? <Refusal message={refusal.message} settingsLink={refusal.settings} /> : <ProblemBox error={error} inline={['from', 'to', 'format']} />}
          <Period from={from} to={to} setFrom={setFrom} setTo={setTo} fe={fe} />
          <SelectField label={t('exports.format')} name="format" value={format} onChange={(v) => setFormat(v as typeof format)} error={fe('format')} hint={format === 'fec' && siren === null ? t('exports.format.fec.noSiren') : t(`exports.format.${format}.hint`)}>
            <option value="csv">{t('exports.format.csv')}</option>
            <option value="fec">{t('exports.format.fec')}</option>
            <option value="xlsx">{t('exports.format.xlsx')}</option>
          </SelectField>
          <CheckField name="reexport" label={t('exports.reexport')} checked={reexport} onChange={setReexport} hint={t('exports.reexport.hint')} />
          {reexport && <Notice tone="warning">{t('exports.reexport.warning')}</Notice>}
          <FormActions label={t('exports.accounting.submit')} busy={busy} busyLabel={t('exports.exporting')} />
        </form>
      </section>
      {batch && <BatchCard batch={batch} title={t('exports.accounting.done')} />}
    </div>
  );
}

// Payroll ------------------------------------------------------------------------------------

function PayrollTab() {
  const { t } = useI18n();
  const [initialFrom, initialTo] = previousMonth();
  const [from, setFrom] = useState(initialFrom);
  const [to, setTo] = useState(initialTo);
  const [format, setFormat] = useState<'csv' | 'xlsx'>('csv');
  const [presetId, setPresetId] = useState('');
  const [batch, setBatch] = useState<ExportBatch | null>(null);
  const [refusal, setRefusal] = useState('');
  const presets = useLoaded(() => api.get<{ items: PayrollPreset[] }>('/exports/payroll/presets').then((r) => r.items));
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  const [confirmEl, ask] = useConfirm();
  const chosen = presets.data?.find((p) => p.id === presetId) ?? null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setRefusal('');
    setBatch(null);
    await run(async () => {
      try {
        setBatch(await api.post<ExportBatch>('/exports/payroll', { from, to, format, ...(presetId ? { presetId } : {}) }));
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) return setRefusal(t('exports.payroll.nothing'));
        throw err;
      }
    });
  }
  async function remove(p: PayrollPreset) {
    presets.setError(null);
    presets.setNotice('');
    if (!(await ask(t('exports.preset.delete.confirm', { name: p.name }), t('exports.preset.delete'), true))) return;
    try {
      await api.delete(`/exports/payroll/presets/${enc(p.id)}`);
      setPresetId('');
      presets.reload(t('exports.preset.deleted', { name: p.name }));
    } catch (err) {
      presets.setError(err);
    }
  }
  return (
    <div className="stack">
      <p className="muted">{t('exports.payroll.intro')}</p>
      <section className="card" aria-labelledby="exports-payroll">
        <h2 id="exports-payroll">{t('exports.payroll.title')}</h2>
        <form onSubmit={submit} className="form form--narrow" aria-label={t('exports.payroll.title')}>
          {refusal ? <Refusal message={refusal} /> : <ProblemBox error={error} inline={['from', 'to', 'format', 'presetId']} />}
          <Period from={from} to={to} setFrom={setFrom} setTo={setTo} fe={fe} />
          <SelectField label={t('exports.format')} name="payrollFormat" value={format} onChange={(v) => setFormat(v as typeof format)} error={fe('format')}>
            <option value="csv">{t('exports.format.csv')}</option>
            <option value="xlsx">{t('exports.format.xlsx')}</option>
          </SelectField>
          <SelectField
            label={t('exports.preset')}
            name="presetId"
            value={presetId}
            onChange={setPresetId}
            error={fe('presetId')}
            hint={(chosen ? chosen.columns : DEFAULT_COLUMNS).map((c) => c.header).join(' · ') + (chosen?.perCategory ? ` — ${t('exports.preset.perCategory.short')}` : '')}
          >
            <option value="">{t('exports.preset.default')}</option>
            {(presets.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </SelectField>
          <FormActions label={t('exports.payroll.submit')} busy={busy} busyLabel={t('exports.exporting')} />
        </form>
      </section>
      {batch && <BatchCard batch={batch} title={t('exports.payroll.done')} />}
      <section className="card" aria-labelledby="exports-presets">
        <h2 id="exports-presets">{t('exports.presets')}</h2>
        <p className="small muted">{t('exports.presets.intro')}</p>
        <Notice>{presets.notice || null}</Notice>
        <ProblemBox error={presets.error} />
        {chosen && (
          <p>
            <button type="button" className="btn btn--small btn--danger-ghost" onClick={() => void remove(chosen)}>
              {t('exports.preset.delete.label', { name: chosen.name })}
            </button>
          </p>
        )}
        <PresetEditor
          key={chosen?.id ?? ''}
          preset={chosen}
          onSaved={(id, name) => {
            setPresetId(id);
            presets.reload(t('exports.preset.saved', { name }));
          }}
        />
      </section>
      {confirmEl}
    </div>
  );
}

function PresetEditor({ preset, onSaved }: { preset: PayrollPreset | null; onSaved: (id: string, name: string) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(preset?.name ?? '');
  const [perCategory, setPerCategory] = useState(preset?.perCategory ?? false);
  const [columns, setColumns] = useState<PayrollColumn[]>(preset?.columns ?? DEFAULT_COLUMNS);
  const [local, setLocal] = useState('');
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  const set = (i: number, c: Partial<PayrollColumn>) => setColumns((xs) => xs.map((x, j) => (j === i ? { ...x, ...c } : x)));
  const move = (i: number, d: -1 | 1) =>
    setColumns((xs) => {
      const ys = [...xs];
      [ys[i], ys[i + d]] = [ys[i + d]!, ys[i]!];
      return ys;
    });
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const cols = columns.map((c) => ({ field: c.field, header: c.header.trim() }));
    if (!cols.length) return setLocal(t('exports.preset.noColumn'));
    if (cols.some((c) => !c.header)) return setLocal(t('exports.preset.emptyHeader'));
    setLocal('');
    await run(async () => {
      const r = await api.post<{ id: string }>('/exports/payroll/presets', { name: name.trim(), perCategory, columns: cols });
      onSaved(r.id, name.trim());
    });
  }
  return (
    <form onSubmit={submit} className="form" aria-label={t('exports.preset.editor')}>
      <h3>{preset ? t('exports.preset.edit', { name: preset.name }) : t('exports.preset.new')}</h3>
      <ProblemBox error={local || error} inline={['name']} />
      <TextField label={t('exports.preset.name')} name="presetName" required maxLength={100} value={name} onChange={setName} error={fe('name')} hint={t('exports.preset.name.hint')} />
      <CheckField name="perCategory" label={t('exports.preset.perCategory')} checked={perCategory} onChange={setPerCategory} hint={t('exports.preset.perCategory.hint')} />
      <div className="table-wrap">
        <table className="table">
          <caption className="sr-only">{t('exports.preset.columns')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('exports.preset.col.position')}</th>
              <th scope="col">{t('exports.preset.col.field')}</th>
              <th scope="col">{t('exports.preset.col.header')}</th>
              <th scope="col">
                <span className="sr-only">{t('common.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {columns.map((c, i) => (
              <tr key={i}>
                <td className="num">{i + 1}</td>
                <td>
                  <select aria-label={t('exports.preset.field.label', { n: i + 1 })} value={c.field} onChange={(e) => set(i, { field: e.target.value as PayrollField })}>
                    {PAYROLL_FIELDS.map((f) => (
                      <option key={f} value={f}>
                        {t(`exports.field.${f}` as MessageKey)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input aria-label={t('exports.preset.header.label', { n: i + 1 })} value={c.header} maxLength={60} onChange={(e) => set(i, { header: e.target.value })} />
                </td>
                <td className="cell-actions">
                  <span className="actions">
                    <button type="button" className="btn btn--small btn--ghost" disabled={i === 0} onClick={() => move(i, -1)} aria-label={t('exports.preset.up.label', { n: i + 1 })}>
                      ↑
                    </button>
                    <button type="button" className="btn btn--small btn--ghost" disabled={i === columns.length - 1} onClick={() => move(i, 1)} aria-label={t('exports.preset.down.label', { n: i + 1 })}>
                      ↓
                    </button>
                    <button type="button" className="btn btn--small btn--danger-ghost" onClick={() => setColumns((xs) => xs.filter((_, j) => j !== i))} aria-label={t('exports.preset.remove.label', { n: i + 1 })}>
                      {t('exports.preset.remove')}
                    </button>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <button type="button" className="btn btn--small" disabled={columns.length >= 20} onClick={() => setColumns((xs) => [...xs, { field: 'amount', header: '' }])}>
          {t('exports.preset.add')}
        </button>
      </p>
      <FormActions label={t('exports.preset.save')} busy={busy} />
    </form>
  );
}

// Reimbursements (SEPA) ----------------------------------------------------------------------

const SEPA_TONE = { pending: 'amber', confirmed: 'green', cancelled: 'grey' } as const;

function ReimbursementsTab() {
  const { t, locale, dateTime } = useI18n();
  const company = useLoaded(() => api.get<{ account: CompanyAccount | null }>('/exports/company-account'));
  const account = company.data?.account ?? null;
  const files = useLoaded(() => api.get<{ items: SepaBatch[] }>('/exports/sepa').then((r) => r.items));
  const [editing, setEditing] = useState(false);
  const [executionDate, setExecutionDate] = useState(today());
  const [prepared, setPrepared] = useState<SepaPrepared | null>(null);
  const [missing, setMissing] = useState<SepaMissing[]>([]);
  const [refusal, setRefusal] = useState<{ message: string; settings: boolean } | null>(null);
  const prepare = useSubmit();
  const [confirmEl, ask] = useConfirm();
  const [confirming, setConfirming] = useState<string | null>(null);
  const money = (minor: number) => formatMinor(minor, 'EUR', locale);

  async function submit(e: FormEvent) {
    e.preventDefault();
    prepare.setError(null);
    setRefusal(null);
    setPrepared(null);
    setMissing([]);
    files.setNotice('');
    await prepare.run(async () => {
      try {
        const r = await api.post<SepaPrepared>('/exports/sepa', { executionDate });
        setPrepared(r);
        setMissing(r.missing);
        files.reload();
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          const m = Array.isArray(err.extra.missing) ? (err.extra.missing as SepaMissing[]) : [];
          const noCompany = /company/i.test(err.detail ?? '');
          setMissing(m);
          setRefusal({ message: noCompany ? t('exports.sepa.noCompany') : m.length ? t('exports.sepa.nobodyPayable') : t('exports.sepa.nothing'), settings: false });
          return;
        }
        throw err;
      }
    });
  }
  async function confirm(b: SepaBatch) {
    files.setError(null);
    files.setNotice('');
    if (!(await ask(t('exports.sepa.confirm.question', { transfers: b.transfers, total: money(b.totalMinor), date: dayLabel(b.executionDate, locale) }), t('exports.sepa.confirm'), false))) return;
    setConfirming(b.id);
    try {
      const r = await api.post<SepaConfirmed>(`/exports/sepa/${enc(b.id)}/confirm`);
      if (prepared?.id === b.id) setPrepared(null);
      files.reload(t('exports.sepa.confirmed', { count: r.reimbursed }));
    } catch (err) {
      files.setError(err);
    } finally {
      setConfirming(null);
    }
  }
  const cols = [t('exports.sepa.col.file'), t('exports.sepa.col.execution'), { label: t('exports.sepa.col.transfers'), className: 'num' }, { label: t('exports.sepa.col.total'), className: 'num' }, t('exports.col.status')];
  return (
    <div className="stack">
      <p className="muted">{t('exports.sepa.intro')}</p>
      <section className="card" aria-labelledby="exports-company">
        <h2 id="exports-company">{t('exports.company')}</h2>
        <Notice>{company.notice || null}</Notice>
        <ProblemBox error={company.error} />
        {!company.data && !company.error ? (
          <p className="muted">{t('common.loading')}</p>
        ) : (
          <>
            <dl className="dl" data-testid="company-account">
              {account ? (
                <>
                  <Row term={t('exports.company.name')}>{account.name}</Row>
                  <Row term={t('exports.iban')}>
                    <code>{account.iban}</code>
                  </Row>
                  <Row term={t('exports.bic')}>{account.bic ?? t('common.none')}</Row>
                </>
              ) : (
                <Row term={t('exports.iban')}>{t('exports.company.none')}</Row>
              )}
            </dl>
            {editing || !account ? (
              <CompanyForm
                onCancel={account ? () => setEditing(false) : undefined}
                onDone={() => {
                  setEditing(false);
                  company.reload(t('exports.company.saved'));
                }}
              />
            ) : (
              <button type="button" className="btn" onClick={() => (company.setNotice(''), setEditing(true))}>
                {t('exports.company.change')}
              </button>
            )}
          </>
        )}
      </section>

      <section className="card" aria-labelledby="exports-sepa">
        <h2 id="exports-sepa">{t('exports.sepa.prepare')}</h2>
        <p className="small muted">{t('exports.sepa.prepare.intro')}</p>
        <form onSubmit={submit} className="form form--narrow" aria-label={t('exports.sepa.prepare')}>
          {refusal ? <Refusal message={refusal.message} /> : <ProblemBox error={prepare.error} inline={['executionDate']} />}
          <TextField label={t('exports.sepa.executionDate')} type="date" name="executionDate" required min={today()} value={executionDate} onChange={setExecutionDate} error={prepare.fieldError('executionDate')} />
          <FormActions label={t('exports.sepa.prepare.submit')} busy={prepare.busy} busyLabel={t('exports.exporting')} />
        </form>
        {prepared && (
          <div data-testid="sepa-prepared">
            <h3>{t('exports.sepa.prepared')}</h3>
            <dl className="dl">
              <Row term={t('exports.sepa.col.file')}>
                <code>{prepared.messageId}</code>
              </Row>
              <Row term={t('exports.sepa.col.execution')}>{dayLabel(prepared.executionDate, locale)}</Row>
              <Row term={t('exports.sepa.col.transfers')}>{prepared.transfers}</Row>
              <Row term={t('exports.sepa.col.total')}>{money(prepared.totalMinor)}</Row>
              <Row term={t('exports.batch.sha256')}>
                <code className="break">{prepared.sha256}</code>
              </Row>
            </dl>
            <p className="actions">
              <a className="btn btn--primary" href={`${API}/exports/sepa/${enc(prepared.id)}/file`} download={`${prepared.messageId}.xml`}>
                {t('exports.sepa.download')}
              </a>
              <button type="button" className="btn" disabled={confirming === prepared.id} onClick={() => void confirm(prepared)}>
                {t('exports.sepa.confirm.label', { name: prepared.messageId })}
              </button>
            </p>
          </div>
        )}
        {missing.length > 0 && (
          <div className="alert alert--warning" data-testid="sepa-missing">
            <p className="alert__title">{t('exports.sepa.missing')}</p>
            <ul className="alert__list">
              {missing.map((m) => (
                <li key={m.userId}>{t('exports.sepa.missing.one', { name: m.name, count: m.expenses })}</li>
              ))}
            </ul>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="exports-sepa-files">
        <h2 id="exports-sepa-files">{t('exports.sepa.files')}</h2>
        <Notice>{files.notice || null}</Notice>
        <ProblemBox error={files.error} />
        <DataTable caption={t('exports.sepa.files')} columns={cols} actions rows={files.data ?? []} busy={!files.data && !files.error} empty={t('exports.sepa.files.empty')}>
          {(b) => (
            <tr key={b.id} data-sepa={b.id}>
              <td data-label={t('exports.sepa.col.file')}>
                <div>
                  <span className="cell-main">
                    <code>{b.messageId}</code>
                  </span>
                  <span className="cell-sub">{dateTime(b.createdAt)}</span>
                </div>
              </td>
              <td data-label={t('exports.sepa.col.execution')} className="nowrap">
                {dayLabel(b.executionDate, locale)}
              </td>
              <td data-label={t('exports.sepa.col.transfers')} className="num">
                {b.transfers}
              </td>
              <td data-label={t('exports.sepa.col.total')} className="num nowrap">
                {money(b.totalMinor)}
              </td>
              <td data-label={t('exports.col.status')}>
                <Badge tone={SEPA_TONE[b.status]}>{t(`exports.sepa.status.${b.status}`)}</Badge>
              </td>
              <td className="cell-actions">
                <span className="actions">
                  <a className="btn btn--small" href={`${API}/exports/sepa/${enc(b.id)}/file`} download={`${b.messageId}.xml`} aria-label={t('exports.sepa.download.label', { name: b.messageId })}>
                    {t('exports.sepa.download.short')}
                  </a>
                  {b.status === 'pending' && (
                    <button type="button" className="btn btn--small" disabled={confirming === b.id} onClick={() => void confirm(b)} aria-label={t('exports.sepa.confirm.label', { name: b.messageId })}>
                      {t('exports.sepa.confirm')}
                    </button>
                  )}
                </span>
              </td>
            </tr>
          )}
        </DataTable>
      </section>
      {confirmEl}
    </div>
  );
}

function CompanyForm({ onDone, onCancel }: { onDone: () => void; onCancel?: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [iban, setIban] = useState('');
  const [bic, setBic] = useState('');
  const { error, setError, busy, run, fieldError } = useSubmit();
  // The service names the field `iban`/`bic`, the schema `body.iban`: either goes beside the field.
  const fe = (n: string) => (error instanceof ApiError ? (fieldError(n) ?? error.fieldErrors.find((f) => f.path === n)?.message) : undefined);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      await api.put('/exports/company-account', { name: name.trim(), iban: iban.trim(), bic: bic.trim() || null });
      onDone();
    });
  }
  return (
    <form onSubmit={submit} className="form form--narrow" aria-label={t('exports.company.form')}>
      <ProblemBox error={fe('iban') || fe('bic') ? null : error} inline={['name', 'iban', 'bic']} />
      <TextField label={t('exports.company.name')} name="companyName" required maxLength={70} value={name} onChange={setName} error={fe('name')} autoComplete="organization" />
      <TextField label={t('exports.iban')} name="companyIban" required minLength={15} maxLength={42} value={iban} onChange={setIban} error={fe('iban')} autoComplete="off" spellCheck={false} hint={t('exports.iban.hint')} />
      <TextField label={t('exports.bic')} name="companyBic" optional maxLength={14} value={bic} onChange={setBic} error={fe('bic')} autoComplete="off" spellCheck={false} />
      <FormActions label={t('common.save')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

// History ------------------------------------------------------------------------------------

function HistoryTab({ canListUsers }: { canListUsers: boolean }) {
  const { t, locale, dateTime } = useI18n();
  const me = useSignedIn().user;
  const { data, error } = useLoaded(() => api.get<{ items: ExportBatch[] }>('/exports').then((r) => r.items));
  const names = useUserNames(canListUsers);
  const who = (id: string) => (id === me.id ? t('exports.you', { name: me.name }) : (names.get(id) ?? t('exports.user', { id: id.slice(0, 8) })));
  const cols = [t('exports.col.kind'), t('exports.col.period'), t('exports.col.made'), { label: t('exports.col.rows'), className: 'num' }, t('exports.col.sha256'), t('exports.col.file')];
  return (
    <>
      <p className="muted">{t('exports.history.intro')}</p>
      <ProblemBox error={error} />
      <DataTable caption={t('exports.tab.history')} columns={cols} actions rows={data ?? []} busy={!data && !error} empty={t('exports.history.empty')}>
        {(b) => (
          <tr key={b.id} data-batch={b.id}>
            <td data-label={t('exports.col.kind')}>
              <div>
                <span className="cell-main">{t(`exports.kind.${b.kind}`)}</span>
                <span className="cell-sub">
                  {t(`exports.format.${b.format}`)}
                  {b.reexport ? ` · ${t('exports.reexported')}` : ''}
                </span>
              </div>
            </td>
            <td data-label={t('exports.col.period')} className="nowrap">
              {t('exports.periodRange', { from: dayLabel(b.periodFrom, locale), to: dayLabel(b.periodTo, locale) })}
            </td>
            <td data-label={t('exports.col.made')}>
              <div>
                <span className="nowrap">{dateTime(b.createdAt)}</span>
                <span className="cell-sub">{t('exports.by', { name: who(b.createdBy) })}</span>
              </div>
            </td>
            <td data-label={t('exports.col.rows')} className="num">
              {b.rows}
            </td>
            <td data-label={t('exports.col.sha256')}>
              <code title={b.sha256}>{short(b.sha256, 16)}</code>
            </td>
            <td data-label={t('exports.col.file')}>
              <div>
                <span className="break">{b.fileName}</span>
                <span className="cell-sub">
                  <Badge tone={b.fileKept ? 'green' : 'grey'}>{t(b.fileKept ? 'exports.file.kept' : 'exports.file.removed')}</Badge>
                </span>
              </div>
            </td>
            <td className="cell-actions">
              {b.fileKept && (
                <a className="btn btn--small" href={`${API}/exports/${enc(b.id)}/file`} download={b.fileName} aria-label={t('exports.download', { name: b.fileName })}>
                  {t('exports.download.short')}
                </a>
              )}
            </td>
          </tr>
        )}
      </DataTable>
    </>
  );
}

// Settings -----------------------------------------------------------------------------------

function SettingsTab() {
  const { t } = useI18n();
  const { data, error, notice, reload } = useLoaded(() => api.get<AccountingSettings>('/exports/settings'));
  return (
    <>
      <p className="muted">{t('exports.settings.intro')}</p>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      {!data ? !error && <p className="muted">{t('common.loading')}</p> : <SettingsForm key={JSON.stringify(data)} settings={data} onDone={() => reload(t('exports.settings.saved'))} />}
    </>
  );
}

const ACCOUNT = /^[1-8][0-9A-Z]{1,15}$/;

function SettingsForm({ settings, onDone }: { settings: AccountingSettings; onDone: () => void }) {
  const { t } = useI18n();
  const [v, setV] = useState({
    siren: settings.siren ?? '',
    journalCode: settings.journalCode,
    journalLabel: settings.journalLabel,
    employeeAccount: settings.employeeAccount,
    cardAccount: settings.cardAccount,
    defaultExpenseAccount: settings.defaultExpenseAccount,
    defaultVatAccount: settings.defaultVatAccount,
    csvDelimiter: settings.csvDelimiter as string,
    fecSeparator: settings.fecSeparator as string,
    fileRetentionDays: String(settings.fileRetentionDays),
  });
  const [decimalComma, setDecimalComma] = useState(settings.csvDecimalComma);
  const [bom, setBom] = useState(settings.csvBom);
  const [local, setLocal] = useState<Record<string, string | undefined>>({});
  const { error, setError, busy, run, fieldError } = useSubmit();
  const fe = (n: string) => local[n] ?? fieldError(n);
  const on = (k: keyof typeof v) => (x: string) => setV((o) => ({ ...o, [k]: x }));
  const accounts = ['employeeAccount', 'cardAccount', 'defaultExpenseAccount', 'defaultVatAccount'] as const;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const siren = v.siren.replace(/\s/g, '');
    const days = Number(v.fileRetentionDays);
    const errs: Record<string, string | undefined> = {
      siren: !siren || /^\d{9}$/.test(siren) ? undefined : t('exports.settings.siren.invalid'),
      journalCode: /^[A-Z0-9]{1,8}$/.test(v.journalCode.trim()) ? undefined : t('exports.settings.journalCode.invalid'),
      fileRetentionDays: Number.isInteger(days) && days >= 1 && days <= 3650 ? undefined : t('exports.settings.retention.invalid'),
    };
    for (const a of accounts) errs[a] = ACCOUNT.test(v[a].trim()) ? undefined : t('exports.settings.account.invalid');
    setLocal(errs);
    if (Object.values(errs).some(Boolean)) return;
    const patch: AccountingSettingsPatch = {
      siren: siren || null,
      journalCode: v.journalCode.trim(),
      journalLabel: v.journalLabel.trim(),
      employeeAccount: v.employeeAccount.trim(),
      cardAccount: v.cardAccount.trim(),
      defaultExpenseAccount: v.defaultExpenseAccount.trim(),
      defaultVatAccount: v.defaultVatAccount.trim(),
      csvDelimiter: v.csvDelimiter as AccountingSettings['csvDelimiter'],
      csvDecimalComma: decimalComma,
      csvBom: bom,
      fecSeparator: v.fecSeparator as AccountingSettings['fecSeparator'],
      fileRetentionDays: days,
    };
    await run(async () => {
      await api.patch<AccountingSettings>('/exports/settings', patch);
      onDone();
    });
  }
  const inline = ['siren', 'journalCode', 'journalLabel', ...accounts, 'csvDelimiter', 'csvDecimalComma', 'csvBom', 'fecSeparator', 'fileRetentionDays'];
  return (
    <form onSubmit={submit} className="form form--narrow" aria-label={t('exports.settings.title')}>
      <ProblemBox error={error} inline={inline} />
      <TextField label={t('exports.settings.nextEntry')} name="nextEntryNumber" readOnly value={String(settings.nextEntryNumber)} onChange={() => undefined} hint={t('exports.settings.nextEntry.hint')} />
      <TextField label={t('exports.settings.siren')} name="siren" optional inputMode="numeric" maxLength={11} value={v.siren} onChange={on('siren')} error={fe('siren')} hint={t('exports.settings.siren.hint')} />
      <div className="grid2">
        <TextField label={t('exports.settings.journalCode')} name="journalCode" required maxLength={8} value={v.journalCode} onChange={on('journalCode')} error={fe('journalCode')} />
        <TextField label={t('exports.settings.journalLabel')} name="journalLabel" required maxLength={100} value={v.journalLabel} onChange={on('journalLabel')} error={fe('journalLabel')} />
      </div>
      <fieldset className="checks">
        <legend>{t('exports.settings.accounts')}</legend>
        <div className="grid2">
          {accounts.map((a) => (
            <TextField key={a} label={t(`exports.settings.${a}`)} name={a} required maxLength={16} spellCheck={false} value={v[a]} onChange={on(a)} error={fe(a)} />
          ))}
        </div>
        <p className="field__hint">{t('exports.settings.accounts.hint')}</p>
      </fieldset>
      <fieldset className="checks">
        <legend>{t('exports.settings.files')}</legend>
        <SelectField label={t('exports.settings.csvDelimiter')} name="csvDelimiter" value={v.csvDelimiter} onChange={on('csvDelimiter')} error={fe('csvDelimiter')}>
          <option value=";">{t('exports.settings.delimiter.semicolon')}</option>
          <option value=",">{t('exports.settings.delimiter.comma')}</option>
          <option value="tab">{t('exports.settings.delimiter.tab')}</option>
        </SelectField>
        <CheckField name="csvDecimalComma" label={t('exports.settings.csvDecimalComma')} checked={decimalComma} onChange={setDecimalComma} />
        <CheckField name="csvBom" label={t('exports.settings.csvBom')} checked={bom} onChange={setBom} hint={t('exports.settings.csvBom.hint')} />
        <SelectField label={t('exports.settings.fecSeparator')} name="fecSeparator" value={v.fecSeparator} onChange={on('fecSeparator')} error={fe('fecSeparator')}>
          <option value="tab">{t('exports.settings.delimiter.tab')}</option>
          <option value="pipe">{t('exports.settings.delimiter.pipe')}</option>
        </SelectField>
        <TextField label={t('exports.settings.retention')} name="fileRetentionDays" type="number" min={1} max={3650} step={1} required value={v.fileRetentionDays} onChange={on('fileRetentionDays')} error={fe('fileRetentionDays')} hint={t('exports.settings.retention.hint')} />
      </fieldset>
      <FormActions label={t('common.save')} busy={busy} />
    </form>
  );
}
