// Audit events as a typed union {type, version, data} (after Documenso). `data` never holds
// personal fields: people are named by pseudonymous id (R-SEC-6).
import type { Role } from '../../../storage/db/schema.ts';

export type AuditEventBody =
  | { type: 'auth.signed_in'; data: { method: 'password' | 'oidc' | 'invitation' } }
  | { type: 'auth.sign_in_failed'; data: { reason: 'wrong_password' | 'unknown_account' | 'deactivated' | 'rate_limited' | 'oidc_unlinked' | 'oidc_unverified_email' | 'oidc_deactivated' } }
  | { type: 'auth.signed_out'; data: Record<string, never> }
  | { type: 'auth.password_reset_requested'; data: Record<string, never> }
  | { type: 'auth.password_reset'; data: Record<string, never> }
  | { type: 'auth.identity_linked'; data: { issuer: string } }
  | { type: 'access.denied'; data: { method: string; route: string; reason: string } }
  | { type: 'tenant.created'; data: { plan: string; country: string; currency: string } }
  | { type: 'user.invited'; data: { roles: Role[] } }
  | { type: 'user.invitation_resent'; data: Record<string, never> }
  | { type: 'user.invitation_accepted'; data: Record<string, never> }
  | { type: 'user.updated'; data: { fields: string[]; roles?: { from: Role[]; to: Role[] }; managerId?: { from: string | null; to: string | null }; teamId?: { from: string | null; to: string | null } } }
  | { type: 'user.deactivated'; data: Record<string, never> }
  | { type: 'user.reactivated'; data: Record<string, never> }
  | { type: 'users.imported'; data: { created: number; updated: number; teamsCreated: number } }
  | { type: 'team.created'; data: Record<string, never> }
  | { type: 'team.updated'; data: { fields: string[] } }
  | { type: 'api_token.created'; data: { scopes: string[] } }
  | { type: 'api_token.revoked'; data: Record<string, never> }
  | { type: 'profile.updated'; data: { fields: string[] } };

export type AuditEventType = AuditEventBody['type'];
export const AUDIT_EVENT_VERSION = 1;

/** One sentence per event, for the UI and the CSV export. */
export function describeEvent(e: { type: string; data: Record<string, unknown>; actorLabel: string | null; targetType: string | null; targetId: string | null; outcome: string }): string {
  const who = e.actorLabel ?? 'system';
  const target = e.targetType ? `${e.targetType} ${e.targetId ?? ''}`.trim() : '';
  const d = e.data as Record<string, any>;
  const s: Record<string, () => string> = {
    'auth.signed_in': () => `${who} signed in (${d.method})`,
    'auth.sign_in_failed': () => `Failed sign-in for ${who} (${String(d.reason).replace(/_/g, ' ')})`,
    'auth.signed_out': () => `${who} signed out`,
    'auth.password_reset_requested': () => `Password reset requested for ${target}`,
    'auth.password_reset': () => `${who} reset their password`,
    'auth.identity_linked': () => `${who} linked a sign-in identity from ${d.issuer}`,
    'access.denied': () => `${who} was denied ${d.method} ${d.route} (${d.reason})`,
    'tenant.created': () => `${who} created Client ${e.targetId} (plan ${d.plan})`,
    'user.invited': () => `${who} invited ${target} as ${(d.roles ?? []).join(', ')}`,
    'user.invitation_resent': () => `${who} resent the invitation of ${target}`,
    'user.invitation_accepted': () => `${who} accepted their invitation`,
    'user.updated': () => `${who} changed ${(d.fields ?? []).join(', ')} of ${target}`,
    'user.deactivated': () => `${who} deactivated ${target}`,
    'user.reactivated': () => `${who} reactivated ${target}`,
    'users.imported': () => `${who} imported users: ${d.created} created, ${d.updated} updated, ${d.teamsCreated} teams created`,
    'team.created': () => `${who} created ${target}`,
    'team.updated': () => `${who} changed ${(d.fields ?? []).join(', ')} of ${target}`,
    'api_token.created': () => `${who} created ${target} with scopes ${(d.scopes ?? []).join(', ')}`,
    'api_token.revoked': () => `${who} revoked ${target}`,
    'profile.updated': () => `${who} updated their profile (${(d.fields ?? []).join(', ')})`,
  };
  const text = s[e.type]?.() ?? `${who}: ${e.type} ${target}`;
  return e.outcome === 'success' || e.type === 'auth.sign_in_failed' || e.type === 'access.denied' ? text : `${text} — ${e.outcome}`;
}
