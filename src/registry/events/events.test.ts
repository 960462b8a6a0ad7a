import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { createDeps } from '../../deps.js';
import { buildServer } from '../../server.js';
import { createLogger } from '../../log.js';
import { DATABASES, hasPostgres, testConfig, uniqueName, useRegistry } from '../../../test/databases.js';
import { call, createModel, promote, registerVersion } from '../../../test/http.js';
import { sql, type KyselyPlugin, type PluginTransformQueryArgs } from 'kysely';
import { EventFeed } from './event-feed.js';
import { commit } from './events-service.js';
import type { RegistryEvent } from './events.js';

/**
 * Reads SSE events from a listening server until `count` arrived (bounded by a timeout). `opened`
 * resolves when the server's greeting arrives: the server subscribes to the feed before it writes
 * the greeting, so from then on every commit reaches this stream.
 */
function readStream(port: number, path: string, count: number, headers: Record<string, string> = {}, opened: () => void = () => {}): Promise<RegistryEvent[]> {
  return new Promise((resolve, reject) => {
    const got: RegistryEvent[] = [];
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`only ${got.length} of ${count} events arrived`));
    }, 10_000);
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      let buf = '';
      res.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        opened();
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data) got.push(JSON.parse(data.slice(6)) as RegistryEvent);
          if (got.length >= count) {
            clearTimeout(timer);
            req.destroy();
            resolve(got);
          }
        }
      });
    });
    req.on('error', () => {});
  });
}

describe.each(DATABASES)('audit log and change feed on %s', (kind) => {
  const r = useRegistry(kind);

  it('pages the audit log with a cursor and filters by type and time', async () => {
    const name = uniqueName('paged');
    await createModel(r.app, name);
    for (let i = 0; i < 5; i++) await registerVersion(r.app, name, { 'm.bin': `${name}-${i}` });
    const first = (await call(r.app, 'GET', `/api/v1/events?model=${name}&limit=4`)).body;
    expect(first.events.map((e: RegistryEvent) => e.type)).toEqual(Array(4).fill('version.created'));
    expect(first.next_cursor).not.toBeNull();
    const second = (await call(r.app, 'GET', `/api/v1/events?model=${name}&limit=4&cursor=${first.next_cursor}`)).body;
    expect(second.events.map((e: RegistryEvent) => e.type)).toEqual(['version.created', 'model.created']);
    expect(second.next_cursor).toBeNull();
    const ids = [...first.events, ...second.events].map((e: RegistryEvent) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const created = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=model.created`)).body.events;
    expect(created).toHaveLength(1);
    const future = (await call(r.app, 'GET', `/api/v1/events?model=${name}&since=2999-01-01T00:00:00Z`)).body.events;
    expect(future).toHaveLength(0);
    expect((await call(r.app, 'GET', '/api/v1/events?since=yesterday')).status).toBe(400);
  });

  it('streams changes as they commit and resumes from Last-Event-ID without gaps or repeats', async () => {
    const name = uniqueName('stream');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': `${name}-1` });
    await r.app.listen({ host: '127.0.0.1', port: 0 }).catch(() => {});
    const { port } = r.app.server.address() as AddressInfo;
    let subscribed!: () => void;
    const open = new Promise<void>((res) => (subscribed = res));
    const live = readStream(port, `/api/v1/events/stream?model=${encodeURIComponent(name)}`, 1, {}, subscribed);
    await open;
    await promote(r.app, name, 1);
    const events = await live;
    expect(events.map((e) => e.type)).toEqual(['version.stage_changed']);
    expect(events[0]).toMatchObject({ model: name, version: 1, to: 'Production' });

    const all = (await call(r.app, 'GET', `/api/v1/events?model=${name}&order=asc`)).body.events as RegistryEvent[];
    const resumed = await readStream(port, `/api/v1/events/stream?model=${encodeURIComponent(name)}`, all.length - 1, {
      'last-event-id': String(all[0].id),
    });
    expect(resumed.map((e) => e.id)).toEqual(all.slice(1).map((e) => e.id));
  });
});

describe('change feed at shutdown', () => {
  it('ends open streams when the server closes, so an open UI tab never holds a restart', async () => {
    const deps = await createDeps(await testConfig('sqlite'), { log: createLogger('silent') });
    const { app } = await buildServer(deps);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    let opened: () => void;
    const open = new Promise<void>((r) => (opened = r));
    const ended = new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/v1/events/stream' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
          opened();
        });
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    await open;
    // Without ending the stream, close() waits for it forever (the test would time out).
    await app.close();
    expect(await ended).toContain('stagecraft event stream');
    await deps.close();
  });
});

describe.skipIf(!hasPostgres)('change feed across servers on PostgreSQL', () => {
  it('the first event insert of a transaction takes the event-log lock, held to the commit; the events get ids in order', async () => {
    const deps = await createDeps(await testConfig('postgres'), { log: createLogger('silent') });
    try {
      const held = () =>
        sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 7340001 and granted and pid = pg_backend_pid()`;
      const seen: number[] = [];
      const ids = await commit(deps, async (trx, append) => {
        seen.push((await held().execute(trx)).rows[0].n);
        const first = await append({ actor: 'test', type: 'model.created', details: {} });
        seen.push((await held().execute(trx)).rows[0].n);
        const second = await append({ actor: 'test', type: 'model.created', details: {} });
        return [first, second];
      });
      expect(seen).toEqual([0, 1]);
      expect(ids[1]).toBeGreaterThan(ids[0]);
      const stored = (await deps.db.selectFrom('events').selectAll().where('id', 'in', ids).orderBy('id').execute()).map((e) => [e.actor, e.type, e.details]);
      expect(stored).toEqual([
        ['test', 'model.created', '{}'],
        ['test', 'model.created', '{}'],
      ]);
    } finally {
      await deps.close();
    }
  });

  it('several events in one insert: the lock taken by it when first, gap-free ids in the given order, values kept as given', async () => {
    const deps = await createDeps(await testConfig('postgres'), { log: createLogger('silent') });
    try {
      const held = () =>
        sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 7340001 and granted and pid = pg_backend_pid()`;
      const odd = ['quote " and \\ backslash', "it's {a,b} NULL", 'ünï ✓', ''];
      const seen: number[] = [];
      const ids = await commit(deps, async (trx, _append, appendAll) => {
        seen.push((await held().execute(trx)).rows[0].n);
        const first = await appendAll(odd.map((reason, i) => ({ actor: `a${i}`, type: 'model.created' as const, version: i === 2 ? null : i, reason, details: { reason } })));
        seen.push((await held().execute(trx)).rows[0].n);
        const more = await appendAll([{ actor: 'b', type: 'model.created', details: {} }, { actor: 'c', type: 'model.created', details: {} }]);
        return [...first, ...more];
      });
      expect(seen).toEqual([0, 1]);
      expect(ids).toEqual(ids.map((_, i) => ids[0] + i));
      const stored = await deps.db.selectFrom('events').selectAll().where('id', 'in', ids).orderBy('id').execute();
      expect(stored.map((e) => [Number(e.id), e.actor, e.version, e.reason, e.details])).toEqual([
        ...odd.map((reason, i) => [ids[i], `a${i}`, i === 2 ? null : i, reason, JSON.stringify({ reason })]),
        [ids[4], 'b', null, null, '{}'],
        [ids[5], 'c', null, null, '{}'],
      ]);
    } finally {
      await deps.close();
    }
  });

  it('reads the log for a NOTIFY only when it names an event past what the feed read', async () => {
    const config = await testConfig('postgres');
    const a = await createDeps(config, { log: createLogger('silent') });
    const { app: appA } = await buildServer(a);
    let reads = 0;
    const counter: KyselyPlugin = {
      transformQuery: (args: PluginTransformQueryArgs) => ((reads += 1), args.node),
      transformResult: async (args) => args.result,
    };
    const feed = new EventFeed(a.db.withPlugin(counter), createLogger('silent'), a.pgPool);
    await feed.start();
    // Without the safety poll (a read every second) only NOTIFYs and pokes read.
    clearInterval((feed as unknown as { timer: NodeJS.Timeout }).timer);
    try {
      const name = uniqueName('notified');
      const seen = new Promise<RegistryEvent>((resolve) => feed.subscribe((e) => e.model === name && resolve(e)));
      await createModel(appA, name);
      const event = await seen;
      await feed.poke();
      const settled = reads;
      // The NOTIFY of an event already read: no read (a local commit's own NOTIFY comes after its poke's read).
      const listen = (feed as unknown as { listenClient: { emit(ev: string, msg: unknown): void } }).listenClient;
      listen.emit('notification', { channel: 'stagecraft_events', payload: String(event.id) });
      await new Promise((r) => setTimeout(r, 50));
      expect(reads).toBe(settled);
      // One past the cursor (another server's commit), or one without an id: read.
      listen.emit('notification', { channel: 'stagecraft_events', payload: String(event.id + 1000) });
      await feed.poke();
      expect(reads).toBeGreaterThan(settled);
      const after = reads;
      listen.emit('notification', { channel: 'stagecraft_events', payload: '' });
      await feed.poke();
      expect(reads).toBeGreaterThan(after);
    } finally {
      await feed.stop();
      await appA.close();
      await a.close();
    }
  });

  it('delivers a change committed on one server to the feed of another', async () => {
    const config = await testConfig('postgres');
    const a = await createDeps(config, { log: createLogger('silent') });
    const b = await createDeps(config, { log: createLogger('silent') });
    const { app: appA } = await buildServer(a);
    try {
      const seen = new Promise<RegistryEvent>((resolve) => {
        const off = b.feed.subscribe((e) => {
          if (e.type === 'model.created') {
            off();
            resolve(e);
          }
        });
      });
      const name = uniqueName('cross');
      await createModel(appA, name);
      const event = await seen;
      expect(event.model).toBe(name);
    } finally {
      await appA.close();
      await a.close();
      await b.close();
    }
  });
});
