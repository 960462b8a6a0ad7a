// One archive sent to the server's import (POST /api/v1/models/import), for `stagecraft import`
// and `stagecraft gto import`.
import path from 'node:path';
import type { ImportResult } from '../../sdk/types.js';
import type { CliContext } from './cli-context.js';
import { meteredFileBody, progressBar } from './progress-bar.js';

/**
 * Sends an archive to the server's import, with a progress bar on a terminal: a big archive takes
 * minutes to send, and the server answers only once every blob in it is stored and verified
 * (after the bar's end, "verifying and writing" is that wait).
 */
export async function importArchive(ctx: CliContext, file: string, as?: string): Promise<ImportResult> {
  const progress = progressBar(ctx, `importing ${path.basename(file)}`);
  let sent = false;
  const body = meteredFileBody(file, (done, total) => {
    progress?.update(done, total);
    if (done === total && !sent && progress) {
      sent = true;
      progress.stop();
      ctx.io.stderr.write('sent; the server is verifying and writing it…\n');
    }
  });
  try {
    return await ctx.client().transfer.import(body, { as });
  } finally {
    progress?.stop();
  }
}
