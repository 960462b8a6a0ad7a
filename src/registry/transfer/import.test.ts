// The import's checks, one broken archive at a time: each is refused with a 4xx naming what is
// wrong, and nothing is written. Archives come from a real export, edited.
import tar from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { call, createModel, registerVersion } from '../../../test/http.js';
import { MODEL_ENTRY, type ModelArchive } from './archive-format.js';

async function entries(body: Buffer): Promise<Array<{ name: string; body: Buffer }>> {
  const extract = tar.extract();
  const out: Array<{ name: string; body: Buffer }> = [];
  const done = (async () => {
    for await (const e of extract) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      out.push({ name: e.header.name, body: Buffer.concat(chunks) });
    }
  })();
  extract.end(body);
  await done;
  return out;
}

async function pack(list: Array<{ name: string; body: Buffer }>): Promise<Buffer> {
  const p = tar.pack();
  for (const e of list) p.entry({ name: e.name }, e.body);
  p.finalize();
  const parts: Buffer[] = [];
  for await (const c of p) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe.each(DATABASES)('model archive import checks (%s)', (kind) => {
  const r = useRegistry(kind);
  const name = uniqueName('checked');
  let files: Array<{ name: string; body: Buffer }> = [];
  let archive: ModelArchive;

  beforeAll(async () => {
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': 'bytes one' });
    await registerVersion(r.app, name, { 'm.bin': 'bytes two' });
    const res = await r.app.inject({ method: 'GET', url: `/api/v1/models/${name}/export` });
    expect(res.statusCode).toBe(200);
    files = await entries(res.rawPayload);
    archive = JSON.parse(files[0].body.toString()) as ModelArchive;
  });

  const send = async (edit: (a: ModelArchive) => void, as = 'never-written') => {
    const a = structuredClone(archive);
    edit(a);
    const payload = await pack([{ name: MODEL_ENTRY, body: Buffer.from(JSON.stringify(a)) }, ...files.slice(1)]);
    return r.app.inject({ method: 'POST', url: `/api/v1/model-archives?as=${as}`, headers: { 'content-type': 'application/x-tar' }, payload });
  };

  it.each([
    ['an unknown format', (a: ModelArchive) => Object.assign(a, { format: 'zip' }), 'not a Stagecraft model archive'],
    ['a wrong field', (a: ModelArchive) => Object.assign(a.versions[0], { version: 'one' }), '/versions/0/version'],
    ['an unknown stage', (a: ModelArchive) => Object.assign(a.versions[0], { stage: 'Canary' }), 'invalid stage'],
    ['a failed version without its reason', (a: ModelArchive) => Object.assign(a.versions[0], { health: 'failed', health_reason: null }), 'needs its reason'],
    ['an alias to a version not in it', (a: ModelArchive) => a.aliases.push({ alias: 'champion', version: 9, updated_at: 0 }), 'does not hold'],
    ['an event type this server does not know', (a: ModelArchive) => Object.assign(a.events[0], { type: 'model.teleported' }), 'model.teleported'],
    ['settings no extension keeps', (a: ModelArchive) => Object.assign(a.settings, { canary: {} }), 'settings "canary"'],
    ['an escaping file path', (a: ModelArchive) => Object.assign(a.versions[0].files[0], { path: '../etc/passwd' }), '..'],
  ])('refuses %s with 400 and writes nothing', async (_what, edit, message) => {
    const res = await send(edit);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error.message).toContain(message);
    expect((await call(r.app, 'GET', '/api/v1/models/never-written')).status).toBe(404);
  });

  it('refuses a version number this model already used for another version (409), writing nothing', async () => {
    // Same origin, so the import would merge; but version 3 here was made here, not by the archive.
    await registerVersion(r.app, name, { 'm.bin': 'bytes three' });
    const before = (await call(r.app, 'GET', `/api/v1/events?model=${name}&limit=1000`)).body.events.length;
    const res = await send((a) => {
      a.versions.push({ ...a.versions[1], origin: 'elsewhere@v3', version: 3 });
      a.model.last_version = 3;
    }, name);
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body).error.details.reason).toBe('version_clash');
    expect((await call(r.app, 'GET', `/api/v1/events?model=${name}&limit=1000`)).body.events.length).toBe(before);
  });
});
