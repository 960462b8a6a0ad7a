// runs/search as mlflow.search_runs uses it: metric/param/tag/attribute filters, order_by on
// metrics ("the best run"), paging and view types, on SQLite and PostgreSQL.
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../test/databases.js';
import { call } from '../../test/http.js';
import { serverExtensions } from '../server.js';

describe.each(DATABASES)('MLflow runs/search on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('mlflow') });
  const post = (rpc: string, body: unknown) => call(r.app, 'POST', `/api/2.0/mlflow/${rpc}`, body);
  let exp = '';
  const runs: Record<string, string> = {};
  const search = async (body: Record<string, unknown>) => {
    const res = await post('runs/search', { experiment_ids: [exp], ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { runs?: Array<{ info: { run_name: string } }>; next_page_token?: string };
  };
  const names = (body: { runs?: Array<{ info: { run_name: string } }> }) => (body.runs ?? []).map((x) => x.info.run_name);

  // Three runs with metrics, params and tags, the data every search below reads.
  beforeAll(async () => {
    const created = await post('experiments/create', { name: uniqueName('search-runs') });
    expect(created.status).toBe(200);
    exp = created.body.experiment_id;
    const seed: Array<[string, number, string, string, number]> = [
      ['lr-small', 0.81, '0.01', 'baseline', 1],
      ['lr-big', 0.93, '0.1', 'candidate', 2],
      ['tree', 0.88, '0.1', 'Candidate', 3],
    ];
    for (const [name, acc, lr, role, start] of seed) {
      const run = (await post('runs/create', { experiment_id: exp, run_name: name, start_time: start, user_id: 'u' })).body.run.info;
      runs[name] = run.run_id;
      const logged = await post('runs/log-batch', {
        run_id: run.run_id,
        metrics: [{ key: 'acc', value: acc - 0.5, timestamp: 1, step: 0 }, { key: 'acc', value: acc, timestamp: 2, step: 1 }],
        params: [{ key: 'lr', value: lr }],
        tags: [{ key: 'role', value: role }],
      });
      expect(logged.status).toBe(200);
    }
    expect((await post('runs/update', { run_id: runs.tree, status: 'FINISHED', end_time: 10 })).status).toBe(200);
  });

  it('filters on the latest metric value, params, tags and attributes, joined by AND', async () => {
    expect(names(await search({ filter: 'metrics.acc > 0.85', order_by: ['metrics.acc DESC'] }))).toEqual(['lr-big', 'tree']);
    expect(names(await search({ filter: "params.lr = '0.1' AND tags.role LIKE 'cand%'" }))).toEqual(['lr-big']);
    expect(names(await search({ filter: "tags.role ILIKE 'cand%'", order_by: ['attributes.run_name'] }))).toEqual(['lr-big', 'tree']);
    expect(names(await search({ filter: "attributes.status = 'FINISHED'" }))).toEqual(['tree']);
    expect(names(await search({ filter: `attributes.run_id IN ('${runs['lr-small']}', '${runs.tree}')` }))).toEqual(['tree', 'lr-small']);
    expect(names(await search({ filter: 'metrics.missing > 0' }))).toEqual([]);
  });

  it('orders by metrics with missing values last, defaults to newest first, and pages', async () => {
    expect(names(await search({ order_by: ['metrics.acc ASC'] }))).toEqual(['lr-small', 'tree', 'lr-big']);
    expect(names(await search({}))).toEqual(['tree', 'lr-big', 'lr-small']);
    const first = await search({ max_results: 2 });
    expect(names(first)).toEqual(['tree', 'lr-big']);
    expect(names(await search({ max_results: 2, page_token: first.next_page_token }))).toEqual(['lr-small']);
  });

  it('searches experiments by name with LIKE and =', async () => {
    const found = await post('experiments/search', { filter: "name LIKE 'search-runs%'", max_results: 10 });
    expect(found.body.experiments.map((e: { experiment_id: string }) => e.experiment_id)).toEqual([exp]);
    expect((await post('experiments/search', { filter: "name = 'Default'" })).body.experiments[0].experiment_id).toBe('0');
    expect((await post('experiments/search', { filter: "name = 'nope'" })).body).toEqual({});
    expect((await post('experiments/search', { filter: "creation_time > 0" })).status).toBe(400);
  });

  it('refuses malformed filters and order_by with 400, and hides deleted runs unless asked', async () => {
    for (const filter of ["metrics.acc > 'x'", 'params.lr > 1', 'bogus.x = 1', "attributes.nope = 'a'"]) {
      const res = await post('runs/search', { experiment_ids: [exp], filter });
      expect(res.body.error_code, filter).toBe('INVALID_PARAMETER_VALUE');
    }
    expect((await post('runs/search', { experiment_ids: [exp], order_by: ['attributes.nope'] })).status).toBe(400);
    await post('runs/delete', { run_id: runs['lr-small'] });
    expect(names(await search({}))).toEqual(['tree', 'lr-big']);
    expect(names(await search({ run_view_type: 'DELETED_ONLY' }))).toEqual(['lr-small']);
    expect(names(await search({ run_view_type: 'ALL' }))).toHaveLength(3);
  });
});
