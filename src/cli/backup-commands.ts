// stagecraft backup --out FILE: the server streams a consistent backup of its database and blobs;
// it lands in a temporary file beside FILE and is renamed only once complete, so FILE is never a
// cut-off archive. stagecraft restore FILE: local — rebuilds the backup into an empty data directory
// or database (see src/backup/restore.ts); a server started on it serves what the backup held.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import tar from 'tar-stream';
import { openBlobStore } from '../blobs/open-blob-store.js';
import { MANIFEST_ENTRY, type BackupManifest } from '../backup/backup-format.js';
import { restoreBackup, RestoreError } from '../backup/restore.js';
import { configFromEnv, type Config } from '../config.js';
import { isPostgresUrl, openUnmigrated } from '../db/database.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { addExamples } from './help-examples.js';

interface RestoreFlags {
  dataDir?: string;
  databaseUrl?: string;
  artifactsUrl?: string;
  s3Endpoint?: string;
}

export function backupCommands(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description('write a consistent backup of the whole registry (database rows and artifact bytes) to FILE (admin); writers keep running')
    .requiredOption('--out <file>', 'the archive to write (a tar)')
    .action(async (o: { out: string }) => {
      const out = path.resolve(o.out);
      const partial = `${out}.partial-${process.pid}`;
      const res = await ctx.client().backup();
      try {
        await pipeline(Readable.fromWeb(res.body! as Parameters<typeof Readable.fromWeb>[0]), fs.createWriteStream(partial));
        await fs.promises.rename(partial, out);
      } catch (err) {
        await fs.promises.rm(partial, { force: true });
        throw new CliError(`the backup was cut off (${(err as Error).message}); ${o.out} was not written — see the server's log`, EXIT.refused);
      }
      const manifest = await readManifestOf(out);
      const size = (await fs.promises.stat(out)).size;
      const rows = manifest.tables.reduce((a, t) => a + t.rows, 0);
      ctx.out().result({ file: out, bytes: size, ...manifest }, () =>
        ctx.out().line(`backup written to ${o.out}: ${manifest.tables.length} tables, ${rows} rows, ${manifest.blobs.count} blobs, ${mb(size)} (schema ${manifest.schema}, ${manifest.db})`),
      );
    });

  program
    .command('restore <file>')
    .description('rebuild a backup into an EMPTY data directory or database (local; verifies every blob; refuses a target that holds anything)')
    .option('--data-dir <dir>', 'the data directory to restore into (SQLite file and artifact bytes; env STAGECRAFT_DATA_DIR)')
    .option('--database-url <url>', 'restore the rows into this PostgreSQL database instead of SQLite (env STAGECRAFT_DATABASE_URL)')
    .option('--artifacts-url <url>', "restore the bytes into this artifact store (s3://bucket/prefix or a directory; env STAGECRAFT_ARTIFACTS_URL; default: the data directory's blobs/)")
    .option('--s3-endpoint <url>', 'an S3-compatible endpoint (MinIO, Ceph…), path-style (env AWS_ENDPOINT_URL)')
    .action(async (file: string, o: RestoreFlags) => {
      const config = restoreConfig(ctx, o);
      const sqliteFile = path.join(path.resolve(config.dataDir), 'registry.sqlite');
      const blobDir = path.join(path.resolve(config.dataDir), 'blobs');
      const created = { sqlite: !isPostgresUrl(config.databaseUrl) && !fs.existsSync(sqliteFile), blobs: !fs.existsSync(blobDir) };
      const archive = fs.createReadStream(file);
      await new Promise<void>((resolve, reject) => archive.once('open', () => resolve()).once('error', (err) => reject(new CliError(`cannot read ${file}: ${err.message}`, EXIT.usage))));
      // The same artifact store the server would open with these settings.
      const blobs = await openBlobStore({ ...config, defaultDir: blobDir, maxUploadMs: config.maxUploadSeconds * 1000 });
      const opened = openUnmigrated({ databaseUrl: config.databaseUrl, sqliteFile });
      let ok = false;
      try {
        const result = await restoreBackup(archive, { opened, blobs });
        ok = true;
        ctx.out().result(result, () =>
          ctx.out().line(`restored ${result.rows} rows and ${result.blobs} blobs (${mb(result.bytes)}, every sha256 verified) from a ${result.manifest.db} backup of ${result.manifest.created_at} into ${isPostgresUrl(config.databaseUrl) ? 'PostgreSQL' : sqliteFile}`),
        );
      } catch (err) {
        if (err instanceof RestoreError) throw new CliError(`restore refused: ${err.message}`, EXIT.refused);
        // An unreadable archive (not a tar, cut off mid-entry) or a database error: the rows were rolled back.
        throw new CliError(`restore failed: ${(err as Error).message}; nothing was restored`, EXIT.refused);
      } finally {
        await opened.close();
        blobs.close?.();
        // Leave the target as it was: what this run created goes (the rows were rolled back already).
        if (!ok && created.sqlite) for (const f of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`]) await fs.promises.rm(f, { force: true });
        if (!ok && created.blobs) await fs.promises.rm(blobDir, { recursive: true, force: true });
      }
    });
  addExamples(program);
}

function restoreConfig(ctx: CliContext, o: RestoreFlags): Config {
  const config = configFromEnv(ctx.io.env);
  return {
    ...config,
    dataDir: o.dataDir ?? config.dataDir,
    databaseUrl: o.databaseUrl ?? config.databaseUrl,
    artifactsUrl: o.artifactsUrl ?? config.artifactsUrl,
    s3Endpoint: o.s3Endpoint ?? config.s3Endpoint,
  };
}

async function readManifestOf(file: string): Promise<BackupManifest> {
  const extract = tar.extract();
  const source = fs.createReadStream(file);
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      if (entry.header.name !== MANIFEST_ENTRY) break;
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as BackupManifest;
    }
  } finally {
    source.destroy();
    extract.destroy();
  }
  throw new CliError(`${file} does not start with a backup manifest`, EXIT.refused);
}

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
