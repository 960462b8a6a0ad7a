// Issue 18.4: reading a registered model costs a fixed number of queries, however many versions it
// has (no per-version round trips), through the native API and the MLflow door, on both databases;
// and the hot reads (get model, get version, resolve, the MLflow gets) send exactly these many.
import { describe, expect, it } from 'vitest';
import { QueryCounter } from '../src/db/query-counter.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { DATABASES, makeDeps, uniqueName } from './databases.js';
import { call } from './http.js';

const ML = '/api/2.0/mlflow';

describe.each(DATABASES)('registry read query counts on %s', (kind) => {
  it('get registered model sends as many queries for 25 versions as for 2', async () => {
    const deps = await makeDeps(kind);
    const counter = new QueryCounter();
    const { app } = await buildServer({ ...deps, db: deps.db.withPlugin(counter) }, serverExtensions().pick('mlflow'));
    try {
      const counts = async (versions: number) => {
        const name = uniqueName('counted');
        await call(app, 'POST', `${ML}/registered-models/create`, { name, tags: [{ key: 'team', value: 'a' }] });
        for (let v = 1; v <= versions; v++) await call(app, 'POST', `${ML}/model-versions/create`, { name, source: `s3://b/${v}` });
        await call(app, 'POST', `${ML}/model-versions/transition-stage`, { name, version: '1', stage: 'Production', archive_existing_versions: false });
        await call(app, 'POST', `${ML}/model-versions/transition-stage`, { name, version: '2', stage: 'Staging', archive_existing_versions: false });
        await call(app, 'POST', `${ML}/registered-models/alias`, { name, alias: 'champion', version: '2' });
        const measured: Record<string, number> = {};
        for (const [label, url] of [
          ['mlflow', `${ML}/registered-models/get?name=${name}`],
          ['native', `/api/v1/models/${name}`],
          ['nativeVersion', `/api/v1/models/${name}/versions/2`],
          ['resolveAlias', `/api/v1/resolve?uri=${encodeURIComponent(`models:/${name}@champion`)}`],
          ['resolveStage', `/api/v1/resolve?uri=${encodeURIComponent(`models:/${name}/Production`)}`],
          ['mlflowVersion', `${ML}/model-versions/get?name=${name}&version=2`],
          ['mlflowAlias', `${ML}/registered-models/alias?name=${name}&alias=champion`],
          ['mlflowLatest', `${ML}/registered-models/get-latest-versions?name=${name}&stages=Production`],
        ]) {
          // The least of three: a background task (webhook delivery, the event feed) may query meanwhile.
          measured[label] = Infinity;
          for (let k = 0; k < 3; k++) {
            counter.reset();
            const res = await call(app, 'GET', url);
            expect(res.status).toBe(200);
            measured[label] = Math.min(measured[label], counter.count);
          }
        }
        return measured;
      };
      const small = await counts(2);
      const large = await counts(25);
      expect(large).toEqual(small);
      // Today's figures; a new per-request query should be a decision, not an accident. The native
      // reads are one prepared query each (a model's or a version's view with its tags, aliases and
      // pointers as subqueries); the MLflow door's version reads add one query of its own facts, its
      // model read one (its latest versions' run links and logged models, in one prepared query).
      expect(small).toEqual({ mlflow: 3, native: 1, nativeVersion: 1, resolveAlias: 1, resolveStage: 1, mlflowVersion: 2, mlflowAlias: 2, mlflowLatest: 2 });
    } finally {
      await app.close();
      await deps.close();
    }
  });
});
