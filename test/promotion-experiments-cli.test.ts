import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAgainst } from './cli-harness.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { waitConverged } from './gateway-fixtures.js';
import { GOOD, modelWith, stage, WORSE } from './promotion-fixtures.js';
import { serverExtensions } from '../src/server.js';

describe.each(DATABASES)('rollout, shadow and drill CLI on %s', (kind) => {
  const ext = serverExtensions({ experiments: { tickMs: 0 } });
  const r = useRegistry(kind, { extensions: ext.pick('serving', 'experiments', 'drills') });
  let url = '';
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  });
  const run = (...args: string[]) => runAgainst(url, args);

  it('starts, shows and aborts a canary; runs and reports a shadow; runs a drill', async () => {
    const name = uniqueName('cli-exp');
    await modelWith(r.app, name, [GOOD, WORSE, { ...GOOD, weights: [3, -3] }]);
    await stage(r.app, name, 1, 'Production');
    await stage(r.app, name, 3, 'Staging');
    await waitConverged(r.app, name, 1);

    const start = await run('rollout', 'start', name, '--version', '2', '--steps', '10,50', '--step-minutes', '1', '--key-header', 'x-user');
    expect(start.stderr).toBe('');
    expect(start.stdout).toContain('10% on v2');
    expect(start.stdout).toContain('[10] 50 100 every 1 min');
    expect((await run('rollout', 'status', name)).stdout).toMatch(/status:\s+running/);
    const abort = await run('rollout', 'abort', name, '--reason', 'changed my mind');
    expect(abort.stdout).toMatch(/status:\s+aborted \(changed my mind\)/);

    expect((await run('shadow', 'start', name, '--version', '2', '--percent', '25')).stdout).toContain('Shadowing 25%');
    expect((await run('shadow', 'report', name)).stdout).toMatch(/agreement:/);
    expect((await run('--json', 'shadow', 'stop', name)).json).toMatchObject({ status: 'stopped' });

    const drill = await run('drill', name, '--version', '2');
    expect(drill.stdout).toMatch(/result:\s+PASSED/);
    expect(drill.stdout).toMatch(/drill:\s+.* Staging: v3 -> v2 -> v3/);
    expect(drill.code).toBe(0);
  });
});
