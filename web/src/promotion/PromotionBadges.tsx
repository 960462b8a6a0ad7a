// The models list's promotion badges, from one GET /api/v1/promotions for the whole list (never a
// request per row). Refreshed when a promotion-related event commits anywhere.
import { useEffect, useRef, useState } from 'react';
import { formatTime, relativeTime } from '../lib/format';
import { useLiveEvents } from '../lib/live';
import { useSession } from '../lib/session';
import { isNotFound } from '../lib/use-resource';
import type { PromotionSummary } from './promotion-api';
import './promotion.css';

const RELEVANT = /^(rollout|shadow|approval|drill)\.|^version\.stage_changed$|^rollback$|^model\.deleted$/;
/** A burst of events (a rollback writes several) costs one refetch. */
const COALESCE_MS = 100;

export function usePromotionSummaries(): Map<string, PromotionSummary> {
  const { api } = useSession();
  const [byName, setByName] = useState(new Map<string, PromotionSummary>());
  const [generation, setGeneration] = useState(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    api.promotion.summaries(ctrl.signal).then(
      (res) => setByName(new Map(res.models.map((m) => [m.name, m]))),
      // A server without the safe-promotion modules simply has no badges; other errors too: badges
      // are a hint, and the list itself must not fail for them.
      (err: unknown) => (isNotFound(err) ? setByName(new Map()) : undefined),
    );
    return () => ctrl.abort();
  }, [api, generation]);

  useLiveEvents((e) => {
    if (!RELEVANT.test(e.type) || pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      setGeneration((g) => g + 1);
    }, COALESCE_MS);
  });
  useEffect(
    () => () => {
      if (pending.current) clearTimeout(pending.current);
    },
    [],
  );
  return byName;
}

export function PromotionBadges({ s }: { s: PromotionSummary | undefined }) {
  if (!s) return null;
  return (
    <span className="promo-badges">
      {s.rollout && (
        <span className={`badge promo-${s.rollout.status}`} title={`canary v${s.rollout.version} vs v${s.rollout.baseline_version}`}>
          canary v{s.rollout.version} {s.rollout.weight}%{s.rollout.status === 'paused' ? ' paused' : ''}
        </span>
      )}
      {s.shadow && (
        <span className="badge promo-running">
          shadow v{s.shadow.version} {s.shadow.percent}%
        </span>
      )}
      {s.pending_approvals > 0 && (
        <span className="badge promo-paused">
          {s.pending_approvals} {s.pending_approvals === 1 ? 'approval' : 'approvals'} pending
        </span>
      )}
      {s.last_passed_drill_at && (
        <span className="small muted">
          drill passed{' '}
          <time dateTime={s.last_passed_drill_at} title={formatTime(s.last_passed_drill_at)}>
            {relativeTime(s.last_passed_drill_at)}
          </time>
        </span>
      )}
    </span>
  );
}
