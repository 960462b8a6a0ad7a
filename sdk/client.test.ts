// The SDK against a real app on a real port, on both databases.
import net, { type AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../test/databases.js';
import { createClient, StagecraftApiError, StagecraftUnreachableError, type StagecraftClient } from './client.js';

describe.each(DATABASES)('SDK client (%s)', (kind) => {
  const r = useRegistry(kind);
  let sc: StagecraftClient;
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = r.app.server.address() as AddressInfo;
    sc = createClient({ url: `http://127.0.0.1:${port}/`, actor: 'alice' });
  });

  async function version(model: string, bytes: string, extra: Record<string, unknown> = {}) {
    const blob = await sc.blobs.upload(bytes);
    return sc.versions.create(model, { files: [{ path: 'model.bin', sha256: blob.sha256 }], ...extra });
  }

  it('creates a model and versions and reads them back typed', async () => {
    const name = uniqueName('sdk');
    const model = await sc.models.create({ name, description: 'first' });
    expect(model.name).toBe(name);
    const v1 = await version(name, 'one', { label: 'v1.0', params: { lr: 0.1 } });
    expect(v1.version).toBe(1);
    expect(v1.created_by).toBe('alice');
    expect((await sc.versions.get(name, 1)).label).toBe('v1.0');
    expect((await sc.versions.list(name)).versions.map((v) => v.version)).toEqual([1]);
    expect((await sc.models.update(name, { description: 'second' })).description).toBe('second');
    const manifest = await sc.versions.manifest(name, 1);
    expect(manifest.files[0].size).toBe(3);
    expect(await (await sc.versions.file(name, 1, 'model.bin')).text()).toBe('one');
  });

  it('promotes, aliases, rolls back with from_version and tells the history', async () => {
    const name = uniqueName('sdk-rb');
    await sc.models.create({ name });
    await version(name, 'a');
    await version(name, 'b');
    await sc.stages.transition(name, 1, { stage: 'production', archive_existing_versions: true });
    await sc.stages.transition(name, 2, { stage: 'Production', archive_existing_versions: true });
    await sc.aliases.set(name, 'champion', 2);
    expect((await sc.aliases.get(name, 'champion')).version).toBe(2);
    expect((await sc.resolve(`models:/${name}@champion`)).version).toBe(2);

    // A stale from_version is refused: the caller saw another holder than the one there now.
    const stale = await sc.rollback(name, { reason: 'bad', from_version: 1 }).catch((e) => e);
    expect(stale).toBeInstanceOf(StagecraftApiError);
    expect(stale.status).toBe(409);

    const done = await sc.rollback(name, { reason: 'v2 is bad', from_version: 2 });
    expect(done).toMatchObject({ name, from_version: 2, to_version: 1, reason: 'v2 is bad' });
    const history = await sc.history(name, { stage: 'Production' });
    expect(history.entries.map((e) => e.version)).toContain(1);
    expect(history.entries.every((e) => typeof e.actor === 'string')).toBe(true);
    await sc.aliases.delete(name, 'champion');
    await expect(sc.aliases.get(name, 'champion')).rejects.toMatchObject({ status: 404 });
  });

  it('sets and deletes tags, marks health, deletes versions and models', async () => {
    const name = uniqueName('sdk-tags');
    await sc.models.create({ name });
    await version(name, 'x');
    expect((await sc.tags.setModel(name, 'team', 'fraud')).tags).toEqual({ team: 'fraud' });
    expect((await sc.tags.deleteModel(name, 'team')).tags).toEqual({});
    expect((await sc.tags.setVersion(name, 1, 'ok', 'yes')).tags).toEqual({ ok: 'yes' });
    expect((await sc.tags.deleteVersion(name, 1, 'ok')).tags).toEqual({});
    expect((await sc.versions.mark(name, 1, 'stable', 'week of traffic')).health).toBe('stable');
    await sc.versions.delete(name, 1, 'cleanup');
    await sc.models.delete(name);
    await expect(sc.models.get(name)).rejects.toMatchObject({ status: 404, code: expect.any(String) });
  });

  it('turns a refusal into StagecraftApiError with the server code, message and id', async () => {
    const err = await sc.models.get('no-such-model-here').catch((e) => e);
    expect(err).toBeInstanceOf(StagecraftApiError);
    expect(err.status).toBe(404);
    expect(err.message).toContain('no-such-model-here');
    expect(err.id).toEqual(expect.any(String));
  });

  it('knows whether a blob is stored, and skips nothing it lacks', async () => {
    const stored = await sc.blobs.upload('stat me');
    expect(await sc.blobs.stat(stored.sha256)).toEqual(stored);
    expect(await sc.blobs.stat('0'.repeat(64))).toBeNull();
  });

  it('lists events and follows the stream, resuming after a given id', async () => {
    const name = uniqueName('sdk-ev');
    await sc.models.create({ name });
    const first = (await sc.events.list({ model: name })).events[0];
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      // Resume from before the model existed: the replay yields model.created, then live events.
      for await (const e of sc.events.follow({ model: name, after: first.id - 1, signal: controller.signal })) {
        seen.push(e.type);
        if (seen.length === 2) controller.abort();
      }
    })();
    await version(name, 'live');
    await following;
    expect(seen[0]).toBe(first.type);
    expect(seen.length).toBe(2);
  });

  it('resumes the event stream with Last-Event-ID after the connection drops, losing and repeating nothing', async () => {
    const name = uniqueName('sdk-resume');
    await sc.models.create({ name });
    await sc.tags.setModel(name, 'a', '1');
    await sc.tags.setModel(name, 'b', '2');
    const first = (await sc.events.list({ model: name, order: 'asc' })).events[0];
    const resumedFrom: Array<string | null> = [];
    // A network that cuts the first stream right after its first chunk holding an event.
    const flaky = createClient({
      url: sc.url,
      actor: 'alice',
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        if (!href.includes('/events/stream')) return res;
        resumedFrom.push(new Headers(init?.headers).get('last-event-id'));
        if (resumedFrom.length > 1) return res;
        const reader = res.body!.getReader();
        const cut = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { value, done } = await reader.read();
            if (done) return controller.close();
            controller.enqueue(value);
            if (new TextDecoder().decode(value).includes('\nid: ') || new TextDecoder().decode(value).startsWith('id: ')) {
              controller.close();
              await reader.cancel();
            }
          },
        });
        return new Response(cut, { status: 200, headers: res.headers });
      },
    });
    const controller = new AbortController();
    const seen: number[] = [];
    let change: Promise<unknown> | null = null;
    const following = (async () => {
      for await (const e of flaky.events.follow({ model: name, after: first.id - 1, signal: controller.signal, retryDelayMs: 10 })) {
        seen.push(e.id);
        // The live change comes after the cut, so it must arrive on a resumed connection.
        if (seen.length === 3) change = sc.tags.setModel(name, 'c', '3');
        if (seen.length === 4) controller.abort();
      }
    })();
    await following;
    await change;
    const all = (await sc.events.list({ model: name, order: 'asc' })).events.map((e) => e.id);
    expect(seen).toEqual(all.slice(0, 4));
    expect(resumedFrom.length).toBeGreaterThanOrEqual(2);
    expect(resumedFrom[0]).toBe(String(first.id - 1));
    // The second connection resumed after the last event the first one delivered.
    expect(seen).toContain(Number(resumedFrom[1]));
  });

  it('uses tokens: whoami, viewer refused with 403, revoke', async () => {
    const name = uniqueName('sdk-tok');
    const created = await sc.tokens.create(name, 'viewer');
    expect(created.token).toEqual(expect.any(String));
    const viewer = createClient({ url: sc.url, token: created.token });
    expect(await viewer.whoami()).toMatchObject({ name, role: 'viewer' });
    const refused = await viewer.models.create({ name: uniqueName('nope') }).catch((e) => e);
    expect(refused).toMatchObject({ status: 403 });
    // From the first token on the server is no longer open: the client without a token is refused.
    // (Kept as the last server test of the file for that reason.)
    await expect(sc.tokens.create(uniqueName('admin'), 'admin')).rejects.toMatchObject({ status: 401 });
  });

  it('reports an unreachable server as StagecraftUnreachableError', async () => {
    const dead = createClient({ url: 'http://127.0.0.1:1' });
    const err = await dead.health().catch((e) => e);
    expect(err).toBeInstanceOf(StagecraftUnreachableError);
    expect(err.message).toContain('127.0.0.1:1');
  });

  it('gives up on a server that accepts the connection but never answers, after timeoutMs, as unreachable', async () => {
    // A listener that never writes a byte: a hung registry (or a partition that swallowed the answer).
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hung = createClient({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 200 });
    try {
      const err = await hung.health().catch((e) => e);
      expect(err).toBeInstanceOf(StagecraftUnreachableError);
      expect(err.message).toContain('no answer within 200 ms');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
