// Named shapes for SDK users, all derived from the generated OpenAPI types so they cannot drift.
import type { paths } from './openapi.js';

type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
/** The JSON body of a route's first 2xx answer. */
export type OkBody<P extends keyof paths, M extends 'get' | 'post' | 'put' | 'patch' | 'delete'> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer A }
      ? JsonOf<A>
      : never
  : never;
/** A route's JSON request body. */
export type BodyOf<P extends keyof paths, M extends 'post' | 'put' | 'patch'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;
/** A route's query parameters. */
export type QueryOf<P extends keyof paths, M extends 'get' | 'post' | 'put' | 'patch' | 'delete'> = paths[P][M] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

export type Model = OkBody<'/api/v1/models/{name}', 'get'>;
export type ModelList = OkBody<'/api/v1/models', 'get'>;
export type Version = OkBody<'/api/v1/models/{name}/versions/{version}', 'get'>;
export type VersionList = OkBody<'/api/v1/models/{name}/versions', 'get'>;
export type CreateVersionBody = BodyOf<'/api/v1/models/{name}/versions', 'post'>;
export type Manifest = OkBody<'/api/v1/models/{name}/versions/{version}/files', 'get'>;
export type ManifestFile = Manifest['files'][number];
export type StageTransition = OkBody<'/api/v1/models/{name}/versions/{version}/stage', 'post'>;
export type StageTransitionBody = BodyOf<'/api/v1/models/{name}/versions/{version}/stage', 'post'>;
export type RollbackBody = BodyOf<'/api/v1/models/{name}/rollback', 'post'>;
export type RollbackResult = OkBody<'/api/v1/models/{name}/rollback', 'post'>;
/** The version the alias now points at, with the move's prepare, commit and confirm. */
export type AliasMove = OkBody<'/api/v1/models/{name}/aliases/{alias}', 'put'>;
export type History = OkBody<'/api/v1/models/{name}/history', 'get'>;
export type HistoryQuery = QueryOf<'/api/v1/models/{name}/history', 'get'>;
export type EventList = OkBody<'/api/v1/events', 'get'>;
export type RegistryEvent = EventList['events'][number];
export type EventQuery = QueryOf<'/api/v1/events', 'get'>;
export type Resolved = OkBody<'/api/v1/resolve', 'get'>;
export type CreatedToken = OkBody<'/api/v1/tokens', 'post'>;
export type TokenList = OkBody<'/api/v1/tokens', 'get'>;
export type TokenRole = BodyOf<'/api/v1/tokens', 'post'>['role'];
export type Grant = OkBody<'/api/v1/grants', 'post'>;
export type GrantList = OkBody<'/api/v1/grants', 'get'>;
export type NewGrant = BodyOf<'/api/v1/grants', 'post'>;
export type Whoami = OkBody<'/api/v1/whoami', 'get'>;
export type Health = OkBody<'/api/v1/health', 'get'>;
export type Blob = OkBody<'/api/v1/blobs/{sha256}', 'get'>;
export type BlobsReport = OkBody<'/api/v1/blobs/verify', 'post'>;
export type GcReport = OkBody<'/api/v1/blobs/gc', 'post'>;
export type PurgeReport = OkBody<'/api/v1/versions/purge', 'post'>;
export type VersionHealth = BodyOf<'/api/v1/models/{name}/versions/{version}/health', 'post'>['health'];
export type ServingSnapshot = OkBody<'/api/v1/gateways/snapshot', 'get'>;
export type Heartbeat = BodyOf<'/api/v1/gateways/heartbeat', 'post'>;
export type PrepareAnswer = BodyOf<'/api/v1/gateways/prepared', 'post'>;
export type ObservationBatch = BodyOf<'/api/v1/gateways/observations', 'post'>;

/** What importing a model archive did (POST /api/v1/model-archives). */
export type ImportResult = OkBody<'/api/v1/model-archives', 'post'>;
