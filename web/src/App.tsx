// The app shell: session probe, routes (public pages, and pages inside the frame guarded by role),
// the header with navigation, language switch and sign-out.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, setPaymentRequiredHandler, setUnauthenticatedHandler, type Session } from './api.ts';
import { LanguageSwitch, ProblemBox, usePageTitle } from './components/ui.tsx';
import { useI18n, type Locale, type MessageKey } from './i18n/index.tsx';
import { Link, matchPath, navigate, safeNext, useLocation } from './router.tsx';
import { hasRole, isSuspended, isVendor, SessionContext, useSession, type SessionApi } from './session.tsx';
import { SignInPage } from './pages/SignIn.tsx';
import { ForgotPasswordPage } from './pages/ForgotPassword.tsx';
import { ResetPasswordPage } from './pages/ResetPassword.tsx';
import { InvitationPage } from './pages/Invitation.tsx';
import { HomePage } from './pages/Home.tsx';
import { UsersPage } from './pages/Users.tsx';
import { AuditPage } from './pages/Audit.tsx';
import { BillingPage } from './pages/Billing.tsx';
import { ClientSubprocessorsPage, PublicSubprocessorsPage, VendorSubprocessorsPage } from './pages/Subprocessors.tsx';
import { VendorBillingPage } from './pages/VendorBilling.tsx';
import { GdprPage, VendorGdprPage } from './pages/Gdpr.tsx';
import { SupportAccessPage, VendorSupportPage } from './pages/SupportAccess.tsx';
import { ClientsPage } from './pages/Clients.tsx';
import { ProfilePage } from './pages/Profile.tsx';
import { ExpensesPage } from './pages/Expenses.tsx';
import { EditExpensePage, NewExpensePage } from './pages/ExpenseForms.tsx';
import { ExpenseDetailPage } from './pages/ExpenseDetail.tsx';
import { SettingsPage } from './pages/Settings.tsx';
import { ApprovalsPage } from './pages/Approvals.tsx';
import { VerificationsPage } from './pages/Verifications.tsx';
import { VaultPage } from './pages/Vault.tsx';
import { ExportsPage } from './pages/Exports.tsx';
import { CountsContext, NavCount, useLiveCounts } from './components/workflow.tsx';
import { BillingNoticeBanner, SuspendedPage } from './components/suspension.tsx';
import { AcceptTermsPage, LegalUpcomingBanner, PublicLegalPage } from './pages/Legal.tsx';
import type { WorkflowCounts } from './api.ts';

type Params = Record<string, string>;

interface PublicRoute {
  path: string;
  render: (p: Params) => ReactNode;
}

const publicRoutes: PublicRoute[] = [
  { path: '/signin', render: () => <SignInPage /> },
  { path: '/forgot-password', render: () => <ForgotPasswordPage /> },
  { path: '/reset-password/:token', render: (p) => <ResetPasswordPage token={p.token!} /> },
  { path: '/subprocessors', render: () => <PublicSubprocessorsPage /> },
  { path: '/legal/terms', render: () => <PublicLegalPage document="terms" /> },
  { path: '/legal/privacy', render: () => <PublicLegalPage document="privacy" /> },
  { path: '/invitation/:token', render: (p) => <InvitationPage token={p.token!} /> },
];

const clientAdmin = (s: Session) => !isVendor(s) && hasRole(s, 'admin');
const operator = (s: Session) => isVendor(s) && hasRole(s, 'operator');
/** The vendor's staff who may read a Client's data under its admin's grant. */
const supportStaff = (s: Session) => isVendor(s) && (hasRole(s, 'support_agent') || hasRole(s, 'operator'));
const everyone = () => true;
const employee = (s: Session) => !isVendor(s) && hasRole(s, 'employee');
/** Any Client user: the API decides which expenses each may see. */
const clientUser = (s: Session) => !isVendor(s);
const verifier = (s: Session) => !isVendor(s) && hasRole(s, 'verifier');
/** The vault: admins change it, accountants read it (as the API allows). */
const vaultReader = (s: Session) => !isVendor(s) && (hasRole(s, 'admin') || hasRole(s, 'accountant'));
/** Exports: accountants and admins; payroll users the payroll export and the history (the page shows only those tabs). */
const exporter = (s: Session) => !isVendor(s) && (hasRole(s, 'admin') || hasRole(s, 'accountant') || hasRole(s, 'payroll'));
const accountingUser = (s: Session) => !isVendor(s) && (hasRole(s, 'admin') || hasRole(s, 'accountant'));

interface AppRoute {
  path: string;
  allow: (s: Session) => boolean;
  render: (p: Params) => ReactNode;
  /**
   * Shown in the navigation, highlighted for paths under `section`; `count` shows the live count of
   * that queue beside it; `when` narrows who sees the entry (the page itself stays allowed).
   */
  nav?: { label: MessageKey; section: string; count?: 'toApprove' | 'toVerify'; when?: (s: Session, counts: WorkflowCounts | null) => boolean };
  /** Kept by a Client suspended for an unpaid invoice (its admins' billing and reversibility export, as the API keeps them open); every other page says why it is closed. */
  whileSuspended?: true;
}

/** What each role may use. New features add their pages here, with the roles the API allows. */
export const appRoutes: AppRoute[] = [
  { path: '/', allow: everyone, render: () => <HomePage />, nav: { label: 'nav.home', section: '/' } },
  { path: '/expenses', allow: employee, render: () => <ExpensesPage />, nav: { label: 'nav.expenses', section: '/expenses' } },
  { path: '/expenses/new', allow: employee, render: () => <NewExpensePage tab="receipt" />, nav: { label: 'nav.newExpense', section: '/expenses/new' } },
  { path: '/expenses/new/mileage', allow: employee, render: () => <NewExpensePage tab="mileage" /> },
  { path: '/expenses/new/per-diem', allow: employee, render: () => <NewExpensePage tab="per-diem" /> },
  { path: '/expenses/:id', allow: clientUser, render: (p) => <ExpenseDetailPage key={p.id} id={p.id!} /> },
  { path: '/expenses/:id/edit', allow: employee, render: (p) => <EditExpensePage key={p.id} id={p.id!} /> },
  // Anyone may approve under a delegation: the entry shows for managers, and for whoever has something to approve.
  { path: '/approvals', allow: clientUser, render: () => <ApprovalsPage />, nav: { label: 'nav.approvals', section: '/approvals', count: 'toApprove', when: (s, c) => hasRole(s, 'manager') || !!c?.toApprove } },
  { path: '/verifications', allow: verifier, render: () => <VerificationsPage />, nav: { label: 'nav.verifications', section: '/verifications', count: 'toVerify' } },
  { path: '/users', allow: clientAdmin, render: () => <UsersPage tab="list" />, nav: { label: 'nav.users', section: '/users' } },
  { path: '/users/teams', allow: clientAdmin, render: () => <UsersPage tab="teams" /> },
  { path: '/users/import', allow: clientAdmin, render: () => <UsersPage tab="import" /> },
  { path: '/settings', allow: clientAdmin, render: () => <SettingsPage tab="categories" />, nav: { label: 'nav.settings', section: '/settings' } },
  { path: '/settings/rates', allow: clientAdmin, render: () => <SettingsPage tab="rates" /> },
  { path: '/settings/ocr-failures', allow: clientAdmin, render: () => <SettingsPage tab="ocr-failures" /> },
  { path: '/settings/workflow', allow: clientAdmin, render: () => <SettingsPage tab="workflow" /> },
  { path: '/settings/reversibility', allow: clientAdmin, render: () => <SettingsPage tab="reversibility" />, whileSuspended: true },
  { path: '/vault', allow: vaultReader, render: () => <VaultPage tab="overview" />, nav: { label: 'nav.vault', section: '/vault' } },
  { path: '/vault/deposits', allow: vaultReader, render: () => <VaultPage tab="deposits" /> },
  { path: '/vault/checkpoints', allow: vaultReader, render: () => <VaultPage tab="checkpoints" /> },
  { path: '/vault/holds', allow: vaultReader, render: () => <VaultPage tab="holds" /> },
  { path: '/vault/destructions', allow: vaultReader, render: () => <VaultPage tab="destructions" /> },
  { path: '/exports', allow: exporter, render: () => <ExportsPage tab="accounting" />, nav: { label: 'nav.exports', section: '/exports' } },
  { path: '/exports/payroll', allow: exporter, render: () => <ExportsPage tab="payroll" /> },
  { path: '/exports/reimbursements', allow: accountingUser, render: () => <ExportsPage tab="reimbursements" /> },
  { path: '/exports/history', allow: exporter, render: () => <ExportsPage tab="history" /> },
  { path: '/exports/settings', allow: accountingUser, render: () => <ExportsPage tab="settings" /> },
  { path: '/billing', allow: clientAdmin, render: () => <BillingPage />, nav: { label: 'nav.billing', section: '/billing' }, whileSuspended: true },
  { path: '/audit', allow: clientAdmin, render: () => <AuditPage />, nav: { label: 'nav.audit', section: '/audit' } },
  { path: '/gdpr/subprocessors', allow: clientAdmin, render: () => <ClientSubprocessorsPage />, whileSuspended: true },
  { path: '/gdpr/support-access', allow: clientAdmin, render: () => <SupportAccessPage /> },
  { path: '/gdpr', allow: clientAdmin, render: () => <GdprPage />, nav: { label: 'nav.gdpr', section: '/gdpr' }, whileSuspended: true },
  { path: '/clients', allow: operator, render: () => <ClientsPage />, nav: { label: 'nav.clients', section: '/clients' } },
  { path: '/invoices', allow: operator, render: () => <VendorBillingPage />, nav: { label: 'nav.vendorBilling', section: '/invoices' } },
  { path: '/vendor/gdpr/subprocessors', allow: operator, render: () => <VendorSubprocessorsPage /> },
  { path: '/vendor/gdpr', allow: operator, render: () => <VendorGdprPage />, nav: { label: 'nav.vendorGdpr', section: '/vendor/gdpr' } },
  { path: '/support', allow: supportStaff, render: () => <VendorSupportPage />, nav: { label: 'nav.support', section: '/support' } },
  { path: '/profile', allow: everyone, render: () => <ProfilePage />, nav: { label: 'nav.profile', section: '/profile' } },
];

function find<R extends { path: string }>(routes: R[], path: string): { route: R; params: Params } | undefined {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  for (const route of routes) {
    const params = matchPath(route.path, clean);
    if (params) return { route, params };
  }
  return undefined;
}

export function App() {
  const i18n = useI18n();
  const [state, setState] = useState<{ loading: boolean; session: Session | null }>({ loading: true, session: null });
  const { pathname, search } = useLocation();

  const signedIn = useCallback(
    (s: Session) => {
      setCsrfToken(s.csrfToken);
      i18n.setLocale(s.user.locale);
      setState({ loading: false, session: s });
    },
    [i18n],
  );

  useEffect(() => {
    let live = true;
    api
      .get<Session>('/session', { public: true })
      .then((s) => live && signedIn(s))
      .catch(() => live && setState({ loading: false, session: null }));
    return () => {
      live = false;
    };
    // Once, at start: later changes come from sign-in, sign-out and the 401 handler.
  }, []);

  // A 402 while the session still shows the Client open: it was suspended meanwhile — read the
  // session again, so the frame says why (once at a time, and not again while it shows suspended).
  const suspendedShown = useRef(false);
  useEffect(() => {
    suspendedShown.current = !!state.session && isSuspended(state.session);
  }, [state.session]);
  useEffect(() => {
    let asking = false;
    setPaymentRequiredHandler(() => {
      if (asking || suspendedShown.current) return;
      asking = true;
      api
        .get<Session>('/session', { public: true })
        .then((s) => setState({ loading: false, session: s }))
        .catch(() => undefined)
        .finally(() => (asking = false));
    });
    return () => setPaymentRequiredHandler(undefined);
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setState({ loading: false, session: null });
      const here = window.location.pathname + window.location.search;
      navigate(`/signin?notice=expired${here !== '/' ? `&next=${encodeURIComponent(here)}` : ''}`, { replace: true });
    });
    return () => setUnauthenticatedHandler(undefined);
  }, []);

  const sessionApi = useMemo<SessionApi>(
    () => ({
      session: state.session,
      signedIn,
      update: (s) => setState({ loading: false, session: s }),
      async signOut() {
        try {
          await api.post('/auth/logout', undefined, { public: true });
        } catch {
          /* already signed out: nothing else to do */
        }
        setCsrfToken('');
        setState({ loading: false, session: null });
        navigate('/signin?notice=signedOut', { replace: true });
      },
      async switchLocale(l: Locale) {
        const before = i18n.locale;
        i18n.setLocale(l);
        // while suspended the account cannot be written (402): the language is kept in this browser only
        if (!state.session || state.session.user.locale === l || isSuspended(state.session)) return;
        try {
          const s = await api.patch<Session>('/me', { locale: l });
          setState({ loading: false, session: s });
        } catch (e) {
          i18n.setLocale(before);
          throw e;
        }
      },
    }),
    [state.session, signedIn, i18n],
  );

  let content: ReactNode;
  const pub = find(publicRoutes, pathname);
  if (state.loading) {
    content = (
      <div className="splash" aria-busy="true">
        <p>{i18n.t('common.loading')}</p>
      </div>
    );
  } else if (pub) {
    content = pub.route.path === '/signin' && state.session ? <Redirect to={safeNext(search.get('next')) ?? '/'} /> : pub.route.render(pub.params);
  } else if (!state.session) {
    const known = find(appRoutes, pathname);
    content = known ? <Redirect to={pathname === '/' ? '/signin' : `/signin?next=${encodeURIComponent(pathname + (search.size ? `?${search}` : ''))}`} /> : <PublicNotFound />;
  } else {
    const hit = find(appRoutes, pathname);
    const s = state.session;
    // suspended for an unpaid invoice: the page says why, but those the admins keep
    const closed = !!hit && hit.route.allow(s) && isSuspended(s) && !hit.route.whileSuspended;
    // the terms of use and privacy notice in force not accepted yet (R-GDPR-8): that first, whatever the page
    const mustAccept = s.legal.pending.length > 0;
    const page = mustAccept ? <AcceptTermsPage session={s} /> : !hit ? <FrameMessage page="notFound" /> : !hit.route.allow(s) ? <FrameMessage page="forbidden" /> : closed ? <SuspendedPage session={s} /> : hit.route.render(hit.params);
    content = (
      <Frame session={s} closed={closed}>
        {page}
      </Frame>
    );
  }
  return <SessionContext.Provider value={sessionApi}>{content}</SessionContext.Provider>;
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

/** `closed`: the page is replaced by the suspension's message, which says what the banner would. */
function Frame({ session, closed, children }: { session: Session; closed: boolean; children: ReactNode }) {
  const { t } = useI18n();
  const { signOut, switchLocale } = useSession();
  const { pathname } = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After a client-side navigation, move focus to the page so screen readers announce it.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
    setError(null);
  }, [pathname]);

  const suspended = isSuspended(session);
  // no live counts while suspended: the API would answer 402 to each
  // nor before the terms in force are accepted: the API would answer 403 (R-GDPR-8)
  const mustAccept = session.legal.pending.length > 0;
  const counts = useLiveCounts(!isVendor(session) && !suspended && !mustAccept);
  const nav = mustAccept ? [] : appRoutes.filter((r) => r.nav && r.allow(session) && (!r.nav.when || r.nav.when(session, counts)) && (!suspended || r.whileSuspended));
  const within = (section: string) => (section === '/' ? pathname === '/' : pathname === section || pathname.startsWith(`${section}/`));
  // The most specific section wins: /expenses/new is "New expense", not also "My expenses".
  const active = nav.map((r) => r.nav!.section).filter(within).sort((a, b) => b.length - a.length)[0];
  const current = (section: string) => section === active;

  return (
    <div className="frame">
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <div className="topbar__row">
          <Link to="/" className="brand" aria-label={`${t('app.name')} — ${t('nav.home')}`}>
            <BrandMark />
            <span className="brand__name">{t('app.name')}</span>
          </Link>
          <span className="topbar__tenant" data-testid="tenant-name">
            {session.tenant ? session.tenant.name : t('nav.vendor')}
          </span>
          <div className="topbar__spacer" />
          <div className="topbar__tools">
            <LanguageSwitch
              onSwitch={(l) => {
                setError(null);
                switchLocale(l).catch(setError);
              }}
            />
            <Link to="/profile" className="topbar__user" title={t('nav.signedInAs', { name: session.user.email })} data-testid="user-name">
              <span className="avatar" aria-hidden="true">
                {initials(session.user.name)}
              </span>
              <span className="topbar__user-name">{session.user.name}</span>
            </Link>
            <button
              type="button"
              className="btn btn--ghost btn--small"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                void signOut().finally(() => setBusy(false));
              }}
            >
              {t('nav.signOut')}
            </button>
          </div>
        </div>
        {nav.length ? (
          <nav className="nav" aria-label={t('nav.main')}>
            <ul>
              {nav.map((r) => (
                <li key={r.path}>
                  <Link to={r.path} aria-current={current(r.nav!.section) ? 'page' : undefined}>
                    {t(r.nav!.label)}
                    {r.nav!.count && <NavCount n={counts?.[r.nav!.count]} label={t(`nav.count.${r.nav!.count}`, { count: counts?.[r.nav!.count] ?? 0 })} />}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
      </header>
      <main id="main" ref={main} tabIndex={-1} className="main">
        {closed ? null : <BillingNoticeBanner session={session} />}
        <LegalUpcomingBanner session={session} />
        <ContractEnded session={session} />
        {error ? <ProblemBox error={error instanceof ApiError ? error : String(error)} /> : null}
        <CountsContext.Provider value={counts}>{children}</CountsContext.Provider>
      </main>
    </div>
  );
}

/** A terminated Client is read-only until its data is destroyed (R-REV-2): said on every page, with the way to take the data away. */
function ContractEnded({ session }: { session: Session }) {
  const { t, date } = useI18n();
  const end = session.tenant?.status === 'terminated' ? session.tenant.termination : null;
  if (!end) return null;
  return (
    <div className="alert alert--warning" data-testid="contract-ended">
      <strong>{t('contractEnd.banner.title')}</strong> {t('contractEnd.banner.body', { date: date(end.purgeAfter) })}{' '}
      {session.user.roles.includes('admin') ? <Link to="/settings/reversibility">{t('contractEnd.banner.download')}</Link> : t('contractEnd.banner.askAdmin')}
    </div>
  );
}

export function BrandMark() {
  return (
    <svg className="brand__mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" fill="currentColor" />
      <path d="M19 7v12.5a5.5 5.5 0 0 1-11 0" fill="none" stroke="#fff" strokeWidth="3.2" strokeLinecap="round" />
      <circle cx="23.5" cy="23.5" r="2.4" fill="#7dd3c0" />
    </svg>
  );
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts.at(-1)?.[0] ?? '') : '')).toUpperCase() || '?';
}

/** A page inside the frame that says why there is nothing to show here, with the way home. */
function FrameMessage({ page }: { page: 'notFound' | 'forbidden' }) {
  const { t } = useI18n();
  usePageTitle(t(`${page}.title`));
  return (
    <section className="page page--narrow empty-state">
      <h1>{t(`${page}.title`)}</h1>
      <p>{t(`${page}.text`)}</p>
      <p>
        <Link to="/" className="btn">
          {t('common.backHome')}
        </Link>
      </p>
    </section>
  );
}

function PublicNotFound() {
  const { t } = useI18n();
  usePageTitle(t('notFound.title'));
  return (
    <AuthLayout title={t('notFound.title')}>
      <p>{t('notFound.text')}</p>
      <p>
        <Link to="/signin">{t('common.backToSignIn')}</Link>
      </p>
    </AuthLayout>
  );
}

/** The centred card of the pages shown before sign-in, with the language switch. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  const { t, setLocale } = useI18n();
  const { session, switchLocale } = useSession();
  return (
    <div className="auth">
      <div className="auth__top">
        <span className="brand">
          <BrandMark />
          <span className="brand__name">{t('app.name')}</span>
        </span>
        <LanguageSwitch onSwitch={(l) => (session ? void switchLocale(l).catch(() => undefined) : setLocale(l))} />
      </div>
      <main className="auth__card" id="main">
        <h1>{title}</h1>
        {children}
      </main>
      <p className="auth__foot">{t('app.tagline')}</p>
    </div>
  );
}
