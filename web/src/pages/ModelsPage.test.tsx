// @vitest-environment jsdom
import { cleanup, screen, waitFor, within, fireEvent } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../../../test/databases';
import { call, createModel, promote, registerVersion } from '../../../test/http';
import { LiveProvider, useLiveState } from '../lib/live';
import { useSession } from '../lib/session';
import { renderWithServer, useListeningRegistry } from '../test-support';
import { ModelsPage } from './ModelsPage';

function LiveProbe() {
  return <span data-testid="live">{useLiveState()}</span>;
}

function WithLive() {
  const { api } = useSession();
  return (
    <LiveProvider api={api}>
      <LiveProbe />
      <ModelsPage />
    </LiveProvider>
  );
}

describe.each(DATABASES)('ModelsPage against a real registry on %s', (kind) => {
  const r = useListeningRegistry(kind);
  const prefix = uniqueName('fleet');
  const MODELS = 150;
  afterEach(cleanup);

  beforeAll(async () => {
    // More models than one page (100), so paging and virtualization both matter.
    for (let i = 0; i < MODELS; i++) await createModel(r.app, `${prefix}-${String(i).padStart(3, '0')}`);
    const star = `${prefix}-007`;
    await registerVersion(r.app, star, { 'm.bin': 'a' });
    await registerVersion(r.app, star, { 'm.bin': 'b' });
    await promote(r.app, star, 2);
    await call(r.app, 'PUT', `/api/v1/models/${star}/aliases/champion`, { version: 2 });
  });

  it('shows the first page and keeps only the visible rows in the document', async () => {
    renderWithServer(r.url, <WithLive />);
    await screen.findByText(/100 models shown, scroll for more/);
    const rows = within(screen.getByRole('list', { name: 'Models' })).getAllByRole('listitem');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
  });

  it('shows the Production version, health, aliases and last change of a model', async () => {
    renderWithServer(r.url, <WithLive />);
    fireEvent.change(await screen.findByLabelText('Search models'), { target: { value: `${prefix}-007` } });
    await screen.findByText(/^1 model shown/);
    const row = within(screen.getByRole('list', { name: 'Models' })).getByRole('listitem');
    expect(row.textContent).toContain('Production v2');
    expect(row.textContent).toContain('health unknown');
    expect(row.textContent).toContain('@champion v2');
    expect(row.textContent).toContain('Alias moved');
  });

  it('updates a row from the change feed without reloading the list', async () => {
    renderWithServer(r.url, <WithLive />);
    fireEvent.change(await screen.findByLabelText('Search models'), { target: { value: `${prefix}-007` } });
    await screen.findByText(/^1 model shown/);
    // The change happens elsewhere once the page follows the feed.
    await waitFor(() => expect(screen.getByTestId('live').textContent).toBe('live'));
    await call(r.app, 'POST', `/api/v1/models/${prefix}-007/versions/2/health`, { health: 'stable', reason: 'a week clean' });
    await waitFor(() => expect(screen.getByRole('list', { name: 'Models' }).textContent).toContain('stable'));
  });

  it('says so when no model matches', async () => {
    renderWithServer(r.url, <WithLive />);
    fireEvent.change(await screen.findByLabelText('Search models'), { target: { value: 'no-such-model-anywhere' } });
    await screen.findByText(/No model matches/);
  });
});
