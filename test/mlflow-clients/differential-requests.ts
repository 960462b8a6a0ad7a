// One scripted list of MLflow REST requests (JSON over HTTP, no client library) that the differential
// test sends, in order, to a real MLflow 3 server and to Stagecraft, each starting empty. A value
// "{{token:<id>}}" is replaced by the next_page_token the SAME server answered to request <id>.

export interface DiffRequest {
  /** Unique; names the request in differences and in the allowed list. */
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Under /api/2.0/mlflow/ */
  rpc: string;
  body?: Record<string, unknown>;
  query?: Record<string, string | string[]>;
}

const post = (id: string, rpc: string, body: Record<string, unknown>): DiffRequest => ({ id, method: 'POST', rpc, body });
const patch = (id: string, rpc: string, body: Record<string, unknown>): DiffRequest => ({ id, method: 'PATCH', rpc, body });
const del = (id: string, rpc: string, body: Record<string, unknown>): DiffRequest => ({ id, method: 'DELETE', rpc, body });
const get = (id: string, rpc: string, query: Record<string, string | string[]>): DiffRequest => ({ id, method: 'GET', rpc, query });

const SRC = 's3://bucket/models/diff';
const tag = (key: string, value: string) => ({ key, value });

export const REGISTRY_REQUESTS: DiffRequest[] = [
  // registered models
  post('model create a', 'registered-models/create', { name: 'diff-a', description: 'first', tags: [tag('team', 'a'), tag('tier', '1')] }),
  post('model create b', 'registered-models/create', { name: 'diff-b' }),
  post('model create c', 'registered-models/create', { name: 'diff-c', tags: [tag('team', 'b')] }),
  post('model create d', 'registered-models/create', { name: 'diff-d', tags: [tag('team', 'a')] }),
  post('model create again', 'registered-models/create', { name: 'diff-a' }),
  post('model create without name', 'registered-models/create', {}),
  get('model get', 'registered-models/get', { name: 'diff-a' }),
  get('model get missing', 'registered-models/get', { name: 'no-such-model' }),
  get('model get without name', 'registered-models/get', {}),
  patch('model update', 'registered-models/update', { name: 'diff-a', description: 'updated' }),
  patch('model update missing', 'registered-models/update', { name: 'no-such-model', description: 'x' }),
  post('model set tag', 'registered-models/set-tag', { name: 'diff-a', key: 'owner', value: 'alice' }),
  post('model set tag missing model', 'registered-models/set-tag', { name: 'no-such-model', key: 'owner', value: 'alice' }),
  del('model delete tag', 'registered-models/delete-tag', { name: 'diff-a', key: 'tier' }),
  get('model get after tags', 'registered-models/get', { name: 'diff-a' }),

  // versions
  post('version create 1', 'model-versions/create', { name: 'diff-a', source: `${SRC}/1`, description: 'v1', tags: [tag('k', 'v')] }),
  post('version create 2', 'model-versions/create', { name: 'diff-a', source: `${SRC}/2`, run_id: '' }),
  post('version create 3', 'model-versions/create', { name: 'diff-a', source: `${SRC}/3` }),
  post('version create c1', 'model-versions/create', { name: 'diff-c', source: `${SRC}/c1` }),
  post('version create missing model', 'model-versions/create', { name: 'no-such-model', source: `${SRC}/x` }),
  post('version create without source', 'model-versions/create', { name: 'diff-a' }),
  get('version get', 'model-versions/get', { name: 'diff-a', version: '1' }),
  get('version get missing', 'model-versions/get', { name: 'diff-a', version: '99' }),
  get('version get not a number', 'model-versions/get', { name: 'diff-a', version: 'abc' }),
  patch('version update', 'model-versions/update', { name: 'diff-a', version: '2', description: 'second' }),
  post('version set tag', 'model-versions/set-tag', { name: 'diff-a', version: '2', key: 'validated', value: 'yes' }),
  del('version delete tag', 'model-versions/delete-tag', { name: 'diff-a', version: '1', key: 'k' }),
  post('version set tag missing version', 'model-versions/set-tag', { name: 'diff-a', version: '99', key: 'a', value: 'b' }),

  // stages
  post('transition 1 Production', 'model-versions/transition-stage', { name: 'diff-a', version: '1', stage: 'Production', archive_existing_versions: false }),
  post('transition 2 Production archiving', 'model-versions/transition-stage', { name: 'diff-a', version: '2', stage: 'Production', archive_existing_versions: true }),
  post('transition 3 Staging', 'model-versions/transition-stage', { name: 'diff-a', version: '3', stage: 'staging', archive_existing_versions: false }),
  post('transition bad stage', 'model-versions/transition-stage', { name: 'diff-a', version: '1', stage: 'Bogus', archive_existing_versions: false }),
  post('transition missing version', 'model-versions/transition-stage', { name: 'diff-a', version: '99', stage: 'Production', archive_existing_versions: false }),
  post('latest versions', 'registered-models/get-latest-versions', { name: 'diff-a' }),
  post('latest versions Production', 'registered-models/get-latest-versions', { name: 'diff-a', stages: ['Production'] }),
  get('latest versions GET', 'registered-models/get-latest-versions', { name: 'diff-a', stages: ['Archived', 'Staging'] }),

  // aliases
  post('alias set', 'registered-models/alias', { name: 'diff-a', alias: 'champion', version: '2' }),
  post('alias set other', 'registered-models/alias', { name: 'diff-a', alias: 'challenger', version: '3' }),
  post('alias move', 'registered-models/alias', { name: 'diff-a', alias: 'champion', version: '1' }),
  post('alias reserved name', 'registered-models/alias', { name: 'diff-a', alias: 'latest', version: '1' }),
  post('alias missing version', 'registered-models/alias', { name: 'diff-a', alias: 'x', version: '99' }),
  get('alias get', 'registered-models/alias', { name: 'diff-a', alias: 'champion' }),
  get('alias get missing', 'registered-models/alias', { name: 'diff-a', alias: 'nobody' }),
  get('model get with aliases', 'registered-models/get', { name: 'diff-a' }),
  del('alias delete', 'registered-models/alias', { name: 'diff-a', alias: 'challenger' }),

  // search: filters, order, pages
  get('search models page 1', 'registered-models/search', { filter: "name LIKE 'diff-%'", max_results: '2', order_by: ['name DESC'] }),
  get('search models page 2', 'registered-models/search', { filter: "name LIKE 'diff-%'", max_results: '2', order_by: ['name DESC'], page_token: '{{token:search models page 1}}' }),
  get('search models by tag', 'registered-models/search', { filter: "tags.team = 'a'", order_by: ['name ASC'] }),
  get('search models ILIKE', 'registered-models/search', { filter: "name ILIKE 'DIFF-C'" }),
  get('search models by last update', 'registered-models/search', { order_by: ['last_updated_timestamp DESC', 'name ASC'], max_results: '3' }),
  get('search models bad filter', 'registered-models/search', { filter: "nme = 'x'" }),
  get('search models bad order_by', 'registered-models/search', { order_by: ['colour ASC'] }),
  get('search models bad max_results', 'registered-models/search', { max_results: '0' }),
  get('search models huge max_results', 'registered-models/search', { max_results: '100000' }),
  get('search models garbage token', 'registered-models/search', { page_token: 'not-a-token' }),
  get('search versions page 1', 'model-versions/search', { filter: "name = 'diff-a'", max_results: '2', order_by: ['version_number DESC'] }),
  get('search versions page 2', 'model-versions/search', { filter: "name = 'diff-a'", max_results: '2', order_by: ['version_number DESC'], page_token: '{{token:search versions page 1}}' }),
  get('search versions by tag', 'model-versions/search', { filter: "tags.validated = 'yes'" }),
  get('search versions by source', 'model-versions/search', { filter: `source_path = '${SRC}/c1'` }),
  get('search versions by run and stage', 'model-versions/search', { filter: "name = 'diff-a' and current_stage = 'Production'" }),
  get('search versions bad filter', 'model-versions/search', { filter: "version_number > 'x'" }),

  // rename and delete
  post('rename', 'registered-models/rename', { name: 'diff-b', new_name: 'diff-b2' }),
  post('rename onto existing', 'registered-models/rename', { name: 'diff-b2', new_name: 'diff-a' }),
  post('rename missing', 'registered-models/rename', { name: 'no-such-model', new_name: 'x' }),
  get('get renamed', 'registered-models/get', { name: 'diff-b2' }),
  get('get old name', 'registered-models/get', { name: 'diff-b' }),
  del('version delete', 'model-versions/delete', { name: 'diff-a', version: '3' }),
  get('version get deleted', 'model-versions/get', { name: 'diff-a', version: '3' }),
  del('version delete missing', 'model-versions/delete', { name: 'diff-a', version: '3' }),
  del('model delete', 'registered-models/delete', { name: 'diff-c' }),
  get('model get deleted', 'registered-models/get', { name: 'diff-c' }),
  del('model delete serving Production', 'registered-models/delete', { name: 'diff-a' }),
  del('model delete missing', 'registered-models/delete', { name: 'no-such-model' }),

  // transport
  { id: 'wrong method', method: 'GET', rpc: 'registered-models/create', query: { name: 'x' } },
  { id: 'unknown endpoint', method: 'POST', rpc: 'registered-models/no-such-rpc', body: {} },
];

/**
 * TODO(issue 15 point 1, LoggedModel API): the logged-model requests (create, get, finalize, search
 * with filters/order/pages, tags, params, delete, version create from models:/m-…) go here; the
 * differential test sends them after the registry requests.
 */
export const LOGGED_MODEL_REQUESTS: DiffRequest[] = [];

export const DIFF_REQUESTS: DiffRequest[] = [...REGISTRY_REQUESTS, ...LOGGED_MODEL_REQUESTS];
