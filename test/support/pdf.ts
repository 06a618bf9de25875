// The text of a PDF, page after page (pdf.js): what a reader can select and copy.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { pdfjsOptions } from '../../worker/adapters/pdf.ts';

export async function pdfText(pdf: Buffer): Promise<string> {
  const doc = await getDocument(pdfjsOptions(pdf)).promise;
  try {
    const out: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      out.push(content.items.map((i) => ('str' in i ? i.str : '')).join('\n'));
      page.cleanup();
    }
    return out.join('\n');
  } finally {
    await doc.destroy();
  }
}
