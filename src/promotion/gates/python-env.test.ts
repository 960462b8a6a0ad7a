// The python-env check against a real interpreter with nothing but the standard library: what is
// missing or outside its specifier refuses, and results are cached per (interpreter, requirements).
// The interpreter is a wrapper that counts its runs and puts one made-up distribution on the path
// (stagecraft-fake-dist 2.5.0), so the answers do not depend on what the machine has installed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pythonEnvCheck } from './python-env.js';

const PYTHON = '/usr/bin/python3';
const info = (requirements: string[]) => ({ flavors: ['python_function'], python_version: null, mlflow_version: null, requirements, requirements_file: 'requirements.txt' });

describe.skipIf(!fs.existsSync(PYTHON))('the python-env check', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-pyenv-'));
  const site = path.join(dir, 'site', 'stagecraft_fake_dist-2.5.0.dist-info');
  fs.mkdirSync(site, { recursive: true });
  fs.writeFileSync(path.join(site, 'METADATA'), 'Metadata-Version: 2.1\nName: stagecraft-fake-dist\nVersion: 2.5.0\n');
  const record = path.join(dir, 'runs');
  const wrapper = path.join(dir, 'python');
  fs.writeFileSync(wrapper, `#!/bin/sh\necho run >> '${record}'\nPYTHONPATH='${path.join(dir, 'site')}' exec '${PYTHON}' "$@"\n`, { mode: 0o755 });
  // The same without `packaging` (nor pip's copy): the script's standard-library fallback answers.
  const bare = path.join(dir, 'bare');
  for (const mod of ['packaging', 'pip']) {
    fs.mkdirSync(path.join(dir, 'hide', mod), { recursive: true });
    fs.writeFileSync(path.join(dir, 'hide', mod, '__init__.py'), "raise ImportError('hidden by the test')\n");
  }
  fs.writeFileSync(bare, `#!/bin/sh\nPYTHONPATH='${path.join(dir, 'hide')}:${path.join(dir, 'site')}' exec '${PYTHON}' "$@"\n`, { mode: 0o755 });
  const runs = () => fs.readFileSync(record, 'utf8').trim().split('\n').length;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['packaging', wrapper],
    ['the standard-library fallback', bare],
  ])('refuses a missing package and a version outside the specifier, naming each; passes the rest (%s)', async (_how, python) => {
    const bad = await pythonEnvCheck(python, info(['stagecraft-nonexistent-pkg==1.0', 'stagecraft-fake-dist==0.1', 'stagecraft-fake-dist>=2', 'x; python_version < "3"']));
    expect(bad.passed).toBe(false);
    expect(bad.message).toContain('stagecraft-nonexistent-pkg==1.0 (not installed)');
    expect(bad.message).toContain('stagecraft-fake-dist==0.1 (installed 2.5.0)');
    expect(bad.message).not.toContain('>=2');
    expect(await pythonEnvCheck(python, info(['stagecraft-fake-dist>=2,<3']))).toMatchObject({ name: 'python-env', passed: true, skipped: false });
    // An exact pin missed by patch level only: reported, passes.
    const near = await pythonEnvCheck(python, info(['stagecraft-fake-dist==2.5.1']));
    expect(near.passed).toBe(true);
    expect(near.message).toContain('patch-level differences: stagecraft-fake-dist==2.5.1 (installed 2.5.0)');
    expect(await pythonEnvCheck(python, info([]))).toMatchObject({ passed: true, skipped: true });
  });

  it('caches per interpreter and requirements digest, and names an interpreter that cannot run', async () => {
    const before = fs.existsSync(record) ? runs() : 0;
    await pythonEnvCheck(wrapper, info(['stagecraft-fake-dist>=1', 'stagecraft-nonexistent-pkg']));
    await pythonEnvCheck(wrapper, info(['stagecraft-nonexistent-pkg', 'stagecraft-fake-dist>=1']));
    expect(runs()).toBe(before + 1);
    await pythonEnvCheck(wrapper, info(['stagecraft-fake-dist>=2']));
    expect(runs()).toBe(before + 2);
    const gone = await pythonEnvCheck(path.join(dir, 'no-such-python'), info(['pip']));
    expect(gone.passed).toBe(false);
    expect(gone.message).toContain('no-such-python could not check the requirements');
  });
});
