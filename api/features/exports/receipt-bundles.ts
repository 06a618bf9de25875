// Receipts of a selection of expenses, for an accountant or an auditor (issue 7 item 5):
//   - one PDF: a cover page listing the expenses, then every receipt — JPEG and PNG images embedded
//     as they are (their full resolution, scaled only for display on an A4 page), other images
//     through their normalised JPEG rendition, PDF receipts' pages copied unchanged;
//   - one ZIP (archiver, streamed): a folder per expense named by date, merchant and id, with the
//     originals byte for byte and their JPEG renditions.
import archiver from 'archiver';
import type { Readable, Writable } from 'node:stream';
import { buffer as bytes } from 'node:stream/consumers';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { formatMoney } from '../../lib/money.ts';

export interface BundleExpense {
  id: string;
  date: string;
  merchant: string;
  amountMinor: number;
  currency: string;
  status: string;
  employee: string;
  receipts: { name: string; mediaType: string; open: () => Promise<Readable>; rendition: (() => Promise<Readable>) | null }[];
}

/** WinAnsi (the standard fonts' encoding) cannot draw every character: the rest become "?". */
const winAnsi = (s: string) => s.normalize('NFC').replace(/[^\x20-\x7e\u00a0-\u00ff€’‘“”–—…]/g, '?');

export async function receiptsPdf(expenses: readonly BundleExpense[], o: { title: string; generatedAt: string }): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const A4: [number, number] = [595.28, 841.89];
  // cover: the expenses, as many pages as they need
  let page = doc.addPage(A4);
  let y = A4[1] - 60;
  page.drawText(winAnsi(o.title), { x: 50, y, size: 16, font: bold });
  y -= 20;
  page.drawText(winAnsi(`${expenses.length} dépense(s) — ${o.generatedAt}`), { x: 50, y, size: 9, font, color: rgb(0.35, 0.35, 0.35) });
  y -= 28;
  for (const e of expenses) {
    if (y < 60) (page = doc.addPage(A4)), (y = A4[1] - 60);
    page.drawText(winAnsi(`${e.date}  ${e.merchant || '—'}`).slice(0, 70), { x: 50, y, size: 10, font });
    page.drawText(winAnsi(formatMoney(e.amountMinor, e.currency, 'fr')), { x: 360, y, size: 10, font });
    page.drawText(winAnsi(`${e.employee} · ${e.receipts.length} justif.`).slice(0, 30), { x: 450, y, size: 8, font, color: rgb(0.35, 0.35, 0.35) });
    y -= 11;
    page.drawText(e.id, { x: 50, y, size: 7, font, color: rgb(0.45, 0.45, 0.45) });
    y -= 16;
  }
  for (const e of expenses)
    for (const r of e.receipts) {
      if (r.mediaType === 'application/pdf') {
        const src = await PDFDocument.load(await bytes(await r.open()), { ignoreEncryption: true, updateMetadata: false });
        for (const p of await doc.copyPages(src, src.getPageIndices())) doc.addPage(p);
        continue;
      }
      const data = r.mediaType === 'image/jpeg' || r.mediaType === 'image/png' ? await bytes(await r.open()) : r.rendition ? await bytes(await r.rendition()) : null;
      const img = !data ? null : r.mediaType === 'image/png' ? await doc.embedPng(data) : await doc.embedJpg(data);
      const p = doc.addPage(A4);
      p.drawText(winAnsi(`${e.date} · ${e.merchant} · ${r.name}`).slice(0, 95), { x: 40, y: A4[1] - 30, size: 8, font, color: rgb(0.35, 0.35, 0.35) });
      if (!img) {
        p.drawText(winAnsi('Rendu JPEG pas encore disponible pour ce justificatif (original dans le ZIP).'), { x: 40, y: A4[1] - 60, size: 10, font });
        continue;
      }
      const scale = Math.min((A4[0] - 80) / img.width, (A4[1] - 100) / img.height, 1);
      p.drawImage(img, { x: 40, y: A4[1] - 50 - img.height * scale, width: img.width * scale, height: img.height * scale });
    }
  return Buffer.from(await doc.save());
}

/** A folder name from the expense: 2026-03-10_Brasserie-des-Ternes_1a2b3c4d. */
export function folderOf(e: Pick<BundleExpense, 'id' | 'date' | 'merchant'>): string {
  const m = e.merchant.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'depense';
  return `${e.date}_${m}_${e.id.slice(0, 8)}`;
}

/** Streams the ZIP into `out`: originals as they are, renditions beside them (name.jpg). */
export async function receiptsZip(expenses: readonly BundleExpense[], out: Writable): Promise<void> {
  const zip = archiver('zip', { zlib: { level: 6 } });
  const done = new Promise<void>((ok, ko) => (out.on('close', ok), out.on('finish', ok), zip.on('error', ko)));
  zip.pipe(out);
  for (const e of expenses) {
    const dir = folderOf(e);
    const used = new Set<string>();
    for (const r of e.receipts) {
      let name = r.name.replace(/[\\/]/g, '_');
      for (let i = 2; used.has(name); i++) name = r.name.replace(/(\.[^.]*)?$/, `-${i}$1`);
      used.add(name);
      zip.append(await r.open(), { name: `${dir}/${name}` });
      if (r.rendition) zip.append(await r.rendition(), { name: `${dir}/${name.replace(/\.[^.]*$/, '')}-jpeg.jpg` });
    }
  }
  await zip.finalize();
  await done;
}
