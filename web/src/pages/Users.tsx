// Users (admin): the list with filters and keyset pagination, invitation, edition,
// deactivation/reactivation, resent invitations; teams and CSV import in their own tabs.
import { useCallback, useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { api, query, type InviteInput, type Page, type Team, type User, type UserPatch } from '../api.ts';
import { DataTable, ListFoot, usePagedList } from '../components/lists.tsx';
import { Badge, CheckboxGroup, FormActions, Modal, Notice, ProblemBox, SelectField, TextField, useConfirm, usePageTitle, useSubmit } from '../components/ui.tsx';
import { useI18n, type Translate } from '../i18n/index.tsx';
import { label } from '../labels.ts';
import { Link } from '../router.tsx';
import { CLIENT_ROLES, useSignedIn, type ClientRole } from '../session.tsx';
import { TeamsTab } from './Teams.tsx';
import { ImportTab } from './Import.tsx';

/** Every user and team of the Client, for the manager and team selects and for names in tables. */
export interface Directory {
  users: User[];
  teams: Team[];
  reload(): void;
}

/** The Client's users' names by id, for admins (`enabled`); others may not list users and get an empty map. */
export function useUserNames(enabled: boolean): Map<string, string> {
  const [names, setNames] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    allUsers().then(
      (us) => live && setNames(new Map(us.map((u) => [u.id, u.name]))),
      () => undefined, // names are a comfort: callers show a short id without them
    );
    return () => {
      live = false;
    };
  }, [enabled]);
  return names;
}

/** Every user of the Client (admins only: GET /users), page after page. */
export async function allUsers(): Promise<User[]> {
  const out: User[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 50; i++) {
    const p: Page<User> = await api.get<Page<User>>(`/users${query({ limit: 200, cursor })}`);
    out.push(...p.items);
    cursor = p.nextCursor;
    if (!cursor) break;
  }
  return out;
}

function useDirectory(): Directory & { error: unknown } {
  const [users, setUsers] = useState<User[]>([]);
  const [teams, setTeams] = useState<Team[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    Promise.all([allUsers(), api.get<{ items: Team[] }>('/teams')]).then(
      ([u, t]) => {
        if (!live) return;
        setUsers(u);
        setTeams(t.items);
        setError(null);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { users, teams, reload, error };
}

export type UsersTab = 'list' | 'teams' | 'import';

export function UsersPage({ tab }: { tab: UsersTab }) {
  const { t } = useI18n();
  const dir = useDirectory();
  usePageTitle(tab === 'list' ? t('users.title') : tab === 'teams' ? t('teams.title') : t('users.tab.import'));
  const tabs: { id: UsersTab; to: string; label: string }[] = [
    { id: 'list', to: '/users', label: t('users.tab.list') },
    { id: 'teams', to: '/users/teams', label: t('users.tab.teams') },
    { id: 'import', to: '/users/import', label: t('users.tab.import') },
  ];
  return (
    <section className="page">
      <h1>{t('users.title')}</h1>
      <nav className="tabs" aria-label={t('users.tabs')}>
        {tabs.map((x) => (
          <Link key={x.id} to={x.to} className="tabs__tab" aria-current={tab === x.id ? 'page' : undefined}>
            {x.label}
          </Link>
        ))}
      </nav>
      <ProblemBox error={dir.error} />
      {tab === 'list' && <UserList dir={dir} />}
      {tab === 'teams' && <TeamsTab dir={dir} />}
      {tab === 'import' && <ImportTab onImported={dir.reload} />}
    </section>
  );
}

export function statusBadge(t: Translate, status: string): ReactNode {
  const tone = status === 'active' ? 'green' : status === 'invited' ? 'amber' : 'grey';
  return <Badge tone={tone}>{label(t, 'status', status)}</Badge>;
}

function UserList({ dir }: { dir: Directory }) {
  const { t, dateTime } = useI18n();
  const me = useSignedIn();
  const [q, setQ] = useState('');
  const [debouncedQ, setDebouncedQ] = useState('');
  const [status, setStatus] = useState('');
  const [role, setRole] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [inviting, setInviting] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [confirmEl, ask] = useConfirm();
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const h = setTimeout(() => setDebouncedQ(q.trim()), 300);
    return () => clearTimeout(h);
  }, [q]);

  const filters = useMemo(() => ({ q: debouncedQ, status, role }), [debouncedQ, status, role]);
  const list = usePagedList<User>('/users', filters, setError, version);

  const refresh = () => {
    setVersion((v) => v + 1);
    dir.reload();
  };
  const names = new Map(dir.users.map((u) => [u.id, u.name]));
  const teamNames = new Map(dir.teams.map((x) => [x.id, x.name]));

  async function act(u: User, kind: 'deactivate' | 'reactivate' | 'resend') {
    setError(null);
    setNotice('');
    const message = kind === 'resend' ? t('users.resend.confirm', { email: u.email }) : t(`users.${kind}.confirm`, { name: u.name });
    const confirmLabel = kind === 'resend' ? t('users.resend') : t(`users.${kind}`);
    if (!(await ask(message, confirmLabel, kind === 'deactivate'))) return;
    try {
      if (kind === 'resend') {
        await api.post(`/users/${u.id}/resend-invitation`);
        setNotice(t('users.resent', { email: u.email }));
      } else {
        list.replace(await api.post<User>(`/users/${u.id}/${kind}`));
        setNotice(t(kind === 'deactivate' ? 'users.deactivated' : 'users.reactivated', { name: u.name }));
        dir.reload();
      }
    } catch (e) {
      setError(e);
    }
  }

  const filtered = !!(q || status || role);

  return (
    <>
      <div className="toolbar">
        <form className="filters" role="search" onSubmit={(e) => (e.preventDefault(), setDebouncedQ(q.trim()))}>
          <TextField label={t('users.search')} type="search" name="q" value={q} onChange={setQ} className="filters__q" />
          <SelectField label={t('users.filter.status')} name="status" value={status} onChange={setStatus}>
            <option value="">{t('common.all')}</option>
            {(['active', 'invited', 'deactivated'] as const).map((s) => (
              <option key={s} value={s}>
                {label(t, 'status', s)}
              </option>
            ))}
          </SelectField>
          <SelectField label={t('users.filter.role')} name="role" value={role} onChange={setRole}>
            <option value="">{t('common.all')}</option>
            {CLIENT_ROLES.map((r) => (
              <option key={r} value={r}>
                {label(t, 'role', r)}
              </option>
            ))}
          </SelectField>
          {filtered && (
            <button type="button" className="btn btn--ghost filters__clear" onClick={() => (setQ(''), setDebouncedQ(''), setStatus(''), setRole(''))}>
              {t('common.clear')}
            </button>
          )}
        </form>
        <button type="button" className="btn btn--primary" onClick={() => (setNotice(''), setInviting(true))}>
          {t('users.invite')}
        </button>
      </div>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      <DataTable
        caption={t('users.title')}
        columns={[t('users.col.user'), t('users.col.roles'), t('users.col.team'), t('users.col.manager'), t('users.col.status'), t('users.col.lastSignIn')]}
        actions
        rows={list.items}
        busy={list.loading}
        empty={t('users.empty')}
      >
        {(u) => (
          <tr key={u.id} data-email={u.email}>
            <td data-label={t('users.col.user')}>
              <div>
                <span className="cell-main">
                  {u.name}
                  {u.id === me.user.id && <span className="muted"> ({t('users.you')})</span>}
                </span>
                <span className="cell-sub">{u.email}</span>
              </div>
            </td>
            <td data-label={t('users.col.roles')}>
              <span className="chips">
                {u.roles.map((r) => (
                  <span key={r} className="chip">
                    {label(t, 'role', r)}
                  </span>
                ))}
              </span>
            </td>
            <td data-label={t('users.col.team')}>{(u.teamId && teamNames.get(u.teamId)) || t('common.none')}</td>
            <td data-label={t('users.col.manager')}>{(u.managerId && names.get(u.managerId)) || t('common.none')}</td>
            <td data-label={t('users.col.status')}>{statusBadge(t, u.status)}</td>
            <td data-label={t('users.col.lastSignIn')} className="nowrap">{u.lastSignInAt ? dateTime(u.lastSignInAt) : t('users.never')}</td>
            <td className="cell-actions">
              <button type="button" className="btn btn--small" aria-label={t('users.edit.label', { name: u.name })} onClick={() => (setNotice(''), setEditing(u))}>
                {t('users.edit')}
              </button>
              {u.status === 'invited' && (
                <button type="button" className="btn btn--small" aria-label={t('users.resend.label', { name: u.name })} onClick={() => void act(u, 'resend')}>
                  {t('users.resend')}
                </button>
              )}
              {u.status === 'deactivated' ? (
                <button type="button" className="btn btn--small" aria-label={t('users.reactivate.label', { name: u.name })} onClick={() => void act(u, 'reactivate')}>
                  {t('users.reactivate')}
                </button>
              ) : (
                <button type="button" className="btn btn--small btn--danger-ghost" aria-label={t('users.deactivate.label', { name: u.name })} onClick={() => void act(u, 'deactivate')}>
                  {t('users.deactivate')}
                </button>
              )}
            </td>
          </tr>
        )}
      </DataTable>
      <ListFoot list={list} />

      <Modal open={inviting} title={t('users.invite')} onClose={() => setInviting(false)} wide>
        <InviteForm
          dir={dir}
          onDone={(u) => {
            setInviting(false);
            setNotice(t('users.invited', { email: u.email }));
            refresh();
          }}
          onCancel={() => setInviting(false)}
        />
      </Modal>
      <Modal open={!!editing} title={editing ? t('users.edit.title', { name: editing.name }) : ''} onClose={() => setEditing(null)} wide>
        {editing && (
          <EditForm
            user={editing}
            dir={dir}
            onDone={(u) => {
              setEditing(null);
              list.replace(u);
              setNotice(t('users.updated', { name: u.name }));
              dir.reload();
            }}
            onCancel={() => setEditing(null)}
          />
        )}
      </Modal>
      {confirmEl}
    </>
  );
}

function roleOptions(t: Translate) {
  return CLIENT_ROLES.map((r) => ({ value: r, label: label(t, 'role', r) }));
}

function ManagerSelect({ dir, value, onChange, exclude, error }: { dir: Directory; value: string; onChange: (v: string) => void; exclude?: string; error?: string }) {
  const { t } = useI18n();
  const candidates = dir.users.filter((u) => u.id !== exclude && u.status !== 'deactivated').sort((a, b) => a.name.localeCompare(b.name));
  return (
    <SelectField label={t('users.field.manager')} name="managerId" value={value} onChange={onChange} error={error} optional>
      <option value="">{t('users.noManager')}</option>
      {candidates.map((u) => (
        <option key={u.id} value={u.id}>
          {u.name} ({u.email})
        </option>
      ))}
    </SelectField>
  );
}

function TeamSelect({ dir, value, onChange, error }: { dir: Directory; value: string; onChange: (v: string) => void; error?: string }) {
  const { t } = useI18n();
  return (
    <SelectField label={t('users.field.team')} name="teamId" value={value} onChange={onChange} error={error} optional>
      <option value="">{t('users.noTeam')}</option>
      {dir.teams.map((x) => (
        <option key={x.id} value={x.id}>
          {x.name}
        </option>
      ))}
    </SelectField>
  );
}

const USER_FIELDS = ['email', 'name', 'roles', 'managerId', 'teamId', 'payrollId', 'locale'];

function InviteForm({ dir, onDone, onCancel }: { dir: Directory; onDone: (u: User) => void; onCancel: () => void }) {
  const { t, locale: uiLocale } = useI18n();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<ClientRole[]>(['employee']);
  const [managerId, setManagerId] = useState('');
  const [teamId, setTeamId] = useState('');
  const [payrollId, setPayrollId] = useState('');
  const [locale, setLocale] = useState<'fr' | 'en'>(uiLocale);
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  const [rolesMissing, setRolesMissing] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (roles.length === 0) return setRolesMissing(true);
    setRolesMissing(false);
    const body: InviteInput = { email, name, roles, managerId: managerId || null, teamId: teamId || null, payrollId: payrollId.trim() || null, locale };
    await run(async () => onDone(await api.post<User>('/users', body)));
  }

  return (
    <form onSubmit={submit} className="form" aria-label={t('users.invite')}>
      <p className="muted">{t('users.invite.intro')}</p>
      <ProblemBox error={error} inline={USER_FIELDS} />
      <div className="grid2">
        <TextField label={t('common.email')} type="email" name="email" autoComplete="off" required value={email} onChange={setEmail} error={fe('email')} />
        <TextField label={t('common.name')} name="name" autoComplete="off" required value={name} onChange={setName} error={fe('name')} />
      </div>
      <CheckboxGroup legend={t('users.field.roles')} name="roles" options={roleOptions(t)} value={roles} onChange={setRoles} error={rolesMissing ? t('users.rolesRequired') : fe('roles')} />
      <div className="grid2">
        <ManagerSelect dir={dir} value={managerId} onChange={setManagerId} error={fe('managerId')} />
        <TeamSelect dir={dir} value={teamId} onChange={setTeamId} error={fe('teamId')} />
        <TextField label={t('users.field.payrollId')} name="payrollId" value={payrollId} onChange={setPayrollId} error={fe('payrollId')} optional maxLength={50} />
        <SelectField label={t('users.field.locale')} name="locale" value={locale} onChange={(v) => setLocale(v as 'fr' | 'en')}>
          <option value="fr">{t('lang.fr')}</option>
          <option value="en">{t('lang.en')}</option>
        </SelectField>
      </div>
      <FormActions label={t('users.invite.submit')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

function EditForm({ user, dir, onDone, onCancel }: { user: User; dir: Directory; onDone: (u: User) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(user.name);
  const [roles, setRoles] = useState<ClientRole[]>(user.roles.filter((r): r is ClientRole => (CLIENT_ROLES as readonly string[]).includes(r)));
  const [managerId, setManagerId] = useState(user.managerId ?? '');
  const [teamId, setTeamId] = useState(user.teamId ?? '');
  const [payrollId, setPayrollId] = useState(user.payrollId ?? '');
  const { error, setError, busy, run, fieldError: fe } = useSubmit();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (roles.length === 0) return setError(t('users.rolesRequired'));
    const patch: UserPatch = {};
    if (name.trim() !== user.name) patch.name = name;
    if ([...roles].sort().join() !== [...user.roles].sort().join()) patch.roles = roles;
    if ((managerId || null) !== user.managerId) patch.managerId = managerId || null;
    if ((teamId || null) !== user.teamId) patch.teamId = teamId || null;
    if ((payrollId.trim() || null) !== user.payrollId) patch.payrollId = payrollId.trim() || null;
    if (Object.keys(patch).length === 0) return setError(t('users.nothingChanged'));
    await run(async () => onDone(await api.patch<User>(`/users/${user.id}`, patch)));
  }

  return (
    <form onSubmit={submit} className="form">
      <p className="muted">
        {user.email} · {statusBadge(t, user.status)}
      </p>
      <ProblemBox error={error} inline={USER_FIELDS} />
      <TextField label={t('common.name')} name="name" required value={name} onChange={setName} error={fe('name')} />
      <CheckboxGroup legend={t('users.field.roles')} name="roles" options={roleOptions(t)} value={roles} onChange={setRoles} error={fe('roles')} />
      <div className="grid2">
        <ManagerSelect dir={dir} value={managerId} onChange={setManagerId} exclude={user.id} error={fe('managerId')} />
        <TeamSelect dir={dir} value={teamId} onChange={setTeamId} error={fe('teamId')} />
        <TextField label={t('users.field.payrollId')} name="payrollId" value={payrollId} onChange={setPayrollId} error={fe('payrollId')} optional maxLength={50} />
      </div>
      <FormActions label={t('common.save')} busy={busy} onCancel={onCancel} />
    </form>
  );
}
