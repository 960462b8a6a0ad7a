// The requests the fuzz test sends: one arbitrary per OpenAPI operation (its path and query
// parameters and its JSON body follow the operation's schemas) and one per MLflow route (MLflow's
// parameters, in the query string for GET and a JSON body otherwise), each with hostile values.
import fc from 'fast-check';
import type { App } from '../src/http/app-types.js';
import { broken, hostileNumber, hostileString, hostility, HOSTILE_NUMBER_TEXTS, mix, paramFor, schemaOf, toJsonText, valueFor, type FuzzContext, type Schema } from './fuzz-arbitraries.js';

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

export interface FuzzAnswer {
  status: number;
  body: string;
  /** A 503 that says when to come back is "busy", not "broken". */
  retryAfter: boolean;
}

export interface Operation {
  /** "POST /api/v1/models/{name}/rollback": what a failure names. */
  id: string;
  /** Requests sent at once (one, but for the concurrent moves). */
  requests(ctx: FuzzContext): fc.Arbitrary<FuzzRequest[]>;
  /**
   * Run first: each field alone with each value the edge must refuse (a NUL byte, numbers past
   * int4, int8 and JSON's range), the rest clean. Random runs find combinations; these leave no
   * field untried.
   */
  sweep(ctx: FuzzContext): FuzzRequest[][];
}

/** What the sweep tries in each numeric field (as text in paths and queries, as JSON in bodies). */
const SWEEP_NUMBER_TEXTS = ['1e309', '-1e309', 'Infinity', '-Infinity', '2147483648', '-2147483649', '9007199254740993', '1e308'];
const SWEEP_NUMBERS = [Infinity, -Infinity, 1e308, 2147483648, -2147483649];
const SWEEP_STRINGS = ['\u0000', 'fuzz-a\u0000'];

const isNumeric = (schema: Schema) => schema.type === 'integer' || schema.type === 'number';

interface OpenApiParameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: Schema;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Percent-encoding of the UTF-8 bytes; a lone surrogate (which encodeURIComponent refuses) becomes U+FFFD. */
function encodeComponent(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => (/[\w.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** Path segments encoded one by one, so a wildcard parameter keeps its slashes. */
function encodePath(value: string, wildcard: boolean): string {
  return wildcard ? value.split('/').map(encodeComponent).join('/') : encodeComponent(value);
}

function withQuery(path: string, query: Record<string, string | string[]>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) search.append(k, one);
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/** A body for an operation that declares none and has no example (blob and reference uploads, archives). */
interface Body {
  payload?: string | Buffer;
  type?: string;
}

function rawBody(rate: number): fc.Arbitrary<Body> {
  const clean = fc.oneof(
    fc.constantFrom('age,income,debt,label\n1,2,3,1\n4,5,6,0\n').map((payload) => ({ payload, type: 'text/csv' })),
    fc.constant({ payload: Buffer.from('fuzz bytes'), type: 'application/octet-stream' }),
  );
  const hostile = fc.oneof(
    fc.constant({}),
    fc.uint8Array({ maxLength: 64 }).map((b) => ({ payload: Buffer.from(b), type: 'application/octet-stream' })),
    fc.constantFrom('x\u0000y\n1,\u0000\n', 'not,a\ncsv', '\ud800').map((payload) => ({ payload, type: 'text/csv' })),
    fc.object({ maxDepth: 1 }).map((o) => ({ payload: toJsonText(o), type: 'application/json' })),
  );
  return mix(rate, clean, hostile);
}

/** A JSON body, sometimes not JSON at all or sent with the wrong Content-Type. */
function jsonBody(schema: Schema, ctx: FuzzContext, rate: number): fc.Arbitrary<Body> {
  const json = valueFor(schema, ctx, rate).map((v) => ({ payload: toJsonText(v), type: 'application/json' }));
  const notJson = fc.oneof(
    fc.constantFrom('{"a":', '', 'null', '[]', '"\\u0000"', '{"__proto__":{"x":1}}').map((payload) => ({ payload, type: 'application/json' })),
    valueFor(schema, ctx, rate).map((v) => ({ payload: toJsonText(v), type: 'text/plain' })),
  );
  return mix(Math.min(rate, 10), json, notJson);
}

/**
 * A query parameter: present about half the time with a clean value when the fixtures have one (an
 * opaque cursor they have not), hostile `rate`% of the time.
 */
function queryParam(p: OpenApiParameter, ctx: FuzzContext, rate: number): fc.Arbitrary<string | undefined> {
  const schema = p.schema ?? {};
  const hasClean = p.name in ctx.fields || schema.enum !== undefined || schema.anyOf !== undefined || schema.type === 'integer' || schema.type === 'boolean';
  const clean = hasClean ? fc.option(paramFor(schema, ctx, 0, p.name), { nil: undefined }) : fc.constant(undefined);
  return mix(rate, clean, paramFor(schema, ctx, 100, p.name));
}

interface Parts {
  path: Record<string, string>;
  query: Record<string, string>;
  body: Body;
  eventId?: string;
}

/** A hostile value for body field `schema`: numbers past every range for numeric fields, anything for the rest. */
function hostileField(schema: Schema): fc.Arbitrary<unknown> {
  const numeric = schema.type === 'integer' || schema.type === 'number';
  return numeric ? fc.oneof({ weight: 3, arbitrary: hostileNumber }, { weight: 1, arbitrary: broken }) : fc.oneof(hostileString, broken);
}

export function openApiOperations(
  doc: { paths: Record<string, Record<string, OpenApiOperation>> },
  headers: Record<string, string>,
  examples: Record<string, unknown>,
): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const id = `${method.toUpperCase()} ${path}`;
      const params = op.parameters ?? [];
      const inPath = params.filter((p) => p.in === 'path');
      const inQuery = params.filter((p) => p.in === 'query');
      // Bodies the OpenAPI leaves open (policies in YAML or JSON, inference) are fuzzed from an example.
      const declared = op.requestBody?.content['application/json']?.schema;
      const bodySchema = declared && Object.keys(declared).length > 0 ? declared : id in examples ? schemaOf(examples[id]) : undefined;
      const bodyFields = bodySchema?.type === 'object' ? Object.entries(bodySchema.properties ?? {}) : [];

      const parts = (ctx: FuzzContext, rate: number): fc.Arbitrary<Parts> => {
        const pathArb = fc.record(Object.fromEntries(inPath.map((p) => [p.name, paramFor(p.schema ?? {}, ctx, rate, p.name)])));
        const queryArb = fc.tuple(...inQuery.map((p) => queryParam(p, ctx, rate))).map((values) =>
          Object.fromEntries(inQuery.map((p, i) => [p.name, values[i]]).filter((e): e is [string, string] => e[1] !== undefined)),
        );
        const none: fc.Arbitrary<Body> = fc.constant({});
        const bodyArb = bodySchema ? jsonBody(bodySchema, ctx, rate) : method === 'get' || method === 'delete' ? none : rawBody(rate);
        // Headers routes read as numbers (the event stream's Last-Event-ID); HTTP keeps them printable.
        const eventIdArb = mix(rate, fc.constant(undefined), fc.constantFrom(...HOSTILE_NUMBER_TEXTS, '5'));
        return fc.tuple(pathArb, queryArb, bodyArb, eventIdArb).map(([p, query, body, eventId]) => ({ path: p, query, body, eventId }));
      };

      // One field hostile and everything else clean: a single bad value reaches as deep as it can.
      type Target = { in: 'path' | 'query'; p: OpenApiParameter } | { in: 'body'; name: string; schema: Schema };
      const targets: Target[] = [...inPath.map((p) => ({ in: 'path' as const, p })), ...inQuery.map((p) => ({ in: 'query' as const, p })), ...bodyFields.map(([name, schema]) => ({ in: 'body' as const, name, schema }))];
      const targeted = (ctx: FuzzContext): fc.Arbitrary<Parts> => {
        const cleanBody = bodySchema ? valueFor(bodySchema, ctx, 0) : fc.constant(undefined);
        return fc.constantFrom(...targets).chain((t) =>
          fc.tuple(parts(ctx, 0), cleanBody, t.in === 'body' ? hostileField(t.schema) : paramFor(t.p.schema ?? {}, ctx, 100, t.p.name)).map(([clean, bodyValue, bad]) => {
            if (t.in === 'body') return { ...clean, body: { payload: toJsonText({ ...(bodyValue as Record<string, unknown>), [t.name]: bad }), type: 'application/json' } };
            return { ...clean, [t.in]: { ...clean[t.in], [t.p.name]: bad as string } };
          }),
        );
      };

      const assemble = ({ path: values, query, body, eventId }: Parts): FuzzRequest[] => {
        const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodePath(values[name] ?? '', name === '*'));
        const typed: Record<string, string> = body.type ? { 'content-type': body.type } : {};
        const resumed: Record<string, string> = eventId !== undefined ? { 'last-event-id': eventId } : {};
        return [{ method: method.toUpperCase(), url: withQuery(url, query), headers: { ...headers, ...typed, ...resumed }, payload: body.payload }];
      };
      const sweep = (ctx: FuzzContext): FuzzRequest[][] => {
        const [clean] = fc.sample(parts(ctx, 0), { seed: 1, numRuns: 1 });
        const [cleanBody] = bodySchema ? fc.sample(valueFor(bodySchema, ctx, 0), { seed: 1, numRuns: 1 }) : [undefined];
        const out: Parts[] = [];
        for (const t of targets) {
          if (t.in === 'body') {
            for (const bad of isNumeric(t.schema) ? SWEEP_NUMBERS : SWEEP_STRINGS) {
              out.push({ ...clean, body: { payload: toJsonText({ ...(cleanBody as Record<string, unknown>), [t.name]: bad }), type: 'application/json' } });
            }
          } else {
            for (const bad of isNumeric(t.p.schema ?? {}) ? SWEEP_NUMBER_TEXTS : SWEEP_STRINGS) out.push({ ...clean, [t.in]: { ...clean[t.in], [t.p.name]: bad } });
          }
        }
        return out.map(assemble);
      };
      out.push({
        id,
        requests: (ctx) => {
          const random = hostility.chain((rate) => parts(ctx, rate));
          return (targets.length ? fc.oneof({ weight: 3, arbitrary: random }, { weight: 2, arbitrary: targeted(ctx) }) : random).map(assemble);
        },
        sweep,
      });
    }
  }
  return out;
}

/** Every parameter an MLflow RPC reads (src/mlflow/*-routes.ts), with the shape a clean value has. */
const MLFLOW_FIELDS: Record<string, Schema> = Object.fromEntries(
  [
    'alias', 'artifact_location', 'description', 'experiment_id', 'experiment_name', 'filter', 'key', 'metric_key', 'model_json', 'name', 'new_name',
    'page_token', 'run_id', 'run_link', 'run_name', 'run_uuid', 'source', 'stage', 'status', 'user_id', 'value', 'version', 'view_type',
    'max_results', 'start_time', 'end_time', 'timestamp', 'step',
  ]
    .map((k): [string, Schema] => [k, { type: 'string' }])
    .concat([
      ['archive_existing_versions', { type: 'boolean' }],
      ['experiment_ids', { type: 'array', items: { type: 'string' } }],
      ['stages', { type: 'array', items: { type: 'string' } }],
      ['order_by', { type: 'array', items: { type: 'string' } }],
      ['tags', { type: 'array', items: { type: 'object', required: ['key', 'value'], properties: { key: { type: 'string' }, value: { type: 'string' } } } }],
      ['params', { type: 'array', items: { type: 'object', required: ['key', 'value'], properties: { key: { type: 'string' }, value: { type: 'string' } } } }],
      ['metrics', { type: 'array', items: { type: 'object', required: ['key', 'value'], properties: { key: { type: 'string' }, value: { type: 'number' }, timestamp: { type: 'integer' }, step: { type: 'integer' } } } }],
    ]),
);

/**
 * MLflow's input: every parameter any RPC reads, clean ones from the fixtures (MLflow ignores
 * parameters an RPC does not read, so a clean input is a valid request to every route).
 */
function mlflowInput(ctx: FuzzContext, rate: number): fc.Arbitrary<unknown> {
  const object: Schema = { type: 'object', properties: MLFLOW_FIELDS, required: Object.keys(MLFLOW_FIELDS).filter((k) => k in ctx.mlflow) };
  return valueFor(object, { ...ctx, fields: ctx.mlflow }, rate);
}

function asQuery(input: unknown): Record<string, string | string[]> {
  // A body that is no object at all (hostile) has no query-string form; it travels as one value.
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { input: toJsonText(input) };
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(input)) {
    if (Array.isArray(v)) out[k] = v.map((x) => (typeof x === 'string' ? x : toJsonText(x)));
    else out[k] = typeof v === 'string' ? v : toJsonText(v);
  }
  return out;
}

/** One MLflow route (from the server's route table), with MLflow's transport. */
export function mlflowOperation(method: string, url: string, headers: Record<string, string>): Operation {
  const wildcard = url.endsWith('*');
  return {
    id: `${method} ${url}`,
    requests: (ctx) =>
      hostility.chain((rate) => {
        const path = mix(rate, fc.constantFrom('fuzz/model.onnx', 'fuzz/MLmodel', 'fuzz/a b.txt'), hostileString);
        const bytes = mix(rate, fc.constant(Buffer.from('fuzz artifact')), fc.oneof(fc.constant(undefined), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), hostileString));
        const contentType = mix(rate, fc.constant('application/json'), fc.constantFrom('application/json; charset=utf-8', 'text/plain', undefined));
        // Half the time one parameter hostile and the rest clean, whatever the overall hostility.
        const oneBad = fc.tuple(mlflowInput(ctx, 0), fc.constantFrom(...Object.entries(MLFLOW_FIELDS))).chain(([clean, [name, schema]]) =>
          hostileField(schema).map((bad) => ({ ...(clean as Record<string, unknown>), [name]: bad })),
        );
        const input = fc.oneof(mlflowInput(ctx, rate), oneBad);
        return fc.tuple(input, path, bytes, contentType).map(([input, p, payload, type]): FuzzRequest[] => {
          const target = wildcard ? url.replace('*', encodePath(p, true)) : url;
          if (wildcard && method === 'PUT') return [{ method, url: target, headers: { ...headers, 'content-type': 'application/octet-stream' }, payload }];
          if (method === 'GET') return [{ method, url: withQuery(target, asQuery(input)), headers }];
          return [{ method, url: target, headers: { ...headers, ...(type ? { 'content-type': type } : {}) }, payload: toJsonText(input) }];
        });
      }),
    sweep: (ctx) => {
      const [clean] = fc.sample(mlflowInput(ctx, 0), { seed: 1, numRuns: 1 }) as Array<Record<string, unknown>>;
      const send = (input: Record<string, unknown>): FuzzRequest[] =>
        method === 'GET' ? [{ method, url: withQuery(url, asQuery(input)), headers }] : [{ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: toJsonText(input) }];
      // Strings all at once (whichever the route reads first meets a NUL byte); numbers one field at a time.
      const nul = Object.fromEntries(Object.entries(clean).map(([k, v]) => [k, typeof v === 'string' ? `${v}\u0000` : v]));
      const numeric = ['version', 'experiment_id', 'max_results', 'start_time', 'end_time', 'timestamp', 'step', 'value'];
      const numbers = numeric.flatMap((k) => ['2147483648', '99999999999999999999', 'Infinity', 'NaN'].map((bad) => ({ ...clean, [k]: bad })));
      const metrics = SWEEP_NUMBERS.map((bad) => ({ ...clean, metrics: [{ key: 'team', value: bad, timestamp: 1, step: 0 }] }));
      const lists = ['experiment_ids', 'stages'].map((k) => ({ ...clean, [k]: ['99999999999999999999', '\u0000'] }));
      return wildcard ? [] : [nul, ...numbers, ...metrics, ...lists].map(send);
    },
  };
}

/** How a failure names the request: JSON escapes show the NUL bytes and lone surrogates. */
export function describe(req: FuzzRequest, answer?: FuzzAnswer): string {
  const body = req.payload === undefined ? '' : Buffer.isBuffer(req.payload) ? ` <${req.payload.length} bytes>` : ` ${JSON.stringify(req.payload.slice(0, 600))}`;
  const got = answer ? ` -> ${answer.status} ${answer.body.slice(0, 300)}` : '';
  return `${req.method} ${req.url.slice(0, 600)}${body}${got}`;
}

/** Sends one request in-process; an endless stream (server-sent events) is read up to its status. */
export async function send(app: App, req: FuzzRequest, baseUrl: () => Promise<string>): Promise<FuzzAnswer> {
  if (req.url.startsWith('/api/v1/events/stream')) {
    const abort = new AbortController();
    const res = await fetch(`${await baseUrl()}${req.url}`, { method: req.method, headers: req.headers, signal: abort.signal });
    const body = res.headers.get('content-type')?.startsWith('text/event-stream') ? '' : await res.text();
    abort.abort();
    return { status: res.status, body, retryAfter: res.headers.has('retry-after') };
  }
  const res = await app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload });
  return { status: res.statusCode, body: res.body, retryAfter: res.headers['retry-after'] !== undefined };
}

/**
 * Clean moves of stages and aliases through both doors, one to three at a time and concurrently:
 * what the invariants are about, exercised more often than clean fuzzed requests happen to.
 */
export function movesOperation(headers: Record<string, string>): Operation {
  const json = { ...headers, 'content-type': 'application/json' };
  const model = fc.constantFrom('fuzz-a', 'fuzz-b');
  const version = fc.integer({ min: 1, max: 3 });
  const stage = fc.constantFrom('Production', 'Staging', 'Archived', 'None');
  const alias = fc.constantFrom('champion', 'challenger');
  const post = (url: string, body: unknown): FuzzRequest => ({ method: 'POST', url, headers: json, payload: JSON.stringify(body) });
  const move: fc.Arbitrary<FuzzRequest> = fc.oneof(
    fc.tuple(model, version, stage, fc.boolean()).map(([m, v, s, archive]) => post(`/api/v1/models/${m}/versions/${v}/stage`, { stage: s, archive_existing_versions: archive })),
    fc.tuple(model, fc.constantFrom({ stage: 'Production' }, { stage: 'Staging' }, { alias: 'champion' })).map(([m, target]) => post(`/api/v1/models/${m}/rollback`, { ...target, reason: 'fuzz' })),
    fc.tuple(model, alias, version).map(([m, a, v]) => ({ method: 'PUT', url: `/api/v1/models/${m}/aliases/${a}`, headers: json, payload: JSON.stringify({ version: v }) })),
    fc.tuple(model, alias).map(([m, a]) => ({ method: 'DELETE', url: `/api/v1/models/${m}/aliases/${a}`, headers })),
    fc.tuple(model, version).map(([m, v]) => ({ method: 'DELETE', url: `/api/v1/models/${m}/versions/${v}`, headers })),
    fc.tuple(model, version).map(([m, v]) => post(`/api/v1/models/${m}/versions/${v}/health`, { health: 'failed', reason: 'fuzz' })),
    fc.tuple(model, version, stage, fc.boolean()).map(([m, v, s, archive]) =>
      post('/api/2.0/mlflow/model-versions/transition-stage', { name: m, version: String(v), stage: s, archive_existing_versions: archive }),
    ),
    fc.tuple(model, alias, version).map(([m, a, v]) => post('/api/2.0/mlflow/registered-models/alias', { name: m, alias: a, version: String(v) })),
  );
  return { id: 'moves of stages and aliases, 1 to 3 at once', requests: () => fc.array(move, { minLength: 1, maxLength: 3 }), sweep: () => [] };
}
