// MLflow model directories among a version's files: an `MLmodel` file at the root or under one
// folder (`model/MLmodel`, as `mlflow.<flavor>.log_model` writes it). A version holding one with a
// `python_function` flavor is recorded with runtime 'python' (the gateway serves it in a Python
// worker); the serving side finds the same directory with the same rule.
import { parse } from 'yaml';

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

/** Whether an MLmodel file's text names a flavor `mlflow.pyfunc.load_model` can load. */
export function hasPyfuncFlavor(mlmodel: string): boolean {
  try {
    const doc = parse(mlmodel) as { flavors?: Record<string, unknown> } | null;
    return !!doc?.flavors && typeof doc.flavors === 'object' && 'python_function' in doc.flavors;
  } catch {
    return false;
  }
}
