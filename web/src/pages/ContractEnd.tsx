// End of contract for one Client (vendor operators, R-REV-2): record the termination with the
// Client's instruction for its vault, then follow it — the final export, the 30 days, the vault
// destruction that two operators approve, the purge and its certificate.
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type ContractEndStatus, type ContractEndStep, type Tenant } from '../api.ts';
import { Badge, DlRow, FormActions, Notice, ProblemBox, SelectField, TextAreaField, TextField, useConfirm, useSubmit } from '../components/ui.tsx';
import { useI18n } from '../i18n/index.tsx';

const FIELDS = ['reason', 'vaultInstruction', 'instructionRef'];

export function ContractEndPanel({ tenant, onChanged, onClose }: { tenant: Tenant; onChanged: () => void; onClose: () => void }) {
  const { t } = useI18n();
  const [status, setStatus] = useState<ContractEndStatus | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    let live = true;
    api.get<ContractEndStatus>(`/vendor/tenants/${tenant.id}/termination`).then(
      (s) => live && setStatus(s),
      (e) => live && (e instanceof ApiError && e.status === 404 ? setStatus(null) : setLoadError(e)),
    );
    return () => {
      live = false;
    };
  }, [tenant.id, version]);

  const changed = (message = '') => {
    setNotice(message);
    setVersion((v) => v + 1);
    onChanged();
  };

  return (
    <section aria-labelledby="contract-end-title" data-testid="contract-end">
      <h2 id="contract-end-title">{t('contractEnd.title', { name: tenant.name })}</h2>
      <Notice>{notice || null}</Notice>
      <ProblemBox error={loadError} />
      {status === undefined && !loadError ? <p className="muted">{t('common.loading')}</p> : null}
      {status === null || status?.cancelledAt ? <TerminateForm tenant={tenant} onDone={() => changed(t('contractEnd.terminated'))} /> : null}
      {status && !status.cancelledAt ? <Progress status={status} onChanged={changed} /> : null}
      <div className="actions">
        <button type="button" className="btn btn--ghost" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </section>
  );
}

function TerminateForm({ tenant, onDone }: { tenant: Tenant; onDone: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [vaultInstruction, setVaultInstruction] = useState('return_then_destroy');
  const [instructionRef, setInstructionRef] = useState('');
  const { error, setError, busy, run, fieldError: fe } = useSubmit();
  const [confirmEl, ask] = useConfirm();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!(await ask(t('contractEnd.confirm', { name: tenant.name }), t('contractEnd.terminate'), true))) return;
    await run(async () => {
      await api.post(`/vendor/tenants/${tenant.id}/termination`, { reason, vaultInstruction, instructionRef });
      onDone();
    });
  }

  return (
    <form onSubmit={submit} className="form">
      <p className="muted">{t('contractEnd.intro')}</p>
      <ProblemBox error={error} inline={FIELDS} />
      <TextAreaField label={t('contractEnd.field.reason')} name="reason" required value={reason} onChange={setReason} error={fe('reason')} maxLength={1000} />
      <SelectField label={t('contractEnd.field.vaultInstruction')} name="vaultInstruction" value={vaultInstruction} onChange={setVaultInstruction} error={fe('vaultInstruction')}>
        <option value="return_then_destroy">{t('contractEnd.instruction.return_then_destroy')}</option>
        <option value="destroy">{t('contractEnd.instruction.destroy')}</option>
      </SelectField>
      <TextField label={t('contractEnd.field.instructionRef')} hint={t('contractEnd.field.instructionRefHint')} name="instructionRef" required value={instructionRef} onChange={setInstructionRef} error={fe('instructionRef')} maxLength={500} />
      <FormActions label={t('contractEnd.terminate')} busy={busy} />
      {confirmEl}
    </form>
  );
}

function Progress({ status: s, onChanged }: { status: ContractEndStatus; onChanged: (message?: string) => void }) {
  const { t, dateTime } = useI18n();
  const { error, setError, busy, run } = useSubmit();
  const act = (work: () => Promise<string>) => {
    setError(null);
    void run(async () => onChanged(await work()));
  };
  const step = (r: ContractEndStep) => t(`contractEnd.step.${r.step}`);
  const base = `/api/v1/vendor/tenants/${s.tenantId}`;

  return (
    <div>
      <ProblemBox error={error} />
      <dl className="dl">
        <DlRow term={t('contractEnd.col.status')}>
          <Badge tone={s.status === 'destroyed' ? 'grey' : 'amber'}>{t(`tenantStatus.${s.status}`)}</Badge>
        </DlRow>
        <DlRow term={t('contractEnd.col.terminatedAt')}>{dateTime(s.terminatedAt)}</DlRow>
        <DlRow term={t('contractEnd.col.purgeAfter')}>{dateTime(s.purgeAfter)}</DlRow>
        <DlRow term={t('contractEnd.field.vaultInstruction')}>
          {t(`contractEnd.instruction.${s.vaultInstruction}`)} — {s.instructionRef}
        </DlRow>
        {s.finalExport ? <DlRow term={t('contractEnd.col.finalExport')}>{t(`reversibility.state.${s.finalExport.status}`)}</DlRow> : null}
        {s.vaultDestruction ? (
          <DlRow term={t('contractEnd.col.vaultDestruction')}>{t('contractEnd.vaultDestruction', { deposits: s.vaultDestruction.deposits, approvals: s.vaultDestruction.approvals })}</DlRow>
        ) : null}
        {s.destruction ? (
          <DlRow term={t('contractEnd.col.certificate')} testId="destruction-certificate">
            <code className="break">{s.destruction.certificateSha256}</code>
            <br />
            <a href={`${base}/destruction-certificate/pdf`}>{t('contractEnd.certificatePdf')}</a> · <a href={`${base}/destruction-certificate`}>JSON</a>
          </DlRow>
        ) : null}
      </dl>
      {s.status === 'terminated' ? (
        <div className="actions">
          {s.vaultDestruction?.status === 'pending' ? (
            <button type="button" className="btn btn--primary" disabled={busy} onClick={() => act(async () => {
              await api.post(`/vendor/tenants/${s.tenantId}/vault/destructions/${s.vaultDestruction!.id}/approve`);
              return t('contractEnd.approved');
            })}>
              {t('contractEnd.approve')}
            </button>
          ) : null}
          {s.due ? (
            <button type="button" className="btn" disabled={busy} onClick={() => act(async () => step(await api.post<ContractEndStep>(`/vendor/tenants/${s.tenantId}/termination/advance`)))}>
              {t('contractEnd.advance')}
            </button>
          ) : null}
          {!s.vaultDestruction || s.vaultDestruction.status !== 'done' ? (
            <button type="button" className="btn btn--ghost" disabled={busy} onClick={() => act(async () => {
              await api.post(`/vendor/tenants/${s.tenantId}/termination/cancel`);
              return t('contractEnd.cancelled');
            })}>
              {t('contractEnd.cancel')}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
