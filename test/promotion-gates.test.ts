import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, registerVersion } from './http.js';
import { expectedRecall, GOOD, holdoutJsonl, modelWith, setGates, stage, WORSE } from './promotion-fixtures.js';
import { serverExtensions } from '../src/server.js';

describe.each(DATABASES)('validation gates on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('gates', 'approvals') });

  it('refuses a version whose input signature changed, naming the signature check', async () => {
    const name = uniqueName('sig');
    await modelWith(r.app, name, [GOOD, { weights: [1, -1, 0.5], bias: 0, activation: 'sigmoid' }]);
    expect((await stage(r.app, name, 1, 'Production')).status).toBe(200);
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/gates`, { signature: true })).status).toBe(200);

    const res = await stage(r.app, name, 2, 'Staging');
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('signature');
    expect(res.body.error.message).toContain('changed shape');
    expect(res.body.error.details.failed_checks).toEqual(['signature']);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body.stage).toBe('None');
    const report = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/validation`)).body;
    expect(report).toMatchObject({ version: 2, stage: 'Staging', passed: false, failed_checks: ['signature'] });
  });

  it('refuses a version that loses more recall than allowed against Production on the same holdout', async () => {
    const name = uniqueName('recall');
    await modelWith(r.app, name, [GOOD, WORSE]);
    await stage(r.app, name, 1, 'Production');
    const set = await setGates(r.app, name, { thresholds: [{ metric: 'recall', max_drop: 0.05 }] });
    expect(set.status).toBe(200);
    expect(set.body.gates.holdout.features).toEqual(['x1', 'x2']);

    const res = await stage(r.app, name, 2, 'Production');
    expect(res.status).toBe(409);
    expect(res.body.error.details.failed_checks).toEqual(['recall.max_drop']);
    expect(res.body.error.message).toContain("Production v1's 1");

    const report = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/validation`)).body;
    expect(report.baseline_version).toBe(1);
    expect(report.metrics.rows).toBe(40);
    expect(report.metrics.baseline.recall).toBeCloseTo(expectedRecall(GOOD), 6);
    expect(report.metrics.candidate.recall).toBeCloseTo(expectedRecall(WORSE), 6);
    expect(expectedRecall(GOOD) - expectedRecall(WORSE)).toBeGreaterThan(0.05);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(1);
  });

  it('lets a version through that holds recall, on a JSON-lines holdout, and stores a passing report', async () => {
    const name = uniqueName('pass');
    await modelWith(r.app, name, [GOOD, { weights: [2, -2], bias: 0, activation: 'sigmoid' }]);
    await stage(r.app, name, 1, 'Production');
    expect((await setGates(r.app, name, { thresholds: [{ metric: 'recall', max_drop: 0.05 }, { metric: 'accuracy', min: 0.9 }] }, holdoutJsonl(), 'jsonl')).status).toBe(200);
    const res = await stage(r.app, name, 2, 'Production');
    expect(res.status).toBe(200);
    const report = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/validation`)).body;
    expect(report.passed).toBe(true);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(['servable', 'signature', 'digest', 'holdout', 'recall.max_drop', 'accuracy.min']);
    expect(report.metrics.candidate.accuracy).toBe(1);
    const events = (await call(r.app, 'GET', `/api/v1/events?model=${name}`)).body.events.map((e: { type: string }) => e.type);
    expect(events).toContain('validation.passed');
  });

  it('lets an admin override a failing gate with a reason, which lands in the report and the audit log', async () => {
    const name = uniqueName('override');
    await modelWith(r.app, name, [GOOD, WORSE]);
    await stage(r.app, name, 1, 'Production');
    await setGates(r.app, name, { thresholds: [{ metric: 'recall', min: 0.9 }] });
    expect((await stage(r.app, name, 2, 'Production')).status).toBe(409);
    const noReason = await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/stage/override`, { stage: 'Production', reason: '' });
    expect(noReason.status).toBe(400);
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/stage/override`, { stage: 'Production', reason: 'hotfix for the holiday spike', archive_existing_versions: true }, { 'stagecraft-actor': 'carol' });
    expect(res.status).toBe(200);
    expect(res.body.version.stage).toBe('Production');
    const report = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/validation`)).body;
    expect(report).toMatchObject({ passed: false, override: { actor: 'carol', reason: 'hotfix for the holiday spike' } });
    const events = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=validation.overridden`)).body.events;
    expect(events[0]).toMatchObject({ actor: 'carol', reason: 'hotfix for the holiday spike', version: 2 });
  });

  it('fails the digest check when stored artifact bytes were altered', async () => {
    const name = uniqueName('digest');
    await modelWith(r.app, name, [GOOD]);
    await call(r.app, 'PUT', `/api/v1/models/${name}/gates`, { digest: true, signature: false });
    const bytes = denseModelOnnx({ ...GOOD, doc: 'tampered' });
    const v2 = await registerVersion(r.app, name, { 'model.onnx': bytes });
    const sha = createHash('sha256').update(bytes).digest('hex');
    const blobFile = path.join(r.deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);
    fs.writeFileSync(blobFile, Buffer.concat([bytes, Buffer.from('x')]));
    const res = await stage(r.app, name, v2.version, 'Staging');
    expect(res.status).toBe(409);
    expect(res.body.error.details.failed_checks).toEqual(['digest']);
  });

  it('refuses a holdout without the label column when gates are set, with a 400', async () => {
    const name = uniqueName('badset');
    await modelWith(r.app, name, [GOOD]);
    const res = await setGates(r.app, name, { thresholds: [{ metric: 'recall', min: 0.5 }] }, 'x1,x2,y\n1,2,0');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('no label column "label"');
  });

  it('does not gate rollback back to a version that already served', async () => {
    const name = uniqueName('rb');
    await modelWith(r.app, name, [GOOD, { weights: [2, -2], bias: 0, activation: 'sigmoid' }]);
    await stage(r.app, name, 1, 'Production');
    await stage(r.app, name, 2, 'Production');
    await setGates(r.app, name, { thresholds: [{ metric: 'recall', min: 1.01 }] });
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'drill' });
    expect(res.status).toBe(200);
    expect(res.body.to_version).toBe(1);
  });
});
