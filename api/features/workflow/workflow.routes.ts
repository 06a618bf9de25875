import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Container } from '../../container.ts';
import type { Principal } from '../../context.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import { route } from '../../http/routes.ts';
import { coalesce, openEventStream } from '../../http/sse.ts';
import { IdParams } from '../users/users.schemas.ts';
import { ApprovalCheck, ApprovalLevelInput, BulkApprove, BulkResult, DelegationList, NotificationList, QueuePage, Timeline, CategoryPolicyInput, Correct, Decide, DecideWithReason, Decision, DelegationInput, Digest, QueueQuery, Submit, VatRuleInput, WorkflowSettingsInput } from './workflow.schemas.ts';

const anyone = { kind: 'client' } as const;
const employee = { kind: 'client', roles: ['employee'] } as const;
const admin = { kind: 'client', roles: ['admin'] } as const;
const verifier = { kind: 'client', roles: ['verifier'] } as const;
const W = 'approvals:write';

/** Server-sent events: the caller's queue counts now, then whenever an expense of the Client changes (R-WF-5). */
async function streamCounts(c: Container, tdb: TenantDb, p: Principal, req: Request, res: Response) {
  let last = JSON.stringify(await c.workflow.counts(tdb, p));
  const stream = openEventStream(req, res);
  stream.send('counts', JSON.parse(last));
  // a burst of changes (a bulk approval) gives one read
  const reads = coalesce(async () => {
    try {
      const now = await c.workflow.counts(tdb, p);
      if (JSON.stringify(now) !== last) stream.send('counts', now);
      last = JSON.stringify(now);
    } catch (e) {
      c.log.warn({ err: e }, 'live counts failed');
    }
  }, 250);
  stream.onEnd(reads.cancel);
  stream.onEnd(await c.expenseEvents.watch({ tenantId: tdb.tenantId, expenseId: null, shas: new Set(), changed: () => reads.notify() }));
}

export const workflowRoutes = [
  route({
    method: 'post', path: '/expenses/:id/submit', tag: 'workflow', summary: 'Submit my expense for approval (on the Solo plan: self-validated)', access: employee, scope: 'expenses:write', params: IdParams, body: Submit, response: Decision,
    handler: async ({ params, body }, ctx, c) => c.workflow.submit(ctx.tenant, ctx.principal, ctx.actor, params.id, body),
  }),
  route({
    method: 'post', path: '/expenses/:id/approve', tag: 'workflow', summary: 'Approve the pending level (as its approver or their delegate); with violations, send acknowledge: true', access: anyone, scope: W, params: IdParams, body: Decide, response: Decision,
    handler: async ({ params, body }, ctx, c) => c.workflow.approve(ctx.tenant, ctx.principal, ctx.actor, params.id, body),
  }),
  route({
    method: 'post', path: '/expenses/:id/reject', tag: 'workflow', summary: 'Reject (final) with a reason: the pending approver, or a verifier once approved', access: anyone, scope: W, params: IdParams, body: DecideWithReason, response: Decision,
    handler: async ({ params, body }, ctx, c) => c.workflow.reject(ctx.tenant, ctx.principal, ctx.actor, params.id, body),
  }),
  route({
    method: 'post', path: '/expenses/:id/return', tag: 'workflow', summary: 'Return to the employee for changes, with a comment', access: anyone, scope: W, params: IdParams, body: DecideWithReason, response: Decision,
    handler: async ({ params, body }, ctx, c) => c.workflow.sendBack(ctx.tenant, ctx.principal, ctx.actor, params.id, body),
  }),
  route({
    method: 'post', path: '/expenses/:id/verify', tag: 'workflow', summary: 'Mark an approved expense verified (compliant)', access: verifier, scope: W, params: IdParams, body: Decide, response: Decision,
    handler: async ({ params, body }, ctx, c) => c.workflow.verify(ctx.tenant, ctx.principal, ctx.actor, params.id, body),
  }),
  route({
    method: 'post', path: '/expenses/:id/corrections', tag: 'workflow', summary: 'Correct category, VAT lines or amount of an approved expense (a corrected amount restarts the chain)', access: verifier, scope: W, params: IdParams, body: Correct, response: Decision,
    handler: async ({ params, body }, ctx, c) => c.workflow.correct(ctx.tenant, ctx.principal, ctx.actor, params.id, body),
  }),
  route({
    method: 'get', path: '/expenses/:id/workflow', tag: 'workflow', summary: 'The approval chain, decisions (signed), transitions, corrections and policy violations of an expense', access: anyone, scope: 'expenses:read', params: IdParams, response: Timeline,
    handler: async ({ params }, ctx, c) => c.workflow.timeline(ctx.tenant, ctx.principal, params.id),
  }),
  route({
    method: 'get', path: '/approvals/:id/check', tag: 'workflow', summary: 'Re-compute a decision\'s hashes and compare with the expense as it stands', access: anyone, scope: 'expenses:read', params: IdParams, response: ApprovalCheck,
    handler: async ({ params }, ctx, c) => c.workflow.checkApproval(ctx.tenant, ctx.principal, params.id),
  }),
  route({
    method: 'post', path: '/approvals/bulk', tag: 'workflow', summary: 'Approve several expenses, one result per item', access: anyone, scope: W, body: BulkApprove, response: BulkResult,
    handler: async ({ body }, ctx, c) => c.workflow.bulkApprove(ctx.tenant, ctx.principal, ctx.actor, body.items, body.acknowledge),
  }),
  route({
    method: 'get', path: '/approvals/queue', tag: 'workflow', summary: 'Expenses waiting for my approval (or my delegator\'s), oldest first', access: anyone, scope: 'expenses:read', query: QueueQuery, response: QueuePage,
    handler: async ({ query }, ctx, c) => c.workflow.queue(ctx.tenant, ctx.principal, 'approve', query),
  }),
  route({
    method: 'get', path: '/verifications/queue', tag: 'workflow', summary: 'Approved expenses to verify, oldest first', access: verifier, scope: 'expenses:read', query: QueueQuery, response: QueuePage,
    handler: async ({ query }, ctx, c) => c.workflow.queue(ctx.tenant, ctx.principal, 'verify', query),
  }),
  route({
    method: 'get', path: '/workflow/counts', tag: 'workflow', summary: 'My queues\' counts: to approve, to verify, verified', access: anyone, scope: 'expenses:read',
    response: z.object({ toApprove: z.number(), toVerify: z.number().nullable(), verified: z.number().nullable() }),
    handler: async (_i, ctx, c) => c.workflow.counts(ctx.tenant, ctx.principal),
  }),
  route({
    method: 'get', path: '/workflow/events', tag: 'workflow', summary: 'Server-sent events: `event: counts` now and whenever it changes (the stream ends after a few minutes: reconnect)', access: anyone, scope: 'expenses:read', raw: true,
    handler: async (_i, ctx, c) => streamCounts(c, ctx.tenant, ctx.principal, ctx.req, ctx.res),
  }),
  route({
    method: 'get', path: '/notifications', tag: 'workflow', summary: 'My latest in-app notifications', access: anyone, scope: 'expenses:read', response: NotificationList,
    handler: async (_i, ctx, c) => c.workflow.notifications(ctx.tenant, ctx.principal),
  }),
  route({
    method: 'post', path: '/notifications/read', tag: 'workflow', summary: 'Mark all my notifications read', access: anyone,
    handler: async (_i, ctx, c) => c.workflow.markRead(ctx.tenant, ctx.principal),
  }),
  route({
    method: 'get', path: '/me/approval-digest', tag: 'workflow', summary: 'Whether I get one e-mail a day for my approval queue', access: anyone,
    handler: async (_i, ctx, c) => c.workflowSettings.digest(ctx.tenant, ctx.principal),
  }),
  route({
    method: 'put', path: '/me/approval-digest', tag: 'workflow', summary: 'One e-mail a day for my approval queue instead of one per submission', access: anyone, body: Digest,
    handler: async ({ body }, ctx, c) => c.workflowSettings.setDigest(ctx.tenant, ctx.principal, body.approvalDigest),
  }),
  // ————— configuration
  route({
    method: 'get', path: '/workflow/settings', tag: 'workflow', summary: 'Approval chain settings: fallback approver, flags, levels above amounts', access: admin,
    handler: async (_i, ctx, c) => c.workflowSettings.get(ctx.tenant),
  }),
  route({
    method: 'patch', path: '/workflow/settings', tag: 'workflow', summary: 'Change the fallback approver or the weekend/holiday flags', access: admin, body: WorkflowSettingsInput,
    handler: async ({ body }, ctx, c) => c.workflowSettings.update(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'post', path: '/workflow/levels', tag: 'workflow', summary: 'Add an approval level above an amount (Client-wide, or for a team)', access: admin, body: ApprovalLevelInput, status: 201,
    handler: async ({ body }, ctx, c) => c.workflowSettings.addLevel(ctx.tenant, ctx.actor, body),
  }),
  route({
    method: 'delete', path: '/workflow/levels/:id', tag: 'workflow', summary: 'Remove an approval level (for later submissions)', access: admin, params: IdParams,
    handler: async ({ params }, ctx, c) => c.workflowSettings.deleteLevel(ctx.tenant, ctx.actor, params.id),
  }),
  route({
    method: 'get', path: '/delegations', tag: 'workflow', summary: 'My delegations, given and received', access: anyone, response: DelegationList,
    handler: async (_i, ctx, c) => c.workflowSettings.delegations(ctx.tenant, ctx.principal),
  }),
  route({
    method: 'post', path: '/delegations', tag: 'workflow', summary: 'Delegate my approvals for a period', access: anyone, body: DelegationInput, status: 201,
    handler: async ({ body }, ctx, c) => c.workflowSettings.delegate(ctx.tenant, ctx.principal, ctx.actor, body),
  }),
  route({
    method: 'delete', path: '/delegations/:id', tag: 'workflow', summary: 'End one of my delegations', access: anyone, params: IdParams,
    handler: async ({ params }, ctx, c) => c.workflowSettings.revokeDelegation(ctx.tenant, ctx.principal, ctx.actor, params.id),
  }),
  route({
    method: 'get', path: '/policies', tag: 'workflow', summary: 'Category policies: limits per expense and per day, receipt required above', access: anyone, scope: 'expenses:read',
    handler: async (_i, ctx, c) => c.workflowSettings.policies(ctx.tenant),
  }),
  route({
    method: 'put', path: '/policies/:id', tag: 'workflow', summary: 'Set the policy of a category (:id is the category)', access: admin, params: IdParams, body: CategoryPolicyInput,
    handler: async ({ params, body }, ctx, c) => c.workflowSettings.setPolicy(ctx.tenant, ctx.actor, params.id, body),
  }),
  route({
    method: 'get', path: '/vat-rules', tag: 'workflow', summary: 'VAT recovery rules per category, every version', access: anyone, scope: 'expenses:read',
    handler: async (_i, ctx, c) => c.workflowSettings.vatRules(ctx.tenant),
  }),
  route({
    method: 'post', path: '/vat-rules', tag: 'workflow', summary: 'A new version of a category\'s VAT recovery rule, in force from its date', access: admin, body: VatRuleInput, status: 201,
    handler: async ({ body }, ctx, c) => c.workflowSettings.addVatRule(ctx.tenant, ctx.principal, ctx.actor, body),
  }),
];
