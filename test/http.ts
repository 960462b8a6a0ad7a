// Small helpers for driving the real app over inject(): JSON calls, blob uploads, versions.
import type { App } from '../src/http/app-types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test's JSON answer is what it asserts on; its shape is the subject of the test
export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as Answer
export async function call<T = any>(
  app: App,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const res = await app.inject({
    method,
    url,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  let parsed: unknown = res.body;
  try {
    parsed = res.body ? JSON.parse(res.body) : null;
  } catch {
    // not JSON
  }
  return { status: res.statusCode, body: parsed as T, headers: res.headers };
}

export async function putBlob(app: App, bytes: Buffer | string, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/blobs',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    payload: Buffer.from(bytes),
  });
  if (res.statusCode !== 201) throw new Error(`blob upload failed: ${res.statusCode} ${res.body}`);
  return JSON.parse(res.body) as { sha256: string; size: number };
}

/** Uploads files and registers a version from them; returns the version as the API shows it. */
export async function registerVersion(
  app: App,
  model: string,
  files: Record<string, Buffer | string>,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const list = [];
  for (const [path, bytes] of Object.entries(files)) {
    const { sha256 } = await putBlob(app, bytes, headers);
    list.push({ path, sha256 });
  }
  const res = await call(app, 'POST', `/api/v1/models/${encodeURIComponent(model)}/versions`, { files: list, ...extra }, headers);
  if (res.status !== 201) throw new Error(`version create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createModel(app: App, name: string, headers: Record<string, string> = {}) {
  const res = await call(app, 'POST', '/api/v1/models', { name }, headers);
  if (res.status !== 201) throw new Error(`model create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function promote(app: App, model: string, version: number, stage = 'Production', archive = true, headers: Record<string, string> = {}) {
  return call(app, 'POST', `/api/v1/models/${encodeURIComponent(model)}/versions/${version}/stage`, { stage, archive_existing_versions: archive }, headers);
}
