// Per-model grants for admins: who may do what on which models (a name, a glob such as fraud-*,
// or * for all), and explicit denies. Adding or removing one takes effect on the server at once.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { useSession } from '../lib/session';
import type { Grant, NewGrant } from '../types';

const ROLES: NewGrant['role'][] = ['viewer', 'editor', 'deployer', 'admin', 'deny'];
const KINDS: NewGrant['principal_type'][] = ['user', 'group', 'token'];

function AddGrantForm({ onAdded }: { onAdded: () => void }) {
  const { api } = useSession();
  const [kind, setKind] = useState<NewGrant['principal_type']>('group');
  const [name, setName] = useState('');
  const [scope, setScope] = useState('');
  const [role, setRole] = useState<NewGrant['role']>('viewer');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.grants.add({ principal_type: kind, principal_name: name.trim(), scope: scope.trim(), role });
      setName('');
      setScope('');
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Add a grant" className="grant-form">
      <label>
        Principal kind
        <select value={kind} onChange={(e) => setKind(e.target.value as NewGrant['principal_type'])}>
          {KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </label>
      <label>
        Principal name
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="fraud-team, ann@example.com, ci" required />
      </label>
      <label>
        Models
        <input value={scope} onChange={(e) => setScope(e.target.value)} placeholder="fraud-scorer, fraud-*, or *" required />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as NewGrant['role'])}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy}>
        Add grant
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

export function GrantsPage() {
  const { api, me } = useSession();
  const [grants, setGrants] = useState<Grant[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    api.grants.list().then(
      (res) => {
        setGrants(res.grants);
        setError(null);
      },
      (err: unknown) => setError(err),
    );
  }, [api]);
  useEffect(load, [load]);

  const remove = async (g: Grant) => {
    try {
      await api.grants.remove(g.id);
      load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="grants-title">
      <h1 id="grants-title">Grants</h1>
      <p className="hint">
        A grant gives a user, group or token a role on a model, a glob of models (<code>fraud-*</code>) or every model (<code>*</code>). A deny wins over
        any grant; otherwise the most specific grant applies, and a token&apos;s own role counts as a grant on <code>*</code>.
      </p>
      {me && !me.open && me.role !== 'admin' && <p>Only admins manage grants.</p>}
      <ErrorNote error={error} />
      {grants && grants.length === 0 && <p>No grants yet: tokens act with their own roles.</p>}
      {grants && grants.length > 0 && (
        <table aria-label="Grants">
          <thead>
            <tr>
              <th scope="col">Principal</th>
              <th scope="col">Models</th>
              <th scope="col">Role</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {grants.map((g) => (
              <tr key={g.id}>
                <td>
                  {g.principal_type}:{g.principal_name}
                </td>
                <td>
                  <code>{g.scope}</code>
                </td>
                <td className={g.role === 'deny' ? 'deny' : undefined}>{g.role}</td>
                <td>
                  {new Date(g.created_at).toLocaleString()} by {g.created_by}
                </td>
                <td>
                  <button type="button" onClick={() => void remove(g)} aria-label={`Remove ${g.role} of ${g.principal_type}:${g.principal_name} on ${g.scope}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AddGrantForm onAdded={load} />
    </section>
  );
}
