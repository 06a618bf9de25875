// New password + confirmation, with the rule shown up front (invitation and reset pages).
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { ProblemBox, TextField } from './ui.tsx';

export function PasswordForm({ submitLabel, onSubmit, error }: { submitLabel: string; onSubmit: (password: string) => Promise<void>; error: unknown }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [show, setShow] = useState(false);
  const [mismatch, setMismatch] = useState(false);
  const [busy, setBusy] = useState(false);
  const weak = error instanceof ApiError && error.code === 'weak-password';

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (password !== confirm) return setMismatch(true);
    setMismatch(false);
    setBusy(true);
    try {
      await onSubmit(password);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <ProblemBox error={mismatch ? t('password.mismatch') : error} inline={['password']} />
      <form onSubmit={submit} className="form">
        <TextField
          label={t('password.new')}
          type={show ? 'text' : 'password'}
          name="new-password"
          autoComplete="new-password"
          required
          value={password}
          onChange={setPassword}
          hint={<span className={weak ? 'rule rule--bad' : 'rule'}>{t('password.rule')}</span>}
          aria-invalid={weak || undefined}
          autoFocus
        />
        <TextField label={t('password.confirm')} type={show ? 'text' : 'password'} name="confirm-password" autoComplete="new-password" required value={confirm} onChange={setConfirm} error={mismatch ? t('password.mismatch') : undefined} />
        <label className="check">
          <input type="checkbox" checked={show} onChange={(e) => setShow(e.target.checked)} />
          <span>{t('password.show')}</span>
        </label>
        <button type="submit" className="btn btn--primary btn--block" disabled={busy}>
          {submitLabel}
        </button>
      </form>
    </>
  );
}
