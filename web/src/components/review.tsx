// What the approval and verification pages share: the queue (keyset pages, oldest first, read again
// when the live count changes), its table with a selection for bulk actions, and the expense under
// review — its receipts in the viewer beside its fields, its violations, the comment of a decision.
import { useCallback, useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { api, ApiError, query, type Expense, type QueueItem, type QueuePage, type Receipt, type Violation } from '../api.ts';
import { useI18n, type Translate } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { formatMinor, formatRate } from '../money.ts';
import { problemText } from '../i18n/problems.ts';
import { dayLabel, ExpenseAmount, expenseTitle, type Reference } from './expenses.tsx';
import { ReceiptViewer } from './receipts.tsx';
import { Badge } from './ui.tsx';
import { Violations } from './workflow.tsx';
import { Link, useLocation } from '../router.tsx';

const PAGE = 50;

export interface Queue {
  items: QueueItem[];
  next: string | null;
  loading: boolean;
  error: unknown;
  loadMore(): Promise<void>;
  reload(): void;
  remove(id: string): void;
  replace(expense: Expense): void;
}

/** A queue (GET `path`), read again on `reload()` and whenever `signal` changes (the live count). */
export function useQueue(path: string, signal: unknown): Queue {
  const [items, setItems] = useState<QueueItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    api.get<QueuePage>(`${path}${query({ limit: PAGE })}`).then(
      (p) => live && (setItems(p.items), setNext(p.nextCursor), setError(null), setLoading(false)),
      (e) => live && (setError(e), setLoading(false)),
    );
    return () => {
      live = false;
    };
  }, [path, signal, n]);
  async function loadMore() {
    if (!next) return;
    setLoading(true);
    try {
      const p = await api.get<QueuePage>(`${path}${query({ limit: PAGE, cursor: next })}`);
      setItems((xs) => [...xs, ...p.items.filter((i) => !xs.some((x) => x.expense.id === i.expense.id))]);
      setNext(p.nextCursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }
  const reload = useCallback(() => setN((x) => x + 1), []);
  const remove = useCallback((id: string) => setItems((xs) => xs.filter((x) => x.expense.id !== id)), []);
  const replace = useCallback((e: Expense) => setItems((xs) => xs.map((x) => (x.expense.id === e.id ? { ...x, expense: e } : x))), []);
  return { items, next, loading, error, loadMore, reload, remove, replace };
}

/**
 * The queue as a table: a checkbox per row when `selectable` (bulk approval), the row's expense
 * opens on the side with its button. `current` is the one open.
 */
export function QueueTable({ queue, reference, current, onOpen, selected, onSelect, caption, empty }: { queue: Queue; reference: Reference; current: string | null; onOpen: (id: string) => void; selected?: Set<string>; onSelect?: (s: Set<string>) => void; caption: string; empty: string }) {
  const { t, locale } = useI18n();
  const all = queue.items.length > 0 && !!selected && queue.items.every((i) => selected.has(i.expense.id));
  const toggle = (id: string, on: boolean) => {
    if (!selected || !onSelect) return;
    const s = new Set(selected);
    if (on) s.add(id);
    else s.delete(id);
    onSelect(s);
  };
  return (
    <div className="table-wrap">
      <table className="table table--responsive queue" aria-busy={queue.loading}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {onSelect && (
              <th scope="col" className="cell-check">
                <input type="checkbox" aria-label={t('queue.selectAll')} checked={all} onChange={(e) => onSelect(e.target.checked ? new Set(queue.items.map((i) => i.expense.id)) : new Set())} />
              </th>
            )}
            <th scope="col">{t('queue.col.expense')}</th>
            <th scope="col" className="num">
              {t('queue.col.amount')}
            </th>
            <th scope="col">{t('queue.col.points')}</th>
          </tr>
        </thead>
        <tbody>
          {queue.items.map((i) => {
            const e = i.expense;
            const title = expenseTitle(t, e, reference);
            return (
              <tr key={e.id} data-expense={e.id} className={current === e.id ? 'queue__row--open' : undefined} aria-current={current === e.id ? 'true' : undefined}>
                {onSelect && (
                  <td className="cell-check">
                    <input type="checkbox" aria-label={t('queue.select', { name: title })} checked={selected?.has(e.id) ?? false} onChange={(ev) => toggle(e.id, ev.target.checked)} />
                  </td>
                )}
                <td data-label={t('queue.col.expense')}>
                  <div>
                    <button type="button" className="linklike cell-main" aria-label={t('queue.open.label', { name: title, employee: i.employee.name })} onClick={() => onOpen(e.id)}>
                      {title}
                    </button>
                    <span className="cell-sub">{i.employee.name}</span>
                    {i.onBehalfOf && <span className="cell-sub">{t('queue.forManager', { name: i.onBehalfOf.name })}</span>}
                    <span className="cell-sub">
                      {dayLabel(e.date, locale)} · {reference.categoryName(e.categoryId) || label(t, 'expenseKind', e.kind)}
                    </span>
                  </div>
                </td>
                <td data-label={t('queue.col.amount')} className="num">
                  <ExpenseAmount e={e} />
                </td>
                <td data-label={t('queue.col.points')}>
                  {i.violations.length ? <Badge tone="amber">{t('queue.points', { count: i.violations.length })}</Badge> : <span className="muted">{t('queue.noPoints')}</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!queue.loading && queue.items.length === 0 && <p className="empty">{empty}</p>}
      {queue.next && (
        <div className="list-foot">
          <button type="button" className="btn" onClick={() => void queue.loadMore()} disabled={queue.loading}>
            {queue.loading ? t('common.loading') : t('common.loadMore')}
          </button>
        </div>
      )}
    </div>
  );
}

/** The receipts of the expense under review, in the viewer (read again when the expense changes). */
export function ReviewReceipts({ expense }: { expense: Expense }) {
  const { t } = useI18n();
  const [receipts, setReceipts] = useState<Receipt[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    setReceipts(null);
    api.get<{ items: Receipt[] }>(`/expenses/${encodeURIComponent(expense.id)}/receipts`).then(
      (r) => live && (setReceipts(r.items), setError(null)),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [expense.id]);
  return (
    <section className="card review__receipts" aria-labelledby={`receipts-${expense.id}`}>
      <h3 id={`receipts-${expense.id}`}>{t('receipts.title')}</h3>
      {error ? <p className="field__error">{t('review.receipts.error')}</p> : null}
      {!receipts && !error && <p className="muted">{t('common.loading')}</p>}
      {receipts && (expense.kind === 'receipt' || receipts.length > 0 ? <ReceiptViewer receipts={receipts} /> : <p className="muted">{t('expenses.receipts.na')}</p>)}
    </section>
  );
}

/** The fields of the expense under review, for the approver or the verifier. */
export function ReviewFields({ item, reference, children }: { item: QueueItem; reference: Reference; children?: ReactNode }) {
  const { t, locale, dateTime } = useI18n();
  const e = item.expense;
  const method = reference.paymentMethods.find((m) => m.id === e.paymentMethodId);
  const row = (term: string, value: ReactNode, field?: string) => (
    <div className="dl__row" data-field={field}>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
  return (
    <dl className="dl">
      {row(t('queue.col.employee'), employeeText(t, item))}
      {row(t('review.submittedAt'), item.submittedAt ? dateTime(item.submittedAt) : t('common.none'))}
      {item.level !== undefined && row(t('review.level'), t('workflow.level', { level: item.level }))}
      {row(t('expense.field.date'), dayLabel(e.date, locale), 'date')}
      {e.kind === 'receipt' && row(t('expense.field.merchant'), e.merchant || t('common.none'), 'merchant')}
      {row(t('expense.field.kind'), label(t, 'expenseKind', e.kind))}
      {row(t('expense.field.category'), reference.categoryName(e.categoryId) || t('common.none'), 'category')}
      {row(t('expense.field.amount'), <span data-testid="review-amount">{formatMinor(e.amountMinor, e.currency, locale)}</span>, 'amount')}
      {e.currency !== e.clientCurrency &&
        row(
          t('expense.field.converted', { currency: e.clientCurrency }),
          <>
            {formatMinor(e.convertedMinor, e.clientCurrency, locale)}
            <span className="cell-sub">{t('expense.converted.rate', { client: e.clientCurrency, rate: formatRate(e.rate, locale), currency: e.currency, date: dayLabel(e.rateDate, locale) })}</span>
          </>,
        )}
      {e.kind === 'receipt' && row(t('expense.field.paymentMethod'), method ? `${method.name} (${t(method.reimbursable ? 'expense.reimbursable' : 'expense.notReimbursable')})` : t('common.none'))}
      {e.mileage && row(t('mileage.trip'), `${e.mileage.from} → ${e.mileage.to} · ${t('mileage.km', { km: e.mileage.countedKm })}`)}
      {e.mileage && row(t('mileage.purpose'), e.mileage.purpose)}
      {e.project && row(t('expense.field.project'), e.project)}
      {e.description && row(t('expense.field.description'), <span className="prewrap">{e.description}</span>)}
      {e.attendees.length > 0 && row(t('expense.field.attendees'), e.attendees.join(', '))}
      {children}
    </dl>
  );
}

/** The employee, and the manager the caller approves for under a delegation. */
const employeeText = (t: Translate, item: QueueItem) => (item.onBehalfOf ? `${item.employee.name} — ${t('queue.forManager', { name: item.onBehalfOf.name })}` : item.employee.name);

/** A problem from a decision in words (for a bulk result or a 409). */
export function problemMessage(t: Translate, e: unknown): string {
  if (e instanceof ApiError) return problemText(t, e).message;
  return t('problem.internal');
}

/**
 * Which expense of a queue is open beside it — `?expense=<id>` at first (from the expense page or
 * an e-mail) — and, once one is decided, the next in order, so a reviewer goes through the queue.
 */
export function useOpenItem(queue: Queue) {
  const wanted = useLocation().search.get('expense');
  const [open, setOpen] = useState<string | null>(wanted);
  const panel = useFocusOnChange<HTMLElement>(open);
  // The open expense left the queue (decided here or elsewhere): nothing is open.
  const item = queue.items.find((i) => i.expense.id === open) ?? null;
  function openNextAfter(id: string) {
    const idx = queue.items.findIndex((i) => i.expense.id === id);
    const after = queue.items.filter((i) => i.expense.id !== id);
    queue.remove(id);
    setOpen(after[Math.min(idx, after.length - 1)]?.expense.id ?? null);
  }
  return { open, setOpen, item, panel, openNextAfter };
}

/** The side panel of a queue page: the expense under review, or a word on what to do. */
export function ReviewPanel({ panel, open, empty, children }: { panel: RefObject<HTMLElement | null>; open: boolean; empty: string; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <section className="review__panel" ref={panel} tabIndex={-1} aria-labelledby={open ? 'review-heading' : undefined} aria-label={open ? undefined : t('review.none')}>
      {open ? (
        children
      ) : (
        <div className="card review__empty">
          <p className="muted">{empty}</p>
        </div>
      )}
    </section>
  );
}

/** Keeps the element of the open expense in view and focused after a change of selection. */
function useFocusOnChange<T extends HTMLElement>(key: string | null) {
  const ref = useRef<T>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (key) ref.current?.focus();
  }, [key]);
  return ref;
}

/**
 * One expense under review (manager or verifier): its title and employee, the receipt beside the
 * fields, the policy violations, then the reviewer's own cards (`children`).
 */
export function ReviewFrame({ item, reference, title, violations, children, after }: { item: QueueItem; reference: Reference; title: string; violations: Violation[]; children: ReactNode; after?: ReactNode }) {
  const { t } = useI18n();
  const e = item.expense;
  return (
    <div className="stack review__item" data-testid="review">
      <div className="card">
        <h2 id="review-heading">
          {title} <span className="muted">— {item.employee.name}</span>
        </h2>
        <p className="small">
          <Link to={`/expenses/${e.id}`}>{t('review.openExpense')}</Link>
        </p>
      </div>
      <div className="review__body">
        <ReviewReceipts expense={e} />
        <div className="stack">
          <div className="card">
            <h3>{t('expense.details')}</h3>
            <ReviewFields item={item} reference={reference} />
          </div>
          <Violations violations={violations} currency={e.clientCurrency} />
          {children}
        </div>
      </div>
      {after}
    </div>
  );
}

/** The reviewer's buttons: the form's own decision (submit), then return and reject (each says so while sent). */
export function DecisionButtons({ primary, busy, onReturn, onReject }: { primary: { action: string; label: string }; busy: string | null; onReturn: () => void; onReject: () => void }) {
  const { t } = useI18n();
  return (
    <div className="actions">
      <button type="submit" className="btn btn--primary" disabled={!!busy}>
        {busy === primary.action ? t('decide.busy') : primary.label}
      </button>
      <button type="button" className="btn" disabled={!!busy} onClick={onReturn}>
        {busy === 'return' ? t('decide.busy') : t('decide.return')}
      </button>
      <button type="button" className="btn btn--danger-ghost" disabled={!!busy} onClick={onReject}>
        {busy === 'reject' ? t('decide.busy') : t('decide.reject')}
      </button>
    </div>
  );
}
