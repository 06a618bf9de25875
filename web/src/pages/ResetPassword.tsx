import { useEffect, useState } from 'react';
import { api, ApiError } from '../api.ts';
import { AuthLayout } from '../App.tsx';
import { PasswordForm } from '../components/PasswordForm.tsx';
import { usePageTitle } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { Link, navigate } from '../router.tsx';

export function ResetPasswordPage({ token }: { token: string }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [invalid, setInvalid] = useState(false);
  usePageTitle(t('reset.title'));

  // A spent or expired link says so at once, before a password is typed.
  useEffect(() => {
    api.get(`/auth/password/reset/${encodeURIComponent(token)}`, { public: true }).catch((e: unknown) => {
      if (e instanceof ApiError && (e.status === 404 || e.status === 400)) setInvalid(true);
    });
  }, [token]);

  async function submit(password: string) {
    setError(null);
    try {
      await api.post('/auth/password/reset', { token, password }, { public: true });
      navigate('/signin?notice=reset', { replace: true });
    } catch (e) {
      // A malformed token fails validation of `token`: for the user it is the same bad link.
      if (e instanceof ApiError && (e.code === 'invalid-token' || (e.code === 'validation' && e.forField('token')))) setInvalid(true);
      else setError(e);
    }
  }

  return (
    <AuthLayout title={t('reset.title')}>
      {invalid ? (
        <div role="alert" className="alert alert--error">
          <p className="alert__title">{t('reset.invalid')}</p>
          <p>
            <Link to="/forgot-password">{t('reset.askNew')}</Link>
          </p>
        </div>
      ) : (
        <>
          <p className="muted">{t('reset.intro')}</p>
          <PasswordForm submitLabel={t('reset.submit')} onSubmit={submit} error={error} />
        </>
      )}
      <p className="auth__link">
        <Link to="/signin">{t('common.backToSignIn')}</Link>
      </p>
    </AuthLayout>
  );
}
