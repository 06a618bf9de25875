import { z } from 'zod';
import { route } from '../../http/routes.ts';
import { CreateTeam, IdParams, ImportResult, InviteUser, ListUsersQuery, TeamView, UpdateTeam, UpdateUser, UserView } from './users.schemas.ts';

const admin = { kind: 'client', roles: ['admin'] } as const;
const userList = z.object({ items: z.array(UserView), nextCursor: z.string().nullable() });

export const usersRoutes = [
  route({
    method: 'get', path: '/users', tag: 'users', summary: 'List the Client\'s users', access: admin, scope: 'users:read', query: ListUsersQuery, response: userList,
    handler: async ({ query }, ctx, c) => c.users.list(ctx.tenant, query),
  }),
  route({
    method: 'get', path: '/users/directory', tag: 'users', summary: 'The Client\'s active colleagues, id and name only (to pick a delegate or an approver)', access: { kind: 'client' }, scope: 'users:read',
    response: z.object({ items: z.array(z.object({ id: z.string(), name: z.string() })) }),
    handler: async (_i, ctx, c) => c.users.directory(ctx.tenant),
  }),
  route({
    method: 'post', path: '/users', tag: 'users', summary: 'Invite a user (emails a single-use link)', access: admin, scope: 'users:write', body: InviteUser, response: UserView, status: 201,
    handler: async ({ body }, ctx, c) => c.users.invite(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'post', path: '/users/import', tag: 'users', summary: 'Import users, teams and managers from CSV (all rows or none)', access: admin, scope: 'users:write', bodyType: 'text/csv', body: z.string().max(2_000_000), response: ImportResult,
    handler: async ({ body }, ctx, c) => c.users.importCsv(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'get', path: '/users/:id', tag: 'users', summary: 'One user', access: admin, scope: 'users:read', params: IdParams, response: UserView,
    handler: async ({ params }, ctx, c) => c.users.get(ctx.tenant, params.id),
  }),
  route({
    method: 'patch', path: '/users/:id', tag: 'users', summary: 'Change name, roles, manager, team or payroll id', access: admin, scope: 'users:write', params: IdParams, body: UpdateUser, response: UserView,
    handler: async ({ params, body }, ctx, c) => c.users.update(ctx.tenant, ctx.actor, params.id, body),
  }),
  route({
    method: 'post', path: '/users/:id/deactivate', tag: 'users', summary: 'Block sign-in, keep records', access: admin, scope: 'users:write', params: IdParams, response: UserView,
    handler: async ({ params }, ctx, c) => c.users.setActive(ctx.tenant, ctx.actor, params.id, false),
  }),
  route({
    method: 'post', path: '/users/:id/reactivate', tag: 'users', summary: 'Allow sign-in again', access: admin, scope: 'users:write', params: IdParams, response: UserView,
    handler: async ({ params }, ctx, c) => c.users.setActive(ctx.tenant, ctx.actor, params.id, true),
  }),
  route({
    method: 'post', path: '/users/:id/resend-invitation', tag: 'users', summary: 'Send a new invitation link (the old one stops working)', access: admin, scope: 'users:write', params: IdParams, status: 202,
    handler: async ({ params }, ctx, c) => {
      await c.users.resendInvitation(ctx.tenant, ctx.actor, params.id);
      return { status: 'sent' };
    },
  }),
  route({
    method: 'get', path: '/teams', tag: 'users', summary: 'List teams', access: { kind: 'client' }, scope: 'users:read', response: z.object({ items: z.array(TeamView) }),
    handler: async (_i, ctx, c) => c.users.teams(ctx.tenant),
  }),
  route({
    method: 'post', path: '/teams', tag: 'users', summary: 'Create a team', access: admin, scope: 'users:write', body: CreateTeam, response: TeamView, status: 201,
    handler: async ({ body }, ctx, c) => c.users.createTeam(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'patch', path: '/teams/:id', tag: 'users', summary: 'Rename a team or change its manager', access: admin, scope: 'users:write', params: IdParams, body: UpdateTeam, response: TeamView,
    handler: async ({ params, body }, ctx, c) => c.users.updateTeam(ctx.tenant, ctx.actor, params.id, body),
  }),
];
