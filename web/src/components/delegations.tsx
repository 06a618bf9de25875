// My delegations (Profile): whom I let approve for me, and for whom I approve, over a period; add
// one, end one. The delegate is chosen among the Client's active colleagues (GET /users/directory:
// names only, open to every user of the Client).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, type Delegation } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { hasRole, useSignedIn } from '../session.tsx';
import { dayLabel, today } from './expenses.tsx';
import { DataTable } from './lists.tsx';
import { Badge, FormActions, Notice, ProblemBox, SelectField, TextField, useConfirm, useSubmit } from './ui.tsx';

export function DelegationsCard() {
  const { t, locale } = useI18n();
  const me = useSignedIn();
  const [items, setItems] = useState<Delegation[]>([]);
  const [users, setUsers] = useState<Colleague[] | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [version, setVersion] = useState(0);
  const pending = useRef('');
  const [confirmEl, ask] = useConfirm();

  useEffect(() => {
    let live = true;
    setLoading(true);
    api.get<{ items: Delegation[] }>('/delegations').then(
      (r) => {
        if (!live) return;
        setItems(r.items);
        setLoading(false);
        // The message of a change once the list shows it.
        if (pending.current) setNotice(pending.current);
        pending.current = '';
      },
      (e) => live && (setError(e), setLoading(false)),
    );
    return () => {
      live = false;
    };
  }, [version]);
  useEffect(() => {
    let live = true;
    api.get<{ items: Colleague[] }>('/users/directory').then(
      (r) => live && setUsers(r.items),
      () => live && setUsers([]), // the delegate's id is typed instead
    );
    return () => {
      live = false;
    };
  }, []);

  const nameOf = (id: string, given?: string) => (id === me.user.id ? t('users.you') : given || (users?.find((u) => u.id === id)?.name ?? t('delegations.user', { id: id.slice(0, 8) })));
  const name = (id: string) => nameOf(id, items.find((d) => d.delegateId === id)?.delegateName ?? items.find((d) => d.managerId === id)?.managerName);
  const now = today();
  const state = (d: Delegation) => (d.startsOn > now ? 'future' : d.endsOn < now ? 'over' : 'current');

  async function end(d: Delegation) {
    setError(null);
    setNotice('');
    if (!(await ask(t('delegations.end.confirm', { name: name(d.delegateId) }), t('delegations.end'), true))) return;
    try {
      await api.delete(`/delegations/${encodeURIComponent(d.id)}`);
      pending.current = t('delegations.ended', { name: name(d.delegateId) });
      setVersion((v) => v + 1);
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section className="card" aria-labelledby="delegations-heading">
      <h2 id="delegations-heading">{t('delegations.title')}</h2>
      <p className="muted">{t('delegations.intro')}</p>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      <DataTable caption={t('delegations.title')} columns={[t('delegations.col.from'), t('delegations.col.to'), t('delegations.col.period'), t('delegations.col.state')]} actions rows={items} busy={loading} empty={t('delegations.empty')}>
        {(d) => (
          <tr key={d.id} data-delegation={d.id}>
            <td data-label={t('delegations.col.from')}>{name(d.managerId)}</td>
            <td data-label={t('delegations.col.to')} className="cell-main">
              {name(d.delegateId)}
            </td>
            <td data-label={t('delegations.col.period')} className="nowrap">
              {t('delegations.period', { from: dayLabel(d.startsOn, locale), to: dayLabel(d.endsOn, locale) })}
            </td>
            <td data-label={t('delegations.col.state')}>
              <Badge tone={state(d) === 'current' ? 'green' : state(d) === 'future' ? 'blue' : 'grey'}>{t(`delegations.state.${state(d)}`)}</Badge>
            </td>
            <td className="cell-actions">
              {d.managerId === me.user.id && (
                <button type="button" className="btn btn--small btn--danger-ghost" aria-label={t('delegations.end.label', { name: name(d.delegateId) })} onClick={() => void end(d)}>
                  {t('delegations.end')}
                </button>
              )}
            </td>
          </tr>
        )}
      </DataTable>
      <h3>{t('delegations.add')}</h3>
      <AddDelegation users={users && users.length ? users.filter((u) => u.id !== me.user.id) : null} onDone={(who) => ((pending.current = t('delegations.added', { name: who })), setVersion((v) => v + 1))} />
      {hasRole(me, 'manager') && <DigestChoice />}
      {confirmEl}
    </section>
  );
}

/** Approvers: one e-mail a day listing what waits for them, instead of one per submission. */
function DigestChoice() {
  const { t } = useI18n();
  const [on, setOn] = useState<boolean | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api.get<{ approvalDigest: boolean }>('/me/approval-digest').then((r) => live && setOn(r.approvalDigest), (e) => live && setError(e));
    return () => {
      live = false;
    };
  }, []);
  async function change(v: boolean) {
    setError(null);
    try {
      setOn((await api.put<{ approvalDigest: boolean }>('/me/approval-digest', { approvalDigest: v })).approvalDigest);
    } catch (e) {
      setError(e);
    }
  }
  return (
    <div className="field">
      <ProblemBox error={error} />
      <label className="check">
        <input type="checkbox" name="approvalDigest" checked={!!on} disabled={on === null} onChange={(e) => void change(e.target.checked)} /> {t('delegations.digest')}
      </label>
      <p className="field__hint">{t('delegations.digest.hint')}</p>
    </div>
  );
}

interface Colleague {
  id: string;
  name: string;
}

function AddDelegation({ users, onDone }: { users: Colleague[] | null; onDone: (name: string) => void }) {
  const { t } = useI18n();
  const [delegateId, setDelegateId] = useState('');
  const [startsOn, setStartsOn] = useState(today());
  const [endsOn, setEndsOn] = useState(today());
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      await api.post('/delegations', { delegateId: delegateId.trim(), startsOn, endsOn });
      const who = users?.find((u) => u.id === delegateId)?.name ?? delegateId.trim();
      setDelegateId('');
      onDone(who);
    });
  }
  return (
    <form onSubmit={submit} className="form form--narrow" aria-label={t('delegations.add')}>
      <ProblemBox error={error} inline={['delegateId', 'startsOn', 'endsOn']} />
      {users ? (
        <SelectField label={t('delegations.delegate')} name="delegateId" required value={delegateId} onChange={setDelegateId} error={fe('delegateId')}>
          <option value="">{t('expense.choose')}</option>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </SelectField>
      ) : (
        <TextField label={t('delegations.delegateId')} name="delegateId" required autoComplete="off" spellCheck={false} value={delegateId} onChange={setDelegateId} error={fe('delegateId')} hint={t('delegations.delegateId.hint')} />
      )}
      <TextField label={t('delegations.startsOn')} type="date" name="startsOn" required value={startsOn} onChange={setStartsOn} error={fe('startsOn')} />
      <TextField label={t('delegations.endsOn')} type="date" name="endsOn" required min={startsOn} value={endsOn} onChange={setEndsOn} error={fe('endsOn')} />
      <FormActions label={t('delegations.submit')} busy={busy} />
    </form>
  );
}
