// Retention of served predictions is the user's to set (`--prediction-retention-days`,
// `--prediction-max-rows`, or their STAGECRAFT_* variables): the whole server, as `stagecraft server`
// composes it, serves real ONNX requests, and labels for predictions past retention come back unmatched.
import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { configuredExtensions } from '../src/server.js';
import { runAgainst } from './cli-harness.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { servedOnnxModel, v2Body } from './gateway-fixtures.js';
import { call } from './http.js';
import { manualClock } from './monitoring-traffic.js';

const HOUR = 3600_000;

function useServer(kind: Parameters<typeof useRegistry>[0], config: Partial<Config>) {
  const clock = manualClock(Date.now());
  const r = useRegistry(kind, { config, overrides: { clock }, extensions: (deps) => configuredExtensions(deps).all() });
  return { r, clock };
}

describe.each(DATABASES)('prediction retention settings on %s', (kind) => {
  const servedModel = (r: ReturnType<typeof useRegistry>) => servedOnnxModel(r.app, uniqueName('fraud'));

  async function serve(r: ReturnType<typeof useRegistry>, name: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await call(r.app, 'POST', `/v2/models/${name}/infer`, v2Body([[i, 1, 2]]));
      expect(res.status).toBe(200);
      ids.push(res.headers['stagecraft-request-id'] as string);
    }
    return ids;
  }

  const labels = (ids: string[]) => ({ items: ids.map((request_id) => ({ request_id, label: 1 })) });

  describe('--prediction-retention-days 1', () => {
    const { r, clock } = useServer(kind, { predictionRetentionDays: 1 });

    it('joins labels within a day, and a day and a half later answers them unmatched', async () => {
      const name = await servedModel(r);
      const ids = await serve(r, name, 3);
      clock.t += 12 * HOUR;
      expect((await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, labels(ids))).body).toEqual({ accepted: 3, unmatched: 0 });
      clock.t += 24 * HOUR;
      expect((await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, labels(ids))).body).toEqual({ accepted: 0, unmatched: 3 });
    });
  });

  describe('--prediction-max-rows 5', () => {
    const { r, clock } = useServer(kind, { predictionMaxRows: 5 });

    it('keeps the newest five predictions and drops older written batches whole, oldest first', async () => {
      const name = await servedModel(r);
      // Feedback writes this server's buffered predictions first: two batches, of three and five,
      // are in the database before the clock moves (a write racing the clock would prune fewer).
      const flushed = async () => expect((await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, labels(['never-served']))).body).toEqual({ accepted: 0, unmatched: 1 });
      const ids = await serve(r, name, 3);
      await flushed();
      ids.push(...(await serve(r, name, 5)));
      await flushed();
      // Retention is enforced once a minute; well within the default 7 days.
      clock.t += 2 * 60_000;
      const res = await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, labels(ids));
      expect(res.body).toEqual({ accepted: 5, unmatched: 3 });
      // Which ones: the newest five are still joinable.
      clock.t += 2 * 60_000;
      expect((await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, labels(ids.slice(3)))).body).toEqual({ accepted: 5, unmatched: 0 });
    });
  });
});

describe('prediction retention flags', () => {
  it('refuses a retention that is not a positive number, naming the flag, before starting anything', async () => {
    const days = await runAgainst('http://127.0.0.1:9', ['server', '--prediction-retention-days', 'a week']);
    expect(days.code).toBe(2);
    expect(days.stderr).toContain('--prediction-retention-days must be a positive number, got "a week"');
    const rows = await runAgainst('http://127.0.0.1:9', ['server', '--prediction-max-rows', '2.5']);
    expect(rows.code).toBe(2);
    expect(rows.stderr).toContain('--prediction-max-rows must be a positive whole number, got "2.5"');
  });
});
