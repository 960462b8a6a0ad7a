// Pending approval requests for the model. A deployer may approve or reject with a comment; the
// server refuses the requester (four eyes) and the UI shows its message rather than guessing.
import { useId, useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { formatTime, relativeTime } from '../lib/format';
import { useSession } from '../lib/session';
import type { Approval } from './promotion-api';

function ApprovalItem({ a, canDeploy, onChanged }: { a: Approval; canDeploy: boolean; onChanged: () => void }) {
  const { api, me } = useSession();
  const id = useId();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(undefined);
    try {
      await api.promotion.decide(a.id, decision, comment.trim() || undefined);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="approval" aria-label={`Approval request ${a.id}`}>
      <p>
        <strong>
          {a.kind === 'rollback' ? `Rollback of ${a.stage}: v${a.from_version} → v${a.version}` : `v${a.version} → ${a.stage}`}
        </strong>{' '}
        requested by {a.requested_by}
        {me?.name === a.requested_by ? ' (you)' : ''}{' '}
        <time className="muted small" dateTime={a.requested_at} title={formatTime(a.requested_at)}>
          {relativeTime(a.requested_at)}
        </time>
        {a.archive_existing_versions && a.kind !== 'rollback' ? <span className="small muted"> · archives the current {a.stage} version</span> : null}
      </p>
      {a.reason && <blockquote className="event-reason">{a.reason}</blockquote>}
      {canDeploy && (
        <div className="approval-form">
          <label htmlFor={id}>Comment on request {a.id}</label>
          <input id={id} value={comment} onChange={(e) => setComment(e.target.value)} placeholder="what you checked" />
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => void decide('reject')}>
              Reject
            </button>
            <button type="button" className="primary" disabled={busy} onClick={() => void decide('approve')}>
              {a.kind === 'rollback' ? `Approve rollback to v${a.version}` : `Approve v${a.version} for ${a.stage}`}
            </button>
          </div>
        </div>
      )}
      <ErrorNote error={error} />
    </li>
  );
}

export function ApprovalsSection({ approvals, canDeploy, onChanged }: { approvals: Approval[]; canDeploy: boolean; onChanged: () => void }) {
  return (
    <section aria-labelledby="approvals-h" className="promo-part">
      <h3 id="approvals-h">Pending approvals</h3>
      {approvals.length === 0 ? (
        <p className="muted small">None pending.</p>
      ) : (
        <ul className="plain" aria-label="Pending approval requests">
          {approvals.map((a) => (
            <ApprovalItem key={a.id} a={a} canDeploy={canDeploy} onChanged={onChanged} />
          ))}
        </ul>
      )}
    </section>
  );
}
