// The default gate `python-env` of Python-runtime versions: before a version enters Staging or
// Production, the interpreter its workers will run (the tag stagecraft.python, else the configured
// --python) is asked which of the requirements recorded at registration it satisfies
// (python/stagecraft_env_check.py, importlib.metadata). A missing package, or an installed one
// outside the specifier, refuses (409 naming each); an exact pin missed only by patch level (MLflow
// pins the saving environment's exact versions) is reported and passes. An admin overrides it like
// any gate. Results are cached per (interpreter, requirements digest) for a few minutes: installing a
// package into the environment is seen after that.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PYTHON_TAG, type PythonModelInfo } from '../../registry/index.js';
import type { CheckResult } from './gates.js';

export const PYTHON_ENV = 'python-env';

const CACHE_MS = 5 * 60_000;
const CACHE_MAX = 256;
const TIMEOUT_MS = 60_000;

interface Checked {
  requirement: string;
  name: string | null;
  installed: string | null;
  status: 'ok' | 'missing' | 'mismatch' | 'near' | 'skipped';
  note: string | null;
}

const cache = new Map<string, { at: number; result: CheckResult }>();

/** python/stagecraft_env_check.py, from the sources (src/…) or the build (dist/src/…). */
function checkScript(): string {
  for (const up of ['../../../', '../../../../']) {
    const p = fileURLToPath(new URL(`${up}python/stagecraft_env_check.py`, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('python/stagecraft_env_check.py is missing from this installation');
}

function runCheck(python: string, requirements: string[]): Promise<{ python: string; results: Checked[] }> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, [checkScript()], { timeout: TIMEOUT_MS, maxBuffer: 4 * 1024 ** 2, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message.split('\n')[0]}${stderr ? `: ${stderr.trim().split('\n').slice(-2).join(' ')}` : ''}`));
      try {
        resolve(JSON.parse(stdout) as { python: string; results: Checked[] });
      } catch {
        reject(new Error(`it answered something other than JSON: ${stdout.slice(0, 200)}`));
      }
    });
    child.stdin?.end(JSON.stringify(requirements));
  });
}

function judge(python: string, reported: { python: string; results: Checked[] }): CheckResult {
  const name = PYTHON_ENV;
  const refused = reported.results.filter((r) => r.status === 'missing' || r.status === 'mismatch');
  const near = reported.results.filter((r) => r.status === 'near');
  const what = (r: Checked) => (r.status === 'missing' ? `${r.requirement} (not installed)` : `${r.requirement} (installed ${r.installed})`);
  const at = `${python} (Python ${reported.python})`;
  if (refused.length) {
    return { name, passed: false, skipped: false, message: `the interpreter ${at} cannot satisfy ${refused.map(what).join(', ')}; install them there, or point the model at its own environment's interpreter (tag ${PYTHON_TAG})` };
  }
  const ok = reported.results.filter((r) => r.status === 'ok').length;
  const nearNote = near.length ? `; patch-level differences: ${near.map(what).join(', ')}` : '';
  return { name, passed: true, skipped: false, message: `the interpreter ${at} satisfies ${ok + near.length} of ${reported.results.length} requirement(s)${nearNote}` };
}

/** The gate's result for a version with this recorded model directory, on this interpreter. */
export async function pythonEnvCheck(python: string, info: PythonModelInfo | null): Promise<CheckResult> {
  const requirements = info?.requirements ?? [];
  if (requirements.length === 0) return { name: PYTHON_ENV, passed: true, skipped: true, message: 'the model directory names no pip requirements' };
  const digest = createHash('sha256').update(JSON.stringify([...requirements].sort())).digest('hex');
  const key = `${python}\0${digest}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.result;
  let result: CheckResult;
  try {
    result = judge(python, await runCheck(python, requirements));
  } catch (err) {
    // Not cached: an interpreter that could not run may be fixed in a moment.
    return { name: PYTHON_ENV, passed: false, skipped: false, message: `the interpreter ${python} could not check the requirements: ${(err as Error).message}` };
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, { at: Date.now(), result });
  return result;
}
