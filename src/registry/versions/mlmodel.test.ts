import { describe, expect, it } from 'vitest';
import { mlflowModelRoot, parseMlmodel, requirementsOf } from './mlmodel.js';

describe('MLflow model directories', () => {
  it('finds the MLmodel at the root or one folder down', () => {
    expect(mlflowModelRoot([{ path: 'MLmodel' }, { path: 'model.pkl' }])).toBe('');
    expect(mlflowModelRoot([{ path: 'model/MLmodel' }])).toBe('model/');
    expect(mlflowModelRoot([{ path: 'a/b/MLmodel' }])).toBeNull();
  });

  it('reads flavors, python_version and mlflow_version', () => {
    const text = 'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    python_version: 3.11.2\n  sklearn:\n    sklearn_version: 1.2.1\nmlflow_version: 3.11.1\n';
    expect(parseMlmodel(text)).toEqual({ flavors: ['python_function', 'sklearn'], python_version: '3.11.2', mlflow_version: '3.11.1' });
    expect(parseMlmodel('flavors:\n  onnx: {}\n')).toEqual({ flavors: ['onnx'], python_version: null, mlflow_version: null });
    expect(parseMlmodel('not: [yaml')).toBeNull();
    expect(parseMlmodel('just text')).toBeNull();
  });

  it('reads pip requirements from requirements.txt, python_env.yaml and conda.yaml', () => {
    expect(requirementsOf('requirements.txt', 'mlflow==3.11.1\n# a comment\n\n-r other.txt\n--index-url https://x\nscikit-learn==1.2.1  # pinned\nhttps://example.com/a.whl\n')).toEqual([
      'mlflow==3.11.1',
      'scikit-learn==1.2.1',
    ]);
    expect(requirementsOf('python_env.yaml', 'python: 3.11.2\ndependencies:\n- -r requirements.txt\n- numpy>=1.20\n')).toEqual(['numpy>=1.20']);
    expect(requirementsOf('conda.yaml', 'dependencies:\n- python=3.11.2\n- pip<=23.0.1\n- pip:\n  - mlflow==3.11.1\n  - pandas\n')).toEqual(['mlflow==3.11.1', 'pandas']);
    expect(requirementsOf('conda.yaml', 'dependencies:\n- python=3.11.2\n')).toEqual([]);
    expect(requirementsOf('conda.yaml', 'name: x\n')).toBeNull();
  });
});
