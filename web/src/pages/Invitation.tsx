import { useEffect, useState } from 'react';
import { api, ApiError, type Session } from '../api.ts';
import { AuthLayout } from '../App.tsx';
import { PasswordForm } from '../components/PasswordForm.tsx';
import { ProblemBox, usePageTitle } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';

interface Invitation {
  email: string;
  name: string;
  tenantName: string;
}

export function InvitationPage({ token }: { token: string }) {
  const { t } = useI18n();
  const { signedIn } = useSession();
  const [inv, setInv] = useState<Invitation | null>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'invalid' | 'error'>('loading');
  const [error, setError] = useState<unknown>(null);
  usePageTitle(t('invite.title'));

  useEffect(() => {
    let live = true;
    api.get<Invitation>(`/auth/invitations/${encodeURIComponent(token)}`, { public: true }).then(
      (v) => live && (setInv(v), setState('ready')),
      (e) => {
        if (!live) return;
        const gone = e instanceof ApiError && (e.status === 404 || e.code === 'validation' || e.code === 'invalid-token');
        setState(gone ? 'invalid' : 'error');
        if (!gone) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [token]);

  async function submit(password: string) {
    setError(null);
    try {
      const s = await api.post<Session>('/auth/invitations/accept', { token, password }, { public: true });
      signedIn(s);
      navigate('/', { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'invalid-token') setState('invalid');
      else setError(e);
    }
  }

  return (
    <AuthLayout title={t('invite.title')}>
      {state === 'loading' && <p aria-busy="true">{t('invite.checking')}</p>}
      {state === 'invalid' && (
        <div role="alert" className="alert alert--error">
          <p className="alert__title">{t('invite.invalid')}</p>
        </div>
      )}
      {state === 'error' && <ProblemBox error={error} />}
      {state === 'ready' && inv && (
        <>
          <p className="lead">{t('invite.intro', { name: inv.name, tenantName: inv.tenantName })}</p>
          <p className="muted">{t('invite.account', { email: inv.email })}</p>
          <p className="muted">{t('invite.choose')}</p>
          <PasswordForm submitLabel={t('invite.submit')} onSubmit={submit} error={error} />
        </>
      )}
      <p className="auth__link">
        <Link to="/signin">{t('common.backToSignIn')}</Link>
      </p>
    </AuthLayout>
  );
}
