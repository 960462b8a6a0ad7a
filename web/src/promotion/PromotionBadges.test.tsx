// @vitest-environment jsdom
import './node-realm';
import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../../../test/databases';
import { waitConverged } from '../../../test/gateway-fixtures';
import { call } from '../../../test/http';
import { GOOD, modelWith, stage } from '../../../test/promotion-fixtures';
import { ModelsPage } from '../pages/ModelsPage';
import { renderLive, usePromotionRegistry } from './promotion-test-support';

const V = (w: number) => ({ weights: [w, -w], bias: 0, activation: 'sigmoid' as const });

describe.each(DATABASES)('promotion badges in the models list against a real registry on %s', (kind) => {
  const r = usePromotionRegistry(kind);
  afterEach(cleanup);

  const rowOf = async (name: string) => (await screen.findByRole('link', { name })).closest('.model-row') as HTMLElement;

  it('marks a model with a canary, pending approvals and a passed drill, and follows changes live', async () => {
    const name = uniqueName('badged');
    const quiet = uniqueName('quiet');
    await modelWith(r.app, name, [GOOD, V(2), V(3)]);
    await modelWith(r.app, quiet, [GOOD]);
    await stage(r.app, name, 1, 'Production');
    await stage(r.app, name, 2, 'Staging');
    await waitConverged(r.app, name, 1);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/drills`, { version: 3 })).body.passed).toBe(true);
    await call(r.app, 'PUT', `/api/v1/models/${name}/approval-policy`, { stages: ['Production'] });
    await stage(r.app, name, 2, 'Production', { 'stagecraft-actor': 'alice' });

    renderLive(r.url, <ModelsPage />);
    const row = await rowOf(name);
    await waitFor(() => expect(row.textContent).toContain('1 approval pending'));
    expect(row.textContent).toContain('drill passed just now');
    expect(row.textContent).not.toContain('canary');
    expect((await rowOf(quiet)).textContent).not.toMatch(/canary|approval|drill|shadow/);

    await waitFor(() => expect(screen.getByTestId('live-state').textContent).toBe('live'));
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 3, steps: [10, 100] })).status).toBe(201);
    await waitFor(() => expect(row.textContent).toContain('canary v3 10%'));
  });
});
