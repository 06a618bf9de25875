// Country groups the rules need (ISO 3166-1 alpha-2).
/** The European Union's member states (VAT, §8.3 transfers). */
export const EU = new Set(['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK']);
/** The European Economic Area: the EU, Iceland, Liechtenstein and Norway (GDPR transfers). */
export const inEea = (country: string) => EU.has(country) || ['IS', 'LI', 'NO'].includes(country);
