// The one change-feed follower against a real registry on a real port, on both databases: resume,
// polling fallback, reconnection across a restart, the idle watchdog and refusals. Where the
// network must misbehave (a proxy without server-sent events, a cut stream) a fetch wrapper in
// front of the real server does it; the server itself is never faked.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { buildServer } from '../src/server.js';
import { DATABASES, testConfig, uniqueName, useRegistry } from '../test/databases.js';
import { createClient, StagecraftApiError, StagecraftUnreachableError, type FeedStatus, type FollowOptions, type StagecraftClient } from './client.js';

const FAST = { retryDelayMs: 10, maxDelayMs: 50 };

/** Runs a follower in the background; `stop()` aborts it and answers what it delivered. */
function follow(client: StagecraftClient, opts: FollowOptions) {
  const controller = new AbortController();
  const seen: number[] = [];
  const statuses: FeedStatus[] = [];
  const done = (async () => {
    for await (const e of client.events.follow({ ...FAST, ...opts, signal: controller.signal, onStatus: (s) => statuses.push(s) })) seen.push(e.id);
  })();
  return {
    seen,
    statuses,
    done,
    async stop() {
      controller.abort();
      await done;
      return seen;
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const isStream = (input: RequestInfo | URL) => String(input instanceof Request ? input.url : input).includes('/events/stream');
const lastEventId = (init?: RequestInit) => new Headers(init?.headers).get('last-event-id');

describe.each(DATABASES)('the change-feed follower (%s)', (kind) => {
  const r = useRegistry(kind);
  let sc: StagecraftClient;
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    sc = createClient({ url: `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}` });
  });
  const idsOf = async (model: string) => (await sc.events.list({ model, order: 'asc' })).events.map((e) => e.id);

  it('delivers only what commits after it starts when given no position', async () => {
    const name = uniqueName('feed-new');
    await sc.models.create({ name });
    const f = follow(sc, { model: name });
    await until(() => f.statuses.includes('streaming'), 'the stream to open');
    await sc.tags.setModel(name, 'k', 'v');
    await until(() => f.seen.length === 1, 'the tag event');
    expect(await f.stop()).toEqual((await idsOf(name)).slice(1));
  });

  it('fills a gap from the event log when the first stream drops before any event, then resumes the stream after it', async () => {
    const name = uniqueName('feed-gap');
    await sc.models.create({ name });
    const resumedFrom: Array<string | null> = [];
    const cut = createClient({
      url: sc.url,
      fetch: async (input, init) => {
        if (!isStream(input)) return fetch(input, init);
        resumedFrom.push(lastEventId(init));
        if (resumedFrom.length > 1) return fetch(input, init);
        // The change commits while the first connection is being lost: only the log can tell of it.
        await sc.tags.setModel(name, 'during', 'the drop');
        return new Response(null, { status: 200, headers: { 'content-type': 'text/event-stream' } });
      },
    });
    const f = follow(cut, { model: name });
    await until(() => f.statuses.includes('streaming'), 'the stream to reopen');
    await sc.tags.setModel(name, 'after', 'the drop');
    await until(() => f.seen.length === 2, 'both tag events');
    const all = await idsOf(name);
    expect(await f.stop()).toEqual(all.slice(1));
    expect(f.statuses.slice(0, 2)).toEqual(['polling', 'streaming']);
    expect(resumedFrom[1]).toBe(String(all[1]));
  });

  it('polls the event log while the stream is unavailable and returns to the stream when it is back', async () => {
    const name = uniqueName('feed-poll');
    await sc.models.create({ name });
    let streamUp = false;
    let streamsOpened = 0;
    // A proxy in front of the registry that does not pass server-sent events until told to.
    const proxied = createClient({
      url: sc.url,
      fetch: async (input, init) => {
        if (!isStream(input)) return fetch(input, init);
        if (!streamUp) return Response.json({ error: { code: 'unavailable', message: 'no event streams here', id: 'proxy' } }, { status: 503 });
        streamsOpened += 1;
        return fetch(input, init);
      },
    });
    const first = (await idsOf(name))[0];
    const f = follow(proxied, { model: name, after: first - 1 });
    await until(() => f.seen.length === 1, 'the replayed model.created by polling');
    await sc.tags.setModel(name, 'a', '1');
    await until(() => f.seen.length === 2, 'a change by polling');
    expect(f.statuses).not.toContain('streaming');
    expect(f.statuses).toContain('polling');
    streamUp = true;
    await until(() => f.statuses.includes('streaming'), 'the stream to be used again');
    await sc.tags.setModel(name, 'b', '2');
    await until(() => f.seen.length === 3, 'a change by the stream');
    expect(await f.stop()).toEqual(await idsOf(name));
    expect(streamsOpened).toBe(1);
  });

  it('drops a stream that goes silent and reopens it after the last event, repeating nothing', async () => {
    const name = uniqueName('feed-idle');
    await sc.models.create({ name });
    const resumedFrom: Array<string | null> = [];
    const counting = createClient({
      url: sc.url,
      fetch: async (input, init) => {
        if (isStream(input)) resumedFrom.push(lastEventId(init));
        return fetch(input, init);
      },
    });
    const f = follow(counting, { model: name, after: 0, idleMs: 150 });
    await until(() => f.seen.length === 1, 'model.created');
    // The registry's keep-alive comes every 15 s: a quiet 150 ms is taken for a dead connection.
    await until(() => resumedFrom.length >= 3, 'the silent stream to be reopened twice');
    await sc.tags.setModel(name, 'k', 'v');
    await until(() => f.seen.length === 2, 'the tag event');
    const all = await idsOf(name);
    expect(await f.stop()).toEqual(all);
    expect(resumedFrom.slice(2).every((id) => Number(id) >= all[0])).toBe(true);
  });

  it('refuses a type that does not exist at once, and retries it only when told to follow forever', async () => {
    const refused = await (async () => {
      for await (const _ of sc.events.follow({ type: 'model.nope', ...FAST })) return null;
      return null;
    })().catch((e) => e);
    expect(refused).toBeInstanceOf(StagecraftApiError);
    expect(refused.status).toBe(400);
    const errors: unknown[] = [];
    const controller = new AbortController();
    const forever = (async () => {
      for await (const _ of sc.events.follow({ type: 'model.nope', ...FAST, forever: true, signal: controller.signal, onStatus: (_s, e) => errors.push(e) })) break;
    })();
    await until(() => errors.length >= 3, 'three refused rounds');
    controller.abort();
    await forever;
    expect(errors.every((e) => e instanceof StagecraftApiError && e.status === 400)).toBe(true);
  });

  it('gives up after maxRetries rounds in which nothing answered', async () => {
    const statuses: FeedStatus[] = [];
    const dead = createClient({ url: 'http://127.0.0.1:1' });
    const err = await (async () => {
      for await (const _ of dead.events.follow({ ...FAST, maxRetries: 2, onStatus: (s) => statuses.push(s) })) break;
    })().catch((e) => e);
    expect(err).toBeInstanceOf(StagecraftUnreachableError);
    expect(statuses).toEqual(['failing', 'failing', 'failing']);
  });
});

describe.each(DATABASES)('the change-feed follower across a registry restart (%s)', (kind) => {
  const log = createLogger('silent');
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  });

  async function startRegistry(config: Config, port = 0) {
    const deps = await createDeps(config, { log });
    const { app } = await buildServer(deps);
    await app.listen({ host: '127.0.0.1', port });
    const stop = async () => {
      app.server.closeAllConnections();
      await app.close();
      await deps.close();
    };
    stops.push(stop);
    return { client: createClient({ url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }), port: (app.server.address() as AddressInfo).port, stop };
  }

  it('reconnects when the registry is back and misses nothing committed while it was away', async () => {
    const config = await testConfig(kind);
    let registry = await startRegistry(config);
    const name = uniqueName('feed-restart');
    await registry.client.models.create({ name });
    const f = follow(registry.client, { model: name, after: 0, forever: true });
    await until(() => f.seen.length === 1, 'model.created');

    await registry.stop();
    await until(() => f.statuses.at(-1) === 'failing', 'the follower to notice');
    // Another registry server on the same database takes a change while this one is down.
    const other = await startRegistry(config);
    await other.client.tags.setModel(name, 'while', 'away');
    await other.stop();

    registry = await startRegistry(config, registry.port);
    await until(() => f.seen.length === 2, 'the change made while away');
    await registry.client.tags.setModel(name, 'after', 'return');
    await until(() => f.seen.length === 3, 'a live change after the return');
    const all = (await registry.client.events.list({ model: name, order: 'asc' })).events.map((e) => e.id);
    expect(await f.stop()).toEqual(all);
    expect(f.statuses.at(-1)).toBe('streaming');
  });
});
