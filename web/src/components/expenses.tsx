// What the expense pages share: the Client's reference data (categories, payment methods, per-diem
// rates, its currency), status badges, amounts, and the message a
// page leaves for the next one (after saving, or when the upload of receipts failed).
import { useEffect, useMemo, useState } from 'react';
import { api, type Category, type Expense, type ExpenseStatus, type PaymentMethod, type PerDiemRate } from '../api.ts';
import { useI18n, type Translate } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { label } from '../labels.ts';
import { formatMinor } from '../money.ts';
import { Badge } from './ui.tsx';

export const EXPENSE_STATUSES = ['draft', 'submitted', 'approved', 'verified', 'exported', 'reimbursed', 'rejected', 'returned'] as const;

// Checked at compile time: this list and the API's enum of statuses are the same set.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statusesMatchApi: Same<(typeof EXPENSE_STATUSES)[number], ExpenseStatus> = true;
void statusesMatchApi;

/** The owner changes an expense while it is a draft or returned for correction. */
export const isEditable = (e: Expense) => e.status === 'draft' || e.status === 'returned';

const TONES: Record<ExpenseStatus, 'green' | 'amber' | 'grey' | 'red' | 'blue'> = {
  draft: 'grey', submitted: 'blue', approved: 'green', verified: 'green', exported: 'blue', reimbursed: 'green', rejected: 'red', returned: 'amber',
};

export function ExpenseStatusBadge({ status }: { status: ExpenseStatus }) {
  const { t } = useI18n();
  return <Badge tone={TONES[status] ?? 'grey'}>{label(t, 'expenseStatus', status)}</Badge>;
}

/** Today in the browser's time zone, as yyyy-mm-dd (the API refuses a date after today in Paris). */
export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A yyyy-mm-dd day as a date for display, without a time zone shift. */
export function dayLabel(day: string, locale: 'fr' | 'en'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

export interface Reference {
  categories: Category[];
  paymentMethods: PaymentMethod[];
  perDiemRates: PerDiemRate[];
  /** The Client's accounting currency (EUR until loaded). */
  clientCurrency: string;
  loaded: boolean;
  error: unknown;
  categoryName(id: string): string;
}

/** The Client's categories, payment methods and per-diem rates (archived ones too, for old expenses). */
export function useReference(): Reference {
  const clientCurrency = useSession().session?.tenant?.currency ?? 'EUR';
  const [state, setState] = useState<Omit<Reference, 'categoryName' | 'clientCurrency'>>({ categories: [], paymentMethods: [], perDiemRates: [], loaded: false, error: null });
  useEffect(() => {
    let live = true;
    Promise.all([
      api.get<{ items: Category[] }>('/categories?includeArchived=true'),
      api.get<{ items: PaymentMethod[] }>('/payment-methods?includeArchived=true'),
      api.get<{ items: PerDiemRate[] }>('/per-diem-rates?includeArchived=true'),
    ]).then(
      ([c, p, r]) => live && setState({ categories: c.items, paymentMethods: p.items, perDiemRates: r.items, loaded: true, error: null }),
      (e) => live && setState((s) => ({ ...s, loaded: true, error: e })),
    );
    return () => {
      live = false;
    };
  }, []);
  return useMemo(() => {
    const names = new Map(state.categories.map((c) => [c.id, c.name]));
    return { ...state, clientCurrency, categoryName: (id: string) => names.get(id) ?? '' };
  }, [state, clientCurrency]);
}

/** The title of an expense in lists and headings: the merchant, the trip, or the allowance. */
export function expenseTitle(t: Translate, e: Expense, ref: Pick<Reference, 'perDiemRates'>): string {
  if (e.kind === 'mileage' && e.mileage) return `${e.mileage.from} → ${e.mileage.to}`;
  if (e.kind === 'per_diem' && e.perDiem) {
    const name = ref.perDiemRates.find((r) => r.id === e.perDiem!.rateId)?.name ?? label(t, 'expenseKind', 'per_diem');
    return t('expenses.perDiemUnits', { name, units: e.perDiem.units });
  }
  return e.merchant || label(t, 'expenseKind', e.kind);
}

/** The amount in its currency and, when the Client's currency differs, the converted amount. */
export function ExpenseAmount({ e }: { e: Expense }) {
  const { t, locale } = useI18n();
  return (
    <span className="amount">
      <span className="amount__main">{formatMinor(e.amountMinor, e.currency, locale)}</span>
      {e.currency !== e.clientCurrency && <span className="cell-sub">{t('expenses.converted', { amount: formatMinor(e.convertedMinor, e.clientCurrency, locale) })}</span>}
    </span>
  );
}

/** What a page leaves for the page it opens next (kept in memory only: a reload forgets it). */
export interface Flash {
  notice?: string;
  /** Receipts whose upload failed, with the server's answer: the detail page offers to retry. */
  pending?: File[];
  uploadError?: unknown;
}
const flashes = new Map<string, Flash>();
export const setFlash = (key: string, f: Flash) => void flashes.set(key, f);
export const peekFlash = (key: string): Flash | undefined => flashes.get(key);
export const clearFlash = (key: string) => void flashes.delete(key);
