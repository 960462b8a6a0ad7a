// Real SQLite and real PostgreSQL for the same test files. PostgreSQL comes from
// STAGECRAFT_TEST_PG_URL (an admin URL; each suite gets its own fresh database). With
// STAGECRAFT_TEST_REQUIRE_PG=1 (CI) a missing PostgreSQL fails the run instead of skipping it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { defaultConfig, type Config } from '../src/config.js';
import { createDeps, type Deps, type DepsOverrides } from '../src/deps.js';
import type { App } from '../src/http/app-types.js';
import { createLogger } from '../src/log.js';
import type { Extension } from '../src/extension.js';
import { buildServer } from '../src/server.js';
import { tempDir } from './temp-dirs.js';

export type DbKind = 'sqlite' | 'postgres';

const PG_URL = process.env.STAGECRAFT_TEST_PG_URL;
if (process.env.STAGECRAFT_TEST_REQUIRE_PG === '1' && !PG_URL) {
  throw new Error('STAGECRAFT_TEST_REQUIRE_PG=1 but STAGECRAFT_TEST_PG_URL is not set: PostgreSQL is required for this run');
}

export const DATABASES: DbKind[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
export const hasPostgres = !!PG_URL;

/** A fresh, empty PostgreSQL database; returns its URL. */
export async function freshPostgresUrl(): Promise<string> {
  const name = `sc_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

// Re-exported: tests and helpers have always taken tempDir from here.
export { tempDir };

export async function testConfig(kind: DbKind, overrides: Partial<Config> = {}): Promise<Config> {
  return {
    ...defaultConfig(),
    dataDir: tempDir(),
    databaseUrl: kind === 'postgres' ? await freshPostgresUrl() : null,
    logLevel: 'silent',
    ...overrides,
  };
}

export async function makeDeps(kind: DbKind, config: Partial<Config> = {}, overrides: DepsOverrides = {}): Promise<Deps> {
  return createDeps(await testConfig(kind, config), { log: createLogger('silent'), ...overrides });
}

export interface Registry {
  deps: Deps;
  app: App;
}

/**
 * Per-file registry on a fresh database: `const r = useRegistry(kind)` then r.app / r.deps in tests.
 * Extensions come from the server's own list: `serverExtensions(opts).pick('serving', 'observe')`.
 */
export function useRegistry(
  kind: DbKind,
  opts: { config?: Partial<Config>; overrides?: DepsOverrides; extensions?: Extension[] | ((deps: Deps) => Extension[]) } = {},
): Registry {
  const holder = {} as Registry;
  beforeAll(async () => {
    const deps = await makeDeps(kind, opts.config, opts.overrides);
    const server = await buildServer(deps, typeof opts.extensions === 'function' ? opts.extensions(deps) : opts.extensions);
    holder.deps = server.deps;
    holder.app = server.app;
    await holder.app.ready();
  });
  afterAll(async () => {
    await holder.app?.close();
    await holder.deps?.close();
  });
  return holder;
}

let counter = 0;
/** Unique model names so tests in one file never collide. */
export function uniqueName(base: string): string {
  counter += 1;
  return `${base}-${counter}-${randomBytes(2).toString('hex')}`;
}
