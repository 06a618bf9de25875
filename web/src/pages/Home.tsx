import { appRoutes } from '../App.tsx';
import { MyRoles, usePageTitle } from '../components/ui.tsx';
import { useCounts } from '../components/workflow.tsx';
import { NotificationsCard } from '../components/notifications.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { Link } from '../router.tsx';
import { isVendor, useSignedIn } from '../session.tsx';

const DESCRIPTIONS: Record<string, MessageKey> = { '/expenses': 'home.expenses.desc', '/expenses/new': 'home.newExpense.desc', '/approvals': 'home.approvals.desc', '/verifications': 'home.verifications.desc', '/users': 'home.users.desc', '/settings': 'home.settings.desc', '/vault': 'home.vault.desc', '/exports': 'home.exports.desc', '/audit': 'home.audit.desc', '/clients': 'home.clients.desc', '/profile': 'home.profile.desc' };

export function HomePage() {
  const { t } = useI18n();
  const s = useSignedIn();
  usePageTitle(t('nav.home'));
  const counts = useCounts();
  const shortcuts = appRoutes.filter((r) => r.nav && r.path !== '/' && r.allow(s) && (!r.nav.when || r.nav.when(s, counts)));
  return (
    <section className="page">
      <div className="hero">
        <h1>{t('home.title', { name: s.user.name })}</h1>
        <p className="lead">{isVendor(s) || !s.tenant ? t('home.vendor', { email: s.user.email }) : t('home.client', { tenant: s.tenant.name, email: s.user.email })}</p>
        <MyRoles roles={s.user.roles} />
      </div>
      {!isVendor(s) && <NotificationsCard />}
      {shortcuts.length > 0 && (
        <>
          <h2 className="section-title">{t('home.shortcuts')}</h2>
          <ul className="cards">
            {shortcuts.map((r) => (
              <li key={r.path}>
                <Link to={r.path} className="card card--link">
                  <span className="card__title">{t(r.nav!.label)}</span>
                  {DESCRIPTIONS[r.path] && <span className="card__text">{t(DESCRIPTIONS[r.path]!)}</span>}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
