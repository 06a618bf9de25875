// An invoice as a PDF (R-BIL-3), in French, with the mentions French law requires: the issuer's
// identity and SIREN, the Client's identity, the number and the dates, each line, totals excluding
// VAT, VAT and including VAT (or the reason for no VAT), the payment terms, the late-payment penalty
// rate and the €40 fixed recovery indemnity (Code de commerce, L441-9, L441-10 and D441-5).
import { dateTimeFr, GREY, Writer } from '../../lib/pdf-writer.ts';
import { longDay as day } from '../../lib/dates.ts';
import type { InvoiceLine } from '../../../storage/db/schema.ts';

const euros = (minor: number) => `${new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(minor / 100)} €`;

export interface InvoiceDoc {
  kind: 'invoice' | 'credit_note';
  number: string;
  issuedAt: string;
  period: string | null;
  lines: InvoiceLine[];
  totalHtMinor: number;
  vatRateBp: number;
  vatMinor: number;
  totalTtcMinor: number;
  vatMention: string | null;
  /** The invoice a credit note corrects. */
  corrects?: { number: string; issuedAt: string } | null;
  issuer: { name: string; siren: string | null; address: string | null; vatNumber: string | null; iban?: string | null; bic?: string | null };
  client: { name: string; country: string; siren: string | null; vatNumber: string | null; address: string | null };
}

export async function invoicePdf(inv: InvoiceDoc): Promise<Buffer> {
  const title = `${inv.kind === 'invoice' ? 'Facture' : 'Avoir'} n° ${inv.number}`;
  const w = await Writer.create({ title, subject: `${title} — ${inv.client.name}`, date: inv.issuedAt, footer: `${inv.issuer.name} — ${title}`, brand: 'facturation' });
  w.title(title, `Émis${inv.kind === 'invoice' ? 'e' : ''} le ${day(inv.issuedAt)}${inv.period ? `, pour le mois ${inv.period}` : ''}${inv.corrects ? `, rectifiant la facture n° ${inv.corrects.number} du ${day(inv.corrects.issuedAt)}` : ''}.`);
  w.section('Émetteur');
  w.field('Raison sociale', inv.issuer.name);
  w.field('SIREN', inv.issuer.siren ?? 'non renseigné');
  if (inv.issuer.address) w.field('Adresse', inv.issuer.address);
  if (inv.issuer.vatNumber) w.field('N° de TVA intracommunautaire', inv.issuer.vatNumber);
  w.section('Client');
  w.field('Raison sociale', inv.client.name);
  if (inv.client.address) w.field('Adresse', inv.client.address);
  w.field('Pays', inv.client.country);
  if (inv.client.siren) w.field('SIREN', inv.client.siren);
  if (inv.client.vatNumber) w.field('N° de TVA intracommunautaire', inv.client.vatNumber);
  w.section('Détail');
  for (const l of inv.lines) w.field(l.label, `${l.quantity} × ${euros(l.unitMinor)} HT = ${euros(l.amountMinor)} HT${l.vat ? '' : ' (non soumis à la TVA)'}`);
  w.section('Totaux');
  w.field('Total HT', euros(inv.totalHtMinor));
  w.field(`TVA ${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 }).format(inv.vatRateBp / 100)} %`, euros(inv.vatMinor));
  w.field('Total TTC', euros(inv.totalTtcMinor));
  if (inv.vatMention) w.paragraph(inv.vatMention, { size: 9 });
  w.section('Conditions de paiement');
  if (inv.kind === 'credit_note') w.field('Règlement', 'montant déduit de la facture rectifiée, ou remboursé s’il a été payé');
  else {
    w.field('Échéance', `payable à réception (le ${day(inv.issuedAt)})`);
    if (inv.issuer.iban) w.field('Règlement', `par virement en rappelant le n° ${inv.number} — IBAN ${inv.issuer.iban.replace(/(.{4})/g, '$1 ').trim()}${inv.issuer.bic ? `, BIC ${inv.issuer.bic}` : ''}`);
  }
  w.paragraph(
    'Pas d’escompte pour paiement anticipé. En cas de retard de paiement, des pénalités sont dues au taux de trois fois le taux d’intérêt légal en vigueur ' +
      'à la date d’échéance, par jour de retard, ainsi qu’une indemnité forfaitaire pour frais de recouvrement de 40 € (articles L441-10 et D441-5 du Code de commerce). ' +
      'Ni les pénalités ni l’indemnité ne sont soumises à la TVA.',
    { size: 9, color: GREY },
  );
  w.paragraph(`Document établi le ${dateTimeFr(inv.issuedAt)}.`, { size: 8, color: GREY });
  return w.save();
}
