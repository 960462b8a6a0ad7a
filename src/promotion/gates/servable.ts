// The default gate `servable`: a version enters Staging or Production only if a runtime can serve
// it — the gateway follows those stages, and a version it cannot load would leave the stage
// pointing at nothing that answers while the registry said the promotion succeeded. On without any
// gates configured; an admin overrides it like any gate (POST …/stage/override, with a reason).
//
// The version row records its runtime when it is registered (versions-service: createVersion):
// 'onnx' when its files hold a .onnx model, 'http' when it names an endpoint_url (an `mlflow models
// serve` or KServe endpoint); 'python' when they hold an MLflow model directory (an MLmodel with a
// python_function flavor, served by a Python worker); null when none of these — e.g. a bare pickle.
// A runtime added later records its own name, and this gate lets it through. Python versions also
// pass the default gate `python-env` (python-env.ts): their requirements against the interpreter.
import type { VersionRow } from '../../registry/index.js';
import type { CheckResult } from './gates.js';

export const SERVABLE = 'servable';

export function servableCheck(row: VersionRow): CheckResult {
  const name = SERVABLE;
  if (row.status !== 'READY') return { name, passed: false, skipped: false, message: `version ${row.version} is ${row.status}, not READY` };
  if (row.runtime === 'onnx') return { name, passed: true, skipped: false, message: 'an ONNX model: the gateway runs it in process' };
  if (row.runtime === 'http' && row.endpoint_url) return { name, passed: true, skipped: false, message: `served through its endpoint ${row.endpoint_url}` };
  if (row.runtime === 'python') return { name, passed: true, skipped: false, message: 'an MLflow model: the gateway runs it in a Python worker' };
  if (row.runtime === 'http') return { name, passed: false, skipped: false, message: `version ${row.version} has runtime http but no endpoint_url` };
  if (row.runtime) return { name, passed: true, skipped: false, message: `runtime ${row.runtime}` };
  return {
    name,
    passed: false,
    skipped: false,
    message:
      `no runtime can serve version ${row.version}: it has no .onnx file, no endpoint_url and no MLflow model directory (an MLmodel with a python_function flavor) ` +
      `(log the model with mlflow.<flavor>.log_model or save_model, register it with an endpoint_url, or export ONNX)`,
  };
}
