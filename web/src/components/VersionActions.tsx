// What the signed-in role may do to one version: change its stage (optionally archiving what is
// there), point an alias at it, mark it stable or failed. Refusals show the server's message.
import { useState } from 'react';
import { roleAtLeast } from '../lib/format';
import { useSession } from '../lib/session';
import type { Version } from '../types';
import { ErrorNote } from './ErrorNote';

const STAGES = ['None', 'Staging', 'Production', 'Archived'];

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
  const { api, me } = useSession();
  const [stage, setStage] = useState(v.stage === 'Production' ? 'Archived' : 'Production');
  const [archive, setArchive] = useState(true);
  const [alias, setAlias] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction();
  if (!roleAtLeast(me?.role, 'deployer')) {
    return (
      <section aria-labelledby="actions-h" className="card">
        <h2 id="actions-h">Actions</h2>
        <p className="muted">Your role ({me?.role ?? 'signed out'}) can look but not deploy; a deployer or admin token can change stages, aliases and health.</p>
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
            const r = await api.transitionStage(v.name, v.version, { stage, archive_existing_versions: archive, reason: why });
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
      </form>

      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await api.setAlias(v.name, alias.trim(), { version: v.version, reason: why });
            return after(`@${alias.trim()} now points at v${v.version}`);
          });
        }}
      >
        <label htmlFor="alias-input">Alias</label>
        <input id="alias-input" value={alias} onChange={(e) => setAlias(e.target.value)} placeholder="champion" required />
        <button type="submit" disabled={action.busy || !alias.trim()}>
          Set or move alias here
        </button>
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
