// @vitest-environment jsdom
// The grants page against a real registry: an admin adds a deny, sees it listed and it takes
// effect on the server at once; removing it restores access; a mistake shows the server's words.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../../../test/databases';
import { call, createModel } from '../../../test/http';
import { App } from '../App';
import { useListeningRegistry } from '../test-support';

describe.each(DATABASES)('the grants page, against a real registry on %s', (kind) => {
  const r = useListeningRegistry(kind);
  const model = uniqueName('fraud');
  const tokens: Record<string, string> = {};
  afterEach(() => {
    cleanup();
    localStorage.clear();
  });

  beforeAll(async () => {
    await createModel(r.app, model);
    tokens.admin = (await call(r.app, 'POST', '/api/v1/tokens', { name: `admin-${model}`, role: 'admin' })).body.token;
    tokens.ci = (await call(r.app, 'POST', '/api/v1/tokens', { name: `ci-${model}`, role: 'deployer' }, { authorization: `Bearer ${tokens.admin}` })).body.token;
  });

  it('lets an admin add and remove a grant that takes effect at once', async () => {
    localStorage.setItem('stagecraft.token', tokens.admin);
    render(
      <MemoryRouter initialEntries={['/']}>
        <App baseUrl={r.url} />
      </MemoryRouter>,
    );
    fireEvent.click(await screen.findByRole('link', { name: 'Grants' }));
    await screen.findByText(/No grants yet/);

    const form = screen.getByRole('form', { name: 'Add a grant' });
    fireEvent.change(within(form).getByLabelText('Principal kind'), { target: { value: 'token' } });
    fireEvent.change(within(form).getByLabelText('Principal name'), { target: { value: `ci-${model}` } });
    fireEvent.change(within(form).getByLabelText('Models'), { target: { value: model } });
    fireEvent.change(within(form).getByLabelText('Role'), { target: { value: 'deny' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add grant' }));

    const table = await screen.findByRole('table', { name: 'Grants' });
    await waitFor(() => expect(table.textContent).toContain(`token:ci-${model}`));
    expect(table.textContent).toContain('deny');
    const ci = { authorization: `Bearer ${tokens.ci}` };
    expect((await call(r.app, 'GET', `/api/v1/models/${model}`, undefined, ci)).status).toBe(404);

    fireEvent.click(screen.getByRole('button', { name: `Remove deny of token:ci-${model} on ${model}` }));
    await screen.findByText(/No grants yet/);
    expect((await call(r.app, 'GET', `/api/v1/models/${model}`, undefined, ci)).status).toBe(200);

    // A scope with a space is refused by the server, in its words.
    fireEvent.change(within(form).getByLabelText('Principal name'), { target: { value: 'fraud-team' } });
    fireEvent.change(within(form).getByLabelText('Models'), { target: { value: 'a b' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add grant' }));
    expect((await screen.findByRole('alert')).textContent).toContain('scope');
  });

  it('shows no Grants link to a non-admin', async () => {
    localStorage.setItem('stagecraft.token', tokens.ci);
    render(
      <MemoryRouter initialEntries={['/']}>
        <App baseUrl={r.url} />
      </MemoryRouter>,
    );
    await waitFor(() => expect(screen.getByRole('banner').textContent).toContain('deployer'));
    expect(screen.queryByRole('link', { name: 'Grants' })).toBeNull();
  });
});
