// Audit log (admin): filters, "load more" and the CSV export with the same filters.
import { useEffect, useMemo, useState } from 'react';
import { API, query, type AuditEvent } from '../api.ts';
import { DataTable, ListFoot, usePagedList } from '../components/lists.tsx';
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
  const [error, setError] = useState<unknown>(null);

  // `to` is inclusive for the user: the API's bound is exclusive, so send the next midnight.
  const filters = useMemo(() => ({ action, outcome, from: localDay(from), to: localDay(to, 1) }), [action, outcome, from, to]);
  // A new selection starts without the last one's error.
  useEffect(() => setError(null), [filters]);
  const list = usePagedList<AuditEvent>('/audit-events', filters, setError);

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
      <DataTable caption={t('audit.title')} columns={[t('audit.col.time'), t('audit.col.event'), t('audit.col.outcome'), t('audit.col.actor'), t('audit.col.ip')]} rows={list.items} busy={list.loading} empty={t('audit.empty')}>
        {(e) => (
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
        )}
      </DataTable>
      <ListFoot list={list} />
    </section>
  );
}
