// @vitest-environment jsdom
// The action buttons follow the caller's role on THE model in view (per-model grants), not its
// global role: a global viewer with a deployer grant on `<team>-*` gets Roll back and Change stage
// there and nothing elsewhere; a global deployer held to viewer on one model gets none there.
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../../../test/databases';
import { call, createModel, registerVersion } from '../../../test/http';
import { App } from '../App';
import { VersionActions } from '../components/VersionActions';
import { useSession } from './session';
import { renderWithServer, useListeningRegistry } from '../test-support';
import type { Version } from '../types';

function Actions({ v }: { v: Version }) {
  const { me } = useSession();
  return me ? <VersionActions v={v} onChanged={() => undefined} /> : <p>signing in…</p>;
}

describe.each(DATABASES)('action buttons by the role on the model, on %s', (kind) => {
  const r = useListeningRegistry(kind);
  const team = uniqueName('fraud').replace(/-/g, '');
  const fraud = `${team}-a`;
  const ranking = uniqueName('ranking-b');
  const tokens: Record<string, string> = {};
  const asAdmin = () => ({ authorization: `Bearer ${tokens.admin}` });
  afterEach(() => {
    cleanup();
    localStorage.clear();
  });

  beforeAll(async () => {
    for (const m of [fraud, ranking]) {
      await createModel(r.app, m);
      await registerVersion(r.app, m, { 'm.bin': 'one' });
      await registerVersion(r.app, m, { 'm.bin': 'two' });
      await call(r.app, 'POST', `/api/v1/models/${m}/versions/1/stage`, { stage: 'Production' });
      await call(r.app, 'POST', `/api/v1/models/${m}/versions/2/stage`, { stage: 'Production', archive_existing_versions: true });
    }
    tokens.admin = (await call(r.app, 'POST', '/api/v1/tokens', { name: `admin-${team}`, role: 'admin' })).body.token;
    for (const [name, role] of [['watcher', 'viewer'], ['ops', 'deployer']]) {
      tokens[name] = (await call(r.app, 'POST', '/api/v1/tokens', { name: `${name}-${team}`, role }, asAdmin())).body.token;
    }
    const grant = (who: string, scope: string, role: string) =>
      call(r.app, 'POST', '/api/v1/grants', { principal_type: 'token', principal_name: `${who}-${team}`, scope, role }, asAdmin());
    expect((await grant('watcher', `${team}-*`, 'deployer')).status).toBe(201);
    expect((await grant('ops', ranking, 'viewer')).status).toBe(201);
  });

  async function version(model: string, n: number): Promise<Version> {
    return (await call(r.app, 'GET', `/api/v1/models/${model}/versions/${n}`, undefined, asAdmin())).body;
  }

  function modelPage(model: string) {
    render(
      <MemoryRouter initialEntries={[`/models/${model}`]}>
        <App baseUrl={r.url} />
      </MemoryRouter>,
    );
  }

  it('a global viewer with a deployer grant on the glob gets Roll back on a model it covers', async () => {
    localStorage.setItem('stagecraft.token', tokens.watcher);
    modelPage(fraud);
    await waitFor(() => expect(screen.getByRole('banner').textContent).toContain('viewer'));
    await screen.findByRole('button', { name: 'Roll back…' });
  });

  it('and no Roll back on a model only its global viewer role covers', async () => {
    localStorage.setItem('stagecraft.token', tokens.watcher);
    modelPage(ranking);
    await waitFor(() => expect(screen.getByTestId('production-version').textContent).toBe('v2'));
    // The role answer may come after the model: wait until the page knows it, then look.
    await waitFor(() => expect(screen.getByTestId('model-head').getAttribute('aria-busy')).toBe('false'));
    expect(screen.queryByRole('button', { name: 'Roll back…' })).toBeNull();
  });

  it('offers promote (Change stage) on the version page by the model role, both ways', async () => {
    localStorage.setItem('stagecraft.token', tokens.watcher);
    renderWithServer(r.url, <Actions v={await version(fraud, 1)} />);
    await screen.findByRole('button', { name: 'Change stage' });
    cleanup();

    renderWithServer(r.url, <Actions v={await version(ranking, 1)} />);
    expect((await screen.findByText(/can look but not deploy/)).textContent).toContain('(viewer)');
    expect(screen.queryByRole('button', { name: 'Change stage' })).toBeNull();
  });

  it('a global deployer held to viewer on one model gets no actions there, and keeps them elsewhere', async () => {
    localStorage.setItem('stagecraft.token', tokens.ops);
    renderWithServer(r.url, <Actions v={await version(ranking, 1)} />);
    expect((await screen.findByText(/can look but not deploy/)).textContent).toContain('(viewer)');
    expect(screen.queryByRole('button', { name: 'Change stage' })).toBeNull();
    cleanup();

    renderWithServer(r.url, <Actions v={await version(fraud, 1)} />);
    await screen.findByRole('button', { name: 'Change stage' });
    cleanup();

    modelPage(ranking);
    await waitFor(() => expect(screen.getByRole('banner').textContent).toContain('deployer'));
    await waitFor(() => expect(screen.getByTestId('production-version').textContent).toBe('v2'));
    await waitFor(() => expect(screen.getByTestId('model-head').getAttribute('aria-busy')).toBe('false'));
    expect(screen.queryByRole('button', { name: 'Roll back…' })).toBeNull();
  });

  it('follows a grant changed while the page is open: the buttons go when the window regains focus', async () => {
    // Its own token and grant, so the other cases keep theirs.
    const who = `late-${team}`;
    const token = (await call(r.app, 'POST', '/api/v1/tokens', { name: who, role: 'viewer' }, asAdmin())).body.token;
    const added = await call(r.app, 'POST', '/api/v1/grants', { principal_type: 'token', principal_name: who, scope: fraud, role: 'deployer' }, asAdmin());
    expect(added.status).toBe(201);
    localStorage.setItem('stagecraft.token', token);
    modelPage(fraud);
    await screen.findByRole('button', { name: 'Roll back…' });

    expect((await call(r.app, 'DELETE', `/api/v1/grants/${added.body.id}`, undefined, asAdmin())).status).toBeLessThan(300);
    window.dispatchEvent(new Event('focus'));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Roll back…' })).toBeNull());
  });
});
