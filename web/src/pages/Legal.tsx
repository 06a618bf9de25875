// Terms of use and privacy notice (R-GDPR-8): the public pages (/legal/terms, /legal/privacy), the
// screen that replaces every page while the versions in force are not accepted, and the banner that
// announces a new version with its date. The Markdown is the vendor's own text, rendered by a tiny
// renderer to React elements (headings, paragraphs, lists, bold): never injected as HTML.
import { useEffect, useState, type ReactNode } from 'react';
import { api, type Session } from '../api.ts';
import { CheckField, Notice, ProblemBox, usePageTitle } from '../components/ui.tsx';
import { useI18n, type Locale } from '../i18n/index.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { AuthLayout } from '../App.tsx';

type LegalDocument = 'terms' | 'privacy';
interface Version {
  id: string;
  version: string;
  appliesFrom: string;
  summary: string;
  sha256: string;
  markdown: { fr: string; en: string };
}
interface DocumentView {
  document: LegalDocument;
  current: Version | null;
  upcoming: Version | null;
}

function inline(text: string): ReactNode[] {
  // **bold** only; everything else is text (React escapes it)
  return text.split(/(\*\*[^*]+\*\*)/g).map((part, i) => (/^\*\*[^*]+\*\*$/.test(part) ? <strong key={i}>{part.slice(2, -2)}</strong> : part));
}

/** Headings (#, ##, ###), bullet lists (- or *), paragraphs; headings shift down one level under the page title. */
export function Markdown({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  let para: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (para.length) blocks.push(<p key={blocks.length}>{inline(para.join(' '))}</p>);
    if (list.length) blocks.push(<ul key={blocks.length}>{list.map((li, i) => <li key={i}>{inline(li)}</li>)}</ul>);
    para = [];
    list = [];
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const h = /^(#{1,3})\s+(.*)$/.exec(line);
    const li = /^[-*]\s+(.*)$/.exec(line);
    if (!line) flush();
    else if (h) {
      flush();
      const level = Math.min(h[1]!.length + 1, 4);
      const Tag = `h${level}` as 'h2' | 'h3' | 'h4';
      blocks.push(<Tag key={blocks.length}>{inline(h[2]!)}</Tag>);
    } else if (li) {
      if (para.length) flush();
      list.push(li[1]!);
    } else {
      if (list.length) flush();
      para.push(line);
    }
  }
  flush();
  return <div className="legal-text">{blocks}</div>;
}

const text = (v: Version, locale: Locale) => v.markdown[locale] ?? v.markdown.fr;
/** The first heading is the page's title: the body goes without it. */
const body = (md: string) => md.replace(/^#\s+.*\n/, '');
const titleOf = (md: string) => /^#\s+(.*)$/m.exec(md)?.[1] ?? '';

function useDocument(document: LegalDocument, signedIn: boolean): [DocumentView | null, unknown] {
  const [data, setData] = useState<DocumentView | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api.get<DocumentView>(signedIn ? `/legal/documents/${document}` : `/public/legal/${document}`, { public: !signedIn }).then((d) => live && setData(d), (e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [document, signedIn]);
  return [data, error];
}

/** /legal/terms and /legal/privacy, open to anyone: the version in force, and the next one with its date. */
export function PublicLegalPage({ document }: { document: LegalDocument }) {
  const { t, locale, date } = useI18n();
  const [data, error] = useDocument(document, false);
  const title = data?.current ? titleOf(text(data.current, locale)) : t(`legal.${document}`);
  usePageTitle(title);
  return (
    <AuthLayout title={title}>
      <ProblemBox error={error} />
      {data?.current ? (
        <>
          <p className="muted">{t('legal.versionOf', { version: data.current.version, date: date(data.current.appliesFrom) })}</p>
          {data.upcoming ? (
            <Notice tone="info">
              {t('legal.upcomingPublic', { date: date(data.upcoming.appliesFrom) })} <a href="#upcoming">{t('legal.readUpcoming')}</a>
            </Notice>
          ) : null}
          <Markdown text={body(text(data.current, locale))} />
          {data.upcoming ? (
            <section id="upcoming" data-testid="legal-upcoming">
              <h2>{t('legal.upcomingTitle', { date: date(data.upcoming.appliesFrom) })}</h2>
              <p>{data.upcoming.summary}</p>
              <Markdown text={body(text(data.upcoming, locale))} />
            </section>
          ) : null}
        </>
      ) : null}
      <p>
        <Link to={document === 'terms' ? '/legal/privacy' : '/legal/terms'}>{t(document === 'terms' ? 'legal.privacy' : 'legal.terms')}</Link>
      </p>
    </AuthLayout>
  );
}

/** Replaces every page until the versions in force are accepted: the texts, a checkbox, a button. */
export function AcceptTermsPage({ session }: { session: Session }) {
  const { t, locale, date } = useI18n();
  const { update, signOut } = useSession();
  const [docs, setDocs] = useState<DocumentView[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const pending = session.legal.pending;
  usePageTitle(t('legal.acceptTitle'));
  useEffect(() => {
    let live = true;
    Promise.all(pending.map((p) => api.get<DocumentView>(`/legal/documents/${p.document}`))).then((d) => live && setDocs(d), (e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [pending.map((p) => p.id).join()]);
  const again = pending.some((p) => new Date(p.publishedAt).getTime() !== new Date(p.appliesFrom).getTime());
  return (
    <section className="page page--narrow" data-testid="accept-terms">
      <h1>{t('legal.acceptTitle')}</h1>
      <p>{t(again ? 'legal.acceptIntroNew' : 'legal.acceptIntro')}</p>
      <ProblemBox error={error} />
      {docs.map((d) =>
        d.current ? (
          <details key={d.document} open={docs.length === 1} className="legal-doc">
            <summary>
              {titleOf(text(d.current, locale))} — {t('legal.versionOf', { version: d.current.version, date: date(d.current.appliesFrom) })}
            </summary>
            <Markdown text={body(text(d.current, locale))} />
          </details>
        ) : null,
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!checked) return;
          setBusy(true);
          setError(null);
          api
            .post('/legal/acceptances', { versionIds: pending.map((p) => p.id) })
            .then(() => api.get<Session>('/session'))
            .then((s) => update(s))
            .catch(setError)
            .finally(() => setBusy(false));
        }}
      >
        <CheckField name="accept-terms" label={t('legal.acceptCheck')} checked={checked} onChange={setChecked} />
        <p className="actions">
          <button type="submit" className="btn btn--primary" disabled={!checked || busy}>
            {t('legal.acceptButton')}
          </button>
          <button type="button" className="btn btn--ghost" onClick={() => void signOut()}>
            {t('nav.signOut')}
          </button>
        </p>
      </form>
    </section>
  );
}

/** The announcement of a new version, on every page until it applies. */
export function LegalUpcomingBanner({ session }: { session: Session }) {
  const { t, date } = useI18n();
  const next = session.legal?.upcoming ?? [];
  if (!next.length) return null;
  return (
    <div className="alert alert--info" data-testid="legal-upcoming-banner">
      {next.map((v) => (
        <p key={v.id}>
          {t(v.document === 'terms' ? 'legal.bannerTerms' : 'legal.bannerPrivacy', { date: date(v.appliesFrom) })}{' '}
          <Link to={`/legal/${v.document}#upcoming`}>{t('legal.readUpcoming')}</Link>
        </p>
      ))}
    </div>
  );
}
