import type { Mail } from '../../infra/mailer.ts';

type Locale = 'fr' | 'en';

export function invitationMail(locale: Locale, to: string, name: string, tenantName: string, link: string): Mail {
  return locale === 'en'
    ? { to, subject: `You are invited to ${tenantName} on Justif`, text: `Hello ${name},\n\n${tenantName} invites you to Justif, its expense-management service.\nSet your password here (the link works once, for 7 days):\n\n${link}\n\nIf you did not expect this email, ignore it.\n` }
    : { to, subject: `Invitation à rejoindre ${tenantName} sur Justif`, text: `Bonjour ${name},\n\n${tenantName} vous invite sur Justif, son service de notes de frais.\nChoisissez votre mot de passe ici (lien à usage unique, valable 7 jours) :\n\n${link}\n\nSi vous n'attendiez pas ce message, ignorez-le.\n` };
}

export function resetMail(locale: Locale, to: string, name: string, link: string): Mail {
  return locale === 'en'
    ? { to, subject: 'Reset your Justif password', text: `Hello ${name},\n\nSomeone asked to reset your Justif password. To choose a new one, open this link (it works once, for 1 hour):\n\n${link}\n\nIf it was not you, ignore this email: your password stays as it is.\n` }
    : { to, subject: 'Réinitialisation de votre mot de passe Justif', text: `Bonjour ${name},\n\nUne réinitialisation de votre mot de passe Justif a été demandée. Pour en choisir un nouveau, ouvrez ce lien (usage unique, valable 1 heure) :\n\n${link}\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.\n` };
}
