import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { AuthLayout } from '../App.tsx';
import { Notice, ProblemBox, TextField, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { Link } from '../router.tsx';

export function ForgotPasswordPage() {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState('');
  const { error, setError, busy, run, fieldError } = useSubmit();
  usePageTitle(t('forgot.title'));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      await api.post('/auth/password/forgot', { email }, { public: true });
      setSentTo(email.trim());
    });
  }

  return (
    <AuthLayout title={t('forgot.title')}>
      <Notice>{sentTo ? t('forgot.sent', { email: sentTo }) : null}</Notice>
      {!sentTo && (
        <>
          <p className="muted">{t('forgot.intro')}</p>
          <ProblemBox error={error} inline={['email']} />
          <form onSubmit={submit} className="form">
            <TextField label={t('common.email')} type="email" name="email" autoComplete="username" required value={email} onChange={setEmail} error={fieldError('email')} autoFocus />
            <button type="submit" className="btn btn--primary btn--block" disabled={busy}>
              {t('forgot.submit')}
            </button>
          </form>
        </>
      )}
      <p className="auth__link">
        <Link to="/signin">{t('common.backToSignIn')}</Link>
      </p>
    </AuthLayout>
  );
}
