// Seeds a registry through its real HTTP API with real ONNX models: a model with three versions
// promoted one after another, plus a few neighbours so the models list has something to show.
import { denseModelOnnx } from '../../src/onnx/onnx-builder.js';
import type { App } from '../../src/http/app-types.js';
import { call, createModel, promote, registerVersion } from '../http.js';

const SIGNATURE = {
  inputs: [{ name: 'features', type: 'float32', shape: [-1, 4] }],
  outputs: [{ name: 'probability', type: 'float32', shape: [-1, 1] }],
};

async function post(app: App, url: string, body: unknown, actor: string) {
  const res = await call(app, 'POST', url, body, { 'stagecraft-actor': actor });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function seedModel(app: App, name: string): Promise<void> {
  await createModel(app, name);
  await call(app, 'PATCH', `/api/v1/models/${name}`, { description: 'Card-not-present fraud score (logistic regression on 4 features)' });
  const runs = [
    { label: 'baseline', weights: [0.4, -0.2, 0.1, 0.3], metrics: { auc: 0.912, recall: 0.81, precision: 0.74 }, params: { l2: '0.01', epochs: '20' } },
    { label: 'more-data', weights: [0.5, -0.25, 0.12, 0.28], metrics: { auc: 0.927, recall: 0.84, precision: 0.76 }, params: { l2: '0.01', epochs: '30' } },
    { label: 'new-features', weights: [0.9, -0.6, 0.4, 0.05], metrics: { auc: 0.931, recall: 0.79, precision: 0.8 }, params: { l2: '0.001', epochs: '30', features: 'v2' } },
  ];
  for (const [i, r] of runs.entries()) {
    const onnx = Buffer.from(denseModelOnnx({ weights: r.weights, bias: -0.1, activation: 'sigmoid', doc: `${name} v${i + 1}` }));
    await registerVersion(app, name, { 'model.onnx': onnx, 'README.md': `# ${name} ${r.label}\n` }, {
      label: r.label,
      source: `s3://ml-artifacts/${name}/run-${1041 + i}`,
      run_id: `run-${1041 + i}`,
      dataset_digest: `sha256:${(i + 7).toString(16).repeat(64).slice(0, 64)}`,
      code_ref: `git:4f2c9${i}e`,
      params: r.params,
      metrics: r.metrics,
      signature: SIGNATURE,
      runtime: 'onnx',
    });
  }
  const v = (n: number) => `/api/v1/models/${name}/versions/${n}`;
  await post(app, `${v(1)}/stage`, { stage: 'Production', reason: 'first launch' }, 'alice');
  await post(app, `${v(2)}/stage`, { stage: 'Production', archive_existing_versions: true, reason: 'retrained on Q3 data' }, 'alice');
  await post(app, `${v(2)}/health`, { health: 'stable', reason: 'watched for 7 days' }, 'alice');
  await post(app, `${v(3)}/stage`, { stage: 'Production', archive_existing_versions: true, reason: 'new device features' }, 'bob');
  const alias = await call(app, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: 3, reason: 'best offline AUC' }, { 'stagecraft-actor': 'bob' });
  if (alias.status !== 200) throw new Error(`alias: ${JSON.stringify(alias.body)}`);
}

export async function seedNeighbours(app: App, prefix: string): Promise<void> {
  for (const [i, base] of ['churn-predictor', 'ltv-regressor', 'spam-filter'].entries()) {
    const name = `${prefix}${base}`;
    await createModel(app, name);
    for (let n = 1; n <= i + 1; n++) {
      await registerVersion(app, name, { 'model.onnx': Buffer.from(denseModelOnnx({ weights: [0.1 * n, 0.2], bias: 0, activation: 'sigmoid', doc: `${name} ${n}` })) });
    }
    await promote(app, name, i + 1);
    if (i === 1) await post(app, `/api/v1/models/${name}/versions/1/stage`, { stage: 'Staging' }, 'carol');
  }
}
