// Teams (admin): list, create, rename or change manager.
import { useState, type FormEvent } from 'react';
import { api, type Team } from '../api.ts';
import { DataTable } from '../components/lists.tsx';
import { FormActions, Modal, Notice, ProblemBox, SelectField, TextField, useSubmit } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';
import type { Directory } from './Users.tsx';

export function TeamsTab({ dir }: { dir: Directory }) {
  const { t } = useI18n();
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState<Team | null>(null);
  const names = new Map(dir.users.map((u) => [u.id, u.name]));
  const members = (id: string) => dir.users.filter((u) => u.teamId === id && u.status !== 'deactivated').length;

  return (
    <div className="split">
      <div className="split__main">
        <p className="muted">{t('teams.intro')}</p>
        <Notice>{notice || null}</Notice>
        <DataTable caption={t('teams.title')} columns={[t('teams.col.name'), t('teams.col.manager'), { label: t('teams.col.members'), className: 'num' }]} actions rows={dir.teams} empty={t('teams.empty')}>
          {(x) => (
            <tr key={x.id}>
              <td data-label={t('teams.col.name')} className="cell-main">
                {x.name}
              </td>
              <td data-label={t('teams.col.manager')}>{(x.managerId && names.get(x.managerId)) || t('common.none')}</td>
              <td data-label={t('teams.col.members')} className="num">
                {members(x.id)}
              </td>
              <td className="cell-actions">
                <button type="button" className="btn btn--small" aria-label={t('teams.edit.label', { name: x.name })} onClick={() => (setNotice(''), setEditing(x))}>
                  {t('users.edit')}
                </button>
              </td>
            </tr>
          )}
        </DataTable>
      </div>
      <aside className="split__side card">
        <h2>{t('teams.create')}</h2>
        <TeamForm
          dir={dir}
          submitLabel={t('teams.create')}
          onSubmit={async (v) => {
            const team = await api.post<Team>('/teams', v);
            setNotice(t('teams.created', { name: team.name }));
            dir.reload();
          }}
          resetAfter
        />
      </aside>
      <Modal open={!!editing} title={editing ? t('teams.edit.title', { name: editing.name }) : ''} onClose={() => setEditing(null)}>
        {editing && (
          <TeamForm
            dir={dir}
            team={editing}
            submitLabel={t('common.save')}
            onCancel={() => setEditing(null)}
            onSubmit={async (v) => {
              const patch: { name?: string; managerId?: string | null } = {};
              if (v.name.trim() !== editing.name) patch.name = v.name;
              if (v.managerId !== editing.managerId) patch.managerId = v.managerId;
              if (Object.keys(patch).length) {
                const team = await api.patch<Team>(`/teams/${editing.id}`, patch);
                setNotice(t('teams.updated', { name: team.name }));
                dir.reload();
              }
              setEditing(null);
            }}
          />
        )}
      </Modal>
    </div>
  );
}

function TeamForm({ dir, team, submitLabel, onSubmit, onCancel, resetAfter }: { dir: Directory; team?: Team; submitLabel: string; onSubmit: (v: { name: string; managerId: string | null }) => Promise<void>; onCancel?: () => void; resetAfter?: boolean }) {
  const { t } = useI18n();
  const [name, setName] = useState(team?.name ?? '');
  const [managerId, setManagerId] = useState(team?.managerId ?? '');
  const { error, setError, busy, run, fieldError } = useSubmit();
  const managers = dir.users.filter((u) => u.status !== 'deactivated').sort((a, b) => a.name.localeCompare(b.name));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      await onSubmit({ name, managerId: managerId || null });
      if (resetAfter) {
        setName('');
        setManagerId('');
      }
    });
  }

  return (
    <form onSubmit={submit} className="form">
      <ProblemBox error={error} inline={['name', 'managerId']} />
      <TextField label={t('teams.name')} name="team-name" required value={name} onChange={setName} error={fieldError('name')} maxLength={200} />
      <SelectField label={t('teams.manager')} name="team-manager" value={managerId} onChange={setManagerId} optional error={fieldError('managerId')}>
        <option value="">{t('users.noManager')}</option>
        {managers.map((u) => (
          <option key={u.id} value={u.id}>
            {u.name}
          </option>
        ))}
      </SelectField>
      <FormActions label={submitLabel} busy={busy} onCancel={onCancel} />
    </form>
  );
}
