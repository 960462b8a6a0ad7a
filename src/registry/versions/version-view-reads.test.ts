// The one-query version view (issue 18.4) shows exactly what the general path shows: tags (by
// key), the aliases naming the version (sorted), the Python interpreter from the version's or the
// model's tag; a miss is undefined (the caller's general path words the 404).
import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { call, createModel, registerVersion } from '../../../test/http.js';
import { versionViewByAlias, versionViewByNumber, versionViewByStage } from './version-view-reads.js';
import { requireVersion } from './versions-service.js';
import { PYTHON_TAG, versionViews } from './versions-view.js';

describe.each(DATABASES)('one-query version views on %s', (kind) => {
  const r = useRegistry(kind);

  it('match the general path for tags, aliases, stage and the Python interpreter; undefined on a miss', async () => {
    const name = uniqueName('view');
    const db = r.deps.db;
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': '1' });
    await registerVersion(r.app, name, { 'm.bin': '2' });
    for (const [key, value] of [['zeta', 'z'], ['alpha', 'a'], ['mid', 'm']]) {
      expect((await call(r.app, 'PUT', `/api/v1/models/${name}/versions/2/tags/${key}`, { value })).status).toBe(200);
    }
    for (const alias of ['zulu', 'champion']) expect((await call(r.app, 'PUT', `/api/v1/models/${name}/aliases/${alias}`, { version: 2 })).status).toBe(200);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/stage`, { stage: 'Staging' })).status).toBe(200);
    // A Python version whose interpreter comes from the model's tag (the version has none of its own).
    const { model, row } = await requireVersion(db, name, 1);
    await db.updateTable('versions').set({ python: JSON.stringify({ flavors: ['python_function'], python_version: '3.11', requirements: [] }) }).where('id', '=', row.id).execute();
    await db.insertInto('model_tags').values({ model_id: model.id, key: PYTHON_TAG, value: '/opt/py/bin/python' }).execute();

    const general = async (version: number) => {
      const found = await requireVersion(db, name, version);
      return (await versionViews(db, [{ ...found.row, model_name: name }]))[0];
    };
    for (const version of [1, 2]) expect(await versionViewByNumber(db, name, version)).toEqual(await general(version));
    const two = await versionViewByNumber(db, name, 2);
    expect(Object.keys(two!.tags)).toEqual(['alpha', 'mid', 'zeta']);
    expect(two!.aliases).toEqual(['champion', 'zulu']);
    expect((await versionViewByNumber(db, name, 1))!.python?.interpreter).toBe('/opt/py/bin/python');
    expect(await versionViewByAlias(db, name, 'zulu')).toEqual(await general(2));
    expect(await versionViewByStage(db, name, 'Staging')).toEqual(await general(2));

    expect(await versionViewByNumber(db, name, 3)).toBeUndefined();
    expect(await versionViewByNumber(db, uniqueName('nobody'), 1)).toBeUndefined();
    expect(await versionViewByAlias(db, name, 'nobody')).toBeUndefined();
    expect(await versionViewByStage(db, name, 'Production')).toBeUndefined();
    // A deleted version is not shown (its alias, if any, is gone with it).
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/2`)).status).toBe(204);
    expect(await versionViewByNumber(db, name, 2)).toBeUndefined();
    expect(await versionViewByStage(db, name, 'Staging')).toBeUndefined();
  });
});
