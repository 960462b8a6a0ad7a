// What the signed-in role may do to one version: change its stage (optionally archiving what is
// there), point an alias at it, mark it stable or failed. Refusals show the server's message.
// A stage or alias move says which version it replaces and sends it as expected_version: if
// someone moved the target since the page showed it, the server refuses instead of replacing a
// version the person never saw.
import { useState } from 'react';
import { roleAtLeast } from '../lib/format';
import { useModelRole } from '../lib/model-role';
import { useLiveTick } from '../lib/live';
import { useSession } from '../lib/session';
import { useResource } from '../lib/use-resource';
import type { Version } from '../types';
import { ErrorNote } from './ErrorNote';

const STAGES = ['None', 'Staging', 'Production', 'Archived'];
const SERVING = ['Staging', 'Production'] as const;
type Serving = (typeof SERVING)[number];
const isServing = (s: string): s is Serving => (SERVING as readonly string[]).includes(s);

/** The serving stage a move from `from` to `to` is about: the one entered, else the one left. */
function aimedStage(from: string, to: string): Serving | null {
  if (isServing(to)) return to;
  return isServing(from) ? from : null;
}

function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const run = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await what());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}

export function VersionActions({ v, onChanged }: { v: Version; onChanged: () => void }) {
  const { api } = useSession();
  const role = useModelRole(v.name);
  const [stage, setStage] = useState(v.stage === 'Production' ? 'Archived' : 'Production');
  const [archive, setArchive] = useState(true);
  const [alias, setAlias] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction();
  const tick = useLiveTick(v.name);
  const model = useResource((signal) => api.getModel(v.name, signal), [api, v.name, v.updated_at, tick]);
  const aimed = aimedStage(v.stage, stage);
  // undefined until the model is read: then the server takes no precondition.
  const stageHolder = aimed && model.data ? model.data.stages[aimed] : undefined;
  const aliasHolder = model.data && alias.trim() ? (model.data.aliases[alias.trim()] ?? null) : undefined;
  if (!roleAtLeast(role, 'deployer')) {
    return (
      <section aria-labelledby="actions-h" className="card" aria-busy={role === undefined}>
        <h2 id="actions-h">Actions</h2>
        {role !== undefined && (
          <p className="muted">
            Your role on {v.name} ({role ?? 'none'}) can look but not deploy; a deployer or admin (on this model, or everywhere) can change stages, aliases and health.
          </p>
        )}
      </section>
    );
  }
  const why = reason.trim() || undefined;
  const after = async (msg: string) => {
    onChanged();
    setReason('');
    return msg;
  };
  return (
    <section aria-labelledby="actions-h" className="card actions-card">
      <h2 id="actions-h">Actions</h2>
      <label htmlFor="action-reason">Reason (kept in the audit log)</label>
      <input id="action-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why this change" />

      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            const r = await api.transitionStage(v.name, v.version, { stage, archive_existing_versions: archive, reason: why, expected_version: stageHolder });
            return after(`v${v.version} is now in ${r.version.stage}${r.archived_versions.length ? `; archived ${r.archived_versions.map((n) => `v${n}`).join(', ')}` : ''}`);
          });
        }}
      >
        <label htmlFor="stage-select">Move to stage</label>
        <select id="stage-select" value={stage} onChange={(e) => setStage(e.target.value)}>
          {STAGES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={archive} onChange={(e) => setArchive(e.target.checked)} /> archive versions already there
        </label>
        <button type="submit" disabled={action.busy}>
          Change stage
        </button>
        {aimed && stageHolder !== undefined && (
          <span className="small muted" data-testid="stage-holder">
            {aimed} now: {stageHolder === null ? 'empty' : `v${stageHolder}`}
          </span>
        )}
      </form>

      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await api.setAlias(v.name, alias.trim(), { version: v.version, reason: why, expected_version: aliasHolder });
            return after(`@${alias.trim()} now points at v${v.version}`);
          });
        }}
      >
        <label htmlFor="alias-input">Alias</label>
        <input id="alias-input" value={alias} onChange={(e) => setAlias(e.target.value)} placeholder="champion" required />
        <button type="submit" disabled={action.busy || !alias.trim()}>
          Set or move alias here
        </button>
        {aliasHolder !== undefined && (
          <span className="small muted" data-testid="alias-holder">
            @{alias.trim()} now: {aliasHolder === null ? 'unset' : `v${aliasHolder}`}
          </span>
        )}
      </form>

      <div className="row" role="group" aria-label="Mark health">
        <span className="label">Health</span>
        <button type="button" disabled={action.busy || v.health === 'stable'} onClick={() => void action.run(async () => (await api.markHealth(v.name, v.version, { health: 'stable', reason: why }), after(`v${v.version} marked stable`)))}>
          Mark stable
        </button>
        <button type="button" className="danger-outline" disabled={action.busy || v.health === 'failed'} onClick={() => void action.run(async () => (await api.markHealth(v.name, v.version, { health: 'failed', reason: why }), after(`v${v.version} marked failed`)))}>
          Mark failed
        </button>
      </div>
      <ErrorNote error={action.error} />
      {action.done && (
        <p role="status" className="ok">
          {action.done}
        </p>
      )}
    </section>
  );
}
