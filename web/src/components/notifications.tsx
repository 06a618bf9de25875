// My latest in-app notifications (home page): an expense to approve, approved, rejected, returned
// or corrected — each with a link to the expense — and "mark all as read".
import { useEffect, useState } from 'react';
import { api, type Notifications } from '../api.ts';
import { isMessageKey, useI18n } from '../i18n/index.tsx';
import { formatMinor } from '../money.ts';
import { Link } from '../router.tsx';
import { Badge, Notice, ProblemBox } from './ui.tsx';

const SHOWN = 8;

export function NotificationsCard() {
  const { t, locale, dateTime } = useI18n();
  const [data, setData] = useState<Notifications | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  useEffect(() => {
    let live = true;
    api.get<Notifications>('/notifications').then(
      (d) => live && (setData(d), setError(null)),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, []);

  async function markRead() {
    setError(null);
    try {
      await api.post('/notifications/read');
      setData(await api.get<Notifications>('/notifications'));
      setNotice(t('notifications.marked'));
    } catch (e) {
      setError(e);
    }
  }

  if (!data && !error) return null;
  const items = data?.items.slice(0, SHOWN) ?? [];
  return (
    <section className="card notifications" aria-labelledby="notifications-heading" data-testid="notifications">
      <div className="page-head">
        <h2 id="notifications-heading">
          {t('notifications.title')} {data && data.unread > 0 && <Badge tone="blue">{t('notifications.unread', { count: data.unread })}</Badge>}
        </h2>
        {data && data.unread > 0 && (
          <button type="button" className="btn btn--small" onClick={() => void markRead()}>
            {t('notifications.markRead')}
          </button>
        )}
      </div>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      {data && items.length === 0 && <p className="muted">{t('notifications.empty')}</p>}
      {items.length > 0 && (
        <ul className="timeline">
          {items.map((n) => {
            const d = n.data as { merchant?: string; amountMinor?: number; currency?: string; employee?: string; comment?: string | null };
            const what = [d.merchant || t('notifications.expense'), typeof d.amountMinor === 'number' && d.currency ? formatMinor(d.amountMinor, d.currency, locale) : ''].filter(Boolean).join(', ');
            const key = `notifications.kind.${n.kind}`;
            const text = isMessageKey(key) ? t(key, { expense: what, employee: d.employee ?? '' }) : `${n.kind}: ${what}`;
            return (
              <li key={n.id} className={`timeline__item${n.read ? '' : ' timeline__item--unread'}`} data-kind={n.kind}>
                <p>
                  {!n.read && <span className="sr-only">{t('notifications.new')} </span>}
                  {n.expenseId ? <Link to={`/expenses/${n.expenseId}`}>{text}</Link> : n.kind === 'gdpr_breach' ? <Link to="/gdpr">{text}</Link> : text} <span className="muted small">{dateTime(n.createdAt)}</span>
                </p>
                {d.comment && <p className="small prewrap">{t('workflow.comment', { comment: d.comment })}</p>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
