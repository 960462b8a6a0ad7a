// The caller's role on one model, for the action buttons of the model and version pages. Per-model
// grants make it differ from the global role both ways: a person signed in with single sign-on
// (global role null) may deploy fraud-* through a grant, and a global deployer may be denied one
// model. The server says (GET /api/v1/whoami?model=NAME); the UI only decides what to offer, and
// the server still checks every action.
import { useEffect, useState } from 'react';
import type { Api } from '../api';
import type { Role } from '../types';
import { useSession } from './session';

/** How long one answer serves every component of a page that asks (model page: rollback, protect, promotion). */
const FRESH_MS = 2000;
/**
 * An open page asks again this often, and when its window regains focus: an admin may change a
 * grant meanwhile, and the buttons should follow without a reload (the server refuses either way).
 */
export const ROLE_REFRESH_MS = 30_000;

// One request per (session, model) while fresh, shared by the components that ask together.
const asked = new WeakMap<Api, Map<string, { at: number; pending: Promise<Role | null> }>>();

function roleFromServer(api: Api, model: string, fresh: boolean): Promise<Role | null> {
  let byModel = asked.get(api);
  if (!byModel) asked.set(api, (byModel = new Map()));
  const hit = byModel.get(model);
  if (hit && !fresh && Date.now() - hit.at < FRESH_MS) return hit.pending;
  // A model the caller may not read answers 404: no role there (the page shows its own not-found).
  const pending = api.whoami(undefined, model).then(
    (who) => (who.model_role ?? null) as Role | null,
    () => null,
  );
  byModel.set(model, { at: Date.now(), pending });
  return pending;
}

/**
 * The role to decide actions by: on `model` when one is in view (undefined while the server has
 * not answered yet), else the global role; open mode: admin everywhere.
 */
export function useModelRole(model: string | undefined): Role | null | undefined {
  const { api, me } = useSession();
  const [answer, setAnswer] = useState<{ api: Api; model: string; role: Role | null }>();
  const local = !me || me.open || model === undefined;
  useEffect(() => {
    if (local || model === undefined) return;
    let live = true;
    const ask = (fresh: boolean) => roleFromServer(api, model, fresh).then((role) => live && setAnswer({ api, model, role }));
    void ask(false);
    const again = () => void ask(true);
    const timer = setInterval(again, ROLE_REFRESH_MS);
    window.addEventListener('focus', again);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener('focus', again);
    };
  }, [api, model, local, me]);
  if (!me) return null;
  if (me.open) return 'admin';
  if (model === undefined) return me.role as Role | null;
  // An answer for another model or session is not this one's.
  return answer && answer.api === api && answer.model === model ? answer.role : undefined;
}
