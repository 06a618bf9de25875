// Client users, roles, teams and manager links (R-SEC-7). Every method works on a TenantDb.
import { randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import type { ClientRole } from '../../../storage/db/schema.ts';
import { decodeKeyset, encodeKeyset } from '../../../storage/db/keyset.ts';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError, type FieldError } from '../../http/errors.ts';
import type { Mailer } from '../../infra/mailer.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { usersRepository as repo, type UserRow } from './users.repository.ts';
import { CSV_COLUMNS, CsvRow, type InviteUser, type UpdateUser, type UserView } from './users.schemas.ts';

const MAX_IMPORT_ROWS = 5000;

export function userView(u: UserRow): UserView {
  return {
    id: u.id, email: u.email, name: u.name, roles: u.roles, status: u.status, managerId: u.manager_id, teamId: u.team_id,
    payrollId: u.payroll_id, locale: u.locale, createdAt: u.created_at.toISOString(), lastSignInAt: u.last_sign_in_at?.toISOString() ?? null,
  };
}

function decodeCursor(c: string) {
  const k = decodeKeyset(c);
  if (!k) throw new AppError('validation', 'Invalid cursor', { errors: [{ path: 'query.cursor', message: 'not a cursor from a previous page' }] });
  return k;
}

export class UsersService {
  constructor(private readonly d: { clock: Clock; audit: AuditService; auth: AuthService; mailer: Mailer; /** The licence's user limit (billing). */ seats: { assertSeats(tdb: TenantDb, adding: number): Promise<void> } }) {}

  async list(tdb: TenantDb, f: { q?: string; status?: string; role?: string; limit: number; cursor?: string }) {
    const rows = await repo.list(tdb, f, f.limit + 1, f.cursor ? decodeCursor(f.cursor) : undefined);
    const page = rows.slice(0, f.limit);
    return { items: page.map(userView), nextCursor: rows.length > f.limit ? encodeKeyset(page.at(-1)!) : null };
  }

  async get(tdb: TenantDb, id: string): Promise<UserView> {
    const u = await repo.byId(tdb, id);
    if (!u) throw new AppError('not-found', 'No such user');
    return userView(u);
  }

  private async checkLinks(tdb: TenantDb, userId: string | null, v: { managerId?: string | null; teamId?: string | null }) {
    const errors: FieldError[] = [];
    if (v.managerId) {
      if (v.managerId === userId) errors.push({ path: 'body.managerId', message: 'a user cannot be their own manager' });
      else if (!(await repo.byId(tdb, v.managerId))) errors.push({ path: 'body.managerId', message: 'no such user in this Client' });
    }
    if (v.teamId && !(await repo.teamById(tdb, v.teamId))) errors.push({ path: 'body.teamId', message: 'no such team in this Client' });
    if (errors.length) throw new AppError('validation', 'Invalid links', { errors });
  }

  async invite(tdb: TenantDb, actor: AuditActor, input: InviteUser): Promise<UserView> {
    const user = await tdb.transaction(async (tx) => {
      await this.checkLinks(tx, null, input);
      if ((await repo.takenEmails(tx, [input.email])).size) throw new AppError('email-taken');
      await this.d.seats.assertSeats(tx, 1);
      const id = randomUUID();
      await tx.insertInto('app_user', {
        id, email: input.email, name: input.name, status: 'invited', locale: input.locale ?? 'fr',
        manager_id: input.managerId ?? null, team_id: input.teamId ?? null, payroll_id: input.payrollId ?? null,
      }).execute();
      const roles = [...new Set(input.roles)];
      await repo.setRoles(tx, id, roles);
      const user = (await repo.byId(tx, id))!;
      await this.d.mailer.queue(tx.raw, await this.d.auth.issueInvitation(tx.raw, user, await repo.tenantName(tx)));
      await this.d.audit.record(tx.raw, actor, { type: 'user.invited', tenantId: tx.tenantId, target: { type: 'user', id }, data: { roles } });
      return user;
    });
    await this.d.mailer.deliver();
    return userView(user);
  }

  async resendInvitation(tdb: TenantDb, actor: AuditActor, id: string): Promise<void> {
    await tdb.transaction(async (tx) => {
      const u = await repo.byId(tx, id);
      if (!u) throw new AppError('not-found', 'No such user');
      if (u.status !== 'invited') throw new AppError('conflict', `The user is ${u.status}, not invited`);
      await this.d.mailer.queue(tx.raw, await this.d.auth.issueInvitation(tx.raw, u, await repo.tenantName(tx)));
      await this.d.audit.record(tx.raw, actor, { type: 'user.invitation_resent', tenantId: tx.tenantId, target: { type: 'user', id }, data: {} });
    });
    await this.d.mailer.deliver();
  }

  async update(tdb: TenantDb, actor: AuditActor, id: string, patch: UpdateUser): Promise<UserView> {
    return tdb.transaction(async (tx) => {
      await repo.lockAdmins(tx);
      const u = await repo.byId(tx, id);
      if (!u) throw new AppError('not-found', 'No such user');
      await this.checkLinks(tx, id, patch);
      const roles = patch.roles ? [...new Set(patch.roles)].sort() : undefined;
      if (roles && u.roles.includes('admin') && !roles.includes('admin') && u.status === 'active' && (await repo.otherActiveAdmins(tx, id)) === 0)
        throw new AppError('last-admin', 'This user is the last active admin of the Client: make someone else admin first.');
      const fields = Object.keys(patch).sort();
      await tx.updateTable('app_user').set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.managerId !== undefined ? { manager_id: patch.managerId } : {}),
        ...(patch.teamId !== undefined ? { team_id: patch.teamId } : {}),
        ...(patch.payrollId !== undefined ? { payroll_id: patch.payrollId } : {}),
        updated_at: this.d.clock.now(),
      }).where('id', '=', id).execute();
      if (roles) await repo.setRoles(tx, id, roles);
      await this.d.audit.record(tx.raw, actor, {
        type: 'user.updated', tenantId: tx.tenantId, target: { type: 'user', id },
        data: {
          fields,
          ...(roles ? { roles: { from: u.roles, to: roles } } : {}),
          ...(patch.managerId !== undefined ? { managerId: { from: u.manager_id, to: patch.managerId } } : {}),
          ...(patch.teamId !== undefined ? { teamId: { from: u.team_id, to: patch.teamId } } : {}),
        },
      });
      return userView((await repo.byId(tx, id))!);
    });
  }

  /** Deactivation blocks sign-in (sessions and tokens stop working) and keeps every record. */
  async setActive(tdb: TenantDb, actor: AuditActor, id: string, active: boolean): Promise<UserView> {
    return tdb.transaction(async (tx) => {
      await repo.lockAdmins(tx);
      const u = await repo.byId(tx, id);
      if (!u) throw new AppError('not-found', 'No such user');
      if (active && u.status !== 'deactivated') throw new AppError('conflict', `The user is ${u.status}, not deactivated`);
      if (!active && u.status === 'deactivated') throw new AppError('conflict', 'The user is already deactivated');
      if (!active && u.roles.includes('admin') && u.status === 'active' && (await repo.otherActiveAdmins(tx, id)) === 0)
        throw new AppError('last-admin', 'This user is the last active admin of the Client and cannot be deactivated.');
      // A reactivated user who never set a password goes back to "invited".
      const status = active ? (u.password_hash ? 'active' : 'invited') : 'deactivated';
      if (active) await this.d.seats.assertSeats(tx, 1);
      await tx.updateTable('app_user').set({ status, updated_at: this.d.clock.now() }).where('id', '=', id).execute();
      await this.d.audit.record(tx.raw, actor, { type: active ? 'user.reactivated' : 'user.deactivated', tenantId: tx.tenantId, target: { type: 'user', id }, data: {} });
      return userView((await repo.byId(tx, id))!);
    });
  }

  teams(tdb: TenantDb) {
    return repo.teams(tdb).then((ts) => ({ items: ts.map((t) => ({ id: t.id, name: t.name, managerId: t.manager_id })) }));
  }

  /** Names of the Client's active users, for anyone of the Client (no e-mail, no roles). */
  async directory(tdb: TenantDb) {
    const rows = await tdb.raw.selectFrom('app_user').select(['id', 'name', 'email']).where('tenant_id', '=', tdb.tenantId).where('status', '=', 'active').orderBy('name').execute();
    return { items: rows.map((r) => ({ id: r.id, name: r.name || r.email.split('@')[0]! })) };
  }

  async createTeam(tdb: TenantDb, actor: AuditActor, v: { name: string; managerId?: string | null }) {
    return tdb.transaction(async (tx) => {
      await this.checkLinks(tx, null, { managerId: v.managerId });
      if ((await repo.teams(tx)).some((t) => t.name.toLowerCase() === v.name.toLowerCase())) throw new AppError('conflict', 'A team with this name exists');
      const id = randomUUID();
      await tx.insertInto('team', { id, name: v.name, manager_id: v.managerId ?? null }).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'team.created', tenantId: tx.tenantId, target: { type: 'team', id }, data: {} });
      return { id, name: v.name, managerId: v.managerId ?? null };
    });
  }

  async updateTeam(tdb: TenantDb, actor: AuditActor, id: string, v: { name?: string; managerId?: string | null }) {
    return tdb.transaction(async (tx) => {
      const t = await repo.teamById(tx, id);
      if (!t) throw new AppError('not-found', 'No such team');
      await this.checkLinks(tx, null, { managerId: v.managerId });
      if (v.name && (await repo.teams(tx)).some((o) => o.id !== id && o.name.toLowerCase() === v.name!.toLowerCase())) throw new AppError('conflict', 'A team with this name exists');
      await tx.updateTable('team').set({ ...(v.name ? { name: v.name } : {}), ...(v.managerId !== undefined ? { manager_id: v.managerId } : {}) }).where('id', '=', id).execute();
      await this.d.audit.record(tx.raw, actor, { type: 'team.updated', tenantId: tx.tenantId, target: { type: 'team', id }, data: { fields: Object.keys(v).sort() } });
      const u = (await repo.teamById(tx, id))!;
      return { id: u.id, name: u.name, managerId: u.manager_id };
    });
  }

  /**
   * CSV import of users, teams and managers: every row is checked first; one bad row and
   * nothing is imported (the errors name row and column). Then one transaction does it all.
   */
  async importCsv(tdb: TenantDb, actor: AuditActor, text: string) {
    const rows = parseImport(text);
    const result = await tdb.transaction(async (tx) => {
      await repo.lockAdmins(tx);
      const errors: FieldError[] = [];
      const emails = rows.map((r) => r.value?.email).filter((e): e is string => !!e);
      const existing = new Map((await repo.byEmails(tx, emails)).map((u) => [u.email.toLowerCase(), u]));
      const taken = await repo.takenEmails(tx, emails);
      const managerEmails = rows.map((r) => r.value?.managerEmail).filter((e): e is string => !!e);
      const managers = new Map((await repo.byEmails(tx, managerEmails)).map((u) => [u.email.toLowerCase(), u]));
      const inFile = new Set<string>();
      for (const r of rows) {
        errors.push(...r.errors);
        const v = r.value;
        if (!v) continue;
        if (inFile.has(v.email)) errors.push({ row: r.row, column: 'email', message: 'appears twice in the file' });
        inFile.add(v.email);
        if (taken.has(v.email) && !existing.has(v.email)) errors.push({ row: r.row, column: 'email', message: 'already used by a user of another Client' });
        if (v.managerEmail && v.managerEmail === v.email) errors.push({ row: r.row, column: 'manager_email', message: 'a user cannot be their own manager' });
      }
      for (const r of rows) {
        const m = r.value?.managerEmail;
        if (m && !managers.has(m) && !inFile.has(m)) errors.push({ row: r.row, column: 'manager_email', message: `no user ${m} in this Client or in the file` });
        const before = r.value && existing.get(r.value.email);
        if (before?.roles.includes('admin') && !r.value!.roles.includes('admin') && before.status === 'active') {
          const keptAdmins = (await repo.otherActiveAdmins(tx, before.id)) - rows.filter((o) => { const e = existing.get(o.value?.email ?? ''); return e && e.id !== before.id && e.roles.includes('admin') && !o.value!.roles.includes('admin'); }).length;
          if (keptAdmins <= 0) errors.push({ row: r.row, column: 'roles', message: 'would remove the last active admin of the Client' });
        }
      }
      if (errors.length) throw new AppError('import-invalid', `${errors.length} error(s); nothing was imported.`, { errors: errors.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)) });
      await this.d.seats.assertSeats(tx, rows.filter((r) => !existing.has(r.value!.email)).length);

      const teams = new Map((await repo.teams(tx)).map((t) => [t.name.toLowerCase(), t.id]));
      let teamsCreated = 0;
      for (const r of rows) {
        const name = r.value!.team;
        if (name && !teams.has(name.toLowerCase())) {
          const id = randomUUID();
          await tx.insertInto('team', { id, name }).execute();
          teams.set(name.toLowerCase(), id);
          teamsCreated++;
          await this.d.audit.record(tx.raw, actor, { type: 'team.created', tenantId: tx.tenantId, target: { type: 'team', id }, data: {} });
        }
      }
      const tenantName = await repo.tenantName(tx);
      const ids = new Map<string, string>();
      let created = 0;
      let updated = 0;
      const now = this.d.clock.now();
      for (const r of rows) {
        const v = r.value!;
        const teamId = v.team ? teams.get(v.team.toLowerCase())! : null;
        const before = existing.get(v.email);
        const roles = [...new Set(v.roles)].sort() as ClientRole[];
        if (before) {
          ids.set(v.email, before.id);
          await tx.updateTable('app_user').set({ name: v.name, team_id: teamId, payroll_id: v.payrollId || null, updated_at: now }).where('id', '=', before.id).execute();
          await repo.setRoles(tx, before.id, roles);
          updated++;
        } else {
          const id = randomUUID();
          ids.set(v.email, id);
          await tx.insertInto('app_user', { id, email: v.email, name: v.name, status: 'invited', team_id: teamId, payroll_id: v.payrollId || null, locale: v.locale }).execute();
          await repo.setRoles(tx, id, roles);
          await this.d.mailer.queue(tx.raw, await this.d.auth.issueInvitation(tx.raw, { id, email: v.email, name: v.name, locale: v.locale }, tenantName));
          await this.d.audit.record(tx.raw, actor, { type: 'user.invited', tenantId: tx.tenantId, target: { type: 'user', id }, data: { roles } });
          created++;
        }
      }
      // Managers last: a manager may be a row further down the file.
      for (const r of rows) {
        const v = r.value!;
        const managerId = v.managerEmail ? (ids.get(v.managerEmail) ?? managers.get(v.managerEmail)!.id) : null;
        await tx.updateTable('app_user').set({ manager_id: managerId }).where('id', '=', ids.get(v.email)!).execute();
      }
      await this.d.audit.record(tx.raw, actor, { type: 'users.imported', tenantId: tx.tenantId, data: { created, updated, teamsCreated } });
      return { created, updated, teamsCreated };
    });
    await this.d.mailer.deliver();
    return result;
  }
}

function parseImport(text: string): { row: number; value?: CsvRow; errors: FieldError[] }[] {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text.replace(/^\uFEFF/, ''), {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      delimiter: [',', ';'],
      relax_column_count: false,
    });
  } catch (e) {
    throw new AppError('import-invalid', `The file is not valid CSV: ${(e as Error).message}`, { errors: [{ row: 0, column: '', message: (e as Error).message }] });
  }
  const header = Object.keys(records[0] ?? {});
  const missing = ['email', 'name', 'roles'].filter((c) => !header.includes(c));
  const unknown = header.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
  if (records.length === 0 || missing.length || unknown.length) {
    const message = records.length === 0 ? 'the file has no data rows' : [missing.length ? `missing columns: ${missing.join(', ')}` : '', unknown.length ? `unknown columns: ${unknown.join(', ')}` : ''].filter(Boolean).join('; ');
    throw new AppError('import-invalid', `Expected columns: ${CSV_COLUMNS.join(', ')}`, { errors: [{ row: 1, column: '', message }] });
  }
  if (records.length > MAX_IMPORT_ROWS) throw new AppError('import-invalid', `At most ${MAX_IMPORT_ROWS} rows per import`, { errors: [{ row: 0, column: '', message: 'too many rows' }] });
  return records.map((rec, i) => {
    const row = i + 2; // the header is row 1, as a spreadsheet shows it
    const parsed = CsvRow.safeParse({
      email: rec.email ?? '', name: rec.name ?? '',
      roles: (rec.roles ?? '').split('|').map((s) => s.trim().toLowerCase()).filter(Boolean),
      team: rec.team ?? '', managerEmail: (rec.manager_email ?? '').toLowerCase(), payrollId: rec.payroll_id ?? '', locale: (rec.locale ?? '').toLowerCase() || 'fr',
    });
    if (parsed.success) return { row, value: parsed.data, errors: [] };
    const col = (p: PropertyKey | undefined) => ({ managerEmail: 'manager_email', payrollId: 'payroll_id' })[String(p)] ?? String(p);
    return { row, errors: parsed.error.issues.map((iss) => ({ row, column: col(iss.path[0]), message: iss.message })) };
  });
}
