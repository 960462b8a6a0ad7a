// MLflow model directories among a version's files: an `MLmodel` file at the root or under one
// folder (`model/MLmodel`, as `mlflow.<flavor>.log_model` writes it). A version holding one with a
// `python_function` flavor is recorded with runtime 'python' (the gateway serves it in a Python
// worker); the serving side finds the same directory with the same rule.
import { createRequire } from 'node:module';
import type YAML from 'yaml';

// Loaded on the first MLmodel read, not at server start (issue 18.5); CommonJS, so synchronously.
let yaml: typeof YAML | undefined;
const parse = (text: string): unknown => (yaml ??= createRequire(import.meta.url)('yaml') as typeof YAML).parse(text);

/** The MLmodel's folder with its trailing slash ('' at the root, 'model/' one folder down), or null. */
export function mlflowModelRoot(files: ReadonlyArray<{ path: string }>): string | null {
  let nested: string | null = null;
  for (const f of files) {
    if (f.path === 'MLmodel') return '';
    const m = /^([^/]+\/)MLmodel$/.exec(f.path);
    if (m && (nested === null || m[1] < nested)) nested = m[1];
  }
  return nested;
}

/** What registration records of an MLflow model directory (the version view's `python`). */
export interface PythonModelInfo {
  /** The MLmodel's flavors, e.g. ['python_function', 'sklearn']. */
  flavors: string[];
  /** The python_function flavor's python_version: the Python the model was saved with. */
  python_version: string | null;
  /** The MLflow that saved it. */
  mlflow_version: string | null;
  /** PEP 508 requirement strings (pip's), from requirements_file. */
  requirements: string[];
  /** Which file of the model directory they come from: requirements.txt, python_env.yaml or conda.yaml. */
  requirements_file: string | null;
}

/** The MLmodel's flavors and versions; null when it is not YAML describing flavors. */
export function parseMlmodel(mlmodel: string): Omit<PythonModelInfo, 'requirements' | 'requirements_file'> | null {
  let doc: { flavors?: Record<string, { python_version?: unknown } | null>; mlflow_version?: unknown } | null;
  try {
    doc = parse(mlmodel) as typeof doc;
  } catch {
    return null;
  }
  if (!doc?.flavors || typeof doc.flavors !== 'object') return null;
  const pv = doc.flavors.python_function?.python_version;
  return {
    flavors: Object.keys(doc.flavors),
    python_version: pv === undefined || pv === null ? null : String(pv),
    mlflow_version: doc.mlflow_version === undefined || doc.mlflow_version === null ? null : String(doc.mlflow_version),
  };
}

/** The files MLflow writes beside the MLmodel that name its requirements, most precise first. */
export const REQUIREMENTS_FILES = ['requirements.txt', 'python_env.yaml', 'conda.yaml'] as const;

/** Requirement lines of a requirements.txt: comments, blank lines and pip options (-r, -e, --index-url) dropped. */
function requirementLines(lines: unknown[]): string[] {
  return lines
    .filter((l): l is string => typeof l === 'string')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('-') && !/^[a-z+]+:\/\//i.test(l));
}

/**
 * The pip requirements a file names: requirements.txt line by line; python_env.yaml's
 * `dependencies`; conda.yaml's `pip:` list (its conda packages are not pip's to check). null when
 * the file cannot be read as its kind.
 */
export function requirementsOf(file: (typeof REQUIREMENTS_FILES)[number], text: string): string[] | null {
  if (file === 'requirements.txt') return requirementLines(text.split(/\r?\n/));
  let doc: { dependencies?: unknown } | null;
  try {
    doc = parse(text) as typeof doc;
  } catch {
    return null;
  }
  const deps = Array.isArray(doc?.dependencies) ? (doc.dependencies as unknown[]) : null;
  if (!deps) return null;
  if (file === 'python_env.yaml') return requirementLines(deps);
  const pip = deps.find((d): d is { pip: unknown[] } => !!d && typeof d === 'object' && Array.isArray((d as { pip?: unknown }).pip));
  return pip ? requirementLines(pip.pip) : [];
}
