// Migration 0018 on a database with tokens made before it: they keep working, and now expire 90 days
// after the upgrade (the grace to rotate them) instead of never.
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../deps.js';
import { postgresCaps, sqliteCaps } from '../../db/dialect.js';
import { migrationProvider } from '../../db/migrations/index.js';
import { sha256Hex } from '../../blobs/verify.js';
import { DATABASES, freshPostgresUrl, makeDeps, tempDir } from '../../../test/databases.js';
import { buildServer } from '../../server.js';
import { call } from '../../../test/http.js';

const DAY = 24 * 3600 * 1000;

describe.each(DATABASES)('migration 0018 on %s', (kind) => {
  let deps: Deps | undefined;
  afterEach(async () => {
    await deps?.close();
    deps = undefined;
  });

  it('gives tokens made before it 90 days from the upgrade, and they keep working until then', async () => {
    const dataDir = tempDir();
    const databaseUrl = kind === 'postgres' ? await freshPostgresUrl() : null;
    const old =
      kind === 'postgres'
        ? // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a database at migration 0016, before the live schema
          { db: new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl! }) }) }), caps: postgresCaps }
        : // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
          { db: new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path.join(dataDir, 'registry.sqlite')) }) }), caps: sqliteCaps };
    const migrated = await new Migrator({ db: old.db, provider: migrationProvider(old.caps), allowUnorderedMigrations: true }).migrateTo('0016-imports');
    expect(migrated.error).toBeUndefined();
    const base = { role: 'deployer', created_by: 'local', created_at: Date.now() - 400 * DAY };
    await old.db
      .insertInto('tokens')
      .values([
        { id: 'a', name: 'old-ci', token_hash: sha256Hex('sc_old_ci'), revoked_at: null, ...base },
        { id: 'b', name: 'old-revoked', token_hash: sha256Hex('sc_old_revoked'), revoked_at: Date.now() - DAY, ...base },
      ])
      .execute();
    await old.db.destroy();

    const before = Date.now();
    deps = await makeDeps(kind, { dataDir, databaseUrl });
    const rows = await deps.db.selectFrom('tokens').select(['name', 'expires_at', 'last_used_at']).orderBy('name').execute();
    expect(rows[0]).toMatchObject({ name: 'old-ci', last_used_at: null });
    expect(Number(rows[0].expires_at)).toBeGreaterThanOrEqual(before + 90 * DAY);
    expect(Number(rows[0].expires_at)).toBeLessThanOrEqual(Date.now() + 90 * DAY);
    expect(rows[1]).toMatchObject({ name: 'old-revoked', expires_at: null });
    const { app } = await buildServer(deps, []);
    expect((await call(app, 'GET', '/api/v1/whoami', undefined, { authorization: 'Bearer sc_old_ci' })).body).toMatchObject({ name: 'old-ci', role: 'deployer' });
    await app.close();
  });
});
