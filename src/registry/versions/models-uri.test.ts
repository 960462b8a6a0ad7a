import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { call, createModel, promote, registerVersion } from '../../../test/http.js';
import { parseModelsUri } from './models-uri.js';

describe('models:/ URI parsing', () => {
  it('reads every form, with digits winning over labels and the last "@" splitting aliases', () => {
    expect(parseModelsUri('models:/fraud/3')).toEqual({ name: 'fraud', kind: 'version', version: 3 });
    expect(parseModelsUri('models:/fraud/production')).toEqual({ name: 'fraud', kind: 'stage', stage: 'Production' });
    expect(parseModelsUri('models:/fraud/LATEST')).toEqual({ name: 'fraud', kind: 'latest' });
    expect(parseModelsUri('models:/fraud@champion')).toEqual({ name: 'fraud', kind: 'alias', alias: 'champion' });
    expect(parseModelsUri('models:/a@b@champion')).toEqual({ name: 'a@b', kind: 'alias', alias: 'champion' });
    expect(parseModelsUri('models:/fraud/v1.0')).toEqual({ name: 'fraud', kind: 'label', label: 'v1.0' });
    expect(parseModelsUri('models:////Ads Model/12')).toEqual({ name: 'Ads Model', kind: 'version', version: 12 });
  });

  it('refuses malformed URIs with a message showing the accepted forms', () => {
    for (const bad of ['models:/', 'models:/ /Production', 'models:/x/', 'models:/x@', 'models:/a/b/c', 'models:x/1', 'runs:/x/1']) {
      expect(() => parseModelsUri(bad), bad).toThrow(/models:\/name\/<version>/);
    }
  });
});

describe.each(DATABASES)('models:/ resolution on %s', (kind) => {
  const r = useRegistry(kind);

  it('resolves version, stage, latest, alias and label through the REST API', async () => {
    const name = uniqueName('resolve');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': '1' }, { label: 'v1.0' });
    await registerVersion(r.app, name, { 'm.bin': '2' });
    await registerVersion(r.app, name, { 'm.bin': '3' });
    await promote(r.app, name, 1);
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/stage`, { stage: 'Staging' });
    await call(r.app, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: 2 });
    const resolve = async (uri: string) => call(r.app, 'GET', `/api/v1/resolve?uri=${encodeURIComponent(uri)}`);
    const cases: Array<[string, number]> = [
      [`models:/${name}/3`, 3],
      [`models:/${name}/Production`, 1],
      [`models:/${name}/staging`, 2],
      [`models:/${name}/latest`, 3],
      [`models:/${name}@champion`, 2],
      [`models:/${name}/v1.0`, 1],
    ];
    for (const [uri, version] of cases) {
      const res = await resolve(uri);
      expect(res.status, uri).toBe(200);
      expect(res.body, uri).toMatchObject({ name, version, model_version: { version } });
    }
    expect((await resolve(`models:/${name}/Archived`)).status).toBe(404);
    expect((await resolve(`models:/${name}@nobody`)).status).toBe(404);
    expect((await resolve(`models:/${name}/9`)).status).toBe(404);
    expect((await resolve('models:/nope')).status).toBe(400);
  });
});
