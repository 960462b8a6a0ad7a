// The model's protected setting: while a protected model serves, deleting or renaming it (or
// deleting a serving version) is refused in both doors. Everyone sees the badge; only an admin
// gets the switch (the server checks too, and its refusal is shown).
import { useId, useState } from 'react';
import { roleAtLeast } from '../lib/format';
import { useModelRole } from '../lib/model-role';
import { useSession } from '../lib/session';
import type { Model } from '../types';
import { ErrorNote } from './ErrorNote';

export const PROTECTED_EXPLANATION = 'Deleting or renaming this model (or deleting a serving version) is refused while it serves.';
const UNPROTECTED_EXPLANATION = 'When protected, deleting or renaming this model (or deleting a serving version) is refused while it serves.';

export function ProtectedSetting({ model, onChanged }: { model: Model; onChanged: () => void }) {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const hint = useId();
  const isAdmin = roleAtLeast(useModelRole(model.name), 'admin');

  const toggle = async (value: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.setProtected(model.name, value);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="protected-setting">
      {model.protected && (
        <span className="badge protected" title={PROTECTED_EXPLANATION} aria-describedby={hint} data-testid="protected-badge">
          protected
        </span>
      )}
      {isAdmin && (
        <label className="small">
          <input type="checkbox" checked={model.protected} disabled={busy} aria-describedby={hint} onChange={(e) => void toggle(e.target.checked)} /> Protected
        </label>
      )}
      {(model.protected || isAdmin) && (
        <span id={hint} className="small muted">
          {' '}
          {model.protected ? PROTECTED_EXPLANATION : UNPROTECTED_EXPLANATION}
          {!isAdmin && ' Only an admin can change this.'}
        </span>
      )}
      <ErrorNote error={error} />
    </div>
  );
}
