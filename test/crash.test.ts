// A real server process killed with SIGKILL during uploads and during a burst of transitions, then
// restarted on the same data directory and database. After the restart: the temp space of the cut
// uploads is reclaimed, no version is half-written, every stored blob verifies, at most one version
// is in Production per model, every alias resolves to a live version, and the audit log replays to
// exactly the pointers stored — on SQLite and PostgreSQL.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { killAll, startServer, type ServerProcess } from './crash-server.js';
import { DATABASES, freshPostgresUrl, tempDir } from './databases.js';

const T = 180_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers whose shape the assertions check
async function api(s: ServerProcess, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.url}${url}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A version the gateway can load: a small real ONNX model, distinct per label (prepare loads it). */
async function registerBytes(s: ServerProcess, model: string, label: string) {
  const bytes = denseModelOnnx({ weights: [0.5, -0.25], bias: 0.1, activation: 'sigmoid', doc: `${model} ${label}` });
  const up = await fetch(`${s.url}/api/v1/blobs`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Blob([new Uint8Array(bytes)]) });
  const { sha256 } = (await up.json()) as { sha256: string };
  return api(s, 'POST', `/api/v1/models/${model}/versions`, { files: [{ path: 'model.onnx', sha256 }] });
}

/** An upload that keeps sending (with backpressure) until the connection dies; never finishes by itself. */
function endlessUpload(url: string, pathname: string, contentType: string, asTar: boolean): void {
  const chunk = Buffer.alloc(256 * 1024, 0x5a);
  const total = 512 * 1024 ** 2;
  const req = http.request(`${url}${pathname}`, { method: 'POST', headers: { 'content-type': contentType, ...(asTar ? {} : { 'content-length': String(total) }) } });
  // The server dies mid-request: every stream involved sees the reset, and none of that is the test's failure.
  req.on('error', () => {});
  req.on('socket', (socket) => socket.on('error', () => {}));
  req.on('response', (res) => {
    res.on('error', () => {});
    res.resume();
  });
  let sink: NodeJS.WritableStream = req;
  if (asTar) {
    const pack = tar.pack();
    // streamx's pipe hands the request's reset back to the pack as its error.
    pack.on('error', () => {});
    pack.pipe(req);
    sink = pack.entry({ name: 'model.bin', size: total }, () => {});
  }
  sink.on('error', () => {});
  let sent = 0;
  const pump = () => {
    while (sent < total && !req.destroyed) {
      sent += chunk.length;
      if (!sink.write(chunk)) return void sink.once('drain', pump);
    }
  };
  pump();
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The invariants a crash must never break. */
async function checkInvariants(s: ServerProcess, models: string[]) {
  for (const name of models) {
    const all = (await api(s, 'GET', `/api/v1/models/${name}/versions?limit=100`)).body.versions as Array<{ version: number; stage: string; status: string }>;
    expect(all.every((v) => v.status === 'READY'), `${name}: a version that is not READY`).toBe(true);
    const production = all.filter((v) => v.stage === 'Production').map((v) => v.version);
    expect(production.length, `${name}: Production holds ${production.join(', ')}`).toBeLessThanOrEqual(1);
    const model = (await api(s, 'GET', `/api/v1/models/${name}`)).body as { aliases: Record<string, number> };
    for (const [alias, version] of Object.entries(model.aliases)) {
      const resolved = await api(s, 'GET', `/api/v1/models/${name}/aliases/${alias}`);
      expect(resolved.status, `${name}@${alias}`).toBe(200);
      expect(resolved.body).toMatchObject({ version, deleted: false });
    }
    // The audit log replays to exactly the stored pointers: every move committed with its event.
    const events = (await api(s, 'GET', `/api/v1/events?model=${name}&type=version.stage_changed,alias.set,alias.deleted&order=asc&limit=1000`)).body.events as Array<{
      type: string;
      version: number;
      target: string | null;
      from: string | null;
      to: string | null;
    }>;
    const inProduction = new Set<number>();
    const aliases = new Map<string, number>();
    for (const e of events) {
      if (e.type === 'version.stage_changed') {
        if (e.to === 'Production') inProduction.add(e.version);
        else if (e.from === 'Production') inProduction.delete(e.version);
      } else if (e.type === 'alias.set') aliases.set(e.target!.replace(/^alias:/, ''), Number(e.to));
      else aliases.delete(e.target!.replace(/^alias:/, ''));
    }
    expect([...inProduction].sort(), `${name}: Production replayed from the audit log`).toEqual(production.sort());
    expect(Object.fromEntries(aliases), `${name}: aliases replayed from the audit log`).toEqual(model.aliases);
  }
  const blobs = await api(s, 'POST', '/api/v1/blobs/verify', {});
  expect(blobs.status).toBe(200);
  expect(blobs.body.bad).toEqual([]);
}

describe.each(DATABASES)('a server killed with -9 on %s', (kind) => {
  let dataDir: string;
  let databaseUrl: string | null = null;
  const tmp = () => path.join(dataDir, 'blobs', 'tmp');
  const tempBytes = () => fs.readdirSync(tmp()).reduce((n, f) => n + (fs.statSync(path.join(tmp(), f), { throwIfNoEntry: false })?.size ?? 0), 0);

  beforeAll(async () => {
    dataDir = tempDir('stagecraft-crash-');
    if (kind === 'postgres') databaseUrl = await freshPostgresUrl();
  });
  afterAll(() => {
    killAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('during uploads: the restart reclaims their temp space and leaves no half-written version', { timeout: T }, async () => {
    let s = await startServer(dataDir, databaseUrl);
    const name = 'crash-upload';
    expect((await api(s, 'POST', '/api/v1/models', { name })).status).toBe(201);
    expect((await registerBytes(s, name, 'v1 weights')).status).toBe(201);
    endlessUpload(s.url, '/api/v1/blobs', 'application/octet-stream', false);
    endlessUpload(s.url, `/api/v1/models/${name}/versions/archive`, 'application/x-tar', true);
    await until('two uploads in flight', () => fs.readdirSync(tmp()).length >= 2 && tempBytes() > 8 * 1024 ** 2);
    await s.kill();
    expect(tempBytes(), 'the kill left upload debris behind').toBeGreaterThan(8 * 1024 ** 2);

    s = await startServer(dataDir, databaseUrl);
    // Swept before the server answers its first request.
    expect(fs.readdirSync(tmp())).toEqual([]);
    const versions = (await api(s, 'GET', `/api/v1/models/${name}/versions`)).body.versions as Array<{ version: number }>;
    expect(versions.map((v) => v.version)).toEqual([1]);
    await checkInvariants(s, [name]);
    // And it works: the next upload and version go through.
    expect((await registerBytes(s, name, 'v2 weights')).body.version).toBe(2);
    await s.kill();
  });

  it('during a burst of transitions: pointers, aliases and the audit log agree after the restart', { timeout: T }, async () => {
    let s = await startServer(dataDir, databaseUrl);
    const models = ['crash-a', 'crash-b', 'crash-c'];
    for (const name of models) {
      await api(s, 'POST', '/api/v1/models', { name });
      for (let v = 1; v <= 4; v++) expect((await registerBytes(s, name, `${name} weights ${v}`)).status).toBe(201);
      expect((await api(s, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'Production', archive_existing_versions: true })).status).toBe(200);
    }
    // A deterministic mix of promotions, alias moves, rollbacks and new versions, all at once.
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let done = 0;
    const ops: Array<Promise<unknown>> = [];
    for (let i = 0; i < 300; i++) {
      const name = models[rand(models.length)];
      const v = 1 + rand(4);
      const op = rand(4);
      const call =
        op === 0
          ? api(s, 'POST', `/api/v1/models/${name}/versions/${v}/stage`, { stage: 'Production', archive_existing_versions: true, force: true, reason: 'burst' })
          : op === 1
            ? api(s, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: v })
            : op === 2
              ? api(s, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'burst' })
              : registerBytes(s, name, `${name} burst ${i}`);
      ops.push(call.catch(() => undefined).finally(() => (done += 1)));
    }
    await until('the burst under way', () => done >= 20);
    const inFlight = ops.length - done;
    await s.kill();
    expect(inFlight, 'the kill landed mid-burst').toBeGreaterThan(0);
    await Promise.all(ops);

    s = await startServer(dataDir, databaseUrl);
    expect(fs.readdirSync(tmp())).toEqual([]);
    await checkInvariants(s, models);
    // The registry carries on from where the log says it is.
    const moved = await api(s, 'POST', `/api/v1/models/crash-a/versions/2/stage`, { stage: 'Production', archive_existing_versions: true, force: true, reason: 'restore after the crash test' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await checkInvariants(s, models);
    await s.kill();
  });
});
