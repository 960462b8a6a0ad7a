// The statement cache (issue 18.4): statements are reused after migration, not before, answers stay
// the same (a reused statement re-reads the table), and on PostgreSQL the hot reads really run as
// named prepared statements of the session.
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DATABASES, freshPostgresUrl, tempDir } from '../../test/databases.js';
import { migrate, openDatabase } from './database.js';
import { StatementCache } from './statement-cache.js';

describe('StatementCache', () => {
  it('makes every time while disabled, then reuses by SQL text and drops the oldest when full', () => {
    const cache = new StatementCache<object>(2);
    const a1 = cache.get('a', () => ({}));
    expect(cache.get('a', () => ({}))).not.toBe(a1);
    expect(cache.stats()).toEqual({ hits: 0, misses: 0, size: 0 });
    cache.enable();
    const a = cache.get('a', () => ({}));
    expect(cache.get('a', () => ({}))).toBe(a);
    cache.get('b', () => ({}));
    cache.get('c', () => ({}));
    expect(cache.has('a')).toBe(false);
    expect(cache.stats()).toEqual({ hits: 1, misses: 3, size: 2 });
    cache.disable();
    expect(cache.stats().size).toBe(0);
  });
});

describe.each(DATABASES)('prepared statements on %s', (kind) => {
  async function open() {
    return openDatabase({ databaseUrl: kind === 'postgres' ? await freshPostgresUrl() : null, sqliteFile: path.join(tempDir(), 'registry.sqlite') });
  }
  const model = (id: string, name: string) => ({ id, name, description: '', created_at: 1, updated_at: 1, last_version: 0, created_by: 't', deleted_at: null });

  it('reuses a statement for the same query, with fresh answers each time, inside and outside transactions', async () => {
    const opened = await open();
    try {
      const byName = (name: string) => opened.db.selectFrom('models').select(['id', 'description']).where('name', '=', name).executeTakeFirst();
      await opened.db.insertInto('models').values(model('m1', 'one')).execute();
      expect(await byName('one')).toEqual({ id: 'm1', description: '' });
      const before = opened.statements.stats();
      expect(await byName('two')).toBeUndefined();
      await opened.db.transaction().execute(async (trx) => {
        await trx.insertInto('models').values(model('m2', 'two')).execute();
        await trx.updateTable('models').set({ description: 'changed' }).where('id', '=', 'm1').execute();
      });
      expect(await byName('two')).toEqual({ id: 'm2', description: '' });
      expect(await byName('one')).toEqual({ id: 'm1', description: 'changed' });
      const after = opened.statements.stats();
      // The same SELECT ran three more times, all from the cache.
      expect(after.hits - before.hits).toBeGreaterThanOrEqual(3);
    } finally {
      await opened.close();
    }
  });

  it('is off and empty while migrations run, so an ALTER never meets a cached statement', async () => {
    const opened = await open();
    try {
      await opened.db.selectFrom('models').select('id').where('name', '=', 'x').execute();
      expect(opened.statements.stats().size).toBeGreaterThan(0);
      await migrate(opened);
      expect(opened.statements.stats().size).toBe(0);
      const { hits } = opened.statements.stats();
      await opened.db.selectFrom('models').select('id').where('name', '=', 'x').execute();
      await opened.db.selectFrom('models').select('id').where('name', '=', 'x').execute();
      expect(opened.statements.stats()).toMatchObject({ hits, size: 0 });
      opened.statements.enable();
    } finally {
      await opened.close();
    }
  });

  it.runIf(kind === 'postgres')('runs parameterised queries as named statements of the session', async () => {
    const opened = await open();
    try {
      const names = await opened.db.connection().execute(async (conn) => {
        await conn.selectFrom('models').select('id').where('name', '=', 'x').execute();
        await conn.selectFrom('models').select('id').where('name', '=', 'y').execute();
        return sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(conn);
      });
      const ours = names.rows.filter((r) => r.statement.includes('from "models"'));
      expect(ours).toHaveLength(1);
      expect(ours[0].name).toMatch(/^sc_/);
    } finally {
      await opened.close();
    }
  });
});
