// "Roll back" opens this: it shows which version Production will go back to (computed like the
// server, from the history), asks for a reason and sends from_version, so if Production moved
// since the page was drawn the server refuses instead of rolling back twice.
import { useEffect, useState } from 'react';
import { StagecraftApiError } from '../../../sdk/client';
import { planRollback, type RollbackPlan } from '../lib/last-good';
import { useSession } from '../lib/session';
import type { RollbackResult, Version } from '../types';
import { Dialog } from './Dialog';
import { ErrorNote } from './ErrorNote';

export interface RollbackDialogProps {
  model: string;
  current: number;
  onClose: () => void;
  onDone: (r: RollbackResult) => void;
}

async function loadPlan(api: ReturnType<typeof useSession>['api'], model: string, current: number): Promise<RollbackPlan> {
  const history = await api.history(model, 'Production');
  const wanted = new Set(history.entries.map((e) => e.version).filter((v): v is number => v !== null && v !== current));
  const versions = new Map<number, Version>();
  await Promise.all(
    [...wanted].map(async (n) => {
      try {
        versions.set(n, await api.getVersion(model, n));
      } catch {
        // deleted: planRollback skips it
      }
    }),
  );
  return planRollback(current, history.entries, versions);
}

export function RollbackDialog({ model, current, onClose, onDone }: RollbackDialogProps) {
  const { api } = useSession();
  const [plan, setPlan] = useState<RollbackPlan>();
  const [planError, setPlanError] = useState<unknown>();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // A protected model: the server opened an approval request instead of rolling back.
  const [pendingId, setPendingId] = useState<number>();

  useEffect(() => {
    loadPlan(api, model, current).then(setPlan, setPlanError);
  }, [api, model, current]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setError(new Error('Say why: the reason is kept in the audit log.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onDone(await api.rollback(model, { reason: reason.trim(), from_version: current }));
    } catch (err) {
      const details = err instanceof StagecraftApiError ? (err.details as { reason?: string; approval_id?: number } | undefined) : undefined;
      if (details?.reason === 'approval_required' && details.approval_id !== undefined) setPendingId(details.approval_id);
      else setError(err);
      setBusy(false);
    }
  };

  const skipped = plan?.considered.filter((c) => c.skipped) ?? [];
  return (
    <Dialog title={`Roll back ${model}`} onClose={onClose}>
      <form onSubmit={submit} className="stack">
        {plan === undefined && !planError && <p aria-live="polite">Working out the last known good version…</p>}
        <ErrorNote error={planError} />
        {plan && plan.to !== null && (
          <p className="plan" data-testid="rollback-plan">
            Production goes from <strong>v{current}</strong> back to <strong>v{plan.to}</strong>. Version {current} will be
            marked failed and archived.
          </p>
        )}
        {plan && plan.to === null && (
          <p className="plan warn">No earlier Production version is usable; the server will refuse this rollback.</p>
        )}
        {skipped.length > 0 && (
          <p className="muted small">Skipped: {skipped.map((c) => `v${c.version} (${c.skipped})`).join(', ')}</p>
        )}
        <label htmlFor="rollback-reason">Reason (required)</label>
        <textarea
          id="rollback-reason"
          data-autofocus
          required
          rows={3}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          placeholder="e.g. recall dropped after the 14:00 deploy"
        />
        <ErrorNote error={error} />
        {pendingId !== undefined && (
          <p role="status" className="plan warn" data-testid="rollback-pending">
            Nothing was rolled back yet: {model} is protected, so a rollback waits for a second deployer. Request {pendingId} is
            pending; another deployer approves it under Pending approvals on this model&apos;s page (or{' '}
            <code>stagecraft approvals approve {pendingId}</code>).
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={busy || pendingId !== undefined}>
            {busy ? 'Rolling back…' : plan?.to ? `Roll back to v${plan.to}` : 'Roll back'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
