import type { AuthMethod, Role, TenantStatus } from '../storage/db/schema.ts';
import type { AuditActor } from './features/audit/audit.service.ts';

/** The authenticated caller: a browser session or an API token, always a user of the service. */
export interface Principal {
  via: 'session' | 'api_token';
  /** How this caller proved who they are (recorded in signed approvals, R-WF-3). */
  authMethod: AuthMethod;
  userId: string;
  tenantId: string | null;
  /** The Client's status when the request began: terminated is read-only (R-REV-2); suspended (an invoice unpaid past its notice, R-BIL-5) blocks use. */
  tenantStatus?: TenantStatus | null;
  roles: Role[];
  email: string;
  name: string;
  locale: 'fr' | 'en';
  sessionId?: string;
  csrfToken?: string;
  tokenId?: string;
  scopes?: string[];
}

/** What a request carries into services: who, from where, under which request id. */
export interface RequestInfo {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

export function actorOf(info: RequestInfo, p?: Principal): AuditActor {
  return {
    kind: p ? (p.via === 'api_token' ? 'api_token' : 'user') : 'anonymous',
    userId: p?.userId ?? null,
    label: p?.email ?? null,
    ip: info.ip,
    userAgent: info.userAgent,
    requestId: info.requestId,
  };
}
