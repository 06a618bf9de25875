// Who is signed in (GET /api/v1/session), shared with every page.
import { createContext, useContext } from 'react';
import type { Locale } from './i18n/index.tsx';
import type { z } from 'zod';
import type { ClientRoleSchema } from '../../api/features/users/users.schemas.ts';
import type { Session } from './api.ts';

export const CLIENT_ROLES = ['employee', 'manager', 'verifier', 'accountant', 'payroll', 'admin'] as const;
export type ClientRole = (typeof CLIENT_ROLES)[number];

// Checked at compile time: this list and the API's enum of Client roles are the same set.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const rolesMatchApi: Same<ClientRole, z.infer<typeof ClientRoleSchema>> = true;
void rolesMatchApi;

export interface SessionApi {
  session: Session | null;
  /** After sign-in or accepting an invitation: keep the session, its CSRF token and language. */
  signedIn(s: Session): void;
  /** Replace the session view (after PATCH /me). */
  update(s: Session): void;
  signOut(): Promise<void>;
  /** Switch the language: remembered in this browser, and saved to the account when signed in. */
  switchLocale(l: Locale): Promise<void>;
}

export const SessionContext = createContext<SessionApi | null>(null);

export function useSession(): SessionApi {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionContext');
  return v;
}

/** The signed-in session, for pages that only render when signed in. */
export function useSignedIn(): Session & { api: SessionApi } {
  const api = useSession();
  if (!api.session) throw new Error('not signed in');
  return { ...api.session, api };
}

export const isVendor = (s: Session) => s.user.tenantId === null;
export const hasRole = (s: Session, role: string) => s.user.roles.includes(role);
/** The Client's access is suspended for an unpaid invoice (R-BIL-5): the API answers 402 but for a few routes. */
export const isSuspended = (s: Session) => s.tenant?.status === 'suspended' || !!s.tenant?.billingNotice?.suspended;
