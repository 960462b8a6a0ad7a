// @vitest-environment jsdom
// A replica the registry cannot vouch for is shown in amber, with the version it was last seen
// serving and why, and the model is never shown as converged while one is.
import type { AddressInfo } from 'node:net';
import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases';
import { call, createModel, promote, registerVersion } from '../../../test/http';
import { serverExtensions } from '../../../src/server';
import { renderWithServer } from '../test-support';
import { ServingStatus } from './ServingStatus';

describe.each(DATABASES)('ServingStatus against a real registry on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions({ serving: { embedded: false } }).pick('serving') });
  let url = '';
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  });
  afterEach(cleanup);

  const lastEventId = async () => (await call(r.app, 'GET', '/api/v1/events?limit=1')).body.events[0].id as number;
  const beat = (replica: string, m: string, version: number, feed: number) =>
    call(r.app, 'POST', '/api/v1/gateways/heartbeat', { replica_id: replica, models: [{ model: m, binding: 'stage:Production', version, state: 'serving' }], feed_position: feed });

  it('shows a replica behind the move as unknown, in amber, with its last-seen version and why', async () => {
    const m = uniqueName('status');
    await createModel(r.app, m);
    for (const i of [1, 2]) await registerVersion(r.app, m, { 'model.bin': `w ${m} ${i}` });
    await promote(r.app, m, 1);
    const before = await lastEventId();
    await promote(r.app, m, 2);
    await beat('fresh', m, 2, await lastEventId());
    await beat('behind', m, 1, before);

    renderWithServer(url, <ServingStatus model={m} />);
    expect((await screen.findByTestId('unknown-replicas')).textContent).toBe('not converged: 1 replica unknown');
    const row = screen.getByText('behind').closest('tr')!;
    expect(row.className).toBe('replica-unknown');
    expect(row.textContent).toContain('v1 last seen');
    expect(row.textContent).toContain('unknown');
    expect(row.textContent).toContain('not yet the move');
    expect(screen.getByText('fresh').closest('tr')!.className).toBe('');
    expect(screen.queryByText('all replicas converged')).toBeNull();

    await beat('behind', m, 2, await lastEventId());
    // The card polls; the feed tick is not needed for heartbeats.
    await waitFor(() => expect(screen.getByText('all replicas converged')).toBeTruthy(), { timeout: 8000 });
  });
});
