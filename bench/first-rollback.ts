// Issue 19.8, time to first rollback: a fresh clone of this repository, then the README's commands as
// a new user runs them — `npm install` (an empty npm cache unless --warm-cache: a fresh machine has
// none), `npm run demo -- --once` until the guard's automatic rollback is printed, then `npm start`
// and the README walkthrough's blocks until its manual rollback. Prints each step's seconds and the
// two totals against the aim (5 minutes, install included) with the load average, since
// these machines are shared. Usage: npx tsx bench/first-rollback.ts [--warm-cache] [--keep]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readmeBlocks, REPO_ROOT } from '../test/readme-blocks.js';

const AIM_S = 300;
const warmCache = process.argv.includes('--warm-cache');
const keep = process.argv.includes('--keep');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'first-rollback-'));
const repo = path.join(work, 'stagecraft');
const env: NodeJS.ProcessEnv = { ...process.env, ...(warmCache ? {} : { npm_config_cache: path.join(work, 'npm-cache') }) };
// Nothing of this process's own npm/vitest context leaks into the user's shell.
for (const k of Object.keys(env)) if (k.startsWith('npm_') && k !== 'npm_config_cache') delete env[k];

const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const steps: Array<{ step: string; seconds: number; load: string }> = [];

/** Runs a command to completion (or until `until` matches its output, then stops it), timing it. */
function timed(step: string, cmd: string, args: string[], opts: { until?: RegExp; extraEnv?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repo, env: { ...env, ...opts.extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const settle = (ok: boolean) => {
      steps.push({ step, seconds: (performance.now() - started) / 1000, load: load() });
      if (ok) resolve(out);
      else reject(new Error(`${step} failed:\n${out.slice(-3000)}`));
    };
    const onData = (d: Buffer) => {
      out += d.toString();
      if (opts.until?.test(out)) {
        opts.until = undefined;
        settle(true);
        try {
          process.kill(-child.pid!, 'SIGINT');
        } catch {
          /* already gone */
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      if (opts.until) settle(false);
      else if (!steps.some((s) => s.step === step)) settle(code === 0);
    });
  });
}

/** Starts `npm start` on a free port and resolves with its URL and a stop function once it answers. */
async function startServer(): Promise<{ url: string; stop: () => void }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn('npm', ['start'], {
    cwd: repo,
    env: { ...env, STAGECRAFT_PORT: String(port), STAGECRAFT_DATA_DIR: path.join(work, 'data') },
    stdio: 'ignore',
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/api/v1/health`)).ok) break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  steps.push({ step: '`npm start` → the server answers', seconds: (performance.now() - started) / 1000, load: load() });
  return { url, stop: () => process.kill(-child.pid!, 'SIGTERM') };
}

try {
  const t0 = performance.now();
  execFileSync('git', ['clone', '-q', REPO_ROOT, repo]);
  steps.push({ step: '`git clone`', seconds: (performance.now() - t0) / 1000, load: load() });
  await timed(`\`npm install\` (${warmCache ? 'warm' : 'empty'} npm cache)`, 'npm', ['install']);
  await timed('`npm run demo -- --once` → the guard rolls back', 'npm', ['run', 'demo', '--', '--once', '--port', '0'], { until: /The guard rolled Production back/ });
  const demoTotal = steps.reduce((s, x) => s + x.seconds, 0);
  const server = await startServer();
  try {
    const script = path.join(work, 'walkthrough.sh');
    fs.writeFileSync(script, `shopt -s expand_aliases\nset -eo pipefail\n${readmeBlocks('Walkthrough', 'bash', path.join(repo, 'README.md')).join('\n')}\n`);
    await timed('README walkthrough → manual rollback done', 'bash', [script], { extraEnv: { STAGECRAFT_URL: server.url } });
  } finally {
    server.stop();
  }
  const byName = (prefix: string) => steps.find((s) => s.step.startsWith(prefix))!.seconds;
  const walkTotal = byName('`git clone`') + byName('`npm install`') + byName('`npm start`') + byName('README walkthrough');
  console.log(`Time to first rollback (${os.cpus().length} cores, Node ${process.version})\n`);
  console.log('| step | seconds | load average after |\n| --- | ---: | --- |');
  for (const s of steps) console.log(`| ${s.step} | ${s.seconds.toFixed(1)} | ${s.load} |`);
  console.log(`\nclone → the demo's automatic rollback: ${demoTotal.toFixed(0)} s (${(demoTotal / AIM_S).toFixed(2)} of the ${AIM_S} s aim)`);
  console.log(`clone → the walkthrough's manual rollback (install, npm start, walkthrough; no demo): ${walkTotal.toFixed(0)} s (${(walkTotal / AIM_S).toFixed(2)} of the aim)`);
} finally {
  if (keep) console.log(`kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
