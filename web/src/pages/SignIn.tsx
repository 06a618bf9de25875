import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type Providers, type Session } from '../api.ts';
import { AuthLayout } from '../App.tsx';
import { Notice, ProblemBox, TextField, usePageTitle } from '../components/ui.tsx';
import { isMessageKey, useI18n } from '../i18n/index.tsx';
import { Link, navigate, safeNext, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';

const NOTICES = { reset: 'signin.resetDone', signedOut: 'signin.signedOut', expired: 'signin.expired' } as const;

export function SignInPage() {
  const { t } = useI18n();
  const { signedIn } = useSession();
  const { search } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<Providers | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  usePageTitle(t('signin.title'));

  useEffect(() => {
    api.get<Providers>('/auth/providers', { public: true }).then(setProviders, () => setProviders(null));
  }, []);

  const notice = search.get('notice');
  const oidcError = search.get('error');
  const oidcKey = oidcError ? `signin.error.${oidcError}` : '';
  const oidcMessage = oidcError ? (isMessageKey(oidcKey) ? t(oidcKey) : t('signin.error.unknown')) : '';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const s = await api.post<Session>('/auth/login', { email, password }, { public: true });
      signedIn(s);
      navigate(safeNext(search.get('next')) ?? '/', { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
      if (err instanceof ApiError && err.code === 'invalid-credentials') passwordRef.current?.select();
    }
  }

  return (
    <AuthLayout title={t('signin.title')}>
      <p className="muted">{t('signin.intro')}</p>
      <Notice tone={notice === 'expired' ? 'info' : 'success'}>{notice && notice in NOTICES && !error ? t(NOTICES[notice as keyof typeof NOTICES]) : null}</Notice>
      <ProblemBox error={error ?? (oidcMessage || null)} inline={['email', 'password']} />
      <form onSubmit={submit} className="form" noValidate={false}>
        <TextField label={t('common.email')} type="email" name="email" autoComplete="username" required value={email} onChange={setEmail} error={error instanceof ApiError ? error.forField('email') : undefined} autoFocus />
        <TextField label={t('common.password')} type="password" name="password" autoComplete="current-password" required value={password} onChange={setPassword} ref={passwordRef} />
        <button type="submit" className="btn btn--primary btn--block" disabled={busy}>
          {busy ? t('signin.submitting') : t('signin.submit')}
        </button>
      </form>
      <p className="auth__link">
        <Link to="/forgot-password">{t('signin.forgot')}</Link>
      </p>
      {providers?.oidc.enabled && (
        <>
          <div className="divider">
            <span>{t('signin.or')}</span>
          </div>
          <button type="button" className="btn btn--block" onClick={() => window.location.assign('/api/v1/auth/oidc/start')}>
            {t('signin.oidc', { label: providers.oidc.label })}
          </button>
        </>
      )}
    </AuthLayout>
  );
}
