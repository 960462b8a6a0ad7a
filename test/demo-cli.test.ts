// `stagecraft demo --once`, the README's "see it work in a minute", run as a user runs it: the real
// CLI, its own server on a temporary data directory, real ONNX models, real time.
import { describe, expect, it } from 'vitest';
import { runAgainst } from './cli-harness.js';

describe('stagecraft demo', () => {
  it('promotes a bad v2, and the guard rolls back to v1 by itself with the evidence in the timeline', async () => {
    // --url is unused by the demo (it starts its own server), as in `stagecraft demo` on a fresh machine.
    const run = await runAgainst('http://127.0.0.1:9', ['demo', '--once']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('The guard rolled Production back to v1; v2 is marked failed');
    const timeline = run.stdout.slice(run.stdout.indexOf('Timeline'));
    const lines = timeline.split('\n');
    const rollback = lines.find((l) => /guard\s+rollback/.test(l));
    // The reason names the rule, the measured value, the threshold and the sample count.
    expect(rollback).toMatch(/v1 2 -> 1\s+"guard rule 1 \(recall >= 0\.8\) failed: measured [\d.]+ over \d+ labeled samples/);
    expect(lines.find((l) => /guard\s+version\.health_changed/.test(l))).toMatch(/v2 unknown -> failed\s+"rolled back from stage:Production: guard rule 1/);
    // The demo's promotion of v2 comes before the guard's rollback.
    const promoted = lines.findIndex((l) => /demo\s+version\.stage_changed\s+v2 None -> Production/.test(l));
    expect(promoted).toBeGreaterThan(-1);
    expect(promoted).toBeLessThan(lines.indexOf(rollback!));
  }, 90_000);
});
