// The two catalogues stay in step: same keys, no empty message, same {placeholders} per key,
// and French typography (non-breaking space before : ; ! ? and inside « »).
import { describe, expect, it } from 'vitest';
import en from './en.ts';
import fr from './fr.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
  });

  it('have no empty message', () => {
    for (const [lang, cat] of Object.entries({ fr, en }))
      for (const [k, v] of Object.entries(cat)) expect(v.trim(), `${lang} ${k}`).not.toBe('');
  });

  it('use the same placeholders for each key', () => {
    for (const k of Object.keys(fr) as (keyof typeof fr)[]) expect(placeholders(en[k]), k).toEqual(placeholders(fr[k]));
  });

  it('use French typography in French', () => {
    for (const [k, v] of Object.entries(fr)) {
      expect(v, k).not.toMatch(/ [:;!?]/); // an ordinary space before high punctuation
      expect(v, k).not.toMatch(/« | »/);
      expect(v, k).not.toMatch(/'/); // typographic apostrophe (’) instead
    }
  });
});
