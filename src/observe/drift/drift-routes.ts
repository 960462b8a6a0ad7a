// Reference profiles (upload CSV / JSON lines, or build from early traffic) and drift reports.
import { Type } from 'typebox';
import type { Deps } from '../../deps.js';
import type { App } from '../../http/app-types.js';
import { actorOf } from '../../registry/index.js';
import { errorResponses, VersionParams } from '../../http/common-schemas.js';
import { invalid } from '../../errors.js';
import { getReference, measureDrift, referenceFromTraffic, setReference } from './drift-service.js';
import { MAX_REFERENCE_ROWS, parseCsv, parseJsonLines } from './reference-data.js';

const tags = ['monitoring'];
const ReferenceSchema = Type.Object({
  version: Type.Integer(),
  rows: Type.Integer(),
  source: Type.String(),
  created_at: Type.String(),
  created_by: Type.Union([Type.String(), Type.Null()], { description: 'who set it: the token that uploaded it, or guard' }),
  features: Type.Array(Type.Object({ name: Type.String(), kind: Type.String(), count: Type.Integer() })),
});
const MAX_REFERENCE_BYTES = 64 * 1024 * 1024;

export function driftRoutes(app: App, deps: Deps): void {
  // An encapsulated scope so the CSV / JSON-lines body parsers apply to the upload route only.
  void app.register(async (scope: App) => {
    for (const type of ['text/csv', 'application/x-ndjson', 'application/jsonl', 'application/x-jsonlines']) {
      scope.addContentTypeParser(type, { parseAs: 'string', bodyLimit: MAX_REFERENCE_BYTES }, (_req, body, done) => done(null, body));
    }
    scope.put(
      '/api/v1/models/:name/versions/:version/reference',
      {
        config: { permission: 'write' },
        bodyLimit: MAX_REFERENCE_BYTES,
        schema: {
          tags,
          summary: `Register a reference dataset (text/csv with a header row, or application/x-ndjson; at most ${MAX_REFERENCE_ROWS} rows). A "prediction" column profiles predictions; label/target columns are ignored.`,
          params: VersionParams,
          response: { 200: ReferenceSchema, ...errorResponses },
        },
      },
      async (req) => {
        const type = String(req.headers['content-type'] ?? '').split(';')[0].trim();
        if (typeof req.body !== 'string') throw invalid('send the reference as text/csv or application/x-ndjson');
        const rows = type === 'text/csv' ? parseCsv(req.body) : parseJsonLines(req.body);
        return setReference(deps, actorOf(req), req.params.name, req.params.version, rows, type === 'text/csv' ? 'csv upload' : 'json lines upload');
      },
    );
  });

  app.post(
    '/api/v1/models/:name/versions/:version/reference/from-traffic',
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Build the reference profile from the first N rows the version served (e.g. in Staging)',
        params: VersionParams,
        body: Type.Object({ requests: Type.Integer({ minimum: 10, maximum: MAX_REFERENCE_ROWS }) }, { additionalProperties: false }),
        response: { 200: ReferenceSchema, ...errorResponses },
      },
    },
    async (req) => referenceFromTraffic(deps, actorOf(req), req.params.name, req.params.version, req.body.requests),
  );

  app.get(
    '/api/v1/models/:name/versions/:version/reference',
    { config: { permission: 'read' }, schema: { tags, summary: "A version's reference profile", params: VersionParams, response: { 200: ReferenceSchema, ...errorResponses } } },
    async (req) => getReference(deps, req.params.name, req.params.version),
  );

  app.get(
    '/api/v1/models/:name/versions/:version/drift',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'Per-feature and prediction drift of recent traffic against the reference; dataset drift = share of drifted features',
        params: VersionParams,
        querystring: Type.Object({ window_seconds: Type.Integer({ minimum: 1, maximum: 30 * 86400, default: 3600 }) }, { additionalProperties: false }),
      },
    },
    async (req) => {
      await getReference(deps, req.params.name, req.params.version);
      const now = deps.clock.now();
      return measureDrift(deps, req.params.name, req.params.version, now - req.query.window_seconds * 1000, now + 1);
    },
  );
}
