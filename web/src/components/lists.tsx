// Lists of records: the responsive table (column heads, empty message) and keyset pages with
// "load more" under it.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, query, type Page } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';

/** A column head: its label, or the label and a class (`num` for figures). */
type Column = string | { label: string; className: string };

/**
 * A table whose rows turn into cards on narrow screens (each cell names its column in
 * `data-label`). `actions` adds a last column for row buttons, headed for screen readers only;
 * `empty` is shown when there is no row once loaded.
 */
export function DataTable<T>({ caption, columns, actions, rows, busy, empty, children }: { caption: string; columns: Column[]; actions?: boolean; rows: T[]; busy?: boolean; empty: string; children: (row: T) => ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table table--responsive" aria-busy={busy}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c, i) =>
              typeof c === 'string' ? (
                <th key={i} scope="col">
                  {c}
                </th>
              ) : (
                <th key={i} scope="col" className={c.className}>
                  {c.label}
                </th>
              ),
            )}
            {actions && (
              <th scope="col">
                <span className="sr-only">{t('common.actions')}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{rows.map((row) => children(row))}</tbody>
      </table>
      {!busy && rows.length === 0 && <p className="empty">{empty}</p>}
    </div>
  );
}

export interface PagedList<T> {
  items: T[];
  /** Replaces one row after an edit (matched by id). */
  replace(item: T): void;
  next: string | null;
  loading: boolean;
  loadMore(): Promise<void>;
}

const PAGE_SIZE = 50;

/**
 * Keyset pages of `path` (`{ items, nextCursor }`), 50 rows each: the first page again whenever
 * `filters` (memoised) or `version` change, the next one on `loadMore()`. A failure goes to `onError`.
 */
export function usePagedList<T extends { id: string }>(path: string, filters: Record<string, string | number | undefined>, onError: (e: unknown) => void, version = 0): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let live = true;
    setLoading(true);
    api.get<Page<T>>(`${path}${query({ ...filters, limit: PAGE_SIZE })}`).then(
      (p) => {
        if (!live) return;
        setItems(p.items);
        setNext(p.nextCursor);
        setLoading(false);
      },
      (e) => live && (onError(e), setLoading(false)),
    );
    return () => {
      live = false;
    };
    // `onError` is a state setter or stands for one: a new function each render is not a new list.
  }, [path, filters, version]);

  async function loadMore() {
    if (!next) return;
    setLoading(true);
    try {
      const p = await api.get<Page<T>>(`${path}${query({ ...filters, limit: PAGE_SIZE, cursor: next })}`);
      setItems((xs) => [...xs, ...p.items]);
      setNext(p.nextCursor);
    } catch (e) {
      onError(e);
    } finally {
      setLoading(false);
    }
  }

  const replace = (item: T) => setItems((xs) => xs.map((x) => (x.id === item.id ? item : x)));
  return { items, replace, next, loading, loadMore };
}

/** Under a paged list: how many rows are shown, and the button for the next page while there is one. */
export function ListFoot({ list }: { list: PagedList<unknown> }) {
  const { t } = useI18n();
  return (
    <div className="list-foot">
      <span className="muted">{t('common.count', { shown: list.items.length })}</span>
      {list.next && (
        <button type="button" className="btn" onClick={() => void list.loadMore()} disabled={list.loading}>
          {list.loading ? t('common.loading') : t('common.loadMore')}
        </button>
      )}
    </div>
  );
}

/**
 * A list loaded from the API, reloaded on demand; the notice of a change is shown once the list
 * that reflects it is on screen.
 */
export function useLoaded<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [version, setVersion] = useState(0);
  const pending = useRef<string | null>(null);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        if (pending.current !== null) setNotice(pending.current);
        pending.current = null;
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
    // `load` is a fixed request per tab.
  }, [version]);
  /** Reloads, then shows `message`. */
  const reload = useCallback((message = '') => {
    pending.current = message;
    setNotice('');
    setError(null);
    setVersion((v) => v + 1);
  }, []);
  return { data, error, setError, notice, setNotice, reload };
}
