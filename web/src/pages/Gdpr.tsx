// GDPR processor duties on screen. For a Client's admins (/gdpr): the personal data breaches that
// concern their company (R-GDPR-3) with the notification and the follow-ups, read-only, and their
// audit requests (R-GDPR-6) with the form to ask for one (a month's notice, one a year). For the
// vendor's operators (/vendor/gdpr): the breach register — record an incident, its 48-hour clock
// counting down (overdue flagged), notify the affected Clients, add follow-ups — and every Client's
// audit requests to schedule, close as done or cancel.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { Badge, CheckboxGroup, DlRow, FormActions, Notice, ProblemBox, TextAreaField, TextField, usePageTitle, useSubmit } from '../components/ui.tsx';
import { GdprTabs } from '../components/gdpr-tabs.tsx';
import { useI18n } from '../i18n/index.tsx';

type AuditStatus = 'requested' | 'scheduled' | 'done' | 'cancelled';
export interface BreachView {
  id: string;
  title: string;
  detectedAt: string;
  recordedAt: string;
  nature: string;
  dataCategories: string[];
  subjectsApprox: number;
  recordsApprox: number;
  consequences: string;
  measures: string;
  contact: string;
  scope: 'all' | 'some';
  clock: { notifyBy: string; secondsLeft: number; overdue: boolean; running: boolean };
  followUps: { id: string; at: string; text: string }[];
}
type VendorBreach = BreachView & { pending: number; clients: { tenantId: string; name: string; notifiedAt: string | null; sentTo: string[]; late: boolean }[] };
type ClientBreach = BreachView & { notification: { notifiedAt: string; sentTo: string[]; late: boolean } | null };
interface AuditRequest {
  id: string;
  requestedAt: string;
  proposedDate: string;
  scope: string;
  status: AuditStatus;
  agreedDate: string | null;
  closedAt: string | null;
  closeNote: string | null;
  tenantId?: string;
  clientName?: string;
}

const STATUS_TONE: Record<AuditStatus, 'blue' | 'amber' | 'green' | 'grey'> = { requested: 'blue', scheduled: 'amber', done: 'green', cancelled: 'grey' };

/** The time, ticking every 30 seconds, for the countdowns. */
function useNow() {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function Countdown({ b, now }: { b: BreachView; now: number }) {
  const { t } = useI18n();
  if (!b.clock.running) return <Badge tone="green">{t('gdpr.clock.stopped')}</Badge>;
  const left = new Date(b.clock.notifyBy).getTime() - now;
  if (left < 0) return <Badge tone="red">{t('gdpr.clock.overdue', { hours: String(Math.floor(-left / 3_600_000)) })}</Badge>;
  const h = Math.floor(left / 3_600_000);
  const m = Math.floor((left % 3_600_000) / 60_000);
  return <Badge tone={h < 12 ? 'amber' : 'blue'}>{t('gdpr.clock.left', { hours: String(h), minutes: String(m).padStart(2, '0') })}</Badge>;
}

function Art33({ b }: { b: BreachView }) {
  const { t, dateTime, locale } = useI18n();
  const n = (x: number) => new Intl.NumberFormat(locale).format(x);
  return (
    <dl className="dl">
      <DlRow term={t('gdpr.field.detectedAt')}>{dateTime(b.detectedAt)}</DlRow>
      <DlRow term={t('gdpr.field.nature')}>
        <span className="prewrap">{b.nature}</span>
      </DlRow>
      <DlRow term={t('gdpr.field.categories')}>{b.dataCategories.join(', ')}</DlRow>
      <DlRow term={t('gdpr.field.subjects')}>{n(b.subjectsApprox)}</DlRow>
      <DlRow term={t('gdpr.field.records')}>{n(b.recordsApprox)}</DlRow>
      <DlRow term={t('gdpr.field.consequences')}>
        <span className="prewrap">{b.consequences}</span>
      </DlRow>
      <DlRow term={t('gdpr.field.measures')}>
        <span className="prewrap">{b.measures}</span>
      </DlRow>
      <DlRow term={t('gdpr.field.contact')}>{b.contact}</DlRow>
    </dl>
  );
}

function FollowUps({ b }: { b: BreachView }) {
  const { t, dateTime } = useI18n();
  return (
    <>
      <h4>{t('gdpr.followUps')}</h4>
      {b.followUps.length === 0 ? (
        <p className="muted">{t('gdpr.followUps.none')}</p>
      ) : (
        <ul className="timeline">
          {b.followUps.map((f) => (
            <li key={f.id} className="timeline__item">
              <p className="small muted">{dateTime(f.at)}</p>
              <p className="prewrap">{f.text}</p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** An audit request's dates, scope, status and note, as table cells (the admin's and the operators' tables). */
function AuditRequestCells({ r }: { r: AuditRequest }) {
  const { t, date } = useI18n();
  return (
    <>
      <td data-label={t('gdpr.audit.col.requestedAt')}>{date(r.requestedAt)}</td>
      <td data-label={t('gdpr.audit.col.proposed')}>{date(r.proposedDate)}</td>
      <td data-label={t('gdpr.audit.col.scope')} className="prewrap">
        {r.scope}
      </td>
      <td data-label={t('gdpr.audit.col.status')}>
        <AuditStatusBadge r={r} />
      </td>
      <td data-label={t('gdpr.audit.col.agreed')}>{r.agreedDate ? date(r.agreedDate) : '—'}</td>
      <td data-label={t('gdpr.audit.col.note')} className="prewrap">
        {r.closeNote ?? '—'}
      </td>
    </>
  );
}

function AuditStatusBadge({ r }: { r: AuditRequest }) {
  const { t } = useI18n();
  return <Badge tone={STATUS_TONE[r.status]}>{t(`gdpr.audit.status.${r.status}`)}</Badge>;
}

// ————————————————————————————————————————— the Client's admins

export function GdprPage() {
  const { t, dateTime, date } = useI18n();
  usePageTitle(t('gdpr.title'));
  const now = useNow();
  const [breaches, setBreaches] = useState<ClientBreach[] | null>(null);
  const [audits, setAudits] = useState<{ items: AuditRequest[]; earliestDate: string; nextRequestFrom: string | null; canRequest: boolean } | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [proposedDate, setProposedDate] = useState('');
  const [scope, setScope] = useState('');
  const [notice, setNotice] = useState('');
  const { error, setError, busy, run, fieldError } = useSubmit();

  useEffect(() => {
    let live = true;
    Promise.all([api.get<{ items: ClientBreach[] }>('/gdpr/breaches'), api.get<NonNullable<typeof audits>>('/gdpr/audit-requests')]).then(
      ([b, a]) => live && (setBreaches(b.items), setAudits(a), setLoadError(null)),
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
      await api.post('/gdpr/audit-requests', { proposedDate, scope });
      setProposedDate('');
      setScope('');
      setNotice(t('gdpr.audit.requested'));
      setVersion((v) => v + 1);
    });
  };

  return (
    <section className="page gdpr">
      <h1>{t('gdpr.title')}</h1>
      <GdprTabs side="client" current="main" />
      <ProblemBox error={loadError} />
      <section className="card" aria-labelledby="gdpr-breaches" data-testid="gdpr-breaches">
        <h2 id="gdpr-breaches">{t('gdpr.breaches')}</h2>
        <p className="muted">{t('gdpr.breaches.intro')}</p>
        {breaches && breaches.length === 0 ? <p className="muted">{t('gdpr.breaches.none')}</p> : null}
        {(breaches ?? []).map((b) => (
          <article key={b.id} className="card card--inner" data-testid="gdpr-breach">
            <h3>{b.title}</h3>
            <p>
              {b.notification ? (
                <Badge tone={b.notification.late ? 'amber' : 'green'}>{t('gdpr.notifiedOn', { date: dateTime(b.notification.notifiedAt) })}</Badge>
              ) : (
                <>
                  <Badge tone="blue">{t('gdpr.notYetNotified')}</Badge> <Countdown b={b} now={now} />
                </>
              )}
            </p>
            <Art33 b={b} />
            <FollowUps b={b} />
          </article>
        ))}
      </section>

      <section className="card" aria-labelledby="gdpr-audits" data-testid="gdpr-audits">
        <h2 id="gdpr-audits">{t('gdpr.audits')}</h2>
        <p className="muted">{t('gdpr.audits.intro')}</p>
        <DataTable<AuditRequest>
          caption={t('gdpr.audits')}
          columns={[t('gdpr.audit.col.requestedAt'), t('gdpr.audit.col.proposed'), t('gdpr.audit.col.scope'), t('gdpr.audit.col.status'), t('gdpr.audit.col.agreed'), t('gdpr.audit.col.note')]}
          rows={audits?.items ?? []}
          busy={!audits && !loadError}
          empty={t('gdpr.audits.none')}
        >
          {(r) => (
            <tr key={r.id}>
              <AuditRequestCells r={r} />
            </tr>
          )}
        </DataTable>
        <h3>{t('gdpr.audit.new')}</h3>
        <Notice>{notice || null}</Notice>
        {audits && !audits.canRequest && audits.nextRequestFrom ? (
          <Notice tone="info">{t('gdpr.audit.nextFrom', { date: date(audits.nextRequestFrom) })}</Notice>
        ) : audits ? (
          <form onSubmit={submit} noValidate aria-label={t('gdpr.audit.new')}>
            <ProblemBox error={error} inline={['proposedDate', 'scope']} />
            <TextField label={t('gdpr.audit.field.date')} hint={t('gdpr.audit.field.dateHint', { date: date(audits.earliestDate) })} type="date" name="proposedDate" required min={audits.earliestDate} value={proposedDate} onChange={setProposedDate} error={fieldError('proposedDate')} />
            <TextAreaField label={t('gdpr.audit.field.scope')} name="scope" required value={scope} onChange={setScope} error={fieldError('scope')} maxLength={4000} />
            <FormActions label={t('gdpr.audit.submit')} busy={busy} />
          </form>
        ) : null}
      </section>
    </section>
  );
}

// ————————————————————————————————————————— the vendor's operators

export function VendorGdprPage() {
  const { t, dateTime, date } = useI18n();
  usePageTitle(t('vgdpr.title'));
  const now = useNow();
  const [breaches, setBreaches] = useState<VendorBreach[] | null>(null);
  const [audits, setAudits] = useState<AuditRequest[] | null>(null);
  const [tenants, setTenants] = useState<{ id: string; name: string; status: string }[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState('');
  const [showForm, setShowForm] = useState(false);
  const { error, setError, busy, run } = useSubmit();

  useEffect(() => {
    let live = true;
    Promise.all([
      api.get<{ items: VendorBreach[] }>('/vendor/gdpr/breaches'),
      api.get<{ items: AuditRequest[] }>('/vendor/gdpr/audit-requests'),
      api.get<{ items: { id: string; name: string; status: string }[] }>('/vendor/tenants'),
    ]).then(
      ([b, a, c]) => live && (setBreaches(b.items), setAudits(a.items), setTenants(c.items.filter((x) => x.status !== 'destroyed')), setLoadError(null)),
      (e) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
  }, [version]);

  const reload = () => setVersion((v) => v + 1);
  const act = (work: () => Promise<string>) => {
    setError(null);
    setNotice('');
    void run(async () => {
      setNotice(await work());
      reload();
    });
  };

  return (
    <section className="page gdpr">
      <h1>{t('vgdpr.title')}</h1>
      <GdprTabs side="vendor" current="main" />
      <Notice>{notice || null}</Notice>
      <ProblemBox error={loadError ?? error} />
      <section className="card" aria-labelledby="vgdpr-register" data-testid="vgdpr-register">
        <div className="page-head">
          <h2 id="vgdpr-register">{t('vgdpr.register')}</h2>
          <button type="button" className="btn btn--primary" aria-expanded={showForm} onClick={() => setShowForm((s) => !s)}>
            {t('vgdpr.record')}
          </button>
        </div>
        {showForm ? (
          <BreachForm
            tenants={tenants}
            onDone={(title) => {
              setShowForm(false);
              setNotice(t('vgdpr.recorded', { title }));
              reload();
            }}
            onCancel={() => setShowForm(false)}
          />
        ) : null}
        {breaches && breaches.length === 0 ? <p className="muted">{t('vgdpr.none')}</p> : null}
        {(breaches ?? []).map((b) => (
          <article key={b.id} className="card card--inner" data-testid="vgdpr-breach">
            <h3>
              {b.title} <Countdown b={b} now={now} />
            </h3>
            <p className="muted small">{t('vgdpr.deadline', { date: dateTime(b.clock.notifyBy) })}</p>
            <Art33 b={b} />
            <DataTable<VendorBreach['clients'][number]> caption={t('vgdpr.clients')} columns={[t('vgdpr.col.client'), t('vgdpr.col.notified'), t('vgdpr.col.recipients')]} rows={b.clients} empty="—">
              {(c) => (
                <tr key={c.tenantId}>
                  <td data-label={t('vgdpr.col.client')} className="cell-main">
                    {c.name}
                  </td>
                  <td data-label={t('vgdpr.col.notified')}>
                    {c.notifiedAt ? <Badge tone={c.late ? 'amber' : 'green'}>{dateTime(c.notifiedAt)}{c.late ? ` — ${t('vgdpr.late')}` : ''}</Badge> : <Badge tone={b.clock.overdue ? 'red' : 'blue'}>{t('vgdpr.pending')}</Badge>}
                  </td>
                  <td data-label={t('vgdpr.col.recipients')}>{c.sentTo.join(', ') || '—'}</td>
                </tr>
              )}
            </DataTable>
            {b.pending > 0 ? (
              <div className="actions">
                <button
                  type="button"
                  className="btn btn--primary"
                  disabled={busy}
                  onClick={() =>
                    act(async () => {
                      const r = await api.post<{ notified: unknown[]; unreachable: { name: string }[] }>(`/vendor/gdpr/breaches/${b.id}/notify`);
                      return r.unreachable.length
                        ? t('vgdpr.notifiedSome', { count: String(r.notified.length), names: r.unreachable.map((u) => u.name).join(', ') })
                        : t('vgdpr.notified', { count: String(r.notified.length) });
                    })
                  }
                >
                  {t('vgdpr.notify', { count: String(b.pending) })}
                </button>
              </div>
            ) : null}
            <FollowUps b={b} />
            <FollowUpForm id={b.id} busy={busy} onAdd={(text) => act(async () => (await api.post(`/vendor/gdpr/breaches/${b.id}/follow-ups`, { text }), t('vgdpr.followUpAdded')))} />
          </article>
        ))}
      </section>

      <section className="card" aria-labelledby="vgdpr-audits" data-testid="vgdpr-audits">
        <h2 id="vgdpr-audits">{t('gdpr.audits')}</h2>
        <DataTable<AuditRequest>
          caption={t('gdpr.audits')}
          columns={[t('vgdpr.col.client'), t('gdpr.audit.col.requestedAt'), t('gdpr.audit.col.proposed'), t('gdpr.audit.col.scope'), t('gdpr.audit.col.status'), t('gdpr.audit.col.agreed'), t('gdpr.audit.col.note')]}
          actions
          rows={audits ?? []}
          busy={!audits && !loadError}
          empty={t('gdpr.audits.none')}
        >
          {(r) => (
            <tr key={r.id}>
              <td data-label={t('vgdpr.col.client')} className="cell-main">
                {r.clientName}
              </td>
              <AuditRequestCells r={r} />
              <td className="cell-actions">
                <AuditActions r={r} busy={busy} act={act} />
              </td>
            </tr>
          )}
        </DataTable>
      </section>
    </section>
  );
}

function AuditActions({ r, busy, act }: { r: AuditRequest; busy: boolean; act: (work: () => Promise<string>) => void }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<'schedule' | 'done' | 'cancel' | null>(null);
  const [value, setValue] = useState('');
  if (r.status === 'done' || r.status === 'cancelled') return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m = mode!;
    const body = m === 'schedule' ? { agreedDate: value } : m === 'done' ? { reportNote: value } : { reason: value };
    act(async () => {
      await api.post(`/vendor/gdpr/audit-requests/${r.id}/${m}`, body);
      setMode(null);
      setValue('');
      return t(({ schedule: 'vgdpr.audit.scheduledMsg', done: 'vgdpr.audit.doneMsg', cancel: 'vgdpr.audit.cancelledMsg' } as const)[m]);
    });
  };
  if (mode)
    return (
      <form onSubmit={submit} noValidate>
        {mode === 'schedule' ? (
          <TextField label={t('vgdpr.audit.agreedDate')} type="date" name="agreedDate" required value={value} onChange={setValue} />
        ) : (
          <TextAreaField label={mode === 'done' ? t('vgdpr.audit.reportNote') : t('vgdpr.audit.reason')} name="note" required value={value} onChange={setValue} maxLength={4000} />
        )}
        <FormActions label={t(`vgdpr.audit.${mode}`)} busy={busy} onCancel={() => setMode(null)} />
      </form>
    );
  return (
    <>
      <button type="button" className="btn btn--small" disabled={busy} onClick={() => (setMode('schedule'), setValue(r.agreedDate ?? r.proposedDate))}>
        {t(r.status === 'scheduled' ? 'vgdpr.audit.reschedule' : 'vgdpr.audit.schedule')}
      </button>
      {r.status === 'scheduled' ? (
        <button type="button" className="btn btn--small" disabled={busy} onClick={() => (setMode('done'), setValue(''))}>
          {t('vgdpr.audit.done')}
        </button>
      ) : null}
      <button type="button" className="btn btn--small btn--ghost" disabled={busy} onClick={() => (setMode('cancel'), setValue(''))}>
        {t('vgdpr.audit.cancel')}
      </button>
    </>
  );
}

function FollowUpForm({ id, busy, onAdd }: { id: string; busy: boolean; onAdd: (text: string) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onAdd(text);
        setText('');
      }}
      noValidate
    >
      <TextAreaField label={t('vgdpr.followUp')} name={`follow-up-${id}`} required value={text} onChange={setText} maxLength={4000} />
      <FormActions label={t('vgdpr.followUp.add')} busy={busy} />
    </form>
  );
}

function BreachForm({ tenants, onDone, onCancel }: { tenants: { id: string; name: string }[]; onDone: (title: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [f, setF] = useState({ title: '', detectedAt: '', nature: '', categories: '', subjects: '', records: '', consequences: '', measures: '', contact: '' });
  const [all, setAll] = useState(false);
  const [clients, setClients] = useState<string[]>([]);
  const { error, busy, run, fieldError } = useSubmit();
  const set = (k: keyof typeof f) => (v: string) => setF((x) => ({ ...x, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api.post('/vendor/gdpr/breaches', {
        title: f.title,
        detectedAt: f.detectedAt ? new Date(f.detectedAt).toISOString() : '',
        nature: f.nature,
        dataCategories: f.categories.split(',').map((c) => c.trim()).filter(Boolean),
        subjectsApprox: Number(f.subjects),
        recordsApprox: Number(f.records),
        consequences: f.consequences,
        measures: f.measures,
        contact: f.contact,
        clients: all ? 'all' : clients,
      });
      onDone(f.title);
    });
  };
  return (
    <form onSubmit={submit} noValidate className="card card--inner" data-testid="vgdpr-form" aria-label={t('vgdpr.record')}>
      <ProblemBox error={error} inline={['title', 'detectedAt', 'nature', 'dataCategories', 'subjectsApprox', 'recordsApprox', 'consequences', 'measures', 'contact', 'clients']} />
      <TextField label={t('vgdpr.field.title')} name="title" required value={f.title} onChange={set('title')} error={fieldError('title')} maxLength={200} />
      <TextField label={t('gdpr.field.detectedAt')} hint={t('vgdpr.field.detectedAtHint')} type="datetime-local" name="detectedAt" required value={f.detectedAt} onChange={set('detectedAt')} error={fieldError('detectedAt')} />
      <TextAreaField label={t('gdpr.field.nature')} name="nature" required value={f.nature} onChange={set('nature')} error={fieldError('nature')} maxLength={4000} />
      <TextField label={t('gdpr.field.categories')} hint={t('vgdpr.field.categoriesHint')} name="categories" required value={f.categories} onChange={set('categories')} error={fieldError('dataCategories')} />
      <div className="grid2">
        <TextField label={t('gdpr.field.subjects')} type="number" min={0} inputMode="numeric" name="subjects" required value={f.subjects} onChange={set('subjects')} error={fieldError('subjectsApprox')} />
        <TextField label={t('gdpr.field.records')} type="number" min={0} inputMode="numeric" name="records" required value={f.records} onChange={set('records')} error={fieldError('recordsApprox')} />
      </div>
      <TextAreaField label={t('gdpr.field.consequences')} name="consequences" required value={f.consequences} onChange={set('consequences')} error={fieldError('consequences')} maxLength={4000} />
      <TextAreaField label={t('gdpr.field.measures')} name="measures" required value={f.measures} onChange={set('measures')} error={fieldError('measures')} maxLength={4000} />
      <TextField label={t('gdpr.field.contact')} name="contact" required value={f.contact} onChange={set('contact')} error={fieldError('contact')} maxLength={500} />
      <CheckboxGroup<'all'> legend={t('vgdpr.field.scope')} name="all" options={[{ value: 'all', label: t('vgdpr.field.allClients') }]} value={all ? ['all'] : []} onChange={(v) => setAll(v.includes('all'))} />
      {!all ? <CheckboxGroup<string> legend={t('vgdpr.field.clients')} name="clients" options={tenants.map((c) => ({ value: c.id, label: c.name }))} value={clients} onChange={setClients} error={fieldError('clients')} /> : null}
      <FormActions label={t('vgdpr.record')} busy={busy} onCancel={onCancel} />
    </form>
  );
}
