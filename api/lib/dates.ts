// Dates as written in mails and documents: the day in Paris, in words ("18 février 2028").
export const longDay = (d: Date | string, locale: 'fr' | 'en' = 'fr') =>
  new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(new Date(d));
