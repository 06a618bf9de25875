// Settings → "Circuit d'approbation" (admin): the fallback approver and the weekend / public
// holiday flags, the approval levels above amounts (Client-wide or for a team), the policy of each
// category (limits per expense and per day, receipt required above), and the VAT recovery rules
// (a new version from a date; earlier versions stay for earlier expenses).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, type ApprovalLevel, type Category, type CategoryPolicy, type Team, type User, type VatRule, type WorkflowSettings } from '../api.ts';
import { dayLabel, today } from '../components/expenses.tsx';
import { DataTable } from '../components/lists.tsx';
import { CheckField, FormActions, Modal, Notice, ProblemBox, SelectField, TextField, useConfirm, useSubmit } from '../components/ui.tsx';
import { amountError } from '../components/vat.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatMinor, formatRateBp, minorToInput, parseAmount, parseRateBp } from '../money.ts';
import { useSession } from '../session.tsx';
import { allUsers } from './Users.tsx';

interface Data {
  settings: WorkflowSettings;
  users: User[];
  teams: Team[];
  categories: Category[];
  policies: CategoryPolicy[];
  rules: VatRule[];
}

export function WorkflowTab() {
  const { t } = useI18n();
  const currency = useSession().session?.tenant?.currency ?? 'EUR';
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [version, setVersion] = useState(0);
  const pending = useRef('');

  useEffect(() => {
    let live = true;
    Promise.all([
      api.get<WorkflowSettings>('/workflow/settings'),
      allUsers(),
      api.get<{ items: Team[] }>('/teams'),
      api.get<{ items: Category[] }>('/categories?includeArchived=true'),
      api.get<{ items: CategoryPolicy[] }>('/policies'),
      api.get<{ items: VatRule[] }>('/vat-rules'),
    ]).then(
      ([settings, users, teams, categories, policies, rules]) => {
        if (!live) return;
        setData({ settings, users, teams: teams.items, categories: categories.items, policies: policies.items, rules: rules.items });
        setError(null);
        // The message of a change once the page shows it.
        if (pending.current) setNotice(pending.current);
        pending.current = '';
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [version]);

  const done = (msg: string) => ((pending.current = msg), setNotice(''), setVersion((v) => v + 1));
  const userName = (id: string | null) => data?.users.find((u) => u.id === id)?.name ?? t('common.none');
  const approvers = (data?.users ?? []).filter((u) => u.status === 'active');

  return (
    <>
      <p className="muted">{t('wfs.intro')}</p>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={error} />
      {!data ? (
        !error && <p className="muted">{t('common.loading')}</p>
      ) : (
        <div className="stack">
          <section className="card" aria-labelledby="wfs-general">
            <h2 id="wfs-general">{t('wfs.general')}</h2>
            <GeneralForm key={version} settings={data.settings} approvers={approvers} onDone={() => done(t('wfs.saved'))} />
          </section>
          <section className="card" aria-labelledby="wfs-levels">
            <h2 id="wfs-levels">{t('wfs.levels')}</h2>
            <p className="small muted">{t('wfs.levels.intro', { currency })}</p>
            <Levels levels={data.settings.levels} teams={data.teams} currency={currency} userName={userName} onDone={done} />
            <h3>{t('wfs.level.add')}</h3>
            <AddLevel approvers={approvers} teams={data.teams} currency={currency} onDone={(label) => done(t('wfs.level.added', { label }))} />
          </section>
          <section className="card" aria-labelledby="wfs-policies">
            <h2 id="wfs-policies">{t('wfs.policies')}</h2>
            <p className="small muted">{t('wfs.policies.intro', { currency })}</p>
            <Policies categories={data.categories} policies={data.policies} currency={currency} onDone={(name) => done(t('wfs.policy.saved', { name }))} />
          </section>
          <section className="card" aria-labelledby="wfs-vat">
            <h2 id="wfs-vat">{t('wfs.vat')}</h2>
            <p className="small muted">{t('wfs.vat.intro')}</p>
            <VatRules rules={data.rules} categories={data.categories} />
            <h3>{t('wfs.vat.add')}</h3>
            <AddVatRule categories={data.categories.filter((c) => c.active)} onDone={(name) => done(t('wfs.vat.added', { name }))} />
          </section>
        </div>
      )}
    </>
  );
}

function GeneralForm({ settings, approvers, onDone }: { settings: WorkflowSettings; approvers: User[]; onDone: () => void }) {
  const { t } = useI18n();
  const [fallback, setFallback] = useState(settings.fallbackApproverId ?? '');
  const [weekends, setWeekends] = useState(settings.flagWeekends);
  const [holidays, setHolidays] = useState(settings.flagHolidays);
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    await run(async () => {
      await api.patch('/workflow/settings', { fallbackApproverId: fallback || null, flagWeekends: weekends, flagHolidays: holidays });
      onDone();
    });
  }
  return (
    <form onSubmit={submit} className="form form--narrow" aria-label={t('wfs.general')}>
      <ProblemBox error={error} inline={['fallbackApproverId']} />
      <SelectField label={t('wfs.fallback')} name="fallbackApproverId" value={fallback} onChange={setFallback} hint={t('wfs.fallback.hint')} error={fe('fallbackApproverId')}>
        <option value="">{t('wfs.fallback.none')}</option>
        {approvers.map((u) => (
          <option key={u.id} value={u.id}>
            {u.name} ({u.email})
          </option>
        ))}
      </SelectField>
      <CheckField name="flagWeekends" label={t('wfs.flagWeekends')} checked={weekends} onChange={setWeekends} />
      <CheckField name="flagHolidays" label={t('wfs.flagHolidays')} checked={holidays} onChange={setHolidays} />
      <FormActions label={t('common.save')} busy={busy} />
    </form>
  );
}

function Levels({ levels, teams, currency, userName, onDone }: { levels: ApprovalLevel[]; teams: Team[]; currency: string; userName: (id: string) => string; onDone: (msg: string) => void }) {
  const { t, locale } = useI18n();
  const [confirmEl, ask] = useConfirm();
  const [error, setError] = useState<unknown>(null);
  async function remove(l: ApprovalLevel) {
    setError(null);
    if (!(await ask(t('wfs.level.remove.confirm', { label: l.label }), t('wfs.level.remove'), true))) return;
    try {
      await api.delete(`/workflow/levels/${encodeURIComponent(l.id)}`);
      onDone(t('wfs.level.removed', { label: l.label }));
    } catch (e) {
      setError(e);
    }
  }
  return (
    <>
      <ProblemBox error={error} />
      <DataTable caption={t('wfs.levels')} columns={[t('wfs.col.label'), { label: t('wfs.col.above'), className: 'num' }, t('wfs.col.approver'), t('wfs.col.team')]} actions rows={levels} empty={t('wfs.levels.empty')}>
        {(l) => (
          <tr key={l.id}>
            <td data-label={t('wfs.col.label')} className="cell-main">
              {l.label}
            </td>
            <td data-label={t('wfs.col.above')} className="num">
              {formatMinor(l.aboveMinor, currency, locale)}
            </td>
            <td data-label={t('wfs.col.approver')}>{userName(l.approverId)}</td>
            <td data-label={t('wfs.col.team')}>{l.teamId ? (teams.find((x) => x.id === l.teamId)?.name ?? t('common.none')) : t('wfs.allTeams')}</td>
            <td className="cell-actions">
              <button type="button" className="btn btn--small btn--danger-ghost" aria-label={t('wfs.level.remove.label', { label: l.label })} onClick={() => void remove(l)}>
                {t('wfs.level.remove')}
              </button>
            </td>
          </tr>
        )}
      </DataTable>
      {confirmEl}
    </>
  );
}

function AddLevel({ approvers, teams, currency, onDone }: { approvers: User[]; teams: Team[]; currency: string; onDone: (label: string) => void }) {
  const { t } = useI18n();
  const [label, setLabel] = useState('');
  const [above, setAbove] = useState('');
  const [approverId, setApproverId] = useState('');
  const [teamId, setTeamId] = useState('');
  const [aboveError, setAboveError] = useState<string | undefined>();
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const a = parseAmount(above, currency);
    setAboveError(amountError(t, a, currency));
    if (!a.ok) return;
    await run(async () => {
      await api.post('/workflow/levels', { label: label.trim(), aboveMinor: a.value, approverId, ...(teamId ? { teamId } : {}) });
      setLabel('');
      setAbove('');
      setApproverId('');
      setTeamId('');
      onDone(label.trim());
    });
  }
  return (
    <form onSubmit={submit} className="form form--narrow" aria-label={t('wfs.level.add')}>
      <ProblemBox error={error} inline={['label', 'aboveMinor', 'approverId', 'teamId']} />
      <TextField label={t('wfs.level.label')} name="level-label" required maxLength={100} value={label} onChange={setLabel} hint={t('wfs.level.label.hint')} error={fe('label')} autoComplete="off" />
      <TextField label={t('wfs.level.above', { currency })} name="level-above" required inputMode="decimal" autoComplete="off" value={above} onChange={setAbove} error={aboveError ?? fe('aboveMinor')} />
      <SelectField label={t('wfs.col.approver')} name="level-approver" required value={approverId} onChange={setApproverId} error={fe('approverId')}>
        <option value="">{t('expense.choose')}</option>
        {approvers.map((u) => (
          <option key={u.id} value={u.id}>
            {u.name} ({u.email})
          </option>
        ))}
      </SelectField>
      <SelectField label={t('wfs.col.team')} name="level-team" value={teamId} onChange={setTeamId} error={fe('teamId')} hint={t('wfs.level.team.hint')}>
        <option value="">{t('wfs.allTeams')}</option>
        {teams.map((x) => (
          <option key={x.id} value={x.id}>
            {x.name}
          </option>
        ))}
      </SelectField>
      <FormActions label={t('settings.add')} busy={busy} />
    </form>
  );
}

function Policies({ categories, policies, currency, onDone }: { categories: Category[]; policies: CategoryPolicy[]; currency: string; onDone: (name: string) => void }) {
  const { t, locale } = useI18n();
  const [editing, setEditing] = useState<Category | null>(null);
  const policy = (id: string) => policies.find((p) => p.categoryId === id);
  const money = (v: number | null | undefined) => (v === null || v === undefined ? t('wfs.noLimit') : formatMinor(v, currency, locale));
  return (
    <>
      <DataTable caption={t('wfs.policies')} columns={[t('settings.col.name'), { label: t('wfs.col.perExpense'), className: 'num' }, { label: t('wfs.col.perDay'), className: 'num' }, { label: t('wfs.col.receiptAbove'), className: 'num' }]} actions rows={categories.filter((c) => c.active)} empty={t('settings.empty')}>
        {(c) => {
          const p = policy(c.id);
          return (
            <tr key={c.id} data-category={c.name}>
              <td data-label={t('settings.col.name')} className="cell-main">
                {c.name}
              </td>
              <td data-label={t('wfs.col.perExpense')} className="num">
                {money(p?.perExpenseMinor)}
              </td>
              <td data-label={t('wfs.col.perDay')} className="num">
                {money(p?.perDayMinor)}
              </td>
              <td data-label={t('wfs.col.receiptAbove')} className="num">
                {money(p?.receiptAboveMinor)}
              </td>
              <td className="cell-actions">
                <button type="button" className="btn btn--small" aria-label={t('wfs.policy.edit.label', { name: c.name })} onClick={() => setEditing(c)}>
                  {t('users.edit')}
                </button>
              </td>
            </tr>
          );
        }}
      </DataTable>
      <Modal open={!!editing} title={editing ? t('wfs.policy.edit.title', { name: editing.name }) : ''} onClose={() => setEditing(null)}>
        {editing && (
          <PolicyForm
            category={editing}
            policy={policy(editing.id)}
            currency={currency}
            onCancel={() => setEditing(null)}
            onDone={() => {
              const name = editing.name;
              setEditing(null);
              onDone(name);
            }}
          />
        )}
      </Modal>
    </>
  );
}

function PolicyForm({ category, policy, currency, onDone, onCancel }: { category: Category; policy?: CategoryPolicy; currency: string; onDone: () => void; onCancel: () => void }) {
  const { t, locale } = useI18n();
  const init = (v: number | null | undefined) => (v === null || v === undefined ? '' : minorToInput(v, currency, locale));
  const [perExpense, setPerExpense] = useState(init(policy?.perExpenseMinor));
  const [perDay, setPerDay] = useState(init(policy?.perDayMinor));
  const [receiptAbove, setReceiptAbove] = useState(init(policy?.receiptAboveMinor));
  const [local, setLocal] = useState<Record<string, string | undefined>>({});
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const parse = (s: string) => (s.trim() ? parseAmount(s, currency) : ({ ok: true, value: null } as const));
    const a = parse(perExpense);
    const b = parse(perDay);
    const c = parse(receiptAbove);
    const errs = { perExpense: a.ok ? undefined : amountError(t, a, currency), perDay: b.ok ? undefined : amountError(t, b, currency), receiptAbove: c.ok ? undefined : amountError(t, c, currency) };
    setLocal(errs);
    if (!a.ok || !b.ok || !c.ok) return;
    await run(async () => {
      await api.put(`/policies/${encodeURIComponent(category.id)}`, { perExpenseMinor: a.value, perDayMinor: b.value, receiptAboveMinor: c.value });
      onDone();
    });
  }
  return (
    <form onSubmit={submit} className="form">
      <p className="small muted">{t('wfs.policy.hint')}</p>
      <ProblemBox error={error} inline={['perExpenseMinor', 'perDayMinor', 'receiptAboveMinor']} />
      <TextField label={t('wfs.policy.perExpense', { currency })} name="perExpense" inputMode="decimal" autoComplete="off" optional value={perExpense} onChange={setPerExpense} error={local.perExpense ?? fe('perExpenseMinor')} />
      <TextField label={t('wfs.policy.perDay', { currency })} name="perDay" inputMode="decimal" autoComplete="off" optional value={perDay} onChange={setPerDay} error={local.perDay ?? fe('perDayMinor')} />
      <TextField label={t('wfs.policy.receiptAbove', { currency })} name="receiptAbove" inputMode="decimal" autoComplete="off" optional value={receiptAbove} onChange={setReceiptAbove} error={local.receiptAbove ?? fe('receiptAboveMinor')} />
      <FormActions label={t('common.save')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

function VatRules({ rules, categories }: { rules: VatRule[]; categories: Category[] }) {
  const { t, locale } = useI18n();
  const name = (id: string) => categories.find((c) => c.id === id)?.name ?? t('common.none');
  return (
    <DataTable caption={t('wfs.vat')} columns={[t('wfs.col.category'), t('wfs.col.from'), { label: t('wfs.col.recoverable'), className: 'num' }, t('wfs.col.expenseAccount'), t('wfs.col.vatAccount')]} rows={rules} empty={t('wfs.vat.empty')}>
      {(r) => (
        <tr key={r.id}>
          <td data-label={t('wfs.col.category')} className="cell-main">
            {name(r.categoryId)}
          </td>
          <td data-label={t('wfs.col.from')} className="nowrap">
            {dayLabel(r.effectiveFrom, locale)}
          </td>
          <td data-label={t('wfs.col.recoverable')} className="num">
            {formatRateBp(r.recoverableBp, locale)}
          </td>
          <td data-label={t('wfs.col.expenseAccount')}>{r.expenseAccount}</td>
          <td data-label={t('wfs.col.vatAccount')}>{r.vatAccount}</td>
        </tr>
      )}
    </DataTable>
  );
}

function AddVatRule({ categories, onDone }: { categories: Category[]; onDone: (name: string) => void }) {
  const { t } = useI18n();
  const [categoryId, setCategoryId] = useState('');
  const [from, setFrom] = useState(today());
  const [recoverable, setRecoverable] = useState('100');
  const [expenseAccount, setExpenseAccount] = useState('');
  const [vatAccount, setVatAccount] = useState('445660');
  const [rateError, setRateError] = useState<string | undefined>();
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const r = parseRateBp(recoverable);
    setRateError(r.ok ? undefined : t('wfs.vat.recoverable.invalid'));
    if (!r.ok) return;
    await run(async () => {
      await api.post('/vat-rules', { categoryId, effectiveFrom: from, recoverableBp: r.value, expenseAccount: expenseAccount.trim().toUpperCase(), vatAccount: vatAccount.trim().toUpperCase() });
      onDone(categories.find((c) => c.id === categoryId)?.name ?? '');
      setCategoryId('');
    });
  }
  return (
    <form onSubmit={submit} className="form form--narrow" aria-label={t('wfs.vat.add')}>
      <ProblemBox error={error} inline={['categoryId', 'effectiveFrom', 'recoverableBp', 'expenseAccount', 'vatAccount']} />
      <SelectField label={t('wfs.col.category')} name="vat-category" required value={categoryId} onChange={setCategoryId} error={fe('categoryId')}>
        <option value="">{t('expense.choose')}</option>
        {categories.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </SelectField>
      <TextField label={t('wfs.vat.from')} type="date" name="vat-from" required value={from} onChange={setFrom} error={fe('effectiveFrom')} hint={t('wfs.vat.from.hint')} />
      <TextField label={t('wfs.vat.recoverable')} name="vat-recoverable" required inputMode="decimal" autoComplete="off" value={recoverable} onChange={setRecoverable} error={rateError ?? fe('recoverableBp')} hint={t('wfs.vat.recoverable.hint')} />
      <TextField label={t('wfs.col.expenseAccount')} name="vat-expense-account" required pattern="[0-9A-Za-z]{3,20}" autoComplete="off" value={expenseAccount} onChange={setExpenseAccount} error={fe('expenseAccount')} hint={t('wfs.vat.account.hint', { example: '625100' })} />
      <TextField label={t('wfs.col.vatAccount')} name="vat-account" required pattern="[0-9A-Za-z]{3,20}" autoComplete="off" value={vatAccount} onChange={setVatAccount} error={fe('vatAccount')} hint={t('wfs.vat.account.hint', { example: '445660' })} />
      <FormActions label={t('wfs.vat.submit')} busy={busy} />
    </form>
  );
}
