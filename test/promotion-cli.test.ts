import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAgainst } from './cli-harness.js';
import { call } from './http.js';
import { DATABASES, tempDir, uniqueName, useRegistry } from './databases.js';
import { GOOD, holdoutCsv, modelWith, stage, WORSE } from './promotion-fixtures.js';
import { serverExtensions } from '../src/server.js';

describe.each(DATABASES)('promotion CLI on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('gates', 'approvals') });
  let url = '';
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  });
  const as = (user: string, ...args: string[]) => runAgainst(url, args, { env: { USER: user } });

  it('sets gates from YAML with a local holdout, shows a failing report, and an admin overrides it', async () => {
    const name = uniqueName('cli-gates');
    await modelWith(r.app, name, [GOOD, WORSE]);
    await stage(r.app, name, 1, 'Production');
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'holdout.csv'), holdoutCsv());
    fs.writeFileSync(path.join(dir, 'gates.yaml'), 'holdout:\n  file: holdout.csv\n  label: label\nthresholds:\n  - metric: recall\n    max_drop: 0.05\n');
    const set = await as('alice', 'gates', 'set', name, path.join(dir, 'gates.yaml'));
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('1 threshold(s)');

    const validate = await as('alice', 'gates', 'validate', name, '2');
    expect(validate.code).not.toBe(0);
    expect(validate.stdout).toMatch(/recall\.max_drop\s+FAIL/);
    expect(validate.stdout).toContain('metrics on 40 holdout rows');

    const report = await as('alice', '--json', 'gates', 'report', name, '2');
    expect(report.json).toMatchObject({ passed: false, failed_checks: ['recall.max_drop'] });

    const override = await as('carol', 'gates', 'override', name, '2', '--stage', 'Production', '--reason', 'known regression, accepted');
    expect(override.code).toBe(0);
    expect(override.stdout).toContain('is now in Production');
  });

  // Last in the file: it creates tokens, which ends open mode for this registry.
  it('lists pending approvals, refuses the requester, and approves as another deployer', async () => {
    const name = uniqueName('cli-approve');
    await modelWith(r.app, name, [GOOD, { ...GOOD, weights: [2, -2] }]);
    await stage(r.app, name, 1, 'Production');
    expect((await as('x', 'approvals', 'policy', name, '--stages', 'Production')).stdout).toContain('needs approval for Production');
    const admin = (await call(r.app, 'POST', '/api/v1/tokens', { name: 'root', role: 'admin' })).body.token as string;
    const token = async (who: string) => (await call(r.app, 'POST', '/api/v1/tokens', { name: who, role: 'deployer' }, { authorization: `Bearer ${admin}` })).body.token as string;
    const [alice, bob] = [await token('alice'), await token('bob')];
    const by = (t: string, ...args: string[]) => runAgainst(url, ['--token', t, ...args]);

    const req = await by(alice, '--json', 'approvals', 'request', name, '2', '--archive-existing');
    const id = String(req.json.id);
    const list = await by(bob, 'approvals', 'list', '--model', name);
    expect(list.stdout).toMatch(new RegExp(`^\\s*${id}\\s+${name}\\s+2\\s+Production\\s+pending\\s+alice`, 'm'));
    const self = await by(alice, 'approvals', 'approve', id);
    expect(self.code).not.toBe(0);
    expect(self.stderr).toContain('another deployer must');
    const ok = await by(bob, 'approvals', 'approve', id, '--comment', 'looks good');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('v2 is now in Production');
  });
});
