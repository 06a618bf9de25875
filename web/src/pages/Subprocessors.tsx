// The subprocessor registry (R-GDPR-1, §8.2.d): the public list with its dated history; the Client
// admin's view — the list in force for the company and each announced change with an Object button
// until it takes effect; the operators' registry — announce a change (at least a month ahead), see
// the objections and record the decision for each Client.
import { useEffect, useState, type FormEvent } from 'react';
import { api, type SubprocessorsForClient, type SubprocessorsForVendor, type SubprocessorsPublic } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { Badge, DlRow, FormActions, Notice, ProblemBox, SelectField, TextAreaField, TextField, usePageTitle, useSubmit } from '../components/ui.tsx';
import { GdprTabs } from '../components/gdpr-tabs.tsx';
import { useI18n } from '../i18n/index.tsx';
import { AuthLayout } from '../App.tsx';

type PublicList = SubprocessorsPublic;
type ClientView = SubprocessorsForClient;
type VendorView = SubprocessorsForVendor;
type Entry = PublicList['subprocessors'][number];
type ClientChange = ClientView['changes'][number];
type VendorChange = VendorView['changes'][number];

/** Loads `path` once (again when `version` changes). */
function useLoad<T>(path: string, version = 0): [T | null, unknown] {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api.get<T>(path).then((d) => live && setData(d), (e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [path, version]);
  return [data, error];
}

function EntriesTable({ rows, caption }: { rows: Entry[]; caption: string }) {
  const { t, date } = useI18n();
  return (
    <DataTable<Entry> caption={caption} columns={[t('sub.col.name'), t('sub.col.purpose'), t('sub.col.data'), t('sub.col.location'), t('sub.col.since')]} rows={rows} empty={t('sub.none')}>
      {(s) => (
        <tr key={s.id}>
          <td data-label={t('sub.col.name')} className="cell-main">
            {s.name}
            <div className="small muted">{s.legalEntity}</div>
          </td>
          <td data-label={t('sub.col.purpose')}>{s.purpose}</td>
          <td data-label={t('sub.col.data')}>{s.dataCategories.join(', ')}</td>
          <td data-label={t('sub.col.location')}>
            {s.country} {s.inEea ? <Badge tone="green">{t('sub.eea')}</Badge> : <Badge tone="amber">{t('sub.outsideEea')}</Badge>}
            {s.safeguard ? <div className="small muted">{s.safeguard}</div> : null}
          </td>
          <td data-label={t('sub.col.since')}>{date(s.since)}</td>
        </tr>
      )}
    </DataTable>
  );
}

/** One change in words: what comes in, what goes. */
function ChangeText({ c }: { c: { kind: 'add' | 'replace' | 'remove'; added: Entry | null; removed: Entry | null } }) {
  const { t } = useI18n();
  return <>{t(`sub.kind.${c.kind}`, { added: c.added?.name ?? '', removed: c.removed?.name ?? '' })}</>;
}

/** A change's title, its standing and its dates (both signed-in pages). */
function ChangeHead({ c, status }: { c: ClientChange | VendorChange; status: ClientChange['status'] }) {
  const { t, date } = useI18n();
  return (
    <>
      <p>
        <strong>
          <ChangeText c={c} />
        </strong>{' '}
        <Badge tone={STATUS_TONE[status]}>{t(`sub.status.${status}`)}</Badge>
      </p>
      <p className="small">
        {t('sub.effectiveOn', { date: date(c.effectiveAt) })} · {t('sub.announcedOn', { date: date(c.announcedAt) })}
      </p>
    </>
  );
}

function CurrentCard({ id, rows }: { id: string; rows: Entry[] }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{t('sub.current')}</h2>
      <EntriesTable rows={rows} caption={t('sub.current')} />
    </section>
  );
}

/** The public page (no sign-in): the subprocessors in force and the dated history of changes. */
export function PublicSubprocessorsPage() {
  const { t, date } = useI18n();
  usePageTitle(t('sub.title'));
  const [data, error] = useLoad<PublicList>('/public/subprocessors');
  return (
    <AuthLayout title={t('sub.title')}>
      <p className="muted">{t('sub.publicIntro')}</p>
      <ProblemBox error={error} />
      {data ? (
        <>
          <EntriesTable rows={data.subprocessors} caption={t('sub.title')} />
          <h2>{t('sub.history')}</h2>
          {data.changes.length ? (
            <ul className="plain" data-testid="sub-history">
              {data.changes.map((c) => (
                <li key={c.id}>
                  <ChangeText c={c} /> — {t(c.inEffect ? 'sub.inEffectSince' : 'sub.effectiveOn', { date: date(c.effectiveAt) })} ({t('sub.announcedOn', { date: date(c.announcedAt) })})
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('sub.noChange')}</p>
          )}
        </>
      ) : null}
    </AuthLayout>
  );
}

const STATUS_TONE: Record<ClientChange['status'], 'green' | 'amber' | 'grey' | 'blue' | 'red'> = { announced: 'blue', objected: 'amber', on_hold: 'amber', may_terminate: 'red', effective: 'green', cancelled: 'grey' };

/** The Client admin's page: the list in force for the company; each change, with the objection open until it takes effect. */
export function ClientSubprocessorsPage() {
  const { t, date } = useI18n();
  usePageTitle(t('sub.title'));
  const [version, setVersion] = useState(0);
  const [data, error] = useLoad<ClientView>('/gdpr/subprocessors', version);
  const [objecting, setObjecting] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  return (
    <section className="page">
      <h1>{t('gdpr.title')}</h1>
      <GdprTabs side="client" current="subprocessors" />
      <p className="muted">{t('sub.clientIntro')}</p>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      {data ? (
        <>
          <section className="card" aria-labelledby="sub-changes" data-testid="sub-changes">
            <h2 id="sub-changes">{t('sub.changes')}</h2>
            {data.changes.length ? (
              <ul className="plain stack">
                {data.changes.map((c) => (
                  <li key={c.id} data-testid={`sub-change-${c.id}`}>
                    <ChangeHead c={c} status={c.status} />
                    <p className="small prewrap">{c.reason}</p>
                    {c.objection ? <p className="small">{t('sub.yourObjection', { date: date(c.objection.objectedAt), reason: c.objection.reason })}{c.objection.note ? ` — ${c.objection.note}` : ''}</p> : null}
                    {c.canObject ? (
                      objecting === c.id ? (
                        <ObjectionForm changeId={c.id} onCancel={() => setObjecting(null)} onDone={() => (setObjecting(null), setNotice(t('sub.objected')), setVersion((v) => v + 1))} />
                      ) : (
                        <button type="button" className="btn btn--small" onClick={() => (setNotice(''), setObjecting(c.id))}>
                          {t('sub.object')}
                        </button>
                      )
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">{t('sub.noChange')}</p>
            )}
          </section>
          <CurrentCard id="sub-current" rows={data.subprocessors} />
          <Transfers entries={data.subprocessors} onDone={() => (setNotice(t('sub.instructed')), setVersion((v) => v + 1))} />
          <Storage />
        </>
      ) : null}
    </section>
  );
}

/** Subprocessors outside the EU/EEA: the company's written instruction, or the way to give it (§8.3). */
function Transfers({ entries, onDone }: { entries: ClientView['subprocessors']; onDone: () => void }) {
  const { t, date } = useI18n();
  const outside = entries.filter((e) => e.transfer);
  const [note, setNote] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const { error, setError, busy, run, fieldError } = useSubmit();
  if (!outside.length) return null;
  return (
    <section className="card" aria-labelledby="sub-transfers" data-testid="sub-transfers">
      <h2 id="sub-transfers">{t('sub.transfers')}</h2>
      <p className="small muted">{t('sub.transfersIntro')}</p>
      <ProblemBox error={error} inline={['note']} />
      <ul className="plain stack">
        {outside.map((e) => (
          <li key={e.id}>
            <strong>{e.name}</strong> ({e.country}) — {e.transfer!.instructedAt ? t('sub.instructedOn', { date: date(e.transfer!.instructedAt), note: e.transfer!.note ?? '' }) : <Badge tone="amber">{t('sub.needsInstruction')}</Badge>}
            {!e.transfer!.instructedAt ? (
              open === e.id ? (
                <form
                  className="form"
                  aria-label={t('sub.instruct', { name: e.name })}
                  onSubmit={(ev) => {
                    ev.preventDefault();
                    setError(null);
                    void run(async () => {
                      await api.post('/gdpr/transfer-instructions', { subprocessorId: e.id, note });
                      setOpen(null);
                      setNote('');
                      onDone();
                    });
                  }}
                >
                  <TextAreaField label={t('sub.instructionNote')} name="note" required minLength={3} rows={2} value={note} onChange={setNote} error={fieldError('note')} />
                  <FormActions label={t('sub.instructSend')} busy={busy} onCancel={() => setOpen(null)} />
                </form>
              ) : (
                <div className="actions">
                  <button type="button" className="btn btn--small" onClick={() => setOpen(e.id)}>
                    {t('sub.instruct', { name: e.name })}
                  </button>
                </div>
              )
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

type StorageView = { country: string; components: { component: 'database' | 'objects' | 'vault' | 'mail'; kind: 'postgresql' | 'pglite' | 's3' | 'files' | 'smtp' | 'outbox'; location: string | null }[] };

/** Where the data is kept, as this deployment is configured (R-GDPR-5). */
function Storage() {
  const { t } = useI18n();
  const [data, error] = useLoad<StorageView>('/gdpr/storage');
  return (
    <section className="card" aria-labelledby="sub-storage" data-testid="sub-storage">
      <h2 id="sub-storage">{t('sub.storage')}</h2>
      <ProblemBox error={error} />
      {data ? (
        <dl className="dl">
          {data.components.map((c) => (
            <DlRow key={c.component} term={t(`sub.storage.${c.component}`)}>
              {t(`sub.storageKind.${c.kind}`)} — {c.location ?? t('sub.thisServer')} ({data.country})
            </DlRow>
          ))}
        </dl>
      ) : null}
    </section>
  );
}

function ObjectionForm({ changeId, onDone, onCancel }: { changeId: string; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const { error, setError, busy, run, fieldError } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      await api.post('/gdpr/subprocessor-objections', { changeId, reason });
      onDone();
    });
  }
  return (
    <form onSubmit={submit} className="form" aria-label={t('sub.object')}>
      <ProblemBox error={error} inline={['reason']} />
      <TextAreaField label={t('sub.objectReason')} name="reason" required minLength={3} maxLength={2000} rows={3} value={reason} onChange={setReason} error={fieldError('reason')} />
      <FormActions label={t('sub.objectSend')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

/** The operators' page: the registry, announcing a change, and the decision on each objection. */
export function VendorSubprocessorsPage() {
  const { t, date } = useI18n();
  usePageTitle(t('sub.vendorTitle'));
  const [version, setVersion] = useState(0);
  const [data, error] = useLoad<VendorView>('/vendor/gdpr/subprocessors', version);
  const [notice, setNotice] = useState('');
  const submit = useSubmit();
  const reload = (message: string) => (setNotice(message), setVersion((v) => v + 1));
  const decide = (c: VendorChange, tenantId: string, decision: 'on_hold' | 'may_terminate') =>
    void submit.run(async () => {
      await api.post(`/vendor/gdpr/subprocessor-changes/${c.id}/objections/${tenantId}/decision`, { decision });
      reload(t('sub.decided'));
    });
  return (
    <section className="page">
      <h1>{t('vgdpr.title')}</h1>
      <GdprTabs side="vendor" current="subprocessors" />
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error ?? submit.error} />
      {data ? (
        <>
          <AnnounceForm current={data.subprocessors} onDone={() => reload(t('sub.announced'))} />
          <section className="card" aria-labelledby="vsub-changes" data-testid="vsub-changes">
            <h2 id="vsub-changes">{t('sub.changes')}</h2>
            {data.changes.length ? (
              <ul className="plain stack">
                {data.changes.map((c) => (
                  <li key={c.id}>
                    <ChangeHead c={c} status={c.cancelledAt ? 'cancelled' : c.inEffect ? 'effective' : 'announced'} />
                    {c.objections.map((o) => (
                      <div key={o.tenantId} className="alert alert--warning">
                        <p>{t('sub.objectionBy', { client: o.tenantName, date: date(o.objectedAt), reason: o.reason })}</p>
                        <p className="small">{o.decision ? t(`sub.status.${o.decision}`) : t('sub.awaitingDecision')}</p>
                        <div className="actions">
                          <button type="button" className="btn btn--small" disabled={submit.busy || o.decision === 'on_hold'} onClick={() => decide(c, o.tenantId, 'on_hold')}>
                            {t('sub.decideHold', { client: o.tenantName })}
                          </button>
                          <button type="button" className="btn btn--small btn--ghost" disabled={submit.busy || o.decision === 'may_terminate'} onClick={() => decide(c, o.tenantId, 'may_terminate')}>
                            {t('sub.decideTerminate', { client: o.tenantName })}
                          </button>
                        </div>
                      </div>
                    ))}
                    {!c.cancelledAt && !c.inEffect ? (
                      <button type="button" className="btn btn--small btn--ghost" disabled={submit.busy} onClick={() => void submit.run(async () => (await api.post(`/vendor/gdpr/subprocessor-changes/${c.id}/cancel`), reload(t('sub.withdrawn'))))}>
                        {t('sub.withdraw')}
                      </button>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">{t('sub.noChange')}</p>
            )}
          </section>
          <CurrentCard id="vsub-current" rows={data.subprocessors} />
        </>
      ) : null}
    </section>
  );
}

function AnnounceForm({ current, onDone }: { current: Entry[]; onDone: () => void }) {
  const { t } = useI18n();
  const [f, setF] = useState({ kind: 'add' as 'add' | 'replace' | 'remove', removedId: '', name: '', legalEntity: '', purpose: '', dataCategories: '', country: 'FR', safeguard: '', reason: '', effectiveOn: '' });
  const set = (k: keyof typeof f) => (v: string) => setF((x) => ({ ...x, [k]: v }));
  const { error, setError, busy, run, fieldError } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const entry = f.kind === 'remove' ? undefined : { name: f.name, legalEntity: f.legalEntity, purpose: f.purpose, dataCategories: f.dataCategories.split(',').map((s) => s.trim()).filter(Boolean), country: f.country.toUpperCase(), safeguard: f.safeguard.trim() || null };
    await run(async () => {
      await api.post('/vendor/gdpr/subprocessor-changes', { kind: f.kind, ...(entry ? { entry } : {}), ...(f.kind !== 'add' ? { removedId: f.removedId } : {}), reason: f.reason, effectiveOn: f.effectiveOn });
      setF((x) => ({ ...x, name: '', legalEntity: '', purpose: '', dataCategories: '', safeguard: '', reason: '', effectiveOn: '' }));
      onDone();
    });
  }
  return (
    <section className="card" aria-labelledby="vsub-announce">
      <h2 id="vsub-announce">{t('sub.announce')}</h2>
      <p className="small muted">{t('sub.announceHint')}</p>
      <form onSubmit={submit} className="form" aria-label={t('sub.announce')}>
        <ProblemBox error={error} inline={['reason', 'effectiveOn']} />
        <div className="grid2">
          <SelectField label={t('sub.kindLabel')} name="kind" value={f.kind} onChange={(v) => set('kind')(v)}>
            <option value="add">{t('sub.kindOption.add')}</option>
            <option value="replace">{t('sub.kindOption.replace')}</option>
            <option value="remove">{t('sub.kindOption.remove')}</option>
          </SelectField>
          {f.kind !== 'add' ? (
            <SelectField label={t('sub.removed')} name="removedId" required value={f.removedId} onChange={set('removedId')} error={fieldError('removedId')}>
              <option value="">—</option>
              {current.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </SelectField>
          ) : null}
        </div>
        {f.kind !== 'remove' ? (
          <div className="grid2">
            <TextField label={t('sub.col.name')} name="name" required value={f.name} onChange={set('name')} />
            <TextField label={t('sub.legalEntity')} name="legalEntity" required value={f.legalEntity} onChange={set('legalEntity')} />
            <TextField label={t('sub.col.purpose')} name="purpose" required value={f.purpose} onChange={set('purpose')} />
            <TextField label={t('sub.col.data')} hint={t('sub.dataHint')} name="dataCategories" required value={f.dataCategories} onChange={set('dataCategories')} />
            <TextField label={t('sub.country')} name="country" required maxLength={2} value={f.country} onChange={set('country')} />
            <TextField label={t('sub.safeguard')} hint={t('sub.safeguardHint')} name="safeguard" optional value={f.safeguard} onChange={set('safeguard')} error={fieldError('entry.safeguard')} />
          </div>
        ) : null}
        <div className="grid2">
          <TextField label={t('sub.effectiveOnLabel')} type="date" name="effectiveOn" required value={f.effectiveOn} onChange={set('effectiveOn')} error={fieldError('effectiveOn')} />
        </div>
        <TextAreaField label={t('sub.reason')} name="reason" required minLength={3} rows={3} value={f.reason} onChange={set('reason')} error={fieldError('reason')} />
        <FormActions label={t('sub.announceSend')} busy={busy} />
      </form>
    </section>
  );
}
