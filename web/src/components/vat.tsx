// VAT lines typed by hand: the rate (usual French rates or another), the base, the VAT computed
// from them unless typed — on the expense form and in a verifier's corrections.
import type { VatLine } from '../api.ts';
import { useI18n, type Translate } from '../i18n/index.tsx';
import { bpToInput, formatMinor, formatRateBp, minorDigits, minorToInput, parseAmount, parseRateBp, vatOf, type Parsed } from '../money.ts';
import type { OcrMark } from '../ocr.ts';
import { OcrTag } from './ocr.tsx';
import { SelectField, TextField } from './ui.tsx';

export function amountError(t: Translate, r: Parsed<number>, currency: string): string | undefined {
  return r.ok ? undefined : t(`amount.${r.reason}`, { digits: minorDigits(currency) });
}

/** The lines as the API takes them, or the message of each field in error (`<i>.rate|base|vat`). */
export function parseVatDrafts(t: Translate, drafts: VatDraft[], currency: string): { lines: VatLine[]; errors: Map<string, string> } {
  const errors = new Map<string, string>();
  const lines: VatLine[] = [];
  drafts.forEach((l, i) => {
    const rate = rateOf(l);
    const base = parseAmount(l.base, currency);
    const v = parseAmount(l.vat, currency);
    if (!rate.ok) errors.set(`${i}.rate`, t('vat.rate.invalid'));
    const be = amountError(t, base, currency);
    if (be) errors.set(`${i}.base`, be);
    const ve = amountError(t, v, currency);
    if (ve) errors.set(`${i}.vat`, ve);
    if (rate.ok && base.ok && v.ok) lines.push({ rateBp: rate.value, baseMinor: base.value, vatMinor: v.value });
  });
  return { lines, errors };
}

// VAT lines ---------------------------------------------------------------------------------

export const VAT_RATES = [2000, 1000, 550, 210];

export interface VatDraft {
  key: number;
  /** One of VAT_RATES as a string, or 'other' with `custom` in percent. */
  rate: string;
  custom: string;
  base: string;
  vat: string;
  /** The user typed the VAT: stop computing it from the base. */
  vatEdited: boolean;
}

let vatKey = 0;
export function vatDraft(line: VatLine | undefined, currency: string, locale: 'fr' | 'en'): VatDraft {
  if (!line) return { key: ++vatKey, rate: '2000', custom: '', base: '', vat: '', vatEdited: false };
  const known = VAT_RATES.includes(line.rateBp);
  return {
    key: ++vatKey,
    rate: known ? String(line.rateBp) : 'other',
    custom: known ? '' : bpToInput(line.rateBp, locale),
    base: minorToInput(line.baseMinor, currency, locale),
    vat: minorToInput(line.vatMinor, currency, locale),
    vatEdited: line.vatMinor !== vatOf(line.baseMinor, line.rateBp),
  };
}

export function rateOf(d: VatDraft): Parsed<number> {
  return d.rate === 'other' ? parseRateBp(d.custom) : { ok: true, value: Number(d.rate) };
}

/** The VAT recomputed from the base and the rate, unless the user typed it. */
export function recompute(d: VatDraft, currency: string, locale: 'fr' | 'en'): VatDraft {
  if (d.vatEdited) return d;
  const base = parseAmount(d.base, currency);
  const rate = rateOf(d);
  return { ...d, vat: base.ok && rate.ok ? minorToInput(vatOf(base.value, rate.value), currency, locale) : '' };
}

export function VatLines({ lines, onChange, currency, errors, serverError, mark }: { lines: VatDraft[]; onChange: (l: VatDraft[]) => void; currency: string; errors: Map<string, string>; serverError?: (path: string) => string | undefined; mark?: OcrMark }) {
  const { t, locale } = useI18n();
  const set = (i: number, patch: Partial<VatDraft>) => onChange(lines.map((l, j) => (j === i ? recompute({ ...l, ...patch }, currency, locale) : l)));
  return (
    <fieldset className={`checks vat${mark ? ` vat--ocr vat--ocr-${mark}` : ''}`}>
      <legend>
        {t('vat.legend')} <span className="field__optional">({t('common.optional')})</span>
      </legend>
      {mark && (
        <p className="field__hint">
          <OcrTag mark={mark} />
        </p>
      )}
      <p className="field__hint">{t('vat.intro')}</p>
      {serverError?.('vatLines') && <p className="field__error">{serverError('vatLines')}</p>}
      {lines.map((l, i) => (
        <div key={l.key} className="vat__line" role="group" aria-label={t('vat.line', { n: i + 1 })}>
          <SelectField label={t('vat.rate')} name={`vat-rate-${i}`} value={l.rate} onChange={(v) => set(i, { rate: v })}>
            {VAT_RATES.map((bp) => (
              <option key={bp} value={bp}>
                {formatRateBp(bp, locale)}
              </option>
            ))}
            <option value="other">{t('vat.rate.other')}</option>
          </SelectField>
          {l.rate === 'other' && (
            <TextField label={t('vat.rate.custom')} name={`vat-custom-${i}`} inputMode="decimal" autoComplete="off" value={l.custom} onChange={(v) => set(i, { custom: v })} error={errors.get(`${i}.rate`)} required />
          )}
          <TextField label={t('vat.base')} name={`vat-base-${i}`} inputMode="decimal" autoComplete="off" value={l.base} onChange={(v) => set(i, { base: v })} error={errors.get(`${i}.base`) ?? serverError?.(`vatLines.${i}.baseMinor`)} required />
          <TextField
            label={t('vat.amount')}
            name={`vat-amount-${i}`}
            inputMode="decimal"
            autoComplete="off"
            value={l.vat}
            onChange={(v) => set(i, { vat: v, vatEdited: v.trim() !== '' })}
            hint={t('vat.amount.hint')}
            error={errors.get(`${i}.vat`) ?? serverError?.(`vatLines.${i}.vatMinor`)}
            required
          />
          <button type="button" className="btn btn--small btn--danger-ghost vat__remove" aria-label={t('vat.remove', { n: i + 1 })} onClick={() => onChange(lines.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="btn btn--small" onClick={() => onChange([...lines, vatDraft(undefined, currency, locale)])}>
          {t('vat.add')}
        </button>
      </div>
    </fieldset>
  );
}

/** VAT lines shown (rate, base, VAT), in the expense's currency. */
export function VatTable({ lines, currency }: { lines: VatLine[]; currency: string }) {
  const { t, locale } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table table--compact">
        <caption className="sr-only">{t('vat.legend')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('vat.col.rate')}</th>
            <th scope="col" className="num">
              {t('vat.col.base')}
            </th>
            <th scope="col" className="num">
              {t('vat.col.vat')}
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => (
            <tr key={i}>
              <td>{formatRateBp(l.rateBp, locale)}</td>
              <td className="num">{formatMinor(l.baseMinor, currency, locale)}</td>
              <td className="num">{formatMinor(l.vatMinor, currency, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
