// My expenses (employee): own expenses, newest first, with filters (status, dates, category,
// amount in the Client's currency, full-text search) and "load more".
import { useEffect, useMemo, useState } from 'react';
import { api, type ListedExpense } from '../api.ts';
import { clearFlash, dayLabel, EXPENSE_STATUSES, ExpenseAmount, ExpenseStatusBadge, expenseTitle, peekFlash, useReference } from '../components/expenses.tsx';
import { DataTable, ListFoot, usePagedList } from '../components/lists.tsx';
import { OcrBadge } from '../components/ocr.tsx';
import { ReceiptIndicator } from '../components/receipts.tsx';
import { Badge, Notice, ProblemBox, SelectField, TextField, usePageTitle } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { minorDigits, parseAmount } from '../money.ts';
import { isReading, isScanPlaceholder } from '../ocr.ts';
import { Link } from '../router.tsx';
import { useSignedIn } from '../session.tsx';

const READING_POLL_MS = 4_000;
const READING_ROUNDS = 60;

export function ExpensesPage() {
  const { t, locale } = useI18n();
  const me = useSignedIn();
  const ref = useReference();
  usePageTitle(t('expenses.title'));
  const [notice] = useState(() => peekFlash('expenses')?.notice ?? '');
  useEffect(() => clearFlash('expenses'), []);

  const [q, setQ] = useState('');
  const [debouncedQ, setDebouncedQ] = useState('');
  const [status, setStatus] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [categoryId, setCategoryId] = useState('');
  const [min, setMin] = useState('');
  const [max, setMax] = useState('');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const h = setTimeout(() => setDebouncedQ(q.trim()), 300);
    return () => clearTimeout(h);
  }, [q]);

  // Amounts are typed in the Client's currency and sent in its minor units; a wrong one is not sent.
  const cur = ref.clientCurrency;
  const minP = min.trim() ? parseAmount(min, cur) : null;
  const maxP = max.trim() ? parseAmount(max, cur) : null;
  const amountMin = minP?.ok ? minP.value : undefined;
  const amountMax = maxP?.ok ? maxP.value : undefined;
  const amountMsg = (p: typeof minP) => (p && !p.ok ? t(`amount.${p.reason}`, { digits: minorDigits(cur) }) : undefined);

  const filters = useMemo(
    () => ({ userId: me.user.id, q: debouncedQ, status, from, to, categoryId, amountMin, amountMax }),
    [me.user.id, debouncedQ, status, from, to, categoryId, amountMin, amountMax],
  );
  useEffect(() => setError(null), [filters]);
  const list = usePagedList<ListedExpense>('/expenses', filters, setError);
  const filtered = !!(q || status || from || to || categoryId || min || max);

  // Rows whose receipt is being read: look at them again for a while, so that their badge goes and
  // their merchant and amount appear (each row alone: the pages loaded stay as they are).
  const reading = list.items.filter(isReading).slice(0, 10).map((e) => e.id).join(',');
  const [rounds, setRounds] = useState(0);
  useEffect(() => {
    if (!reading || rounds >= READING_ROUNDS) return;
    let live = true;
    const h = setTimeout(() => {
      void Promise.all(reading.split(',').map((id) => api.get<ListedExpense>(`/expenses/${encodeURIComponent(id)}`).catch(() => null))).then((rows) => {
        if (!live) return;
        for (const r of rows) if (r) list.replace(r);
        setRounds((n) => n + 1);
      });
    }, READING_POLL_MS);
    return () => {
      live = false;
      clearTimeout(h);
    };
    // `list.replace` only sets state: a new function each render is not a reason to look again.
  }, [reading, rounds]);
  const clear = () => (setQ(''), setDebouncedQ(''), setStatus(''), setFrom(''), setTo(''), setCategoryId(''), setMin(''), setMax(''));

  return (
    <section className="page">
      <div className="page-head">
        <h1>{t('expenses.title')}</h1>
        <Link to="/expenses/new" className="btn btn--primary">
          {t('expenses.new')}
        </Link>
      </div>
      <Notice>{notice || null}</Notice>
      <form className="filters filters--expenses" role="search" onSubmit={(e) => (e.preventDefault(), setDebouncedQ(q.trim()))}>
        <TextField label={t('expenses.search')} type="search" name="q" value={q} onChange={setQ} className="filters__q" maxLength={200} />
        <SelectField label={t('expenses.filter.status')} name="status" value={status} onChange={setStatus}>
          <option value="">{t('common.all')}</option>
          {EXPENSE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {label(t, 'expenseStatus', s)}
            </option>
          ))}
        </SelectField>
        <SelectField label={t('expenses.filter.category')} name="categoryId" value={categoryId} onChange={setCategoryId}>
          <option value="">{t('common.all')}</option>
          {ref.categories.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </SelectField>
        <TextField label={t('expenses.filter.from')} type="date" name="from" value={from} onChange={setFrom} max={to || undefined} />
        <TextField label={t('expenses.filter.to')} type="date" name="to" value={to} onChange={setTo} min={from || undefined} />
        <TextField label={t('expenses.filter.amountMin', { currency: cur })} name="amountMin" inputMode="decimal" autoComplete="off" value={min} onChange={setMin} error={amountMsg(minP)} />
        <TextField label={t('expenses.filter.amountMax', { currency: cur })} name="amountMax" inputMode="decimal" autoComplete="off" value={max} onChange={setMax} error={amountMsg(maxP)} />
        {filtered && (
          <button type="button" className="btn btn--ghost filters__clear" onClick={clear}>
            {t('common.clear')}
          </button>
        )}
      </form>
      <ProblemBox error={error ?? ref.error} />
      <DataTable
        caption={t('expenses.title')}
        columns={[
          t('expenses.col.date'),
          t('expenses.col.expense'),
          t('expenses.col.category'),
          { label: t('expenses.col.amount'), className: 'num' },
          t('expenses.col.status'),
          t('expenses.col.receipt'),
        ]}
        rows={list.items}
        busy={list.loading}
        empty={filtered ? t('expenses.empty') : t('expenses.emptyNone')}
      >
        {(e) => {
          const rs = e.receipts;
          return (
            <tr key={e.id} data-expense={e.id}>
              <td data-label={t('expenses.col.date')} className="nowrap">
                {dayLabel(e.date, locale)}
              </td>
              <td data-label={t('expenses.col.expense')}>
                <div>
                  <Link to={`/expenses/${e.id}`} className="cell-main">
                    {expenseTitle(t, e, ref)}
                  </Link>
                  <span className="cell-sub">{e.kind === 'receipt' ? e.description || e.project || '' : label(t, 'expenseKind', e.kind)}</span>
                </div>
              </td>
              <td data-label={t('expenses.col.category')}>{ref.categoryName(e.categoryId) || t('common.none')}</td>
              <td data-label={t('expenses.col.amount')} className="num">
                {isScanPlaceholder(e) ? <span className="muted">{t('common.none')}</span> : <ExpenseAmount e={e} />}
              </td>
              <td data-label={t('expenses.col.status')}>
                <ExpenseStatusBadge status={e.status} />
                {e.statusComment && (e.status === 'returned' || e.status === 'rejected') && (
                  <span className="cell-sub prewrap" title={e.statusComment}>
                    {e.statusComment.length > 80 ? `${e.statusComment.slice(0, 79)}…` : e.statusComment}
                  </span>
                )}
              </td>
              <td data-label={t('expenses.col.receipt')}>
                {rs.length > 0 ? (
                  <span className="receipt-cell">
                    <ReceiptIndicator receipts={rs} />
                    <OcrBadge expense={e} />
                  </span>
                ) : e.kind === 'receipt' ? (
                  <Badge tone="amber">{t('expenses.receipts.missing')}</Badge>
                ) : (
                  <span className="muted">{t('expenses.receipts.na')}</span>
                )}
              </td>
            </tr>
          );
        }}
      </DataTable>
      <ListFoot list={list} />
    </section>
  );
}
