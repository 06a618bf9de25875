// The message catalogues, the current language and locale-aware formatting.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import en from './en.ts';
import fr, { type MessageKey } from './fr.ts';

export type Locale = 'fr' | 'en';
export type { MessageKey };
export type Vars = Record<string, string | number>;
export type Translate = (key: MessageKey, vars?: Vars) => string;

const catalogues: Record<Locale, Record<MessageKey, string>> = { fr, en };
const STORAGE_KEY = 'justif.locale';

export function isMessageKey(k: string): k is MessageKey {
  return Object.prototype.hasOwnProperty.call(fr, k);
}

export function format(template: string, vars?: Vars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

export function translator(locale: Locale): Translate {
  const cat = catalogues[locale];
  return (key, vars) => format(cat[key] ?? fr[key] ?? key, vars);
}

/** The language chosen before sign-in (kept in this browser), French by default. */
export function storedLocale(): Locale {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v === 'fr' || v === 'en') return v;
  } catch {
    /* storage disabled */
  }
  return 'fr';
}

interface I18n {
  locale: Locale;
  t: Translate;
  /** Changes the language shown (and remembers it in this browser). */
  setLocale(l: Locale): void;
  dateTime(iso: string | null | undefined): string;
  date(iso: string | null | undefined): string;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(storedLocale);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const setLocale = useCallback((l: Locale) => {
    setLocaleState(l);
    document.documentElement.lang = l;
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      /* storage disabled */
    }
  }, []);
  const value = useMemo<I18n>(() => {
    const tag = locale === 'fr' ? 'fr-FR' : 'en-GB';
    const dtf = new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'medium' });
    const df = new Intl.DateTimeFormat(tag, { dateStyle: 'medium' });
    const safe = (f: Intl.DateTimeFormat) => (iso: string | null | undefined) => {
      if (!iso) return '';
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : f.format(d);
    };
    return { locale, t: translator(locale), setLocale, dateTime: safe(dtf), date: safe(df) };
  }, [locale, setLocale]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
