// CSV import of users (admin): the expected columns, an example file, the result or every row error.
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type ImportCounts } from '../api.ts';
import { Field, FormActions, Notice, ProblemBox, useSubmit } from '../components/ui.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import type { CSV_COLUMNS } from '../../../api/features/users/users.schemas.ts';

// The API's columns (CSV_COLUMNS); the two type checks fail the build if the lists drift apart.
const COLUMNS = ['email', 'name', 'roles', 'team', 'manager_email', 'payroll_id', 'locale'] as const satisfies readonly CsvColumn[];
type CsvColumn = (typeof CSV_COLUMNS)[number];
const everyColumn: Exclude<CsvColumn, (typeof COLUMNS)[number]> extends never ? true : never = true;
void everyColumn;

const EXAMPLE = [
  COLUMNS.join(','),
  'claire.martin@example.fr,Claire Martin,manager|employee,Ventes,,P0001,fr',
  'paul.durand@example.fr,Paul Durand,employee,Ventes,claire.martin@example.fr,P0002,fr',
  'sophie.bernard@example.fr,Sophie Bernard,accountant|employee,Finance,,P0003,en',
  '',
].join('\r\n');

export function ImportTab({ onImported }: { onImported: () => void }) {
  const { t, locale } = useI18n();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [result, setResult] = useState<ImportCounts | null>(null);
  const { error, setError, busy, run } = useSubmit();
  const input = useRef<HTMLInputElement>(null);
  const exampleUrl = useMemo(() => URL.createObjectURL(new Blob(['\uFEFF' + EXAMPLE], { type: 'text/csv;charset=utf-8' })), []);

  async function pick(f: File | undefined) {
    setResult(null);
    setError(null);
    setFile(f ? { name: f.name, text: await f.text() } : null);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setResult(null);
    setError(null);
    if (!file) return setError(t('import.chooseFile'));
    await run(async () => {
      setResult(await api.post<ImportCounts>('/users/import', file.text, { contentType: 'text/csv' }));
      setFile(null);
      if (input.current) input.current.value = '';
      onImported();
    });
  }

  const rowErrors = error instanceof ApiError && error.code === 'import-invalid' ? error.fieldErrors : [];
  const lines = file ? file.text.split(/\r?\n/).filter((l) => l.trim()).length - 1 : 0;

  return (
    <div className="split">
      <div className="split__main">
        <h2>{t('import.title')}</h2>
        <p>{t('import.intro')}</p>
        <form onSubmit={submit} className="form card">
          <Field label={t('import.file')} hint={file ? t('import.selected', { name: file.name, lines: Math.max(lines, 0) }) : undefined}>
            {(a) => <input {...a} ref={input} type="file" name="file" accept=".csv,text/csv" onChange={(e) => void pick(e.target.files?.[0])} />}
          </Field>
          <FormActions label={t('import.submit')} busyLabel={t('import.submitting')} busy={busy} />
        </form>
        <Notice>{result ? t('import.done', { created: result.created, updated: result.updated, teamsCreated: result.teamsCreated }) : null}</Notice>
        {rowErrors.length > 0 ? (
          <div role="alert" className="import-errors">
            <div className="alert alert--error">
              <p className="alert__title">{t('import.failed')}</p>
              {error instanceof ApiError && error.detail && <p className="alert__extra">{error.detail}</p>}
            </div>
            <div className="table-wrap">
              <table className="table table--compact">
                <caption>{t('import.errors.caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      {t('import.errors.row')}
                    </th>
                    <th scope="col">{t('import.errors.column')}</th>
                    <th scope="col">{t('import.errors.message')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rowErrors.map((r, i) => (
                    <tr key={i}>
                      <td className="num">{r.row ?? ''}</td>
                      <td>
                        <code>{r.column || t('common.none')}</code>
                      </td>
                      <td>{r.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        ) : (
          <ProblemBox error={error} />
        )}
      </div>
      <aside className="split__side card">
        <h2>{t('import.columns')}</h2>
        <dl className="columns">
          {COLUMNS.map((c) => (
            <div key={c}>
              <dt>
                <code>{c}</code>
              </dt>
              <dd>{t(`import.col.${c}` as MessageKey)}</dd>
            </div>
          ))}
        </dl>
        <p className="muted small">{t('import.format')}</p>
        <pre className="sample" aria-label={t('import.example')}>
          {EXAMPLE}
        </pre>
        <a className="btn" href={exampleUrl} download={locale === 'fr' ? 'justif-utilisateurs-exemple.csv' : 'justif-users-example.csv'}>
          {t('import.example')}
        </a>
      </aside>
    </div>
  );
}
