// The real Python side of the Python-runtime tests: Debian's /usr/bin/python3 with the MLflow
// bundled in ../shared/mlflow (its setup.sh installs scikit-learn, pandas and numpy). Without them
// the tests skip and say why — unless STAGECRAFT_REQUIRE_MLFLOW=1, when their absence fails.
// Models are trained and saved once per test file by test/fixtures/make_python_models.py.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './databases.js';
import { MLFLOW_DIR } from './mlflow-clients/mlflow-dist.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// One place finds ../shared/mlflow (or STAGECRAFT_MLFLOW_DIR, which CI sets): mlflow-dist.ts.
const MLFLOW_HOME = MLFLOW_DIR;
export const PYTHON = process.env.STAGECRAFT_TEST_PYTHON ?? '/usr/bin/python3';

/** The environment of env-3.sh (PYTHONPATH and friends), for the workers the gateway starts. */
function mlflowEnv(): Record<string, string> {
  const home = MLFLOW_HOME;
  return {
    PYTHONPATH: [`${home}/3.x`, `${home}/deps3`, `${home}/deps`].join(':'),
    PYTHONNOUSERSITE: '1',
    GIT_PYTHON_REFRESH: 'quiet',
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
  };
}

function probe(): string | null {
  if (!fs.existsSync(path.join(MLFLOW_HOME, '3.x', 'mlflow'))) return `no MLflow bundle at ${MLFLOW_HOME} (run ../shared/mlflow/setup.sh)`;
  if (!fs.existsSync(PYTHON)) return `no interpreter at ${PYTHON}`;
  const r = spawnSync(PYTHON, ['-c', 'import mlflow, sklearn, pandas'], { env: { ...process.env, ...mlflowEnv() }, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return `${PYTHON} cannot import mlflow, sklearn and pandas: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return null;
}

const reason = probe();
if (reason && process.env.STAGECRAFT_REQUIRE_MLFLOW === '1') throw new Error(`STAGECRAFT_REQUIRE_MLFLOW=1 but ${reason}`);
if (reason) console.warn(`skipping the Python runtime tests: ${reason}`);
/** Why the Python-runtime tests skip (null: they run). */
export const PYTHON_SKIP: string | null = reason;

/** Workers inherit the gateway's environment: this is how a test points them at the bundled MLflow. */
export function usePythonEnv(): void {
  Object.assign(process.env, mlflowEnv());
}

export interface Expected {
  columns: string[];
  rows: number[][];
  iris_a: string[];
  iris_b: number[][];
  iris_c: string[];
  iris_frame: { label: string[]; probability: number[] };
}

/** Trains and saves the fixture models; answers their directory and what each must predict. */
export function makePythonModels(): { dir: string; expected: Expected } {
  const dir = tempDir('stagecraft-pymodels-');
  execFileSync(PYTHON, [path.join(here, 'fixtures', 'make_python_models.py'), dir], { env: { ...process.env, ...mlflowEnv() }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  return { dir, expected: JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected };
}

/** Every file of a model directory, keyed by its path under `prefix` (e.g. 'model/'), for registerVersion. */
export function dirFiles(dir: string, prefix = ''): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String)) {
    const full = path.join(dir, f);
    if (fs.statSync(full).isFile()) out[`${prefix}${f.split(path.sep).join('/')}`] = fs.readFileSync(full);
  }
  return out;
}

/** Why the XGBoost test skips (null: it runs); required like MLflow under STAGECRAFT_REQUIRE_MLFLOW=1 (.ci/run installs python3-xgboost). */
export const XGBOOST_SKIP: string | null = (() => {
  if (reason) return reason;
  const r = spawnSync(PYTHON, ['-c', 'import xgboost'], { env: { ...process.env, ...mlflowEnv() }, encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return null;
  const why = `${PYTHON} cannot import xgboost (apt-get install python3-xgboost)`;
  if (process.env.STAGECRAFT_REQUIRE_MLFLOW === '1') throw new Error(`STAGECRAFT_REQUIRE_MLFLOW=1 but ${why}`);
  console.warn(`skipping the XGBoost test: ${why}`);
  return why;
})();

export interface ExpectedMore {
  columns: string[];
  rows: number[][];
  iris_poor: string[];
  xgb_sklearn?: number[][];
  xgb_native?: number[][];
}

/** test/fixtures/make_python_more.py: a poor classifier (for the guard) and, when xgboost imports, XGBoost models. */
export function makeMorePythonModels(): { dir: string; expected: ExpectedMore } {
  const dir = tempDir('stagecraft-pymore-');
  execFileSync(PYTHON, [path.join(here, 'fixtures', 'make_python_more.py'), dir], { env: { ...process.env, ...mlflowEnv() }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  return { dir, expected: JSON.parse(fs.readFileSync(path.join(dir, 'expected_more.json'), 'utf8')) as ExpectedMore };
}
