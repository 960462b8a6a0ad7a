// One model's view in one query (issue 18.4) shows exactly what the batched read shows: tags and
// aliases, latest, Staging and Production (with health) and the last event; a miss is undefined.
import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../test/databases.js';
import { call, createModel, promote, registerVersion } from '../../test/http.js';
import { modelViewByName } from './model-view-read.js';
import { requireModel } from './models/models-service.js';
import { modelViews } from './read-models.js';

describe.each(DATABASES)('one-query model view on %s', (kind) => {
  const r = useRegistry(kind);

  it('matches the batched read at every step; undefined for a missing or deleted model', async () => {
    const name = uniqueName('one');
    const db = r.deps.db;
    const same = async () => {
      const batched = (await modelViews(db, [await requireModel(db, name)]))[0];
      const one = await modelViewByName(db, name);
      expect(one).toEqual(batched);
      return one!;
    };
    await createModel(r.app, name);
    expect(await same()).toMatchObject({ latest_version: null, production: null, stages: { Production: null, Staging: null }, tags: {}, aliases: {} });
    for (const v of [1, 2, 3]) await registerVersion(r.app, name, { 'm.bin': String(v) });
    for (const [key, value] of [['zeta', 'z'], ['alpha', 'a']]) expect((await call(r.app, 'PUT', `/api/v1/models/${name}/tags/${key}`, { value })).status).toBe(200);
    expect((await promote(r.app, name, 1)).status).toBe(200);
    expect((await promote(r.app, name, 2, 'Staging')).status).toBe(200);
    for (const alias of ['zulu', 'champion']) expect((await call(r.app, 'PUT', `/api/v1/models/${name}/aliases/${alias}`, { version: 1 })).status).toBe(200);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/health`, { health: 'failed', reason: 'drift' })).status).toBe(200);
    const view = await same();
    expect(view).toMatchObject({ latest_version: 3, stages: { Production: 1, Staging: 2 }, production: { version: 1, health: 'failed', health_reason: 'drift' } });
    expect(Object.keys(view.tags)).toEqual(['alpha', 'zeta']);
    expect(Object.keys(view.aliases)).toEqual(['champion', 'zulu']);
    expect(view.last_event).toMatchObject({ type: 'version.health_changed', reason: 'drift' });
    // Deleting the newest version moves latest (deleted versions are not counted).
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/3`)).status).toBe(204);
    expect((await same()).latest_version).toBe(2);
    expect(await modelViewByName(db, uniqueName('nobody'))).toBeUndefined();
  });
});
