// @vitest-environment jsdom
// Roles decide which actions the UI offers; the server still decides, and its refusals are shown.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../../../test/databases';
import { call, createModel, registerVersion } from '../../../test/http';
import { App } from '../App';
import { useSession } from '../lib/session';
import { renderWithServer, useListeningRegistry } from '../test-support';
import type { Version } from '../types';
import { VersionActions } from './VersionActions';

function Actions({ v }: { v: Version }) {
  // Rendered once the session knows the role, as on the version page.
  const { me } = useSession();
  return me ? <VersionActions v={v} onChanged={() => undefined} /> : <p>signing in…</p>;
}

describe.each(DATABASES)('actions by role against a real registry on %s', (kind) => {
  const r = useListeningRegistry(kind);
  const name = uniqueName('ranker');
  const tokens: Record<string, string> = {};
  afterEach(() => {
    cleanup();
    localStorage.clear();
  });

  beforeAll(async () => {
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': 'one' });
    await registerVersion(r.app, name, { 'm.bin': 'two' });
    // The first token ends open mode: from here on every request needs one.
    for (const role of ['admin', 'deployer', 'viewer']) {
      const auth = tokens.admin ? { authorization: `Bearer ${tokens.admin}` } : undefined;
      const res = await call(r.app, 'POST', '/api/v1/tokens', { name: `${role}-${name}`, role }, auth);
      tokens[role] = res.body.token;
    }
  });

  async function version(n: number): Promise<Version> {
    return (await call(r.app, 'GET', `/api/v1/models/${name}/versions/${n}`, undefined, { authorization: `Bearer ${tokens.admin}` })).body;
  }

  it('offers a viewer no actions and says which role can act', async () => {
    localStorage.setItem('stagecraft.token', tokens.viewer);
    renderWithServer(r.url, <Actions v={await version(1)} />);
    expect((await screen.findByText(/can look but not deploy/)).textContent).toContain('viewer');
    expect(screen.queryByRole('button', { name: 'Change stage' })).toBeNull();
  });

  it('lets a deployer move a version to Production, archiving what was there', async () => {
    localStorage.setItem('stagecraft.token', tokens.deployer);
    renderWithServer(r.url, <Actions v={await version(1)} />);
    fireEvent.change(await screen.findByLabelText('Move to stage'), { target: { value: 'Production' } });
    fireEvent.change(screen.getByLabelText('Reason (kept in the audit log)'), { target: { value: 'launch' } });
    fireEvent.click(screen.getByRole('button', { name: 'Change stage' }));
    expect((await screen.findByRole('status')).textContent).toContain('v1 is now in Production');
    const v1 = await version(1);
    expect(v1.stage).toBe('Production');
  });

  it('sends the version it showed holding the stage; a move by someone else meanwhile is refused, not overridden', async () => {
    const admin = { authorization: `Bearer ${tokens.admin}` };
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'Staging' }, admin);
    localStorage.setItem('stagecraft.token', tokens.deployer);
    renderWithServer(r.url, <Actions v={await version(2)} />);
    fireEvent.change(await screen.findByLabelText('Move to stage'), { target: { value: 'Staging' } });
    await waitFor(() => expect(screen.getByTestId('stage-holder').textContent).toBe('Staging now: v1'));
    // Someone else empties Staging after the page showed v1 there.
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'None' }, admin);
    fireEvent.click(screen.getByRole('button', { name: 'Change stage' }));
    expect((await screen.findByRole('alert')).textContent).toContain('moved since you looked');
    expect((await version(2)).stage).toBe('None');
  });

  it("shows the server's message when it refuses an action", async () => {
    localStorage.setItem('stagecraft.token', tokens.deployer);
    renderWithServer(r.url, <Actions v={await version(2)} />);
    fireEvent.change(await screen.findByLabelText('Alias'), { target: { value: 'latest' } });
    fireEvent.click(screen.getByRole('button', { name: 'Set or move alias here' }));
    expect((await screen.findByRole('alert')).textContent).toContain('alias "latest" is reserved');
  });

  it('follows the change feed with a token: a rollback elsewhere shows on the model page, and a viewer gets no Roll back button', async () => {
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/stage`, { stage: 'Production', archive_existing_versions: true }, { authorization: `Bearer ${tokens.admin}` });
    localStorage.setItem('stagecraft.token', tokens.deployer);
    render(
      <MemoryRouter initialEntries={[`/models/${name}`]}>
        <App baseUrl={r.url} />
      </MemoryRouter>,
    );
    await waitFor(() => expect(screen.getByTestId('production-version').textContent).toBe('v2'));
    await screen.findByRole('button', { name: 'Roll back…' });
    await waitFor(() => expect(screen.getByRole('status', { name: 'Change feed: Live' })).toBeTruthy());
    const rb = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'from the CLI' }, { authorization: `Bearer ${tokens.admin}` });
    expect(rb.body.to_version).toBe(1);
    await waitFor(() => expect(screen.getByTestId('production-version').textContent).toBe('v1'));
    cleanup();

    localStorage.setItem('stagecraft.token', tokens.viewer);
    render(
      <MemoryRouter initialEntries={[`/models/${name}`]}>
        <App baseUrl={r.url} />
      </MemoryRouter>,
    );
    await waitFor(() => expect(screen.getByRole('banner').textContent).toContain('viewer'));
    await waitFor(() => expect(screen.getByTestId('production-version').textContent).toBe('v1'));
    expect(screen.queryByRole('button', { name: 'Roll back…' })).toBeNull();
  });

  it('asks for a token when the server requires one, refuses a wrong one and keeps a good one', async () => {
    render(
      <MemoryRouter>
        <App baseUrl={r.url} />
      </MemoryRouter>,
    );
    const input = await screen.findByLabelText('API token');
    fireEvent.change(input, { target: { value: 'sc_not_a_real_token' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('unknown or revoked API token');
    fireEvent.change(input, { target: { value: tokens.viewer } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { name: 'Models' });
    await waitFor(() => expect(screen.getByRole('banner').textContent).toContain('viewer'));
    expect(localStorage.getItem('stagecraft.token')).toBe(tokens.viewer);
  });
});
