// A Client's access suspended for an unpaid invoice (R-BIL-5), as the frame shows it: a banner on
// every page from the written notice on (the date access will be suspended, then since when it is),
// and, once suspended, the page that replaces every other one — but the billing page and the
// reversibility export, which the Client's admins keep.
import { useEffect } from 'react';
import { api, type Session } from '../api.ts';
import { useI18n, type Locale } from '../i18n/index.tsx';
import { formatMinor } from '../money.ts';
import { Link } from '../router.tsx';
import { hasRole, isSuspended, useSession } from '../session.tsx';
import { usePageTitle } from './ui.tsx';

/** Invoices are in the price list's currency (euros), whatever the Client's expense currency. */
export const INVOICE_CURRENCY = 'EUR';

/** An instant to the minute, in Paris time as every billing date ("18 février 2028 à 07:30"). */
export function billingMoment(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(new Date(iso));
}

/** The banner of an unpaid invoice past its written notice: before the suspension, then once suspended (admins). */
export function BillingNoticeBanner({ session }: { session: Session }) {
  const { t, locale } = useI18n();
  const notice = session.tenant?.billingNotice;
  if (!notice) return null;
  const admin = hasRole(session, 'admin');
  const date = billingMoment(notice.suspendAt, locale);
  const amount = formatMinor(notice.amountDueMinor, INVOICE_CURRENCY, locale);
  if (isSuspended(session)) {
    // users other than admins see the suspension page instead
    if (!admin) return null;
    return (
      <div className="alert alert--error" data-testid="billing-notice">
        <strong>{t('suspension.banner.suspended.title')}</strong> {t('suspension.banner.suspended.admin', { date, amount })} <Link to="/billing">{t('suspension.banner.settle')}</Link>
      </div>
    );
  }
  return (
    <div className="alert alert--warning" data-testid="billing-notice">
      <strong>{t('suspension.banner.coming.title')}</strong>{' '}
      {admin ? (
        <>
          {t('suspension.banner.coming.admin', { date, amount })} <Link to="/billing">{t('suspension.banner.settle')}</Link>
        </>
      ) : (
        t('suspension.banner.coming.user', { date })
      )}
    </div>
  );
}

/** What a suspended Client's users see instead of a page: why, who can settle it, that the data is kept. */
export function SuspendedPage({ session }: { session: Session }) {
  const { t, locale } = useI18n();
  usePageTitle(t('suspension.page.title'));
  const { update } = useSession();
  // Paid since the session was read: the session says so (GET /session stays open), and the page comes back.
  useEffect(() => {
    let live = true;
    api.get<Session>('/session').then(
      (s) => live && !isSuspended(s) && update(s),
      () => undefined,
    );
    return () => {
      live = false;
    };
    // once per page shown
  }, []);
  const notice = session.tenant?.billingNotice;
  const admin = hasRole(session, 'admin');
  const since = notice ? billingMoment(notice.suspendAt, locale) : null;
  return (
    <section className="page page--narrow empty-state" data-testid="suspended">
      <h1>{t('suspension.page.title')}</h1>
      <p className="lead">{since ? t('suspension.page.text', { company: session.tenant?.name ?? '', date: since }) : t('suspension.page.textNoDate', { company: session.tenant?.name ?? '' })}</p>
      {admin ? (
        <>
          <p>{t('suspension.page.admin', { amount: formatMinor(notice?.amountDueMinor ?? 0, INVOICE_CURRENCY, locale) })}</p>
          <p>{t('suspension.page.kept')}</p>
          <p className="actions">
            <Link to="/billing" className="btn btn--primary">
              {t('suspension.page.billing')}
            </Link>
            <Link to="/settings/reversibility" className="btn">
              {t('suspension.page.reversibility')}
            </Link>
          </p>
        </>
      ) : (
        <>
          <p>{t('suspension.page.user')}</p>
          <p>{t('suspension.page.kept')}</p>
        </>
      )}
    </section>
  );
}
