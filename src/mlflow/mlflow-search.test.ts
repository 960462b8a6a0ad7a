// MLflow's search grammar and paging for registered models and model versions, on both databases.
import { describe, expect, it } from 'vitest';
import type { App } from '../http/app-types.js';
import { DATABASES, useRegistry } from '../../test/databases.js';
import { call } from '../../test/http.js';
import { serverExtensions } from '../server.js';

async function search(app: App, what: 'registered-models' | 'model-versions', params: Record<string, string | string[]>) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  return call(app, 'GET', `/api/2.0/mlflow/${what}/search?${qs}`);
}

const names = (res: { body: { registered_models?: Array<{ name: string }> } }) => (res.body.registered_models ?? []).map((m) => m.name);
const versions = (res: { body: { model_versions?: Array<{ name: string; version: string }> } }) =>
  (res.body.model_versions ?? []).map((v) => `${v.name}/${v.version}`);

describe.each(DATABASES)('MLflow search on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('mlflow') });
  const post = (rpc: string, body: unknown) => call(r.app, 'POST', `/api/2.0/mlflow/${rpc}`, body);

  it('seeds models, versions, tags and a prompt', async () => {
    for (const name of ['Fraud', 'fraud-eu', 'churn', 'a_prompt']) expect((await post('registered-models/create', { name })).status).toBe(200);
    await post('registered-models/set-tag', { name: 'Fraud', key: 'team', value: 'risk' });
    await post('registered-models/set-tag', { name: 'churn', key: 'team', value: 'growth' });
    await post('registered-models/set-tag', { name: 'a_prompt', key: 'mlflow.prompt.is_prompt', value: 'true' });
    for (const [name, n] of [['Fraud', 3], ['churn', 2]] as const) {
      for (let i = 1; i <= n; i++) await post('model-versions/create', { name, source: `s3://b/${name}/${i}`, run_id: `${name.toLowerCase()}${i}` });
    }
    await post('model-versions/set-tag', { name: 'Fraud', version: '2', key: 'validation', value: 'passed' });
  });

  it('filters registered models by name with =, !=, case-sensitive LIKE and ILIKE, and by tags; prompts stay hidden', async () => {
    expect(names(await search(r.app, 'registered-models', {}))).toEqual(['Fraud', 'churn', 'fraud-eu']);
    expect(names(await search(r.app, 'registered-models', { filter: "name = 'Fraud'" }))).toEqual(['Fraud']);
    expect(names(await search(r.app, 'registered-models', { filter: "name LIKE 'fraud%'" }))).toEqual(['fraud-eu']);
    expect(names(await search(r.app, 'registered-models', { filter: "name ILIKE 'FRAUD%'" }))).toEqual(['Fraud', 'fraud-eu']);
    expect(names(await search(r.app, 'registered-models', { filter: "tags.team = 'risk'" }))).toEqual(['Fraud']);
    expect(names(await search(r.app, 'registered-models', { filter: "tag.team != 'risk' AND name != 'x'" }))).toEqual(['churn']);
    // What the Python client appends to every model search:
    expect(names(await search(r.app, 'registered-models', { filter: "name LIKE '%' AND tags.`mlflow.prompt.is_prompt` != 'true'" }))).toEqual(['Fraud', 'churn', 'fraud-eu']);
    expect(names(await search(r.app, 'registered-models', { filter: "tags.`mlflow.prompt.is_prompt` = 'true'" }))).toEqual(['a_prompt']);
  });

  it('refuses OR, unquoted strings, unknown attributes and bad order_by keys with 400', async () => {
    for (const [filter, message] of [
      ["name = 'a' OR name = 'b'", 'Invalid clause(s) in filter string'],
      ['name = Fraud', 'Parameter value is either not quoted or unidentified quote types used for string value Fraud.'],
      ["run_id = 'x'", "Invalid attribute key 'run_id' specified."],
    ]) {
      const res = await search(r.app, 'registered-models', { filter });
      expect(res.status, filter).toBe(400);
      expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(res.body.message).toContain(message);
    }
    expect((await search(r.app, 'registered-models', { order_by: 'size DESC' })).body.message).toContain("Invalid order by key 'size'");
    expect((await search(r.app, 'registered-models', { order_by: ['name', 'name DESC'] })).status).toBe(400);
    expect((await search(r.app, 'registered-models', { max_results: '1001' })).status).toBe(400);
    expect((await search(r.app, 'registered-models', { max_results: '0' })).status).toBe(400);
    expect((await search(r.app, 'registered-models', { page_token: 'not-a-token' })).body.message).toContain('Invalid page token');
    expect((await search(r.app, 'model-versions', { max_results: '200001' })).status).toBe(400);
  });

  it('pages with base64 {"offset": N} tokens and no token on the last page', async () => {
    const first = await search(r.app, 'registered-models', { max_results: '2', order_by: 'name DESC' });
    expect(names(first)).toEqual(['fraud-eu', 'churn']);
    expect(first.body.next_page_token).toBe('eyJvZmZzZXQiOiAyfQ==');
    const second = await search(r.app, 'registered-models', { max_results: '2', order_by: 'name DESC', page_token: first.body.next_page_token });
    expect(names(second)).toEqual(['Fraud']);
    expect(second.body).not.toHaveProperty('next_page_token');
  });

  it('filters versions by name, run_id IN, source_path, version_number and tags; search results carry no aliases', async () => {
    await post('registered-models/alias', { name: 'Fraud', alias: 'champion', version: '3' });
    expect(versions(await search(r.app, 'model-versions', { filter: "name='Fraud'" }))).toEqual(['Fraud/3', 'Fraud/2', 'Fraud/1']);
    expect(versions(await search(r.app, 'model-versions', { filter: "run_id IN ('fraud1', 'churn2', 'FRAUD3')", order_by: 'name' }))).toEqual(['Fraud/1', 'churn/2']);
    expect(versions(await search(r.app, 'model-versions', { filter: "source_path = 's3://b/churn/1'" }))).toEqual(['churn/1']);
    expect(versions(await search(r.app, 'model-versions', { filter: "name = 'Fraud' AND version_number >= 2", order_by: 'version_number ASC' }))).toEqual(['Fraud/2', 'Fraud/3']);
    expect(versions(await search(r.app, 'model-versions', { filter: "tags.validation = 'passed'" }))).toEqual(['Fraud/2']);
    const all = await search(r.app, 'model-versions', { filter: "name = 'Fraud'" });
    expect(all.body.model_versions.every((v: object) => !('aliases' in v))).toBe(true);
    expect((await search(r.app, 'model-versions', { filter: "current_stage = 'None'" })).body.message).toContain("Invalid attribute key 'current_stage'");
    expect((await search(r.app, 'model-versions', { filter: 'run_id IN ()' })).status).toBe(400);
  });

  it('pages versions in version order with tokens', async () => {
    const page1 = await search(r.app, 'model-versions', { filter: "name='Fraud'", max_results: '2', order_by: 'version_number ASC' });
    expect(versions(page1)).toEqual(['Fraud/1', 'Fraud/2']);
    const page2 = await search(r.app, 'model-versions', { filter: "name='Fraud'", max_results: '2', order_by: 'version_number ASC', page_token: page1.body.next_page_token });
    expect(versions(page2)).toEqual(['Fraud/3']);
    expect(page2.body.next_page_token).toBeUndefined();
  });
});
