// Upload temp files cut short by a crash are debris: swept when the server starts and then
// periodically, so a kill -9 mid-upload never leaves gigabytes behind for good. The blob store
// decides what is debris (its writer is gone, or it is older than the longest allowed upload);
// uploads in progress are never touched.
import type { App } from '../../http/app-types.js';
import type { Deps } from '../deps.js';

const MAX_INTERVAL_MS = 10 * 60_000;

export function registerTempSweep(app: App, deps: Deps): void {
  const maxUploadMs = deps.config.maxUploadSeconds * 1000;
  const everyMs = Math.max(1000, Math.min(MAX_INTERVAL_MS, maxUploadMs / 2));
  let timer: NodeJS.Timeout | undefined;
  const sweep = async (when: string) => {
    try {
      const { removed, bytes } = await deps.blobs.sweepTemp();
      if (removed > 0) deps.log.info({ removed, bytes }, `removed ${removed} stale upload temp file(s), ${(bytes / 1024 ** 2).toFixed(1)} MB, ${when}`);
    } catch (err) {
      deps.log.warn({ err }, 'could not sweep upload temp files');
    }
  };
  app.addHook('onReady', async () => {
    await sweep('at start');
    timer = setInterval(() => void sweep('in the periodic sweep'), everyMs);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}
