// Audit log (admin): filters, "load more" and the CSV export with the same filters.
import { useEffect, useMemo, useState } from 'react';
import { API, api, query, type AuditEvent, type Page } from '../api.ts';
import { Badge, ProblemBox, SelectField, TextField, usePageTitle } from '../components/ui.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { label } from '../labels.ts';

// Action filter values: the API matches a prefix, so "auth." selects every sign-in event.
const GROUPS: { value: string; key: MessageKey }[] = [
  { value: 'auth.', key: 'audit.group.auth' },
  { value: 'user', key: 'audit.group.user' },
  { value: 'team.', key: 'audit.group.team' },
  { value: 'api_token.', key: 'audit.group.api_token' },
];
const ACTIONS = [
  'auth.signed_in', 'auth.sign_in_failed', 'auth.signed_out', 'auth.password_reset_requested', 'auth.password_reset', 'auth.identity_linked',
  'access.denied', 'user.invited', 'user.invitation_resent', 'user.invitation_accepted', 'user.updated', 'user.deactivated', 'user.reactivated',
  'users.imported', 'team.created', 'team.updated', 'api_token.created', 'api_token.revoked', 'profile.updated',
];

/** A yyyy-mm-dd date input as the instant of local midnight (plus `days`), in ISO form. */
function localDay(v: string, days = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).toISOString();
}

export function AuditPage() {
  const { t, dateTime } = useI18n();
  usePageTitle(t('audit.title'));
  const [action, setAction] = useState('');
  const [outcome, setOutcome] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [items, setItems] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  // `to` is inclusive for the user: the API's bound is exclusive, so send the next midnight.
  const filters = useMemo(() => ({ action, outcome, from: localDay(from), to: localDay(to, 1) }), [action, outcome, from, to]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    api.get<Page<AuditEvent>>(`/audit-events${query({ ...filters, limit: 50 })}`).then(
      (p) => {
        if (!live) return;
        setItems(p.items);
        setNext(p.nextCursor);
        setLoading(false);
      },
      (e) => live && (setError(e), setLoading(false)),
    );
    return () => {
      live = false;
    };
  }, [filters]);

  async function loadMore() {
    if (!next) return;
    setLoading(true);
    try {
      const p = await api.get<Page<AuditEvent>>(`/audit-events${query({ ...filters, limit: 50, cursor: next })}`);
      setItems((xs) => [...xs, ...p.items]);
      setNext(p.nextCursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }

  const exportHref = `${API}/audit-events/export.csv${query(filters)}`;
  const tone = (o: string) => (o === 'success' ? 'green' : o === 'denied' ? 'red' : 'amber');
  const filtered = !!(action || outcome || from || to);

  return (
    <section className="page">
      <div className="page-head">
        <div>
          <h1>{t('audit.title')}</h1>
          <p className="muted">{t('audit.intro')}</p>
        </div>
        <a className="btn" href={exportHref} download>
          {t('audit.export')}
        </a>
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <SelectField label={t('audit.filter.action')} name="action" value={action} onChange={setAction}>
          <option value="">{t('common.all')}</option>
          <optgroup label={t('audit.groups')}>
            {GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {t(g.key)}
              </option>
            ))}
          </optgroup>
          <optgroup label={t('audit.actions')}>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {label(t, 'audit.action', a)}
              </option>
            ))}
          </optgroup>
        </SelectField>
        <SelectField label={t('audit.filter.outcome')} name="outcome" value={outcome} onChange={setOutcome}>
          <option value="">{t('common.all')}</option>
          {(['success', 'failure', 'denied'] as const).map((o) => (
            <option key={o} value={o}>
              {label(t, 'audit.outcome', o)}
            </option>
          ))}
        </SelectField>
        <TextField label={t('audit.filter.from')} type="date" name="from" value={from} onChange={setFrom} max={to || undefined} />
        <TextField label={t('audit.filter.to')} type="date" name="to" value={to} onChange={setTo} min={from || undefined} />
        {filtered && (
          <button type="button" className="btn btn--ghost filters__clear" onClick={() => (setAction(''), setOutcome(''), setFrom(''), setTo(''))}>
            {t('common.clear')}
          </button>
        )}
      </form>
      <ProblemBox error={error} />
      <div className="table-wrap">
        <table className="table table--responsive" aria-busy={loading}>
          <caption className="sr-only">{t('audit.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('audit.col.time')}</th>
              <th scope="col">{t('audit.col.event')}</th>
              <th scope="col">{t('audit.col.outcome')}</th>
              <th scope="col">{t('audit.col.actor')}</th>
              <th scope="col">{t('audit.col.ip')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-action={e.action}>
                <td data-label={t('audit.col.time')} className="nowrap">
                  <time dateTime={e.time}>{dateTime(e.time)}</time>
                </td>
                <td data-label={t('audit.col.event')}>
                  <div>
                    <span className="cell-main">{label(t, 'audit.action', e.action)}</span>
                    <span className="cell-sub">{e.sentence}</span>
                  </div>
                </td>
                <td data-label={t('audit.col.outcome')}>
                  <Badge tone={tone(e.outcome)}>{label(t, 'audit.outcome', e.outcome)}</Badge>
                </td>
                <td data-label={t('audit.col.actor')} className="break">
                  {e.actorLabel ?? t('audit.system')}
                </td>
                <td data-label={t('audit.col.ip')}>
                  <code>{e.ip ?? t('common.none')}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && items.length === 0 && <p className="empty">{t('audit.empty')}</p>}
      </div>
      <div className="list-foot">
        <span className="muted">{t('common.count', { shown: items.length })}</span>
        {next && (
          <button type="button" className="btn" onClick={() => void loadMore()} disabled={loading}>
            {loading ? t('common.loading') : t('common.loadMore')}
          </button>
        )}
      </div>
    </section>
  );
}
