// IBANs (ISO 13616): normalised, checked (country, length for that country, mod-97 checksum) and
// masked for display. The lengths are those of the SEPA countries (EPC register).
const LENGTHS: Record<string, number> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27, GB: 22, GI: 23, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27,
  LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, VA: 22,
  // French overseas departments and territories use FR, but some banks issue these codes
  GF: 27, GP: 27, MQ: 27, RE: 27, PF: 27, TF: 27, YT: 27, NC: 27, PM: 27, WF: 27, BL: 27, MF: 27,
};

export type IbanCheck = { ok: true; iban: string; country: string } | { ok: false; problem: string };

export function checkIban(input: string): IbanCheck {
  const iban = input.replace(/[\s-]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return { ok: false, problem: 'an IBAN starts with a country code and two check digits, then letters and digits' };
  const country = iban.slice(0, 2);
  const length = LENGTHS[country];
  if (!length) return { ok: false, problem: `${country} is not a country of the SEPA area` };
  if (iban.length !== length) return { ok: false, problem: `an IBAN of ${country} has ${length} characters, not ${iban.length}` };
  // move the first four characters to the end, letters to numbers (A = 10 … Z = 35), mod 97 must be 1
  const digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  if (rest !== 1) return { ok: false, problem: 'the check digits do not match: a character is wrong' };
  return { ok: true, iban, country };
}

/** FR76 •••• •••• •••• •••• •••• 189 — the country, check digits and last three characters only. */
export function maskIban(iban: string): string {
  return `${iban.slice(0, 4)} ${'•'.repeat(Math.max(0, iban.length - 7)).replace(/(.{4})/g, '$1 ').trim()} ${iban.slice(-3)}`;
}

/** BIC (ISO 9362): 8 or 11 characters. */
export const isBic = (s: string) => /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(s);
