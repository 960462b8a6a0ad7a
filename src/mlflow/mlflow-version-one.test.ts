// The few-query reads of one version and one registered model (issue 18.4) answer exactly what the
// list path (versionsJson, modelsJson) answers: tags, aliases, run links, latest versions.
import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../test/databases.js';
import { call } from '../../test/http.js';
import { findModel, findNamedVersion } from '../registry/index.js';
import { serverExtensions } from '../server.js';
import { modelsJson, versionsJson } from './mlflow-serializers.js';

const ML = '/api/2.0/mlflow';

describe.each(DATABASES)('MLflow one-version and one-model reads on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions().pick('mlflow') });

  it('match the list path', async () => {
    const name = uniqueName('one');
    const post = async (path: string, body: unknown) => expect((await call(r.app, 'POST', `${ML}/${path}`, body)).status).toBe(200);
    await post('registered-models/create', { name, tags: [{ key: 'zeta', value: 'z' }, { key: 'alpha', value: 'a' }] });
    for (let v = 1; v <= 4; v++) await post('model-versions/create', { name, source: `s3://b/${v}`, run_link: v === 2 ? 'http://run/2' : undefined, tags: [{ key: 'k', value: String(v) }] });
    await post('model-versions/transition-stage', { name, version: '1', stage: 'Production', archive_existing_versions: false });
    await post('model-versions/transition-stage', { name, version: '2', stage: 'Staging', archive_existing_versions: false });
    await post('model-versions/transition-stage', { name, version: '3', stage: 'Archived', archive_existing_versions: false });
    for (const alias of ['zulu', 'champion']) await post('registered-models/alias', { name, alias, version: '2' });

    const db = r.deps.db;
    const [model] = await modelsJson(db, [(await findModel(db, name))!]);
    expect((await call(r.app, 'GET', `${ML}/registered-models/get?name=${name}`)).body).toEqual({ registered_model: model });
    expect((model.latest_versions as unknown[]).length).toBe(4);
    const [two] = await versionsJson(db, [(await findNamedVersion(db, name, 2))!], true);
    expect(two).toMatchObject({ run_link: 'http://run/2', aliases: ['champion', 'zulu'] });
    expect((await call(r.app, 'GET', `${ML}/model-versions/get?name=${name}&version=2`)).body).toEqual({ model_version: two });
    expect((await call(r.app, 'GET', `${ML}/registered-models/alias?name=${name}&alias=zulu`)).body).toEqual({ model_version: two });
    const [staging] = await versionsJson(db, [(await findNamedVersion(db, name, 2))!]);
    expect((await call(r.app, 'GET', `${ML}/registered-models/get-latest-versions?name=${name}&stages=Staging`)).body).toEqual({ model_versions: [staging] });
    // Misses keep MLflow's answers.
    expect((await call(r.app, 'GET', `${ML}/registered-models/get?name=${name}-none`)).status).toBe(404);
    expect((await call(r.app, 'GET', `${ML}/model-versions/get?name=${name}&version=9`)).status).toBe(404);
    expect((await call(r.app, 'GET', `${ML}/registered-models/alias?name=${name}&alias=nobody`)).status).toBe(400);
  });
});
