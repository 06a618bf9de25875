// Reversibility (admin, a tab of the settings): start a full export of the Client, follow its
// progress (read again every two seconds while one is being made), download the ZIP while its link
// lasts. What the archive holds is said on the page, as in the README inside it.
import { useCallback, useEffect, useState } from 'react';
import { api, type ClientExport } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { Badge, Notice, ProblemBox } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';

const STATE = { queued: 'reversibility.state.queued', running: 'reversibility.state.running', done: 'reversibility.state.done', failed: 'reversibility.state.failed' } as const;
const mb = (n: number | null) => (n === null ? '—' : (n / 1_048_576).toFixed(1));

export function ReversibilityTab() {
  const { t, dateTime } = useI18n();
  const [items, setItems] = useState<ClientExport[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () => api.get<{ items: ClientExport[] }>('/exports/full').then((r) => (setItems(r.items), setLoading(false)), (e) => (setError(e), setLoading(false))),
    [],
  );
  useEffect(() => void load(), [load]);
  // while an export is being made, its progress is read again
  const working = items.some((x) => x.status === 'queued' || x.status === 'running');
  useEffect(() => {
    if (!working) return;
    const timer = setInterval(() => void load(), 2000);
    return () => clearInterval(timer);
  }, [working, load]);

  async function start() {
    setError(null);
    setNotice('');
    setBusy(true);
    try {
      await api.post('/exports/full');
      await load();
      setNotice(t('reversibility.started'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const progress = (x: ClientExport) => {
    const p = x.progress as { step?: string; done?: number; total?: number };
    if (x.status === 'done') return t('reversibility.progress.done', { files: x.files ?? 0, size: mb(x.size) });
    if (x.status === 'failed') return t('reversibility.progress.failed', { error: x.error ?? '' });
    if (p.step === 'tables' || p.step === 'receipts') return t(p.step === 'tables' ? 'reversibility.progress.tables' : 'reversibility.progress.receipts', { done: p.done ?? 0, total: p.total ?? 0 });
    return t('reversibility.progress.waiting');
  };

  return (
    <>
      <p className="muted">{t('reversibility.intro')}</p>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      <section className="card" aria-labelledby="reversibility-heading">
        <h2 id="reversibility-heading">{t('reversibility.title')}</h2>
        <ul className="muted">
          <li>{t('reversibility.holds.data')}</li>
          <li>{t('reversibility.holds.receipts')}</li>
          <li>{t('reversibility.holds.manifest')}</li>
        </ul>
        <button type="button" className="btn btn--primary" onClick={() => void start()} disabled={busy || working}>
          {working ? t('reversibility.working') : t('reversibility.start')}
        </button>
      </section>
      <section className="card" aria-labelledby="reversibility-list">
        <h2 id="reversibility-list">{t('reversibility.list')}</h2>
        <DataTable caption={t('reversibility.list')} columns={[t('reversibility.col.requested'), t('reversibility.col.state'), t('reversibility.col.progress'), t('reversibility.col.expires')]} actions rows={items} busy={loading} empty={t('reversibility.empty')}>
          {(x) => (
            <tr key={x.id} data-export={x.id}>
              <td data-label={t('reversibility.col.requested')}>{dateTime(x.requestedAt)}</td>
              <td data-label={t('reversibility.col.state')}>
                <Badge tone={x.status === 'done' ? (x.expired ? 'grey' : 'green') : x.status === 'failed' ? 'red' : 'amber'}>{t(x.expired ? 'reversibility.state.expired' : STATE[x.status])}</Badge>
              </td>
              <td data-label={t('reversibility.col.progress')} role="status">{progress(x)}</td>
              <td data-label={t('reversibility.col.expires')}>{x.expiresAt ? dateTime(x.expiresAt) : '—'}</td>
              <td className="cell-actions">
                {x.status === 'done' && !x.expired && (
                  <a className="btn btn--small" href={`/api/v1/exports/full/${x.id}/file`} download>
                    {t('reversibility.download')}
                  </a>
                )}
              </td>
            </tr>
          )}
        </DataTable>
      </section>
    </>
  );
}
