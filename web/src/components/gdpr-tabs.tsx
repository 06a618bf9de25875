// The tabs of the GDPR pages: the Client admin's (incidents and audits, subprocessors, the record
// of processing as a PDF, support access) and the operators' (register and audits, subprocessor registry).
import { useI18n } from '../i18n/index.tsx';
import { Link } from '../router.tsx';

export function GdprTabs({ side, current }: { side: 'client' | 'vendor'; current: 'main' | 'subprocessors' | 'support' }) {
  const { t } = useI18n();
  const base = side === 'client' ? '/gdpr' : '/vendor/gdpr';
  return (
    <nav className="tabs" aria-label={t('gdprTabs.label')}>
      <Link to={base} className="tabs__tab" aria-current={current === 'main' ? 'page' : undefined}>
        {t(side === 'client' ? 'gdprTabs.main' : 'gdprTabs.vendorMain')}
      </Link>
      <Link to={`${base}/subprocessors`} className="tabs__tab" aria-current={current === 'subprocessors' ? 'page' : undefined}>
        {t('gdprTabs.subprocessors')}
      </Link>
      {side === 'client' ? (
        <Link to="/gdpr/support-access" className="tabs__tab" aria-current={current === 'support' ? 'page' : undefined}>
          {t('gdprTabs.support')}
        </Link>
      ) : null}
      {side === 'client' ? (
        <a className="tabs__tab" href="/api/v1/gdpr/processing-record.pdf" download>
          {t('gdprTabs.record')}
        </a>
      ) : null}
    </nav>
  );
}
