// Unreadable receipts (admin, a tab of the expense settings): the receipts whose reading (OCR) was
// given up after its attempts, with the error, who sent it, a link to the expense where the admin
// may open it (a draft stays private to its owner: the row says so), and "Read again", which
// queues a new reading — the row then says so.
import { useEffect, useState } from 'react';
import { api, type OcrFailure } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { Badge, Notice, ProblemBox } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import { Link } from '../router.tsx';

export function OcrFailuresTab() {
  const { t, dateTime } = useI18n();
  const [items, setItems] = useState<OcrFailure[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [version, setVersion] = useState(0);
  // Receipts queued again from this page since it loaded (the list itself says `rerunning`).
  const [queued, setQueued] = useState<Set<string>>(new Set());
  const [sending, setSending] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setLoading(true);
    api.get<{ items: OcrFailure[] }>('/receipts/ocr-failures').then(
      (r) => live && (setItems(r.items), setLoading(false)),
      (e) => live && (setError(e), setLoading(false)),
    );
    return () => {
      live = false;
    };
  }, [version]);

  async function rerun(f: OcrFailure) {
    setError(null);
    setNotice('');
    setSending(f.receiptId);
    try {
      await api.post(`/receipts/${encodeURIComponent(f.receiptId)}/ocr`);
      setQueued((q) => new Set(q).add(f.receiptId));
      setNotice(t('ocrFailures.queued.notice', { name: f.name }));
    } catch (e) {
      setError(e);
    } finally {
      setSending(null);
    }
  }

  return (
    <>
      <div className="page-head">
        <p className="muted">{t('ocrFailures.intro')}</p>
        <button type="button" className="btn btn--small" onClick={() => (setNotice(''), setError(null), setVersion((v) => v + 1))} disabled={loading}>
          {t('ocrFailures.refresh')}
        </button>
      </div>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      <section className="card" aria-labelledby="ocr-failures-heading">
        <h2 id="ocr-failures-heading" className="sr-only">
          {t('settings.tab.ocrFailures')}
        </h2>
        <DataTable
          caption={t('settings.tab.ocrFailures')}
          columns={[t('ocrFailures.col.receipt'), t('ocrFailures.col.error'), { label: t('ocrFailures.col.attempts'), className: 'num' }, t('ocrFailures.col.failedAt')]}
          actions
          rows={items}
          busy={loading}
          empty={t('ocrFailures.empty')}
        >
          {(f) => {
            const isQueued = f.rerunning || queued.has(f.receiptId);
            return (
              <tr key={f.receiptId} data-receipt={f.receiptId}>
                <td data-label={t('ocrFailures.col.receipt')}>
                  <div>
                    <span className="cell-main break">{f.name}</span>
                    {f.uploadedBy && <span className="cell-sub">{t('ocrFailures.uploadedBy', { name: f.uploadedBy.name })}</span>}
                    {f.canOpenExpense ? (
                      <Link to={`/expenses/${encodeURIComponent(f.expenseId)}`} className="cell-sub" aria-label={t('ocrFailures.expense.label', { name: f.name })}>
                        {t('ocrFailures.expense')}
                      </Link>
                    ) : (
                      <span className="cell-sub">{t('ocrFailures.draftPrivate')}</span>
                    )}
                  </div>
                </td>
                <td data-label={t('ocrFailures.col.error')}>
                  <code className="break ocr-error">{f.error || t('common.none')}</code>
                </td>
                <td data-label={t('ocrFailures.col.attempts')} className="num">
                  {f.attempts}
                </td>
                <td data-label={t('ocrFailures.col.failedAt')} className="nowrap">
                  {f.failedAt ? dateTime(f.failedAt) : t('common.none')}
                </td>
                <td className="cell-actions">
                  {isQueued ? (
                    <Badge tone="blue">{t('ocrFailures.queued')}</Badge>
                  ) : (
                    <button type="button" className="btn btn--small" aria-label={t('ocrFailures.rerun.label', { name: f.name })} disabled={sending === f.receiptId} onClick={() => void rerun(f)}>
                      {t('ocrFailures.rerun')}
                    </button>
                  )}
                </td>
              </tr>
            );
          }}
        </DataTable>
      </section>
    </>
  );
}
