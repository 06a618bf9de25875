// Vendor support's access to a Client's data (§8.2.a). For a Client's admins (/gdpr/support-access):
// the grants given to the vendor's support agents (active with the time left, expired, revoked), the
// form to give one (agent, scopes, reason, expiry at most 7 days ahead, 24 hours by default) and
// Revoke, confirmed. For the vendor's support agents and operators (/support): their active grants
// and, for one, a read-only view of what it covers (users, expenses) — each read is written to the
// Client's audit log by the server.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { GdprTabs } from '../components/gdpr-tabs.tsx';
import { DataTable } from '../components/lists.tsx';
import { Badge, CheckboxGroup, FormActions, Notice, ProblemBox, SelectField, TextAreaField, TextField, useConfirm, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatMinor } from '../money.ts';

const SCOPES = ['users', 'expenses', 'receipts', 'settings', 'audit'] as const;
type Scope = (typeof SCOPES)[number];
const HOUR = 3_600_000;
const MAX_DAYS = 7;

interface Agent {
  id: string;
  name: string;
  email: string;
  roles: string[];
}
interface Grant {
  id: string;
  granteeId: string;
  granteeName: string;
  granteeEmail: string;
  scopes: Scope[];
  reason: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}
interface MyGrant {
  id: string;
  tenantId: string;
  clientName: string;
  scopes: Scope[];
  reason: string;
  createdAt: string;
  expiresAt: string;
}

/** A datetime-local value (the browser's local time) for a time. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function TimeLeft({ until }: { until: string }) {
  const { t } = useI18n();
  const left = new Date(until).getTime() - Date.now();
  const h = Math.max(0, Math.floor(left / HOUR));
  return <>{h >= 24 ? t('support.left.days', { days: String(Math.floor(h / 24)), hours: String(h % 24) }) : t('support.left.hours', { hours: String(h), minutes: String(Math.max(0, Math.floor((left % HOUR) / 60_000))) })}</>;
}

export function SupportAccessPage() {
  const { t, dateTime } = useI18n();
  usePageTitle(t('support.title'));
  const [grants, setGrants] = useState<Grant[] | null>(null);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [granteeId, setGranteeId] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [reason, setReason] = useState('');
  const [expiresAt, setExpiresAt] = useState(() => localInput(Date.now() + 24 * HOUR));
  const [notice, setNotice] = useState('');
  const { error, setError, busy, run, fieldError } = useSubmit();
  const [confirmEl, confirm] = useConfirm();

  useEffect(() => {
    let live = true;
    Promise.all([api.get<{ items: Grant[] }>('/support-access/grants'), api.get<{ items: Agent[] }>('/support-access/agents')]).then(
      ([g, a]) => live && (setGrants(g.items), setAgents(a.items), setLoadError(null)),
      (e) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
  }, [version]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setNotice('');
    void run(async () => {
      const when = new Date(expiresAt);
      await api.post('/support-access/grants', { granteeId, scopes, reason, expiresAt: Number.isNaN(when.getTime()) ? expiresAt : when.toISOString() });
      setGranteeId('');
      setScopes([]);
      setReason('');
      setExpiresAt(localInput(Date.now() + 24 * HOUR));
      setNotice(t('support.granted'));
      setVersion((v) => v + 1);
    });
  };

  const revoke = async (g: Grant) => {
    if (!(await confirm(t('support.revoke.confirm', { name: g.granteeName }), t('support.revoke'), true))) return;
    setError(null);
    setNotice('');
    await run(async () => {
      await api.post(`/support-access/grants/${g.id}/revoke`);
      setNotice(t('support.revoked'));
      setVersion((v) => v + 1);
    });
  };

  const tone = { active: 'green', expired: 'grey', revoked: 'red' } as const;
  return (
    <section className="page gdpr">
      <h1>{t('gdpr.title')}</h1>
      <GdprTabs side="client" current="support" />
      {confirmEl}
      <ProblemBox error={loadError} />
      <section className="card" aria-labelledby="support-grants" data-testid="support-grants">
        <h2 id="support-grants">{t('support.title')}</h2>
        <p className="muted">{t('support.intro')}</p>
        <Notice>{notice || null}</Notice>
        <DataTable<Grant>
          caption={t('support.title')}
          columns={[t('support.col.agent'), t('support.col.scopes'), t('support.col.reason'), t('support.col.expires'), t('support.col.status'), t('support.col.actions')]}
          rows={grants ?? []}
          busy={!grants && !loadError}
          empty={t('support.none')}
        >
          {(g) => (
            <tr key={g.id} data-testid="support-grant">
              <td data-label={t('support.col.agent')}>
                {g.granteeName}
                <br />
                <span className="muted">{g.granteeEmail}</span>
              </td>
              <td data-label={t('support.col.scopes')}>{g.scopes.map((s) => t(`support.scope.${s}`)).join(', ')}</td>
              <td data-label={t('support.col.reason')} className="prewrap">
                {g.reason}
              </td>
              <td data-label={t('support.col.expires')}>
                {dateTime(g.revokedAt ?? g.expiresAt)}
                {g.status === 'active' ? (
                  <>
                    <br />
                    <span className="muted">
                      <TimeLeft until={g.expiresAt} />
                    </span>
                  </>
                ) : null}
              </td>
              <td data-label={t('support.col.status')}>
                <Badge tone={tone[g.status]}>{t(`support.status.${g.status}`)}</Badge>
              </td>
              <td data-label={t('support.col.actions')}>
                {g.status === 'active' ? (
                  <button type="button" className="btn btn--danger" onClick={() => void revoke(g)} disabled={busy}>
                    {t('support.revoke')}
                  </button>
                ) : null}
              </td>
            </tr>
          )}
        </DataTable>
        <h3>{t('support.new')}</h3>
        <form onSubmit={submit} noValidate aria-label={t('support.new')}>
          <ProblemBox error={error} inline={['granteeId', 'scopes', 'reason', 'expiresAt']} />
          <SelectField label={t('support.field.agent')} name="granteeId" required value={granteeId} onChange={setGranteeId} error={fieldError('granteeId')}>
            <option value="">{t('support.field.agentPick')}</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.email})
              </option>
            ))}
          </SelectField>
          <CheckboxGroup<Scope> legend={t('support.field.scopes')} name="scopes" options={SCOPES.map((s) => ({ value: s, label: t(`support.scope.${s}`) }))} value={scopes} onChange={setScopes} error={fieldError('scopes')} />
          <TextAreaField label={t('support.field.reason')} name="reason" required value={reason} onChange={setReason} error={fieldError('reason')} maxLength={1000} />
          <TextField
            label={t('support.field.expires')}
            hint={t('support.field.expiresHint', { days: String(MAX_DAYS) })}
            type="datetime-local"
            name="expiresAt"
            required
            min={localInput(Date.now())}
            max={localInput(Date.now() + MAX_DAYS * 24 * HOUR)}
            value={expiresAt}
            onChange={setExpiresAt}
            error={fieldError('expiresAt')}
          />
          <FormActions label={t('support.submit')} busy={busy} />
        </form>
      </section>
    </section>
  );
}

// ————————————————————————————————————————— the vendor's support staff

interface UserRow {
  id: string;
  name: string;
  email: string;
  roles: string[];
  status: string;
}
interface ExpenseRow {
  id: string;
  date: string;
  merchant: string;
  amountMinor: number;
  currency: string;
  status: string;
  receipts: unknown[];
}

export function VendorSupportPage() {
  const { t, dateTime, date, locale } = useI18n();
  usePageTitle(t('vsupport.title'));
  const [grants, setGrants] = useState<MyGrant[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [open, setOpen] = useState<MyGrant | null>(null);
  const [users, setUsers] = useState<UserRow[] | null>(null);
  const [expenses, setExpenses] = useState<ExpenseRow[] | null>(null);
  const [readError, setReadError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    api.get<{ items: MyGrant[] }>('/vendor/support/grants').then(
      (g) => live && (setGrants(g.items), setLoadError(null)),
      (e) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (!open) return;
    let live = true;
    setUsers(null);
    setExpenses(null);
    setReadError(null);
    const base = `/vendor/support/tenants/${open.tenantId}`;
    if (open.scopes.includes('users')) api.get<{ items: UserRow[] }>(`${base}/users?limit=200`).then((r) => live && setUsers(r.items), (e) => live && setReadError(e));
    if (open.scopes.includes('expenses')) api.get<{ items: ExpenseRow[] }>(`${base}/expenses?limit=200`).then((r) => live && setExpenses(r.items), (e) => live && setReadError(e));
    return () => {
      live = false;
    };
  }, [open]);

  return (
    <section className="page">
      <h1>{t('vsupport.title')}</h1>
      <p className="muted">{t('vsupport.intro')}</p>
      <ProblemBox error={loadError} />
      <DataTable<MyGrant>
        caption={t('vsupport.title')}
        columns={[t('vsupport.col.client'), t('support.col.scopes'), t('support.col.reason'), t('support.col.expires'), t('support.col.actions')]}
        rows={grants ?? []}
        busy={!grants && !loadError}
        empty={t('vsupport.none')}
      >
        {(g) => (
          <tr key={g.id} data-testid="my-grant">
            <td data-label={t('vsupport.col.client')}>{g.clientName}</td>
            <td data-label={t('support.col.scopes')}>{g.scopes.map((s) => t(`support.scope.${s}`)).join(', ')}</td>
            <td data-label={t('support.col.reason')} className="prewrap">
              {g.reason}
            </td>
            <td data-label={t('support.col.expires')}>
              {dateTime(g.expiresAt)}
              <br />
              <span className="muted">
                <TimeLeft until={g.expiresAt} />
              </span>
            </td>
            <td data-label={t('support.col.actions')}>
              <button type="button" className="btn" onClick={() => setOpen(g)} aria-pressed={open?.id === g.id}>
                {t('vsupport.open')}
              </button>
            </td>
          </tr>
        )}
      </DataTable>
      {open ? (
        <section className="card" aria-labelledby="support-data" data-testid="support-data">
          <h2 id="support-data">{t('vsupport.data', { client: open.clientName })}</h2>
          <Notice tone="info">{t('vsupport.audited')}</Notice>
          <ProblemBox error={readError} />
          {open.scopes.includes('users') ? (
            <>
              <h3>{t('support.scope.users')}</h3>
              <DataTable<UserRow> caption={t('support.scope.users')} columns={[t('vsupport.col.name'), t('vsupport.col.email'), t('vsupport.col.roles'), t('support.col.status')]} rows={users ?? []} busy={!users && !readError} empty={t('vsupport.empty')}>
                {(u) => (
                  <tr key={u.id}>
                    <td data-label={t('vsupport.col.name')}>{u.name}</td>
                    <td data-label={t('vsupport.col.email')}>{u.email}</td>
                    <td data-label={t('vsupport.col.roles')}>{u.roles.join(', ')}</td>
                    <td data-label={t('support.col.status')}>{u.status}</td>
                  </tr>
                )}
              </DataTable>
            </>
          ) : null}
          {open.scopes.includes('expenses') ? (
            <>
              <h3>{t('support.scope.expenses')}</h3>
              <DataTable<ExpenseRow> caption={t('support.scope.expenses')} columns={[t('vsupport.col.date'), t('vsupport.col.merchant'), t('vsupport.col.amount'), t('support.col.status'), t('vsupport.col.receipts')]} rows={expenses ?? []} busy={!expenses && !readError} empty={t('vsupport.empty')}>
                {(e) => (
                  <tr key={e.id}>
                    <td data-label={t('vsupport.col.date')}>{date(e.date)}</td>
                    <td data-label={t('vsupport.col.merchant')}>{e.merchant}</td>
                    <td data-label={t('vsupport.col.amount')}>{formatMinor(e.amountMinor, e.currency, locale)}</td>
                    <td data-label={t('support.col.status')}>{e.status}</td>
                    <td data-label={t('vsupport.col.receipts')}>{e.receipts.length}</td>
                  </tr>
                )}
              </DataTable>
            </>
          ) : null}
          {!open.scopes.includes('users') && !open.scopes.includes('expenses') ? <p className="muted">{t('vsupport.apiOnly')}</p> : null}
        </section>
      ) : null}
    </section>
  );
}
