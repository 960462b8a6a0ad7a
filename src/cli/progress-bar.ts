// Progress of long transfers on stderr: a bar on a terminal only, never in --json output, pipes or
// CI logs (where a bar is noise and stdout must stay the result alone).
import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Progress } from '../../sdk/node.js';
import type { CliContext } from './cli-context.js';
import { bytes } from './table.js';

export function progressBar(ctx: CliContext, what: string): { update: Progress; stop: () => void } | null {
  const stderr = ctx.io.stderr;
  if (!stderr.isTTY || ctx.globals().json) return null;
  const bar = new cliProgress.SingleBar(
    { stream: stderr as NodeJS.WritableStream, format: `${what} [{bar}] {percentage}% {done}/{size}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update: (done, total) => {
      if (!started) bar.start(total, 0, { done: bytes(0), size: bytes(total) });
      started = true;
      bar.update(done, { done: bytes(done) });
    },
    stop: () => {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}

/** A file as a request body that reports how much of it has been read (= handed to the socket). */
export function meteredFileBody(file: string, onProgress?: Progress): BodyInit {
  const total = fs.statSync(file).size;
  let done = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, next) {
      done += chunk.length;
      onProgress?.(done, total);
      next(null, chunk);
    },
  });
  const source = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
  source.once('error', (err) => meter.destroy(err));
  return Readable.toWeb(source.pipe(meter)) as unknown as BodyInit;
}
