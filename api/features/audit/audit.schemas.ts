import { z } from 'zod';

export const AuditFilter = z.strictObject({
  action: z.string().trim().max(100).optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  actorId: z.uuid().optional(),
  targetType: z.string().max(50).optional(),
  targetId: z.string().max(100).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});
export const ListAuditQuery = AuditFilter.extend({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().regex(/^\d+$/).optional() });

export const AuditEventView = z.object({
  id: z.string(), seq: z.number(), time: z.string(), action: z.string(), outcome: z.string(), actorId: z.string().nullable(), actorLabel: z.string().nullable(),
  targetType: z.string().nullable(), targetId: z.string().nullable(),
  /** The target's current name, read from its row (blank once anonymised); not part of the hashed event. */
  targetLabel: z.string().nullable(),
  ip: z.string().nullable(), userAgent: z.string().nullable(), requestId: z.string().nullable(),
  /** The event as a sentence in the reader's language. */
  sentence: z.string(),
});
export type AuditEventView = z.infer<typeof AuditEventView>;
export const AuditPage = z.object({ items: z.array(AuditEventView), nextCursor: z.string().nullable() });
