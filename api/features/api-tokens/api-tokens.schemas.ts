import { z } from 'zod';

/** Every scope a token can carry; routes name the one they accept. */
export const API_SCOPES = ['users:read', 'users:write', 'audit:read', 'expenses:read', 'expenses:write', 'approvals:write', 'vault:read', 'vault:write', 'exports:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const TokenView = z.object({ id: z.string(), name: z.string(), scopes: z.array(z.string()), createdAt: z.string(), lastUsedAt: z.string().nullable(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable() });
export const CreateToken = z.strictObject({ name: z.string().trim().min(1).max(100), scopes: z.array(z.enum(API_SCOPES)).min(1), expiresAt: z.coerce.date().optional() });
export const CreatedToken = TokenView.extend({ token: z.string() });
