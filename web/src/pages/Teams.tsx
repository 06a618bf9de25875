// Teams (admin): list, create, rename or change manager.
import { useState, type FormEvent } from 'react';
import { api, ApiError, type Team } from '../api.ts';
import { Modal, Notice, ProblemBox, SelectField, TextField } from '../components/ui.tsx';
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
        <div className="table-wrap">
          <table className="table table--responsive">
            <caption className="sr-only">{t('teams.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('teams.col.name')}</th>
                <th scope="col">{t('teams.col.manager')}</th>
                <th scope="col" className="num">
                  {t('teams.col.members')}
                </th>
                <th scope="col">
                  <span className="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {dir.teams.map((x) => (
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
              ))}
            </tbody>
          </table>
          {dir.teams.length === 0 && <p className="empty">{t('teams.empty')}</p>}
        </div>
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
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const managers = dir.users.filter((u) => u.status !== 'deactivated').sort((a, b) => a.name.localeCompare(b.name));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await onSubmit({ name, managerId: managerId || null });
      if (resetAfter) {
        setName('');
        setManagerId('');
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="form">
      <ProblemBox error={error} inline={['name', 'managerId']} />
      <TextField label={t('teams.name')} name="team-name" required value={name} onChange={setName} error={error instanceof ApiError ? error.forField('name') : undefined} maxLength={200} />
      <SelectField label={t('teams.manager')} name="team-manager" value={managerId} onChange={setManagerId} optional error={error instanceof ApiError ? error.forField('managerId') : undefined}>
        <option value="">{t('users.noManager')}</option>
        {managers.map((u) => (
          <option key={u.id} value={u.id}>
            {u.name}
          </option>
        ))}
      </SelectField>
      <div className="actions">
        <button type="submit" className="btn btn--primary" disabled={busy}>
          {busy ? t('common.saving') : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
