// Prepared queries (issue 18.4): values bind to the right parameters whatever order the query
// uses them in, constants of the build stay, a transaction's uncommitted rows are seen through it,
// and the query counter counts each run — on both databases.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASES, freshPostgresUrl, tempDir } from '../../test/databases.js';
import { openDatabase } from './database.js';
import { preparedQuery } from './prepared-query.js';
import { QueryCounter } from './query-counter.js';
import type {} from '../registry/models/models.js'; // the models table's type, declared beside its store

const model = (id: string, name: string, description: string, updated: number) => ({
  id,
  name,
  description,
  created_at: 1,
  updated_at: updated,
  last_version: 0,
  created_by: 't',
  deleted_at: null,
});

// The values are used in an order unlike the object's (and `name` twice); a constant sits between them.
const pick = preparedQuery((db, p: { name: string; after: number; description: string }) =>
  db
    .selectFrom('models')
    .select(['id'])
    .where('updated_at', '>', p.after)
    .where('created_by', '=', 't')
    .where((eb) => eb.or([eb('name', '=', p.name), eb('description', '=', p.description)]))
    .where('name', '!=', `${'x'}-never`)
    .where((eb) => eb.or([eb('name', '=', p.name), eb('name', 'is', null)]))
    .orderBy('id'),
);

describe.each(DATABASES)('preparedQuery on %s', (kind) => {
  it('binds each call’s values by name, in a transaction too, and is counted', async () => {
    const opened = await openDatabase({ databaseUrl: kind === 'postgres' ? await freshPostgresUrl() : null, sqliteFile: path.join(tempDir(), 'r.sqlite') });
    try {
      const { db } = opened;
      await db.insertInto('models').values([model('a', 'alpha', 'first', 10), model('b', 'beta', 'second', 20), model('c', 'gamma', 'third', 30)]).execute();
      expect(await pick(db, { name: 'beta', after: 0, description: 'none' })).toEqual([{ id: 'b' }]);
      // Swapped values would find other rows (or none): each lands where its name is used.
      expect(await pick(db, { name: 'alpha', after: 5, description: 'third' })).toEqual([{ id: 'a' }]);
      expect(await pick(db, { name: 'alpha', after: 15, description: 'third' })).toEqual([]);
      expect(await pick(db, { description: 'first', after: 25, name: 'gamma' })).toEqual([{ id: 'c' }]);

      const counter = new QueryCounter();
      expect(await pick(db.withPlugin(counter), { name: 'beta', after: 0, description: 'x' })).toEqual([{ id: 'b' }]);
      expect(counter.count).toBe(1);

      await db.transaction().execute(async (trx) => {
        await trx.insertInto('models').values(model('d', 'delta', 'fourth', 40)).execute();
        expect(await pick(trx, { name: 'delta', after: 0, description: '' })).toEqual([{ id: 'd' }]);
        throw new Error('roll back');
      }).catch((e: unknown) => expect(String(e)).toContain('roll back'));
      expect(await pick(db, { name: 'delta', after: 0, description: '' })).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('refuses a build that turns a slot into something else than a parameter', async () => {
    const opened = await openDatabase({ databaseUrl: kind === 'postgres' ? await freshPostgresUrl() : null, sqliteFile: path.join(tempDir(), 'r.sqlite') });
    try {
      // A template literal makes a constant '[object Object]' of the slot: it would never bind.
      const bad = preparedQuery((db, p: { name: string }) => db.selectFrom('models').select(['id']).where('name', '=', `${p.name}`));
      await expect(bad(opened.db, { name: 'alpha' })).rejects.toThrow(/name not sent as parameters/);
    } finally {
      await opened.close();
    }
  });
});
