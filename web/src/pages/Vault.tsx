// The archival vault (Client admins; accountants read only): the option and how the storage
// protects deposits, the deposits with their certificate and proof, the signed checkpoints of the
// vault journal, the vault's public key, legal holds, and two-person destruction (an analysis, a
// request, two approvals by different admins, then the certificate).
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import {
  api,
  API,
  ApiError,
  query,
  type VaultAnalysis,
  type VaultApproval,
  type VaultCheckpoint,
  type VaultDeposit,
  type VaultDepositPage,
  type VaultDepositState,
  type VaultDestruction,
  type VaultDestructionKind,
  type VaultHold,
  type VaultHoldNew,
  type VaultOverview,
  type VaultSettings,
} from '../api.ts';
import { dayLabel, today } from '../components/expenses.tsx';
import { DataTable, useLoaded } from '../components/lists.tsx';
import { Badge, CheckField, FormActions, Modal, Notice, ProblemBox, SelectField, TextAreaField, TextField, useConfirm, usePageTitle, useSubmit, DlRow } from '../components/ui.tsx';
import { useI18n, type Locale } from '../i18n/index.tsx';
import { formatBytes } from '../money.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { hasRole, useSignedIn } from '../session.tsx';
import { useUserNames } from './Users.tsx';

export type VaultTab = 'overview' | 'deposits' | 'checkpoints' | 'holds' | 'destructions';

const enc = encodeURIComponent;
const short = (hex: string, n = 12) => (hex.length > n ? `${hex.slice(0, n)}…` : hex);

export function VaultPage({ tab }: { tab: VaultTab }) {
  const { t } = useI18n();
  const s = useSignedIn();
  // Changing anything is for admins (the API refuses accountants anyway).
  const canWrite = hasRole(s, 'admin');
  const tabs: { id: VaultTab; to: string; label: string }[] = [
    { id: 'overview', to: '/vault', label: t('vault.tab.overview') },
    { id: 'deposits', to: '/vault/deposits', label: t('vault.tab.deposits') },
    { id: 'checkpoints', to: '/vault/checkpoints', label: t('vault.tab.checkpoints') },
    { id: 'holds', to: '/vault/holds', label: t('vault.tab.holds') },
    { id: 'destructions', to: '/vault/destructions', label: t('vault.tab.destructions') },
  ];
  usePageTitle(`${tabs.find((x) => x.id === tab)!.label} · ${t('vault.title')}`);
  return (
    <section className="page">
      <h1>{t('vault.title')}</h1>
      <nav className="tabs" aria-label={t('vault.tabs')}>
        {tabs.map((x) => (
          <Link key={x.id} to={x.to} className="tabs__tab" aria-current={tab === x.id ? 'page' : undefined}>
            {x.label}
          </Link>
        ))}
      </nav>
      {!canWrite && <p className="small muted">{t('vault.readOnly')}</p>}
      {tab === 'overview' && <OverviewTab canWrite={canWrite} />}
      {tab === 'deposits' && <DepositsTab canWrite={canWrite} />}
      {tab === 'checkpoints' && <CheckpointsTab canWrite={canWrite} />}
      {tab === 'holds' && <HoldsTab canWrite={canWrite} />}
      {tab === 'destructions' && <DestructionsTab canWrite={canWrite} />}
    </section>
  );
}


/** Names of the Client's users for admins (accountants may not list users: a short id then). */
function useUserName(canList: boolean): (id: string | null | undefined, known?: string | null) => string {
  const { t } = useI18n();
  const me = useSignedIn().user;
  const names = useUserNames(canList);
  return (id, known) => (!id ? t('common.none') : id === me.id ? t('vault.you', { name: me.name }) : (known ?? names.get(id) ?? t('vault.user', { id: id.slice(0, 8) })));
}

/** "31 December" from "12-31". */
function monthDay(mmdd: string, locale: Locale): string {
  const m = /^(\d{2})-(\d{2})$/.exec(mmdd);
  if (!m) return mmdd;
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(Date.UTC(2000, Number(m[1]) - 1, Number(m[2])));
}

// Overview -----------------------------------------------------------------------------------

const PROTECTION_TONE = { 'object-lock-governance': 'green', 'read-only-files': 'blue', none: 'amber' } as const;

function OverviewTab({ canWrite }: { canWrite: boolean }) {
  const { t, locale } = useI18n();
  const { data, error, notice, reload } = useLoaded(() => api.get<VaultOverview>('/vault'));
  return (
    <>
      <p className="muted">{t('vault.intro')}</p>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      {!data ? (
        !error && <p className="muted">{t('common.loading')}</p>
      ) : (
        <div className="stack">
          <section className="card" aria-labelledby="vault-option">
            <div className="page-head">
              <h2 id="vault-option">{t('vault.option')}</h2>
              <span data-testid="vault-state">
                <Badge tone={data.settings.enabled ? 'green' : 'grey'}>{t(data.settings.enabled ? 'vault.option.on' : 'vault.option.off')}</Badge>
              </span>
            </div>
            {canWrite ? (
              <SettingsForm key={JSON.stringify(data.settings)} settings={data.settings} onDone={reload} />
            ) : (
              <dl className="dl">
                <DlRow term={t('vault.depositAt')}>{t(`vault.depositAt.${data.settings.depositAt}`)}</DlRow>
                <DlRow term={t('vault.retentionYears')}>{t('vault.years', { count: data.settings.retentionYears })}</DlRow>
                <DlRow term={t('vault.fiscalYearEnd')}>{monthDay(data.settings.fiscalYearEnd, locale)}</DlRow>
              </dl>
            )}
          </section>

          <section className="card" aria-labelledby="vault-protection" data-testid="vault-protection">
            <div className="page-head">
              <h2 id="vault-protection">{t('vault.protection')}</h2>
              <Badge tone={PROTECTION_TONE[data.protection.mode] ?? 'grey'}>{t(`vault.protection.mode.${data.protection.mode}`)}</Badge>
            </div>
            <p>{t(`vault.protection.explain.${data.protection.mode}`)}</p>
            <dl className="dl">
              <DlRow term={t('vault.store')}>{t(`vault.store.${data.store}`)}</DlRow>
              <DlRow term={t('vault.protection.detail')}>
                <code className="break">{data.protection.detail}</code>
              </DlRow>
            </dl>
          </section>

          <section className="card" aria-labelledby="vault-content">
            <h2 id="vault-content">{t('vault.content')}</h2>
            <dl className="dl">
              <DlRow term={t('vault.content.deposits')} testId="vault-deposits">
                {data.deposits.toLocaleString(locale === 'fr' ? 'fr-FR' : 'en-GB')}
              </DlRow>
              <DlRow term={t('vault.content.bytes')}>{formatBytes(data.bytes, locale)}</DlRow>
            </dl>
            <p>
              <Link to="/vault/deposits">{t('vault.content.see')}</Link>
            </p>
          </section>

          <PublicKeyCard k={data.publicKey} />
        </div>
      )}
    </>
  );
}

function SettingsForm({ settings, onDone }: { settings: VaultSettings; onDone: (message: string) => void }) {
  const { t, locale } = useI18n();
  const [enabled, setEnabled] = useState(settings.enabled);
  const [depositAt, setDepositAt] = useState<string>(settings.depositAt);
  const [years, setYears] = useState(String(settings.retentionYears));
  const [month, setMonth] = useState(settings.fiscalYearEnd.slice(0, 2));
  const [day, setDay] = useState(settings.fiscalYearEnd.slice(3, 5));
  const [local, setLocal] = useState<{ years?: string; day?: string }>({});
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  const tag = locale === 'fr' ? 'fr-FR' : 'en-GB';
  const months = useMemo(() => Array.from({ length: 12 }, (_, i) => ({ value: String(i + 1).padStart(2, '0'), label: new Intl.DateTimeFormat(tag, { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2000, i, 1)) })), [tag]);
  const daysIn = new Date(Date.UTC(2000, Number(month), 0)).getUTCDate();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const n = Number(years);
    const errs = {
      years: Number.isInteger(n) && n >= 6 && n <= 30 ? undefined : t('vault.retentionYears.invalid'),
      day: Number(day) <= daysIn ? undefined : t('vault.fiscalYearEnd.invalid'),
    };
    setLocal(errs);
    if (errs.years || errs.day) return;
    await run(async () => {
      const next = await api.patch<VaultSettings>('/vault/settings', { enabled, depositAt, retentionYears: n, fiscalYearEnd: `${month}-${day}` });
      onDone(next.enabled !== settings.enabled ? t(next.enabled ? 'vault.settings.turnedOn' : 'vault.settings.turnedOff') : t('vault.settings.saved'));
    });
  }
  return (
    <form onSubmit={submit} className="form form--narrow" aria-label={t('vault.option')}>
      <ProblemBox error={error} inline={['enabled', 'depositAt', 'retentionYears', 'fiscalYearEnd']} />
      <CheckField name="enabled" label={t('vault.enabled')} checked={enabled} onChange={setEnabled} hint={t('vault.enabled.hint')} />
      <SelectField label={t('vault.depositAt')} name="depositAt" value={depositAt} onChange={setDepositAt} error={fe('depositAt')} hint={t(depositAt === 'upload' ? 'vault.depositAt.upload.hint' : 'vault.depositAt.verified.hint')}>
        <option value="verified">{t('vault.depositAt.verified')}</option>
        <option value="upload">{t('vault.depositAt.upload')}</option>
      </SelectField>
      <TextField label={t('vault.retentionYears')} name="retentionYears" type="number" min={6} max={30} step={1} required value={years} onChange={setYears} error={local.years ?? fe('retentionYears')} hint={t('vault.retentionYears.hint')} />
      <fieldset className="checks">
        <legend>{t('vault.fiscalYearEnd')}</legend>
        <div className="grid2">
          <SelectField label={t('vault.fiscalYearEnd.day')} name="fyeDay" value={day} onChange={setDay} error={local.day ?? fe('fiscalYearEnd')}>
            {Array.from({ length: 31 }, (_, i) => String(i + 1).padStart(2, '0')).map((d) => (
              <option key={d} value={d}>
                {Number(d)}
              </option>
            ))}
          </SelectField>
          <SelectField label={t('vault.fiscalYearEnd.month')} name="fyeMonth" value={month} onChange={setMonth}>
            {months.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </SelectField>
        </div>
        <p className="field__hint">{t('vault.fiscalYearEnd.hint')}</p>
      </fieldset>
      <FormActions label={t('common.save')} busy={busy} />
    </form>
  );
}

function PublicKeyCard({ k }: { k: VaultOverview['publicKey'] }) {
  const { t } = useI18n();
  const href = useMemo(() => URL.createObjectURL(new Blob([k.pem], { type: 'application/x-pem-file' })), [k.pem]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  return (
    <section className="card" aria-labelledby="vault-key">
      <h2 id="vault-key">{t('vault.key')}</h2>
      <p className="small muted">{t('vault.key.intro')}</p>
      <dl className="dl">
        <DlRow term={t('vault.key.fingerprint')} testId="vault-fingerprint">
          <code className="break">{k.fingerprint}</code>
        </DlRow>
        <DlRow term={t('vault.key.id')}>
          <code className="break">{k.keyId}</code>
        </DlRow>
      </dl>
      <p className="small muted" id="vault-key-pem">
        {t('vault.key.pem')}
      </p>
      <pre className="sample" aria-labelledby="vault-key-pem">
        {k.pem.trim()}
      </pre>
      <p>
        <a className="btn" href={href} download="vault-public-key.pem">
          {t('vault.key.download')}
        </a>
      </p>
    </section>
  );
}

// Deposits -----------------------------------------------------------------------------------

const STATES: VaultDepositState[] = ['kept', 'held', 'eligible', 'destroyed'];
const SHA256 = /^[0-9a-f]{64}$/;

function DepositBadges({ d }: { d: VaultDeposit }) {
  const { t } = useI18n();
  if (d.destroyed) return <Badge tone="grey">{t('vault.state.destroyed')}</Badge>;
  return (
    <span className="actions">
      <Badge tone="green">{t('vault.state.kept')}</Badge>
      {d.legalHold && <Badge tone="amber">{t('vault.state.held')}</Badge>}
    </span>
  );
}

function DepositsTab({ canWrite }: { canWrite: boolean }) {
  const { t, locale, dateTime } = useI18n();
  const [state, setState] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [sha, setSha] = useState('');
  const shaClean = sha.trim().toLowerCase();
  const shaOk = !shaClean || SHA256.test(shaClean);
  const filters = useMemo(() => ({ state, from, to, sha256: shaOk ? shaClean : '' }), [state, from, to, shaOk, shaClean]);
  const [items, setItems] = useState<VaultDeposit[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    api.get<VaultDepositPage>(`/vault/deposits${query({ ...filters, limit: 50 })}`).then(
      (p) => live && (setItems(p.items), setNext(p.next), setLoading(false)),
      (e) => live && (setError(e), setLoading(false)),
    );
    return () => {
      live = false;
    };
  }, [filters]);

  async function more() {
    if (!next) return;
    setLoading(true);
    try {
      const p = await api.get<VaultDepositPage>(`/vault/deposits${query({ ...filters, before: next, limit: 50 })}`);
      setItems((xs) => [...xs, ...p.items]);
      setNext(p.next);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }
  const filtered = !!(state || from || to || sha);
  const clear = () => (setState(''), setFrom(''), setTo(''), setSha(''));
  const cols = [t('vault.col.original'), t('vault.col.expense'), t('vault.col.depositedAt'), { label: t('vault.col.size'), className: 'num' }, t('vault.col.retentionUntil'), t('vault.col.state')];

  return (
    <>
      <p className="muted">{t('vault.deposits.intro')}</p>
      <form className="filters" role="search" aria-label={t('vault.deposits.filters')} onSubmit={(e) => e.preventDefault()}>
        <SelectField label={t('vault.filter.state')} name="state" value={state} onChange={setState}>
          <option value="">{t('common.all')}</option>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {t(`vault.filter.state.${s}`)}
            </option>
          ))}
        </SelectField>
        <TextField label={t('vault.filter.from')} type="date" name="from" value={from} onChange={setFrom} max={to || undefined} />
        <TextField label={t('vault.filter.to')} type="date" name="to" value={to} onChange={setTo} min={from || undefined} />
        <TextField label={t('vault.filter.sha256')} name="sha256" value={sha} onChange={setSha} className="filters__q" autoComplete="off" spellCheck={false} error={shaOk ? undefined : t('vault.filter.sha256.invalid')} />
        {filtered && (
          <button type="button" className="btn btn--ghost filters__clear" onClick={clear}>
            {t('common.clear')}
          </button>
        )}
      </form>
      <ProblemBox error={error} />
      <DataTable caption={t('vault.tab.deposits')} columns={cols} actions rows={items} busy={loading} empty={t(filtered ? 'vault.deposits.noMatch' : 'vault.deposits.empty')}>
        {(d) => (
          <tr key={d.id} data-deposit={d.id}>
            <td data-label={t('vault.col.original')}>
              <div>
                <span className="cell-main break">{d.originalName}</span>
                <span className="cell-sub" title={d.sha256}>
                  {t('vault.sha256', { hash: short(d.sha256, 16) })}
                </span>
              </div>
            </td>
            <td data-label={t('vault.col.expense')}>
              <Link to={`/expenses/${enc(d.expenseId)}`} aria-label={t('vault.expense.label', { name: d.originalName })}>
                {t('vault.expense')}
              </Link>
            </td>
            <td data-label={t('vault.col.depositedAt')} className="nowrap">
              {dateTime(d.depositedAt)}
            </td>
            <td data-label={t('vault.col.size')} className="num nowrap">
              {formatBytes(d.size, locale)}
            </td>
            <td data-label={t('vault.col.retentionUntil')} className="nowrap">
              {dayLabel(d.retentionUntil, locale)}
            </td>
            <td data-label={t('vault.col.state')}>
              <DepositBadges d={d} />
            </td>
            <td className="cell-actions">
              <span className="actions">
                {!d.destroyed && (
                  <a className="btn btn--small" href={`${API}/vault/deposits/${enc(d.id)}/file`} download={d.originalName} aria-label={t('vault.download.original.label', { name: d.originalName })}>
                    {t('vault.download.original')}
                  </a>
                )}
                <a className="btn btn--small" href={`${API}/vault/deposits/${enc(d.id)}/certificate`} download aria-label={t('vault.download.certificate.label', { name: d.originalName })}>
                  {t('vault.download.certificate')}
                </a>
                <a className="btn btn--small" href={`${API}/vault/deposits/${enc(d.id)}/proof`} download aria-label={t('vault.download.proofJson.label', { name: d.originalName })}>
                  {t('vault.download.proofJson')}
                </a>
                <a className="btn btn--small" href={`${API}/vault/deposits/${enc(d.id)}/proof?format=pdf`} download aria-label={t('vault.download.proofPdf.label', { name: d.originalName })}>
                  {t('vault.download.proofPdf')}
                </a>
                {canWrite && !d.destroyed && (
                  <Link to={`/vault/holds?deposit=${enc(d.id)}`} className="btn btn--small btn--ghost" aria-label={t('vault.hold.this.label', { name: d.originalName })}>
                    {t('vault.hold.this')}
                  </Link>
                )}
              </span>
            </td>
          </tr>
        )}
      </DataTable>
      <div className="list-foot">
        <span className="muted">{t('common.count', { shown: items.length })}</span>
        {next && (
          <button type="button" className="btn" onClick={() => void more()} disabled={loading}>
            {loading ? t('common.loading') : t('common.loadMore')}
          </button>
        )}
      </div>
      <p className="small muted">{t('vault.deposits.proofHint')}</p>
    </>
  );
}

// Checkpoints --------------------------------------------------------------------------------

function CheckpointsTab({ canWrite }: { canWrite: boolean }) {
  const { t, locale, dateTime } = useI18n();
  const { data, error, setError, notice, setNotice, reload } = useLoaded(() => api.get<{ items: VaultCheckpoint[] }>('/vault/checkpoints').then((r) => r.items));
  const [busy, setBusy] = useState(false);
  const canCopy = typeof navigator !== 'undefined' && !!navigator.clipboard;
  const num = (n: number) => n.toLocaleString(locale === 'fr' ? 'fr-FR' : 'en-GB');

  async function sign() {
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      const cp = await api.post<VaultCheckpoint>('/vault/checkpoints');
      reload(t('vault.checkpoint.signed', { seq: cp.body.seq, size: num(cp.body.treeSize) }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  function copy(cp: VaultCheckpoint) {
    setNotice('');
    navigator.clipboard.writeText(cp.body.root).then(
      () => setNotice(t('vault.checkpoint.copied', { seq: cp.body.seq })),
      (e) => setError(e instanceof Error ? t('vault.checkpoint.copyFailed') : e),
    );
  }
  const cols = [{ label: t('vault.col.seq'), className: 'num' }, { label: t('vault.col.treeSize'), className: 'num' }, t('vault.col.signedAt'), t('vault.col.root'), t('vault.col.timestamp')];

  return (
    <>
      <div className="page-head">
        <p className="muted">{t('vault.checkpoints.intro')}</p>
        {canWrite && (
          <button type="button" className="btn btn--primary" onClick={() => void sign()} disabled={busy}>
            {busy ? t('vault.checkpoint.signing') : t('vault.checkpoint.sign')}
          </button>
        )}
      </div>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      <DataTable caption={t('vault.tab.checkpoints')} columns={cols} actions rows={(data ?? []).map((c) => ({ ...c, id: c.hash }))} busy={!data && !error} empty={t('vault.checkpoints.empty')}>
        {(c) => (
          <tr key={c.hash} data-seq={c.body.seq}>
            <td data-label={t('vault.col.seq')} className="num cell-main">
              {c.body.seq}
            </td>
            <td data-label={t('vault.col.treeSize')} className="num">
              {num(c.body.treeSize)}
            </td>
            <td data-label={t('vault.col.signedAt')} className="nowrap">
              {dateTime(c.body.createdAt)}
            </td>
            <td data-label={t('vault.col.root')}>
              <code title={c.body.root}>{short(c.body.root, 16)}</code>
              {canCopy && (
                <>
                  {' '}
                  <button type="button" className="btn btn--small btn--ghost" onClick={() => copy(c)} aria-label={t('vault.checkpoint.copy.label', { seq: c.body.seq })}>
                    {t('vault.checkpoint.copy')}
                  </button>
                </>
              )}
            </td>
            <td data-label={t('vault.col.timestamp')}>
              <Badge tone={c.tsaToken ? 'green' : 'grey'}>{t(c.tsaToken ? 'vault.timestamp.yes' : 'vault.timestamp.no')}</Badge>
            </td>
            <td className="cell-actions">
              <a className="btn btn--small" href={`${API}/vault/checkpoints/${enc(c.hash)}`} download={`checkpoint-${c.body.seq}.json`} aria-label={t('vault.checkpoint.download.label', { seq: c.body.seq })}>
                {t('vault.checkpoint.download')}
              </a>
            </td>
          </tr>
        )}
      </DataTable>
      <p className="small muted">{t('vault.checkpoints.keep')}</p>
    </>
  );
}

// Legal holds --------------------------------------------------------------------------------

function HoldsTab({ canWrite }: { canWrite: boolean }) {
  const { t, locale, dateTime } = useI18n();
  const { search } = useLocation();
  const { data, error, notice, setNotice, reload } = useLoaded(() => api.get<{ items: VaultHold[] }>('/vault/holds').then((r) => r.items));
  const userName = useUserName(canWrite);
  const [releasing, setReleasing] = useState<VaultHold | null>(null);
  const scope = (h: VaultHold) => (h.depositId ? t('vault.hold.scope.deposit', { name: h.depositName ?? short(h.depositId, 8) }) : t('vault.hold.scope.vault'));
  const cols = [t('vault.col.scope'), t('vault.col.owner'), t('vault.col.reason'), t('vault.col.reviewOn'), t('vault.col.placed'), t('vault.col.state')];
  const holds = data ?? [];

  return (
    <>
      <p className="muted">{t('vault.holds.intro')}</p>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      <div className="stack">
        <DataTable caption={t('vault.tab.holds')} columns={cols} actions={canWrite} rows={holds} busy={!data && !error} empty={t('vault.holds.empty')}>
          {(h) => (
            <tr key={h.id} data-hold={h.id}>
              <td data-label={t('vault.col.scope')} className="cell-main break">
                {scope(h)}
              </td>
              <td data-label={t('vault.col.owner')} className="break">
                {h.owner}
              </td>
              <td data-label={t('vault.col.reason')} className="prewrap break">
                {h.reason}
              </td>
              <td data-label={t('vault.col.reviewOn')} className="nowrap">
                {dayLabel(h.reviewOn, locale)}
              </td>
              <td data-label={t('vault.col.placed')}>
                <div>
                  <span className="nowrap">{dateTime(h.placedAt)}</span>
                  <span className="cell-sub">{t('vault.by', { name: userName(h.placedBy, h.placedByName) })}</span>
                </div>
              </td>
              <td data-label={t('vault.col.state')}>
                {h.releasedAt ? (
                  <div>
                    <Badge tone="grey">{t('vault.hold.released')}</Badge>
                    <span className="cell-sub">{t('vault.hold.releasedAt', { date: dateTime(h.releasedAt), name: userName(h.releasedBy, h.releasedByName) })}</span>
                    {h.releaseReason && <span className="cell-sub prewrap">{t('vault.hold.releaseReason', { reason: h.releaseReason })}</span>}
                  </div>
                ) : (
                  <Badge tone="amber">{t('vault.hold.active')}</Badge>
                )}
              </td>
              {canWrite && (
                <td className="cell-actions">
                  {!h.releasedAt && (
                    <button type="button" className="btn btn--small" onClick={() => (setNotice(''), setReleasing(h))} aria-label={t('vault.hold.release.label', { scope: scope(h) })}>
                      {t('vault.hold.release')}
                    </button>
                  )}
                </td>
              )}
            </tr>
          )}
        </DataTable>
        {canWrite && (
          <section className="card" aria-labelledby="vault-hold-add">
            <h2 id="vault-hold-add">{t('vault.hold.add')}</h2>
            <HoldForm
              key={search.get('deposit') ?? ''}
              depositId={search.get('deposit') ?? ''}
              onDone={(h, name) => (navigate('/vault/holds', { replace: true }), reload(t('vault.hold.placed', { scope: h.depositId ? t('vault.hold.scope.deposit', { name: name || short(h.depositId, 8) }) : t('vault.hold.scope.vault') })))}
            />
          </section>
        )}
      </div>
      <Modal open={!!releasing} title={t('vault.hold.release.title')} onClose={() => setReleasing(null)}>
        {releasing && (
          <ReleaseForm
            hold={releasing}
            scope={scope(releasing)}
            onCancel={() => setReleasing(null)}
            onDone={() => {
              setReleasing(null);
              reload(t('vault.hold.releasedNotice', { scope: scope(releasing) }));
            }}
          />
        )}
      </Modal>
    </>
  );
}

function HoldForm({ depositId: initial, onDone }: { depositId: string; onDone: (h: VaultHoldNew, depositName: string) => void }) {
  const { t } = useI18n();
  const [depositId, setDepositId] = useState(initial);
  const [depositName, setDepositName] = useState('');
  const [owner, setOwner] = useState('');
  const [reason, setReason] = useState('');
  const [reviewOn, setReviewOn] = useState('');
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  // The deposit named in the address (from "Place a hold" in the deposits list): its name, to be sure.
  useEffect(() => {
    if (!initial) return;
    let live = true;
    api.get<VaultDeposit>(`/vault/deposits/${enc(initial)}`).then(
      (d) => live && setDepositName(d.originalName),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [initial]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      const body: VaultHoldNew = { depositId: depositId.trim() || null, owner: owner.trim(), reason: reason.trim(), reviewOn };
      await api.post('/vault/holds', body);
      const name = body.depositId === initial ? depositName : '';
      setDepositId('');
      setDepositName('');
      setOwner('');
      setReason('');
      setReviewOn('');
      onDone(body, name);
    });
  }
  return (
    <form onSubmit={submit} className="form form--narrow" aria-label={t('vault.hold.add')}>
      <p className="small muted">{t('vault.hold.add.intro')}</p>
      <ProblemBox error={error} inline={['depositId', 'owner', 'reason', 'reviewOn']} />
      <TextField
        label={t('vault.hold.depositId')}
        name="depositId"
        optional
        autoComplete="off"
        spellCheck={false}
        value={depositId}
        onChange={(v) => (setDepositId(v), setDepositName(''))}
        error={fe('depositId')}
        hint={depositName && depositId === initial ? t('vault.hold.depositId.named', { name: depositName }) : t('vault.hold.depositId.hint')}
      />
      <TextField label={t('vault.hold.owner')} name="owner" required maxLength={200} autoComplete="off" value={owner} onChange={setOwner} error={fe('owner')} hint={t('vault.hold.owner.hint')} />
      <TextAreaField label={t('vault.hold.reason')} name="reason" required maxLength={2000} value={reason} onChange={setReason} error={fe('reason')} hint={t('vault.hold.reason.hint')} />
      <TextField label={t('vault.hold.reviewOn')} type="date" name="reviewOn" required min={today()} value={reviewOn} onChange={setReviewOn} error={fe('reviewOn')} hint={t('vault.hold.reviewOn.hint')} />
      <FormActions label={t('vault.hold.submit')} busy={busy} />
    </form>
  );
}

function ReleaseForm({ hold, scope, onDone, onCancel }: { hold: VaultHold; scope: string; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      await api.post(`/vault/holds/${enc(hold.id)}/release`, { reason: reason.trim() });
      onDone();
    });
  }
  return (
    <form onSubmit={submit} className="form">
      <p>{t('vault.hold.release.intro', { scope, owner: hold.owner })}</p>
      <ProblemBox error={error} inline={['reason']} />
      <TextAreaField label={t('vault.hold.release.reason')} name="releaseReason" required maxLength={2000} value={reason} onChange={setReason} error={fe('reason')} />
      <FormActions label={t('vault.hold.release.submit')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

// Destructions -------------------------------------------------------------------------------

const DESTRUCTION_TONE = { pending: 'amber', done: 'grey', cancelled: 'grey' } as const;

function DestructionsTab({ canWrite }: { canWrite: boolean }) {
  const { t, dateTime } = useI18n();
  const me = useSignedIn().user;
  const { data, error, setError, notice, setNotice, reload } = useLoaded(() => api.get<{ items: VaultDestruction[] }>('/vault/destructions').then((r) => r.items));
  const userName = useUserName(canWrite);
  const [confirmEl, ask] = useConfirm();
  const [sending, setSending] = useState<string | null>(null);
  const cols = [t('vault.col.request'), { label: t('vault.col.deposits'), className: 'num' }, t('vault.col.state'), t('vault.col.approvals')];

  async function approve(d: VaultDestruction) {
    setError(null);
    setNotice('');
    if (!(await ask(t('vault.destruction.approve.confirm', { count: d.depositIds.length }), t('vault.destruction.approve'), true))) return;
    setSending(d.id);
    try {
      const r = await api.post<VaultApproval>(`/vault/destructions/${enc(d.id)}/approve`);
      reload(r.status === 'done' ? t('vault.destruction.doneNotice', { count: d.depositIds.length }) : t('vault.destruction.approvedNotice', { count: r.approvals }));
    } catch (e) {
      // The same person twice: the API refuses (409); say it in the page's language.
      setError(e instanceof ApiError && e.status === 409 && d.approvals.some((a) => a.approverId === me.id) ? t('vault.destruction.alreadyApproved') : e);
    } finally {
      setSending(null);
    }
  }
  async function cancel(d: VaultDestruction) {
    setError(null);
    setNotice('');
    if (!(await ask(t('vault.destruction.cancel.confirm', { count: d.depositIds.length }), t('vault.destruction.cancel'), true))) return;
    setSending(d.id);
    try {
      await api.post(`/vault/destructions/${enc(d.id)}/cancel`);
      reload(t('vault.destruction.cancelledNotice'));
    } catch (e) {
      setError(e);
    } finally {
      setSending(null);
    }
  }

  return (
    <>
      <p className="muted">{t('vault.destructions.intro')}</p>
      <div className="alert alert--warning">
        <p className="alert__title">{t('vault.destructions.twoPeople')}</p>
      </div>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      <div className="stack">
        {canWrite && <AnalysisCard onRequested={(count) => reload(t('vault.destruction.requested', { count }))} />}
        <section className="card" aria-labelledby="vault-destructions-list">
          <h2 id="vault-destructions-list">{t('vault.destructions.list')}</h2>
          <DataTable caption={t('vault.destructions.list')} columns={cols} actions rows={data ?? []} busy={!data && !error} empty={t('vault.destructions.empty')}>
            {(d) => (
              <tr key={d.id} data-destruction={d.id}>
                <td data-label={t('vault.col.request')}>
                  <div>
                    <span className="cell-main">{t(`vault.kind.${d.kind}`)}</span>
                    <span className="cell-sub prewrap break">{d.reason}</span>
                    <span className="cell-sub">{t('vault.destruction.requestedBy', { date: dateTime(d.requestedAt), name: userName(d.requestedBy, d.requestedByName) })}</span>
                  </div>
                </td>
                <td data-label={t('vault.col.deposits')} className="num">
                  {d.depositIds.length}
                </td>
                <td data-label={t('vault.col.state')}>
                  <div>
                    <Badge tone={DESTRUCTION_TONE[d.status] ?? 'grey'}>{t(`vault.destruction.status.${d.status}`)}</Badge>
                    {d.closedAt && <span className="cell-sub">{dateTime(d.closedAt)}</span>}
                  </div>
                </td>
                <td data-label={t('vault.col.approvals')} data-testid="approvals">
                  <div>
                    <span className="cell-main">{t('vault.destruction.approvals', { count: d.approvals.length })}</span>
                    {d.approvals.map((a) => (
                      <span key={a.approverId} className="cell-sub">
                        {a.approverId === me.id ? t('vault.destruction.youApproved', { date: dateTime(a.approvedAt) }) : t('vault.destruction.approvedBy', { name: userName(a.approverId, a.approverName), date: dateTime(a.approvedAt) })}
                      </span>
                    ))}
                  </div>
                </td>
                <td className="cell-actions">
                  <span className="actions">
                    {canWrite && d.status === 'pending' && (
                      <>
                        <button type="button" className="btn btn--small btn--danger" disabled={sending === d.id} onClick={() => void approve(d)} aria-label={t('vault.destruction.approve.label', { count: d.depositIds.length })}>
                          {t('vault.destruction.approve')}
                        </button>
                        <button type="button" className="btn btn--small" disabled={sending === d.id} onClick={() => void cancel(d)}>
                          {t('vault.destruction.cancel')}
                        </button>
                      </>
                    )}
                    {d.status === 'done' && (
                      <a className="btn btn--small" href={`${API}/vault/destructions/${enc(d.id)}/certificate`} download={`destruction-${d.id}.json`} title={d.certificateSha256 ? t('vault.sha256', { hash: d.certificateSha256 }) : undefined}>
                        {t('vault.destruction.certificate')}
                      </a>
                    )}
                  </span>
                </td>
              </tr>
            )}
          </DataTable>
        </section>
      </div>
      {confirmEl}
    </>
  );
}

function AnalysisCard({ onRequested }: { onRequested: (count: number) => void }) {
  const { t, locale, dateTime } = useI18n();
  const [kind, setKind] = useState<VaultDestructionKind>('retention');
  const [analysis, setAnalysis] = useState<VaultAnalysis | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [reason, setReason] = useState('');
  const [noneChosen, setNoneChosen] = useState(false);
  const analyse = useSubmit();
  const ask = useSubmit();

  async function run(e: FormEvent) {
    e.preventDefault();
    analyse.setError(null);
    ask.setError(null);
    await analyse.run(async () => {
      const a = await api.post<VaultAnalysis>('/vault/destructions/analysis', { kind });
      setAnalysis(a);
      setChosen(new Set(a.eligible.map((d) => d.id)));
    });
  }
  async function request(e: FormEvent) {
    e.preventDefault();
    ask.setError(null);
    if (!analysis) return;
    setNoneChosen(chosen.size === 0);
    if (!chosen.size) return;
    await ask.run(async () => {
      await api.post('/vault/destructions', { kind: analysis.kind, reason: reason.trim(), depositIds: [...chosen] });
      const n = chosen.size;
      setAnalysis(null);
      setChosen(new Set());
      setReason('');
      onRequested(n);
    });
  }
  const toggle = (id: string, on: boolean) => {
    const s = new Set(chosen);
    if (on) s.add(id);
    else s.delete(id);
    setChosen(s);
    setNoneChosen(false);
  };
  const eligible = analysis?.eligible ?? [];
  const all = eligible.length > 0 && eligible.every((d) => chosen.has(d.id));

  return (
    <section className="card" aria-labelledby="vault-analysis">
      <h2 id="vault-analysis">{t('vault.analysis')}</h2>
      <form onSubmit={run} className="form form--narrow" aria-label={t('vault.analysis')}>
        <ProblemBox error={analyse.error} />
        <SelectField label={t('vault.analysis.kind')} name="kind" value={kind} onChange={(v) => (setKind(v as VaultDestructionKind), setAnalysis(null))} hint={t(`vault.kind.${kind}.hint`)}>
          <option value="retention">{t('vault.kind.retention')}</option>
          <option value="contract_end">{t('vault.kind.contract_end')}</option>
        </SelectField>
        <FormActions label={t('vault.analysis.run')} busy={analyse.busy} busyLabel={t('vault.analysis.running')} />
      </form>
      {analysis && (
        <div className="stack stack--tight" data-testid="analysis">
          <h3>{t('vault.analysis.result', { date: dayLabel(analysis.asOf, locale) })}</h3>
          <ul>
            <li>{t('vault.analysis.eligible', { count: analysis.eligible.length })}</li>
            <li>{t('vault.analysis.held', { count: analysis.held })}</li>
            {analysis.kind === 'retention' && <li>{t('vault.analysis.notYetDue', { count: analysis.notYetDue })}</li>}
          </ul>
          {eligible.length > 0 && (
            <>
              <div className="table-wrap">
                <table className="table table--responsive">
                  <caption className="sr-only">{t('vault.analysis.eligibleList')}</caption>
                  <thead>
                    <tr>
                      <th scope="col" className="cell-check">
                        <input type="checkbox" aria-label={t('vault.analysis.selectAll')} checked={all} onChange={(e) => (setChosen(e.target.checked ? new Set(eligible.map((d) => d.id)) : new Set()), setNoneChosen(false))} />
                      </th>
                      <th scope="col">{t('vault.col.original')}</th>
                      <th scope="col">{t('vault.col.depositedAt')}</th>
                      <th scope="col">{t('vault.col.retentionUntil')}</th>
                      <th scope="col" className="num">
                        {t('vault.col.size')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {eligible.map((d) => (
                      <tr key={d.id}>
                        <td className="cell-check">
                          <input type="checkbox" aria-label={t('vault.analysis.select', { name: d.originalName })} checked={chosen.has(d.id)} onChange={(e) => toggle(d.id, e.target.checked)} />
                        </td>
                        <td data-label={t('vault.col.original')} className="cell-main break">
                          {d.originalName}
                        </td>
                        <td data-label={t('vault.col.depositedAt')} className="nowrap">
                          {dateTime(d.depositedAt)}
                        </td>
                        <td data-label={t('vault.col.retentionUntil')} className="nowrap">
                          {dayLabel(d.retentionUntil, locale)}
                        </td>
                        <td data-label={t('vault.col.size')} className="num nowrap">
                          {formatBytes(d.size, locale)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <form onSubmit={request} className="form form--narrow" aria-label={t('vault.destruction.ask')}>
                <ProblemBox error={ask.error ?? (noneChosen ? t('vault.destruction.noneChosen') : null)} inline={['reason']} />
                <TextAreaField label={t('vault.destruction.reason')} name="destructionReason" required maxLength={2000} value={reason} onChange={setReason} error={ask.fieldError('reason')} hint={t('vault.destruction.reason.hint')} />
                <p className="small">{t('vault.destruction.ask.hint')}</p>
                <FormActions label={t('vault.destruction.ask.submit', { count: chosen.size })} busy={ask.busy} />
              </form>
            </>
          )}
        </div>
      )}
    </section>
  );
}
