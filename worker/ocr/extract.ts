// Receipt fields from OCR text and word boxes: merchant, date, total (the amount paid), currency
// and VAT lines, each with a confidence in [0, 1]. Pure: no I/O, no clock, no native library.
//
// How it reads a receipt:
//   - rows: words are regrouped into visual rows from their boxes (Tesseract often reads a column
//     of amounts as a block of its own, away from the labels on the same row); without boxes the
//     text's own lines are used. Cells apart by a wide gap stay apart (an amount never spans two),
//     and a row is cut where side-by-side boxes meet (an A4 invoice's VAT table beside its totals):
//     before a cell of words that follows an amount, and before a header's trailing labelled amount;
//   - amounts: two decimals (12,50 · 12.50 · 1 234,56 · 1.234,56 · 1,234.56), integer amounts
//     only beside a currency sign; never a percentage, a unit price with three decimals, part of
//     a phone number or of a date;
//   - total: rows are labelled (TOTAL TTC, NET A PAYER, GRAND TOTAL, TOTAL, CB…, or to be left
//     out: SOUS-TOTAL, HT, TVA, RENDU/CHANGE, ESPECES/CASH tendered, fidélité, remise, quantity,
//     rounding…); each candidate amount gathers evidence — its label, the same amount on a card
//     payment row, cash tendered minus change given, VAT lines that add up to it (or to the balance
//     plus a deposit: the invoice's total, not the balance); more than the cash handed over when
//     change was given back is a misreading. A total with no such evidence, misread by one digit or
//     with its leading digits lost ("43,95" for 343.95), is mended to what the receipt's arithmetic
//     gives — subtotal + service + a tax its rate checks + the rounding printed — when exactly one
//     sum fits the misreading;
//   - VAT: rows with a rate (20 %, 5,5 %…) in a VAT context (TVA/VAT/GST… on the row or in the
//     table's header); a table's header names its columns (rate, base, VAT, TTC) and its rows are
//     read by them, else base and amount are told apart by checking base × rate ≈ amount (a header
//     without "%", "CODE AMOUNT TAX": a row "SR 6.00 144.68 8.68" only when it checks). Rows of
//     an item table (Qté, P.U., Désignation… in its header) or dated lines are not VAT lines. OCR
//     slips are mended only where the rate checks the result: digits that lost their decimal
//     separator read as cents; a rate's "%" lost or read as a digit; one line misread, from the HT and VAT totals
//     less the other lines. One line per rate, ascending;
//   - date: the document's (issue, invoice, purchase), not an entry, period, due or debit date;
//   - nothing found: null (an empty list for VAT), confidence 0. Nothing is guessed: a value is
//     either printed or follows by arithmetic from printed values that check out.
// Money is handled in integer cents; rates in hundredths of a percent.
import type { OcrFields } from './pipeline.ts';

export interface ExtractWord {
  text: string;
  /** 0–100, as Tesseract gives it. */
  conf?: number;
  box: { x0: number; y0: number; x1: number; y1: number };
}
export interface ExtractInput {
  text: string;
  words?: readonly ExtractWord[];
  /** The Client's currency: used when none is printed (with a low confidence). */
  defaultCurrency?: string | null;
}

interface Row {
  /** As read. */
  raw: string;
  /** Upper case, accents removed, OCR digit/letter confusions fixed — for keywords and numbers. */
  key: string;
  /** Mean word confidence, 0–1 (1 when unknown). */
  conf: number;
  /** Text height relative to the median row (1 when unknown). */
  size: number;
}

// ————————————————————————————————————————— rows

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Words grouped into visual rows: a word joins the row it overlaps most vertically, unless it would sit on top of a word already there. */
export function rowsFromWords(words: readonly ExtractWord[]): { text: string; conf: number; height: number }[] {
  const ws = words
    .filter((w) => w.text.trim() && w.box.y1 > w.box.y0)
    .map((w) => ({ ...w, cy: (w.box.y0 + w.box.y1) / 2, h: w.box.y1 - w.box.y0 }))
    .sort((a, b) => a.cy - b.cy || a.box.x0 - b.box.x0);
  type R = { words: typeof ws; y0: number; y1: number };
  const rows: R[] = [];
  for (const w of ws) {
    let best: R | undefined;
    let bestOverlap = 0;
    for (let i = rows.length - 1; i >= 0 && i >= rows.length - 8; i--) {
      const r = rows[i]!;
      const overlap = Math.min(r.y1, w.box.y1) - Math.max(r.y0, w.box.y0);
      const rh = r.y1 - r.y0;
      if (overlap < 0.5 * Math.min(rh, w.h)) continue;
      // the centre of the word must lie within the row's band (not just touch it)
      if (w.cy < r.y0 || w.cy > r.y1) continue;
      const collides = r.words.some((o) => Math.min(o.box.x1, w.box.x1) - Math.max(o.box.x0, w.box.x0) > 0.3 * Math.min(o.box.x1 - o.box.x0, w.box.x1 - w.box.x0));
      if (collides) continue;
      if (overlap / Math.min(rh, w.h) > bestOverlap) {
        bestOverlap = overlap / Math.min(rh, w.h);
        best = r;
      }
    }
    if (best) {
      best.words.push(w);
      // the band follows the row's median extent, not the tallest word
      best.y0 = median(best.words.map((x) => x.box.y0));
      best.y1 = median(best.words.map((x) => x.box.y1));
    } else rows.push({ words: [w], y0: w.box.y0, y1: w.box.y1 });
  }
  rows.sort((a, b) => (a.y0 + a.y1) / 2 - (b.y0 + b.y1) / 2);
  return rows.map((r) => {
    const sorted = r.words.sort((a, b) => a.box.x0 - b.box.x0);
    let text = '';
    sorted.forEach((w, i) => {
      if (i) {
        const gap = w.box.x0 - sorted[i - 1]!.box.x1;
        text += gap > 1.5 * (r.y1 - r.y0) ? '   ' : ' ';
      }
      text += w.text;
    });
    const confs = sorted.map((w) => w.conf).filter((c): c is number => typeof c === 'number');
    return { text, conf: confs.length ? confs.reduce((s, c) => s + c, 0) / confs.length / 100 : 1, height: r.y1 - r.y0 };
  });
}

const stripAccents = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

/** Upper case without accents; O/o between digits is 0, l/I/| between digits is 1; unusual spaces are spaces. */
export function keyOf(s: string): string {
  let k = stripAccents(s)
    .replace(/[\u00a0\u202f\u2009\t]/g, ' ')
    .replace(/[\u2212\u2013\u2014]/g, '-')
    .replace(/[\u2018\u2019\u00b4`]/g, "'")
    .toUpperCase();
  for (let i = 0; i < 2; i++) k = k.replace(/(\d)[O](?=[\d.,])/g, '$10').replace(/([\d.,])[O](?=\d)/g, '$10').replace(/(\d)[IL|](?=\d)/g, '$11');
  return k;
}

/** Cells: the parts of a row apart by a wide gap (three spaces or more), each with its spaces collapsed. */
const cellsOf = (s: string) => s.trim().split(/\s{3,}/).map((c) => c.replace(/\s+/g, ' '));
/** A cell of words (not an amount, a rate, a code or a currency). */
const textCell = (key: string) => /[A-Z]{3,}/.test(key.replace(CURRENCY_WORD, ''));
const amountCell = (key: string) => !textCell(key) && amountsIn(key).length > 0;

/**
 * A row split where side-by-side boxes meet (an A4 invoice prints its VAT table left of its totals):
 * a cell of words after a cell with an amount starts another row; and a table header ending with a
 * labelled amount ("Taux   Base HT   TVA   Total HT   475,38") gives that label and amount a row of their own.
 */
function splitRow(key: string): number[][] {
  const cells = cellsOf(key);
  const parts: number[][] = [[]];
  cells.forEach((c, i) => {
    const cur = parts[parts.length - 1]!;
    if (textCell(c) && cur.some((j) => amountCell(cells[j]!))) parts.push([i]);
    else cur.push(i);
  });
  const out: number[][] = [];
  for (const p of parts) {
    const texts = p.filter((j) => textCell(cells[j]!));
    const last = texts[texts.length - 1];
    const head = p.filter((j) => last !== undefined && j < last);
    const tail = p.filter((j) => last !== undefined && j >= last);
    // words only, then one label and its amounts: a header (two cells at least, or VAT words) and a labelled amount
    const wordsThenAmount = head.length > 0 && tail.length > 1 && head.every((j) => !amountsIn(cells[j]!).length) && tail.slice(1).every((j) => amountCell(cells[j]!));
    if (wordsThenAmount && (head.length >= 2 || VAT_HEADER.test(head.map((j) => cells[j]).join(' ')))) out.push(head, tail);
    else out.push(p);
  }
  return out;
}

function toRows(input: ExtractInput): Row[] {
  let rows: { text: string; conf: number; height: number | null }[];
  if (input.words?.length) rows = rowsFromWords(input.words);
  else rows = input.text.split(/\r?\n/).map((text) => ({ text, conf: 1, height: null }));
  rows = rows.filter((r) => r.text.trim());
  const mh = median(rows.map((r) => r.height ?? 0).filter((h) => h > 0));
  return rows.flatMap((r) => {
    const raw = cellsOf(r.text);
    const key = cellsOf(keyOf(r.text));
    const size = r.height && mh ? r.height / mh : 1;
    // keyOf keeps the cells (it changes no spaces into wide gaps), so both split alike
    const parts = raw.length === key.length ? splitRow(key.join('   ')) : [key.map((_, i) => i)];
    return parts.map((p) => ({ raw: p.map((i) => raw[i] ?? key[i]).join('   '), key: p.map((i) => key[i]).join('   '), conf: r.conf, size }));
  });
}

// ————————————————————————————————————————— amounts

const CURRENCY_TOKEN = String.raw`(?:€|£|\$|EUR|EUROS?|CHF|GBP|USD|RM|MYR|CAD|AUD|SGD|JPY|¥)`;
const CURRENCY_WORD = new RegExp(CURRENCY_TOKEN, 'g');
/** An amount with two decimals: sign (attached: "- 27.55" is a dash, then an amount), optional currency before/after, thousands by space, dot, apostrophe or comma. */
const AMOUNT_RE = new RegExp(
  String.raw`(?<![\w.,/-])(-)?(?:(${CURRENCY_TOKEN})\s?)?(-)?(\d{1,3}(?:[ .',]\d{3})+|\d+)(?:\s?([.,])\s?|\s([.,]))(\d{2})(?![\d]|[.,]\d|\s?%)(?:\s?(${CURRENCY_TOKEN}))?`,
  'g',
);
/** An integer amount, only with a currency sign beside it. */
const INT_AMOUNT_RE = new RegExp(String.raw`(?<![\w.,/])(?:(${CURRENCY_TOKEN})\s?(\d{1,6})(?![\d.,]\d|\s?%)|(\d{1,6})\s?(€|EUR|EUROS?|CHF|GBP)(?![A-Z]))`, 'g');

export interface Amount {
  cents: number;
  /** Index in the row's key where it starts and ends. */
  at: number;
  end: number;
  currency: string | null;
}

function centsOf(intPart: string, dec: string): number | null {
  const digits = intPart.replace(/[ .',]/g, '');
  if (!/^\d+$/.test(digits) || digits.length > 9) return null;
  return Number(digits) * 100 + Number(dec);
}

/** Every amount of a row (key form). */
export function amountsIn(key: string): Amount[] {
  const out: Amount[] = [];
  for (const m of key.matchAll(AMOUNT_RE)) {
    let [, sign1, cur1, sign2, int, sep1, sep2, dec, cur2] = m;
    const sep = sep1 ?? sep2;
    // "1,234,56" or "1.234.56": the thousands separator cannot be the decimal one
    if (int!.length > 3 && int!.includes(sep!)) continue;
    // "1,234.56" is fine; "1.234,56" is fine; "1 234,56" is fine
    const cents = centsOf(int!, dec!);
    if (cents === null) continue;
    out.push({ cents: sign1 || sign2 ? -cents : cents, at: m.index!, end: m.index! + m[0].length, currency: currencyOfToken(cur1 ?? cur2) });
  }
  for (const m of key.matchAll(INT_AMOUNT_RE)) {
    if (out.some((a) => m.index! < a.end && m.index! + m[0].length > a.at)) continue;
    const n = m[2] ?? m[3];
    out.push({ cents: Number(n) * 100, at: m.index!, end: m.index! + m[0].length, currency: currencyOfToken(m[1] ?? m[4]) });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** A printed amount as a decimal string with a dot ("12.50"), or null. */
export function parseAmount(s: string): string | null {
  const [a] = amountsIn(keyOf(s).trim());
  return a ? formatCents(a.cents) : null;
}

export function formatCents(c: number): string {
  const sign = c < 0 ? '-' : '';
  const v = Math.abs(c);
  return `${sign}${Math.floor(v / 100)}.${String(v % 100).padStart(2, '0')}`;
}

// ————————————————————————————————————————— currency

function currencyOfToken(t: string | undefined): string | null {
  if (!t) return null;
  if (t === '€' || t.startsWith('EUR')) return 'EUR';
  if (t === '£' || t === 'GBP') return 'GBP';
  if (t === '$') return '$';
  if (t === 'RM' || t === 'MYR') return 'MYR';
  if (t === '¥') return 'JPY';
  return t;
}

const CURRENCY_WORDS: [RegExp, string][] = [
  [/€|\bEUR(?:OS?)?\b/g, 'EUR'],
  [/\bCHF\b|\bSFR\b/g, 'CHF'],
  [/£|\bGBP\b/g, 'GBP'],
  [/\bUSD\b|\bUS ?\$/g, 'USD'],
  [/\bRM ?\d|\bRM\b|\bMYR\b|\(RM\)/g, 'MYR'],
  [/\b(CAD|AUD|SGD|NZD|HKD|JPY|CNY|SEK|NOK|DKK|PLN|CZK|HUF|MAD|TND|XOF|XPF)\b/g, '*'],
  [/\$/g, '$'],
];
const DOLLARS = ['USD', 'CAD', 'AUD', 'SGD', 'NZD', 'HKD'];

function findCurrency(rows: Row[], totalRow: number | null, defaultCurrency: string | null): { value: string | null; conf: number } {
  const score = new Map<string, number>();
  rows.forEach((r, i) => {
    const weight = i === totalRow ? 3 : 1;
    for (const [re, code] of CURRENCY_WORDS) {
      for (const m of r.key.matchAll(re)) {
        const c = code === '*' ? m[1]! : code;
        score.set(c, (score.get(c) ?? 0) + weight);
      }
    }
  });
  // "$" next to "US$" is counted twice; "$" beside an explicit dollar currency is that currency
  const dollar = score.get('$') ?? 0;
  score.delete('$');
  const ranked = [...score.entries()].sort((a, b) => b[1] - a[1]);
  if (ranked.length) {
    const [code, s] = ranked[0]!;
    const runnerUp = ranked[1]?.[1] ?? 0;
    let conf = s >= 3 ? 0.95 : s === 2 ? 0.85 : 0.75;
    if (runnerUp >= s) conf *= 0.6;
    else if (runnerUp) conf *= 0.85;
    return { value: code, conf };
  }
  if (dollar) {
    const d = defaultCurrency && DOLLARS.includes(defaultCurrency) ? defaultCurrency : 'USD';
    return { value: d, conf: dollar >= 3 ? 0.6 : 0.5 };
  }
  return defaultCurrency ? { value: defaultCurrency.toUpperCase(), conf: 0.3 } : { value: null, conf: 0 };
}

// ————————————————————————————————————————— dates

const MONTHS: [string, number][] = [
  ['JANVIER', 1], ['JANUARY', 1], ['JANV', 1], ['JAN', 1],
  ['FEVRIER', 2], ['FEBRUARY', 2], ['FEVR', 2], ['FEV', 2], ['FEB', 2],
  ['MARS', 3], ['MARCH', 3], ['MAR', 3],
  ['AVRIL', 4], ['APRIL', 4], ['AVR', 4], ['APR', 4],
  ['MAI', 5], ['MAY', 5],
  ['JUIN', 6], ['JUNE', 6], ['JUN', 6],
  ['JUILLET', 7], ['JULY', 7], ['JUIL', 7], ['JUL', 7],
  ['AOUT', 8], ['AUGUST', 8], ['AUG', 8],
  ['SEPTEMBRE', 9], ['SEPTEMBER', 9], ['SEPT', 9], ['SEP', 9],
  ['OCTOBRE', 10], ['OCTOBER', 10], ['OCT', 10],
  ['NOVEMBRE', 11], ['NOVEMBER', 11], ['NOV', 11],
  ['DECEMBRE', 12], ['DECEMBER', 12], ['DEC', 12],
];
const MONTH_OF = new Map(MONTHS);
const MONTH_ALT = MONTHS.map(([m]) => m).sort((a, b) => b.length - a.length).join('|');

const DATE_PATTERNS: { re: RegExp; order: 'ymd' | 'dmy' | 'dMy' | 'Mdy' | 'compact' }[] = [
  { re: /(?<![\d./-])((?:19|20)\d{2})\s?[-/.]\s?(\d{1,2})\s?[-/.]\s?(\d{1,2})(?![./-]?\d)/g, order: 'ymd' },
  { re: /(?<![\d./-])(\d{1,2})\s?[-/.]\s?(\d{1,2})\s?[-/.]\s?(\d{4}|\d{2})(?![./-]?\d)/g, order: 'dmy' },
  { re: new RegExp(String.raw`(?<![A-Z\d])(\d{1,2})(?:ER|ST|ND|RD|TH)?\s?[-./ ]?\s?(${MONTH_ALT})(?![A-Z])\.?\s?[-./ ,]?\s?((?:19|20)?\d{2})(?![\d])`, 'g'), order: 'dMy' },
  { re: new RegExp(String.raw`(?<![A-Z])(${MONTH_ALT})(?![A-Z])\.?\s?(\d{1,2})(?:ST|ND|RD|TH)?,?\s((?:19|20)\d{2})(?!\d)`, 'g'), order: 'Mdy' },
  { re: /(?<!\d)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)/g, order: 'compact' },
];

function validDate(y: number, m: number, d: number): string | null {
  if (y < 1990 || y > 2099 || m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
const fullYear = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y));

interface DateHit {
  iso: string;
  at: number;
  end: number;
  twoDigitYear: boolean;
}

/** Every date of a row (key form). A compact YYYYMMDD date only on a row that says "date". */
export function datesIn(key: string): DateHit[] {
  const hits: DateHit[] = [];
  const taken = (a: number, b: number) => hits.some((h) => a < h.end && b > h.at);
  for (const { re, order } of DATE_PATTERNS) {
    if (order === 'compact' && !/\bDATE/.test(key)) continue;
    for (const m of key.matchAll(re)) {
      const at = m.index!;
      const end = at + m[0].length;
      if (taken(at, end)) continue;
      let iso: string | null = null;
      let two = false;
      if (order === 'ymd' || order === 'compact') iso = validDate(Number(m[1]), Number(m[2]), Number(m[3]));
      else if (order === 'dmy') {
        const a = Number(m[1]);
        const b = Number(m[2]);
        two = m[3]!.length === 2;
        const y = fullYear(m[3]!);
        // day first (France, most of the world); month first only when the day cannot be the second
        iso = validDate(y, b, a) ?? (b > 12 ? validDate(y, a, b) : null);
      } else if (order === 'dMy') {
        two = m[3]!.length === 2;
        iso = validDate(fullYear(m[3]!), MONTH_OF.get(m[2]!)!, Number(m[1]));
      } else if (order === 'Mdy') iso = validDate(Number(m[3]), MONTH_OF.get(m[1]!)!, Number(m[2]));
      if (iso) hits.push({ iso, at, end, twoDigitYear: two });
    }
  }
  return hits.sort((a, b) => a.at - b.at);
}

/** The first date written in a string, as YYYY-MM-DD, or null. */
export function parseDate(s: string): string | null {
  return datesIn(keyOf(s))[0]?.iso ?? null;
}

/** Words that name the document's own date (issue, invoice, purchase). */
const DATE_OF_DOCUMENT = /\b(EMISSION|EMIS|FACTURE|FACTURATION|INVOICE DATE|DATE OF ISSUE|ISSUED?|ACHAT|PURCHASE)\b/;
/** Words before a date that is not the document's: expiry, due, period, entry, arrival, direct debit, delivery, order, quote, deposit… */
const NOT_DOCUMENT_DATE = /\b(EXP|EXPIR\w*|VALID|VALABLE|ECHEANCE|DUE DATE|NAISSANCE|BIRTH|DEPUIS|SINCE|ARRIVEE|ARRIVAL|CHECK[ -]?IN|ENTREE|ENTRY|PERIODE|PERIOD|PRELEV\w*|DEBIT\w*|LIVRAISON|DELIVERY|BON DE COMMANDE|PURCHASE ORDER|DEVIS|QUOTE|RESERVATION|BOOKING|ACOMPTE|DEPOSIT|VERSE)\b/;

function findDate(rows: Row[]): { value: string | null; conf: number } {
  const byIso = new Map<string, { score: number; first: number; count: number; conf: number; two: boolean }>();
  rows.forEach((r, i) => {
    for (const h of datesIn(r.key)) {
      const before = r.key.slice(Math.max(0, h.at - 24), h.at);
      const after = r.key.slice(h.end, h.end + 12);
      let s = 1;
      if (/\bDATE\b|\bDATED?\b|\bLE\s*$|\bDU\s*$|\bON\s*$|\bBIZDATE\b/.test(before) || /\bDATE/.test(r.key)) s += 1.5;
      if (/^\s*(?:A\s)?\s*\d{1,2}\s?[:H]\s?\d{2}/.test(after) || /\d{1,2}:\d{2}/.test(r.key)) s += 1;
      if (DATE_OF_DOCUMENT.test(before)) s += 1;
      if (NOT_DOCUMENT_DATE.test(before)) s -= 1.5;
      const cur = byIso.get(h.iso);
      if (cur) {
        cur.count++;
        cur.score = Math.max(cur.score, s) + 0.25;
      } else byIso.set(h.iso, { score: s, first: i, count: 1, conf: r.conf, two: h.twoDigitYear });
    }
  });
  const ranked = [...byIso.entries()].sort((a, b) => b[1].score - a[1].score || a[1].first - b[1].first);
  if (!ranked.length) return { value: null, conf: 0 };
  const [iso, best] = ranked[0]!;
  let conf = 0.55 + Math.min(0.3, (best.score - 1) * 0.12);
  if (best.two) conf -= 0.05;
  const second = ranked[1]?.[1];
  if (second && second.score >= best.score - 0.5) conf *= 0.75;
  return { value: iso, conf: clamp(conf * (0.55 + 0.45 * best.conf)) };
}

// ————————————————————————————————————————— labels

const has = (re: RegExp, k: string) => re.test(k);
/** Keyword forms with OCR slips: T0TAL, TOTA1… */
const KW = (k: string) => fuzzyKeywords(k.replace(/(?<=[A-Z])[0](?=[A-Z])/g, 'O').replace(/(?<=[A-Z])[1](?=[A-Z])/g, 'I'));

/** The labels that decide a total, as OCR sometimes misreads them by a letter (CAEH, TOTA1, Tatal, RENDJ). */
const LABEL_WORDS = ['TOTAL', 'CASH', 'CHANGE', 'ROUNDING', 'ROUNDED', 'AMOUNT', 'INCLUSIVE', 'EXCLUDING', 'EXCLUSIVE', 'SUBTOTAL', 'RENDU', 'ESPECES', 'MONTANT', 'PAYER', 'TENDERED', 'RECEIVED', 'MONNAIE'];
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
/** The first words of a row (where labels are), corrected to the label they are one letter away from (two for long ones). */
function fuzzyKeywords(k: string): string {
  let seen = 0;
  return k.replace(/[A-Z]{4,}/g, (w) => {
    if (++seen > 3 || LABEL_WORDS.includes(w)) return w;
    for (const l of LABEL_WORDS) {
      const max = l.length >= 8 ? 2 : 1;
      // short labels keep their first letter (WASH is not CASH)
      if ((max === 2 || l[0] === w[0]) && editDistance(w, l, max) <= max) return l;
    }
    return w;
  });
}

const STRONG_TOTAL = new RegExp(
  String.raw`\b(?:` +
    [
      String.raw`TOTAL\s*T\.?T\.?C`,
      String.raw`T\.?T\.?C`,
      String.raw`NET\s*A\s*PAYER`,
      String.raw`A\s*PAYER`,
      String.raw`MONTANT\s*(?:T\.?T\.?C|DU|A\s*REGLER|REGLE|PAYE|TOTAL)`,
      String.raw`TOTAL\s*(?:DUE|PAYABLE|TO\s*PAY|PAID|NETT?|ROUNDED|AMOUNT|AMT|AMNT|INCL\w*|SALES\s*\(?INCL\w*|A\s*REGLER|GENERAL)`,
      String.raw`TOTAL\s*:?\s*\(?(?:EUR|CHF|GBP|USD|RM|€|\$|£)\)?`,
      String.raw`AMOUNT\s*(?:DUE|PAID|PAYABLE)`,
      String.raw`BALANCE\s*DUE`,
      String.raw`GRAND\s*TOTAL`,
      String.raw`NETT?\s*TOTAL`,
      String.raw`ROUNDED\s*TOTAL`,
      String.raw`ROUND\w*\s*D\s*TOTAL`,
      String.raw`PRIX\s*(?:TOTAL|T\.?T\.?C)`,
      String.raw`INCLUSIVE\s*OF\s*(?:GST|VAT|TAX)`,
      String.raw`INCL\.?\s*(?:GST|VAT|TAX)`,
      String.raw`SUMME|GESAMT|BETRAG`,
    ].join('|') +
    String.raw`)(?![A-Z])`,
);
const TOTAL = /\b(TOTAL|TOTAUX|TOTAAL|JUMLAH|TOT)\b|TOTAL/;
const MEDIUM = /\b(MONTANT|PRIX|SOMME|AMOUNT|AMT|NET|NETT|A REGLER|TARIF|FARE|CHARGE)\b/;
const PAYMENT = /\b(CB|C\.B|CARTE|CARTE BANCAIRE|VISA|MASTERCARD|MASTER|MAESTRO|AMEX|AMERICAN EXPRESS|CARD|CREDIT|DEBIT|CONTACTLESS|SANS CONTACT|PAYE|PAID|PAYMENT|PAIEMENT|REGLEMENT|REGLE|KARTE|TWINT|APPLE PAY|GOOGLE PAY|PAYLIB|CHEQUE|TITRE RESTAURANT|TICKET RESTAURANT|EMV|CREDIT CARD)\b/;
const TENDERED = /\b(ESPECES|ESP|CASH|TENDERED|RECEIVED|RECU|CONTANT|BAR|TUNAI|VERSEMENT)\b/;
const CHANGE = /\b(RENDU|RENDUE|MONNAIE|A RENDRE|CHANGE|RUCKGELD|BAKI|CHANGE DUE)\b/;
const SUB = /\b(SOUS[ -]?TOTAL|S\/TOTAL|S-TOTAL|SUB[ -]?TOTAL|SUBTOTAL|SUB TTL|H\.?T\.?|HORS TAXES?|EXCL\w*|EX\.? ?(?:GST|VAT|TAX)|NET HT|BEFORE TAX)\b/;
const TAX = /\b(T\.?V\.?A\.?|VAT|GST|TAX|TAXES|MWST|IVA|BTW|SST|TAXE)\b/;
const NOT_TOTAL = /\b(QTY|QTE|QTE\.|QUANTITE|QUANTITY|ARTICLES?|ARTS?|ITEMS?|NB|NBRE|NOMBRE|PIECES?|PCS|POINTS?|PTS|FIDELITE|CAGNOTTE|AVANTAGES?|ECONOMI\w*|SAVED|SAVING\w*|REMISE|DISCOUNT|DISC|RABAIS|REDUCTION|PROMO\w*|ROUNDING|ROUND\w* ADJ\w*|ARRONDI|ADJ|ADJUSTMENT|SOLDE|BALANCE|DEPOSIT|ACOMPTE|POURBOIRE|TIP|GRATUITY|SERVICE CHARGE|UNITAIRE|UNIT|P\.U\.?|PU|\/L|LITRES?|VOLUME|KG|TAUX|RATE|CAPITAL|FRAIS DE PORT|PORT)\b/;
const TOTAL_ROW_NEG_EXEMPT = /\b(TOTAL\s*T\.?T\.?C|T\.?T\.?C|INCL\w*|INCLUSIVE|NET\s*A\s*PAYER|A\s*PAYER)\b/;

/** A running total over past documents (a statement's year to date): not this document's. */
const RUNNING_TOTAL = /\b(CUMUL\w*|YEAR TO DATE|YTD|DEPUIS LE|SINCE)\b/;

type LabelKind = 'strong' | 'total' | 'payment' | 'medium' | 'tendered' | 'change' | 'sub' | 'tax' | 'other' | 'none';

/** What a row's words say about its amount. */
function labelOf(rawKey: string): LabelKind {
  const k = KW(rawKey);
  const letters = k.replace(/[^A-Z]/g, '');
  if (!letters) return 'none';
  if (has(CHANGE, k)) return 'change';
  if (has(RUNNING_TOTAL, k)) return 'other';
  const strong = has(STRONG_TOTAL, k);
  const exempt = has(TOTAL_ROW_NEG_EXEMPT, k);
  if (has(SUB, k) && !exempt) return 'sub';
  if (has(TAX, k) && !exempt) return 'tax';
  if (has(NOT_TOTAL, k) && !exempt && !strong) return 'other';
  if (strong) return 'strong';
  if (has(TOTAL, k)) return 'total';
  if (has(TENDERED, k)) return 'tendered';
  if (has(PAYMENT, k)) return 'payment';
  if (has(MEDIUM, k)) return 'medium';
  return 'other';
}

/** A row with amounts and no words (but a currency). */
const amountOnly = (r: Row) => amountsIn(r.key).length > 0 && !/[A-Z]{3,}/.test(r.key.replace(new RegExp(CURRENCY_TOKEN, 'g'), ''));

// ————————————————————————————————————————— VAT

const KNOWN_RATES = new Set([2000, 1000, 550, 210, 850, 1300, 700, 1960, 600, 810, 260, 380, 770, 250, 370, 500, 1900, 2100, 1200, 2300, 400]);
const FRENCH_RATES = new Set([2000, 1000, 550, 210, 850, 1300]);
const VAT_CONTEXT = /\b(T\.?V\.?A\.?|VAT|GST|MWST|TAX|TAXE|IVA|BTW|SST|USt)\b/;
const VAT_HEADER = /\b(T\.?V\.?A\.?|VAT|GST|MWST|TAX|TAUX|RATE|SATZ|%)/;
const NOT_VAT = /\b(SERVICE|SERV|SVC|CHARGE|REMISE|DISCOUNT|RABAIS|REDUCTION|PROMO|POURBOIRE|TIP|SOLDES?|OFFERT|ECONOMI\w*|FIDELITE)\b/;

interface VatLine {
  rate: number; // hundredths of a percent
  base: number | null; // cents
  amount: number | null;
  ttc: number | null;
  checked: boolean;
  row: number;
  /** Its rate read through an OCR slip: kept only once the arithmetic checks it. */
  slip?: boolean;
}

const rateFmt = (r: number) => (r % 10 === 0 ? (r / 100).toFixed(1) : (r / 100).toFixed(2));
const vatOf = (base: number, rate: number) => (base * rate) / 10000;
const near = (a: number, b: number, tol = 2) => Math.abs(a - b) <= Math.max(tol, Math.abs(b) * 0.004);

function ratesIn(key: string): { rate: number; at: number; end: number }[] {
  const out: { rate: number; at: number; end: number }[] = [];
  for (const m of key.matchAll(/(?<![\d.,-])(\d{1,2})(?:[.,](\d{1,3}))?\s?%/g)) {
    const dec = (m[2] ?? '').padEnd(2, '0').slice(0, 2);
    const rate = Number(m[1]) * 100 + Number(dec);
    if (rate > 0 && rate <= 2700) out.push({ rate, at: m.index!, end: m.index! + m[0].length });
  }
  return out;
}

/** The header of a table of items (a VAT column there gives each item's rate, not a VAT line)… */
const ITEM_HEADER = /\b(QTE|QTY|QUANTITE|QUANTITY|P\.? ?U\.?|PRIX UNIT\w*|UNIT PRICE|DESIGNATION|LIBELLE|DESCRIPTION|ARTICLES?|REF)\b/;
/** …or words that head either kind of table, unless a VAT summary's own columns are named. */
const ITEM_HEADER_WEAK = /\b(TRAJET|DETAIL|PRESTATIONS?|PRODUITS?|PRODUCTS?|ITEMS?)\b/;
const VAT_SUMMARY_WORDS = /\b(TAUX|BASE|VAT RATE|TAX RATE|RATE VAT|NET|TAXABLE)\b/;
/** An item line of a statement or an invoice: it starts with a date. */
const DATED_LINE = /^\W*\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|^\W*\d{1,2} [A-Z]{3,9}\.? \d{4}\b/;

type Column = 'title' | 'rate' | 'code' | 'base' | 'vat' | 'ttc';
const COLUMN_RE = new RegExp(
  [
    String.raw`\b(?<title>(?:T\.?V\.?A|VAT|GST|TAX) (?:SUMMARY|ANALYSIS|RECAP\w*|DETAIL)|DETAIL DE LA T\.?V\.?A|RECAP\w*)`,
    String.raw`\b(?<rate>(?:VAT|TAX|GST|T\.?V\.?A) ?(?:RATE|%)|TAUX|RATE)|(?<pct>%)`,
    String.raw`\b(?<code>TAX CODE|CODE)`,
    String.raw`\b(?<ttc>(?:TOTAL|MONTANT|PRIX) T\.?T\.?C|T\.?T\.?C|GROSS|BRUT|INCL\w*)`,
    String.raw`\b(?<vat>(?:MONTANT|TOTAL) (?:T\.?V\.?A|TAXE)|(?:VAT|TAX|GST) (?:AMOUNT|AMT)|T\.?V\.?A|VAT|GST|TAX|TAXE)`,
    String.raw`\b(?<base>(?:BASE|MONTANT|TOTAL) (?:HT|H\.T\.?)|NET AMOUNT|AMOUNT EXCL\w*|BASE|MONTANT NET|H\.?T\.?|NET|HORS TAXES?|EXCL\w*|AMOUNT|AMT|TAXABLE)`,
    String.raw`\b(?<total>TOTAL)`,
  ].join('|') + '(?![A-Z])',
  'g',
);
/** The columns a VAT table's header names, left to right ("Taux   Base HT   Montant TVA   Total TTC" → rate, base, vat, ttc). */
function vatColumns(headerKey: string): Column[] {
  const cols: Column[] = [];
  for (const m of headerKey.matchAll(COLUMN_RE)) {
    const g = Object.entries(m.groups!).find(([, v]) => v !== undefined)![0];
    cols.push(g === 'pct' ? 'rate' : g === 'total' ? 'ttc' : (g as Column));
  }
  return cols.filter((c) => c !== 'title');
}

/** A VAT row read by its header's columns: the amounts after the rate fill the money columns in order. */
function byColumns(cols: Column[], rate: number, nums: number[]): Omit<VatLine, 'rate' | 'row'> | null {
  const money = cols.filter((c) => c === 'base' || c === 'vat' || c === 'ttc');
  if (!money.length || money.length !== nums.length || new Set(money).size !== money.length) return null;
  const v = (c: 'base' | 'vat' | 'ttc') => (money.includes(c) ? nums[money.indexOf(c)]! : null);
  let base = v('base');
  let amount = v('vat');
  const ttc = v('ttc');
  // what the table leaves out follows from its TTC column, only where the rate checks it
  if (amount === null && base !== null && ttc !== null && near(vatOf(base, rate), ttc - base)) amount = ttc - base;
  if (base === null && amount !== null && ttc !== null && near((ttc * rate) / (10000 + rate), amount)) base = ttc - amount;
  if (base === null && amount === null) return null;
  const checked = base !== null && amount !== null && near(vatOf(base, rate), amount);
  // columns that do not check out (a header or a row misread): left to the arithmetic
  if (base !== null && amount !== null && !checked) return null;
  return { base, amount, ttc, checked };
}

/** The base printed on a row of its own next to the VAT amount ("VAT @ 20%  £8.95" / "Net  £44.75"), when the rate checks it. */
function baseNearby(rows: Row[], i: number, rate: number, amount: number): number | null {
  for (const j of [i + 1, i - 1]) {
    const r = rows[j];
    if (!r || !/^\W*(NET|H\.?T\.?|BASE|MONTANT NET|MONTANT HT|TOTAL HT|HORS TAXES?|EXCL\w*)\b/.test(KW(r.key)) || ratesIn(r.key).length) continue;
    const am = amountsIn(r.key);
    if (am.length === 1 && near(vatOf(am[0]!.cents, rate), amount, 1)) return am[0]!.cents;
  }
  return null;
}

/** A known rate printed without its "%" ("20,00"), or with it read as a last digit ("10,04", "5,54", "204"). */
function rateOfSlip(n: string): number | null {
  for (const t of [n, n.slice(0, -1)]) {
    const m = /^(\d{1,2})(?:[.,](\d{1,2}))?$/.exec(t.replace(/[.,]$/, ''));
    const rate = m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : 0;
    if (KNOWN_RATES.has(rate)) return rate;
  }
  return null;
}

/**
 * A VAT row with a figure missing or unreadable, under a header with one column per cell: each
 * amount read by the column of its cell, when the row has as many cells as the header.
 */
function byCells(cellColumns: Column[][], rate: number, key: string): Omit<VatLine, 'rate' | 'row'> | null {
  const cells = cellsOf(key);
  if (cells.length !== cellColumns.length || cellColumns.some((c) => c.length !== 1)) return null;
  const money: Column[] = [];
  const nums: number[] = [];
  cells.forEach((c, j) => {
    const am = amountsIn(c);
    const col = cellColumns[j]![0]!;
    if (am.length === 1 && (col === 'base' || col === 'vat' || col === 'ttc')) {
      money.push(col);
      nums.push(am[0]!.cents);
    }
  });
  return byColumns(money, rate, nums);
}

function findVat(rows: Row[]): VatLine[] {
  const lines: VatLine[] = [];
  let tableUntil = -1; // rows up to this index belong to a VAT table whose header was seen
  let headerHasPct = false;
  let columns: Column[] = [];
  let cellColumns: Column[][] = []; // the header's columns, cell by cell
  let items = false; // inside a table of items, until a VAT table or a total
  rows.forEach((r, i) => {
    const k = KW(r.key);
    const amounts0 = amountsIn(r.key);
    const itemHeader = !amounts0.length && (ITEM_HEADER.test(k) || (ITEM_HEADER_WEAK.test(k) && !VAT_SUMMARY_WORDS.test(k)));
    // a header: VAT words and no amounts
    if (!amounts0.length && VAT_HEADER.test(k) && /[A-Z]{2,}/.test(k) && !/\d\s?%/.test(k) && !itemHeader) {
      tableUntil = i + 6;
      headerHasPct = /%|TAUX|RATE|SATZ/.test(k);
      columns = vatColumns(k);
      cellColumns = cellsOf(k).map(vatColumns);
      items = false;
    }
    if (itemHeader) items = true;
    else if (items && amounts0.length && ['strong', 'total', 'sub', 'tax'].includes(labelOf(r.key))) items = false;
    if (items || DATED_LINE.test(k)) return;
    if (has(NOT_VAT, k) && !has(VAT_CONTEXT, k)) return;
    let rates = ratesIn(r.key);
    const inTable = i <= tableUntil;
    if (!rates.length && inTable && headerHasPct && amounts0.length >= 1 && !/^\s*TOTAL/.test(k)) {
      // a table row whose rate is written without "%": its first number (after a code) when it is a known rate
      const m = /^(?:[A-Z0-9]{1,2}\s+)?(\d{1,2})(?:[.,](\d{1,2}))?(?=\s)/.exec(r.key);
      const rate = m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : 0;
      const first = amounts0[0]!;
      if (m && KNOWN_RATES.has(rate)) rates = [{ rate, at: m[0].length - m[1]!.length - (m[2] === undefined ? 0 : m[2].length + 1), end: m[0].length }];
      else if (amounts0.length >= 2 && KNOWN_RATES.has(first.cents)) rates = [{ rate: first.cents, at: first.at, end: first.end }];
    } else if (!rates.length && inTable && amounts0.length === 3 && KNOWN_RATES.has(amounts0[0]!.cents) && !/^\s*TOTAL/.test(k)) {
      // a header without "%" ("CODE AMOUNT TAX"): a row "SR 6.00 144.68 8.68" whose base × rate gives its amount
      const [first, b, a] = amounts0 as [Amount, Amount, Amount];
      if (a.cents > 0 && near(vatOf(b.cents, first.cents), a.cents, 1)) rates = [{ rate: first.cents, at: first.at, end: first.end }];
    }
    // a rate whose "%" was lost or read as a digit ("TVA 20,00   2,30", "TVA 10,04   1,15"): to be checked by the arithmetic
    let slip = false;
    const pct = rates.length ? null : /\b(?:T\.?V\.?A|VAT|GST)\.?\s?(\d{1,2}(?:[.,]\d{1,2})?)(?=[\s:]|$)/.exec(r.key);
    const slipRate = pct ? rateOfSlip(pct[1]!) : null;
    if (pct && slipRate !== null) {
      rates = [{ rate: slipRate, at: pct.index + pct[0].length - pct[1]!.length, end: pct.index + pct[0].length }];
      slip = true;
    }
    if (rates.length !== 1) return;
    // no VAT word and no table: only a row that starts with its rate, and whose figures check out (below)
    const bareRow = !has(VAT_CONTEXT, k) && !inTable;
    if (bareRow && r.key.slice(0, rates[0]!.at).trim()) return;
    if (/^\W*TOTAL/.test(k) && !has(VAT_CONTEXT, k)) return;
    // "Total includes GST 6% 9.00", "TOTAL TTC (dont TVA 20 %) 12,00": a total, not a VAT line
    if (/^\W*(TOTAL|NET|MONTANT|PRIX)/.test(k) && /\b(INCL\w*|T\.?T\.?C)\b/.test(k)) return;
    const { rate, at, end } = rates[0]!;
    // a discount written as "-10 %" is not a rate
    if (/-\s*$/.test(r.key.slice(0, at))) return;
    const nums = amountsIn(r.key).filter((a) => a.end <= at || a.at >= end).map((a) => a.cents).filter((c) => c >= 0);
    let split = (inTable && (byColumns(columns, rate, nums) ?? byCells(cellColumns, rate, r.key))) || splitVat(rate, nums, r.key, at);
    // a decimal separator OCR lost ("57400   11480"): digits read as cents, only when the rate checks them
    const bare = [...r.key.matchAll(/(?<![\d.,'])\d{3,7}(?![\d.,'%])/g)].filter((m) => m.index! > end).map((m) => Number(m[0]));
    if (!split.checked && bare.length) {
      const alt = splitVat(rate, [...nums, ...bare], '', 0);
      if (alt.checked) split = alt;
    }
    if (bareRow && !split.checked) return;
    // a row that starts with words, in a table whose header did not say "items": an item unless its figures check out
    if (inTable && !split.checked && !has(VAT_CONTEXT, k) && textCell(cellsOf(r.key)[0]!)) return;
    const base = split.base === null && split.amount !== null ? baseNearby(rows, i, rate, split.amount) : null;
    if (base !== null) split = { ...split, base, checked: true };
    lines.push({ ...split, rate, row: i, slip });
    if (inTable) tableUntil = Math.max(tableUntil, i + 3);
  });
  // the same line printed twice (a summary repeated): once
  const out: VatLine[] = [];
  for (const l of lines) {
    const same = out.find((o) => o.rate === l.rate && (o.amount === l.amount || o.amount === null || l.amount === null) && (o.base === l.base || o.base === null || l.base === null));
    if (!same) out.push(l);
    else if (completeness(l) > completeness(same)) out.splice(out.indexOf(same), 1, l);
  }
  // one line per rate, ascending, whatever order the receipt prints them in
  return out.sort((a, b) => a.rate - b.rate);
}
const completeness = (l: VatLine) => (l.checked ? 4 : 0) + (l.base !== null ? 1 : 0) + (l.amount !== null ? 1 : 0);

function splitVat(rate: number, nums: number[], key: string, rateAt: number): Omit<VatLine, 'rate' | 'row'> {
  // base and amount among the numbers, checked by the rate (the base printed before the amount, mostly)
  for (let i = 0; i < nums.length; i++)
    for (let j = 0; j < nums.length; j++) {
      if (i === j) continue;
      const b = nums[i]!;
      const a = nums[j]!;
      if (a < b && a > 0 && near(vatOf(b, rate), a)) {
        const ttc = nums.find((t) => near(t, a + b, 1)) ?? null;
        if (i < j || ttc !== null || nums.length === 2) return { base: b, amount: a, ttc, checked: true };
      }
    }
  // amount and the total including VAT: base = TTC − VAT
  for (const t of nums)
    for (const a of nums)
      if (a < t && a > 0 && near((t * rate) / (10000 + rate), a)) return { base: t - a, amount: a, ttc: t, checked: true };
  // base and the total including VAT, the VAT amount not printed (or not read): VAT = TTC − base
  for (const b of nums)
    for (const t of nums)
      if (b < t && b > 0 && near(vatOf(b, rate), t - b)) return { base: b, amount: t - b, ttc: t, checked: true };
  if (nums.length === 1) {
    const n = nums[0]!;
    // "TVA 20% sur 8,33" / "base 8,33": a base; otherwise the VAT amount
    if (/\b(SUR|BASE|HT|H\.T|ON|NET)\b[^\d]*$/.test(key.slice(rateAt).split(/\d/)[0] ?? '')) return { base: n, amount: null, ttc: null, checked: false };
    return { base: null, amount: n, ttc: null, checked: false };
  }
  if (nums.length >= 2) {
    // unchecked: trust the order of a "rate base amount" row only when the amount is smaller
    const [b, a] = nums as [number, number];
    if (a < b) return { base: b, amount: a, ttc: null, checked: false };
  }
  return { base: null, amount: null, ttc: null, checked: false };
}

// ————————————————————————————————————————— total

interface Candidate {
  cents: number;
  row: number;
  /** Weight of its label: 6 strong (TOTAL TTC, NET A PAYER…), 4 TOTAL, 3 a card payment, 2 a weaker word (MONTANT, PRIX), 0 none. */
  weight: number;
  conf: number;
}

/** Rows of VAT tables (their header, their lines, their own total row): not where the amount paid is. */
function vatTableRows(rows: Row[], vat: VatLine[]): Set<number> {
  const out = new Set(vat.map((v) => v.row));
  let region = -1;
  rows.forEach((r, i) => {
    const k = KW(r.key);
    const n = amountsIn(r.key).length;
    if (!n && VAT_HEADER.test(k) && /[A-Z]{2,}/.test(k) && !STRONG_TOTAL.test(k)) region = i + 4;
    if (out.has(i) || (i <= region && n >= 2)) region = Math.max(region, i + 2); // the table goes on while its rows do
    // the table's total row: "TOTAL : 26.00 1.56", "Total 194,55 19,45 214,00"
    if (i <= region && /^\W*TOTAL/.test(k) && n >= 2 && !STRONG_TOTAL.test(k)) out.add(i);
  });
  return out;
}

function findTotal(rows: Row[], vat: VatLine[]) {
  const labels = rows.map((r) => labelOf(r.key));
  const rowAmounts = rows.map((r) => amountsIn(r.key));
  const skip = vatTableRows(rows, vat);

  const cands: Candidate[] = [];
  const tendered: number[] = [];
  const change: number[] = [];
  const subs: number[] = [];
  const taxes: number[] = [];
  const preTax: number[] = [];
  const added: number[] = [];
  const deposits: number[] = [];
  const rounding: number[] = [];
  const service: number[] = [];
  const taxRows: number[] = [];
  const weight = { strong: 6, total: 4, payment: 3, medium: 2 } as const;
  rows.forEach((r, i) => {
    if (skip.has(i)) return;
    const kind = labels[i]!;
    let am = rowAmounts[i]!;
    let w = 0;
    // a label alone on its row: its amount is on the next row
    if (!am.length && kind !== 'none' && kind !== 'other' && rows[i + 1] && amountOnly(rows[i + 1]!) && !skip.has(i + 1) && !/%/.test(rows[i + 1]!.key)) {
      am = rowAmounts[i + 1]!;
      w = -0.5;
    }
    const k = KW(r.key);
    if (labels[i] === 'tax' && !STRONG_TOTAL.test(k)) taxRows.push(i);
    if (!am.length) return;
    const value = am[am.length - 1]!.cents; // the amount column is on the right
    if (/\b(ROUNDING|ROUND\w* ADJ\w*|ARRONDI|ADJ\w*)\b/.test(k) && !STRONG_TOTAL.test(k)) rounding.push(value);
    // a few cents taken off (less than 0.05) and nothing else on the row says otherwise: a rounding whose label was misread
    else if (value < 0 && value > -5 && am.length === 1 && (kind === 'other' || kind === 'none') && !NOT_TOTAL.test(k)) rounding.push(value);
    else if (/\bSERVICE\b/.test(k) && !TAX.test(k) && !STRONG_TOTAL.test(k) && value > 0) service.push(value);
    // what is added after a total (rounding, a tip) or was paid before it (a deposit)
    if (/\b(ROUNDING|ROUND\w* ADJ\w*|ARRONDI|ADJ\w*|POURBOIRE|TIP|TIPS|GRATUITY|SERVICE)\b/.test(k) && !STRONG_TOTAL.test(k)) added.push(value);
    if (/\b(ACOMPTE|ACOMPTES|ARRHES|AVANCE|DEPOSIT|DEJA (?:REGLE|PAYE|VERSE)|PREPAID|PREPAYE)\b/.test(k)) deposits.push(Math.abs(value));
    if (value <= 0) return;
    if (kind === 'tendered') tendered.push(value);
    else if (kind === 'change') change.push(value);
    else if (kind === 'sub') {
      subs.push(value);
      if (/\b(H\.?T\.?|HORS TAXES?|EXCL\w*|EX|EXCLUSIVE|BEFORE TAX|NET HT)\b/.test(k)) preTax.push(value);
    }
    else if (kind === 'tax') taxes.push(value);
    else if (kind in weight) cands.push({ cents: value, row: i, weight: weight[kind as keyof typeof weight] + w, conf: r.conf });
    // no label, or one that says nothing: only arithmetic can make it the total
    else if (kind === 'none' || (kind === 'other' && !NOT_TOTAL.test(k))) cands.push({ cents: value, row: i, weight: amountOnly(r) && i > 0 && /ROUND|ARRONDI|ADJ/.test(KW(rows[i - 1]!.key)) ? 3 : 0, conf: r.conf });
  });

  // evidence, per amount
  const byValue = new Map<number, { score: number; rows: number[]; weights: number[]; conf: number; support: string[] }>();
  for (const c of cands) {
    const e = byValue.get(c.cents);
    if (e) {
      e.rows.push(c.row);
      e.weights.push(c.weight);
      e.conf = Math.max(e.conf, c.conf);
    } else byValue.set(c.cents, { score: 0, rows: [c.row], weights: [c.weight], conf: c.conf, support: [] });
  }
  const labelled = [...byValue.keys()].filter((v) => Math.max(...byValue.get(v)!.weights) >= 2);
  const vatTotal = vat.length && vat.every((v) => v.base !== null && v.amount !== null) ? vat.reduce((s, v) => s + v.base! + v.amount!, 0) : null;
  const ttcTotal = vat.length && vat.every((v) => v.ttc !== null) ? vat.reduce((s, v) => s + v.ttc!, 0) : null;
  // the invoice total unread, but its VAT lines add up to the balance plus the deposit printed: that total
  const whole = vatTotal ?? ttcTotal;
  const balance = whole === null ? undefined : labelled.find((t) => deposits.some((d) => d > 0 && t + d === whole));
  if (whole !== null && balance !== undefined && !byValue.has(whole)) {
    const b = byValue.get(balance)!;
    byValue.set(whole, { score: 0, rows: [...b.rows], weights: [4], conf: b.conf, support: [] });
    labelled.push(whole);
  }
  // cash handed over with change given back: what was paid is no more than the cash
  const cashPaid = tendered.filter((t) => change.some((c) => c > 0 && c < t));
  for (const [cents, e] of byValue) {
    const ws = [...e.weights].sort((a, b) => b - a);
    e.score = ws[0]! + ws.slice(1, 3).reduce((s, k) => s + Math.min(1, k / 4), 0);
    if (tendered.some((t) => change.some((c) => c > 0 && t - c === cents))) {
      e.score += 3;
      e.support.push('cash − change');
    } else if (tendered.includes(cents) && (change.includes(0) || !change.length)) {
      e.score += 1;
      e.support.push('cash');
    }
    if (cashPaid.length && cents > Math.max(...cashPaid)) e.score -= 4;
    if ((vatTotal !== null && near(vatTotal, cents, vat.length)) || (ttcTotal !== null && near(ttcTotal, cents, vat.length))) {
      e.score += 2;
      e.support.push('VAT lines');
    }
    if (subs.some((s) => taxes.some((t) => s + t === cents) || vat.some((v) => v.amount !== null && s + v.amount === cents))) {
      e.score += 2.5;
      e.support.push('HT + TVA');
    }
    if (added.some((r) => r !== 0 && labelled.some((t) => t !== cents && t + r === cents))) {
      e.score += 2.5;
      e.support.push('total + rounding or tip');
    }
    // …and the total before them is superseded
    if (added.some((r) => r !== 0 && byValue.has(cents + r) && labelled.includes(cents))) e.score -= 3;
    // the amount before tax, when tax is charged, is not what was paid
    if (preTax.includes(cents) && (taxes.some((t) => t > 0) || vat.some((v) => (v.amount ?? 0) > 0))) e.score -= 2.5;
    // the balance left once a deposit is deducted is not what this document cost
    if (deposits.some((d) => d > 0 && labelled.some((t) => t - d === cents))) e.score -= 3;
    if (deposits.some((d) => d > 0 && labelled.some((t) => cents - d === t))) {
      e.score += 1.5;
      e.support.push('balance + deposit');
    }
  }
  // the amount with most evidence; on a tie, the later row (a total after service, tax and rounding is the final one)
  const ranked = [...byValue.entries()].filter(([, e]) => e.score >= 2).sort((a, b) => b[1].score - a[1].score || Math.max(...b[1].rows) - Math.max(...a[1].rows));
  if (!ranked.length) return { value: null, conf: 0, row: null, subs, taxes };
  let [cents, best] = ranked[0]!;
  // the total misread (one digit, or its leading digits lost) while the receipt's own arithmetic —
  // subtotal + service + a tax that its rate checks + rounding — gives an amount the misreading fits
  if (!best.support.length) {
    const sums = arithmeticTotals(rows, subs, service, rounding, taxRows, vat);
    const fits = sums.filter((s) => s !== cents && ranked.some(([c, e]) => Math.max(...e.weights) >= 4 && misreadOf(c, s)));
    if (fits.length === 1) {
      const read = ranked.find(([c, e]) => Math.max(...e.weights) >= 4 && misreadOf(c, fits[0]!))![1];
      cents = fits[0]!;
      best = { ...read, support: ['arithmetic'], conf: Math.min(read.conf, 0.6) };
    }
  }
  const top = Math.max(...best.weights);
  let conf = top >= 6 ? 0.7 : top >= 4 ? 0.6 : top >= 3 ? 0.5 : top >= 2 ? 0.4 : 0.35;
  conf += Math.min(0.15, 0.07 * (best.rows.length - 1));
  conf += Math.min(0.25, 0.15 * best.support.length);
  const second = ranked[1]?.[1];
  if (second && second.score >= best.score - 0.5) conf *= 0.7;
  else if (second && second.score >= best.score - 1.5) conf *= 0.9;
  return { value: cents, conf: clamp(conf * (0.55 + 0.45 * best.conf)), row: best.rows[0]!, subs, taxes };
}

/**
 * What the receipt's arithmetic says the total is: a subtotal (before tax), plus a service charge,
 * plus the tax — kept only when a rate (printed on its row, on a VAT line, or a known rate when
 * none is printed) checks it against the subtotal and service — plus a rounding adjustment.
 * A tax whose decimal separator was lost ("637") is read as cents when the rate checks it.
 */
function arithmeticTotals(rows: Row[], subs: number[], service: number[], rounding: number[], taxRows: number[], vat: VatLine[]): number[] {
  const out = new Set<number>();
  const bases = new Set<number>(subs);
  const vatBase = vat.length && vat.every((v) => v.checked && v.base !== null && v.amount !== null) ? vat.reduce((s, v) => s + v.base!, 0) : null;
  if (vatBase !== null) bases.add(vatBase);
  const services = [0, ...service];
  const printedRounds = rounding.filter((r) => Math.abs(r) < 100);
  const rounds = printedRounds.length ? printedRounds : [0]; // a rounding printed is part of the sum
  for (const base of bases)
    for (const sv of services) {
      const taxed = base + sv;
      const taxes = new Set<number>();
      if (vatBase !== null && base === vatBase && sv === 0) taxes.add(vat.reduce((s, v) => s + v.amount!, 0));
      // a single VAT line's amount, when its rate checks it against this base
      if (vat.length === 1 && vat[0]!.amount !== null && Math.abs(vatOf(taxed, vat[0]!.rate) - vat[0]!.amount) <= 1) taxes.add(vat[0]!.amount);
      for (const i of taxRows) {
        const key = rows[i]!.key;
        const printed = ratesIn(key).map((r) => r.rate);
        const rates = printed.length ? printed : vat.length ? vat.map((v) => v.rate) : [...KNOWN_RATES];
        const nums = amountsIn(key).map((a) => a.cents).filter((c) => c > 0);
        if (!nums.length) nums.push(...[...key.matchAll(/(?<![\d.,'%])\d{3,6}(?![\d.,'%])/g)].map((m) => Number(m[0])));
        for (const t of nums) if (rates.some((rate) => Math.abs(vatOf(taxed, rate) - t) <= 1)) taxes.add(t);
      }
      for (const t of taxes) for (const r of rounds) out.add(taxed + t + r);
    }
  return [...out].filter((c) => c > 0);
}

/** Whether `read` is `real` misread: one digit wrong, or its leading digits lost (at least three kept). */
function misreadOf(read: number, real: number): boolean {
  const a = String(read);
  const b = String(real);
  if (a.length === b.length) return [...a].filter((ch, i) => ch !== b[i]).length === 1;
  return a.length >= 3 && a.length < b.length && b.endsWith(a);
}

// ————————————————————————————————————————— merchant

const NOT_MERCHANT = new RegExp(
  [
    String.raw`\b(TEL|TEL\.|TELEPHONE|PHONE|FAX|MOBILE|GSM|HP|WWW|HTTP|HTTPS|EMAIL|E-MAIL|MAIL)\b`,
    String.raw`@|\.COM\b|\.FR\b|\.CH\b`,
    String.raw`\b(SIRET|SIREN|RCS|APE|NAF|NIF|TVA|VAT|GST|CAPITAL|INTRACOM\w*|N[°O] ?TVA|REG\.? ?NO|CO\.? ?NO|COMPANY NO|ROC|BRN)\b`,
    String.raw`\b(TICKET|FACTURE|INVOICE|RECEIPT|RECU|QUITTANCE|NOTE|ADDITION|CASH ?BILL|BILL|DUPLICATA|COPIE|COPY|BIENVENUE|WELCOME|MERCI|THANK|CAISSE|CAISSIER|CASHIER|TABLE|SERVEUR|SERVER|COUVERTS?|DOCUMENT|COMMANDE|ORDER|CLIENT|CUSTOMER|MEMBER|DATE|HEURE|TIME|TERMINAL|SIMPLIFIED|TAX INVOICE|GUEST CHECK)\b`,
    String.raw`\b(RUE|AVENUE|AV|BD|BOULEVARD|PLACE|PL|CHEMIN|ROUTE|RTE|ALLEE|QUAI|IMPASSE|COURS|CEDEX|ZI|ZAC|ZA|LIEU[ -]DIT|JALAN|JLN|LORONG|TAMAN|PERSIARAN|LEBUH|ROAD|STREET|LANE|AVE|BLVD|BLOCK|LOT|FLOOR|LEVEL|ETAGE)\b`,
    String.raw`\b\d{5}\b`,
  ].join('|'),
);
/** A company's legal form ending its name (the registered name, which SROIE labels as the company). */
const LEGAL_FORM = /\b(SDN\.? ?[B8]HD\.?|BHD\.?|S\/B|ENTERPRISES?|TRADING|LTD\.?|LIMITED|INC\.?|PLC|LLC|GMBH|CORP\.?|CORPORATION)(?![A-Z])/;
/** Words that name a kind of business. */
const BUSINESS = /\b(RESTAURANT|RESTORAN|CAFE|BISTRO|HOTEL|BOULANGERIE|PATISSERIE|PHARMACIE|BRASSERIE|SUPERMARCHE|MARKET|MARCHE|STATION|GARAGE|TAXI|PARKING|HARDWARE|STATIONERY|MART)\b/;
/** A registration number in brackets after the name: "(126926-H)", "(CO.REG : 933109-X)". */
const REG_NUMBER = /\(\s*(?:CO\.?\s*REG\.?\s*(?:NO\.?)?\s*:?\s*)?[\w.-]*\d[\w.-]*\s*(?:\)|$)/gi;
/** Where the header ends and the document begins: a name printed below (a customer's) is not the merchant's. */
const DOCUMENT_START = /\b(INVOICE|RECEIPT|FACTURE|TICKET|CASH ?BILL|GUEST CHECK|CASHIER|CAISSIER|CAISSE|TABLE|SERVEUR|DOCUMENT|COMMANDE|ORDER)\b/;

function findMerchant(rows: Row[]): { value: string | null; conf: number } {
  // a name wrapped over two rows: "HOME MASTER HARDWARE &" / "ELECTRICAL"
  const top: Row[] = [];
  for (const r of rows.slice(0, 10)) {
    const prev = top[top.length - 1];
    if (prev && /[&+-]$/.test(prev.raw) && !/\d/.test(r.raw)) top[top.length - 1] = { ...prev, raw: `${prev.raw} ${r.raw}`, key: `${prev.key} ${r.key}`, conf: Math.min(prev.conf, r.conf) };
    else top.push(r);
  }
  let best: { text: string; score: number; conf: number } | null = null;
  let body = false;
  top.forEach((r, i) => {
    const inBody = body || datesIn(r.key).length > 0;
    if (DOCUMENT_START.test(KW(r.key)) || datesIn(r.key).length) body = true;
    if (r.conf < 0.5) return; // what OCR could not read well (a logo, a stamp, handwriting)
    const text = r.raw
      .replace(REG_NUMBER, ' ')
      .replace(/^[\s*#|_~=.:,;'"\-–—>]+|[\s*#|_~=:,;'"\-–—<]+$/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    const k = KW(keyOf(text));
    const letters = (text.match(/\p{L}/gu) ?? []).length;
    const digits = (text.match(/\d/g) ?? []).length;
    if (letters < 3 || letters < 0.6 * text.replace(/\s/g, '').length || digits > 4) return;
    if (NOT_MERCHANT.test(k) && !LEGAL_FORM.test(k)) return;
    if (datesIn(k).length || amountsIn(k).length) return;
    // short words of 1–2 letters only: OCR noise
    if (!text.split(' ').some((w) => w.length >= 3)) return;
    let s = 2 - i * 0.4;
    if (text === text.toUpperCase()) s += 1;
    else if (text === text.toLowerCase()) s -= 3; // merchants print their names in capitals or title case
    if (LEGAL_FORM.test(k)) s += 2.5;
    else if (BUSINESS.test(k)) s += 0.2;
    if (r.size > 1.25) s += 0.8;
    if (inBody) s -= 2;
    s -= (1 - r.conf) * 2;
    if (!best || s > best.score) best = { text, score: s, conf: r.conf };
  });
  const b = best as { text: string; score: number; conf: number } | null;
  if (!b || b.score < 0) return { value: null, conf: 0 };
  return { value: b.text, conf: clamp((0.35 + Math.min(0.4, Math.max(0, b.score) * 0.1)) * (0.5 + 0.5 * b.conf)) };
}

/**
 * One VAT line that does not check out (a digit misread) while the others do: its base is the HT
 * total less the other bases and its amount the VAT total less the other amounts — kept only
 * when the rate checks the two against each other.
 */
function mendFromTotals(vat: VatLine[], subs: number[], taxes: number[]): VatLine[] {
  const bad = vat.filter((v) => !v.checked);
  if (bad.length !== 1 || vat.some((v) => v.checked && (v.base === null || v.amount === null))) return vat;
  const b = bad[0]!;
  const others = vat.filter((v) => v !== b);
  const otherBases = others.reduce((s, v) => s + v.base!, 0);
  const otherAmounts = others.reduce((s, v) => s + v.amount!, 0);
  for (const sub of subs)
    for (const tax of taxes) {
      const base = sub - otherBases;
      const amount = tax - otherAmounts;
      if (base > 0 && amount > 0 && near(vatOf(base, b.rate), amount, 1)) return vat.map((v) => (v === b ? { ...v, base, amount, checked: true } : v));
    }
  return vat;
}

// ————————————————————————————————————————— all fields

const clamp = (x: number) => Math.round(Math.min(1, Math.max(0, x)) * 100) / 100;

export function extractFields(input: ExtractInput): OcrFields {
  const rows = toRows(input);
  let vat = findVat(rows);
  const total = findTotal(rows, vat);

  // one VAT line without its base ("dont TVA 20 % 2,07"): the HT subtotal is its base, or else
  // the total less the VAT — either only when the rate checks out (no untaxed part, no other rate)
  if (vat.length === 1 && vat[0]!.base === null && vat[0]!.amount !== null) {
    const v = vat[0]!;
    const base = total.subs.find((s) => near(vatOf(s, v.rate), v.amount!, 1)) ?? (total.value !== null && near(vatOf(total.value - v.amount!, v.rate), v.amount!, 1) ? total.value - v.amount! : undefined);
    if (base !== undefined) vat = [{ ...v, base, checked: true }];
  }
  vat = mendFromTotals(vat, total.subs, total.taxes).filter((v) => v.checked || !v.slip);

  const currency = findCurrency(rows, total.row, input.defaultCurrency ?? null);
  const date = findDate(rows);
  const merchant = findMerchant(rows);

  let vatConf = 0;
  let totalConf = total.conf;
  if (vat.length) {
    const each = vat.map((v) => (v.checked ? 0.85 : v.base !== null && v.amount !== null ? 0.5 : v.amount !== null ? 0.55 : 0.3) * (FRENCH_RATES.has(v.rate) || KNOWN_RATES.has(v.rate) ? 1 : 0.8) * (0.55 + 0.45 * rows[v.row]!.conf));
    vatConf = each.reduce((s, c) => s + c, 0) / each.length;
    if (total.value !== null && vat.every((v) => v.base !== null && v.amount !== null)) {
      const sum = vat.reduce((s, v) => s + v.base! + v.amount!, 0);
      if (near(sum, total.value, vat.length)) {
        vatConf += 0.12;
        totalConf = Math.max(totalConf, Math.min(1, total.conf + 0.05));
      }
    }
  }

  return {
    merchant: merchant.value,
    date: date.value,
    total: total.value === null ? null : formatCents(total.value),
    currency: currency.value,
    vat: vat.map((v) => ({ rate: rateFmt(v.rate), base: v.base === null ? null : formatCents(v.base), amount: v.amount === null ? null : formatCents(v.amount) })),
    confidence: { merchant: merchant.conf, date: date.conf, total: clamp(totalConf), currency: clamp(currency.conf), vat: clamp(vatConf) },
  };
}
