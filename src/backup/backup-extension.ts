// Backup as a server route (admin): the archive is written from the server's own database and blob
// store (whatever kind each is), streamed to the caller; `stagecraft backup --out FILE` saves it.
import tar from 'tar-stream';
import type { Extension } from '../extension.js';
import type { App } from '../http/app-types.js';
import type { Deps } from '../registry/index.js';
import { writeBackup } from './backup-writer.js';

export function backupExtension(): Extension {
  return { name: 'backup', routes: (app, ctx) => backupRoutes(app, ctx.deps) };
}

function backupRoutes(app: App, deps: Deps): void {
  app.get(
    '/api/v1/backup',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['admin'],
        summary:
          'A consistent backup of the whole registry as a tar stream (application/x-tar): every table of one snapshot, then every blob its rows reference; `stagecraft restore` rebuilds it',
      },
    },
    async (_req, reply) => {
      const pack = tar.pack();
      // A failure mid-stream destroys the pack: the client sees a cut-off download, never a short archive that looks whole.
      writeBackup({ db: deps.db, dialect: deps.caps.name, pgPool: deps.pgPool }, deps.blobs, pack).catch((err: unknown) => deps.log.error({ err }, 'backup failed'));
      reply.header('content-type', 'application/x-tar');
      reply.header('content-disposition', `attachment; filename="stagecraft-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar"`);
      return reply.send(pack);
    },
  );
}
