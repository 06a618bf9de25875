import { z } from 'zod';
import { CLIENT_ROLES } from '../../../storage/db/schema.ts';

export const ClientRoleSchema = z.enum(CLIENT_ROLES);
const email = z.string().trim().toLowerCase().pipe(z.email({ message: 'must be an email address' })).pipe(z.string().max(254));
const name = z.string().trim().min(1).max(200);
const uuid = z.uuid();

export const UserView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  status: z.enum(['invited', 'active', 'deactivated']),
  managerId: z.string().nullable(),
  teamId: z.string().nullable(),
  payrollId: z.string().nullable(),
  locale: z.enum(['fr', 'en']),
  createdAt: z.string(),
  lastSignInAt: z.string().nullable(),
});
export type UserView = z.infer<typeof UserView>;

export const InviteUser = z.strictObject({
  email,
  name,
  roles: z.array(ClientRoleSchema).min(1).max(CLIENT_ROLES.length),
  managerId: uuid.nullable().optional(),
  teamId: uuid.nullable().optional(),
  payrollId: z.string().trim().max(50).nullable().optional(),
  locale: z.enum(['fr', 'en']).optional(),
});
export type InviteUser = z.infer<typeof InviteUser>;

export const UpdateUser = z
  .strictObject({
    name: name.optional(),
    roles: z.array(ClientRoleSchema).min(1).max(CLIENT_ROLES.length).optional(),
    managerId: uuid.nullable().optional(),
    teamId: uuid.nullable().optional(),
    payrollId: z.string().trim().max(50).nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateUser = z.infer<typeof UpdateUser>;

export const ListUsersQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  status: z.enum(['invited', 'active', 'deactivated']).optional(),
  role: ClientRoleSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const IdParams = z.strictObject({ id: uuid });

export const TeamView = z.object({ id: z.string(), name: z.string(), managerId: z.string().nullable() });
export const CreateTeam = z.strictObject({ name, managerId: uuid.nullable().optional() });
export const UpdateTeam = z.strictObject({ name: name.optional(), managerId: uuid.nullable().optional() }).refine((v) => Object.keys(v).length > 0, 'nothing to change');

export const ImportResult = z.object({ created: z.number(), updated: z.number(), teamsCreated: z.number() });

/** Columns of the user import; email, name and roles are required. */
export const CSV_COLUMNS = ['email', 'name', 'roles', 'team', 'manager_email', 'payroll_id', 'locale'] as const;

export const CsvRow = z.object({ email, name, roles: z.array(ClientRoleSchema).min(1), team: z.string().trim().max(200), managerEmail: z.string(), payrollId: z.string().trim().max(50), locale: z.enum(['fr', 'en'], { message: 'fr or en' }) });
export type CsvRow = z.infer<typeof CsvRow>;
