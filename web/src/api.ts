// The UI's only door to the server. Every call goes through `request`, so swapping in the typed
// SDK client (sdk/client.ts) is a change to this one file. Errors carry the server's own message.
import type {
  History,
  Manifest,
  Metrics,
  Model,
  RegistryEvent,
  RollbackResult,
  ServingStatus,
  Version,
  Whoami,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiOptions {
  /** '' for the page's own origin (the server that served the UI). */
  baseUrl?: string;
  token?: string | null;
  /** Called on every 401, so the app can ask for a token. */
  onUnauthenticated?: () => void;
}

type Query = Record<string, string | number | undefined | null>;

const enc = encodeURIComponent;

function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function createApi(opts: ApiOptions = {}) {
  const base = opts.baseUrl ?? '';
  const headers = (json: boolean): Record<string, string> => ({
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
  });

  async function request<T>(method: string, path: string, body?: unknown, query?: Query, signal?: AbortSignal): Promise<T> {
    const res = await fetch(base + withQuery(path, query), {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      if (res.status === 401) opts.onUnauthenticated?.();
      throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `${res.status} ${res.statusText}`);
    }
    return parsed as T;
  }

  const model = (name: string) => `/api/v1/models/${enc(name)}`;
  const version = (name: string, v: number) => `${model(name)}/versions/${v}`;

  return {
    baseUrl: base,
    token: opts.token ?? null,
    whoami: (signal?: AbortSignal) => request<Whoami>('GET', '/api/v1/whoami', undefined, undefined, signal),
    listModels: (q: { search?: string; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
      request<{ models: Model[]; next_cursor: string | null }>('GET', '/api/v1/models', undefined, { limit: 100, ...q }, signal),
    getModel: (name: string, signal?: AbortSignal) => request<Model>('GET', model(name), undefined, undefined, signal),
    listVersions: (name: string, q: { cursor?: string | null; limit?: number } = {}, signal?: AbortSignal) =>
      request<{ versions: Version[]; next_cursor: string | null }>('GET', `${model(name)}/versions`, undefined, { limit: 100, ...q }, signal),
    getVersion: (name: string, v: number, signal?: AbortSignal) => request<Version>('GET', version(name, v), undefined, undefined, signal),
    getFiles: (name: string, v: number, signal?: AbortSignal) => request<Manifest>('GET', `${version(name, v)}/files`, undefined, undefined, signal),
    listEvents: (name: string, q: { cursor?: string | null; limit?: number } = {}, signal?: AbortSignal) =>
      request<{ events: RegistryEvent[]; next_cursor: string | null }>('GET', '/api/v1/events', undefined, { model: name, limit: 50, ...q }, signal),
    history: (name: string, stage = 'Production', signal?: AbortSignal) =>
      request<History>('GET', `${model(name)}/history`, undefined, { stage }, signal),
    servingStatus: (name: string, signal?: AbortSignal) => request<ServingStatus>('GET', `${model(name)}/status`, undefined, undefined, signal),
    metrics: (name: string, q: { window_seconds: number; step_seconds: number }, signal?: AbortSignal) =>
      request<Metrics>('GET', `${model(name)}/metrics`, undefined, q, signal),
    transitionStage: (name: string, v: number, body: { stage: string; archive_existing_versions?: boolean; reason?: string }) =>
      request<{ version: Version; archived_versions: number[] }>('POST', `${version(name, v)}/stage`, body),
    setAlias: (name: string, alias: string, body: { version: number; reason?: string }) =>
      request<Version>('PUT', `${model(name)}/aliases/${enc(alias)}`, body),
    rollback: (name: string, body: { reason: string; from_version?: number; stage?: string; to_version?: number }) =>
      request<RollbackResult>('POST', `${model(name)}/rollback`, body),
    markHealth: (name: string, v: number, body: { health: 'stable' | 'failed' | 'unknown'; reason?: string }) =>
      request<Version>('POST', `${version(name, v)}/health`, body),
    /** The change feed as a streaming response (fetch, so the token travels in a header, never the URL). */
    eventStream: (after: number | null, signal: AbortSignal) =>
      fetch(base + withQuery('/api/v1/events/stream', { after }), { headers: { ...headers(false), accept: 'text/event-stream' }, signal }),
  };
}

export type Api = ReturnType<typeof createApi>;
