// @vitest-environment jsdom
// The per-model protected setting on the model page: everyone sees the badge and why; only an admin
// can toggle it (PATCH /api/v1/models/{name} {protected}), and the server then refuses a delete.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../../../test/databases';
import { call, createModel, promote, registerVersion } from '../../../test/http';
import { App } from '../App';
import { useListeningRegistry } from '../test-support';

function renderModel(url: string, name: string) {
  return render(
    <MemoryRouter initialEntries={[`/models/${name}`]}>
      <App baseUrl={url} />
    </MemoryRouter>,
  );
}

describe.each(DATABASES)('the protected setting on the model page, against a real registry on %s', (kind) => {
  const r = useListeningRegistry(kind);
  const name = uniqueName('pricing');
  const tokens: Record<string, string> = {};
  const admin = () => ({ authorization: `Bearer ${tokens.admin}` });
  afterEach(() => {
    cleanup();
    localStorage.clear();
  });

  beforeAll(async () => {
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': 'one' });
    await promote(r.app, name, 1);
    for (const role of ['admin', 'viewer']) {
      const res = await call(r.app, 'POST', '/api/v1/tokens', { name: `${role}-${name}`, role }, tokens.admin ? admin() : undefined);
      tokens[role] = res.body.token;
    }
  });

  it('lets an admin protect the model; the badge explains it and the server then refuses deleting it', async () => {
    localStorage.setItem('stagecraft.token', tokens.admin);
    renderModel(r.url, name);
    const box = await screen.findByRole('checkbox', { name: 'Protected' });
    expect((box as HTMLInputElement).checked).toBe(false);
    expect(screen.queryByTestId('protected-badge')).toBeNull();
    fireEvent.click(box);
    const badge = await screen.findByTestId('protected-badge');
    expect(badge.getAttribute('title')).toContain('refused while it serves');
    expect(badge.textContent).toBe('protected');
    await waitFor(() => expect((screen.getByRole('checkbox', { name: 'Protected' }) as HTMLInputElement).checked).toBe(true));
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`, undefined, admin())).body.protected).toBe(true);
    const refused = await call(r.app, 'DELETE', `/api/v1/models/${name}`, undefined, admin());
    expect(refused.status).toBe(409);

    fireEvent.click(screen.getByRole('checkbox', { name: 'Protected' }));
    await waitFor(() => expect(screen.queryByTestId('protected-badge')).toBeNull());
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`, undefined, admin())).body.protected).toBe(false);
  });

  it('shows a viewer the badge and why, read-only', async () => {
    await call(r.app, 'PATCH', `/api/v1/models/${name}`, { protected: true }, admin());
    localStorage.setItem('stagecraft.token', tokens.viewer);
    renderModel(r.url, name);
    const badge = await screen.findByTestId('protected-badge');
    expect(badge.getAttribute('title')).toContain('Deleting or renaming this model');
    await waitFor(() => expect(screen.getByRole('banner').textContent).toContain('viewer'));
    expect(screen.queryByRole('checkbox', { name: 'Protected' })).toBeNull();
    expect(document.getElementById(badge.getAttribute('aria-describedby')!)?.textContent).toContain('Only an admin can change this.');
  });
});
