// Replays every exchange the real MLflow 2.17 client made (test/mlflow-client-trace.jsonl, recorded
// against MLflow's own server) against Stagecraft, on SQLite and PostgreSQL: same status, same
// error_code, same fields present and omitted, same values once server-made ids and times are
// normalised, and every downloaded artifact byte-equal to what was uploaded.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { DATABASES, useRegistry } from './databases.js';
import { call } from './http.js';
import { serverExtensions } from '../src/server.js';

interface Exchange {
  seq: number;
  step: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query_raw: string;
  request_body: { content_type: string | null; length: number; json?: unknown; preview?: string; truncated?: boolean };
  status: number;
  response_headers: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded MLflow server answers of every shape, compared field by field
  response_body: { content_type: string | null; length: number; json?: any; preview?: string };
}

const here = path.dirname(fileURLToPath(import.meta.url));
const TRACE: Exchange[] = fs
  .readFileSync(path.join(here, 'mlflow-client-trace.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l))
  .filter((o) => !('marker' in o));

const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';
const ONNX = denseModelOnnx({ weights: [0.5, -1, 2], bias: 0.1, activation: 'sigmoid', doc: 'replayed' });
const SERVER_MADE = new Set(['creation_timestamp', 'last_updated_timestamp', 'creation_time', 'last_update_time', 'run_name']);

/** The bytes a PUT carried: text as recorded, model.onnx a real ONNX model, other binaries a pattern of the recorded length. */
function uploadBytes(ex: Exchange): Buffer {
  if (ex.path.endsWith('/model.onnx')) return ONNX;
  const rb = ex.request_body;
  if (rb.content_type === 'text/plain' && rb.preview !== undefined && !rb.truncated) return Buffer.from(rb.preview);
  const out = Buffer.alloc(rb.length);
  for (let i = 0; i < out.length; i++) out[i] = (i * 31 + ex.seq) & 0xff;
  return out;
}

/** Times and server-chosen names differ by nature; their presence is still compared. */
function normalise(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalise(v));
    if (items.every((i) => typeof i === 'object' && i !== null && 'key' in i)) {
      return [...items].sort((a, b) => String((a as { key: unknown }).key).localeCompare(String((b as { key: unknown }).key)));
    }
    if (key === 'latest_versions' || key === 'model_versions_unordered') {
      return [...items].sort((a, b) => Number((a as { version: unknown }).version) - Number((b as { version: unknown }).version));
    }
    return items;
  }
  if (typeof value !== 'object' || value === null) return value;
  const o = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (SERVER_MADE.has(k)) out[k] = '<server-made>';
    else out[k] = normalise(v, k);
  }
  if (o.key === 'mlflow.runName') out.value = '<server-made>';
  if (o.key === 'mlflow.log-model.history') out.value = JSON.parse(String(o.value));
  return out;
}

describe.each(DATABASES)('the MLflow 2.17 client trace replayed on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('mlflow') });

  it('answers every recorded exchange as MLflow did, and hands back the uploaded bytes', async () => {
    const ids = new Map<string, string>();
    const uploaded = new Map<string, Buffer>();
    const subst = (s: string) => {
      let out = s;
      for (const [theirs, ours] of ids) out = out.split(theirs).join(ours);
      return out;
    };
    let downloads = 0;
    for (const ex of TRACE) {
      const label = `#${ex.seq} ${ex.method} ${ex.path} (${ex.step})`;
      const url = subst(ex.path) + (ex.query_raw ? `?${subst(ex.query_raw)}` : '');
      const headers: Record<string, string> = {};
      let payload: Buffer | string | undefined;
      if (ex.method === 'PUT') {
        payload = uploadBytes(ex);
        if (ex.request_body.content_type) headers['content-type'] = ex.request_body.content_type;
      } else if (ex.request_body.json !== undefined) {
        payload = subst(JSON.stringify(ex.request_body.json));
        headers['content-type'] = 'application/json';
      }
      const res = await r.app.inject({ method: ex.method, url, headers, payload });
      expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBe(ex.status);

      const theirs = ex.response_body.json;
      if (ex.path.endsWith('/runs/create')) ids.set(theirs.run.info.run_id, JSON.parse(res.body).run.info.run_id);
      if (ex.method === 'PUT') {
        uploaded.set(url.slice(ARTIFACTS.length + 1), payload as Buffer);
        continue;
      }
      if (ex.method === 'GET' && ex.path.startsWith(`${ARTIFACTS}/`)) {
        expect(res.rawPayload.equals(uploaded.get(url.slice(ARTIFACTS.length + 1))!), `${label}: bytes`).toBe(true);
        expect(res.headers['content-type'], label).toBe(ex.response_headers['Content-Type']);
        downloads++;
        continue;
      }
      const ours = JSON.parse(res.body);
      if (ex.status !== 200) {
        expect(ours.error_code, label).toBe(theirs.error_code);
        expect(typeof ours.message, label).toBe('string');
        continue;
      }
      let expected = JSON.parse(subst(JSON.stringify(theirs)));
      if (ex.path === ARTIFACTS && expected.files) {
        // Our model.onnx is a different (real) model than the recorded one: sizes are what we uploaded.
        const dir = new URLSearchParams(url.split('?')[1]).get('path');
        for (const f of expected.files) if (!f.is_dir) f.file_size = uploaded.get(`${dir}/${f.path}`)?.length ?? f.file_size;
      }
      if (ex.path.endsWith('/get-latest-versions')) {
        expected = { model_versions_unordered: expected.model_versions };
        ours.model_versions_unordered = ours.model_versions;
        delete ours.model_versions;
      }
      expect(normalise(ours), label).toEqual(normalise(expected));
    }
    expect(downloads).toBeGreaterThan(60);
  });

  it('serves what the trace registered: the ONNX flavour as an onnx version with its signature, transitions in history', async () => {
    const onnxVersion = await call(r.app, 'GET', '/api/v1/models/onnx_model/versions/1');
    expect(onnxVersion.status).toBe(200);
    expect(onnxVersion.body.runtime).toBe('onnx');
    expect(onnxVersion.body.signature.inputs[0].shape).toEqual([-1, 3]);
    expect(onnxVersion.body.digest).toMatch(/^sha256:/);
    const history = await call(r.app, 'GET', '/api/v1/models/my_model/history?stage=Production');
    expect(history.status).toBe(200);
    expect(history.body.entries.map((e: { version: number }) => e.version)).toEqual([1, 2, 1]);
  });
});
