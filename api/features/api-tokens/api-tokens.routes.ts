import { z } from 'zod';
import { route } from '../../http/routes.ts';
import { API_SCOPES, CreatedToken, CreateToken, TokenView } from './api-tokens.schemas.ts';
const client = { kind: 'client' } as const;

export const apiTokensRoutes = [
  route({
    method: 'get', path: '/api-tokens/scopes', tag: 'api-tokens', summary: 'Scopes a token can carry', access: client, response: z.object({ items: z.array(z.string()) }),
    handler: async () => ({ items: [...API_SCOPES] }),
  }),
  route({
    method: 'get', path: '/api-tokens', tag: 'api-tokens', summary: 'My API tokens', access: client, response: z.object({ items: z.array(TokenView) }),
    handler: async (_i, ctx, c) => c.apiTokens.list(ctx.tenant, ctx.principal),
  }),
  route({
    method: 'post', path: '/api-tokens', tag: 'api-tokens', summary: 'Create an API token (the secret is shown once)', access: client, body: CreateToken, status: 201,
    response: CreatedToken,
    handler: async ({ body }, ctx, c) => c.apiTokens.create(ctx.tenant, ctx.principal, ctx.actor, body),
  }),
  route({
    method: 'delete', path: '/api-tokens/:id', tag: 'api-tokens', summary: 'Revoke one of my API tokens', access: client, params: z.strictObject({ id: z.uuid() }),
    handler: async ({ params }, ctx, c) => c.apiTokens.revoke(ctx.tenant, ctx.principal, ctx.actor, params.id),
  }),
];
