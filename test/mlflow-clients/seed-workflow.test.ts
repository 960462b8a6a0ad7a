// The seed workflow (issue 15 point 5) with the official MLflow 2.17.2 and 3.x clients on SQLite and
// PostgreSQL: log a scikit-learn model, register it twice from runs:/, promote, roll back by
// transition, alias, load by every models:/ form with the in-memory model's predictions, register a
// copy from models:/, tag, search, delete, rename, delete the model. Then Stagecraft's side (point 6):
// every transition, alias move and delete the client made is in the audit log with the token's name
// as actor, and the Production history moved like any other change.
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../databases.js';
import { call } from '../http.js';
import { CLIENTS, describeWithMlflow, explain, runClient, useLiveStagecraft, type ClientVersion, type LiveStagecraft } from './harness.js';

interface SeedOut {
  ok: boolean;
  error?: string;
  failed_step?: string;
  mlflow_version: string;
  models_differ?: boolean;
  model_id?: string | null;
  registered?: string[];
  after_promote?: Record<string, string>;
  after_rollback?: Record<string, string>;
  champion?: string;
  loads?: Record<string, boolean>;
  copy?: { version: string; loads_like_v1: boolean };
  search?: { models: string[]; failed: string[]; latest: [string, string][] };
  renamed?: { name: string; versions: string[]; Production: boolean };
  after_delete?: string[];
}

const ACTOR = 'alice-mlflow';
const SCRIPT_MS = 180_000;

/** `artifacts`: save_model + log_artifacts (no LoggedModel); `log_model`: mlflow.sklearn.log_model. */
type LogMode = 'log_model' | 'artifacts';

async function seed(s: LiveStagecraft, token: string, client: ClientVersion, log: LogMode, phase: 'register' | 'cleanup', name: string): Promise<SeedOut> {
  const run = await runClient<SeedOut>(client, 'seed_workflow.py', {
    trackingUri: s.url,
    timeoutMs: SCRIPT_MS,
    env: { MLFLOW_TRACKING_TOKEN: token, SEED_MODEL: name, SEED_PHASE: phase, SEED_LOG: log },
  });
  expect(run.json?.ok, explain(run)).toBe(true);
  return run.json!;
}

function registerPhaseAnswers(out: SeedOut, client: ClientVersion, log: LogMode) {
  expect(out.mlflow_version.startsWith(client === '2.17.2' ? '2.17.2' : '3.')).toBe(true);
  expect(out.models_differ).toBe(true);
  expect(out.registered).toEqual(['1', '2']);
  expect(out.after_promote).toEqual({ '1': 'Archived', '2': 'Production' });
  expect(out.after_rollback).toEqual({ '1': 'Production', '2': 'Archived' });
  expect(out.champion).toBe('1');
  const loads: Record<string, boolean> = { 'version 1': true, 'version 2': true, Production: true, '@champion': true };
  if (client === '3.x' && log === 'log_model') {
    expect(out.model_id).toMatch(/^m-/);
    loads['models:/m-'] = true;
  }
  expect(out.loads).toEqual(loads);
  expect(out.copy).toEqual({ version: '3', loads_like_v1: true });
  expect(out.search?.models).toHaveLength(1);
  expect(out.search?.failed).toEqual(['3']);
  expect(out.search?.latest).toEqual([['Archived', '2'], ['None', '3'], ['Production', '1']]);
}

describeWithMlflow('the seed workflow with the official MLflow clients', () => {
  describe.each(DATABASES)('on %s', (kind) => {
    // The MLflow door alone: the registry's answers. The same flow on a full server, served by the
    // Python runtime with the gateway answering as the model, is seed-served.test.ts.
    const s = useLiveStagecraft(kind, { extensions: (ext) => ext.pick('mlflow') });
    let token = '';
    let auth: Record<string, string> = {};
    beforeAll(async () => {
      // a token makes the server closed: the client's MLFLOW_TRACKING_TOKEN names the actor
      token = (await call(s.app, 'POST', '/api/v1/tokens', { name: ACTOR, role: 'admin' })).body.token;
      auth = { authorization: `Bearer ${token}` };
    });

    const events = async (name: string) => {
      const res = await call(s.app, 'GET', `/api/v1/events?order=asc&limit=1000&type=version.*,alias.*,model.*`, undefined, auth);
      expect(res.status).toBe(200);
      return (res.body.events as { actor: string; model: string; version: number | null; type: string; target: string | null; from: string | null; to: string | null }[]).filter(
        (e) => e.model === name || e.model === `${name}-renamed`,
      );
    };

    async function wholeFlow(client: ClientVersion, log: LogMode) {
      const name = uniqueName(`seed-${client}`);
      registerPhaseAnswers(await seed(s, token, client, log, 'register', name), client, log);

      // Stagecraft's own history: each client move is a change like any other, with its actor
      const history = (await call(s.app, 'GET', `/api/v1/models/${name}/history?stage=Production`, undefined, auth)).body;
      expect(history.entries.map((e: { version: number; actor: string }) => [e.version, e.actor])).toEqual([
        [1, ACTOR],
        [2, ACTOR],
        [1, ACTOR],
      ]);
      const native = (await call(s.app, 'GET', `/api/v1/models/${name}/versions/1`, undefined, auth)).body;
      expect(native.stage).toBe('Production');
      const champion = (await call(s.app, 'GET', `/api/v1/models/${name}/history?alias=champion`, undefined, auth)).body;
      expect(champion.entries.map((e: { version: number }) => e.version)).toEqual([1, 2]); // newest first

      const cleanup = await seed(s, token, client, log, 'cleanup', name);
      expect(cleanup.renamed).toEqual({ name: `${name}-renamed`, versions: ['1', '2'], Production: true });
      expect(cleanup.after_delete).toEqual([]);

      const audit = await events(name);
      expect(audit.every((e) => e.actor === ACTOR), JSON.stringify(audit.filter((e) => e.actor !== ACTOR))).toBe(true);
      const moves = audit.filter((e) => ['version.stage_changed', 'alias.set', 'alias.deleted', 'version.deleted', 'model.renamed', 'model.deleted'].includes(e.type));
      expect(moves.map((e) => [e.type, e.version, e.from, e.to])).toEqual([
        ['version.stage_changed', 1, 'None', 'Production'],
        ['version.stage_changed', 2, 'None', 'Production'],
        ['version.stage_changed', 1, 'Production', 'Archived'],
        ['version.stage_changed', 1, 'Archived', 'Production'],
        ['version.stage_changed', 2, 'Production', 'Archived'],
        ['alias.set', 2, null, '2'],
        ['alias.set', 1, '2', '1'],
        ['version.deleted', 3, null, null],
        ['alias.deleted', 1, '1', null],
        ['model.renamed', null, name, `${name}-renamed`],
        ['version.stage_changed', 1, 'Production', 'Archived'],
        ['model.deleted', null, null, null],
      ]);
    }

    it.each(CLIENTS)('MLflow %s: artifacts logged with save_model + log_artifacts, then the whole flow', async (client) => wholeFlow(client, 'artifacts'), SCRIPT_MS * 2);

    it('MLflow 2.17.2: mlflow.sklearn.log_model, then the whole flow', async () => wholeFlow('2.17.2', 'log_model'), SCRIPT_MS * 2);

    // MLflow 3's log_model creates a LoggedModel (POST /logged-models); the flow also loads models:/m-….
    it('MLflow 3.x: mlflow.sklearn.log_model (LoggedModel) and models:/m-…, then the whole flow', async () => wholeFlow('3.x', 'log_model'), SCRIPT_MS * 2);
  });
});
