// @vitest-environment jsdom
import './node-realm';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../../../test/databases';
import { call } from '../../../test/http';
import { expectedRecall, GOOD, modelWith, setGates, stage, WORSE } from '../../../test/promotion-fixtures';
import { renderLive, usePromotionRegistry } from './promotion-test-support';
import { ValidationReport } from './ValidationReport';

describe.each(DATABASES)('ValidationReport against a real registry on %s', (kind) => {
  const r = usePromotionRegistry(kind);
  afterEach(cleanup);

  async function gatedModel() {
    const name = uniqueName('gated');
    await modelWith(r.app, name, [GOOD, WORSE]);
    await stage(r.app, name, 1, 'Production');
    expect((await setGates(r.app, name, { thresholds: [{ metric: 'recall', max_drop: 0.05 }, { metric: 'accuracy', min: 0.5 }] })).status).toBe(200);
    return name;
  }

  it('says a version was not validated yet rather than showing an error', async () => {
    const name = await gatedModel();
    renderLive(r.url, <ValidationReport model={name} version={2} />);
    await screen.findByText('Not validated yet.');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('lists each check with pass or fail in words, the measured values against thresholds, and the holdout metrics vs Production', async () => {
    const name = await gatedModel();
    expect((await stage(r.app, name, 2, 'Production')).status).toBe(409);
    renderLive(r.url, <ValidationReport model={name} version={2} />);
    await waitFor(() => expect(screen.getByTestId('validation-verdict').textContent).toMatch(/failed for Production · failed: recall\.max_drop/));
    const checks = screen.getByRole('table', { name: 'Validation checks' });
    const recall = within(checks).getByRole('row', { name: /recall\.max_drop/ });
    expect(recall.textContent).toMatch(/fail/);
    expect(recall.textContent).toContain("recall 0.4000 vs Production v1's 1: worse by 0.6000 (allowed 0.0500)");
    expect(within(checks).getByRole('row', { name: /accuracy\.min/ }).textContent).toMatch(/pass.*>= 0\.5/);
    expect(within(checks).getByRole('row', { name: /^signature/ }).textContent).toMatch(/pass|skipped/);
    const metrics = screen.getByRole('table', { name: 'Holdout metrics' });
    expect(metrics.textContent).toContain('Holdout metrics on 40 rows');
    const row = within(metrics).getByRole('row', { name: /^recall/ });
    expect(row.textContent).toBe(`recall${Number(expectedRecall(WORSE).toFixed(4))}${Number(expectedRecall(GOOD).toFixed(4))}`);
    expect(screen.queryByTestId('validation-override')).toBeNull();
  });

  it('shows an admin override with who gave it and why, live after the page opened', async () => {
    const name = await gatedModel();
    await stage(r.app, name, 2, 'Production');
    renderLive(r.url, <ValidationReport model={name} version={2} />);
    await screen.findByTestId('validation-verdict');
    await waitFor(() => expect(screen.getByTestId('live-state').textContent).toBe('live'));
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/stage/override`, { stage: 'Production', reason: 'recall drop accepted for the fraud spike', archive_existing_versions: true }, { 'stagecraft-actor': 'root' });
    expect(res.status).toBe(200);
    const override = await screen.findByTestId('validation-override');
    expect(override.textContent).toBe('Overridden by root: recall drop accepted for the fraud spike');
  });
});
