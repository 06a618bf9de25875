// Small accessible building blocks: labelled fields, live error and notice regions, dialogs.
import { useEffect, useId, useRef, useState, type InputHTMLAttributes, type ReactNode, type Ref, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { ApiError } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { problemText } from '../i18n/problems.ts';
import { label as valueLabel } from '../labels.ts';

interface FieldA11y {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
}

export function Field({ label, hint, error, optional, children, className }: { label: ReactNode; hint?: ReactNode; error?: string; optional?: boolean; className?: string; children: (a: FieldA11y) => ReactNode }) {
  const { t } = useI18n();
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>
        {label}
        {optional && <span className="field__optional"> ({t('common.optional')})</span>}
      </label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field__error" id={errId}>
          {error}
        </p>
      )}
    </div>
  );
}

/** What a labelled field with a text value takes, besides the attributes of its element. */
interface ValueField {
  label: ReactNode;
  value: string;
  onChange: (v: string) => void;
  hint?: ReactNode;
  error?: string;
  optional?: boolean;
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value' | 'id'> & ValueField & { ref?: Ref<HTMLInputElement> };

export function TextField({ label, value, onChange, hint, error, optional, className, ...rest }: InputProps) {
  return (
    <Field label={label} hint={hint} error={error} optional={optional} className={className}>
      {(a) => <input {...rest} {...a} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value' | 'id'> & ValueField & { children: ReactNode };

export function SelectField({ label, value, onChange, hint, error, optional, className, children, ...rest }: SelectProps) {
  return (
    <Field label={label} hint={hint} error={error} optional={optional} className={className}>
      {(a) => (
        <select {...rest} {...a} value={value} onChange={(e) => onChange(e.target.value)}>
          {children}
        </select>
      )}
    </Field>
  );
}

type TextAreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'onChange' | 'value' | 'id'> & ValueField;

export function TextAreaField({ label, value, onChange, hint, error, optional, className, ...rest }: TextAreaProps) {
  return (
    <Field label={label} hint={hint} error={error} optional={optional} className={className}>
      {(a) => <textarea rows={3} {...rest} {...a} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

/** One checkbox with its label beside it. */
export function CheckField({ label, checked, onChange, name, hint }: { label: ReactNode; checked: boolean; onChange: (v: boolean) => void; name: string; hint?: ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label className="check" htmlFor={id}>
        <input type="checkbox" id={id} name={name} checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={hint ? `${id}-hint` : undefined} />
        <span>{label}</span>
      </label>
      {hint && (
        <p className="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** A group of checkboxes with a legend (roles, scopes). */
export function CheckboxGroup<V extends string>({ legend, options, value, onChange, error, name }: { legend: ReactNode; options: { value: V; label: ReactNode }[]; value: V[]; onChange: (v: V[]) => void; error?: string; name: string }) {
  const id = useId();
  return (
    <fieldset className={`checks${error ? ' field--invalid' : ''}`} aria-describedby={error ? `${id}-err` : undefined}>
      <legend>{legend}</legend>
      <div className="checks__list">
        {options.map((o) => (
          <label key={o.value} className="check">
            <input type="checkbox" name={name} value={o.value} checked={value.includes(o.value)} onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))} />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
      {error && (
        <p className="field__error" id={`${id}-err`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}

/**
 * The error and busy flag of a form that calls the API. `run(work)` keeps the form busy while
 * `work` runs and keeps what it throws as the error; `fieldError(name)` is the API's message for
 * that body field.
 */
export function useSubmit() {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function run(work: () => Promise<void>): Promise<void> {
    setBusy(true);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const fieldError = (name: string) => (error instanceof ApiError ? error.forField(name) : undefined);
  return { error, setError, busy, run, fieldError };
}

/** The row under a form: its submit button ("Saving…" while busy) and, with `onCancel`, Cancel. */
export function FormActions({ label, busy, busyLabel, onCancel }: { label: string; busy: boolean; busyLabel?: string; onCancel?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="actions">
      <button type="submit" className="btn btn--primary" disabled={busy}>
        {busy ? (busyLabel ?? t('common.saving')) : label}
      </button>
      {onCancel && (
        <button type="button" className="btn" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      )}
    </div>
  );
}

/**
 * An error from the API (or a local message) in an assertive live region. Field errors whose
 * field is in `inline` are shown beside the field instead; others are listed here.
 */
export function ProblemBox({ error, inline = [], labels = {} }: { error: unknown; inline?: string[]; labels?: Record<string, string> }) {
  const { t } = useI18n();
  let body: ReactNode = null;
  if (error instanceof ApiError) {
    const { message, extra } = problemText(t, error);
    const rest = error.fieldErrors.filter((f) => !f.path || !inline.some((n) => f.path === `body.${n}` || f.path!.startsWith(`body.${n}.`)));
    body = (
      <div className="alert alert--error">
        <p className="alert__title">{message}</p>
        {extra.map((x) => (
          <p key={x} className="alert__extra">
            {x}
          </p>
        ))}
        {rest.length > 0 && error.code !== 'import-invalid' && (
          <ul className="alert__list">
            {rest.map((f, i) => {
              const field = f.path?.replace(/^(body|query|params)\./, '') ?? f.column ?? '';
              return (
                <li key={i}>
                  {field ? `${labels[field] ?? field} — ` : ''}
                  {f.message}
                </li>
              );
            })}
          </ul>
        )}
      </div>
    );
  } else if (typeof error === 'string' && error) {
    body = (
      <div className="alert alert--error">
        <p className="alert__title">{error}</p>
      </div>
    );
  } else if (error instanceof Error) {
    body = (
      <div className="alert alert--error">
        <p className="alert__title">{t('problem.internal')}</p>
      </div>
    );
  }
  return (
    <div role="alert" aria-live="assertive" className="live">
      {body}
    </div>
  );
}

/** A success or information message in a polite live region. */
export function Notice({ children, tone = 'success' }: { children?: ReactNode; tone?: 'success' | 'info' | 'warning' }) {
  return (
    <div role="status" aria-live="polite" className="live">
      {children ? <div className={`alert alert--${tone}`}>{children}</div> : null}
    </div>
  );
}

/** The signed-in user's roles, one chip each (home page, profile). */
export function MyRoles({ roles }: { roles: string[] }) {
  const { t } = useI18n();
  return (
    <p className="roles">
      <span>{t('home.roles')}</span>{' '}
      {roles.map((r) => (
        <span key={r} className="chip">
          {valueLabel(t, 'role', r)}
        </span>
      ))}
    </p>
  );
}

export function Badge({ tone, children }: { tone: 'green' | 'amber' | 'grey' | 'red' | 'blue'; children: ReactNode }) {
  return <span className={`badge badge--${tone}`}>{children}</span>;
}

/** A modal dialog on the native <dialog> element (focus trap, Escape, backdrop for free). */
export function Modal({ open, title, onClose, children, wide }: { open: boolean; title: ReactNode; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const { t } = useI18n();
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className={`modal${wide ? ' modal--wide' : ''}`} aria-labelledby={titleId} onClose={onClose} onCancel={(e) => (e.preventDefault(), onClose())}>
      {open && (
        <div className="modal__inner">
          <div className="modal__head">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="btn btn--ghost btn--icon" onClick={onClose} aria-label={t('common.close')}>
              ×
            </button>
          </div>
          {children}
        </div>
      )}
    </dialog>
  );
}

interface Pending {
  message: string;
  confirmLabel: string;
  danger: boolean;
  resolve: (ok: boolean) => void;
}

/** `ask(message)` opens a confirmation dialog and resolves to the answer. */
export function useConfirm(): [ReactNode, (message: string, confirmLabel: string, danger?: boolean) => Promise<boolean>] {
  const [pending, setPending] = useState<Pending | null>(null);
  const { t } = useI18n();
  const ask = (message: string, confirmLabel: string, danger = false) => new Promise<boolean>((resolve) => setPending({ message, confirmLabel, danger, resolve }));
  const done = (ok: boolean) => {
    pending?.resolve(ok);
    setPending(null);
  };
  const el = (
    <Modal open={!!pending} title={t('common.confirm')} onClose={() => done(false)}>
      <p>{pending?.message}</p>
      <div className="actions">
        <button type="button" className={`btn ${pending?.danger ? 'btn--danger' : 'btn--primary'}`} onClick={() => done(true)}>
          {pending?.confirmLabel}
        </button>
        <button type="button" className="btn" onClick={() => done(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </Modal>
  );
  return [el, ask];
}

export function LanguageSwitch({ onSwitch }: { onSwitch: (l: 'fr' | 'en') => void }) {
  const { t, locale } = useI18n();
  return (
    <div className="lang" role="group" aria-label={t('lang.switch')}>
      {(['fr', 'en'] as const).map((l) => (
        <button key={l} type="button" lang={l} className="lang__btn" aria-pressed={locale === l} onClick={() => onSwitch(l)}>
          {l.toUpperCase()}
          <span className="sr-only"> – {t(`lang.${l}`)}</span>
        </button>
      ))}
    </div>
  );
}

/** Sets document.title to "<page> · Justif". */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Justif`;
  }, [title]);
}

/** One term and its value in a `<dl className="dl">`. */
export function DlRow({ term, children, testId }: { term: string; children: ReactNode; testId?: string }) {
  return (
    <div className="dl__row" data-testid={testId}>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
