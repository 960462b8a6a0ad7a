// `stagecraft demo --once`, the README's "see it work in a minute", run as a user runs it: the real
// CLI, its own server on a temporary data directory, real ONNX models, real time.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runAgainst } from './cli-harness.js';
import { REPO_ROOT } from './readme-blocks.js';

const dataDirOf = (stdout: string) => /data in (\S+)/.exec(stdout)?.[1];

/**
 * `stagecraft demo ARGS` as its own process (from the sources, through tsx), sent SIGINT — the
 * terminal's Ctrl-C — once it has printed its data directory, i.e. while the demo runs.
 */
function interruptDemo(args: string[]): Promise<{ code: number | null; dir: string | undefined }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'demo', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (dataDirOf(out) && !child.killed) child.kill('SIGINT');
    });
    child.on('close', (code) => resolve({ code, dir: dataDirOf(out) }));
  });
}

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
    // Nothing left behind.
    const dir = dataDirOf(run.stdout);
    expect(dir).toBeDefined();
    expect(fs.existsSync(dir!)).toBe(false);
  }, 90_000);

  it('removes its data directory on Ctrl-C while it runs, and keeps it with --keep', async () => {
    const [removed, kept] = await Promise.all([interruptDemo([]), interruptDemo(['--keep'])]);
    expect(removed.code).toBe(130);
    expect(removed.dir).toBeDefined();
    expect(fs.existsSync(removed.dir!)).toBe(false);
    expect(kept.code).toBe(130);
    expect(fs.existsSync(kept.dir!)).toBe(true);
    fs.rmSync(kept.dir!, { recursive: true, force: true });
  }, 90_000);
});
