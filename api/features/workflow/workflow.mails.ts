// The workflow's e-mails, in the recipient's language. Short: what happened, the amount, a link.
import type { Mail } from '../../infra/mailer.ts';
import { formatMoney } from '../../lib/money.ts';

export type MailKind = 'to_approve' | 'approved' | 'rejected' | 'returned' | 'corrected' | 'digest';

interface Ctx {
  to: string;
  name: string;
  locale: 'fr' | 'en';
  employee: string;
  expense: { merchant: string; amount_minor: number; currency: string; expense_date: string } | null;
  comment: string | null;
  link: string;
  count?: number;
}

export function workflowMail(kind: MailKind, c: Ctx): Mail {
  const fr = c.locale === 'fr';
  const what = c.expense ? `${c.expense.merchant || (fr ? 'dépense' : 'expense')}, ${formatMoney(c.expense.amount_minor, c.expense.currency, c.locale)}, ${c.expense.expense_date}` : '';
  const said = c.comment ? (fr ? `\nCommentaire : ${c.comment}\n` : `\nComment: ${c.comment}\n`) : '';
  const hello = fr ? `Bonjour ${c.name},\n\n` : `Hello ${c.name},\n\n`;
  const open = fr ? `\nOuvrir dans Justif : ${c.link}\n` : `\nOpen in Justif: ${c.link}\n`;
  const m: Record<MailKind, [string, string]> = fr
    ? {
        to_approve: [`À approuver : ${what}`, `${c.employee} a soumis une note de frais à votre approbation : ${what}.\n`],
        approved: [`Dépense approuvée : ${what}`, `Votre dépense ${what} a été approuvée.\n`],
        rejected: [`Dépense refusée : ${what}`, `Votre dépense ${what} a été refusée.\n`],
        returned: [`Dépense à compléter : ${what}`, `Votre dépense ${what} vous est renvoyée pour modification.\n`],
        corrected: [`Dépense corrigée : ${what}`, `Un vérificateur a corrigé votre dépense ${what}. Le détail des corrections figure sur la dépense.\n`],
        digest: [`${c.count} dépense(s) à approuver`, `${c.count} dépense(s) attendent votre approbation.\n`],
      }
    : {
        to_approve: [`To approve: ${what}`, `${c.employee} submitted an expense for your approval: ${what}.\n`],
        approved: [`Expense approved: ${what}`, `Your expense ${what} was approved.\n`],
        rejected: [`Expense rejected: ${what}`, `Your expense ${what} was rejected.\n`],
        returned: [`Expense returned: ${what}`, `Your expense ${what} was returned to you for changes.\n`],
        corrected: [`Expense corrected: ${what}`, `A verifier corrected your expense ${what}. The corrections are listed on the expense.\n`],
        digest: [`${c.count} expense(s) to approve`, `${c.count} expense(s) are waiting for your approval.\n`],
      };
  const [subject, body] = m[kind];
  return { to: c.to, subject, text: hello + body + said + open };
}
