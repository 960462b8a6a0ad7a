// The typed Stagecraft client: openapi-fetch over the generated types plus convenience methods
// that throw StagecraftApiError / StagecraftUnreachableError instead of returning error unions.
// Browser-safe: no node: imports. Node-only helpers (upload/download a directory) live in node.ts.
import createFetchClient, { type Client } from 'openapi-fetch';
import { apiErrorFrom, isAbort, StagecraftUnreachableError } from './errors.js';
import { followEvents, type FeedTransport, type FollowOptions } from './events-follow.js';
import type { paths } from './openapi.js';
import type * as T from './types.js';

export * from './errors.js';
export type * from './types.js';
export type { FeedStatus, FollowOptions } from './events-follow.js';
export type { paths } from './openapi.js';

export interface ClientOptions {
  /** Server root, e.g. http://127.0.0.1:5100 (no /api/v1). */
  url: string;
  /** API token; sent as Authorization: Bearer. */
  token?: string;
  /** Who to name in the audit log when the server runs open (no tokens): header stagecraft-actor. */
  actor?: string;
  /** A fetch to use instead of globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
  /**
   * Give up on a call that has no answer after this many ms (StagecraftUnreachableError); default:
   * wait as long as the network does. Raw calls given their own signal (streams, downloads) are exempt.
   */
  timeoutMs?: number;
}

export type ApiClient = Client<paths>;

type Answer<D> = { data?: D; error?: unknown; response: Response };

/** Throws for a non-2xx answer; returns the body otherwise. */
export async function unwrap<D>(pending: Promise<Answer<D>>): Promise<D> {
  const { data, error, response } = await pending;
  if (!response.ok) throw apiErrorFrom(response.status, error, response.statusText);
  return data as D;
}

const enc = encodeURIComponent;

export function createClient(opts: ClientOptions) {
  const baseUrl = opts.url.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.actor) headers['stagecraft-actor'] = opts.actor;
  const fetchImpl = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  /** fetch; a failure to connect, or no answer within timeoutMs, becomes StagecraftUnreachableError. */
  async function send(input: Request | string, init: RequestInit = {}, timed = true): Promise<Response> {
    const caller = init.signal ?? (input instanceof Request ? input.signal : undefined);
    const timer = timed && opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : null;
    try {
      return await fetchImpl(input, timer ? { ...init, signal: caller ? AbortSignal.any([caller, timer]) : timer } : init);
    } catch (err) {
      if (timer?.aborted && !caller?.aborted) throw new StagecraftUnreachableError(baseUrl, new Error(`no answer within ${opts.timeoutMs} ms`));
      if (isAbort(err)) throw err;
      throw new StagecraftUnreachableError(baseUrl, err);
    }
  }

  const api: ApiClient = createFetchClient<paths>({ baseUrl, headers, fetch: (req: Request) => send(req) });

  /** A raw request under the server root with auth headers; throws StagecraftApiError when not ok. */
  async function raw(path: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
    // A raw call given its own signal (a stream, a download) runs as long as that signal allows.
    const res = await send(`${baseUrl}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } }, !init.signal);
    // A caller that asked to see redirects (a presigned download) gets them as answers.
    const redirect = init.redirect === 'manual' && res.status >= 300 && res.status < 400;
    if (!res.ok && !redirect) {
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: apiErrorFrom quotes the text
      }
      throw apiErrorFrom(res.status, body, res.statusText);
    }
    return res;
  }

  const ver = (name: string, version: number) => ({ path: { name, version } });
  const feed: FeedTransport = {
    list: (query, signal) => unwrap<T.EventList>(api.GET('/api/v1/events', { params: { query: { limit: 100, ...query } }, signal })),
    stream: (query, h, signal) => raw(`/api/v1/events/stream${query}`, { headers: h, signal }),
  };

  return {
    url: baseUrl,
    /** The generic typed client for every route, including those without a convenience method. */
    api,
    raw,
    health: () => unwrap<T.Health>(api.GET('/api/v1/health')),
    /** A consistent backup of the whole registry (admin) as a streaming tar Response; `stagecraft restore` reads it. */
    backup: (signal?: AbortSignal) => raw('/api/v1/backup', { signal: signal ?? new AbortController().signal }),
    whoami: () => unwrap<T.Whoami>(api.GET('/api/v1/whoami')),
    resolve: (uri: string) => unwrap<T.Resolved>(api.GET('/api/v1/resolve', { params: { query: { uri } } })),
    rollback: (name: string, body: T.RollbackBody) =>
      unwrap<T.RollbackResult>(api.POST('/api/v1/models/{name}/rollback', { params: { path: { name } }, body })),
    history: (name: string, query: T.HistoryQuery = {}) =>
      unwrap<T.History>(api.GET('/api/v1/models/{name}/history', { params: { path: { name }, query } })),

    models: {
      list: (query: { search?: string; limit?: number; cursor?: string } = {}) =>
        unwrap<T.ModelList>(api.GET('/api/v1/models', { params: { query: { limit: 100, ...query } } })),
      get: (name: string) => unwrap<T.Model>(api.GET('/api/v1/models/{name}', { params: { path: { name } } })),
      create: (body: { name: string; description?: string; tags?: Record<string, string> }) =>
        unwrap<T.Model>(api.POST('/api/v1/models', { body })),
      update: (name: string, body: { description?: string; name?: string; protected?: boolean }) =>
        unwrap<T.Model>(api.PATCH('/api/v1/models/{name}', { params: { path: { name } }, body })),
      delete: async (name: string, reason?: string) => {
        await unwrap(api.DELETE('/api/v1/models/{name}', { params: { path: { name }, query: { reason } } }));
      },
    },

    tags: {
      setModel: (name: string, key: string, value: string) =>
        unwrap<T.Model>(api.PUT('/api/v1/models/{name}/tags/{key}', { params: { path: { name, key } }, body: { value } })),
      deleteModel: (name: string, key: string) =>
        unwrap<T.Model>(api.DELETE('/api/v1/models/{name}/tags/{key}', { params: { path: { name, key } } })),
      setVersion: (name: string, version: number, key: string, value: string) =>
        unwrap<T.Version>(
          api.PUT('/api/v1/models/{name}/versions/{version}/tags/{key}', { params: { path: { name, version, key } }, body: { value } }),
        ),
      deleteVersion: (name: string, version: number, key: string) =>
        unwrap<T.Version>(api.DELETE('/api/v1/models/{name}/versions/{version}/tags/{key}', { params: { path: { name, version, key } } })),
    },

    versions: {
      list: (name: string, query: Partial<T.QueryOf<'/api/v1/models/{name}/versions', 'get'>> = {}) =>
        unwrap<T.VersionList>(api.GET('/api/v1/models/{name}/versions', { params: { path: { name }, query: { limit: 100, ...query } } })),
      search: (query: Partial<T.QueryOf<'/api/v1/versions', 'get'>> = {}) =>
        unwrap<T.VersionList>(api.GET('/api/v1/versions', { params: { query: { limit: 100, ...query } } })),
      get: (name: string, version: number) => unwrap<T.Version>(api.GET('/api/v1/models/{name}/versions/{version}', { params: ver(name, version) })),
      /** Registers a version from blobs already uploaded (see node.ts uploadVersion for files). */
      create: (name: string, body: T.CreateVersionBody) =>
        unwrap<T.Version>(api.POST('/api/v1/models/{name}/versions', { params: { path: { name } }, body })),
      update: (name: string, version: number, body: { description?: string }) =>
        unwrap<T.Version>(api.PATCH('/api/v1/models/{name}/versions/{version}', { params: ver(name, version), body })),
      delete: async (name: string, version: number, reason?: string) => {
        await unwrap(api.DELETE('/api/v1/models/{name}/versions/{version}', { params: { path: { name, version }, query: { reason } } }));
      },
      mark: (name: string, version: number, health: T.VersionHealth, reason?: string) =>
        unwrap<T.Version>(api.POST('/api/v1/models/{name}/versions/{version}/health', { params: ver(name, version), body: { health, reason } })),
      /** Drops a deleted version's files so gc can free their bytes (admin; 409 unless deleted and not purged yet). */
      purge: (name: string, version: number, reason?: string) =>
        unwrap<T.PurgeReport>(api.POST('/api/v1/models/{name}/versions/{version}/purge', { params: ver(name, version), body: { reason } })),
      /** Purges every deleted version not purged yet, of one model or everywhere (admin). */
      purgeDeleted: (opts: { model?: string; reason?: string } = {}) =>
        unwrap<T.PurgeReport>(api.POST('/api/v1/versions/purge', { body: { model: opts.model, reason: opts.reason } })),
      manifest: (name: string, version: number) =>
        unwrap<T.Manifest>(api.GET('/api/v1/models/{name}/versions/{version}/files', { params: ver(name, version) })),
      /** One file's bytes as a streaming Response (the server verifies them against their sha256). */
      file: async (name: string, version: number, path: string, signal?: AbortSignal, opts: { direct?: boolean } = {}) => {
        const where = `/api/v1/models/${enc(name)}/versions/${version}/files/${path.split('/').map(enc).join('/')}`;
        if (!opts.direct) return raw(where, { signal });
        // direct: straight from the object store when the server offers a presigned URL (Node only;
        // the bytes are then NOT verified by the server: the caller verifies them, as downloadVersion does).
        const res = await raw(`${where}?redirect=presigned`, { signal, redirect: 'manual' });
        const location = res.status === 307 ? res.headers.get('location') : null;
        if (!location) return res;
        await res.body?.cancel();
        const direct = await send(location, { signal }, !signal);
        if (!direct.ok) throw apiErrorFrom(direct.status, await direct.text(), direct.statusText);
        return direct;
      },
    },

    stages: {
      /** Moves a version to None, Staging, Production or Archived. */
      transition: (name: string, version: number, body: T.StageTransitionBody) =>
        unwrap<T.StageTransition>(api.POST('/api/v1/models/{name}/versions/{version}/stage', { params: ver(name, version), body })),
    },

    aliases: {
      /** expectedVersion: the version you saw the alias point at (null: unset); 409 if it moved since. */
      set: (name: string, alias: string, version: number, reason?: string, expectedVersion?: number | null) =>
        unwrap<T.AliasMove>(
          api.PUT('/api/v1/models/{name}/aliases/{alias}', { params: { path: { name, alias } }, body: { version, reason, expected_version: expectedVersion } }),
        ),
      get: (name: string, alias: string) => unwrap<T.Version>(api.GET('/api/v1/models/{name}/aliases/{alias}', { params: { path: { name, alias } } })),
      delete: async (name: string, alias: string, reason?: string) => {
        await unwrap(api.DELETE('/api/v1/models/{name}/aliases/{alias}', { params: { path: { name, alias }, query: { reason } } }));
      },
    },

    events: {
      list: (query: Partial<T.EventQuery> = {}) => unwrap<T.EventList>(api.GET('/api/v1/events', { params: { query: { limit: 100, ...query } } })),
      /** Every event as it commits, as an async iterator (see events-follow.ts); abort the signal to stop. */
      follow: (options: FollowOptions = {}) => followEvents(feed, options),
    },

    /** What a standalone gateway replica asks of the registry and tells it. */
    gateways: {
      snapshot: () => unwrap<T.ServingSnapshot>(api.GET('/api/v1/gateways/snapshot')),
      heartbeat: (body: T.Heartbeat) => unwrap(api.POST('/api/v1/gateways/heartbeat', { body })),
      /** Answers a move.prepare event: the destination is loaded and warm here, or why it cannot be. */
      prepared: (body: T.PrepareAnswer) => unwrap(api.POST('/api/v1/gateways/prepared', { body })),
      observations: (body: T.ObservationBatch) => unwrap(api.POST('/api/v1/gateways/observations', { body })),
    },

    blobs: {
      /** The stored blob, or null when the server does not have these bytes yet. */
      stat: async (sha256: string): Promise<T.Blob | null> => {
        const { data, error, response } = await api.GET('/api/v1/blobs/{sha256}', { params: { path: { sha256 } } });
        if (response.status === 404) return null;
        if (!response.ok) throw apiErrorFrom(response.status, error, response.statusText);
        return data as T.Blob;
      },
      /** Uploads bytes; with sha256 the server refuses bytes that do not match it. */
      upload: async (body: BodyInit, opts: { sha256?: string; signal?: AbortSignal } = {}): Promise<T.Blob> => {
        const query = opts.sha256 ? `?sha256=${opts.sha256}` : '';
        // duplex is required by fetch for streamed request bodies (Node, Chromium).
        const res = await raw(`/api/v1/blobs${query}`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/octet-stream' },
          signal: opts.signal,
          duplex: 'half',
        });
        return (await res.json()) as T.Blob;
      },
      /** Hashes every stored blob, or only `sha256` (admin): the bad ones, the versions they affect, what was marked and restored. */
      verify: (sha256?: string[]) => unwrap<T.BlobsReport>(api.POST('/api/v1/blobs/verify', { body: sha256 ? { sha256 } : {} })),
      /** Removes blobs nothing references and nothing wrote within `grace` (admin; default 24h); dryRun reports without removing. */
      gc: (opts: { dryRun?: boolean; grace?: string } = {}) =>
        unwrap<T.GcReport>(api.POST('/api/v1/blobs/gc', { body: { dry_run: opts.dryRun, grace: opts.grace } })),
    },

    transfer: {
      /** Streams one model's archive: versions, artifacts, stages, aliases, health, settings, audit events (admin). */
      export: (name: string, signal?: AbortSignal) => raw(`/api/v1/models/${enc(name)}/export`, { signal }),
      /** Imports a model archive (admin); `as` imports it under another name. Importing it again changes nothing. */
      import: async (body: BodyInit, opts: { as?: string; signal?: AbortSignal } = {}): Promise<T.ImportResult> => {
        const query = opts.as ? `?as=${enc(opts.as)}` : '';
        const res = await raw(`/api/v1/model-archives${query}`, { method: 'POST', body, headers: { 'content-type': 'application/x-tar' }, signal: opts.signal, duplex: 'half' });
        return (await res.json()) as T.ImportResult;
      },
    },

    tokens: {
      /** `expiresIn`: 30d, 12h, 2w, or never (admins); absent: the server's default (90 days). */
      create: (name: string, role: T.TokenRole, expiresIn?: string) =>
        unwrap<T.CreatedToken>(api.POST('/api/v1/tokens', { body: { name, role, ...(expiresIn !== undefined ? { expires_in: expiresIn } : {}) } })),
      list: () => unwrap<T.TokenList>(api.GET('/api/v1/tokens')),
      revoke: async (name: string) => {
        await unwrap(api.DELETE('/api/v1/tokens/{name}', { params: { path: { name } } }));
      },
      /** A new secret under the same name and role; the old one stops working at once. */
      rotate: (name: string, expiresIn?: string) =>
        unwrap<T.CreatedToken>(api.POST('/api/v1/tokens/{name}/rotate', { params: { path: { name } }, body: expiresIn !== undefined ? { expires_in: expiresIn } : {} })),
    },
    /** Per-model grants (admin): a role or a deny for a user, group or token on a model, a glob, or `*`. */
    grants: {
      list: (query: { principal_type?: T.NewGrant['principal_type']; principal_name?: string; scope?: string } = {}) =>
        unwrap<T.GrantList>(api.GET('/api/v1/grants', { params: { query } })),
      add: (body: T.NewGrant) => unwrap<T.Grant>(api.POST('/api/v1/grants', { body })),
      remove: (id: number) => unwrap<T.Grant>(api.DELETE('/api/v1/grants/{id}', { params: { path: { id } } })),
    },
  };
}

export type StagecraftClient = ReturnType<typeof createClient>;
