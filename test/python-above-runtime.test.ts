// Issue 16 point 7, "nothing above the runtime changes": per-version stats and Prometheus, retained
// predictions and feedback joins, drift, the guard, canary, shadow and drills work for versions the
// Python runtime serves — real Python, real MLflow, real scikit-learn, real inference through the
// gateway (no observation injected). The same patterns as the ONNX tests, each kept small.
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketOf } from '../src/experiments/rollouts.js';
import { CanarySplit } from '../src/experiments/traffic-split.js';
import { ShadowMirror } from '../src/experiments/shadow-mirror.js';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { eventually, waitConverged } from './gateway-fixtures.js';
import { call, createModel, registerVersion } from './http.js';
import { manualClock, rng } from './monitoring-traffic.js';
import { stage } from './promotion-fixtures.js';
import { dirFiles, makeMorePythonModels, makePythonModels, PYTHON, PYTHON_SKIP, usePythonEnv, type Expected, type ExpectedMore } from './python-models.js';

const TRIES = 3000; // waitConverged polls every 20 ms: a Python load takes seconds on a busy machine
const STEP = 5 * 60_000;
// The true classes of the fixture rows (iris rows 0, 1, 50, 51, 100, 149).
const LABELS = ['setosa', 'setosa', 'versicolor', 'versicolor', 'virginica', 'virginica'];
let fixtures: { dir: string; ex: Expected; more: { dir: string; expected: ExpectedMore } } | null = null;

describe.skipIf(PYTHON_SKIP !== null).each(DATABASES)('Python versions above the runtime on %s', (kind) => {
  const clock = manualClock(Date.now());
  const ext = serverExtensions({
    serving: { gateway: { python: PYTHON, pythonLoadTimeoutMs: 120_000 } },
    observe: { guard: { tickMs: 0 }, retention: { flushMs: 3_600_000 } },
    experiments: { tickMs: 0 },
  });
  const r = useRegistry(kind, { overrides: { clock }, extensions: ext.pick('serving', 'observe', 'gates', 'experiments', 'drills'), config: { prepareDeadlineMs: 120_000 } });
  let ex: Expected;
  let dirs: Record<string, string>;
  /** The model's own answers, per fixture, on ex.rows. */
  let answers: Record<string, string[]>;

  beforeAll(() => {
    usePythonEnv();
    fixtures ??= (() => {
      const a = makePythonModels();
      return { dir: a.dir, ex: a.expected, more: makeMorePythonModels() };
    })();
    ex = fixtures.ex;
    const d = fixtures.dir;
    dirs = { iris_a: `${d}/iris_a`, iris_c: `${d}/iris_c`, iris_poor: `${fixtures.more.dir}/iris_poor` };
    answers = { iris_a: ex.iris_a, iris_c: ex.iris_c, iris_poor: fixtures.more.expected.iris_poor };
  }, 300_000);
  // Observations carry the wall clock; the registry's clock starts there and tests move it on.
  const wall = () => (clock.t = Math.max(clock.t, Date.now()));

  /** A model with one version per fixture (uploaded MLflow directories), none staged yet. */
  async function pythonModel(prefix: string, fixtures: string[]): Promise<string> {
    const m = uniqueName(prefix);
    await createModel(r.app, m);
    for (const f of fixtures) expect((await registerVersion(r.app, m, dirFiles(dirs[f], 'model/'))).runtime).toBe('python');
    return m;
  }
  async function inProduction(m: string, v: number) {
    expect((await stage(r.app, m, v, 'Production')).status).toBe(200);
    await waitConverged(r.app, m, v, TRIES);
  }
  /** One request per fixture row (i picks the row); answers the version, the prediction and the request id. */
  async function infer(m: string, i: number, headers: Record<string, string> = {}) {
    const res = await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ex.columns, data: [ex.rows[i % ex.rows.length]] } }, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { version: Number(res.headers['stagecraft-model-version']), prediction: res.body.predictions[0] as string, id: String(res.headers['stagecraft-request-id']) };
  }
  const answerOf = (fixture: string, i: number) => answers[fixture][i % ex.rows.length];

  it('counts each request per version in the live stats and on Prometheus', async () => {
    const m = await pythonModel('py-stats', ['iris_a']);
    await inProduction(m, 1);
    for (let i = 0; i < 7; i++) expect((await infer(m, i)).prediction).toBe(answerOf('iris_a', i));
    wall();
    const health = (await call(r.app, 'GET', `/api/v1/models/${m}/versions/1/monitoring?window_seconds=600`)).body;
    expect(health.live.requests).toBe(7);
    const metrics = (await r.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`stagecraft_inference_requests_total{model="${m}",version="1",binding="stage:Production",outcome="ok"} 7`);
  });

  it('retains predictions and joins feedback with them by request id', async () => {
    const m = await pythonModel('py-feedback', ['iris_a']);
    await inProduction(m, 1);
    const served = [];
    for (let i = 0; i < LABELS.length; i++) served.push(await infer(m, i));
    const items = served.map((s, i) => ({ request_id: s.id, label: LABELS[i] }));
    wall();
    expect((await call(r.app, 'POST', `/api/v1/models/${m}/feedback`, { items: [...items, { request_id: 'never-served', label: 'setosa' }] })).body).toEqual({ accepted: 6, unmatched: 1 });
    const health = (await call(r.app, 'GET', `/api/v1/models/${m}/versions/1/monitoring?window_seconds=600`)).body;
    const right = ex.iris_a.filter((p, i) => p === LABELS[i]).length;
    expect(health.quality).toMatchObject({ labeled: 6, label_coverage: 1 });
    expect(health.quality.accuracy).toBeCloseTo(right / 6, 10);
  });

  it('finds drift on a shifted column of a DataFrame model, and none on the others', async () => {
    const m = await pythonModel('py-drift', ['iris_a']);
    await inProduction(m, 1);
    const rand = rng(5);
    const row = (shift: number) => [4.5 + 3 * rand() + shift, 2 + 2 * rand(), 1 + 5 * rand(), 0.1 + 2.4 * rand()];
    const reference = [ex.columns.map((c) => `"${c}"`).join(','), ...Array.from({ length: 300 }, () => row(0).join(','))].join('\n');
    const ref = await r.app.inject({ method: 'PUT', url: `/api/v1/models/${m}/versions/1/reference`, headers: { 'content-type': 'text/csv' }, payload: reference });
    expect(ref.statusCode, ref.body).toBe(200);
    for (let i = 0; i < 20; i++) {
      const data = Array.from({ length: 10 }, () => row(3)); // sepal length shifted by 3 cm
      expect((await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ex.columns, data } })).status).toBe(200);
    }
    await ext.observe.writer!.flush();
    wall();
    const drift = (await call(r.app, 'GET', `/api/v1/models/${m}/versions/1/drift?window_seconds=600`)).body;
    expect(drift.rows).toBe(200);
    const byName = Object.fromEntries(drift.features.map((f: { feature: string; drifted: boolean }) => [f.feature, f.drifted]));
    expect(byName).toMatchObject({ [ex.columns[0]]: true, [ex.columns[1]]: false, [ex.columns[3]]: false });
  });

  it('guard: rolls back automatically from a poor Python version to the warm previous one', async () => {
    const m = await pythonModel('py-guard', ['iris_a', 'iris_poor']);
    await inProduction(m, 1);
    await inProduction(m, 2);
    wall();
    const policy = { interval_seconds: 10, watch_minutes: 60, rules: [{ metric: 'recall', positive_label: 'virginica', min: 0.8, min_samples: 30, window_seconds: 600 }] };
    expect((await call(r.app, 'PUT', `/api/v1/models/${m}/policy`, policy)).status).toBe(200);
    const items = [];
    for (let i = 0; i < 60; i++) {
      const s = await infer(m, i);
      expect(s).toMatchObject({ version: 2, prediction: answerOf('iris_poor', i) });
      items.push({ request_id: s.id, label: LABELS[i % LABELS.length] });
    }
    expect((await call(r.app, 'POST', `/api/v1/models/${m}/feedback`, { items })).body.unmatched).toBe(0);
    const report = await ext.observe.guard!.tick(wall() + 1000);
    expect(report.rollbacks).toEqual([expect.objectContaining({ model: m, from_version: 2, to_version: 1 })]);
    // Version 1 stayed warm: the rollback is a pointer flip, and it answers as version 1 at once.
    await waitConverged(r.app, m, 1, 50);
    for (let i = 0; i < 6; i++) expect(await infer(m, i)).toMatchObject({ version: 1, prediction: answerOf('iris_a', i) });
    expect((await call(r.app, 'GET', `/api/v1/events?model=${m}&type=rollback`)).body.events[0].actor).toBe('guard');
  });

  it('canary: splits by key between two Python versions, each caller answered by its version, then promotes', async () => {
    const m = await pythonModel('py-canary', ['iris_a', 'iris_c']);
    await inProduction(m, 1);
    wall();
    const criteria = { min_requests: 5, max_latency_ratio: 1000, latency_slack_ms: 10_000 };
    expect((await call(r.app, 'POST', `/api/v1/models/${m}/rollout`, { version: 2, steps: [30, 100], step_minutes: 5, key_header: 'X-User', criteria })).status).toBe(201);
    await eventually(async () => ext.serving.gateway().slots.get(m), (s) => s?.traffic instanceof CanarySplit && s.loaded.has(2), 'split installed and candidate warm', TRIES);
    for (let i = 0; i < 60; i++) {
      const key = `user-${i}`;
      const s = await infer(m, i, { 'x-user': key });
      expect(s.version).toBe(bucketOf(key) <= 30 ? 2 : 1);
      expect(s.prediction).toBe(answerOf(s.version === 2 ? 'iris_c' : 'iris_a', i));
    }
    clock.t += STEP;
    await ext.experiments.tick();
    await eventually(async () => ext.serving.gateway().slots.get(m)?.traffic, (t) => t instanceof CanarySplit && t.weight === 100, 'split at 100%');
    for (let i = 0; i < 10; i++) expect((await infer(m, i, { 'x-user': `u${i}` })).version).toBe(2);
    clock.t += STEP;
    await ext.experiments.tick();
    expect((await call(r.app, 'GET', `/api/v1/models/${m}/rollout`)).body.status).toBe('completed');
    await waitConverged(r.app, m, 2, TRIES);
  });

  it('shadow: mirrors to a Python candidate without changing answers, and reports agreement on class labels', async () => {
    const m = await pythonModel('py-shadow', ['iris_a', 'iris_poor']);
    await inProduction(m, 1);
    expect((await call(r.app, 'POST', `/api/v1/models/${m}/shadow`, { version: 2, percent: 100 })).status).toBe(201);
    await eventually(async () => ext.serving.gateway().slots.get(m), (s) => s?.traffic instanceof ShadowMirror && s.loaded.has(2), 'mirror installed, candidate warm', TRIES);
    for (let i = 0; i < 12; i++) expect(await infer(m, i)).toMatchObject({ version: 1, prediction: answerOf('iris_a', i) });
    const report = (await eventually(async () => (await call(r.app, 'GET', `/api/v1/models/${m}/shadow`)).body, (b) => b.report?.mirrored_requests === 12, 'every request mirrored', TRIES)).report;
    const agree = ex.iris_a.filter((p, i) => p === answers.iris_poor[i]).length / ex.rows.length;
    expect(report).toMatchObject({ candidate_errors: 0, compared_rows: 12 });
    expect(report.agreement_rate).toBeCloseTo(agree, 10);
    expect((await call(r.app, 'POST', `/api/v1/models/${m}/shadow/stop`, {})).status).toBe(200);
  });

  it('drill: switches Staging to a Python candidate and back with no failed probe', async () => {
    const m = await pythonModel('py-drill', ['iris_a', 'iris_c', 'iris_poor']);
    await inProduction(m, 1);
    expect((await stage(r.app, m, 2, 'Staging')).status).toBe(200);
    const res = await call(r.app, 'POST', `/api/v1/models/${m}/drills`, { version: 3 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body, JSON.stringify(res.body)).toMatchObject({ passed: true, problems: [], candidate_version: 3, previous_version: 2, stage_restored: true });
    expect(res.body.to_candidate).toMatchObject({ to_version: 3, failed_probes: 0 });
    expect(res.body.back_to_previous).toMatchObject({ to_version: 2, failed_probes: 0 });
    expect((await call(r.app, 'GET', `/api/v1/models/${m}`)).body.stages).toEqual({ Production: 1, Staging: 2 });
  }, 180_000);
});
