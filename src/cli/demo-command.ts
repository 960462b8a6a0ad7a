// `stagecraft demo`: the guard catching a bad model, end to end, on a temporary data directory.
// A real server (registry + gateway + monitoring) starts in-process; everything else goes over its
// HTTP API as a user's tools would: register two real ONNX fraud models with reference data,
// promote v1, set a recall policy, promote v2, replay traffic through the gateway with labels
// arriving later, and watch the guard roll back to v1 with its evidence.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { createClient, type StagecraftClient } from '../../sdk/client.js';
import { configFromEnv, processEnv } from '../config.js';
import { createDeps } from '../deps.js';
import { DEMO_POLICY, FRAUD_FEATURES, FRAUD_V1, FRAUD_V2, fraudModel, referenceCsv, transactions, v2InferBody, type Transaction } from '../observe/demo-scenario.js';
import { buildServer, configuredExtensions } from '../server.js';
import type { CliContext } from './cli-context.js';
import { listenOrExplain } from './port-in-use.js';
import { selfName } from './self-name.js';
import { addExamples } from './help-examples.js';

const MODEL = 'fraud';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function send(c: StagecraftClient, method: string, url: string, body?: unknown, type = 'application/json') {
  const res = await c.raw(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': type },
    body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  return { body: text ? JSON.parse(text) : null, requestId: res.headers.get('stagecraft-request-id') };
}

async function registerVersion(c: StagecraftClient, weights: { weights: number[]; bias: number }, description: string, reference: Transaction[]) {
  const blob = await send(c, 'POST', '/api/v1/blobs', fraudModel(weights, description), 'application/octet-stream');
  const v = await send(c, 'POST', `/api/v1/models/${MODEL}/versions`, {
    files: [{ path: 'model.onnx', sha256: blob.body.sha256 }],
    description,
    tags: { 'stagecraft.feature_names': FRAUD_FEATURES.join(',') },
  });
  await send(c, 'PUT', `/api/v1/models/${MODEL}/versions/${v.body.version}/reference`, referenceCsv(reference), 'text/csv');
  return v.body.version as number;
}

async function promote(c: StagecraftClient, version: number, reason: string) {
  await send(c, 'POST', `/api/v1/models/${MODEL}/versions/${version}/stage`, { stage: 'Production', archive_existing_versions: true, reason });
}

/** Serves until the gateway answers from `version` (it follows the registry's change feed). */
async function waitServing(c: StagecraftClient, version: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await send(c, 'POST', `/v2/models/${MODEL}/infer`, v2InferBody(transactions(1, 1)[0]));
      if (Number(r.body.model_version) === version) return;
    } catch {
      // still loading
    }
    await sleep(100);
  }
  throw new Error(`the gateway did not start serving version ${version}`);
}

/** Replays transactions through the gateway, a few at a time; returns request ids with their truth. */
async function replay(c: StagecraftClient, txs: Transaction[], concurrency = 8) {
  const served: Array<{ request_id: string; label: number }> = [];
  for (let i = 0; i < txs.length; i += concurrency) {
    const batch = txs.slice(i, i + concurrency);
    const answers = await Promise.all(batch.map((t) => send(c, 'POST', `/v2/models/${MODEL}/infer`, v2InferBody(t))));
    answers.forEach((a, j) => served.push({ request_id: a.requestId ?? a.body.id, label: batch[j].fraud }));
  }
  return served;
}

export interface DemoResult {
  url: string;
  rolledBack: boolean;
  timeline: string[];
  close(): Promise<void>;
}

export async function runDemo(opts: { port: number; log: (s: string) => void; keep?: boolean }): Promise<DemoResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-demo-'));
  // Leave nothing behind unless --keep: removed by close(), and by an exit mid-demo (Ctrl-C while it
  // runs exits through demoCommand's handler, which runs this hook).
  const removeDir = () => {
    if (!opts.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', removeDir);
  const deps = await createDeps({ ...configFromEnv(processEnv()), dataDir, databaseUrl: null, host: '127.0.0.1', port: opts.port, logLevel: 'error' });
  const { app } = await buildServer(deps, configuredExtensions(deps).all());
  await listenOrExplain(() => app.listen({ host: '127.0.0.1', port: opts.port }), '--port N (or leave --port out: any free port)', async () => {
    await app.close();
    await deps.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const close = async () => {
    await app.close();
    await deps.close();
    process.removeListener('exit', removeDir);
    removeDir();
  };
  const c = createClient({ url, actor: 'demo' });
  const say = opts.log;
  say(`Stagecraft demo: server on ${url}, data in ${dataDir}${opts.keep ? ' (kept)' : ' (removed on exit; --keep keeps it)'}`);

  await send(c, 'POST', '/api/v1/models', { name: MODEL, description: 'card fraud detector (demo)' });
  const v1 = await registerVersion(c, FRAUD_V1, 'logistic regression, all features', transactions(2000, 11));
  const v2 = await registerVersion(c, FRAUD_V2, 'retrained with a bad feature scaling', transactions(2000, 12));
  say(`registered ${MODEL} v${v1} (good) and v${v2} (recall on fraud collapses), each with a 2000-row reference`);

  await promote(c, v1, 'initial release');
  await waitServing(c, v1);
  const early = await replay(c, transactions(300, 21));
  await send(c, 'POST', `/api/v1/models/${MODEL}/feedback`, { items: early });
  say(`v${v1} in Production: served 300 transactions, labels sent`);

  await send(c, 'PUT', `/api/v1/models/${MODEL}/policy`, DEMO_POLICY);
  say('policy set: recall >= 0.8 on the fraud class (threshold 0.5, min 100 labeled samples), error rate <= 5%, evaluated every 2 s');

  const promotedAt = Date.now();
  await promote(c, v2, 'retrained on last month');
  await waitServing(c, v2);
  const late = await replay(c, transactions(400, 22));
  say(`v${v2} in Production: served 400 transactions; labels now arrive in batches, as chargebacks come in`);
  let rolledBack = false;
  // Labels arrive later, a batch at a time; the guard acts once enough are in.
  for (let i = 0, round = 0; round < 120 && !rolledBack; round++) {
    if (i < late.length) {
      await send(c, 'POST', `/api/v1/models/${MODEL}/feedback`, { items: late.slice(i, i + 50) });
      i += 50;
    }
    await sleep(250);
    const m = await send(c, 'GET', `/api/v1/models/${MODEL}`);
    rolledBack = m.body.stages.Production === v1;
  }
  const events = (await send(c, 'GET', `/api/v1/events?model=${MODEL}&order=asc&limit=200`)).body.events as Array<{ time: string; actor: string; type: string; version: number | null; reason: string | null; from: string | null; to: string | null }>;
  const timeline = events
    .filter((e) => !['version.tag_set', 'version.reference_set'].includes(e.type))
    .map((e) => `${((Date.parse(e.time) - promotedAt) / 1000).toFixed(1).padStart(7)}s  ${e.actor.padEnd(6)} ${e.type.padEnd(24)} ${e.version !== null ? `v${e.version}` : ''}${e.from || e.to ? ` ${e.from ?? ''} -> ${e.to ?? ''}` : ''}${e.reason ? `  "${e.reason}"` : ''}`);
  say('\nTimeline (seconds from the promotion of v2):');
  for (const line of timeline) say(line);
  say(rolledBack ? `\nThe guard rolled Production back to v${v1}; v${v2} is marked failed with the evidence above.` : '\nThe guard did not roll back within 30 s (see `stagecraft health fraud 2`).');
  return { url, rolledBack, timeline, close };
}

export function demoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('see the guard roll back a bad model in about a minute (temporary data directory)')
    .option('--port <port>', 'port for the demo server (default: any free port)')
    .option('--once', 'exit after the demo instead of keeping the server running for exploring')
    .option('--keep', 'keep the temporary data directory on exit')
    .action(async (o: { port?: string; once?: boolean; keep?: boolean }) => {
      // With --json the narration goes to stderr and stdout carries one JSON result, as every command's.
      const json = !!ctx.globals().json;
      const narrate = (s: string) => (json ? ctx.io.stderr : ctx.io.stdout).write(`${s}\n`);
      // Ctrl-C while the demo runs: exit, so runDemo's exit hook removes the data directory.
      const interrupted = () => process.exit(130);
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      const result = await runDemo({ port: o.port === undefined ? 0 : Number(o.port), keep: o.keep, log: narrate }).finally(() => {
        process.removeListener('SIGINT', interrupted);
        process.removeListener('SIGTERM', interrupted);
      });
      if (json) ctx.out().line(JSON.stringify({ url: result.url, rolled_back: result.rolledBack, timeline: result.timeline }, null, 2));
      if (!o.once) {
        narrate(`\nExplore: ${result.url} (web UI), ${selfName(ctx.io.env)} --url ${result.url} health ${MODEL} 2, events, history ${MODEL}. Ctrl-C to stop.`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
          ctx.io.signal?.addEventListener('abort', () => resolve());
        });
      }
      await result.close();
      ctx.exitCode = result.rolledBack ? 0 : 1;
    });
  addExamples(program);
}
