// French A4 documents of the service (vault certificates, the end-of-contract destruction
// certificate) drawn with pdf-lib's standard fonts (WinAnsi: French accents are fine, anything else
// is replaced), every value real text that can be selected and copied — hashes in Courier, cut into
// lines of whole hex digits.
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';

export const A4: [number, number] = [595.28, 841.89];
export const MARGIN = 50;
export const BOTTOM = 60; // above the footer
export const WIDTH = A4[0] - 2 * MARGIN;
export const LABEL_W = 150;
export const VALUE_X = MARGIN + LABEL_W;
export const VALUE_W = WIDTH - LABEL_W;

export const INK = rgb(0.11, 0.11, 0.13);
export const GREY = rgb(0.42, 0.42, 0.46);
export const RULE = rgb(0.82, 0.82, 0.85);
export const ACCENT = rgb(0.11, 0.27, 0.52);
export const SHADE = rgb(0.94, 0.95, 0.97);
export const GREEN = rgb(0.08, 0.48, 0.2);
export const RED = rgb(0.74, 0.1, 0.1);

/** Characters WinAnsi cannot encode that have a close equivalent. */
const REPLACE: Record<string, string> = {
  '\u202f': '\u00a0', '\u2009': ' ', '\u2007': ' ', '\u2002': ' ', '\u2003': ' ', '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2212': '-',
  '\u2192': '->', '\u2190': '<-', '\u2194': '<->', '\u2713': 'OK', '\u2714': 'OK', '\u2717': 'X', '\u2718': 'X', '\u2264': '<=', '\u2265': '>=', '\u2260': '!=', '\u2026': '...',
};

export type Font = 'regular' | 'bold' | 'italic' | 'mono';
export interface Run {
  x: number;
  /** Baseline, down from the block's top. */
  dy: number;
  text: string;
  font: Font;
  size: number;
  color: RGB;
}
export interface Block {
  runs: Run[];
  height: number;
}

export class Writer {
  private pages: PDFPage[] = [];
  private page!: PDFPage;
  y = 0;
  private constructor(
    readonly pdf: PDFDocument,
    private readonly fonts: Record<Font, PDFFont>,
    private readonly charset: Set<number>,
    private readonly footer: string,
    private readonly brand: string,
    /** Drawn at the top of each page after the first (a table's header). */
    public continuation?: () => void,
  ) {}

  static async create(meta: { title: string; subject: string; date: string; footer: string; /** The small heading above each title, e.g. « coffre-fort d’archivage ». */ brand: string }): Promise<Writer> {
    const pdf = await PDFDocument.create();
    const [regular, bold, italic, mono] = await Promise.all([StandardFonts.Helvetica, StandardFonts.HelveticaBold, StandardFonts.HelveticaOblique, StandardFonts.Courier].map((f) => pdf.embedFont(f)));
    const date = new Date(meta.date);
    pdf.setTitle(meta.title, { showInWindowTitleBar: true });
    pdf.setSubject(meta.subject);
    pdf.setAuthor('Justif');
    pdf.setCreator(`Justif — ${meta.brand}`);
    pdf.setProducer('Justif (pdf-lib)');
    pdf.setLanguage('fr-FR');
    if (!Number.isNaN(date.getTime())) {
      pdf.setCreationDate(date);
      pdf.setModificationDate(date);
    }
    const w = new Writer(pdf, { regular: regular!, bold: bold!, italic: italic!, mono: mono! }, new Set(regular!.getCharacterSet()), meta.footer, meta.brand);
    w.newPage();
    return w;
  }

  /** The text with what WinAnsi cannot encode replaced (close equivalents, else '?'). */
  clean(s: string): string {
    let out = '';
    for (const ch of s.normalize('NFC').replace(/[\r\n\t]+/g, ' ')) {
      const r = REPLACE[ch] ?? ch;
      for (const c of r) out += this.charset.has(c.codePointAt(0)!) ? c : '?';
    }
    return out;
  }

  width(s: string, font: Font, size: number) {
    return this.fonts[font].widthOfTextAtSize(s, size);
  }

  /** Lines of at most `max` points: words kept whole where they fit, cut where they do not (hashes, ids). */
  wrap(s: string, font: Font, size: number, max: number): string[] {
    const text = this.clean(s);
    if (font === 'mono') {
      const per = Math.max(1, Math.floor(max / this.width('0', 'mono', size)));
      const out: string[] = [];
      for (const word of text.split(' ')) {
        const last = out.length ? out[out.length - 1]! : undefined;
        if (last !== undefined && last.length + 1 + word.length <= per) out[out.length - 1] = `${last} ${word}`;
        else for (let i = 0; i < Math.max(word.length, 1); i += per) out.push(word.slice(i, i + per));
      }
      return out;
    }
    const lines: string[] = [];
    let line = '';
    for (const word of text.split(' ')) {
      const candidate = line ? `${line} ${word}` : word;
      if (this.width(candidate, font, size) <= max) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      line = word;
      while (this.width(line, font, size) > max && line.length > 1) {
        let n = line.length - 1;
        while (n > 1 && this.width(line.slice(0, n), font, size) > max) n--;
        lines.push(line.slice(0, n));
        line = line.slice(n);
      }
    }
    lines.push(line);
    return lines;
  }

  /** Lines of text as runs from `dy` on; returns the new dy. */
  lines(runs: Run[], s: string, o: { x: number; dy: number; font: Font; size: number; color?: RGB; max: number; leading?: number }): number {
    const leading = o.leading ?? o.size * 1.35;
    let dy = o.dy;
    for (const l of this.wrap(s, o.font, o.size, o.max)) {
      dy += leading;
      runs.push({ x: o.x, dy: dy - leading * 0.25, text: l, font: o.font, size: o.size, color: o.color ?? INK });
    }
    return dy;
  }

  newPage() {
    this.page = this.pdf.addPage(A4);
    this.pages.push(this.page);
    this.y = A4[1] - MARGIN;
    if (this.pages.length > 1) this.continuation?.();
  }

  ensure(height: number) {
    if (this.y - height < BOTTOM) this.newPage();
  }

  draw(b: Block, o: { background?: RGB; rule?: boolean } = {}) {
    this.ensure(b.height);
    if (o.background) this.page.drawRectangle({ x: MARGIN, y: this.y - b.height, width: WIDTH, height: b.height, color: o.background });
    for (const r of b.runs) this.page.drawText(r.text, { x: r.x, y: this.y - r.dy, font: this.fonts[r.font], size: r.size, color: r.color });
    this.y -= b.height;
    if (o.rule) this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + WIDTH, y: this.y }, thickness: 0.5, color: RULE });
  }

  /** A block of paragraph text across the page. */
  paragraph(s: string, o: { font?: Font; size?: number; color?: RGB; after?: number } = {}) {
    const runs: Run[] = [];
    const dy = this.lines(runs, s, { x: MARGIN, dy: 0, font: o.font ?? 'regular', size: o.size ?? 9.5, color: o.color, max: WIDTH });
    this.draw({ runs, height: dy + (o.after ?? 6) });
  }

  title(title: string, subtitle: string) {
    const runs: Run[] = [];
    runs.push({ x: MARGIN, dy: 9, text: this.clean(`JUSTIF — ${this.brand}`.toUpperCase()), font: 'bold', size: 8, color: ACCENT });
    runs.push({ x: MARGIN, dy: 34, text: this.clean(title), font: 'bold', size: 20, color: INK });
    const dy = this.lines(runs, subtitle, { x: MARGIN, dy: 42, font: 'regular', size: 10, color: GREY, max: WIDTH });
    this.draw({ runs, height: dy + 8 });
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + WIDTH, y: this.y }, thickness: 1.2, color: ACCENT });
    this.y -= 14;
  }

  section(name: string) {
    this.ensure(56); // never a heading alone at the foot of a page
    this.y -= 5;
    this.draw({ runs: [{ x: MARGIN, dy: 11, text: this.clean(name.toUpperCase()), font: 'bold', size: 9.5, color: ACCENT }], height: 16 }, { rule: true });
    this.y -= 3;
  }

  /** A label and its value (monospace for hashes and identifiers). */
  field(label: string, value: string, o: { mono?: boolean; note?: string } = {}) {
    const runs: Run[] = [];
    const left = this.lines(runs, label, { x: MARGIN, dy: 0, font: 'regular', size: 9, color: GREY, max: LABEL_W - 10 });
    let right = this.lines(runs, value, { x: VALUE_X, dy: 0, font: o.mono ? 'mono' : 'regular', size: o.mono ? 8.5 : 9.5, max: VALUE_W, leading: o.mono ? 11.5 : undefined });
    if (o.note) right = this.lines(runs, o.note, { x: VALUE_X, dy: right, font: 'italic', size: 8, color: GREY, max: VALUE_W });
    this.draw({ runs, height: Math.max(left, right) + 3 });
  }

  async save(): Promise<Buffer> {
    const n = this.pages.length;
    this.pages.forEach((p, i) => {
      const footer = this.clean(this.footer);
      const pageNo = `Page ${i + 1} / ${n}`;
      p.drawLine({ start: { x: MARGIN, y: 42 }, end: { x: MARGIN + WIDTH, y: 42 }, thickness: 0.5, color: RULE });
      p.drawText(footer, { x: MARGIN, y: 30, font: this.fonts.regular, size: 7.5, color: GREY });
      p.drawText(pageNo, { x: MARGIN + WIDTH - this.width(pageNo, 'regular', 7.5), y: 30, font: this.fonts.regular, size: 7.5, color: GREY });
    });
    return Buffer.from(await this.pdf.save());
  }
}

// ---------------------------------------------------------------- formatting

export const PARIS = 'Europe/Paris';
export function dateTimeFr(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const local = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'medium', timeZone: PARIS }).format(d);
  return `${local} (heure de Paris) — ${d.toISOString()}`;
}
export function dayFr(ymd: string): string {
  const d = new Date(`${ymd}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(ymd) || Number.isNaN(d.getTime())) return ymd;
  return `${new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' }).format(d)} inclus`;
}
export function sizeFr(bytes: number): string {
  const n = new Intl.NumberFormat('fr-FR');
  const unit = (v: number, u: string) => `${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(v)} ${u}`;
  const human = bytes >= 1024 * 1024 ? unit(bytes / 1024 / 1024, 'Mio') : bytes >= 1024 ? unit(bytes / 1024, 'Kio') : undefined;
  return `${n.format(bytes)} octet${bytes > 1 ? 's' : ''}${human ? ` (${human})` : ''}`;
}
