// @vitest-environment jsdom
// A version registered from an MLflow 3 logged model shows that model on its page (id, name, run,
// status, params, metrics) and links to the logged model's own page; a version without one does not.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverExtensions } from '../../../src/server';
import { DATABASES, uniqueName } from '../../../test/databases';
import { call, registerVersion } from '../../../test/http';
import { seedLoggedModelVersion, type SeededLoggedModel } from '../../../test/logged-model-seed';
import { App } from '../App';
import { useListeningRegistry } from '../test-support';

function renderAt(url: string, path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App baseUrl={url} />
    </MemoryRouter>,
  );
}

describe.each(DATABASES)('the logged model of a version, against a real registry on %s', (kind) => {
  const r = useListeningRegistry(kind, { extensions: serverExtensions().pick('mlflow') });
  const name = uniqueName('churn');
  let seeded: SeededLoggedModel;
  afterEach(cleanup);

  beforeAll(async () => {
    seeded = await seedLoggedModelVersion(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': 'plain' });
  });

  it("shows the logged model's id, name, run, status, params and metrics on the version page", async () => {
    renderAt(r.url, `/models/${name}/versions/${seeded.version}`);
    const panel = await screen.findByRole('region', { name: 'Logged model' });
    const text = () => panel.textContent ?? '';
    await waitFor(() => expect(text()).toContain(seeded.modelId));
    expect(text()).toContain('sk-model');
    expect(text()).toContain(seeded.runId);
    expect(within(panel).getByText('ready').getAttribute('title')).toBe('LOGGED_MODEL_READY');
    const params = within(panel).getByRole('table', { name: 'Params' });
    expect(within(params).getByRole('rowheader', { name: 'max_iter' }).nextElementSibling?.textContent).toBe('200');
    const metrics = within(panel).getByRole('table', { name: 'Metrics' });
    const row = within(metrics).getByRole('rowheader', { name: 'accuracy' }).closest('tr')!;
    expect(row.textContent).toContain('0.93');
    expect(row.textContent).toContain('holdout');
  });

  it("opens the logged model's own page: tags, files and the versions made from it", async () => {
    renderAt(r.url, `/models/${name}/versions/${seeded.version}`);
    const panel = await screen.findByRole('region', { name: 'Logged model' });
    fireEvent.click(within(panel).getByRole('link', { name: `Open logged model ${seeded.modelId}` }));
    await screen.findByRole('heading', { level: 1, name: /Logged model sk-model/ });
    const files = await screen.findByRole('region', { name: 'Files' });
    expect(within(files).getByRole('rowheader', { name: 'MLmodel' })).toBeTruthy();
    expect(within(screen.getByRole('table', { name: 'Tags' })).getByRole('rowheader', { name: 'team' })).toBeTruthy();
    const versions = screen.getByRole('region', { name: 'Registered versions' });
    fireEvent.click(within(versions).getByRole('link', { name: `${name} v${seeded.version}` }));
    await screen.findByRole('region', { name: 'Logged model' });
  });

  it('shows no panel for a version not made from a logged model, and says so for an unknown logged model', async () => {
    const plain = await call(r.app, 'GET', `/api/v1/models/${name}/versions/${seeded.version + 1}/logged-model`);
    expect(plain.body).toEqual({ logged_model: null });
    renderAt(r.url, `/models/${name}/versions/${seeded.version + 1}`);
    await screen.findByRole('region', { name: 'Artifacts' });
    await screen.findByRole('rowheader', { name: 'm.bin' });
    expect(screen.queryByRole('region', { name: 'Logged model' })).toBeNull();
    cleanup();
    renderAt(r.url, '/logged-models/m-00000000000000000000000000000000');
    expect((await screen.findByRole('alert')).textContent).toContain('not found');
  });
});
