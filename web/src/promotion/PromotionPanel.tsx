// The model page's "Promotion" panel: canary rollout, shadow, pending approvals and the last drill.
// Each part refetches when the model's events commit (the page's change feed), so a step, an abort
// or an approval done elsewhere shows without a reload. A model that never had a rollout or a shadow
// answers 404 for it: that is "none", not an error (and so is a server without these modules).
import { ErrorNote } from '../components/ErrorNote';
import './promotion.css';
import { roleAtLeast } from '../lib/format';
import { useModelRole } from '../lib/model-role';
import { useLiveTick } from '../lib/live';
import { useSession } from '../lib/session';
import { isNotFound, useResource } from '../lib/use-resource';
import { ApprovalsSection } from './ApprovalsSection';
import { DrillSection } from './DrillSection';
import { RolloutSection } from './RolloutSection';
import { ShadowSection } from './ShadowSection';

/** A 404 ("never had one") becomes null; anything else is still an error to show. */
function orNone<T>(pending: Promise<T>): Promise<T | null> {
  return pending.catch((err: unknown) => {
    if (isNotFound(err)) return null;
    throw err;
  });
}

export function PromotionPanel({ model }: { model: string }) {
  const { api } = useSession();
  const tick = useLiveTick(model);
  const p = api.promotion;
  const rollout = useResource((signal) => orNone(p.rollout(model, signal)), [p, model, tick]);
  const shadow = useResource((signal) => orNone(p.shadow(model, signal)), [p, model, tick]);
  const approvals = useResource((signal) => orNone(p.approvals({ model, status: 'pending' }, signal)), [p, model, tick]);
  const drills = useResource((signal) => orNone(p.drills(model, signal)), [p, model, tick]);
  const canDeploy = roleAtLeast(useModelRole(model), 'deployer');
  const reload = () => {
    rollout.reload();
    approvals.reload();
  };
  const loading = rollout.loading && !rollout.data && shadow.loading && !shadow.data;

  return (
    <section aria-labelledby="promotion-h" className="card promotion" aria-busy={loading}>
      <h2 id="promotion-h">Promotion</h2>
      {[rollout.error, shadow.error, approvals.error, drills.error].map((e, i) => (
        <ErrorNote key={i} error={e} />
      ))}
      <div className="promo-grid">
        {rollout.data ? (
          <RolloutSection model={model} rollout={rollout.data} canDeploy={canDeploy} onChanged={reload} />
        ) : (
          <section aria-labelledby="rollout-h" className="promo-part">
            <h3 id="rollout-h">Canary rollout</h3>
            <p className="muted small">{rollout.loading ? 'Loading…' : 'No rollout yet.'}</p>
          </section>
        )}
        {shadow.data ? (
          <ShadowSection shadow={shadow.data} onRefresh={shadow.reload} />
        ) : (
          <section aria-labelledby="shadow-h" className="promo-part">
            <h3 id="shadow-h">Shadow</h3>
            <p className="muted small">{shadow.loading ? 'Loading…' : 'No shadow run yet.'}</p>
          </section>
        )}
        <ApprovalsSection approvals={approvals.data?.approvals ?? []} canDeploy={canDeploy} onChanged={reload} />
        {drills.data ? <DrillSection drills={drills.data} /> : null}
      </div>
    </section>
  );
}
