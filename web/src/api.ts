// The UI's only door to the server: the typed SDK (sdk/client.ts). This file adapts it to what the
// pages need: abortable reads and one 401 hook for the sign-in form.
import { createClient, StagecraftApiError, unwrap, type FollowOptions, type NewGrant } from '../../sdk/client';
import { promotionApi } from './promotion/promotion-api';

export { StagecraftApiError as ApiError } from '../../sdk/client';

export interface ApiOptions {
  /** '' for the page's own origin (the server that served the UI). */
  baseUrl?: string;
  token?: string | null;
  /** Called on every 401, so the app can ask for a token. */
  onUnauthenticated?: () => void;
}

export function createApi(opts: ApiOptions = {}) {
  const url = opts.baseUrl || (typeof window !== 'undefined' ? window.location.origin : '');
  const sdk = createClient({ url, token: opts.token ?? undefined });
  const { api } = sdk;

  /** Every call passes through here so a 401 anywhere opens the sign-in form. */
  async function guard<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      if (err instanceof StagecraftApiError && err.status === 401) opts.onUnauthenticated?.();
      throw err;
    }
  }
  const ver = (name: string, version: number) => ({ path: { name, version } });

  return {
    baseUrl: url,
    token: opts.token ?? null,
    /** Who the server sees; with `model`, also the caller's effective role there (`model_role`, grants applied; 404 when hidden). */
    whoami: (signal?: AbortSignal, model?: string) =>
      guard(unwrap(api.GET('/api/v1/whoami', { signal, params: { query: model === undefined ? {} : { model } } }))),
    /** Whether the server offers single sign-on and who is signed in (the session cookie travels by itself, same-origin). */
    authConfig: (signal?: AbortSignal) => unwrap(api.GET('/auth/config', { signal })),
    /** People seen through single sign-on: the timeline shows an actor's display name. */
    people: (signal?: AbortSignal) => guard(unwrap(api.GET('/api/v1/people', { signal }))),
    /** Ends the session; answers where to send the browser next (the issuer's logout, when it has one). */
    logout: async (): Promise<string> => {
      const res = await sdk.raw('/auth/logout', { method: 'POST', headers: { accept: 'application/json', 'x-stagecraft-csrf': '1' } });
      return ((await res.json()) as { redirect: string }).redirect;
    },
    listModels: (q: { search?: string; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
      guard(unwrap(api.GET('/api/v1/models', { params: { query: { limit: q.limit ?? 100, search: q.search, cursor: q.cursor ?? undefined } }, signal }))),
    getModel: (name: string, signal?: AbortSignal) => guard(unwrap(api.GET('/api/v1/models/{name}', { params: { path: { name } }, signal }))),
    listVersions: (name: string, q: { cursor?: string | null; limit?: number } = {}, signal?: AbortSignal) =>
      guard(
        unwrap(
          api.GET('/api/v1/models/{name}/versions', { params: { path: { name }, query: { limit: q.limit ?? 100, cursor: q.cursor ?? undefined } }, signal }),
        ),
      ),
    getVersion: (name: string, v: number, signal?: AbortSignal) =>
      guard(unwrap(api.GET('/api/v1/models/{name}/versions/{version}', { params: ver(name, v), signal }))),
    getFiles: (name: string, v: number, signal?: AbortSignal) =>
      guard(unwrap(api.GET('/api/v1/models/{name}/versions/{version}/files', { params: ver(name, v), signal }))),
    /**
     * The logged model (MLflow 3) a version was made from, or null. A 404 is null too: the MLflow
     * door is not mounted, or the version is gone (the page's own read of it says so).
     */
    versionLoggedModel: async (name: string, v: number, signal?: AbortSignal) => {
      try {
        return (await guard(unwrap(api.GET('/api/v1/models/{name}/versions/{version}/logged-model', { params: ver(name, v), signal })))).logged_model;
      } catch (err) {
        if (err instanceof StagecraftApiError && err.status === 404) return null;
        throw err;
      }
    },
    getLoggedModel: (id: string, signal?: AbortSignal) =>
      guard(unwrap(api.GET('/api/v1/logged-models/{model_id}', { params: { path: { model_id: id } }, signal }))),
    /** Sets or clears the model's protected setting (the server lets only admins). */
    setProtected: (name: string, value: boolean) => guard(sdk.models.update(name, { protected: value })),
    listEvents: (name: string, q: { cursor?: string | null; limit?: number } = {}, signal?: AbortSignal) =>
      guard(
        unwrap(
          api.GET('/api/v1/events', {
            params: { query: { model: name, limit: q.limit ?? 50, cursor: q.cursor ? Number(q.cursor) : undefined } },
            signal,
          }),
        ),
      ),
    history: (name: string, stage = 'Production', signal?: AbortSignal) =>
      guard(unwrap(api.GET('/api/v1/models/{name}/history', { params: { path: { name }, query: { stage } }, signal }))),
    servingStatus: (name: string, signal?: AbortSignal) => guard(unwrap(api.GET('/api/v1/models/{name}/status', { params: { path: { name } }, signal }))),
    metrics: (name: string, q: { window_seconds: number; step_seconds: number }, signal?: AbortSignal) =>
      guard(unwrap(api.GET('/api/v1/models/{name}/metrics', { params: { path: { name }, query: q }, signal }))),
    transitionStage: (
      name: string,
      v: number,
      body: { stage: string; archive_existing_versions?: boolean; reason?: string; expected_version?: number | null },
    ) => guard(sdk.stages.transition(name, v, body)),
    setAlias: (name: string, alias: string, body: { version: number; reason?: string; expected_version?: number | null }) =>
      guard(sdk.aliases.set(name, alias, body.version, body.reason, body.expected_version)),
    rollback: (name: string, body: { reason: string; from_version?: number; stage?: string; to_version?: number }) => guard(sdk.rollback(name, body)),
    markHealth: (name: string, v: number, body: { health: 'stable' | 'failed' | 'unknown'; reason?: string }) =>
      guard(sdk.versions.mark(name, v, body.health, body.reason)),
    /** Per-model grants (admins): list, add, remove. */
    grants: {
      list: () => guard(sdk.grants.list()),
      add: (g: NewGrant) => guard(sdk.grants.add(g)),
      remove: (id: number) => guard(sdk.grants.remove(id)),
    },
    /** Rollouts, shadows, approvals, drills and validation reports (issue 7). */
    promotion: promotionApi(api, guard),
    /**
     * The change feed through the SDK's one follower (fetch, so the token travels in a header, never
     * the URL). It never gives up while the page is open; a 401 on it opens the sign-in form.
     */
    followEvents: (options: FollowOptions & { signal: AbortSignal }) =>
      sdk.events.follow({
        ...options,
        forever: true,
        onStatus: (status, err) => {
          if (err instanceof StagecraftApiError && err.status === 401) opts.onUnauthenticated?.();
          options.onStatus?.(status, err);
        },
      }),
  };
}

export type Api = ReturnType<typeof createApi>;
