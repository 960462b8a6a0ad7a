// The clean half of the fuzz test's inputs: what the seeded fixtures answer to, by field name, so
// that a request with no hostile leaf is a valid one (it promotes, rolls back, moves aliases, logs
// runs) and one hostile leaf is met deep inside a route rather than at its first parameter.
import type { FuzzContext } from './fuzz-arbitraries.js';

/** Features of the seeded dense ONNX models (three inputs) and a labelled dataset for them. */
export const DATASET_CSV = 'age,income,debt,label\n0.1,0.2,0.3,1\n0.4,0.5,0.6,0\n0.7,0.8,0.9,1\n';

const row = [0.1, 0.2, 0.3];

/** Bodies the OpenAPI leaves open (YAML-or-JSON policies, the inference protocols), by operation. */
export const BODY_EXAMPLES: Record<string, unknown> = {
  'PUT /api/v1/models/{name}/policy': { interval_seconds: 10, cooldown_seconds: 0, rules: [{ metric: 'error_rate', max: 0.5, min_samples: 10, window_seconds: 600 }] },
  'POST /v2/models/{m}/infer': { inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: row }] },
  'POST /v2/models/{m}/versions/{v}/infer': { inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: row }] },
  'POST /models/{m}/invocations': { instances: [row] },
  'POST /v1/models/{*}': { instances: [row] },
};

export function fixtureContext(seed: { runId: string; experimentId: string; sha256: string }): FuzzContext {
  const now = Date.now();
  const models = ['fuzz-a', 'fuzz-b'];
  const stages = ['Production', 'Staging', 'Archived', 'None'];
  return {
    fields: {
      name: models, m: models, model: models,
      version: [1, 2, 3], to_version: [1, 2, 3], from_version: [1, 2, 3], failed_version: [1, 2, 3], v: [1, 2, 3],
      stage: stages, stages: ['Production', 'Staging'],
      alias: ['champion', 'challenger'], key: ['team'], value: ['ml'],
      reason: ['fuzz'], description: ['fuzzed'], comment: ['fuzzed'], label: ['fuzz-label'], source: ['fuzz'], code_ref: ['abc123'], dataset_digest: ['abc123'],
      run_id: [seed.runId], sha256: [seed.sha256], path: ['model.onnx'], '*': ['model.onnx', 'fuzz-a:predict', 'fuzz-a/versions/1:predict'],
      health: ['healthy', 'failed'], id: ['1', '2'], role: ['viewer', 'editor'],
      url: ['http://127.0.0.1:9/hook'], secret: ['fuzz-secret-1'], events: ['*', 'version.*'], type: ['version.*', 'rollback'],
      binding: ['stage:Production', 'stage:Staging', 'alias:champion'],
      uri: ['models:/fuzz-a/1', 'models:/fuzz-a@champion', 'models:/fuzz-a/Production'],
      limit: [10, 100], after: [0], window_seconds: [60, 3600], step_seconds: [60],
      percent: [10, 50], steps: [10, 50], step_minutes: [0.01], key_header: ['x-user'],
      metric: ['error_rate', 'accuracy'], threshold: [0.5], min: [0], max: [0.5], max_drop: [0.1], requests: [10], row: [0],
      request_id: ['req-1'], requestId: ['req-1'], replica_id: ['gateway-fuzz'], time: [now], latencyMs: [1.5], latency_ms: [1.5],
      search: ['fuzz'], at: [new Date(now).toISOString()], since: [new Date(now - 3600_000).toISOString()], until: [new Date(now + 3600_000).toISOString()],
      format: ['csv'], task: ['classification'], features: ['age', 'income', 'debt'], runtime: ['onnx'], endpoint_url: ['http://127.0.0.1:9/model'], tag: ['team=ml'],
    },
    mlflow: {
      name: models, new_name: ['fuzz-renamed'], version: ['1', '2', '3'], stage: stages, stages: ['Production', 'Staging'],
      alias: ['champion', 'challenger'], key: ['team'], value: ['0.5'], description: ['fuzzed'], source: ['models:/fuzz-a/1'],
      run_id: [seed.runId], run_uuid: [seed.runId], experiment_id: [seed.experimentId], experiment_ids: [seed.experimentId], experiment_name: ['fuzz-exp', 'fuzz-exp-2'],
      filter: ["name = 'fuzz-a'", "name LIKE 'fuzz%'"], max_results: ['10'], order_by: ['name ASC'], metric_key: ['team'],
      start_time: [String(now)], end_time: [String(now + 1000)], timestamp: [String(now)], step: ['0'], status: ['FINISHED', 'RUNNING'],
      run_name: ['fuzz-run'], user_id: ['fuzz'], artifact_location: ['mlflow-artifacts:/fuzz'], view_type: ['ACTIVE_ONLY', 'ALL'],
      archive_existing_versions: [true, false], model_json: ['{"artifact_path":"model"}'], run_link: ['http://127.0.0.1:9/run'],
    },
    words: ['fuzz-a', 'fuzz-b', 'fuzz-new', 'Production', 'Staging', 'champion', '1', '2', 'model.onnx', 'fuzz', '*', 'version.*'],
  };
}
