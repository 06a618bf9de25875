// Profile: name and language for everyone; approval delegations and API tokens for Client users.
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type ApiToken, type BankAccount, type Session } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { Badge, CheckboxGroup, FormActions, MyRoles, Notice, ProblemBox, SelectField, TextField, useConfirm, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n, type Locale } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { hasRole, isVendor, useSignedIn } from '../session.tsx';
import { DelegationsCard } from '../components/delegations.tsx';

export function ProfilePage() {
  const { t } = useI18n();
  const s = useSignedIn();
  usePageTitle(t('profile.title'));
  return (
    <section className="page">
      <h1>{t('profile.title')}</h1>
      <div className="stack">
        <IdentityCard />
        {!isVendor(s) && hasRole(s, 'employee') && <BankAccountCard />}
        {!isVendor(s) && <DelegationsCard />}
        {!isVendor(s) && <TokensCard />}
      </div>
    </section>
  );
}

function IdentityCard() {
  const { t, setLocale } = useI18n();
  const s = useSignedIn();
  const [name, setName] = useState(s.user.name);
  const [locale, setLoc] = useState<Locale>(s.user.locale);
  const { error, setError, busy, run, fieldError } = useSubmit();
  const [saved, setSaved] = useState(false);

  // The header switch changes the language too: keep the select in step.
  useEffect(() => setLoc(s.user.locale), [s.user.locale]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const patch: { name?: string; locale?: Locale } = {};
    if (name.trim() !== s.user.name) patch.name = name;
    if (locale !== s.user.locale) patch.locale = locale;
    if (!Object.keys(patch).length) return setSaved(true);
    await run(async () => {
      const next = await api.patch<Session>('/me', patch);
      s.api.update(next);
      setLocale(next.user.locale);
      setSaved(true);
    });
  }

  return (
    <div className="card">
      <h2>{t('profile.identity')}</h2>
      <Notice>{saved ? t('profile.saved') : null}</Notice>
      <ProblemBox error={error} inline={['name', 'locale']} />
      <form onSubmit={submit} className="form form--narrow">
        <TextField label={t('common.email')} name="email" value={s.user.email} onChange={() => undefined} readOnly hint={s.user.tenantId ? t('profile.email.hint') : undefined} />
        <TextField label={t('common.name')} name="name" required value={name} onChange={setName} error={fieldError('name')} maxLength={200} autoComplete="name" />
        <SelectField label={t('common.language')} name="locale" value={locale} onChange={(v) => setLoc(v as Locale)}>
          <option value="fr">{t('lang.fr')}</option>
          <option value="en">{t('lang.en')}</option>
        </SelectField>
        <MyRoles roles={s.user.roles} />
        <FormActions label={t('common.save')} busy={busy} />
      </form>
    </div>
  );
}

/** The employee's account for reimbursements by transfer: shown masked, entered again to change it. */
function BankAccountCard() {
  const { t, dateTime } = useI18n();
  const [account, setAccount] = useState<BankAccount | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const [holder, setHolder] = useState('');
  const [iban, setIban] = useState('');
  const [bic, setBic] = useState('');
  const [saved, setSaved] = useState(false);
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  const s = useSignedIn();

  useEffect(() => {
    let live = true;
    api.get<{ account: BankAccount | null }>('/me/bank-account').then(
      (r) => live && setAccount(r.account),
      (e) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
  }, []);

  function edit() {
    setSaved(false);
    setHolder(account?.holder ?? s.user.name);
    setIban('');
    setBic(account?.bic ?? '');
    setError(null);
    setEditing(true);
  }
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    await run(async () => {
      const r = await api.put<{ account: BankAccount }>('/me/bank-account', { holder: holder.trim(), iban: iban.trim(), bic: bic.trim() || null });
      setAccount(r.account);
      setEditing(false);
      setIban('');
      setSaved(true);
    });
  }
  // The API's 400 on the IBAN or BIC goes beside the field (the service names it `iban`, the schema `body.iban`).
  const apiField = (n: string) => (error instanceof ApiError ? (fe(n) ?? error.fieldErrors.find((f) => f.path === n)?.message) : undefined);
  const ibanReason = apiField('iban');
  const ibanError = ibanReason ? t('exports.bank.iban.invalid', { reason: ibanReason }) : undefined;
  const bicError = apiField('bic') ? t('exports.bank.bic.invalid') : undefined;

  return (
    <div className="card">
      <h2>{t('exports.bank.title')}</h2>
      <p className="muted">{t('exports.bank.intro')}</p>
      <Notice>{saved ? t('exports.bank.saved') : null}</Notice>
      <ProblemBox error={loadError} />
      {account === undefined && !loadError ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <>
          <dl className="dl" data-testid="bank-account">
            {account ? (
              <>
                <div className="dl__row">
                  <dt>{t('exports.bank.holder')}</dt>
                  <dd>{account.holder}</dd>
                </div>
                <div className="dl__row">
                  <dt>{t('exports.bank.iban')}</dt>
                  <dd>
                    <code>{account.iban}</code>
                  </dd>
                </div>
                <div className="dl__row">
                  <dt>{t('exports.bank.bic')}</dt>
                  <dd>{account.bic ?? t('common.none')}</dd>
                </div>
                <div className="dl__row">
                  <dt>{t('exports.bank.updatedAt')}</dt>
                  <dd>{dateTime(account.updatedAt)}</dd>
                </div>
              </>
            ) : (
              <div className="dl__row">
                <dt>{t('exports.bank.iban')}</dt>
                <dd>{t('exports.bank.none')}</dd>
              </div>
            )}
          </dl>
          {editing ? (
            <form onSubmit={submit} className="form form--narrow" aria-label={t('exports.bank.form')}>
              <ProblemBox error={ibanError || bicError ? null : error} inline={['holder', 'iban', 'bic']} />
              <TextField label={t('exports.bank.holder')} name="holder" required maxLength={70} value={holder} onChange={setHolder} error={fe('holder')} autoComplete="name" />
              <TextField label={t('exports.bank.iban')} name="iban" required minLength={15} maxLength={42} value={iban} onChange={setIban} error={ibanError} autoComplete="off" spellCheck={false} hint={t('exports.bank.iban.hint')} />
              <TextField label={t('exports.bank.bic')} name="bic" optional maxLength={14} value={bic} onChange={setBic} error={bicError} autoComplete="off" spellCheck={false} />
              <FormActions label={t('common.save')} busy={busy} onCancel={() => setEditing(false)} />
            </form>
          ) : (
            <button type="button" className="btn" onClick={edit}>
              {t(account ? 'exports.bank.change' : 'exports.bank.enter')}
            </button>
          )}
        </>
      )}
    </div>
  );
}

function tokenState(tok: ApiToken): 'active' | 'revoked' | 'expired' {
  if (tok.revokedAt) return 'revoked';
  if (tok.expiresAt && new Date(tok.expiresAt).getTime() <= Date.now()) return 'expired';
  return 'active';
}

function TokensCard() {
  const { t, date, dateTime } = useI18n();
  const [tokens, setTokens] = useState<ApiToken[]>([]);
  const [scopes, setScopes] = useState<string[]>([]);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [confirmEl, ask] = useConfirm();

  useEffect(() => {
    let live = true;
    Promise.all([api.get<{ items: ApiToken[] }>('/api-tokens'), api.get<{ items: string[] }>('/api-tokens/scopes')]).then(
      ([tk, sc]) => live && (setTokens(tk.items), setScopes(sc.items)),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [version]);

  async function revoke(tok: ApiToken) {
    setError(null);
    setNotice('');
    if (!(await ask(t('tokens.revoke.confirm', { name: tok.name }), t('tokens.revoke'), true))) return;
    try {
      await api.delete(`/api-tokens/${tok.id}`);
      setNotice(t('tokens.revoked', { name: tok.name }));
      setVersion((v) => v + 1);
    } catch (e) {
      setError(e);
    }
  }

  return (
    <div className="card">
      <h2>{t('tokens.title')}</h2>
      <p className="muted">{t('tokens.intro')}</p>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      {secret && <SecretBox name={secret.name} token={secret.token} onClose={() => setSecret(null)} />}
      <DataTable
        caption={t('tokens.title')}
        columns={[t('tokens.col.name'), t('tokens.col.scopes'), t('tokens.col.createdAt'), t('tokens.col.lastUsedAt'), t('tokens.col.expiresAt'), t('tokens.col.status')]}
        actions
        rows={tokens}
        empty={t('tokens.empty')}
      >
        {(tok) => {
          const st = tokenState(tok);
          return (
            <tr key={tok.id}>
              <td data-label={t('tokens.col.name')} className="cell-main">
                {tok.name}
              </td>
              <td data-label={t('tokens.col.scopes')}>
                <span className="chips">
                  {tok.scopes.map((sc) => (
                    <code key={sc} className="chip chip--code" title={label(t, 'scope', sc)}>
                      {sc}
                    </code>
                  ))}
                </span>
              </td>
              <td data-label={t('tokens.col.createdAt')}>{date(tok.createdAt)}</td>
              <td data-label={t('tokens.col.lastUsedAt')}>{tok.lastUsedAt ? dateTime(tok.lastUsedAt) : t('tokens.never')}</td>
              <td data-label={t('tokens.col.expiresAt')}>{tok.expiresAt ? date(tok.expiresAt) : t('tokens.noExpiry')}</td>
              <td data-label={t('tokens.col.status')}>
                <Badge tone={st === 'active' ? 'green' : 'grey'}>{t(`tokens.status.${st}`)}</Badge>
              </td>
              <td className="cell-actions">
                {st === 'active' && (
                  <button type="button" className="btn btn--small btn--danger-ghost" aria-label={t('tokens.revoke.label', { name: tok.name })} onClick={() => void revoke(tok)}>
                    {t('tokens.revoke')}
                  </button>
                )}
              </td>
            </tr>
          );
        }}
      </DataTable>
      <h3>{t('tokens.create')}</h3>
      <CreateToken
        scopes={scopes}
        onCreated={(name, token) => {
          setNotice('');
          setSecret({ name, token });
          setVersion((v) => v + 1);
        }}
      />
      {confirmEl}
    </div>
  );
}

function CreateToken({ scopes, onCreated }: { scopes: string[]; onCreated: (name: string, token: string) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [expires, setExpires] = useState('');
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  const [missing, setMissing] = useState(false);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!chosen.length) return setMissing(true);
    setMissing(false);
    await run(async () => {
      // The expiry date is inclusive: the token works until the end of that day, local time.
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(expires);
      const expiresAt = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).toISOString() : undefined;
      const r = await api.post<ApiToken & { token: string }>('/api-tokens', { name, scopes: chosen, ...(expiresAt ? { expiresAt } : {}) });
      onCreated(r.name, r.token);
      setName('');
      setChosen([]);
      setExpires('');
    });
  }

  return (
    <form onSubmit={submit} className="form form--narrow">
      <ProblemBox error={error} inline={['name', 'scopes', 'expiresAt']} />
      <TextField label={t('tokens.name')} name="token-name" required value={name} onChange={setName} hint={t('tokens.name.hint')} error={fe('name')} maxLength={100} autoComplete="off" />
      <CheckboxGroup legend={t('tokens.scopes')} name="scopes" options={scopes.map((sc) => ({ value: sc, label: <>{label(t, 'scope', sc)} <code className="muted">{sc}</code></> }))} value={chosen} onChange={setChosen} error={missing ? t('tokens.scopesRequired') : fe('scopes')} />
      <TextField label={t('tokens.expiresAt')} type="date" name="expiresAt" value={expires} onChange={setExpires} min={tomorrow} optional error={fe('expiresAt')} />
      <FormActions label={t('tokens.create')} busy={busy} />
    </form>
  );
}

function SecretBox({ name, token, onClose }: { name: string; token: string; onClose: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'' | 'ok' | 'failed'>('');
  async function copy() {
    try {
      await navigator.clipboard.writeText(token);
      setCopied('ok');
    } catch {
      setCopied('failed');
    }
  }
  return (
    <div className="secret" role="region" aria-label={t('tokens.secret.title', { name })}>
      <h3>{t('tokens.secret.title', { name })}</h3>
      <p className="secret__warning">{t('tokens.secret.warning')}</p>
      <div className="secret__row">
        <label className="sr-only" htmlFor="new-token-secret">
          {t('tokens.secret.label')}
        </label>
        <input id="new-token-secret" className="secret__value" readOnly value={token} onFocus={(e) => e.target.select()} spellCheck={false} />
        <button type="button" className="btn btn--primary" onClick={() => void copy()}>
          {t('tokens.copy')}
        </button>
      </div>
      <div role="status" aria-live="polite" className="live">
        {copied === 'ok' ? <p className="small">{t('tokens.copied')}</p> : copied === 'failed' ? <p className="small">{t('tokens.copyFailed')}</p> : null}
      </div>
      <button type="button" className="btn btn--ghost btn--small" onClick={onClose}>
        {t('common.close')}
      </button>
    </div>
  );
}
