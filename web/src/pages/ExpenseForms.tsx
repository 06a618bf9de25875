// New expense (employee): a receipt or invoice with its files, a car trip priced with the barème
// kilométrique, or a per-diem allowance — and the edit page of each kind (PATCH with the version
// read; a stale version is said plainly, with a reload).
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, type Expense, type ExpenseInput, type MileageInput, type PerDiemInput, type ScanResult, type Vehicle, type VehicleInput, type VatLine } from '../api.ts';
import { dayLabel, isEditable, setFlash, today, useReference, type Reference } from '../components/expenses.tsx';
import { OcrStatus, OcrTag, ocrFieldClass, useOcrLive } from '../components/ocr.tsx';
import { fileProblems, FilePicker, UploadProblem } from '../components/receipts.tsx';
import { amountError, rateOf, recompute, vatDraft, VatLines, type VatDraft } from '../components/vat.tsx';
import { ReturnReason } from '../components/workflow.tsx';
import { CheckField, FormActions, Modal, Notice, ProblemBox, SelectField, TextAreaField, TextField, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n, type Translate } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { formatMinor, minorToInput, parseAmount, parseKm } from '../money.ts';
import { changedByOcrOnly, isReading, isScanPlaceholder, ocrMark, type OcrMark } from '../ocr.ts';
import { Link, navigate } from '../router.tsx';
import { useSignedIn } from '../session.tsx';

export type NewExpenseTab = 'receipt' | 'mileage' | 'per-diem';

export function NewExpensePage({ tab }: { tab: NewExpenseTab }) {
  const { t } = useI18n();
  const ref = useReference();
  usePageTitle(t('expenses.new'));
  const tabs: { id: NewExpenseTab; to: string; label: string }[] = [
    { id: 'receipt', to: '/expenses/new', label: t('expense.tab.receipt') },
    { id: 'mileage', to: '/expenses/new/mileage', label: t('expense.tab.mileage') },
    { id: 'per-diem', to: '/expenses/new/per-diem', label: t('expense.tab.perDiem') },
  ];
  return (
    <section className="page">
      <h1>{t('expenses.new')}</h1>
      <nav className="tabs" aria-label={t('expense.tabs')}>
        {tabs.map((x) => (
          <Link key={x.id} to={x.to} className="tabs__tab" aria-current={tab === x.id ? 'page' : undefined}>
            {x.label}
          </Link>
        ))}
      </nav>
      <ProblemBox error={ref.error} />
      {tab === 'receipt' && (
        <>
          <ScanFirst />
          <h2 className="divider-title">{t('scan.or')}</h2>
          <ReceiptExpenseForm reference={ref} />
        </>
      )}
      {tab === 'mileage' && <MileageForm />}
      {tab === 'per-diem' && <PerDiemForm reference={ref} />}
    </section>
  );
}

/**
 * Scan first, type later: the receipt goes up on its own, the API makes a draft of it that OCR
 * fills, and the expense's page shows the reading. A refused file is said beside it, and no draft
 * is left behind.
 */
function ScanFirst() {
  const { t } = useI18n();
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [problems, setProblems] = useState<Map<File, string>>(new Map());
  const [busy, setBusy] = useState(false);

  async function scan() {
    if (!files.length) return;
    setBusy(true);
    setError(null);
    setProblems(new Map());
    const sent = files;
    try {
      const r = await api.upload<ScanResult>('/expenses/scan', 'files', sent);
      setFlash(r.expenseId, { notice: t('scan.created') });
      navigate(`/expenses/${encodeURIComponent(r.expenseId)}`);
    } catch (e) {
      setError(e);
      setProblems(fileProblems(e, sent));
      setBusy(false);
    }
  }

  return (
    <section className="card scan" aria-labelledby="scan-heading">
      <div className="scan__head">
        <ScanBigIcon />
        <div>
          <h2 id="scan-heading">{t('scan.title')}</h2>
          <p className="muted">{t('scan.intro')}</p>
        </div>
      </div>
      <UploadProblem error={error} intro={error ? t('scan.failed') : undefined} />
      <FilePicker
        files={files}
        onChange={(fs) => {
          setFiles(fs);
          setProblems((p) => new Map([...p].filter(([f]) => fs.includes(f))));
        }}
        problems={problems}
        disabled={busy}
        labels={{ drop: t('scan.drop'), camera: t('scan.camera'), chosen: t('scan.chosen') }}
      />
      {files.length > 0 && (
        <div className="actions">
          <button type="button" className="btn btn--primary" onClick={() => void scan()} disabled={busy}>
            {busy ? t('scan.busy') : t('scan.submit')}
          </button>
        </div>
      )}
    </section>
  );
}

function ScanBigIcon() {
  return (
    <svg className="scan__icon" viewBox="0 0 48 48" width="44" height="44" aria-hidden="true" focusable="false">
      <path d="M6 15V9a3 3 0 0 1 3-3h6M33 6h6a3 3 0 0 1 3 3v6M42 33v6a3 3 0 0 1-3 3h-6M15 42H9a3 3 0 0 1-3-3v-6" fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
      <path d="M15 14h18v20l-3-2-3 2-3-2-3 2-3-2-3 2z" fill="none" stroke="currentColor" strokeWidth="2.4" strokeLinejoin="round" />
      <path d="M19 20h10M19 25h6" stroke="currentColor" strokeWidth="2.4" strokeLinecap="round" />
    </svg>
  );
}

export function EditExpensePage({ id }: { id: string }) {
  const { t } = useI18n();
  const me = useSignedIn();
  const ref = useReference();
  // `load` counts the loads asked for (a reload after a stale save); the form starts again from
  // each one. Versions that OCR made while the form is open come in without starting it again.
  const [loaded, setLoaded] = useState<{ expense: Expense; load: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [n, setN] = useState(0);
  usePageTitle(t('expense.edit.title'));

  useEffect(() => {
    let live = true;
    api.get<Expense>(`/expenses/${encodeURIComponent(id)}`).then(
      (e) => live && (setLoaded({ expense: e, load: n }), setError(null)),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [id, n]);

  const expense = loaded?.expense ?? null;
  const editable = !!expense && expense.userId === me.user.id && isEditable(expense);
  // While the receipt is read, take in what OCR fills (the form keeps what its user typed). Any
  // other change is someone's edit: stop here, and the save says the expense changed.
  const { slow } = useOcrLive(id, expense?.version, editable && isReading(expense), (e) => {
    if (!loaded) return false;
    if (e.version !== loaded.expense.version && !changedByOcrOnly(loaded.expense, e)) return false;
    setLoaded({ expense: e, load: loaded.load });
  });

  const reload = () => setN((x) => x + 1);
  let body: ReactNode = null;
  if (expense && !editable) {
    body = (
      <div className="alert alert--warning">
        <p className="alert__title">{t('expense.notEditable', { status: label(t, 'expenseStatus', expense.status) })}</p>
      </div>
    );
  } else if (expense && loaded) {
    const reason = expense.status === 'returned' ? <ReturnReason expenseId={expense.id} /> : null;
    if (expense.kind === 'receipt')
      body = (
        <>
          {reason}
          <OcrStatus expense={expense} editable slow={slow} where="form" />
          <ReceiptExpenseForm key={loaded.load} reference={ref} expense={expense} onReload={reload} />
        </>
      );
    else if (expense.kind === 'mileage')
      body = (
        <>
          {reason}
          <MileageForm key={loaded.load} expense={expense} onReload={reload} />
        </>
      );
    else
      body = (
        <>
          {reason}
          <PerDiemForm key={loaded.load} reference={ref} expense={expense} onReload={reload} />
        </>
      );
  }
  return (
    <section className="page">
      <p className="backlink">
        <Link to={`/expenses/${encodeURIComponent(id)}`}>← {t('expense.back.detail')}</Link>
      </p>
      <h1>{t('expense.edit.title')}</h1>
      <ProblemBox error={error ?? ref.error} />
      {body}
    </section>
  );
}

// Shared pieces -----------------------------------------------------------------------------


/** The server says the edit was based on an older version (problem `stale-version`). */
const isStale = (err: unknown) => err instanceof ApiError && err.code === 'stale-version';

/** The fields of `next` that differ from `before` (arrays and objects compared by value). */
function changed<T extends object>(next: T, before: Partial<Record<keyof T, unknown>>): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(next) as (keyof T)[]) if (JSON.stringify(next[k] ?? null) !== JSON.stringify(before[k] ?? null)) out[k] = next[k];
  return out;
}

function StaleBox({ onReload }: { onReload?: () => void }) {
  const { t } = useI18n();
  return (
    <div role="alert" aria-live="assertive" className="live">
      <div className="alert alert--error">
        <p className="alert__title">{t('expense.stale')}</p>
        {onReload && (
          <p className="alert__extra">
            <button type="button" className="btn btn--small" onClick={onReload}>
              {t('expense.reload')}
            </button>
          </p>
        )}
      </div>
    </div>
  );
}

/** The common tail of every kind: project and description. */
function ProjectAndDescription({ project, setProject, description, setDescription, fe }: { project: string; setProject: (v: string) => void; description: string; setDescription: (v: string) => void; fe: (n: string) => string | undefined }) {
  const { t } = useI18n();
  return (
    <>
      <TextField label={t('expense.field.project')} name="project" value={project} onChange={setProject} error={fe('project')} optional maxLength={100} />
      <TextAreaField label={t('expense.field.description')} name="description" value={description} onChange={setDescription} error={fe('description')} optional maxLength={2000} />
    </>
  );
}

const COMMON_CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'JPY', 'CNY', 'AUD', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'RON', 'MAD', 'TND'];

function CurrencyField({ value, onChange, clientCurrency, error, mark }: { value: string; onChange: (v: string) => void; clientCurrency: string; error?: string; mark?: OcrMark }) {
  const { t, locale } = useI18n();
  const { common, others, name } = useMemo(() => {
    let names: Intl.DisplayNames | null = null;
    try {
      names = new Intl.DisplayNames([locale === 'fr' ? 'fr-FR' : 'en-GB'], { type: 'currency' });
    } catch {
      /* older browser: codes only */
    }
    const common = [...new Set([clientCurrency, ...COMMON_CURRENCIES, value].filter(Boolean))];
    let all: string[] = [];
    try {
      all = Intl.supportedValuesOf('currency');
    } catch {
      /* older browser: the common ones */
    }
    return { common, others: all.filter((c) => !common.includes(c)), name: (c: string) => (names ? `${c} — ${names.of(c) ?? c}` : c) };
  }, [locale, clientCurrency, value]);
  return (
    <SelectField label={t('expense.field.currency')} name="currency" value={value} onChange={onChange} error={error} className={ocrFieldClass(mark ?? null)} hint={mark ? <OcrTag mark={mark} /> : undefined}>
      <optgroup label={t('expense.currencies.common')}>
        {common.map((c) => (
          <option key={c} value={c}>
            {name(c)}
          </option>
        ))}
      </optgroup>
      {others.length > 0 && (
        <optgroup label={t('expense.currencies.all')}>
          {others.map((c) => (
            <option key={c} value={c}>
              {name(c)}
            </option>
          ))}
        </optgroup>
      )}
    </SelectField>
  );
}

// Receipt or invoice ------------------------------------------------------------------------

const RECEIPT_FIELDS = ['date', 'merchant', 'amountMinor', 'currency', 'categoryId', 'paymentMethodId', 'vatLines', 'project', 'description', 'attendees'];

/** The amount as the edit form shows it: empty for the zero of a scanned draft not read yet. */
const amountInput = (e: Expense, locale: 'fr' | 'en') => (isScanPlaceholder(e) ? '' : minorToInput(e.amountMinor, e.currency, locale));

function ReceiptExpenseForm({ reference, expense, onReload }: { reference: Reference; expense?: Expense; onReload?: () => void }) {
  const { t, locale } = useI18n();
  const e0 = expense;
  const [date, setDate] = useState(e0?.date ?? today());
  const [merchant, setMerchant] = useState(e0?.merchant ?? '');
  const [currencyChosen, setCurrency] = useState(e0?.currency ?? '');
  const currency = currencyChosen || reference.clientCurrency;
  const [amount, setAmount] = useState(e0 ? amountInput(e0, locale) : '');
  const [categoryId, setCategoryId] = useState(e0?.categoryId ?? '');
  const [paymentChosen, setPaymentMethodId] = useState(e0?.paymentMethodId ?? '');
  const [vat, setVat] = useState<VatDraft[]>(() => (e0?.vatLines ?? []).map((l) => vatDraft(l, e0!.currency, locale)));
  // The fields the user changed here: no longer marked as read from the receipt, never replaced
  // by what OCR reads meanwhile.
  const touched = useRef(new Set<string>());
  const [, setTouchCount] = useState(0);
  const touch = <V,>(field: string, set: (v: V) => void) => (v: V) => {
    if (!touched.current.has(field)) {
      touched.current.add(field);
      setTouchCount((x) => x + 1);
    }
    set(v);
  };
  const mark = (...fields: string[]): OcrMark => (e0 && !fields.some((f) => touched.current.has(f)) ? ocrMark(e0, ...fields) : null);
  // A version that OCR filled while the form is open: take in what the user has not changed.
  const seenVersion = useRef(e0?.version);
  useEffect(() => {
    if (!e0 || seenVersion.current === e0.version) return;
    seenVersion.current = e0.version;
    const take = (f: string) => e0.ocr.fields.includes(f) && !touched.current.has(f);
    if (take('merchant')) setMerchant(e0.merchant);
    if (take('date')) setDate(e0.date);
    if ((take('amountMinor') || take('currency')) && !touched.current.has('amountMinor') && !touched.current.has('currency')) {
      setAmount(amountInput(e0, locale));
      setCurrency(e0.currency);
    }
    if (take('vatLines')) setVat(e0.vatLines.map((l) => vatDraft(l, e0.currency, locale)));
  }, [e0, locale]);
  const [project, setProject] = useState(e0?.project ?? '');
  const [description, setDescription] = useState(e0?.description ?? '');
  const [attendees, setAttendees] = useState((e0?.attendees ?? []).join('\n'));
  const [files, setFiles] = useState<File[]>([]);
  const [local, setLocal] = useState<Map<string, string>>(new Map());
  const [phase, setPhase] = useState<'idle' | 'saving' | 'uploading'>('idle');
  const [stale, setStale] = useState(false);
  const { error, setError, busy, run, fieldError: fe } = useSubmit();

  const categories = reference.categories.filter((c) => c.active || c.id === e0?.categoryId);
  const methods = reference.paymentMethods.filter((m) => m.active || m.id === e0?.paymentMethodId);
  // By default, paid personally (the usual case); the user changes it for a company card.
  const paymentMethodId = paymentChosen || (methods.find((m) => m.code === 'personal') ?? methods.find((m) => m.reimbursable) ?? methods[0])?.id || '';
  const method = methods.find((m) => m.id === paymentMethodId);
  const category = categories.find((c) => c.id === categoryId);
  const showAttendees = category?.code === 'restaurant' || attendees.trim() !== '';

  // Amounts typed for another currency keep their digits: recompute the VAT when it changes.
  const prevCurrency = useRef(currency);
  useEffect(() => {
    if (prevCurrency.current !== currency) setVat((ls) => ls.map((l) => recompute(l, currency, locale)));
    prevCurrency.current = currency;
  }, [currency, locale]);

  function build(): ExpenseInput | null {
    const errs = new Map<string, string>();
    const amt = parseAmount(amount, currency);
    const amtErr = amountError(t, amt, currency);
    if (amtErr) errs.set('amount', amtErr);
    const lines: VatLine[] = [];
    vat.forEach((l, i) => {
      const rate = rateOf(l);
      const base = parseAmount(l.base, currency);
      const v = parseAmount(l.vat, currency);
      if (!rate.ok) errs.set(`${i}.rate`, t('vat.rate.invalid'));
      const be = amountError(t, base, currency);
      if (be) errs.set(`${i}.base`, be);
      const ve = amountError(t, v, currency);
      if (ve) errs.set(`${i}.vat`, ve);
      if (rate.ok && base.ok && v.ok) lines.push({ rateBp: rate.value, baseMinor: base.value, vatMinor: v.value });
    });
    setLocal(errs);
    if (errs.size || !amt.ok) return null;
    return {
      date,
      merchant: merchant.trim(),
      amountMinor: amt.value,
      currency,
      categoryId,
      paymentMethodId,
      vatLines: lines,
      project: project.trim() || null,
      description: description.trim(),
      attendees: showAttendees ? attendees.split('\n').map((s) => s.trim()).filter(Boolean) : [],
    };
  }

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    setError(null);
    setStale(false);
    const body = build();
    if (!body) return;
    await run(async () => {
      try {
        if (e0) {
          const diff = changed(body, e0);
          if (Object.keys(diff).length) {
            try {
              await api.patch<Expense>(`/expenses/${e0.id}`, { ...diff, version: e0.version });
            } catch (err) {
              if (isStale(err)) return setStale(true);
              throw err;
            }
          }
          setFlash(e0.id, { notice: t('expense.updated') });
          return navigate(`/expenses/${e0.id}`);
        }
        setPhase('saving');
        const created = await api.post<Expense>('/expenses', body);
        if (files.length) {
          setPhase('uploading');
          try {
            await api.upload(`/expenses/${created.id}/receipts`, 'files', files);
            setFlash(created.id, { notice: `${t('expense.created')} ${t('receipts.uploaded', { count: files.length })}` });
          } catch (err) {
            // The draft exists: its page shows what the server said and offers to try again.
            setFlash(created.id, { pending: files, uploadError: err });
          }
        } else {
          setFlash(created.id, { notice: t('expense.created') });
        }
        navigate(`/expenses/${created.id}`);
      } finally {
        setPhase('idle');
      }
    });
  }

  const labels = { date: t('expense.field.date'), merchant: t('expense.field.merchant'), amountMinor: t('expense.field.amount'), currency: t('expense.field.currency') };
  return (
    <form onSubmit={submit} className={`expense-form${e0 ? ' expense-form--edit' : ''}`} aria-label={e0 ? t('expense.edit.title') : t('expense.tab.receipt')}>
      {!e0 && (
        <section className="card expense-form__files" aria-labelledby="receipts-heading">
          <h2 id="receipts-heading">{t('receipts.title')}</h2>
          <FilePicker files={files} onChange={setFiles} disabled={busy} />
        </section>
      )}
      <section className="card expense-form__main">
        {stale ? <StaleBox onReload={onReload} /> : <ProblemBox error={error} inline={RECEIPT_FIELDS} labels={labels} />}
        <div className="form">
          <div className="grid2">
            <TextField
              label={t('expense.field.date')}
              type="date"
              name="date"
              required
              max={today()}
              value={date}
              onChange={touch('date', setDate)}
              error={fe('date')}
              className={ocrFieldClass(mark('date'))}
              hint={mark('date') ? <OcrTag mark={mark('date')} /> : undefined}
            />
            <TextField
              label={t('expense.field.merchant')}
              name="merchant"
              required
              maxLength={200}
              value={merchant}
              onChange={touch('merchant', setMerchant)}
              error={fe('merchant')}
              autoComplete="off"
              className={ocrFieldClass(mark('merchant'))}
              hint={mark('merchant') ? <OcrTag mark={mark('merchant')} /> : undefined}
            />
          </div>
          <div className="grid2">
            <TextField
              label={t('expense.field.amount')}
              name="amount"
              required
              inputMode="decimal"
              autoComplete="off"
              value={amount}
              onChange={touch('amountMinor', setAmount)}
              hint={
                mark('amountMinor') ? (
                  <>
                    <OcrTag mark={mark('amountMinor')} />
                    <span className="field__hint-text">{t('expense.field.amount.hint')}</span>
                  </>
                ) : (
                  t('expense.field.amount.hint')
                )
              }
              error={local.get('amount') ?? fe('amountMinor')}
              className={ocrFieldClass(mark('amountMinor'))}
            />
            <CurrencyField value={currency} onChange={touch('currency', setCurrency)} clientCurrency={reference.clientCurrency} error={fe('currency')} mark={mark('currency')} />
          </div>
          <div className="grid2">
            <SelectField label={t('expense.field.category')} name="categoryId" required value={categoryId} onChange={setCategoryId} error={fe('categoryId')}>
              <option value="">{t('expense.choose')}</option>
              {categories
                .filter((c) => c.code !== 'mileage' || c.id === e0?.categoryId)
                .map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
            </SelectField>
            <SelectField
              label={t('expense.field.paymentMethod')}
              name="paymentMethodId"
              required
              value={paymentMethodId}
              onChange={setPaymentMethodId}
              error={fe('paymentMethodId')}
              hint={method ? t(method.reimbursable ? 'expense.reimbursable.hint' : 'expense.notReimbursable.hint') : undefined}
            >
              {methods.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} ({t(m.reimbursable ? 'expense.reimbursable' : 'expense.notReimbursable')})
                </option>
              ))}
            </SelectField>
          </div>
          {showAttendees && (
            <TextAreaField label={t('expense.field.attendees')} name="attendees" value={attendees} onChange={setAttendees} hint={t('expense.field.attendees.hint')} error={fe('attendees')} optional />
          )}
          <VatLines lines={vat} onChange={touch('vatLines', setVat)} currency={currency} errors={local} serverError={fe} mark={mark('vatLines')} />
          <ProjectAndDescription project={project} setProject={setProject} description={description} setDescription={setDescription} fe={fe} />
          <FormActions
            label={e0 ? t('common.save') : t('expense.save')}
            busy={busy}
            busyLabel={phase === 'uploading' ? t('expense.uploading') : t('common.saving')}
            onCancel={e0 ? () => navigate(`/expenses/${e0.id}`) : undefined}
          />
        </div>
      </section>
    </form>
  );
}

// Mileage -----------------------------------------------------------------------------------

const MILEAGE_FIELDS = ['date', 'vehicleId', 'distanceKm', 'from', 'to', 'purpose', 'roundTrip', 'project', 'description'];

function vehicleLabel(t: Translate, v: Vehicle): string {
  const parts = [label(t, 'vehicleKind', v.kind)];
  if (v.fiscalHp !== null) parts.push(t('mileage.cv', { hp: v.fiscalHp }));
  if (v.electric) parts.push(t('mileage.electric'));
  return `${v.name} (${parts.join(', ')})`;
}

function MileageForm({ expense, onReload }: { expense?: Expense; onReload?: () => void }) {
  const { t, locale } = useI18n();
  const m0 = expense?.mileage;
  const [vehicles, setVehicles] = useState<Vehicle[]>([]);
  const [listError, setListError] = useState<unknown>(null);
  const [vehicleId, setVehicleId] = useState(m0?.vehicleId ?? '');
  const [date, setDate] = useState(expense?.date ?? today());
  const [from, setFrom] = useState(m0?.from ?? '');
  const [to, setTo] = useState(m0?.to ?? '');
  const [purpose, setPurpose] = useState(m0?.purpose ?? '');
  const [distance, setDistance] = useState(m0 ? String(m0.distanceKm).replace('.', locale === 'fr' ? ',' : '.') : '');
  const [roundTrip, setRoundTrip] = useState(m0?.roundTrip ?? false);
  const [project, setProject] = useState(expense?.project ?? '');
  const [description, setDescription] = useState(expense?.description ?? '');
  const [distanceError, setDistanceError] = useState<string | undefined>();
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState('');
  const [stale, setStale] = useState(false);
  const { error, setError, busy, run, fieldError: fe } = useSubmit();

  useEffect(() => {
    let live = true;
    api.get<{ items: Vehicle[] }>('/vehicles?includeArchived=true').then(
      (r) => {
        if (!live) return;
        const usable = r.items.filter((v) => !v.archived || v.id === m0?.vehicleId);
        setVehicles(usable);
        setVehicleId((cur) => cur || (usable.length === 1 ? usable[0]!.id : ''));
      },
      (e) => live && setListError(e),
    );
    return () => {
      live = false;
    };
  }, [m0?.vehicleId]);

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    setError(null);
    setStale(false);
    const km = parseKm(distance);
    setDistanceError(km.ok ? undefined : t('mileage.distance.invalid'));
    if (!km.ok) return;
    const body: MileageInput = { date, vehicleId, from: from.trim(), to: to.trim(), purpose: purpose.trim(), distanceKm: km.value, roundTrip, project: project.trim() || null, description: description.trim() };
    await run(async () => {
      if (expense && m0) {
        const diff = changed(body, { ...m0, date: expense.date, project: expense.project, description: expense.description });
        if (Object.keys(diff).length) {
          try {
            await api.patch<Expense>(`/expenses/mileage/${expense.id}`, { ...diff, version: expense.version });
          } catch (err) {
            if (isStale(err)) return setStale(true);
            throw err;
          }
        }
        setFlash(expense.id, { notice: t('expense.updated') });
        return navigate(`/expenses/${expense.id}`);
      }
      const e = await api.post<Expense>('/expenses/mileage', body);
      setFlash(e.id, { notice: t('mileage.created', { amount: formatMinor(e.amountMinor, e.currency, locale), year: e.mileage?.scaleYear ?? '' }) });
      navigate(`/expenses/${e.id}`);
    });
  }

  const labels = { vehicleId: t('mileage.vehicle'), distanceKm: t('mileage.distance'), from: t('mileage.from'), to: t('mileage.to'), purpose: t('mileage.purpose'), date: t('expense.field.date') };
  return (
    <>
      <form onSubmit={submit} className="card form form--wide" aria-label={expense ? t('expense.edit.title') : t('expense.tab.mileage')}>
        <p className="muted">{t('mileage.intro')}</p>
        <Notice>{notice || null}</Notice>
        <ProblemBox error={listError} />
        {stale ? <StaleBox onReload={onReload} /> : <ProblemBox error={error} inline={MILEAGE_FIELDS} labels={labels} />}
        <div className="vehicle-row">
          <SelectField label={t('mileage.vehicle')} name="vehicleId" required value={vehicleId} onChange={setVehicleId} error={fe('vehicleId')} hint={vehicles.length === 0 ? t('mileage.vehicle.none') : undefined}>
            <option value="">{t('expense.choose')}</option>
            {vehicles.map((v) => (
              <option key={v.id} value={v.id}>
                {vehicleLabel(t, v)}
              </option>
            ))}
          </SelectField>
          <button type="button" className="btn" onClick={() => (setNotice(''), setAdding(true))}>
            {t('mileage.vehicle.add')}
          </button>
        </div>
        <div className="grid2">
          <TextField label={t('expense.field.date')} type="date" name="date" required max={today()} value={date} onChange={setDate} error={fe('date')} />
          <TextField label={t('mileage.distance')} name="distanceKm" required inputMode="decimal" autoComplete="off" value={distance} onChange={setDistance} hint={t('mileage.distance.hint')} error={distanceError ?? fe('distanceKm')} />
          <TextField label={t('mileage.from')} name="from" required maxLength={200} value={from} onChange={setFrom} error={fe('from')} />
          <TextField label={t('mileage.to')} name="to" required maxLength={200} value={to} onChange={setTo} error={fe('to')} />
        </div>
        <CheckField label={t('mileage.roundTrip')} name="roundTrip" checked={roundTrip} onChange={setRoundTrip} />
        <TextField label={t('mileage.purpose')} name="purpose" required maxLength={500} value={purpose} onChange={setPurpose} error={fe('purpose')} />
        <ProjectAndDescription project={project} setProject={setProject} description={description} setDescription={setDescription} fe={fe} />
        <FormActions label={expense ? t('common.save') : t('mileage.save')} busy={busy} onCancel={expense ? () => navigate(`/expenses/${expense.id}`) : undefined} />
      </form>
      <Modal open={adding} title={t('mileage.vehicle.add')} onClose={() => setAdding(false)}>
        <VehicleForm
          onCreated={(v) => {
            setVehicles((vs) => [...vs, v]);
            setVehicleId(v.id);
            setAdding(false);
            setNotice(t('mileage.vehicle.added', { name: v.name }));
          }}
          onCancel={() => setAdding(false)}
        />
      </Modal>
    </>
  );
}

function VehicleForm({ onCreated, onCancel }: { onCreated: (v: Vehicle) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Vehicle['kind']>('car');
  const [hp, setHp] = useState('');
  const [electric, setElectric] = useState(false);
  const [hpError, setHpError] = useState<string | undefined>();
  const { error, setError, busy, run, fieldError: fe } = useSubmit();

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    ev.stopPropagation(); // the dialog sits outside the trip form, but keep its submit its own
    setError(null);
    const needsHp = kind !== 'moped';
    const n = Number(hp.trim());
    const hpOk = /^\d{1,2}$/.test(hp.trim()) && n >= 1 && n <= 99;
    setHpError(needsHp && !hpOk ? t('mileage.vehicle.fiscalHp.invalid') : undefined);
    if (needsHp && !hpOk) return;
    const body: VehicleInput = { name: name.trim(), kind, electric, ...(needsHp ? { fiscalHp: n } : {}) };
    await run(async () => onCreated(await api.post<Vehicle>('/vehicles', body)));
  }

  return (
    <form onSubmit={submit} className="form" aria-label={t('mileage.vehicle.add')}>
      <ProblemBox error={error} inline={['name', 'kind', 'fiscalHp', 'electric']} />
      <TextField label={t('mileage.vehicle.name')} name="vehicle-name" required maxLength={100} value={name} onChange={setName} hint={t('mileage.vehicle.name.hint')} error={fe('name')} autoComplete="off" />
      <SelectField label={t('mileage.vehicle.kind')} name="vehicle-kind" value={kind} onChange={(v) => setKind(v as Vehicle['kind'])} error={fe('kind')}>
        {(['car', 'motorcycle', 'moped'] as const).map((k) => (
          <option key={k} value={k}>
            {label(t, 'vehicleKind', k)}
          </option>
        ))}
      </SelectField>
      {kind !== 'moped' && (
        <TextField label={t('mileage.vehicle.fiscalHp')} name="fiscalHp" required inputMode="numeric" autoComplete="off" value={hp} onChange={setHp} hint={t('mileage.vehicle.fiscalHp.hint')} error={hpError ?? fe('fiscalHp')} maxLength={2} />
      )}
      <CheckField label={t('mileage.vehicle.electric')} name="electric" checked={electric} onChange={setElectric} />
      <FormActions label={t('mileage.vehicle.add')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

// Per diem ----------------------------------------------------------------------------------

const PER_DIEM_FIELDS = ['date', 'rateId', 'units', 'project', 'description'];

function PerDiemForm({ reference, expense, onReload }: { reference: Reference; expense?: Expense; onReload?: () => void }) {
  const { t, locale } = useI18n();
  const p0 = expense?.perDiem;
  const rates = reference.perDiemRates.filter((r) => !r.archived || r.id === p0?.rateId);
  const [rateChosen, setRateId] = useState(p0?.rateId ?? '');
  const rateId = rateChosen || (rates.length === 1 ? rates[0]!.id : '');
  const [date, setDate] = useState(expense?.date ?? today());
  const [units, setUnits] = useState(p0 ? String(p0.units) : '1');
  const [project, setProject] = useState(expense?.project ?? '');
  const [description, setDescription] = useState(expense?.description ?? '');
  const [unitsError, setUnitsError] = useState<string | undefined>();
  const [stale, setStale] = useState(false);
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  const rate = rates.find((r) => r.id === rateId);
  const n = /^\d{1,4}$/.test(units.trim()) ? Number(units.trim()) : NaN;

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    setError(null);
    setStale(false);
    const ok = Number.isInteger(n) && n >= 1 && n <= 1000;
    setUnitsError(ok ? undefined : t('perDiem.units.invalid'));
    if (!ok) return;
    const body: PerDiemInput = { date, rateId, units: n, project: project.trim() || null, description: description.trim() };
    await run(async () => {
      if (expense && p0) {
        const diff = changed(body, { ...p0, date: expense.date, project: expense.project, description: expense.description });
        if (Object.keys(diff).length) {
          try {
            await api.patch<Expense>(`/expenses/per-diem/${expense.id}`, { ...diff, version: expense.version });
          } catch (err) {
            if (isStale(err)) return setStale(true);
            throw err;
          }
        }
        setFlash(expense.id, { notice: t('expense.updated') });
        return navigate(`/expenses/${expense.id}`);
      }
      const e = await api.post<Expense>('/expenses/per-diem', body);
      setFlash(e.id, { notice: t('perDiem.created', { amount: formatMinor(e.amountMinor, e.currency, locale) }) });
      navigate(`/expenses/${e.id}`);
    });
  }

  if (reference.loaded && rates.length === 0) {
    return (
      <div className="card">
        <p>{t('perDiem.none')}</p>
      </div>
    );
  }
  return (
    <form onSubmit={submit} className="card form form--wide" aria-label={expense ? t('expense.edit.title') : t('expense.tab.perDiem')}>
      {stale ? <StaleBox onReload={onReload} /> : <ProblemBox error={error} inline={PER_DIEM_FIELDS} />}
      <SelectField label={t('perDiem.rate')} name="rateId" required value={rateId} onChange={setRateId} error={fe('rateId')}>
        <option value="">{t('expense.choose')}</option>
        {rates.map((r) => (
          <option key={r.id} value={r.id}>
            {t('perDiem.option', { name: r.name, amount: formatMinor(r.amountMinor, r.currency, locale) })} · {dayLabel(r.validFrom, locale)}
          </option>
        ))}
      </SelectField>
      <div className="grid2">
        <TextField label={t('expense.field.date')} type="date" name="date" required max={today()} value={date} onChange={setDate} error={fe('date')} />
        <TextField label={t('perDiem.units')} type="number" name="units" required min={1} max={1000} step={1} inputMode="numeric" value={units} onChange={setUnits} error={unitsError ?? fe('units')} />
      </div>
      {rate && Number.isInteger(n) && n >= 1 && (
        <p className="total" aria-live="polite">
          {t('perDiem.total', { amount: formatMinor(rate.amountMinor * n, rate.currency, locale) })}
        </p>
      )}
      <ProjectAndDescription project={project} setProject={setProject} description={description} setDescription={setDescription} fe={fe} />
      <FormActions label={expense ? t('common.save') : t('perDiem.save')} busy={busy} onCancel={expense ? () => navigate(`/expenses/${expense.id}`) : undefined} />
    </form>
  );
}
